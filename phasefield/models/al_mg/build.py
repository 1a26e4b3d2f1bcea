"""How an Al–Mg run is built from its keys: the model, its initial fields, its analyses."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...initial import check_finite, check_range, field_values, grain_start
from ..grain_growth.handlers import GrainAnalysis
from ..spec import Analysis, Start
from .config import AlMgConfig
from .handlers import second_phase
from .model import AlMg
from .population import PopulationAnalysis

__all__ = ["analyses", "build", "initial"]


def build(keys: AlMgConfig) -> AlMg:
    """The model of ``keys``, with its material and temperature programme."""
    return AlMg(
        order_parameters=keys.order_parameters,
        material=keys.load_material(),
        programme=keys.programme(),
        gb_width=keys.gb_width,
        stabilization=keys.stabilization,
        interface_kinetics=keys.interface_kinetics,
        safety=keys.time_step.safety,
        max_temperature_change=keys.time_step.max_temperature_change,
        precipitate_interface=keys.precipitate_interface,
        contact_angle=None
        if keys.nucleation.contact_angle == "auto"
        else float(keys.nucleation.contact_angle),
    )


def initial(start: Start) -> dict[str, Any]:
    """Grains, and the fields that have defaults: no β, the alloy's Mg everywhere, no Schwarz
    structure. Where β is given, the grains give way to it."""
    keys, grid, backend = start.keys, start.grid, start.backend
    fields: dict[str, Any] = {
        "eta": grain_start(
            start.initial,
            keys.order_parameters,
            keys.buffer_cells(grid.spacing),
            start.seed,
            grid,
            backend,
            start.dtype,
        )
    }
    defaults = {
        "phi": np.zeros(grid.shape),
        "c": np.full(grid.shape, keys.mole_fraction()),
        "f_schwarz": np.zeros(grid.shape),
    }
    for name, value in defaults.items():
        condition = start.initial.get(name)
        fields[name] = (
            value if condition is None else field_values(name, condition, start.seed, grid)
        )
        check_range(name, fields[name], 0.0, 1.0, backend)
    if "phi" in start.initial:
        xp = backend.xp
        phi = xp.asarray(fields["phi"])
        fields["eta"] = xp.asarray(fields["eta"]) * (1.0 - phi)[None]
    check_finite(fields, backend, skip=("eta",) if "grains" in start.initial else ())
    return fields


def analyses(keys: AlMgConfig) -> list[Analysis]:
    return [GrainAnalysis("eta", exclude=second_phase), PopulationAnalysis()]
