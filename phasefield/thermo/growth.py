"""Diffusion-controlled growth of a spherical β particle too small for the grid: the Gibbs–Thomson
composition at its interface and the Zener growth law (host-side, on arrays of particles).

A sphere of radius ``R`` is in equilibrium with α of the composition :math:`x_R` at which the
parallel-tangent driving force (:func:`~phasefield.thermo.equilibrium.nucleation_driving_force`,
per mole of β atoms) pays for its interface,

.. math:: \\Delta g(x_R) = \\frac{2\\sigma_p V_\\beta}{R}, \\qquad
          x_R - x_e \\approx \\frac{2\\sigma_p V_\\beta}{R\\,(x_\\beta - x_e)\\,G''_\\alpha(x_e)}
          \\;(\\text{small } 1/R),

(Gibbs–Thomson; the linear form is the usual one for a stoichiometric precipitate, e.g. Porter &
Easterling, *Phase Transformations in Metals and Alloys*, 3rd ed., CRC 2009, §5.5.1).
Growth is controlled by diffusion in α towards the particle
(Zener, J. Appl. Phys. 20, 950 (1949), doi:10.1063/1.1698258; the growth law of the
Kampmann–Wagner numerical model),

.. math:: \\frac{dR}{dt} = \\frac{D}{R}\\,\\frac{\\bar x - x_R}{x_\\beta - x_R},

integrated over a step at fixed supersaturation as :math:`R'^2 = R^2 + 2D\\,\\Omega\\,\\Delta t`
(exact for fixed Ω, and unconditionally stable).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .equilibrium import nucleation_driving_force
from .gibbs import Phases

__all__ = ["interface_composition", "zener_radius"]


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


def zener_radius(
    radius: Any, diffusivity: Any, far: Any, interface: Any, x_beta: float, dt: float
) -> np.ndarray:
    """Radii after ``dt`` of spheres growing (or shrinking) by diffusion: ``R'² = R² + 2DΩΔt``
    with ``Ω = (x̄ - x_R)/(x_β - x_R)``; 0 for those that dissolve within ``dt``."""
    supersaturation = (np.asarray(far) - interface) / (x_beta - np.asarray(interface))
    squared = np.asarray(radius) ** 2 + 2.0 * np.asarray(diffusivity) * supersaturation * dt
    return np.sqrt(np.maximum(squared, 0.0))
