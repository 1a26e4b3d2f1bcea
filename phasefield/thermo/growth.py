"""Diffusion-controlled growth of spherical β particles too small for the grid: the Gibbs–Thomson
composition at their interface and the rate at which they capture Mg (host-side, on arrays of
particles).

A sphere of radius ``R`` is in equilibrium with α of the composition :math:`x_R` at which the
parallel-tangent driving force (:func:`~phasefield.thermo.equilibrium.nucleation_driving_force`,
per mole of β atoms) pays for its interface,

.. math:: \\Delta g(x_R) = \\frac{2\\sigma_p V_\\beta}{R}, \\qquad
          x_R - x_e \\approx \\frac{2\\sigma_p V_\\beta}{R\\,(x_\\beta - x_e)\\,G''_\\alpha(x_e)}
          \\;(\\text{small } 1/R),

(Gibbs–Thomson; the linear form is the usual one for a stoichiometric precipitate, e.g. Porter &
Easterling, *Phase Transformations in Metals and Alloys*, 3rd ed., CRC 2009, §5.5.1). Growth is
controlled by diffusion in α: the quasi-stationary field around a sphere brings Mg at

.. math:: \\frac{d}{dt}\\Big[\\tfrac43\\pi R^3 (x_\\beta - x_R)\\Big]
          = 4\\pi R\\,D\\,(\\bar x - x_R),

Zener's law :math:`dR/dt = (D/R)(\\bar x - x_R)/(x_\\beta - x_R)` (Zener, J. Appl. Phys. 20, 950
(1949), doi:10.1063/1.1698258; the growth law of the Kampmann–Wagner numerical model). ``N`` such
spheres in a cell of volume ``V`` are a linear sink of the cell's composition,
:math:`\\partial_t c = -k\\,(c - x_R)` with :math:`k = 4\\pi R D N / V` (:func:`capture_rate`),
which the diffusion step takes implicitly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .equilibrium import nucleation_driving_force
from .gibbs import Phases

__all__ = ["capture_rate", "interface_composition"]


def interface_composition(
    phases: Phases, radius: Any, sigma: float, molar_volume_beta: float
) -> np.ndarray:
    """The α composition in equilibrium with spheres of ``radius`` (m): where
    ``Δg(x) = 2σ V_β / R`` (Newton's method from the flat solvus; ``Δg`` rises with ``x`` as
    ``G''_α(x)(x*_β - x)`` there)."""
    radius = np.asarray(radius, dtype=np.float64)
    wanted = 2.0 * sigma * molar_volume_beta / radius
    beta = phases.beta
    x = np.full(radius.shape, beta.x_alpha)
    top = 0.5 * (beta.x_alpha + beta.x0)
    for _ in range(60):
        gap = nucleation_driving_force(phases, x) - wanted
        potential = phases.alpha.potential(x)
        slope = phases.alpha.curvature(x) * (beta.composition(potential) - x)
        step = gap / slope
        x = np.clip(x - step, beta.x_alpha, top)
        if np.all(np.abs(step) <= 1e-15):
            break
    return x


def capture_rate(radius: Any, diffusivity: Any, number: Any, volume: float) -> np.ndarray:
    """``k = 4π R D N / V`` (1/s): the rate at which ``number`` spheres of ``radius`` in a
    volume ``volume`` (m³) draw its composition towards their interface composition."""
    return (
        4.0 * math.pi * np.asarray(radius) * np.asarray(diffusivity) * np.asarray(number) / volume
    )
