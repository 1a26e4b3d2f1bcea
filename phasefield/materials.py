"""Material data: a YAML file in which every number carries its unit and its source.

A run names its material (``model.material: al_mg``): a file bundled with the package (the
repository's ``materials/`` folder), or a path to a YAML file of the same layout. Every quantity
is ``{value: ..., unit: ..., source: ...}`` or, for a function of temperature,
``{expression: "4971 - 3.500025*T", unit: ..., source: ...}`` (the expression grammar of
:mod:`phasefield.expression`, with ``T`` in kelvin and the file's named temperature functions).
The schema checks that each quantity is in the unit the model expects, so a value in the wrong
unit is an error, not a silent factor of ten thousand.

A number no one has measured is ``fitted: ...`` or ``estimated: ...`` in its source; a fitted
number names the observations it was fitted to (``fit_targets: [ids]``) in the observation file
the material names (``observations: observations/xu2021.yaml``, :mod:`phasefield.observations`).
The loader refuses a fitted number without targets, a target the file does not hold and targets
on a number that is not fitted, so that what the model reproduces by construction is known.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import itertools
import math
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .expression import ExpressionError, parse_expression
from .observations import ObservationSet, load_observations
from .schema.errors import ConfigError, format_validation_error
from .schema.files import read_yaml_mapping

__all__ = [
    "AlMgMaterial",
    "Arrhenius",
    "Quantity",
    "TemperatureFunction",
    "available_materials",
    "load_material",
    "material_path",
]

GAS_CONSTANT = 8.31451  # J/(mol K), as in the SGTE unary data (Dinsdale 1991)
AVOGADRO = 6.02214076e23  # 1/mol (SI 2019, exact)
BOLTZMANN = 1.380649e-23  # J/K (SI 2019, exact)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Quantity(_Section):
    """A number (``value``) or a function of temperature (``expression``), with unit and source."""

    value: float | None = None
    expression: str | None = None
    unit: str
    source: str = Field(min_length=3)
    note: str | None = None
    fit_targets: tuple[str, ...] = Field(
        default=(), description="ids of the observations a fitted quantity was fitted to"
    )

    @model_validator(mode="after")
    def _one_of(self) -> Quantity:
        if (self.value is None) == (self.expression is None):
            raise ValueError("give exactly one of value and expression")
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError("value must be finite")
        return self

    def at(self, temperature: float, functions: Mapping[str, float] | None = None) -> float:
        """The quantity at ``temperature`` (K), given the values of named functions there."""
        if self.value is not None:
            return float(self.value)
        assert self.expression is not None
        names = {"T": temperature, **(functions or {})}
        return float(_parsed(self.expression, tuple(sorted(names))).evaluate(np, names))


@functools.lru_cache(maxsize=512)
def _parsed(expression: str, names: tuple[str, ...]) -> Any:
    return parse_expression(expression, names)


def _expect(unit: str, *allowed: str) -> str:
    normalised = unit.replace(" ", "")
    if normalised not in {a.replace(" ", "") for a in allowed}:
        raise ValueError(f"expected unit {allowed[0]!r}, got {unit!r}")
    return unit


class TemperaturePiece(_Section):
    below: float = Field(gt=0, description="upper end of the range, K")
    expression: str


class TemperatureFunction(_Section):
    """A piecewise function of temperature (SGTE style), J/mol."""

    unit: str
    source: str = Field(min_length=3)
    pieces: list[TemperaturePiece] = Field(min_length=1)

    @field_validator("unit")
    @classmethod
    def _joule(cls, value: str) -> str:
        return _expect(value, "J/mol")

    @field_validator("pieces")
    @classmethod
    def _increasing(cls, value: list[TemperaturePiece]) -> list[TemperaturePiece]:
        if any(b.below <= a.below for a, b in itertools.pairwise(value)):
            raise ValueError("pieces must have increasing 'below' temperatures")
        for piece in value:
            try:
                parse_expression(piece.expression, ["T"])
            except ExpressionError as err:
                raise ValueError(f"expression {piece.expression!r}: {err}") from None
        return value

    def at(self, temperature: float) -> float:
        for piece in self.pieces:
            if temperature < piece.below:
                return float(_parsed(piece.expression, ("T",)).evaluate(np, {"T": temperature}))
        raise ValueError(f"temperature {temperature:g} K is outside the function's range")


def _unit(unit: str) -> Any:
    """A check that a quantity is in ``unit``."""

    def check(quantity: Quantity) -> Quantity:
        _expect(quantity.unit, unit)
        return quantity

    return AfterValidator(check)


JoulePerMole = Annotated[Quantity, _unit("J/mol")]
Metre = Annotated[Quantity, _unit("m")]
Kelvin = Annotated[Quantity, _unit("K")]
GramPerMole = Annotated[Quantity, _unit("g/mol")]
CubicMetrePerMole = Annotated[Quantity, _unit("m^3/mol")]
JoulePerSquareMetre = Annotated[Quantity, _unit("J/m^2")]
PerSecond = Annotated[Quantity, _unit("1/s")]
WeightPercent = Annotated[Quantity, _unit("wt%")]
Dimensionless = Annotated[Quantity, _unit("1")]


class SolutionPhase(_Section):
    """A substitutional solution: end members and Redlich–Kister interactions, J/mol."""

    description: str
    G_Al: JoulePerMole
    G_Mg: JoulePerMole
    interaction: list[JoulePerMole] = Field(
        min_length=1, description="L0, L1, ... (Redlich–Kister)"
    )


class CompoundPhase(_Section):
    """A line compound, given a narrow parabola around its composition."""

    description: str
    x_Mg: Dimensionless
    G: JoulePerMole
    curvature: JoulePerMole


class Thermodynamics(_Section):
    functions: dict[str, TemperatureFunction]
    alpha: SolutionPhase
    beta: CompoundPhase
    liquid: SolutionPhase


class Arrhenius(_Section):
    """``prefactor * exp(-activation_energy / (R T))``."""

    prefactor: Quantity
    activation_energy: JoulePerMole

    def at(self, temperature: float) -> float:
        energy = self.activation_energy.at(temperature)
        return self.prefactor.at(temperature) * math.exp(-energy / (GAS_CONSTANT * temperature))


def _prefactor(unit: str) -> Any:
    """A check that an Arrhenius law's prefactor is in ``unit``."""

    def check(law: Arrhenius) -> Arrhenius:
        try:
            _expect(law.prefactor.unit, unit)
        except ValueError as err:
            raise ValueError(f"prefactor: {err}") from None
        return law

    return AfterValidator(check)


class Kinetics(_Section):
    lattice_diffusion: Annotated[Arrhenius, _prefactor("m^2/s")]
    boundary_diffusion: Annotated[Arrhenius, _prefactor("m^3/s")]
    boundary_thickness: Metre
    beta_diffusion: Annotated[Arrhenius, _prefactor("m^2/s")]
    boundary_mobility: Annotated[Arrhenius, _prefactor("m^4/(J s)")]


def _positive(quantity: Quantity) -> Quantity:
    if quantity.value is not None and not quantity.value > 0:
        raise ValueError(f"an interface energy must be above 0 (got {quantity.value:g})")
    return quantity


Energy = Annotated[JoulePerSquareMetre, AfterValidator(_positive)]


class Interfaces(_Section):
    grain_boundary_energy: Energy
    precipitate_energy: Energy


class Structure(_Section):
    molar_volume_alpha: CubicMetrePerMole
    molar_volume_beta: CubicMetrePerMole
    lattice_parameter_Al: Metre
    lattice_parameter_reference: Metre
    lattice_reference_composition: WeightPercent


class Schwarz(_Section):
    """The Schwarz-structure law (see ``materials/README.md``)."""

    suppression_energy: JoulePerMole
    loss_prefactor: PerSecond
    loss_energy: JoulePerMole
    critical_size: Metre
    size_exponent: Dimensionless


class TemperatureRange(_Section):
    minimum: Kelvin
    maximum: Kelvin


class MolarMasses(_Section):
    Al: GramPerMole
    Mg: GramPerMole


class AlMgMaterial(_Section):
    """Everything the ``al_mg`` model reads from a material file."""

    name: str
    title: str
    observations: str | None = Field(
        default=None,
        description="the observation file (relative to the material file) that fit_targets name",
    )
    temperature_range: TemperatureRange
    molar_mass: MolarMasses
    thermodynamics: Thermodynamics
    kinetics: Kinetics
    interfaces: Interfaces
    structure: Structure
    schwarz: Schwarz

    def fitted(self) -> dict[str, tuple[str, ...]]:
        """The fitted quantities, by key (``schwarz.loss_energy``), with their fit targets."""
        return {key: q.fit_targets for key, q in _quantities(self) if q.fit_targets}

    def observation_set(self) -> ObservationSet | None:
        """The observations this material's fits name (:mod:`phasefield.observations`)."""
        return load_observations(Path(self.observations)) if self.observations else None


def _quantities(section: BaseModel, prefix: str = "") -> Iterator[tuple[str, Quantity]]:
    """Every :class:`Quantity` of a material, with its dotted key."""
    for name in type(section).model_fields:
        value = getattr(section, name)
        items = enumerate(value) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            key = f"{prefix}{name}" if index is None else f"{prefix}{name}.{index}"
            if isinstance(item, Quantity):
                yield key, item
            elif isinstance(item, BaseModel):
                yield from _quantities(item, f"{key}.")


def _is_fitted(source: str) -> bool:
    return source.lstrip().lower().startswith("fitted")


def _check_fits(material: AlMgMaterial, path: Path) -> AlMgMaterial:
    """Every fitted quantity names its fit targets, every target is an observation of the file
    the material names, and only fitted quantities have targets; the observation file's path is
    made absolute."""
    problems: list[str] = []
    observations = None
    if material.observations is not None:
        where = (path.parent / material.observations).resolve()
        if not where.is_file():
            raise ConfigError(
                [
                    f"{path}: observations: no such file {where} (a path relative to the "
                    "material file)"
                ]
            )
        observations = load_observations(where)
        material = material.model_copy(update={"observations": str(where)})
    for key, quantity in _quantities(material):
        fitted = _is_fitted(quantity.source)
        if fitted and not quantity.fit_targets:
            problems.append(
                f"{path}: {key}: a fitted quantity names the observations it was fitted to "
                "(fit_targets: [observation ids])"
            )
        elif quantity.fit_targets and not fitted:
            problems.append(
                f"{path}: {key}.fit_targets: only a fitted quantity has fit targets (its source "
                "says 'fitted: ...'); remove them or say how it was fitted"
            )
        elif quantity.fit_targets and observations is None:
            problems.append(
                f"{path}: {key}.fit_targets: the material names no observation file (add "
                "observations: <file> at its top)"
            )
        if observations is None:
            continue
        for target in quantity.fit_targets:
            if target not in observations:
                close = difflib.get_close_matches(target, observations.ids(), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(
                    f"{path}: {key}.fit_targets: no observation {target!r} in "
                    f"{material.observations}{hint}"
                )
    if problems:
        raise ConfigError(problems)
    return material


def _bundled_folder() -> Path | None:
    """The packaged copy of ``materials/`` (wheels), else the source tree's (editable installs).

    ``phasefield.materials_data`` has no ``__init__``: it is a namespace package, whose
    ``importlib.resources`` view is a MultiplexedPath (no usable ``str``), so its folder is
    taken from the import system's search locations instead.
    """
    try:
        spec = importlib.util.find_spec("phasefield.materials_data")
    except ModuleNotFoundError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if Path(location).is_dir():
            return Path(location)
    source = Path(__file__).resolve().parents[1] / "materials"
    return source if source.is_dir() else None


def available_materials() -> list[str]:
    """Names of the bundled materials."""
    folder = _bundled_folder()
    if folder is None:
        return []
    return sorted(path.stem for path in folder.glob("*.yaml"))


def material_path(name: str, base_dir: Path | None = None) -> Path:
    """The file of material ``name``: a path (relative to ``base_dir``) or a bundled name.

    Raises
    ------
    ConfigError
        When neither exists; the message lists the bundled materials.
    """
    candidate = Path(name).expanduser()
    if candidate.suffix in (".yaml", ".yml"):
        if not candidate.is_absolute() and base_dir is not None:
            candidate = base_dir / candidate
        if candidate.is_file():
            return candidate
        raise ConfigError([f"model.material: no such file {candidate}"])
    folder = _bundled_folder()
    environment = os.environ.get("PHASEFIELD_MATERIALS")
    for place in [Path(environment)] if environment else []:
        path = place / f"{name}.yaml"
        if path.is_file():
            return path
    if folder is not None and (folder / f"{name}.yaml").is_file():
        return folder / f"{name}.yaml"
    known = ", ".join(available_materials()) or "none"
    raise ConfigError(
        [
            f"model.material: unknown material {name!r}; bundled: {known} (or give a path to a "
            "YAML file)"
        ]
    )


def load_material(name: str, base_dir: Path | None = None) -> AlMgMaterial:
    """Read and check a material file (see :func:`material_path`).

    Raises
    ------
    ConfigError
        A missing file, malformed YAML, a missing parameter or a wrong unit, naming the file and
        the key.
    """
    path = material_path(name, base_dir).resolve()
    stat = path.stat()
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        _LOADED[key] = _read_material(path)
    return _LOADED[key]


#: Materials read so far (frozen, so safe to share), by file and its modification time: a
#: config's checks and the model that runs it read the file once.
_LOADED: dict[tuple[Path, int, int], AlMgMaterial] = {}


def _read_material(path: Path) -> AlMgMaterial:
    data = read_yaml_mapping(path)
    try:
        material = AlMgMaterial.model_validate(data)
    except ValidationError as err:
        raise ConfigError(
            [f"{path}: {line}" for line in format_validation_error(err, data, AlMgMaterial)]
        ) from None
    return _check_fits(material, path)
