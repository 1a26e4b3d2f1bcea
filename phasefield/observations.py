"""Observations a material's model is held to: values, tolerances and sources, one file.

A material file names its observation file (``observations: observations/xu2021.yaml``, relative
to the material file). Each observation has an ``id``; a fitted parameter of the material names
the observations it was fitted to (``fit_targets``), and those are then *fit targets*: a model
that reproduces them shows that the fit worked, not that the model predicts. Every other model
value compared with an observation is a *prediction*, reported matched or not
(:mod:`phasefield.models.al_mg.report`).

How a value is compared (:meth:`Observation.agrees`):

- ``bound: about`` (the default): within ``tolerance`` (absolute, in the observation's unit) or
  within a ``factor`` (``value / factor`` to ``value * factor``);
- ``bound: below`` / ``above``: the observation is a limit (``beta_fraction below 0.01`` is "no
  β detected"; ``above 0`` is "β present").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .schema.errors import ConfigError, format_validation_error
from .schema.files import read_yaml_mapping

__all__ = ["Observation", "ObservationSet", "load_observations"]


class Observation(BaseModel):
    """One observed value and how a model value is held to it."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    quantity: str
    alloy: str | None = None
    temperature: float | None = Field(default=None, gt=0, description="K")
    anneal: float | None = Field(default=None, gt=0, description="s")
    value: float
    unit: str
    bound: Literal["about", "below", "above"] = "about"
    tolerance: float | None = Field(default=None, gt=0)
    factor: float | None = Field(default=None, gt=1)
    figure: str = Field(min_length=3)
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _comparison(self) -> Observation:
        given = (self.tolerance is not None) + (self.factor is not None)
        if self.bound == "about" and given != 1:
            raise ValueError(f"{self.id}: give exactly one of tolerance and factor")
        if self.bound != "about" and given:
            raise ValueError(f"{self.id}: a limit (bound: {self.bound}) has no tolerance")
        if self.factor is not None and self.value <= 0:
            raise ValueError(f"{self.id}: a factor needs a positive value")
        return self

    def agrees(self, model_value: float) -> bool:
        """Whether ``model_value`` (in this observation's unit) is within the observation."""
        if self.bound == "below":
            return model_value < self.value
        if self.bound == "above":
            return model_value > self.value
        if self.factor is not None:
            return self.value / self.factor <= model_value <= self.value * self.factor
        assert self.tolerance is not None
        return abs(model_value - self.value) <= self.tolerance

    def concerns(self, alloy: str, temperature: float, anneal: float) -> bool:
        """Whether this is an observation of ``alloy`` (one of the alloys a ratio names, as in
        ``NG-50/SC-8``) after an anneal at ``temperature`` (K, within 0.5 K) for ``anneal`` (s,
        within 1 %)."""
        return (
            alloy in (self.alloy or "").split("/")
            and self.temperature is not None
            and abs(self.temperature - temperature) <= 0.5
            and self.anneal is not None
            and abs(self.anneal - anneal) <= 0.01 * self.anneal
        )

    def describe(self) -> str:
        """The observation as a short phrase: ``10 nm ± 1``, ``below 0.01``, ``7.7e-13 ×/÷ 3``."""
        unit = "" if self.unit == "1" else f" {self.unit}"
        if self.bound != "about":
            return f"{self.bound} {self.value:g}{unit}"
        if self.factor is not None:
            return f"{self.value:g}{unit} (×/÷ {self.factor:g})"
        return f"{self.value:g}{unit} ± {self.tolerance:g}"


class ObservationSet(BaseModel):
    """The observations of one file, by id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=3)
    observations: list[Observation] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ObservationSet:
        seen: set[str] = set()
        for item in self.observations:
            if item.id in seen:
                raise ValueError(f"observation id {item.id!r} appears twice")
            seen.add(item.id)
        return self

    def __iter__(self) -> Iterator[Observation]:  # type: ignore[override]
        return iter(self.observations)

    def __contains__(self, identifier: object) -> bool:
        return any(item.id == identifier for item in self.observations)

    def ids(self) -> list[str]:
        return [item.id for item in self.observations]

    def matching(
        self, quantity: str, alloy: str, temperature: float, anneal: float
    ) -> Observation | None:
        """The observation of ``quantity`` after an anneal of ``alloy`` (temperature in K within
        0.5 K, anneal time in s within 1 %), if there is one."""
        for item in self.observations:
            if item.quantity == quantity and item.concerns(alloy, temperature, anneal):
                return item
        return None


_CACHE: dict[tuple[Path, int], ObservationSet] = {}


def load_observations(path: Path) -> ObservationSet:
    """Read and check an observation file.

    Raises
    ------
    ConfigError
        A missing or malformed file, an entry without value, unit or figure, a repeated id, a
        comparison that is neither a tolerance, a factor nor a limit; naming the file and key.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise ConfigError([f"observations: no such file {path}"])
    key = (path, path.stat().st_mtime_ns)
    if key not in _CACHE:
        data = read_yaml_mapping(path)
        try:
            _CACHE[key] = ObservationSet.model_validate(data)
        except ValidationError as err:
            lines = format_validation_error(err, data, ObservationSet)
            raise ConfigError([f"{path}: {line}" for line in lines]) from None
    return _CACHE[key]
