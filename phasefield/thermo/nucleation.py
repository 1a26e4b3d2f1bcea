"""Classical nucleation of β: the rate per unit volume at every point, homogeneous in grains and
heterogeneous on grain boundaries.

Steady-state nucleation (Russell, in *Phase Transformations*, ASM 1970; the numerical form of
Kampmann & Wagner 1984 and of Simmons, Shen, Wang, Scripta Mater. 43, 935 (2000),
doi:10.1016/S1359-6462(00)00517-0, who place such nuclei explicitly in a phase-field model):

.. math::
    J = Z\\,\\beta^*\\,N\\,e^{-S(\\theta)\\,\\Delta G^*/kT}, \\quad
    \\Delta G^* = \\frac{16\\pi}{3}\\frac{\\sigma_p^3}{\\Delta G_v^2}, \\quad
    r^* = \\frac{2\\sigma_p}{\\Delta G_v}, \\quad
    Z = \\frac{v_\\beta}{2\\pi r^{*2}}\\sqrt{\\frac{\\sigma_p}{kT}}, \\quad
    \\beta^* = \\frac{4\\pi r^{*2} D\\,c_\\alpha}{a^4},

with :math:`\\Delta G_v` the driving force per volume of β (parallel tangent,
:func:`~phasefield.thermo.equilibrium.nucleation_driving_force`), :math:`a` the α lattice
parameter and :math:`D` the Mg diffusivity where the nucleus forms, the Schwarz suppression
included: the lattice value in a grain, the boundary value :math:`\\delta D_{gb}/\\delta` on a
boundary (the sharp boundary's, not the diffuse one's of the transport model). Inside grains
the sites are the atoms (:math:`N = (1-b) N_A/V_m`, :math:`S = 1`, weighted by the share of the
cell that is not boundary, ``b`` the boundary indicator); on a boundary, the atoms of a slab of
width δ, :math:`N = b\\,(\\delta/w_b) N_A/V_m`, and the barrier of a lens between two grains
(Clemm & Fisher, Acta Metall. 3, 70 (1955), doi:10.1016/0001-6160(55)90014-6),

.. math:: S(\\theta) = \\tfrac12(2 + \\cos\\theta)(1 - \\cos\\theta)^2, \\qquad
          \\cos\\theta = \\frac{\\sigma_{gb}}{2\\sigma_p},

where the boundary energy falls from σ_gb to the twin value σ_tw on Schwarz-type boundaries,
:math:`\\sigma_{gb}(f) = (1-f)\\,\\sigma_{gb} + f\\,\\sigma_{tw}`: a low-energy boundary is a poor
site. A boundary with :math:`\\sigma_{gb} \\ge 2\\sigma_p` is wetted (no barrier).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..materials import AVOGADRO, BOLTZMANN
from .equilibrium import nucleation_driving_force
from .gibbs import Phases

__all__ = ["NucleationParameters", "lens_factor", "nucleation_rate"]


@dataclass(frozen=True)
class NucleationParameters:
    """The numbers the rate needs (SI)."""

    sigma_p: float
    sigma_gb: float
    sigma_twin: float
    molar_volume: float
    molar_volume_beta: float
    lattice_parameter: float
    boundary_thickness: float
    boundary_weight: float  # w_b = ∫ b dx across a diffuse boundary


def lens_factor(cos_theta: Any, xp: Any = np) -> Any:
    """``S(θ) = (2 + cos θ)(1 - cos θ)² / 2`` for a lens on a boundary: 1 for a boundary of no
    energy (cos θ = 0, a sphere), 0 for a wetted one (cos θ ≥ 1)."""
    c = xp.clip(cos_theta, 0.0, 1.0)
    return 0.5 * (2.0 + c) * (1.0 - c) ** 2


def nucleation_rate(
    phases: Phases,
    parameters: NucleationParameters,
    c_alpha: Any,
    boundary: Any,
    schwarz: Any,
    beta_fraction: Any,
    lattice_diffusivity: float,
    boundary_diffusivity: float,
    suppression: float,
    xp: Any = np,
) -> Any:
    """Nuclei per m³ per s at every point (0 where β cannot form or already is).

    Parameters
    ----------
    phases : Phases
        The phases at the current temperature.
    c_alpha, boundary, schwarz, beta_fraction : arrays
        α composition, boundary indicator ``b`` in [0, 1], Schwarz fraction and β fraction
        ``h`` of every point.
    lattice_diffusivity, boundary_diffusivity : float
        Mg in the lattice and in a (sharp) boundary, m²/s.
    suppression : float
        ``ΔQ_S / (R T)``: transport is slowed by ``exp(-f ΔQ_S/(R T))``.
    """
    p = parameters
    kt = BOLTZMANN * phases.temperature
    delta_g = nucleation_driving_force(phases, c_alpha, xp)
    volume_force = xp.maximum(delta_g, 0.0) / p.molar_volume_beta
    possible = (delta_g > 0) & (beta_fraction < 0.01)
    safe = xp.where(possible, volume_force, 1.0)
    radius = 2.0 * p.sigma_p / safe
    barrier = (16.0 * math.pi / 3.0) * p.sigma_p**3 / (safe * safe)
    atom_volume = p.molar_volume_beta / AVOGADRO
    zeldovich = atom_volume / (2.0 * math.pi * radius * radius) * math.sqrt(p.sigma_p / kt)
    diffusivity = xp.exp(-schwarz * suppression) * (
        (1.0 - boundary) * lattice_diffusivity + boundary * boundary_diffusivity
    )
    attachment = 4.0 * math.pi * radius * radius * diffusivity * c_alpha / p.lattice_parameter**4
    sites = AVOGADRO / p.molar_volume
    boundary_energy = (1.0 - schwarz) * p.sigma_gb + schwarz * p.sigma_twin
    potency = lens_factor(boundary_energy / (2.0 * p.sigma_p), xp)
    # exponents are floored at -600: smaller rates are zero in every practical sense, and the
    # floor keeps the arithmetic clear of underflow
    homogeneous = (1.0 - boundary) * xp.exp(xp.maximum(-barrier / kt, -600.0))
    heterogeneous = (
        boundary
        * (p.boundary_thickness / p.boundary_weight)
        * xp.exp(xp.maximum(-potency * barrier / kt, -600.0))
    )
    rate = zeldovich * attachment * sites * (homogeneous + heterogeneous)
    return xp.where(possible, rate, 0.0)
