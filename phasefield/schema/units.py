"""Numbers with units: each dimensional key declares its unit once, as metadata of its type.

``Annotated[PositiveFloat, Unit("m")]`` makes a key take a plain number (as before) or a text
``"0.5 nm"`` that pint converts to metres. The unit is the key's unit in SI; whether a text
with a unit is accepted depends on the model of the run, which the config layer passes in the
validation context:

- ``si_units`` true (a physical model, e.g. ``al_mg``): converted to the declared unit;
- otherwise (the generic models, whose numbers are in whatever units the user picks): refused,
  naming the model, since there is no unit to convert to.

A key declared ``Unit("s", model_units=False)`` (wall-clock time) always takes units. Offset
temperatures (``450 degC``) convert to kelvin; a temperature *change* (``difference=True``)
refuses them. The converted number goes on through the key's own type, so ranges, finiteness
and the rest are checked exactly as for a number written plainly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

__all__ = ["Unit", "unit_registry"]

#: A number, then the unit (``0.5 nm``, ``1e-9 m``, ``450 degC``, ``10 min``).
_QUANTITY = re.compile(
    r"\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf(?:inity)?|nan))\s*(.*?)\s*",
    re.IGNORECASE,
)

#: Words for the dimensions configs use, each by a unit of it.
_DIMENSION_NAMES = {
    "m": "a length",
    "s": "a time",
    "K": "a temperature",
    "kg": "a mass",
    "mol": "an amount of substance",
    "": "a pure number",
    "1/s": "a rate",
    "m/s": "a velocity",
    "m^2/s": "a diffusivity",
    "J": "an energy",
    "J/mol": "a molar energy",
    "J/m^2": "an energy per area",
    "J/m^3": "an energy per volume",
    "m^4/(J*s)": "a boundary mobility",
}


@cache
def unit_registry() -> Any:
    """pint's unit registry, made once (on the first text with a unit: plain numbers never
    load pint)."""
    import pint

    return pint.UnitRegistry()


def _dimension(dimensionality: Any) -> str:
    registry = unit_registry()
    for unit, name in _DIMENSION_NAMES.items():
        if registry.parse_units(unit).dimensionality == dimensionality:
            return name
    return f"of dimension {dimensionality}"


@dataclass(frozen=True)
class Unit:
    """The SI unit of a key (pydantic metadata: ``Annotated[float, Unit("m")]``).

    Parameters
    ----------
    symbol : str
        The unit the number is in, as pint parses it (``"m"``, ``"s"``, ``"K"``, ``"J/m^2"``).
    model_units : bool
        The key is in the model's units (the default): units are accepted only when the
        model is in SI units. False: always this unit (wall-clock times).
    difference : bool
        A difference (a temperature change): offset scales such as degC are refused.
    """

    symbol: str
    model_units: bool = True
    difference: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.with_info_before_validator_function(self.convert, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        number = handler(schema)
        text = {
            "type": "string",
            "description": f"a number and a unit convertible to {self.symbol}"
            + (" (models in SI units only)" if self.model_units else ""),
        }
        return {"anyOf": [number, text], "unit": self.symbol}

    def convert(self, value: Any, info: ValidationInfo) -> Any:
        """``value`` in this unit: a text with a unit converted, anything else unchanged."""
        if not isinstance(value, str):
            return value
        match = _QUANTITY.fullmatch(value)
        if match is None or not match[2]:
            return value  # a number written as text, or no number: the key's type says
        context = info.context or {}
        if self.model_units and not context.get("si_units"):
            model = context.get("model_kind") or "this model"
            raise ValueError(
                f"{value!r} has a unit, but {model} takes plain numbers in whatever consistent "
                "units you choose; give a number"
            )
        return self._magnitude(value, float(match[1]), match[2])

    def _magnitude(self, text: str, number: float, unit_text: str) -> float:
        import pint

        if not math.isfinite(number):
            raise ValueError(f"{text!r} is not a finite number")
        registry = unit_registry()
        target = registry.parse_units(self.symbol)
        try:
            unit = registry.parse_units(unit_text)
        except pint.UndefinedUnitError as err:
            raise ValueError(
                f"{text!r}: unknown unit {str(err.unit_names[0])!r}; write e.g. "
                f"'{number:g} {self.symbol}'"
            ) from None
        except Exception:  # pint's parser: unbalanced brackets, stray signs
            raise ValueError(
                f"{text!r}: cannot read the unit {unit_text!r}; write e.g. '{number:g} "
                f"{self.symbol}'"
            ) from None
        if unit.dimensionality != target.dimensionality:
            raise ValueError(
                f"{text!r} is {_dimension(unit.dimensionality)}, "
                f"{_dimension(target.dimensionality)} is needed (in {self.symbol})"
            )
        quantity = registry.Quantity(number, unit)
        if self.difference and not quantity._is_multiplicative:
            raise ValueError(
                f"{text!r} is a temperature on an offset scale; a change of temperature is "
                f"needed: write {number:g} K or {number:g} delta_degC"
            )
        # 15 significant digits: what a decimal number holds exactly, so '3 nm' is 3e-09 (not
        # 3.0000000000000004e-09) and a resumed config written either way is the same config
        magnitude = float(f"{float(quantity.to(target).magnitude):.15g}")
        if not math.isfinite(magnitude):
            raise ValueError(f"{text!r} is not a finite number in {self.symbol}")
        return magnitude
