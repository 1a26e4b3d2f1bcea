"""The top level of a run's config: grid, time, output, checkpoints, model, initial state."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

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

from .al_mg import AlMgConfig
from .cahn_hilliard import CahnHilliardConfig
from .common import Strict
from .grain_growth import GrainGrowthConfig
from .initial import InitialCondition, resolve_path

if TYPE_CHECKING:
    from ..timestepping import StepControl

__all__ = [
    "CheckpointConfig",
    "GridConfig",
    "ModelConfig",
    "OutputConfig",
    "RunConfig",
    "SaveCadence",
    "TimeConfig",
]

ModelConfig = Annotated[
    CahnHilliardConfig | GrainGrowthConfig | AlMgConfig, Field(discriminator="kind")
]

#: Fields each model kind steps, in order.
MODEL_FIELDS: dict[str, tuple[str, ...]] = {
    "cahn_hilliard": CahnHilliardConfig.fields,
    "grain_growth": GrainGrowthConfig.fields,
    "al_mg": AlMgConfig.fields,
}


@dataclass(frozen=True)
class SaveCadence:
    """Saves every ``every`` model time, every ``every_steps`` steps, or at listed ``times``.

    Time-based saves are numbered from 1: save ``k`` is at ``k * every`` or ``times[k - 1]``.
    """

    every: float | None = None
    every_steps: int | None = None
    times: tuple[float, ...] | None = None

    def time_of(self, index: int) -> float | None:
        """Model time of time-based save ``index`` (None for step cadences or past the list)."""
        if self.every is not None:
            return index * self.every
        if self.times is not None and index <= len(self.times):
            return self.times[index - 1]
        return None

    def due_at_step(self, step: int) -> bool:
        return self.every_steps is not None and step % self.every_steps == 0

    def describe(self) -> str:
        if self.every is not None:
            return f"every {self.every:g} time units"
        if self.every_steps is not None:
            return f"every {self.every_steps} steps"
        assert self.times is not None
        return f"at {len(self.times)} listed times"


class GridConfig(Strict):
    shape: list[PositiveInt] = Field(description="cells per axis; 1, 2 or 3 entries")
    spacing: PositiveFloat | list[PositiveFloat] = Field(
        1.0, description="cell size: one number, or one per axis"
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


class AdaptiveConfig(Strict):
    tolerance: PositiveFloat = Field(
        description="root-mean-square local error allowed per step, in the fields' units "
        "(estimated from the difference of the SBDF2 and IMEX-Euler updates)"
    )
    dt_min: PositiveFloat | None = Field(None, description="smallest step (default none)")
    dt_max: PositiveFloat | None = Field(None, description="largest step (default none)")

    @model_validator(mode="after")
    def _ordered(self) -> AdaptiveConfig:
        if self.dt_min is not None and self.dt_max is not None and self.dt_min > self.dt_max:
            raise ValueError(f"dt_min ({self.dt_min:g}) is above dt_max ({self.dt_max:g})")
        return self


class TimeConfig(Strict):
    dt: PositiveFloat = Field(description="time step (with adaptive: the first step)")
    end: PositiveFloat | None = Field(None, description="model time to stop at")
    steps: PositiveInt | None = Field(None, description="number of steps (instead of end)")
    scheme: Literal["imex_euler", "sbdf2"] = Field(
        "imex_euler",
        description="time-stepping scheme: imex_euler (first order) or sbdf2 (second order)",
    )

    adaptive: AdaptiveConfig | None = Field(
        None, description="step-size control from a local-error estimate (sbdf2 only)"
    )

    @model_validator(mode="after")
    def _one_stop(self) -> TimeConfig:
        if (self.end is None) == (self.steps is None):
            raise ValueError("give exactly one of end and steps")
        if self.adaptive is not None and self.scheme != "sbdf2":
            raise ValueError("adaptive needs scheme: sbdf2 (its error estimate)")
        return self

    @property
    def control(self) -> StepControl | None:
        """The stepper's step-size control, if ``adaptive`` is given."""
        if self.adaptive is None:
            return None
        from ..timestepping import StepControl

        return StepControl(
            self.adaptive.tolerance,
            dt_min=self.adaptive.dt_min or 0.0,
            dt_max=self.adaptive.dt_max or math.inf,
        )


class OutputConfig(Strict):
    path: Path | None = Field(None, description="zarr store; default out/<name>.zarr")
    every: PositiveFloat | None = Field(None, description="model time between saves")
    every_steps: PositiveInt | None = Field(None, description="steps between saves")
    times: list[PositiveFloat] | None = Field(
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
    every_seconds: PositiveFloat = Field(300.0, description="wall time between checkpoints")
    every_steps: PositiveInt | None = Field(None, description="also checkpoint every N steps")


class RunConfig(Strict):
    """A complete run: see CONTRACT.md and the README's config reference."""

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
    model: ModelConfig
    initial: dict[str, InitialCondition]
    tags: dict[str, str | float] = Field(
        default_factory=dict,
        description="free labels carried into the store (e.g. alloy: NG-50, anneal_time: 3600); "
        "reports group and extrapolate by them; they never change the run",
    )

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
        return MODEL_FIELDS[self.model.kind]

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
        return self.model.warnings(self.grid.spacings)

    @property
    def save_cadence(self) -> SaveCadence:
        """When to save (besides t = 0 and the end); ten even saves by default."""
        output = self.output
        if output.every is not None:
            return SaveCadence(every=output.every)
        if output.every_steps is not None:
            return SaveCadence(every_steps=output.every_steps)
        if output.times is not None:
            return SaveCadence(times=tuple(output.times))
        if self.time.end is not None:
            return SaveCadence(every=self.time.end / 10)
        assert self.time.steps is not None
        return SaveCadence(every_steps=max(1, self.time.steps // 10))

    @property
    def total_steps(self) -> int:
        """Steps to the end (the last may be shortened to land on a save or the end)."""
        if self.time.steps is not None:
            return self.time.steps
        assert self.time.end is not None
        return math.ceil(self.time.end / self.time.dt * (1 - 1e-12))

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
        if self.time.scheme == "sbdf2" and self.model.kind == "al_mg":
            problems.append(
                "time.scheme: sbdf2 cannot step al_mg (its Mg field is solved by implicit "
                "diffusion, split from the rest at first order); use imex_euler"
            )
        if self.time.adaptive is not None and self.model.kind == "grain_growth":
            problems.append(
                "time.adaptive: not for grain_growth (its remap checks are spaced in steps of "
                "time.dt, which longer steps would outrun); use fixed steps of sbdf2"
            )
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
