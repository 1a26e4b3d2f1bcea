"""Compositions: Mg mole fraction and weight percent, and the α lattice parameter (Vegard)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..materials import AlMgMaterial

__all__ = ["Composition", "Vegard"]


@dataclass(frozen=True)
class Composition:
    """Converts between the Mg mole fraction ``x`` and weight percent ``w`` of Al–Mg.

    .. math:: w = 100\\,\\frac{x M_{Mg}}{x M_{Mg} + (1-x) M_{Al}}
    """

    molar_mass_al: float
    molar_mass_mg: float

    @classmethod
    def of(cls, material: AlMgMaterial) -> Composition:
        return cls(material.molar_mass.Al.at(300.0), material.molar_mass.Mg.at(300.0))

    def weight_percent(self, x: Any) -> Any:
        mg = x * self.molar_mass_mg
        return 100.0 * mg / (mg + (1 - x) * self.molar_mass_al)

    def mole_fraction(self, weight_percent: Any) -> Any:
        w = weight_percent / 100.0
        moles_mg = w / self.molar_mass_mg
        return moles_mg / (moles_mg + (1 - w) / self.molar_mass_al)


@dataclass(frozen=True)
class Vegard:
    """The α lattice parameter, linear in the Mg mole fraction (Vegard's law), through pure Al
    and the seed's 0.4119 nm at 15.9 wt % Mg: ``a(x) = a_Al + (a_ref - a_Al) x / x_ref`` (m)."""

    a_al: float
    a_reference: float
    x_reference: float

    @classmethod
    def of(cls, material: AlMgMaterial) -> Vegard:
        structure = material.structure
        x_reference = Composition.of(material).mole_fraction(
            structure.lattice_reference_composition.at(300.0)
        )
        return cls(
            structure.lattice_parameter_Al.at(300.0),
            structure.lattice_parameter_reference.at(300.0),
            x_reference,
        )

    def lattice_parameter(self, x: Any) -> Any:
        return self.a_al + (self.a_reference - self.a_al) * x / self.x_reference
