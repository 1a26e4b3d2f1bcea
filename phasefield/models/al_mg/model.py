"""The coupled Al–Mg model: α grains, Mg, β-Al3Mg2 and the Schwarz-structure fraction.

Fields: the grain order parameters ``eta`` (``P`` components, grains remapped among them), the
β phase field ``phi``, the Mg mole fraction ``c`` (conserved) and the Schwarz fraction
``f_schwarz`` (a property of grains and their boundaries, updated by a handler,
:mod:`phasefield.models.al_mg.schwarz`). SI units throughout: m, s, J, K, mol.

Free energy (Moelans multi-phase potential; the phase fraction ``u`` of Moelans, Acta Mater.
59, 1077 (2011), doi:10.1016/j.actamat.2010.10.038, smoothed by the usual quintic so that the
chemical term is flat to second order at the bulk states and cannot make them unstable; KKS
chemistry):

.. math::
    F = \\int m\\Big[\\sum_i\\Big(\\frac{\\eta_i^4}{4} - \\frac{\\eta_i^2}{2}\\Big)
        + \\frac{\\phi^4}{4} - \\frac{\\phi^2}{2} + \\gamma\\sum_{i<j}\\eta_i^2\\eta_j^2
        + \\gamma_p\\,\\phi^2\\sum_i\\eta_i^2 + \\frac14\\Big]
        + \\frac{\\kappa}{2}\\Big(\\sum_i|\\nabla\\eta_i|^2 + |\\nabla\\phi|^2\\Big)
        + \\frac{(1-h)\\,G_\\alpha(c_\\alpha) + h\\,G_\\beta(c_\\beta)}{V_m}\\,dV,
    \\qquad h = u^3(6u^2 - 15u + 10), \\quad u = \\frac{\\phi^2}{\\phi^2 + \\sum_i\\eta_i^2},

with ``m = 6σ_gb/ℓ``, ``κ = 3σ_gb ℓ/4``, γ = 3/2 (grain boundaries of energy σ_gb and width ℓ)
and γ_p chosen so that the α/β interface has the material's energy σ_p
(:func:`~phasefield.models.moelans.gamma_for_energy_ratio`); the phase compositions follow the
KKS partition (:mod:`phasefield.thermo.kks`).

Dynamics:

.. math::
    \\partial_t\\eta_i = -L(x)\\,\\frac{\\delta F}{\\delta\\eta_i}, \\quad
    \\partial_t\\phi = -L(x)\\,\\frac{\\delta F}{\\delta\\phi}, \\quad
    \\partial_t c = \\nabla\\cdot(M\\nabla\\mu), \\quad \\mu = \\frac{G'_\\alpha(c_\\alpha)}{V_m},
    \\quad M = \\frac{V_m D(x)}{G''_{eff}},

with the interface mobility interpolated between grain boundaries and α/β interfaces,

.. math:: L = s\\,\\frac{L_{gb}B + L_p P + \\min(L_{gb}, L_p)\\,\\epsilon}{B + P + \\epsilon},
          \\quad
          B = \\sum_{i<j}\\eta_i^2\\eta_j^2, \\quad P = \\phi^2\\sum_i\\eta_i^2,

``L_gb = 4 μ_gb(T) / (3ℓ)`` (μ_gb the boundary mobility, Arrhenius), ``L_p = D_L(T) / (r κ)``
(fast enough that β growth is diffusion controlled for ``r`` ≪ 1), and the Mg diffusivity

.. math:: D = s\\,(1-h)\\big[(1-b)\\,D_L + b\\,\\delta D_{gb}/w_b\\big] + h\\,D_\\beta, \\qquad
          b = \\min(1, 16B)^2, \\quad w_b = \\int b\\,dx = \\tfrac{16}{35}\\ell,

so that a diffuse boundary carries along it the flux of a sharp one of width δ (b = sech⁸(2x/ℓ)
across a flat boundary). Across it, the diffuse core also speeds transport somewhat: by about the
width of the zone where ``b D_gb δ/w_b`` exceeds ``D_L`` over the grain size (the square keeps
that zone narrow; the tests measure 1.3–1.5 in 20 nm grains at 523 K). The Schwarz structure
slows every transport process in proportion to its local fraction ``f``,

.. math:: s(f, T) = \\exp\\!\\Big(-\\frac{f\\,\\Delta Q_S}{R T}\\Big),

and every Arrhenius quantity follows the temperature programme ``T(t)``. ``1/G''_{eff} =
(1-h)/G''_\\alpha(c_\\alpha) + h/G''_\\beta`` makes ``D`` the Fickian diffusivity in each phase.

Numerics: ``eta`` and ``phi`` are semi-implicit Fourier-spectral (``L_max(s m + κk²)`` implicit
and added back explicitly, the variable-mobility form, with ``s`` the stabilisation in units of
``m``); ``c`` is an implicit finite-volume diffusion
step, linearised in μ (:mod:`phasefield.solvers.diffusion`), since ``D`` spans many orders of
magnitude. Steps adapt: at most ``safety / max[L (m + k_chem)]`` (the fastest relaxation of the
phase fields, the chemical stiffness of KKS included, see :meth:`AlMg.max_step`) and at most
``max_temperature_change / |dT/dt|``, and never longer than ``time.dt``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ...expression import Expression
from ...materials import AlMgMaterial
from ...spectral import SpectralSpace
from ...state import State
from ...thermo.composition import Composition, Vegard
from ...thermo.gibbs import AlMgThermodynamics, Phases
from ...thermo.nucleation import NucleationParameters
from .. import moelans
from ..base import DiffusionProblem, KPolynomial, Sink, SpectralModel, StepTerms
from .environment import Environment, precipitation_environment
from .fields import local_fields
from .schwarz import SchwarzLaw
from .temperature import TemperatureProgramme
from .terms import alpha_expressions, build_expressions

__all__ = ["AlMg", "AlMgKinetics", "Environment"]


@dataclass(frozen=True)
class AlMgKinetics:
    """Transport coefficients at one temperature (SI)."""

    lattice_diffusivity: float
    boundary_diffusivity: float  # δ D_gb / w_b: the diffuse boundary's value
    beta_diffusivity: float
    boundary_mobility: float  # μ_gb, m⁴/(J s)
    suppression: float  # ΔQ_S / (R T)


@dataclass(frozen=True, eq=False)
class AlMg(SpectralModel):
    """The coupled Al–Mg model (see the module docstring for its equations).

    Parameters
    ----------
    order_parameters : int
    material : AlMgMaterial
    programme : TemperatureProgramme
    gb_width : float
        ℓ (m), the width of every diffuse interface.
    stabilization : float
        Linear stabilisation of ``eta`` and ``phi`` in units of ``m``.
    interface_kinetics : float
        ``r``: the α/β interface relaxation time over the diffusion time across it.
    safety : float
        Step over the fastest local relaxation time of the phase fields (see
        :meth:`max_step`).
    max_temperature_change : float
        K per step at most.
    precipitate_interface : {"grain_boundary", "material"}
        The potential of the diffuse α/β interface: γ_p set from the material's σ_p (the
        default: the interface has the energy nucleation and sub-grid growth use, and the
        α/α/β junction the angle of Young's balance), or that of a grain boundary (γ_p = 3/2,
        energy σ_gb; the earlier default, kept for comparison). With σ_gb near 2σ_p, β wets
        the boundaries and spreads along them as films; where the interface is wider than the
        capillary length σ_p/ΔG_v those films stay partly mixed (φ < 1).
    contact_angle : float or None
        θ (degrees) of a β lens on a boundary; None: Young's balance, cos θ = σ_gb/(2σ_p).
    """

    order_parameters: int
    material: AlMgMaterial
    programme: TemperatureProgramme
    gb_width: float
    stabilization: float = 0.0
    interface_kinetics: float = 0.5
    safety: float = 0.1
    max_temperature_change: float = 2.0
    precipitate_interface: str = "material"
    contact_angle: float | None = None
    thermo: AlMgThermodynamics = field(init=False, repr=False)
    schwarz: SchwarzLaw = field(init=False)
    gamma_p: float = field(init=False)
    expressions: dict[str, Expression] = field(init=False, repr=False)

    fields: ClassVar[tuple[str, ...]] = ("eta", "phi", "c", "f_schwarz")
    units: ClassVar[Mapping[str, str]] = {
        "t": "s",
        "x": "m",
        "y": "m",
        "z": "m",
        "eta": "1",
        "phi": "1",
        "c": "mol/mol",
        "f_schwarz": "1",
        "grain_id": "1",
        "c_mean": "mol/mol",
        "c_matrix": "percent",
        "precipitate_fraction": "1",
        "subgrid_fraction": "1",
        "subgrid_mg": "mol/mol",
        "subgrid_particles": "1",
        "lattice_parameter": "m",
        "temperature": "K",
        "schwarz_fraction": "1",
        "mean_grain_size": "m",
        "grain_count": "1",
        "grain_size_distribution": "1",
        "neighbour_distribution": "1",
        "size_bin": "1",
        "neighbours": "1",
        "step": "1",
    }
    long_names: ClassVar[Mapping[str, str]] = {
        "eta": "grain order parameters (alpha)",
        "phi": "beta-Al3Mg2 phase field",
        "c": "Mg mole fraction",
        "c_mean": "mean Mg mole fraction",
        "c_matrix": "Mg in the alpha matrix (weight percent)",
        "precipitate_fraction": "volume fraction of resolved beta (the phase field)",
        "subgrid_fraction": "volume fraction of sub-grid beta particles",
        "subgrid_mg": "Mg held by sub-grid beta particles (mean mole fraction)",
        "subgrid_particles": "number of sub-grid beta particles",
    }

    def __post_init__(self) -> None:
        object.__setattr__(self, "thermo", AlMgThermodynamics(self.material))
        object.__setattr__(self, "schwarz", SchwarzLaw.of(self.material))
        if self.precipitate_interface == "material":
            gamma_p = moelans.gamma_for_energy_ratio(self.sigma_p / self.sigma_gb)
        else:
            gamma_p = moelans.GAMMA
        object.__setattr__(self, "gamma_p", gamma_p)
        terms = len(self.material.thermodynamics.alpha.interaction)
        energy, potential, curvature = alpha_expressions(terms)
        scalars = ["ga", "gm", "rt", *[f"l{k}" for k in range(terms)]]
        object.__setattr__(
            self,
            "expressions",
            build_expressions(energy, potential, curvature, scalars),
        )

    # ---- constants ---------------------------------------------------------------------------

    @property
    def sigma_gb(self) -> float:
        return self.material.interfaces.grain_boundary_energy.at(300.0)

    @property
    def sigma_p(self) -> float:
        return self.material.interfaces.precipitate_energy.at(300.0)

    @property
    def m(self) -> float:
        return moelans.barrier_height(self.sigma_gb, self.gb_width)

    @property
    def kappa(self) -> float:
        return moelans.gradient_coefficient(self.sigma_gb, self.gb_width)

    @property
    def molar_volume(self) -> float:
        return self.material.structure.molar_volume_alpha.at(300.0)

    @property
    def boundary_weight(self) -> float:
        """``w_b = ∫ b dx`` across a flat boundary (``b = (16 η1²η2²)²`` = sech⁸(2x/ℓ))."""
        return 16.0 * self.gb_width / 35.0

    @property
    def composition(self) -> Composition:
        return Composition.of(self.material)

    @property
    def vegard(self) -> Vegard:
        return Vegard.of(self.material)

    def temperature(self, time: float) -> float:
        return self.programme(time)

    def phases(self, temperature: float) -> Phases:
        return self.thermo.at(float(temperature))

    def kinetics(self, temperature: float) -> AlMgKinetics:
        k = self.material.kinetics
        return AlMgKinetics(
            lattice_diffusivity=k.lattice_diffusion.at(temperature),
            boundary_diffusivity=k.boundary_diffusion.at(temperature) / self.boundary_weight,
            beta_diffusivity=k.beta_diffusion.at(temperature),
            boundary_mobility=k.boundary_mobility.at(temperature),
            suppression=self.schwarz.exponent(temperature),
        )

    def suppression_factor(self, schwarz_fraction: float, temperature: float) -> float:
        """``s(f, T) = exp(-f ΔQ_S / (R T))``: the factor a Schwarz structure puts on transport."""
        return self.schwarz.suppression(schwarz_fraction, temperature)

    def landing_time(self, time: float) -> float | None:
        return self.programme.next_breakpoint(time)

    # ---- the spectral model ------------------------------------------------------------------

    @property
    def real_fields(self) -> tuple[str, ...]:
        return ("c", "f_schwarz")

    @property
    def conserved_fields(self) -> tuple[str, ...]:
        return ("c",)

    def components(self, name: str) -> int:
        return self.order_parameters if name == "eta" else 1

    def implicit_operator(self, name: str) -> KPolynomial:
        return KPolynomial((0.0,))  # replaced every step (the mobility follows T and f)

    def explicit(self, state: State, out: Mapping[str, Any], space: SpectralSpace) -> StepTerms:
        fields = self.evaluate(state, space)
        backend = space.backend
        parameters = {"m": self.m, "g": moelans.GAMMA, "p": self.gamma_p, "k": self.kappa}
        p = self.order_parameters
        # ∇²η and ∇²φ into the work buffers, then the drives over them in place
        laplacian = space.scratch("al_mg.laplacian eta", "spectral", p)
        space.xp.multiply(state.spectral["eta"], -space.k2, out=laplacian)
        space.transforms(p).inverse(laplacian, out["eta"])
        single = space.scratch("al_mg.laplacian phi", "spectral")
        space.xp.multiply(state.spectral["phi"], -space.k2, out=single)
        space.transforms(1).inverse(single, out["phi"])
        grid = {
            "mobility": fields["mobility"],
            "weight": fields["weight"],
            "phi": state.fields["phi"],
        }
        backend.evaluate_stack(
            self.expressions["drive_eta"],
            out["eta"],
            {"u": state.fields["eta"], "lap": out["eta"]},
            {"S": self.expressions["square"]},
            {**grid, **parameters},
        )
        backend.evaluate(
            self.expressions["drive_phi"],
            out["phi"],
            {"lap": out["phi"], "S": fields["squares"], **grid, **parameters},
        )
        top = fields["mobility_max"]
        implicit = np.array([top * self.stabilization * self.m, top * self.kappa])
        operators = {name: (implicit, implicit, np.array([1.0])) for name in ("eta", "phi")}
        return StepTerms(
            operators=operators,
            diffusion={
                "c": DiffusionProblem(
                    fields["potential"],
                    fields["transport"],
                    fields["capacity"],
                    exchange=lambda new: self._exchange(new, fields, space),
                    sink=self.sink(space),
                )
            },
            max_dt=self.max_step(state.time, fields["relaxation_max"]),
        )

    #: The work buffers of the sub-grid β population's sink (made by its handler).
    SINK_BUFFERS: ClassVar[tuple[str, str, str]] = (
        "al_mg.sink rate",
        "al_mg.sink target",
        "al_mg.sink taken",
    )

    def sink(self, space: SpectralSpace) -> Sink | None:
        """The sink of ``c`` that sub-grid β particles make (``k (c - x_s)`` per cell, see
        :mod:`~phasefield.models.al_mg.nucleation`), once their handler has made its buffers."""
        if not space.has_scratch(self.SINK_BUFFERS[0]):
            return None
        return Sink(*(space.scratch(name) for name in self.SINK_BUFFERS))

    def _exchange(self, state: State, before: Mapping[str, Any], space: SpectralSpace) -> Any:
        """``(h' − h)(c_β − c_α)``: the Mg the phase fields' step would move at a fixed diffusion
        potential (``h'`` from the stepped fields, the rest from before the step)."""
        squares = space.scratch("al_mg.exchange squares")
        quartics = space.scratch("al_mg.exchange quartics")
        space.backend.stack_sums(state.fields["eta"], squares, quartics)
        out = space.scratch("al_mg.exchange")
        space.backend.evaluate(
            self.expressions["exchange"],
            out,
            {
                "f": state.fields["phi"],
                "S": squares,
                "h": before["h"],
                "x": before["c_alpha"],
                "xb": before["c_beta"],
            },
        )
        return out

    def max_step(self, time: float, relaxation_max: float) -> float:
        """The longest step the kinetics allow at ``time``, given the fastest local relaxation
        rate of the phase fields, ``max L (m + (|h_φφ| + |h_ηη|) |Δ|/V_m)`` (the double well's
        stiffness and the chemical one at a fixed diffusion potential, the curvatures of ``h``
        in φ and in a grain order parameter; and, where two grains meet, at least the
        boundaries' ``m L_gb s(f_min, T)``, see
        :func:`~phasefield.models.al_mg.fields.local_fields`). The exchange of
        Mg with the moving interfaces is implicit in the diffusion step (``exchange`` of
        :class:`~phasefield.models.base.DiffusionProblem`), so the far stiffer coupling at fixed
        ``c`` does not limit the step."""
        limit = math.inf
        if relaxation_max > 0:
            limit = self.safety / relaxation_max
        rate = abs(self.programme.rate(time))
        if rate > 0:
            limit = min(limit, self.max_temperature_change / rate)
        return limit

    # ---- pointwise fields --------------------------------------------------------------------

    def evaluate(self, state: State, space: SpectralSpace) -> dict[str, Any]:
        """Every pointwise quantity of the current state (see
        :func:`~phasefield.models.al_mg.fields.local_fields`)."""
        return local_fields(self, state, space)

    # ---- scalars -----------------------------------------------------------------------------

    def scalars(self, state: State, space: SpectralSpace) -> dict[str, float]:
        fields = self.evaluate(state, space)
        backend, grid = space.backend, space.grid
        temperature = fields["temperature"]
        phases = self.phases(temperature)
        alpha, beta = phases.alpha, phases.beta
        e = self.expressions
        chemistry = {
            "ga": alpha.g_al,
            "gm": alpha.g_mg,
            "rt": alpha.rt,
            **{f"l{k}": value for k, value in enumerate(alpha.interactions)},
        }
        line = {"g0": beta.g0, "x0": beta.x0, "kb": beta.stiffness, "sl": beta.slope}
        bulk = backend.reduce_sum(
            e["energy"],
            {
                "S": fields["squares"],
                "Q": fields["quartics"],
                "f": state.fields["phi"],
                "h": fields["h"],
                "x": fields["c_alpha"],
                "xb": fields["c_beta"],
                "m": self.m,
                "g": moelans.GAMMA,
                "p": self.gamma_p,
                "vm": self.molar_volume,
                **chemistry,
                **line,
            },
        )
        gradient = (
            space.sum_k2_power(state.spectral["eta"]) + space.sum_k2_power(state.spectral["phi"])
        ) * grid.volume
        alpha_amount = backend.reduce_sum(e["one_minus"], {"h": fields["h"]})
        mg_in_alpha = backend.reduce_sum(e["alpha_mg"], {"h": fields["h"], "x": fields["c_alpha"]})
        x_matrix = mg_in_alpha / alpha_amount if alpha_amount > 0 else float("nan")
        schwarz = backend.reduce_sum(
            e["alpha_mg"], {"h": fields["h"], "x": state.fields["f_schwarz"]}
        )
        return {
            "free_energy": bulk * grid.cell_volume + 0.5 * self.kappa * gradient,
            "c_mean": space.mean(state.fields["c"]),
            "precipitate_fraction": 1.0 - alpha_amount * space.scale,
            "c_matrix": float(self.composition.weight_percent(x_matrix)),
            "lattice_parameter": float(self.vegard.lattice_parameter(x_matrix)),
            "temperature": temperature,
            "schwarz_fraction": schwarz / alpha_amount if alpha_amount > 0 else 0.0,
        }

    def units_of(self, ndim: int) -> Mapping[str, str]:
        """Units of every stored variable on a grid of ``ndim`` axes."""
        energy = {1: "J/m^2", 2: "J/m", 3: "J"}[ndim]
        return {**self.units, "free_energy": energy}

    # ---- nucleation and the Schwarz law -------------------------------------------------------

    def nucleation_parameters(self) -> NucleationParameters:
        structure = self.material.structure
        if self.contact_angle is None:
            cosine = self.sigma_gb / (2.0 * self.sigma_p)
        else:
            cosine = math.cos(math.radians(self.contact_angle))
        return NucleationParameters(
            sigma_p=self.sigma_p,
            contact_cosine=cosine,
            molar_volume=self.molar_volume,
            molar_volume_beta=structure.molar_volume_beta.at(300.0),
            lattice_parameter=structure.lattice_parameter_Al.at(300.0),
            boundary_thickness=self.material.kinetics.boundary_thickness.at(300.0),
            boundary_weight=self.boundary_weight,
        )

    def precipitation_environment(self, state: State, space: SpectralSpace) -> Environment:
        """What β nucleation and sub-grid growth see now (see
        :func:`~phasefield.models.al_mg.environment.precipitation_environment`)."""
        return precipitation_environment(self, state, space)
