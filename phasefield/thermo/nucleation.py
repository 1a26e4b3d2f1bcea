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

with θ the lens's contact angle (the half dihedral angle at the α/α/β junction, Young's
balance; a config may give θ instead). Schwarz boundaries carry the same energy σ_gb here as in
the boundaries' capillary motion: the structure acts on transport (the diffusivity and the
attachment rate ``β*`` are slowed by ``exp(-f ΔQ_S/(R T))``), not on the energies. A
boundary with :math:`\\sigma_{gb} \\ge 2\\sigma_p` is wetted (no barrier).

Transient nucleation: the rate rises from zero as :math:`J(t) = J\\,e^{-\\tau/t}` with the
incubation time

.. math:: \\tau = \\frac{1}{2\\beta^* Z^2},

``t`` counted from the start of the anneal: the form of the Kampmann–Wagner numerical model
(Kampmann & Wagner 1984; Russell 1970), an approximation to Kashchiev's solution of the
transient (Surf. Sci. 14, 209 (1969), doi:10.1016/0039-6028(69)90055-7), whose series has the
same scale 1/(β*Z²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..materials import AVOGADRO, BOLTZMANN
from .equilibrium import nucleation_driving_force
from .gibbs import Phases

__all__ = [
    "NucleationParameters",
    "NucleationSites",
    "lens_factor",
    "local_diffusivity",
    "nucleation_sites",
    "transient_integral",
]


@dataclass(frozen=True)
class NucleationParameters:
    """The numbers the rate needs (SI)."""

    sigma_p: float
    #: cos θ of the lens on a boundary: σ_gb / (2σ_p) by Young's balance, or a given angle's
    contact_cosine: float
    molar_volume: float
    molar_volume_beta: float
    lattice_parameter: float
    boundary_thickness: float
    boundary_weight: float  # w_b = ∫ b dx across a diffuse boundary


def lens_factor(cos_theta: Any, xp: Any = np) -> Any:
    """``S(θ) = (2 + cos θ)(1 - cos θ)² / 2`` for a lens on a boundary: 1 for a boundary of no
    energy (cos θ = 0, a sphere; and for θ beyond 90°, where no lens is lower), 0 for a wetted
    one (cos θ ≥ 1)."""
    c = xp.clip(cos_theta, 0.0, 1.0)
    return 0.5 * (2.0 + c) * (1.0 - c) ** 2


@dataclass(frozen=True)
class NucleationSites:
    """The classical nucleation quantities at every point (arrays of the caller's module).

    Attributes
    ----------
    rate : array
        Steady-state rate ``J`` (nuclei per m³ per s; 0 where β cannot form or already is).
    incubation : array
        Incubation time ``τ = 1/(2 β* Z²)`` (s; the Kampmann–Wagner form).
    radius : array
        Critical radius ``r* = 2σ_p/ΔG_v`` (m; where β cannot form, that of ΔG_v = 1 J/m³).
    """

    rate: Any
    incubation: Any
    radius: Any


def transient_integral(incubation: Any, start: float, end: float, xp: Any = np) -> Any:
    """``∫ exp(-τ/t) dt`` from ``start`` to ``end`` (s): the steady rate times it is the
    expected number of nuclei per unit volume in that time when the rate rises as
    ``J(t) = J exp(-τ/t)`` (Kampmann & Wagner, in *Decomposition of Alloys: the Early
    Stages*, Pergamon 1984, p. 91), ``t`` counted from the start of the anneal. Simpson's
    rule over the interval (the integrand is smooth and rises from 0; intervals are short
    against ``t`` after the first few)."""
    if end <= start:
        return 0.0 * incubation
    middle = 0.5 * (start + end)

    def weight(t: float) -> Any:
        if t <= 0:
            return 0.0 * incubation
        return xp.exp(-incubation / t)

    return (end - start) / 6.0 * (weight(start) + 4.0 * weight(middle) + weight(end))


def nucleation_sites(
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
) -> NucleationSites:
    """The steady rate (nuclei per m³ per s), incubation time and critical radius at every
    point.

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
    diffusivity = local_diffusivity(
        boundary, schwarz, lattice_diffusivity, boundary_diffusivity, suppression, xp
    )
    attachment = 4.0 * math.pi * radius * radius * diffusivity * c_alpha / p.lattice_parameter**4
    sites = AVOGADRO / p.molar_volume
    potency = float(lens_factor(p.contact_cosine))
    # exponents are floored at -600: smaller rates are zero in every practical sense, and the
    # floor keeps the arithmetic clear of underflow
    homogeneous = (1.0 - boundary) * xp.exp(xp.maximum(-barrier / kt, -600.0))
    heterogeneous = (
        boundary
        * (p.boundary_thickness / p.boundary_weight)
        * xp.exp(xp.maximum(-potency * barrier / kt, -600.0))
    )
    rate = zeldovich * attachment * sites * (homogeneous + heterogeneous)
    incubation = 1.0 / (2.0 * xp.maximum(attachment, 1e-300) * zeldovich * zeldovich)
    return NucleationSites(xp.where(possible, rate, 0.0), incubation, radius)


def local_diffusivity(
    boundary: Any,
    schwarz: Any,
    lattice_diffusivity: float,
    boundary_diffusivity: float,
    suppression: float,
    xp: Any = np,
) -> Any:
    """Mg diffusivity where a nucleus or a sub-grid particle sits (m²/s): the lattice value in
    a grain, the sharp boundary's ``δ D_gb / δ`` on a boundary, slowed by the Schwarz factor
    ``exp(-f ΔQ_S/(R T))``."""
    return xp.exp(-schwarz * suppression) * (
        (1.0 - boundary) * lattice_diffusivity + boundary * boundary_diffusivity
    )
