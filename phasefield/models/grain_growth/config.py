"""Keys of ``model: {kind: grain_growth}``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt

from ...schema import FileInitial, Strict, Unit, VoronoiGrains, check_field_initial, file_shape
from ..keys import ModelKeys
from ..moelans import relaxation_time

__all__ = ["GrainGrowthConfig", "GrainKeys", "RemapConfig"]

#: Below this many grid spacings a boundary is not resolved (error); below the second, warn.
MIN_WIDTH_CELLS, GOOD_WIDTH_CELLS = 2.0, 3.0
#: The smallest mean grain size a start may have, in boundary widths.
MIN_GRAIN_WIDTHS = 2.0


class RemapConfig(Strict):
    """When and how far apart grains sharing an order parameter are kept."""

    every: PositiveFloat = Field(
        10.0,
        description="model time between checks, in relaxation times ℓ²/(8μσ); boundaries must "
        "move less than about half a width in that time (small grains between namesakes count "
        "as conflicts if they can vanish before the next check)",
    )
    every_steps: PositiveInt | None = Field(
        None, description="steps between checks (instead of every)"
    )
    buffer: PositiveFloat = Field(
        2.0, description="closest approach of two grains on one order parameter, in gb widths"
    )


class GrainKeys(ModelKeys):
    """Keys shared by the models whose grains live on a few order parameters."""

    derived_fields: ClassVar[tuple[str, ...]] = ("grain_id",)
    stack_dims: ClassVar[Mapping[str, str]] = {"eta": "op"}

    @property
    def interface_width(self) -> float:
        return self.gb_width

    def widened(self, factor: float) -> GrainKeys:
        return self.model_copy(update={"gb_width": self.gb_width * factor})

    def components(self, name: str) -> int:
        return self.order_parameters if name == "eta" else 1

    order_parameters: int = Field(ge=2, description="order parameters shared by all grains")
    gb_width: Annotated[PositiveFloat, Unit("m")] = Field(
        description="boundary width ℓ (several grid spacings)"
    )
    remap: RemapConfig = RemapConfig()

    def buffer_cells(self, spacing: tuple[float, ...]) -> int:
        return max(1, math.ceil(self.remap.buffer * self.gb_width / min(spacing)))

    def vanishing_cells(self, spacing: tuple[float, ...], interval: float) -> float:
        """Cells of a grain that may vanish before the next remap check, ``interval`` (in
        relaxation times ℓ²/(8μσ)) from now: in 2-D one that a four-sided grain loses in two
        intervals ((2π/3) μσ per unit time, von Neumann–Mullins); in 3-D a sphere whose R²
        (falling at 4 μσ) is gone in one interval."""
        rate = self.gb_width**2 / 8  # μσ times one relaxation time
        if len(spacing) == 2:
            measure = 2 * (2 * math.pi / 3) * rate * interval
        elif len(spacing) == 3:
            measure = 4 / 3 * math.pi * (4 * rate * interval) ** 1.5
        else:
            measure = 0.0
        return measure / math.prod(spacing)

    def check_grains(
        self, initial: dict, shape: tuple[int, ...], spacing: tuple[float, ...] = ()
    ) -> list[str]:
        """Problems of the grain start (``initial.grains`` or ``initial.eta``) and width."""
        problems: list[str] = []
        spacing = spacing or (1.0,) * len(shape)
        if ("grains" in initial) == ("eta" in initial):
            problems.append(
                f"initial: {getattr(self, 'kind', 'the model')} starts from `grains` (voronoi or "
                "an ids file) or from an `eta` file (one of them)"
            )
        cells = min(spacing)
        if self.gb_width < MIN_WIDTH_CELLS * cells * (1 - 1e-9):
            problems.append(
                f"model.gb_width: {self.gb_width:g} is under {MIN_WIDTH_CELLS:g} grid spacings "
                f"({MIN_WIDTH_CELLS * cells:g}); the boundary would not be resolved: use a "
                "width of 4 spacings or a finer grid"
            )
        grains = initial.get("grains")
        if isinstance(grains, VoronoiGrains):
            volume = math.prod(n * h for n, h in zip(shape, spacing, strict=False))
            capacity = int(volume / (MIN_GRAIN_WIDTHS * self.gb_width) ** len(shape))
            if grains.count > capacity:
                problems.append(
                    f"initial.grains.count: {grains.count} grains do not fit: each needs a mean "
                    f"size of at least {MIN_GRAIN_WIDTHS:g} boundary widths, so at most "
                    f"{capacity} fit on this grid; use fewer grains, a larger grid or a "
                    "narrower gb_width"
                )
        elif isinstance(grains, FileInitial):
            ids = np.load(grains.path, mmap_mode="r", allow_pickle=False)
            if ids.shape != file_shape(shape, len(shape)):
                problems.append(
                    f"initial.grains.path: {grains.path} has shape {ids.shape}; expected "
                    f"{file_shape(shape, len(shape))} (the store's layout: [z,] y, x)"
                )
            elif ids.dtype.kind not in "iu":
                problems.append(
                    f"initial.grains.path: {grains.path} holds {ids.dtype} values; grain ids "
                    "must be integers >= 0"
                )
            elif ids.size and int(np.min(ids)) < 0:
                problems.append(
                    f"initial.grains.path: {grains.path} has negative ids (lowest "
                    f"{int(np.min(ids))}); grain ids must be >= 0"
                )
        elif grains is not None:
            problems.append("initial.grains.kind: must be voronoi or file")
        if "eta" in initial:
            eta = initial["eta"]
            if not isinstance(eta, FileInitial):
                problems.append("initial.eta.kind: give the order parameters as a file")
            problems += check_field_initial("eta", eta, (self.order_parameters, *shape), len(shape))
        return problems

    def warnings(self, spacing: tuple[float, ...]) -> list[str]:
        widths = self.gb_width / min(spacing)
        if MIN_WIDTH_CELLS * (1 - 1e-9) <= widths < GOOD_WIDTH_CELLS * (1 - 1e-9):
            return [
                f"model.gb_width: {widths:.3g} grid spacings resolves the boundary coarsely; "
                "boundary energy and mobility are accurate from about 4 spacings"
            ]
        return []


class GrainGrowthConfig(GrainKeys):
    """Multi-order-parameter grain growth (Moelans et al. 2008) from boundary properties."""

    #: SBDF2: a shrinking circle's boundary moves within 0.13 % of its exact speed at steps up
    #: to half the relaxation time, where IMEX Euler is 41 % slow (tests/models/
    #: test_grain_growth.py checks every shipped config's step).
    default_scheme: ClassVar[str] = "sbdf2"

    fields: ClassVar[tuple[str, ...]] = ("eta",)
    regrid_fields: ClassVar[Mapping[str, str]] = {"eta": "profile"}
    regrid_size: ClassVar[str | None] = "mean_grain_size"

    kind: Literal["grain_growth"]
    gb_energy: PositiveFloat = Field(description="boundary energy σ")
    gb_mobility: PositiveFloat = Field(description="μ: velocity = μ σ × curvature")
    stabilization: Literal["auto"] | NonNegativeFloat = Field(
        "auto",
        description="linear stabilisation s (units of m = 6σ/ℓ); auto = m, stable for any dt. "
        "It slows boundaries by about dt·L·s: for quantitative kinetics keep dt ≤ 0.02 of the "
        "relaxation time ℓ²/(8μσ), or set 0 and dt < 0.5 of it",
    )

    @property
    def relaxation_time(self) -> float:
        """``ℓ² / (8 μ σ)``: how fast a boundary profile relaxes."""
        return relaxation_time(self.gb_width, self.gb_mobility, self.gb_energy)

    def check_time(self, scheme: str, order: int, adaptive: bool) -> list[str]:
        if adaptive:
            return [
                "time.adaptive: not for grain_growth (its remap checks are spaced in steps of "
                "time.dt, which longer steps would outrun); use fixed steps of sbdf2"
            ]
        return []

    def remap_steps(self, dt: float) -> int:
        """Steps between remap checks."""
        if self.remap.every_steps is not None:
            return self.remap.every_steps
        return max(1, round(self.remap.every * self.relaxation_time / dt))

    def check_initial(
        self, initial: dict, shape: tuple[int, ...], spacing: tuple[float, ...] = ()
    ) -> list[str]:
        unknown = sorted(set(initial) - {"grains", "eta"})
        problems = (
            [f"initial: {', '.join(unknown)} is not a start of grain_growth (grains or eta)"]
            if unknown
            else []
        )
        return problems + self.check_grains(initial, shape, spacing)
