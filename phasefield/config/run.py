"""The top level of a run's config: grid, time, output, checkpoints, model, initial state."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Union

import numpy as np
from pydantic import (
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..grid import Grid
from ..handler import Cadence
from ..models.keys import ModelKeys
from ..models.registry import MODELS
from ..schema import InitialCondition, Strict, Unit, resolve_path
from ..timestepping import SCHEMES

__all__ = [
    "CheckpointConfig",
    "GridConfig",
    "ModelConfig",
    "OutputConfig",
    "RegridConfig",
    "RunConfig",
    "TileConfig",
    "TimeConfig",
    "unit_context",
]

if TYPE_CHECKING:
    ModelConfig = ModelKeys
    SchemeName = str
else:
    #: The keys of every registered model, told apart by ``kind``.
    ModelConfig = Annotated[
        Union[tuple(spec.keys for spec in MODELS.values())],  # noqa: UP007
        Field(discriminator="kind"),
    ]
    #: The names ``time.scheme`` takes.
    SchemeName = Literal[tuple(SCHEMES)]

#: A length, a model time and a wall-clock time: numbers, or texts with units where the model is
#: in SI units (see :mod:`phasefield.schema.units`).
Length = Annotated[PositiveFloat, Unit("m")]
Duration = Annotated[PositiveFloat, Unit("s")]
WallTime = Annotated[PositiveFloat, Unit("s", model_units=False)]

#: Fields each model kind steps, in order.
MODEL_FIELDS: dict[str, tuple[str, ...]] = {kind: spec.keys.fields for kind, spec in MODELS.items()}


def unit_context(data: object) -> dict[str, object]:
    """What the :class:`~phasefield.schema.Unit` keys of ``data`` need to know: whether its
    model is in SI units (then texts with units convert), and the model's kind (for the
    message that refuses them otherwise)."""
    model = data.get("model") if isinstance(data, dict) else None
    kind = model.get("kind") if isinstance(model, dict) else None
    spec = MODELS.get(kind) if isinstance(kind, str) else None
    return {"si_units": spec is not None and spec.keys.si_units, "model_kind": kind}


class RegridConfig(Strict):
    """When the grid coarsens as the structure does (see :mod:`phasefield.simulation.regrid`):
    every field moves to a grid twice as coarse per axis, the interface width doubles with
    the spacing and the step grows fourfold, so each grain-size doubling costs the same steps."""

    widths: float | None = Field(
        None,
        description="regrid at the first save where the mean grain diameter reaches this many "
        "interface widths (the width of the grid then in use); above 1",
    )
    times: list[Duration] | None = Field(
        None, description="regrid at these model times instead (increasing)"
    )
    max: PositiveInt = Field(
        4, description="most regrids (the grid must halve that often; with times: their number)"
    )

    @model_validator(mode="after")
    def _one_trigger(self) -> RegridConfig:
        if (self.widths is None) == (self.times is None):
            raise ValueError("give exactly one of widths and times")
        if self.widths is not None and self.widths <= 1:
            raise ValueError(
                f"widths: {self.widths:g} would regrid before a grain is one interface width "
                "across; give more than 1 (e.g. 20)"
            )
        if self.times is not None and any(b <= a for a, b in itertools.pairwise(self.times)):
            raise ValueError("times: must be strictly increasing")
        return self

    @property
    def levels(self) -> int:
        """The most regrids this config can make."""
        return len(self.times) if self.times is not None else self.max


class TileConfig(Strict):
    """When the box is tiled to keep enough grains (see :mod:`phasefield.simulation.tiling`)."""

    grains: int = Field(
        description="tile the box 2 x 2 (2 x 2 x 2) after a save that counts fewer grains "
        "than this; at least 10"
    )
    max: PositiveInt = Field(
        2, description="most tilings (each multiplies the cells by 4 in 2-D, 8 in 3-D)"
    )
    shake: PositiveFloat = Field(
        0.1,
        description="largest displacement of the seeded deformation that makes the copies "
        "independent, in mean grain diameters",
    )
    shake_wavelength: PositiveFloat = Field(
        1.0, description="correlation length of that deformation, in mean grain diameters"
    )

    @field_validator("grains")
    @classmethod
    def _enough(cls, value: int) -> int:
        if value < 10:
            raise ValueError(
                f"{value} grains are too few for statistics to keep; give at least 10 (e.g. 100)"
            )
        return value


class GridConfig(Strict):
    shape: list[PositiveInt] = Field(description="cells per axis; 1, 2 or 3 entries")
    spacing: Length | list[Length] = Field(
        1.0, description="cell size: one number, or one per axis"
    )
    regrid: RegridConfig | None = Field(
        None, description="coarsen the grid as the grains grow (grain models; default never)"
    )
    tile: TileConfig | None = Field(
        None, description="tile the box when few grains remain (grain models; default never)"
    )

    @field_validator("shape")
    @classmethod
    def _dimensions(cls, value: list[int]) -> list[int]:
        if not 1 <= len(value) <= 3:
            raise ValueError(f"must have 1, 2 or 3 entries, not {len(value)}")
        if any(n < 2 for n in value):
            raise ValueError("every axis needs at least 2 cells")
        return value

    @model_validator(mode="after")
    def _spacing_per_axis(self) -> GridConfig:
        if isinstance(self.spacing, list) and len(self.spacing) != len(self.shape):
            raise ValueError(
                f"spacing has {len(self.spacing)} entries for a {len(self.shape)}-D grid; "
                "give one number or one per axis"
            )
        return self

    @property
    def spacings(self) -> tuple[float, ...]:
        if isinstance(self.spacing, list):
            return tuple(self.spacing)
        return (self.spacing,) * len(self.shape)

    @property
    def grid(self) -> Grid:
        """The grid the run starts on."""
        return Grid(self.shape, self.spacings)


class AdaptiveConfig(Strict):
    tolerance: PositiveFloat = Field(
        description="root-mean-square local error allowed per step, in the fields' units "
        "(estimated from the difference of the SBDF2 and IMEX-Euler updates)"
    )
    dt_min: Duration | None = Field(None, description="smallest step (default none)")
    dt_max: Duration | None = Field(None, description="largest step (default none)")

    @model_validator(mode="after")
    def _ordered(self) -> AdaptiveConfig:
        if self.dt_min is not None and self.dt_max is not None and self.dt_min > self.dt_max:
            raise ValueError(f"dt_min ({self.dt_min:g}) is above dt_max ({self.dt_max:g})")
        return self


class TimeConfig(Strict):
    dt: Duration = Field(description="time step (with adaptive: the first step)")
    end: Duration | None = Field(None, description="model time to stop at")
    steps: PositiveInt | None = Field(None, description="number of steps (instead of end)")
    scheme: SchemeName = Field(
        "imex_euler",
        description="time-stepping scheme: imex_euler (first order) or sbdf2 (second order); "
        "default: the model's (sbdf2 for grain_growth, imex_euler for the others)",
    )

    adaptive: AdaptiveConfig | None = Field(
        None, description="step-size control from a local-error estimate (sbdf2 only)"
    )

    @model_validator(mode="after")
    def _one_stop(self) -> TimeConfig:
        if (self.end is None) == (self.steps is None):
            raise ValueError("give exactly one of end and steps")
        if self.adaptive is not None and not SCHEMES[self.scheme].controllable:
            raise ValueError("adaptive needs scheme: sbdf2 (its error estimate)")
        return self


class OutputConfig(Strict):
    path: Path | None = Field(None, description="zarr store; default out/<name>.zarr")
    every: Duration | None = Field(None, description="model time between saves")
    every_steps: PositiveInt | None = Field(None, description="steps between saves")
    times: list[Duration] | None = Field(
        None, description="explicit save times, increasing (e.g. log-spaced for coarsening)"
    )
    fields: list[str] | None = Field(None, description="fields to store; default all")
    background: Literal["auto", "on", "off"] = Field(
        "auto",
        description="write saves on a worker thread while the steps go on (copies to the host "
        "on their own CUDA stream); auto: on with CuPy, off on the CPU",
    )

    @field_validator("times")
    @classmethod
    def _increasing(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError("must be strictly increasing")
        return value

    @field_validator("path")
    @classmethod
    def _resolve(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else resolve_path(value, info)

    @model_validator(mode="after")
    def _one_cadence(self) -> OutputConfig:
        given = [key for key in ("every", "every_steps", "times") if getattr(self, key) is not None]
        if len(given) > 1:
            raise ValueError(f"give at most one of every, every_steps and times (got {given})")
        return self


class CheckpointConfig(Strict):
    every_seconds: WallTime = Field(300.0, description="wall time between checkpoints")
    every_steps: PositiveInt | None = Field(None, description="also checkpoint every N steps")


class LimitsConfig(Strict):
    """Guards against a run that would never end or fill the disk by accident (a step or an
    end time in the wrong unit, a save cadence far too fine)."""

    max_steps: PositiveInt = Field(
        10**9, description="most steps a run may take (time.end / time.dt, or time.steps)"
    )
    max_saves: PositiveInt = Field(100_000, description="most saves a run may write")


class RunConfig(Strict):
    """A complete run: see the README's config reference."""

    name: str = Field(description="run name; the default store is out/<name>.zarr")
    seed: NonNegativeInt = Field(0, description="every random draw derives from it")
    backend: Literal["auto", "numpy", "cupy"] = "auto"
    precision: Literal["auto", "float32", "float64"] = Field(
        "auto", description="auto: float32 on a GPU (CuPy), float64 on the CPU"
    )
    grid: GridConfig
    time: TimeConfig
    output: OutputConfig = OutputConfig()
    checkpoint: CheckpointConfig = CheckpointConfig()
    limits: LimitsConfig = LimitsConfig()
    model: ModelConfig
    initial: dict[str, InitialCondition]
    tags: dict[str, str | float] = Field(
        default_factory=dict,
        description="free labels carried into the store (e.g. alloy: NG-50, anneal_time: 3600); "
        "reports group and extrapolate by them; they never change the run",
    )

    @model_validator(mode="before")
    @classmethod
    def _model_scheme(cls, data: object) -> object:
        """``time.scheme`` defaults to the model's (``default_scheme`` of its keys)."""
        if not isinstance(data, dict) or not isinstance(data.get("time"), dict):
            return data
        model = data.get("model")
        kind = model.get("kind") if isinstance(model, dict) else None
        spec = MODELS.get(kind) if isinstance(kind, str) else None
        if spec is None or "scheme" in data["time"]:
            return data
        return {**data, "time": {**data["time"], "scheme": spec.keys.default_scheme}}

    @field_validator("name")
    @classmethod
    def _file_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,119}", value):
            raise ValueError(
                f"{value!r} is not a usable name: start with a letter or digit and use only "
                "letters, digits and _ . + - (at most 120 characters)"
            )
        return value

    @property
    def fields(self) -> tuple[str, ...]:
        return self.model.fields

    @property
    def dtype(self) -> np.dtype:
        """The real dtype of the fields (``auto`` resolved for the backend this run gets)."""
        from ..backend import default_precision

        if self.precision == "auto":
            return np.dtype(default_precision(self.backend))
        return np.dtype(self.precision)

    @property
    def store_path(self) -> Path:
        return (
            self.output.path if self.output.path is not None else Path("out") / f"{self.name}.zarr"
        )

    @property
    def output_fields(self) -> tuple[str, ...]:
        """Every field a save can hold: the stepped ones and the derived ones (grain ids)."""
        return self.fields + self.model.derived_fields

    @property
    def saved_fields(self) -> tuple[str, ...]:
        if self.output.fields is not None:
            return tuple(self.output.fields)
        return self.output_fields

    def warnings(self) -> list[str]:
        """Things that are allowed but probably not meant (printed, never fatal)."""
        found = self.model.warnings(self.grid.spacings)
        regrid = self.grid.regrid
        if regrid is not None and regrid.widths is not None and regrid.widths < 10:
            found.append(
                f"grid.regrid.widths: after a regrid the grains are {regrid.widths / 2:g} "
                "interface widths across (the width doubles); below about 5 the remap's buffer "
                "between grains on one order parameter hardly fits: 10 or more is safer"
            )
        tile = self.grid.tile
        if tile is not None and regrid is None:
            growth = (2 ** len(self.grid.shape)) ** tile.max
            found.append(
                f"grid.tile: without grid.regrid, {tile.max} tiling(s) multiply the cells by "
                f"{growth}; the memory check counts the starting grid only"
            )
        return found

    @property
    def save_cadence(self) -> Cadence:
        """When to save (besides t = 0 and the end); ten even saves by default."""
        output = self.output
        if output.every is not None:
            return Cadence(every=output.every)
        if output.every_steps is not None:
            return Cadence(every_steps=output.every_steps)
        if output.times is not None:
            return Cadence(times=tuple(output.times))
        if self.time.end is not None:
            return Cadence(every=self.time.end / 10)
        assert self.time.steps is not None
        return Cadence(every_steps=max(1, self.time.steps // 10))

    @property
    def total_steps(self) -> int:
        """Steps to the end (the last may be shortened to land on a save or the end)."""
        if self.time.steps is not None:
            return self.time.steps
        assert self.time.end is not None
        return math.ceil(self.time.end / self.time.dt * (1 - 1e-12))

    def _beyond_limits(self) -> list[str]:
        """Problems of a run longer or with more saves than ``limits`` allow."""
        time, output, limits = self.time, self.output, self.limits
        least_dt = time.dt
        if time.adaptive is not None:  # steps grow: only dt_min bounds their number
            least_dt = time.adaptive.dt_min or math.inf
        steps = time.steps if time.steps is not None else (time.end or 0.0) / least_dt
        problems = []
        if steps > limits.max_steps:
            where = "time.steps" if time.steps is not None else "time.dt"
            problems.append(
                f"{where}: the run would take {steps:.3g} steps, more than limits.max_steps "
                f"({limits.max_steps}); check the units of time.dt and time.end, or raise "
                "limits.max_steps"
            )
        saves = 0.0
        if output.every is not None and time.end is not None:
            saves, key = time.end / output.every, "output.every"
        elif output.every_steps is not None:
            saves, key = steps / output.every_steps, "output.every_steps"
        elif output.times is not None:
            saves, key = len(output.times), "output.times"
        if saves > limits.max_saves:
            problems.append(
                f"{key}: the run would write {saves:.3g} saves, more than limits.max_saves "
                f"({limits.max_saves}); save less often or raise limits.max_saves"
            )
        return problems

    def _regrid_problems(self) -> list[str]:
        problems = []
        if self.grid.tile is not None and not self.model.regrid_fields:
            problems.append(
                f"grid.tile: {self.model.kind} has no grains to keep; remove grid.tile (only "
                "models with grains tile: grain_growth)"
            )
        regrid = self.grid.regrid
        if regrid is None:
            return problems
        if not self.model.regrid_fields:
            return [
                f"grid.regrid: {self.model.kind} cannot regrid (only models with grains: "
                "grain_growth); remove grid.regrid"
            ]
        if regrid.widths is not None and self.model.regrid_size is None:
            problems.append(
                f"grid.regrid.widths: {self.model.kind} has no grain size to compare; give "
                "grid.regrid.times"
            )
        factor = 2**regrid.levels
        if any(n % factor or n // factor < 8 for n in self.grid.shape):
            key = "grid.regrid.times" if regrid.times is not None else "grid.regrid.max"
            problems.append(
                f"{key}: {regrid.levels} regrid(s) halve the grid {regrid.levels} time(s), but "
                f"{self.grid.shape} cells cannot be divided by {factor} keeping at least 8 per "
                f"axis; use fewer regrids or a grid of a multiple of {8 * factor} cells per axis"
            )
        end = self.time.end
        if regrid.times is not None and end is not None and regrid.times[-1] > end:
            problems.append(f"grid.regrid.times: {regrid.times[-1]:g} is after time.end ({end:g})")
        return problems

    @model_validator(mode="after")
    def _consistent(self) -> RunConfig:
        problems: list[str] = self.model.check_initial(
            self.initial, tuple(self.grid.shape), self.grid.spacings
        )
        if self.output.fields is not None:
            known = self.output_fields
            bad = [name for name in self.output.fields if name not in known]
            if bad:
                problems.append(
                    f"output.fields: {', '.join(bad)} is not a field of {self.model.kind} "
                    f"(its fields: {', '.join(known)})"
                )
        scheme = self.time.scheme
        problems += self.model.check_time(
            scheme, SCHEMES[scheme].order, self.time.adaptive is not None
        )
        problems += self._beyond_limits() + self._regrid_problems()
        if self.time.steps is not None and self.output.every is not None:
            problems.append("output.every: with time.steps, give output.every_steps instead")
        if self.time.steps is not None and self.output.times is not None:
            problems.append("output.times: with time.steps, give output.every_steps instead")
        if (
            self.output.times is not None
            and self.time.end is not None
            and self.output.times[-1] > self.time.end
        ):
            problems.append(
                f"output.times: {self.output.times[-1]:g} is after time.end ({self.time.end:g})"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self
