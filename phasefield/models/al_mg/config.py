"""Keys of ``model: {kind: al_mg}``: the coupled Al–Mg model, in SI units."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ...schema import (
    ConfigError,
    ExpressionInitial,
    FileInitial,
    Strict,
    UniformInitial,
    Unit,
    check_field_initial,
)
from ..grain_growth.config import GrainKeys

__all__ = [
    "AlMgConfig",
    "CompositionConfig",
    "NucleationConfig",
    "ScheduleConfig",
    "SchwarzConfig",
    "TimeStepConfig",
]


#: Temperatures (K, or e.g. "450 degC"), times (s, or "1 h") and lengths (m, or "3 nm").
Temperature = Annotated[float, Unit("K")]
Time = Annotated[NonNegativeFloat, Unit("s")]
Radius = Annotated[PositiveFloat, Unit("m")]


class CompositionConfig(Strict):
    """The alloy's Mg content: one of ``wt_percent`` and ``mole_fraction``."""

    wt_percent: float | None = Field(None, description="Mg in weight percent")
    mole_fraction: float | None = Field(None, description="Mg mole fraction")

    @model_validator(mode="after")
    def _one(self) -> CompositionConfig:
        if (self.wt_percent is None) == (self.mole_fraction is None):
            raise ValueError("give exactly one of wt_percent and mole_fraction")
        if self.wt_percent is not None and not 0 < self.wt_percent < 100:
            raise ValueError(f"wt_percent must be between 0 and 100 (got {self.wt_percent:g})")
        if self.mole_fraction is not None and not 0 < self.mole_fraction < 1:
            raise ValueError(f"mole_fraction must be between 0 and 1 (got {self.mole_fraction:g})")
        return self


class ScheduleConfig(Strict):
    """A piecewise-linear temperature programme: ``[time (s), temperature (K)]`` points."""

    schedule: list[tuple[Time, Temperature]] = Field(
        min_length=1, description="[[t, T], ...], times strictly increasing, T in K"
    )

    @field_validator("schedule")
    @classmethod
    def _increasing(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        times = [t for t, _ in value]
        if any(b <= a for a, b in itertools.pairwise(times)):
            raise ValueError(f"times must be strictly increasing (got {times})")
        return value


class NucleationConfig(Strict):
    """Classical nucleation of β as seeded Poisson events, sub-grid growth of the nuclei by the
    Mg diffusion brings, and their promotion to phase-field particles."""

    enabled: StrictBool = True
    every_steps: PositiveInt = Field(
        10, description="steps between precipitation events (nucleation, sub-grid growth)"
    )
    radius: Literal["auto"] | Radius = Field(
        "auto",
        description="radius of a sub-grid particle promoted to the grid (m), which it reaches "
        "when its Mg fills a resolved particle of this size; auto = 1.5 boundary widths (the "
        "smallest the grid resolves)",
    )
    max_per_event: PositiveInt = Field(
        64, description="nuclei tried per event at most (site saturation beyond it)"
    )
    classes: int = Field(
        4, description="size classes of sub-grid particles a cell holds at most (>= 1)"
    )
    incubation: StrictBool = Field(
        True,
        description="transient nucleation: the rate rises as exp(-tau/t), tau = 1/(2 beta* Z^2) "
        "(Kampmann-Wagner; Kashchiev 1969); false: the steady rate from the start",
    )
    contact_angle: Literal["auto"] | float = Field(
        "auto",
        description="contact angle theta of a beta lens on a grain boundary (degrees, between 0 "
        "and 180; from 90 on the boundary lowers the barrier no more, S = 1); auto: Young's "
        "balance, cos theta = sigma_gb / (2 sigma_p)",
    )

    @field_validator("classes")
    @classmethod
    def _classes(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"must be at least 1 (got {value})")
        return value

    @field_validator("contact_angle")
    @classmethod
    def _angle(cls, value: str | float) -> str | float:
        if value != "auto" and not 0.0 < float(value) < 180.0:
            raise ValueError(f"must lie between 0 and 180 degrees, exclusive (got {value:g})")
        return value


class SchwarzConfig(Strict):
    """How often the Schwarz fraction is brought up to date (its law is the material's)."""

    every_steps: PositiveInt = Field(20, description="steps between updates")


class TimeStepConfig(Strict):
    """Adaptive steps: ``time.dt`` is the largest; the kinetics set the rest."""

    safety: float = Field(
        0.1,
        gt=0,
        le=0.9,
        description="step / fastest interface relaxation time: stable below 1; the first-order "
        "step slows boundaries by about 0.35 x safety (4 % at the default)",
    )
    max_temperature_change: Annotated[PositiveFloat, Unit("K", difference=True)] = Field(
        2.0, description="most the temperature may change within one step (K)"
    )


class AlMgConfig(GrainKeys):
    """Grains + Mg (KKS) + β-Al3Mg2 + Schwarz-structure fraction (see the README)."""

    fields: ClassVar[tuple[str, ...]] = ("eta", "phi", "c", "f_schwarz")
    si_units: ClassVar[bool] = True
    #: the pointwise fields of a step (twelve), the relaxation rate, the exchange, the
    #: boundary indicator and the diffusion solver's work arrays
    scratch_fields: ClassVar[int] = 24
    #: Initial conditions that have defaults.
    optional_initial: ClassVar[tuple[str, ...]] = ("phi", "c", "f_schwarz")

    kind: Literal["al_mg"]
    material: str = Field("al_mg", description="a bundled material name or a YAML file path")
    composition: CompositionConfig
    temperature: Temperature | ScheduleConfig = Field(
        description="K: a constant, or {schedule: [[t, T], ...]}"
    )
    stabilization: Annotated[NonNegativeFloat, Unit("J/m^3")] = Field(
        0.0,
        description="linear stabilisation of the phase fields (units of m = 6σ/ℓ); 0 keeps the "
        "interface kinetics exact, the step then follows the fastest interface",
    )
    interface_kinetics: PositiveFloat = Field(
        0.5,
        description="α/β interface relaxation time over the diffusion time across it; small "
        "values make β growth diffusion-controlled",
    )
    precipitate_interface: Literal["grain_boundary", "material"] = Field(
        "material",
        description="potential of the diffuse α/β interface: the material's α/β energy σ_p (one "
        "energy for the interface, its nucleation and its growth; films along wetted boundaries "
        "stay partly mixed where the width exceeds the capillary length σ_p/ΔG_v), or a grain "
        "boundary's (γ = 3/2, energy σ_gb; the earlier default)",
    )
    nucleation: NucleationConfig = NucleationConfig()
    schwarz: SchwarzConfig = SchwarzConfig()
    time_step: TimeStepConfig = TimeStepConfig()

    @field_validator("temperature")
    @classmethod
    def _positive(cls, value: float | ScheduleConfig) -> float | ScheduleConfig:
        temperatures = [value] if isinstance(value, float | int) else [t for _, t in value.schedule]
        bad = [t for t in temperatures if not (t > 0 and math.isfinite(t))]
        if bad:
            raise ValueError(f"temperatures must be above 0 K (got {bad[0]:g})")
        return value

    @field_validator("material")
    @classmethod
    def _resolve_material(cls, value: str, info: ValidationInfo) -> str:
        from ...materials import load_material, material_path

        base = (info.context or {}).get("base_dir")
        try:
            path = material_path(value, Path(base) if base else None)
            load_material(str(path))
        except ConfigError as err:
            raise ValueError(
                "; ".join(line.removeprefix("model.material: ") for line in err.problems)
            ) from None
        return str(path) if Path(value).suffix in (".yaml", ".yml") else value

    @model_validator(mode="after")
    def _temperatures_in_range(self) -> AlMgConfig:
        material = self.load_material()
        low = material.temperature_range.minimum.at(300.0)
        high = material.temperature_range.maximum.at(300.0)
        outside = [t for t in self.temperatures if not low <= t <= high]
        if outside:
            raise ValueError(
                f"model.temperature: {outside[0]:g} K is outside the material's data range "
                f"({low:g}-{high:g} K, {self.material})"
            )
        return self

    @model_validator(mode="after")
    def _interface_representable(self) -> AlMgConfig:
        if self.precipitate_interface != "material":
            return self
        from ..moelans import gamma_for_energy_ratio

        interfaces = self.load_material().interfaces
        ratio = interfaces.precipitate_energy.at(300.0) / interfaces.grain_boundary_energy.at(300.0)
        try:
            gamma_for_energy_ratio(ratio)
        except ValueError as err:
            raise ValueError(
                f"model.precipitate_interface: material: the material's precipitate_energy is "
                f"{ratio:.3g} times its grain_boundary_energy, and {err}; use grain_boundary, "
                "or a material within that range"
            ) from None
        return self

    @property
    def temperatures(self) -> list[float]:
        if isinstance(self.temperature, ScheduleConfig):
            return [t for _, t in self.temperature.schedule]
        return [float(self.temperature)]

    def programme(self) -> Any:
        from .temperature import TemperatureProgramme

        if isinstance(self.temperature, ScheduleConfig):
            times, temperatures = zip(*self.temperature.schedule, strict=True)
            return TemperatureProgramme(tuple(map(float, times)), tuple(map(float, temperatures)))
        return TemperatureProgramme.constant(float(self.temperature))

    def load_material(self) -> Any:
        from ...materials import load_material

        return load_material(self.material)

    def mole_fraction(self) -> float:
        if self.composition.mole_fraction is not None:
            return self.composition.mole_fraction
        from ...thermo.composition import Composition

        assert self.composition.wt_percent is not None
        return float(
            Composition.of(self.load_material()).mole_fraction(self.composition.wt_percent)
        )

    def remap_steps(self, safety: float | None = None) -> int:
        """Steps between remap checks: ``remap.every`` relaxation times at the largest step the
        boundary kinetics allow (``time_step.safety`` of one), so never more."""
        if self.remap.every_steps is not None:
            return self.remap.every_steps
        return max(1, round(self.remap.every / (safety or self.time_step.safety)))

    def check_time(self, scheme: str, order: int, adaptive: bool) -> list[str]:
        if order > 1:
            return [
                f"time.scheme: {scheme} cannot step al_mg (its Mg field is solved by implicit "
                "diffusion, split from the rest at first order); use imex_euler"
            ]
        return []

    def step_description(self, dt: float) -> str | None:
        return f"steps of at most {dt:g}, shorter where the kinetics need"

    def check_initial(
        self, initial: dict, shape: tuple[int, ...], spacing: tuple[float, ...] = ()
    ) -> list[str]:
        problems: list[str] = []
        grains = {key: value for key, value in initial.items() if key in ("grains", "eta")}
        problems += self.check_grains(grains, shape, spacing)
        unknown = sorted(set(initial) - {"grains", "eta", *self.optional_initial})
        if unknown:
            problems.append(
                f"initial: {', '.join(unknown)} is not a field of al_mg (its fields: grains or "
                "eta, and optionally phi, c, f_schwarz)"
            )
        bounds = {"phi": (0.0, 1.0), "c": (0.0, 1.0), "f_schwarz": (0.0, 1.0)}
        for name, (low, high) in bounds.items():
            condition = initial.get(name)
            if condition is None:
                continue
            problems += check_field_initial(name, condition, shape, len(shape))
            if isinstance(condition, UniformInitial):
                top, bottom = condition.value + condition.noise, condition.value - condition.noise
                if bottom < low or top > high:
                    problems.append(
                        f"initial.{name}: values must lie in [{low:g}, {high:g}] (got "
                        f"{condition.value:g} ± {condition.noise:g})"
                    )
            elif not isinstance(condition, FileInitial | ExpressionInitial):
                problems.append(f"initial.{name}.kind: use uniform, file or expression")
        return problems

    def warnings(self, spacing: tuple[float, ...]) -> list[str]:
        lines = super().warnings(spacing)
        from ...thermo.equilibrium import solidus_temperature
        from ...thermo.gibbs import AlMgThermodynamics

        thermo = AlMgThermodynamics(self.load_material())
        solidus = solidus_temperature(thermo, self.mole_fraction())
        if solidus is not None and max(self.temperatures) > solidus:
            lines.append(
                f"model.temperature: {max(self.temperatures):g} K is above the solidus of the "
                f"alloy ({solidus:.0f} K); the model has no liquid, so partial melting is not "
                "represented"
            )
        return lines
