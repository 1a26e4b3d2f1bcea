"""The handlers of an Al–Mg run: remapping (β cells belong to no grain), the Schwarz law, the
solidus watch and β nucleation, each on its step cadence."""

from __future__ import annotations

from typing import Any

from ...grid import Grid
from ...handler import Handler, RunContext
from ..grain_growth.handlers import RemapHandler
from .config import AlMgConfig
from .nucleation import PrecipitationHandler, PrecipitationSettings
from .schwarz import SchwarzHandler
from .solidus import SolidusWatch

__all__ = ["handlers", "second_phase"]


def second_phase(run: RunContext) -> Any:
    """Cells that belong to no grain (β), for grain labelling: ``phi > 1/2``."""
    return run.state.fields["phi"] > 0.5


def handlers(keys: AlMgConfig, dt: float, grid: Grid) -> list[Handler]:
    """Remapping at most every ``remap.every`` relaxation times of the largest stable step,
    the Schwarz law and the solidus watch every ``schwarz.every_steps`` steps, and nucleation
    events every ``nucleation.every_steps`` (if enabled)."""
    every = keys.remap_steps()
    found: list[Handler] = [
        RemapHandler(
            "eta",
            every,
            keys.buffer_cells(grid.spacing),
            keys.gb_width / min(grid.spacing),
            keys.vanishing_cells(grid.spacing, every * keys.time_step.safety),
            exclude=second_phase,
        ),
        SchwarzHandler(keys.schwarz.every_steps, exclude=second_phase),
        SolidusWatch(keys.schwarz.every_steps),
    ]
    nucleation = keys.nucleation
    if nucleation.enabled:
        radius = nucleation.radius
        found.append(
            PrecipitationHandler(
                PrecipitationSettings(
                    every_steps=nucleation.every_steps,
                    radius=None if radius == "auto" else float(radius),
                    max_per_event=nucleation.max_per_event,
                    classes=nucleation.classes,
                    incubation=nucleation.incubation,
                )
            )
        )
    return found
