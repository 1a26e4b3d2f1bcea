"""Phase equilibria of the Al–Mg description: α–β solvus and lever rule, β solvus and solidus
temperatures of an alloy, and the driving force for β nucleation. Host-side, on floats."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from .gibbs import AlMgThermodynamics, Phases, SolutionPhase

__all__ = [
    "AlphaBeta",
    "alpha_beta",
    "beta_solvus_temperature",
    "nucleation_driving_force",
    "solidus_temperature",
]


@dataclass(frozen=True)
class AlphaBeta:
    """α–β equilibrium of an alloy of Mg mole fraction ``x``: phase compositions and the β
    fraction by the lever rule (moles of atoms; 0 where the alloy is single α)."""

    temperature: float
    x_alloy: float
    x_alpha: float
    x_beta: float
    potential: float

    @property
    def beta_fraction(self) -> float:
        if self.x_alloy <= self.x_alpha:
            return 0.0
        return (self.x_alloy - self.x_alpha) / (self.x_beta - self.x_alpha)


def alpha_beta(phases: Phases, x_alloy: float) -> AlphaBeta:
    """The α–β equilibrium at the phases' temperature (the β parabola touches the common
    tangent at its own composition, see :mod:`phasefield.thermo.gibbs`)."""
    beta = phases.beta
    return AlphaBeta(phases.temperature, x_alloy, beta.x_alpha, beta.x0, beta.slope)


def beta_solvus_temperature(
    thermo: AlMgThermodynamics, x_alloy: float, low: float | None = None, high: float | None = None
) -> float | None:
    """The temperature above which an alloy of Mg mole fraction ``x_alloy`` is single α (None
    when it is two-phase, or single-phase, over the whole range searched)."""
    low = thermo.minimum if low is None else low
    high = thermo.maximum if high is None else high

    def excess(temperature: float) -> float:
        return alpha_beta(thermo.at(float(temperature)), x_alloy).x_alpha - x_alloy

    if excess(low) >= 0 or excess(high) <= 0:
        return None
    return float(brentq(excess, low, high, xtol=1e-6))


def _tie_line(solid: SolutionPhase, liquid: SolutionPhase) -> tuple[float, float]:
    """Solid and liquid compositions of the fcc–liquid common tangent on the Al-rich side."""

    def liquid_at(potential: float) -> float:
        return float(brentq(lambda x: liquid.potential(x) - potential, 1e-12, 1 - 1e-12))

    def gap(x_solid: float) -> float:
        potential = float(solid.potential(x_solid))
        x_liquid = liquid_at(potential)
        return float(
            solid.energy(x_solid) + potential * (x_liquid - x_solid) - liquid.energy(x_liquid)
        )

    x_solid = brentq(gap, 1e-9, 0.45, xtol=1e-14)
    return float(x_solid), liquid_at(float(solid.potential(x_solid)))


@functools.lru_cache(maxsize=256)
def _solidus(thermo: AlMgThermodynamics, x_rounded: float) -> float | None:
    def excess(temperature: float) -> float:
        phases = thermo.at(float(temperature))
        return _tie_line(phases.alpha, phases.liquid)[0] - x_rounded

    low, high = 600.0, 933.0
    try:
        if excess(low) <= 0 or excess(high) >= 0:
            return None
    except ValueError:
        return None
    return float(brentq(excess, low, high, xtol=1e-4))


def solidus_temperature(thermo: AlMgThermodynamics, x: float) -> float | None:
    """The solidus of fcc Al(Mg) of Mg mole fraction ``x`` (K): where α of this composition
    meets the liquid on the common tangent. Compositions are rounded to 1e-4."""
    return _solidus(thermo, round(float(x), 4))


def nucleation_driving_force(phases: Phases, x_alpha: Any, xp: Any = np) -> Any:
    """Driving force for forming β from α of composition ``x_alpha`` (J per mole of β atoms):
    the height of α's tangent at ``x_alpha`` above the β parabola at the parallel-tangent
    composition,

    .. math:: \\Delta g = G_\\alpha(x_\\alpha) + \\mu\\,(x^*_\\beta - x_\\alpha)
              - G_\\beta(x^*_\\beta), \\qquad G'_\\beta(x^*_\\beta) = \\mu = G'_\\alpha(x_\\alpha).

    Positive where β can nucleate."""
    alpha, beta = phases.alpha, phases.beta
    potential = alpha.potential(x_alpha, xp)
    x_beta = beta.composition(potential)
    return alpha.energy(x_alpha, xp) + potential * (x_beta - x_alpha) - beta.energy(x_beta, xp)
