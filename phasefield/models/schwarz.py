"""The Schwarz-structure law of the Al–Mg model (materials/README.md).

The seed (Xu et al., Science 373, 683 (2021), doi:10.1126/science.abh0700) reads the stability
of its 8 nm Schwarz-structured alloy as a kinetic constraint that holds until the structure is
lost. With ``f`` the local Schwarz fraction:

.. math::
    s(f, T) = \\exp\\!\\Big(-\\frac{f\\,\\Delta Q_S}{R T}\\Big), \\qquad
    \\frac{df}{dt} = -\\nu_S\\,e^{-Q_S/(R T)}\\,f, \\qquad
    f \\le f_{max}(d) = \\frac{1}{1 + (d/d_S)^n},

``s`` multiplying every mobility and diffusivity where the structure is, the second the thermal
loss, the third the loss of a grain of equivalent diameter ``d`` that outgrows the structure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..materials import GAS_CONSTANT, AlMgMaterial

__all__ = ["SchwarzLaw"]


@dataclass(frozen=True)
class SchwarzLaw:
    suppression_energy: float  # ΔQ_S, J/mol
    loss_prefactor: float  # ν_S, 1/s
    loss_energy: float  # Q_S, J/mol
    critical_size: float  # d_S, m
    size_exponent: float  # n

    @classmethod
    def of(cls, material: AlMgMaterial) -> SchwarzLaw:
        law = material.schwarz
        return cls(
            law.suppression_energy.at(300.0),
            law.loss_prefactor.at(300.0),
            law.loss_energy.at(300.0),
            law.critical_size.at(300.0),
            law.size_exponent.at(300.0),
        )

    def exponent(self, temperature: float) -> float:
        """``ΔQ_S / (R T)``."""
        return self.suppression_energy / (GAS_CONSTANT * temperature)

    def suppression(self, fraction: float, temperature: float) -> float:
        """``s(f, T)``: the factor a Schwarz fraction ``f`` puts on transport."""
        return math.exp(-fraction * self.exponent(temperature))

    def loss_rate(self, temperature: float) -> float:
        """``ν_S exp(-Q_S/(R T))`` (1/s)."""
        return self.loss_prefactor * math.exp(-self.loss_energy / (GAS_CONSTANT * temperature))

    def cap(self, diameter: Any) -> Any:
        """``f_max(d)``: the most structure a grain of equivalent diameter ``d`` keeps."""
        return 1.0 / (1.0 + (diameter / self.critical_size) ** self.size_exponent)
