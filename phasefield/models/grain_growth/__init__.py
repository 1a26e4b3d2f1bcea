"""``model: {kind: grain_growth}``: multi-order-parameter grain growth
(:mod:`~phasefield.models.grain_growth.model`), many grains on a few order parameters with
remapping and tracking (:mod:`~phasefield.models.grain_growth.handlers`), keys in
:mod:`~phasefield.models.grain_growth.config`."""

from __future__ import annotations

from typing import Any

from ...grid import Grid
from ...handler import Handler
from ...initial import check_finite, grain_start
from ..moelans import barrier_height
from ..spec import Analysis, ModelSpec, Start
from .config import GrainGrowthConfig, GrainKeys, RemapConfig
from .handlers import GrainAnalysis, RemapHandler
from .model import GrainGrowth

__all__ = [
    "SPEC",
    "GrainAnalysis",
    "GrainGrowth",
    "GrainGrowthConfig",
    "GrainKeys",
    "RemapConfig",
    "RemapHandler",
]


def build(keys: GrainGrowthConfig) -> GrainGrowth:
    """The model of ``keys``; stabilisation ``auto`` is ``m``, stable for any step."""
    m = barrier_height(keys.gb_energy, keys.gb_width)
    return GrainGrowth(
        order_parameters=keys.order_parameters,
        gb_energy=keys.gb_energy,
        gb_width=keys.gb_width,
        gb_mobility=keys.gb_mobility,
        stabilization=m if keys.stabilization == "auto" else float(keys.stabilization) * m,
    )


def initial(start: Start) -> dict[str, Any]:
    keys = start.keys
    grid = start.grid
    eta = grain_start(
        start.initial,
        keys.order_parameters,
        keys.buffer_cells(grid.spacing),
        start.seed,
        grid,
        start.backend,
        start.dtype,
    )
    fields = {"eta": eta}
    check_finite(fields, start.backend, skip=("eta",) if "grains" in start.initial else ())
    return fields


def handlers(keys: GrainGrowthConfig, dt: float, grid: Grid) -> list[Handler]:
    """Remapping every ``remap.every`` relaxation times."""
    every = keys.remap_steps(dt)
    return [
        RemapHandler(
            "eta",
            every,
            keys.buffer_cells(grid.spacing),
            keys.gb_width / min(grid.spacing),
            keys.vanishing_cells(grid.spacing, every * dt / keys.relaxation_time),
        )
    ]


def analyses(keys: GrainGrowthConfig) -> list[Analysis]:
    return [GrainAnalysis("eta")]


def describe(keys: GrainGrowthConfig, dt: float, spacing: tuple[float, ...]) -> list[str]:
    tau = keys.relaxation_time
    return [
        f"boundary relaxation time {tau:.4g}: dt = {dt / tau:.3g} of it; remap check every "
        f"{keys.remap_steps(dt)} steps, buffer {keys.buffer_cells(spacing)} cells"
    ]


SPEC = ModelSpec(
    kind="grain_growth",
    keys=GrainGrowthConfig,
    build=build,
    initial=initial,
    handlers=handlers,
    analyses=analyses,
    describe=describe,
)
