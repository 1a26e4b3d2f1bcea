"""Molar Gibbs energies of the Al–Mg phases from a CALPHAD description (J per mole of atoms).

A solution phase (fcc α, liquid) is a Redlich–Kister substitutional model in the Mg mole
fraction ``x``,

.. math:: G(x) = (1-x)\\,G_{Al} + x\\,G_{Mg} + RT\\,[x\\ln x + (1-x)\\ln(1-x)]
          + x(1-x)\\sum_k L_k\\,(1-2x)^k ,

and β-Al3Mg2, a line compound :math:`(x_\\beta, G^\\circ_\\beta)` in the database, is given a
parabola so that a phase-field model can carry it. The parabola is laid tangent, at
:math:`x_\\beta`, to the line that also touches the α curve (the α–β equilibrium of the line
compound), with slope :math:`\\mu_{eq}(T)`:

.. math:: G_\\beta(x) = G^\\circ_\\beta + \\mu_{eq}(T)\\,(x - x_\\beta)
          + \\tfrac{K}{2}(x - x_\\beta)^2 ,

so that the α solvus and the β composition at equilibrium are exactly those of the line compound
for any curvature :math:`K`; away from equilibrium the β composition moves by
:math:`(\\mu - \\mu_{eq})/K`.

The temperature-dependent coefficients are evaluated once per temperature on the host
(:meth:`AlMgThermodynamics.at`); the returned phases evaluate energies and their derivatives on
any array module (NumPy or CuPy), or on plain floats.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..materials import GAS_CONSTANT, AlMgMaterial, Quantity

__all__ = ["AlMgThermodynamics", "LinePhase", "Phases", "SolutionPhase"]

#: Mole fractions are kept this far from 0 and 1 where logarithms are taken.
X_MIN = 1e-12


@dataclass(frozen=True)
class SolutionPhase:
    """A Redlich–Kister solution at one temperature (coefficients in J/mol)."""

    g_al: float
    g_mg: float
    interactions: tuple[float, ...]
    rt: float

    def _polynomial(self, y: Any) -> tuple[Any, Any, Any]:
        """``P(y) = Σ L_k y^k`` and its first two derivatives, by Horner's rule."""
        value = 0.0 * y
        first = 0.0 * y
        second = 0.0 * y
        for coefficient in reversed(self.interactions):
            second = second * y + 2.0 * first
            first = first * y + value
            value = value * y + coefficient
        return value, first, second

    def energy(self, x: Any, xp: Any = np) -> Any:
        x = xp.clip(x, X_MIN, 1 - X_MIN)
        y = 1.0 - 2.0 * x
        polynomial, _, _ = self._polynomial(y)
        return (
            (1 - x) * self.g_al
            + x * self.g_mg
            + self.rt * (x * xp.log(x) + (1 - x) * xp.log(1 - x))
            + x * (1 - x) * polynomial
        )

    def potential(self, x: Any, xp: Any = np) -> Any:
        """``dG/dx``: the diffusion potential (J/mol)."""
        x = xp.clip(x, X_MIN, 1 - X_MIN)
        y = 1.0 - 2.0 * x
        polynomial, slope, _ = self._polynomial(y)
        return (
            self.g_mg
            - self.g_al
            + self.rt * xp.log(x / (1 - x))
            + y * polynomial
            - 2.0 * x * (1 - x) * slope
        )

    def curvature(self, x: Any, xp: Any = np) -> Any:
        """``d²G/dx²`` (J/mol)."""
        x = xp.clip(x, X_MIN, 1 - X_MIN)
        y = 1.0 - 2.0 * x
        polynomial, slope, bend = self._polynomial(y)
        return (
            self.rt / (x * (1 - x)) - 2.0 * polynomial - 4.0 * y * slope + 4.0 * x * (1 - x) * bend
        )


@dataclass(frozen=True)
class LinePhase:
    """A compound at ``x0`` given the parabola ``g0 + slope (x - x0) + K/2 (x - x0)²`` (J/mol)."""

    g0: float
    x0: float
    stiffness: float
    slope: float = 0.0
    #: The α composition on the common tangent (the α solvus).
    x_alpha: float = 0.0

    def energy(self, x: Any, xp: Any = np) -> Any:
        d = x - self.x0
        return self.g0 + d * (self.slope + 0.5 * self.stiffness * d)

    def potential(self, x: Any, xp: Any = np) -> Any:
        return self.slope + self.stiffness * (x - self.x0)

    def curvature(self, x: Any, xp: Any = np) -> Any:
        return self.stiffness + 0.0 * x

    def composition(self, potential: Any) -> Any:
        """The composition at which ``dG/dx`` equals ``potential``."""
        return self.x0 + (potential - self.slope) / self.stiffness


@dataclass(frozen=True)
class Phases:
    """α, β and liquid at one temperature."""

    temperature: float
    alpha: SolutionPhase
    beta: LinePhase
    liquid: SolutionPhase


class AlMgThermodynamics:
    """The phases of a material file, evaluated at any temperature in its range.

    Parameters
    ----------
    material : AlMgMaterial
        The checked material data (:func:`phasefield.materials.load_material`).
    """

    def __init__(self, material: AlMgMaterial) -> None:
        self.material = material
        self.minimum = material.temperature_range.minimum.at(300.0)
        self.maximum = material.temperature_range.maximum.at(300.0)

    def _functions(self, temperature: float) -> dict[str, float]:
        return {
            name: function.at(temperature)
            for name, function in self.material.thermodynamics.functions.items()
        }

    def _value(self, quantity: Quantity, temperature: float, functions: dict[str, float]) -> float:
        return quantity.at(temperature, functions)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one instance per run; temperatures repeat
    def at(self, temperature: float) -> Phases:
        """The phases at ``temperature`` (K)."""
        if not (temperature > 0 and math.isfinite(temperature)):
            raise ValueError(f"temperature must be positive, got {temperature}")
        functions = self._functions(temperature)
        rt = GAS_CONSTANT * temperature
        thermo = self.material.thermodynamics

        def solution(phase: Any) -> SolutionPhase:
            return SolutionPhase(
                g_al=self._value(phase.G_Al, temperature, functions),
                g_mg=self._value(phase.G_Mg, temperature, functions),
                interactions=tuple(
                    self._value(term, temperature, functions) for term in phase.interaction
                ),
                rt=rt,
            )

        alpha = solution(thermo.alpha)
        g0 = self._value(thermo.beta.G, temperature, functions)
        x0 = self._value(thermo.beta.x_Mg, temperature, functions)
        x_alpha, slope = line_compound_tangent(alpha, x0, g0)
        beta = LinePhase(
            g0=g0,
            x0=x0,
            stiffness=self._value(thermo.beta.curvature, temperature, functions),
            slope=slope,
            x_alpha=x_alpha,
        )
        return Phases(temperature, alpha, beta, solution(thermo.liquid))


def line_compound_tangent(alpha: SolutionPhase, x0: float, g0: float) -> tuple[float, float]:
    """The α composition and the slope of the line through the compound ``(x0, g0)`` that
    touches the α curve on the Al-rich side: the α solvus and the equilibrium diffusion
    potential. Where the compound is unstable against α at ``x0`` (no such line), the tangent
    at ``x0`` itself."""
    from scipy.optimize import brentq

    def height(x: float) -> float:
        return float(alpha.energy(x) + alpha.potential(x) * (x0 - x) - g0)

    low, high = 1e-9, x0 - 1e-9
    if height(high) <= 0 or height(low) >= 0:
        return x0, float(alpha.potential(x0))
    x = brentq(height, low, high, xtol=1e-15, rtol=1e-14, maxiter=200)
    return float(x), float(alpha.potential(x))
