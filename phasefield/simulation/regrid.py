"""Regridding: the grid coarsens as the grains grow, so every doubling of the grain size costs
the same number of steps.

With the interface width ℓ tied to the spacing h and both doubled when the mean grain
diameter reaches ``grid.regrid.widths`` widths (or at ``grid.regrid.times``), the relaxation
time ``τ = ℓ²/(8μσ)`` and the step ``dt ∝ τ`` grow fourfold at each regrid, as does the time
the grains take to double in size (``d² ∝ μσt``): a whole anneal costs steps in proportion to
``log(d_end/d_0)`` (``MODELLING.md``), not to ``(d_end/d_0)²``. Each regrid divides the cell
count by 4 (2-D) or 8 (3-D); the grain count per box falls as the grains grow, which tiling
(:mod:`phasefield.simulation.tiling`) makes up for.

A regrid, between two steps (:func:`regrid`):

1. each ``profile`` field of the model (order parameters) is re-profiled to twice its width,
   point by point (:func:`~phasefield.models.moelans.widened_profile`: exact for a flat
   boundary, its midplane kept; the model relaxes junctions within a few new relaxation
   times). This needs no distance transform and no grain ids, and it is done on the fine
   grid, where the profile of the old width is resolved;
2. every field is carried to the grid twice as coarse by truncation of its spectrum
   (:meth:`~phasefield.spectral.SpectralSpace.coarsen`): the widened profile spans as many
   coarse cells as the old one spanned fine cells, so truncation loses only the modes the
   widened profile no longer has; a conserved field keeps its mean exactly (``û₀`` copied);
3. the model is rebuilt with the doubled width (:meth:`~phasefield.models.keys.ModelKeys.
   widened`: energies and mobilities unchanged), the stepper on the coarse space, the state
   from the coarse fields at the same time and step, with the same random stream (a
   multistep scheme starts its history again), and ``time.dt`` is multiplied by four;
4. handlers that hold grid-shaped state (the grain tracker's last id field) are told.

The level (regrids made) and the tilings are kept in the checkpoint's extras, so a resume
rebuilds the grid, the model and the step it stopped at (:func:`level_of`, :func:`build_level`);
the store writes each grid's fields in a group of its own (:func:`~phasefield.simulation.store.
open_grids`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ..config import RegridConfig, RunConfig
from ..grid import Grid
from ..handler import EVERY_STEP, Handler
from ..models.keys import ModelKeys
from ..models.moelans import widened_profile
from ..models.registry import spec_of
from ..spectral import SpectralSpace
from ..timestepping import StepControl, make_stepper
from .loop import Run

__all__ = [
    "FACTOR",
    "LEVEL",
    "TILINGS",
    "AtSaves",
    "Regridder",
    "build_level",
    "dt_scale",
    "grid_at",
    "keys_at",
    "level_of",
    "regrid",
    "replace_state",
    "step_control",
    "tilings_of",
]

#: The key of the level (regrids made) in the run's checkpointed extras.
LEVEL = "regrid_level"
#: The key of the number of tilings made (:mod:`phasefield.simulation.tiling`).
TILINGS = "tilings"
#: Each regrid coarsens by this factor per axis; each tiling repeats the box as often.
FACTOR = 2


def step_control(config: RunConfig, scale: float = 1.0) -> StepControl | None:
    """The step-size control of ``time.adaptive``, if given; its step limits ``scale`` times
    those of the config (after regrids, :func:`dt_scale`)."""
    adaptive = config.time.adaptive
    if adaptive is None:
        return None
    return StepControl(
        adaptive.tolerance,
        dt_min=scale * (adaptive.dt_min or 0.0),
        dt_max=scale * (adaptive.dt_max or math.inf),
    )


def level_of(extras: dict[str, Any]) -> int:
    """Regrids made so far (0 before the first, and in runs that never regrid)."""
    return int(extras.get(LEVEL, 0))


def grid_at(grid: Grid, level: int, tilings: int = 0) -> Grid:
    """``grid`` after ``level`` regrids and ``tilings`` tilings (in any order: a regrid halves
    the cells per axis and doubles the spacing, a tiling doubles the cells per axis)."""
    for _ in range(level):
        grid = grid.coarsened(FACTOR)
    copies = FACTOR**tilings
    return Grid(tuple(n * copies for n in grid.shape), grid.spacing)


def keys_at(keys: ModelKeys, level: int) -> ModelKeys:
    """The model's keys after ``level`` regrids (interfaces ``2^level`` times wider)."""
    return keys.widened(FACTOR**level) if level else keys


def dt_scale(level: int) -> float:
    """How much longer the steps are after ``level`` regrids: the relaxation time ∝ ℓ²."""
    return float(FACTOR ** (2 * level))


def build_level(
    config: RunConfig, grid: Grid, backend: Any, level: int = 0, tilings: int = 0
) -> tuple[Any, Any, Any]:
    """Model, space and stepper of ``config`` after ``level`` regrids and ``tilings`` tilings
    of ``grid`` (the config's grid): what a start and a resume build."""
    model = spec_of(config.model.kind).build(keys_at(config.model, level))
    space = SpectralSpace(grid_at(grid, level, tilings), backend, config.dtype)
    stepper = make_stepper(config.time.scheme, model, space, step_control(config, dt_scale(level)))
    return model, space, stepper


def tilings_of(extras: dict[str, Any]) -> int:
    """Tilings made so far."""
    return int(extras.get(TILINGS, 0))


def replace_state(
    run: Run,
    fields_on: Callable[[SpectralSpace], dict[str, Any]],
    level: int,
    tilings: int,
    handlers: Sequence[Handler],
    how: str,
) -> None:
    """Rebuild ``run`` on the grid of ``level`` and ``tilings`` from the fields
    ``fields_on(space)`` gives on that grid's space, at the same time and step with the same
    random stream (a multistep scheme's history starts again), and tell ``handlers`` (see
    :meth:`Handler.resized`)."""
    model, space, stepper = build_level(
        run.config, run.config.grid.grid, run.backend, level, tilings
    )
    state = run.state
    fields = fields_on(space)
    run.state = stepper.initialise(fields, time=state.time, step=state.step, rng=state.rng)
    run.model, run.space, run.stepper = model, space, stepper
    run.extras[LEVEL], run.extras[TILINGS] = level, tilings
    run.dt_scale = dt_scale(level)
    run.forget_derived()
    for handler in handlers:
        handler.resized(run, how, FACTOR)


def regrid(run: Run, handlers: Sequence[Handler] = ()) -> None:
    """Move ``run`` to the grid twice as coarse (see the module's docstring), in place."""
    run.flush_saves()  # a save in flight holds the old grid's fields
    config, state, old = run.config, run.state, run.space
    level = level_of(run.extras) + 1
    profiles = config.model.regrid_fields

    def coarse(space: SpectralSpace) -> dict[str, Any]:
        fields = {}
        for name in config.fields:
            values = state.fields[name]
            if profiles.get(name) == "profile":
                values = widened_profile(values, run.backend.xp)
            fields[name] = old.coarsen(values, space)
        return fields

    replace_state(run, coarse, level, tilings_of(run.extras), handlers, "coarsened")
    run.info["regrids"] = level


class AtSaves(Handler):
    """A handler that acts on what the save of this very step measured (after the store
    handler, before the checkpointer, whose checkpoint then holds the new grid)."""

    cadence = EVERY_STEP

    @staticmethod
    def saved(run: Any, key: str) -> float | None:
        """The scalar ``key`` of a save made after this step, or None."""
        saved = run.info.get("saved_scalars")
        if saved is None or run.info.get("last_saved_step") != run.state.step:
            return None
        value = saved.get(key)
        return None if value is None else float(value)


class Regridder(AtSaves):
    """Regrids after the step where ``settings`` say (a time of ``times``, which the loop lands
    on, or the first save at which the mean grain size reaches ``widths`` interface widths),
    at most ``settings.levels`` times."""

    def __init__(self, settings: RegridConfig, handlers: Sequence[Handler] = ()) -> None:
        self.settings = settings
        self.handlers = list(handlers)

    def time_index(self, run: Any) -> int:
        return level_of(run.extras) + 1

    def advance_time_index(self, run: Any) -> None:
        """The level counts the regrids (it is checkpointed)."""

    def next_time(self, run: Any) -> float | None:
        times, level = self.settings.times, level_of(run.extras)
        if times is None or level >= len(times):
            return None
        return times[level]

    def due(self, run: Any) -> bool:
        level = level_of(run.extras)
        settings = self.settings
        if level >= settings.levels:
            return False
        if settings.times is not None:
            return run.state.time >= settings.times[level]
        size = self.saved(run, run.config.model.regrid_size)
        if size is None:
            return False  # sizes are measured at saves
        width = keys_at(run.config.model, level).interface_width
        assert settings.widths is not None
        return size >= settings.widths * width

    def act(self, run: Any) -> None:
        if self.due(run):
            regrid(run, self.handlers)
