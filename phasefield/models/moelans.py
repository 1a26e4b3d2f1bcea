"""The multi-order-parameter potential of Moelans, Blanpain & Wollants, Phys. Rev. B 78,
024113 (2008), doi:10.1103/PhysRevB.78.024113: its coefficients from a boundary's physical
properties, written once for every model that uses it, and its interface energy as a function
of γ.

With γ = 3/2 a flat boundary of energy σ and width ℓ (``1/max|∇η|`` of the profile
``η = (1 − tanh(2x/ℓ))/2``) moving with velocity ``μ σ × curvature`` needs

.. math:: m = \frac{6\\sigma}{\\ell}, \\qquad \\kappa = \frac{3\\sigma\\ell}{4}, \\qquad
          L = \frac{4\\mu}{3\\ell}, \\qquad \tau = \frac{1}{L m} = \frac{\\ell^2}{8\\mu\\sigma},

``τ`` the time in which a boundary profile relaxes (the stiffness of the phase-field step).

For two order parameters with the free energy

.. math:: f = m\\Big[\tfrac{\\eta_1^4}{4} - \tfrac{\\eta_1^2}{2} + \tfrac{\\eta_2^4}{4}
          - \tfrac{\\eta_2^2}{2} + \\gamma\\eta_1^2\\eta_2^2 + \tfrac14\\Big]
          + \frac{\\kappa}{2}\big(|\nabla\\eta_1|^2 + |\nabla\\eta_2|^2\big),

a flat interface has the energy :math:`\\sigma = g(\\gamma)\\sqrt{\\kappa m}`, with
:math:`g(3/2) = \\sqrt2/3` exactly. Other values have no closed form; the paper tabulates them.
Here :math:`g` is computed by minimising the discretised interface energy over the symmetric
profile :math:`\\eta_2(x) = \\eta_1(-x)`, so a second phase (β) sharing the potential of the
grains can be given its own interface energy through γ.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.optimize import brentq, minimize

__all__ = [
    "GAMMA",
    "GAMMA_RANGE",
    "barrier_height",
    "gamma_for_energy_ratio",
    "gradient_coefficient",
    "interface_energy_factor",
    "kinetic_coefficient",
    "relaxation_time",
    "widened_profile",
]

#: γ of grain boundaries: the symmetric potential, whose energy has the closed form.
GAMMA = 1.5


def barrier_height(energy: float, width: float) -> float:
    """``m = 6σ/ℓ`` (J/m³ for σ in J/m² and ℓ in m)."""
    return 6.0 * energy / width


def gradient_coefficient(energy: float, width: float) -> float:
    """``κ = 3σℓ/4`` (J/m)."""
    return 0.75 * energy * width


def kinetic_coefficient(mobility: float, width: float) -> float:
    """``L = 4μ/(3ℓ)`` (m³/(J s) for μ in m⁴/(J s))."""
    return 4.0 * mobility / (3.0 * width)


def relaxation_time(width: float, mobility: float, energy: float) -> float:
    """``τ = ℓ²/(8μσ)``: how fast a boundary profile relaxes."""
    return width**2 / (8 * mobility * energy)


def widened_profile(eta: np.ndarray, xp: object = np) -> np.ndarray:
    """The order parameters re-profiled to twice their boundary width, point by point.

    On the equilibrium profile ``η = (1 + tanh(2d/ℓ))/2`` (``d`` the signed distance to the
    boundary) ``s = 2η − 1 = tanh(a)``, ``a = 2d/ℓ``; the profile of width ``2ℓ`` is
    ``tanh(a/2) = s / (1 + √(1 − s²))``, a function of ``η`` alone. So a flat boundary
    between two grains gets the exact profile of the doubled width, with its midplane (and
    the grains' volumes) where they were, without a distance transform; at triple junctions,
    where the profiles are not those of one boundary, the model relaxes the rest within a
    few relaxation times (:func:`relaxation_time` of the new width). Values outside
    ``[0, 1]`` (overshoots of the spectral step) are clipped.

    Parameters
    ----------
    eta : array
        Order parameters (any shape); a new array is returned.
    xp : module
        The array module of ``eta`` (numpy or cupy).
    """
    eta = xp.clip(eta, 0.0, 1.0)  # type: ignore[attr-defined]
    # 1 − s² as 4η(1 − η): no cancellation near the grains' interiors
    return 0.5 * (1 + (2 * eta - 1) / (1 + 2 * xp.sqrt(eta * (1 - eta))))  # type: ignore[attr-defined]


#: The γ for which :func:`gamma_for_energy_ratio` searches (below 1/2 the pair mixes).
GAMMA_RANGE = (0.55, 40.0)

_POINTS = 321
_HALF_LENGTH = 8.0  # in units of sqrt(kappa/m): the profile has decayed to 1e-5 by then


@functools.lru_cache(maxsize=256)
def interface_energy_factor(gamma: float) -> float:
    """``g(γ) = σ / sqrt(κ m)`` of a flat boundary between two order parameters."""
    x = np.linspace(-_HALF_LENGTH, _HALF_LENGTH, _POINTS)
    dx = x[1] - x[0]
    start = 0.5 * (1 - np.tanh(x / math.sqrt(2)))

    def energy(inner: np.ndarray) -> tuple[float, np.ndarray]:
        first = np.concatenate(([1.0], inner, [0.0]))
        second = first[::-1]
        bulk = (
            first**4 / 4
            - first**2 / 2
            + second**4 / 4
            - second**2 / 2
            + gamma * first**2 * second**2
            + 0.25
        )
        slope = np.diff(first) / dx
        total = np.trapezoid(bulk, dx=dx) + np.sum(slope**2) * dx  # both gradients, κ/2 each
        # gradient with respect to the inner values: each η1 value also sets the mirrored η2
        d_bulk = 2 * (first**3 - first + 2 * gamma * first * second**2)
        weights = np.full(first.size, dx)
        weights[[0, -1]] = dx / 2
        grad_bulk = (d_bulk * weights)[1:-1]
        grad_slope = 2 * (slope[:-1] - slope[1:])
        return float(total), grad_bulk + grad_slope

    result = minimize(
        energy, start[1:-1], jac=True, method="L-BFGS-B", options={"maxiter": 5000, "gtol": 1e-12}
    )
    return float(result.fun)


@functools.lru_cache(maxsize=64)
def gamma_for_energy_ratio(ratio: float) -> float:
    """The γ whose interface energy is ``ratio`` times that of γ = 3/2 (same κ and m).

    Raises
    ------
    ValueError
        When no γ in :data:`GAMMA_RANGE` gives the ratio.
    """
    reference = interface_energy_factor(1.5)
    low, high = GAMMA_RANGE
    lowest, highest = (
        interface_energy_factor(low) / reference,
        interface_energy_factor(high) / reference,
    )
    if not lowest <= ratio <= highest:
        raise ValueError(
            f"an interface energy {ratio:.3g} times the grain boundary's is outside what the "
            f"potential gives ({lowest:.3g}-{highest:.3g})"
        )
    if math.isclose(ratio, 1.0, rel_tol=1e-12):
        return 1.5
    return float(
        brentq(lambda g: interface_energy_factor(g) / reference - ratio, low, high, xtol=1e-10)
    )
