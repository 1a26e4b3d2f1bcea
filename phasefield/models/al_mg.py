"""The coupled Al–Mg model: α grains, Mg, β-Al3Mg2 and the Schwarz-structure fraction.

Fields: the grain order parameters ``eta`` (``P`` components, grains remapped among them), the
β phase field ``phi``, the Mg mole fraction ``c`` (conserved) and the Schwarz fraction
``f_schwarz`` (a property of grains and their boundaries, updated by a handler,
:mod:`phasefield.handlers.schwarz`). SI units throughout: m, s, J, K, mol.

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

Numerics: ``eta`` and ``phi`` are semi-implicit Fourier-spectral (``L_max(κk² + s)`` implicit and
added back explicitly, the variable-mobility form); ``c`` is an implicit finite-volume diffusion
step, linearised in μ (:mod:`phasefield.solvers.diffusion`), since ``D`` spans many orders of
magnitude. Steps adapt: at most ``safety / max[L (m + k_chem)]`` (the fastest relaxation of the
phase fields, the chemical stiffness of KKS included, see :meth:`AlMg.max_step`) and at most
``max_temperature_change / |dT/dt|``, and never longer than ``time.dt``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..expression import Expression, parse_expression
from ..materials import GAS_CONSTANT, AlMgMaterial
from ..spectral import SpectralSpace
from ..state import State
from ..temperature import TemperatureProgramme
from ..thermo.composition import Composition, Vegard
from ..thermo.equilibrium import alpha_beta
from ..thermo.gibbs import AlMgThermodynamics, Phases
from ..thermo.kks import partition
from ..thermo.nucleation import NucleationParameters, nucleation_rate
from .base import DiffusionProblem, KPolynomial, SpectralModel, StepTerms
from .moelans import gamma_for_energy_ratio

__all__ = ["AlMg", "AlMgKinetics"]

GAMMA = 1.5
#: Weight keeping the mobility of bulk regions at the grain-boundary value.
_BULK = 1e-6


def _alpha_expressions(terms: int) -> tuple[str, str, str]:
    """``G_α``, ``G'_α`` and ``G''_α`` of the Redlich–Kister α as expression text in ``x``,
    with scalars ``ga, gm, rt, l0, l1, ...``."""
    y = "(1 - 2*x)"

    def horner(coefficients: list[str]) -> str:
        text = coefficients[-1]
        for coefficient in reversed(coefficients[:-1]):
            text = f"({coefficient} + {y}*{text})"
        return text

    names = [f"l{k}" for k in range(terms)]
    value = horner(names)
    first = horner([f"{k + 1}*l{k + 1}" for k in range(terms - 1)]) if terms > 1 else "0"
    second = (
        horner([f"{(k + 1) * (k + 2)}*l{k + 2}" for k in range(terms - 2)]) if terms > 2 else "0"
    )
    # dP/dx = -2 P'(y), d²P/dx² = 4 P''(y), with g = x(1-x)
    energy = f"(1 - x)*ga + x*gm + rt*(x*log(x) + (1 - x)*log(1 - x)) + x*(1 - x)*{value}"
    potential = f"gm - ga + rt*log(x/(1 - x)) + {y}*{value} - 2*x*(1 - x)*{first}"
    curvature = f"rt/(x*(1 - x)) - 2*{value} - 4*{y}*{first} + 4*x*(1 - x)*{second}"
    return energy, potential, curvature


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
        Step over the fastest interface relaxation time ``1/(m L_max)``.
    max_temperature_change : float
        K per step at most.
    precipitate_interface : {"grain_boundary", "material"}
        The potential of the diffuse α/β interface: that of a grain boundary (γ_p = 3/2,
        energy σ_gb), or γ_p set from the material's σ_p (only for interfaces much thinner than
        the capillary length σ_p/ΔG_v; wider ones let the chemical driving force open mixed
        α + β states). The nucleation barrier always uses σ_p.
    """

    order_parameters: int
    material: AlMgMaterial
    programme: TemperatureProgramme
    gb_width: float
    stabilization: float = 0.0
    interface_kinetics: float = 0.5
    safety: float = 0.1
    max_temperature_change: float = 2.0
    precipitate_interface: str = "grain_boundary"
    thermo: AlMgThermodynamics = field(init=False, repr=False)
    gamma_p: float = field(init=False)
    _expressions: dict[str, Expression] = field(init=False, repr=False)

    fields: ClassVar[tuple[str, ...]] = ("eta", "phi", "c", "f_schwarz")
    units: ClassVar[Mapping[str, str]] = {
        "t": "s",
        "x": "m",
        "y": "m",
        "z": "m",
        "eta": "1",
        "phi": "1",
        "c": "1 (Mg mole fraction)",
        "f_schwarz": "1",
        "grain_id": "1",
        "c_mean": "1 (Mg mole fraction)",
        "c_matrix": "wt%",
        "precipitate_fraction": "1",
        "lattice_parameter": "m",
        "temperature": "K",
        "schwarz_fraction": "1",
        "mean_grain_size": "m",
        "grain_count": "1",
        "time_step": "s",
    }

    def __post_init__(self) -> None:
        object.__setattr__(self, "thermo", AlMgThermodynamics(self.material))
        if self.precipitate_interface == "material":
            gamma_p = gamma_for_energy_ratio(self.sigma_p / self.sigma_gb)
        else:
            gamma_p = GAMMA
        object.__setattr__(self, "gamma_p", gamma_p)
        terms = len(self.material.thermodynamics.alpha.interaction)
        energy, potential, curvature = _alpha_expressions(terms)
        scalars = ["ga", "gm", "rt", *[f"l{k}" for k in range(terms)]]
        object.__setattr__(
            self,
            "_expressions",
            _build_expressions(energy, potential, curvature, scalars),
        )

    # ---- constants ---------------------------------------------------------------------------

    @property
    def sigma_gb(self) -> float:
        return self.material.interfaces.grain_boundary_energy.at(300.0)

    @property
    def sigma_twin(self) -> float:
        return self.material.interfaces.twin_boundary_energy.at(300.0)

    @property
    def sigma_p(self) -> float:
        return self.material.interfaces.precipitate_energy.at(300.0)

    @property
    def m(self) -> float:
        return 6.0 * self.sigma_gb / self.gb_width

    @property
    def kappa(self) -> float:
        return 0.75 * self.sigma_gb * self.gb_width

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
        rt = GAS_CONSTANT * temperature
        return AlMgKinetics(
            lattice_diffusivity=k.lattice_diffusion.at(temperature),
            boundary_diffusivity=k.boundary_diffusion.at(temperature) / self.boundary_weight,
            beta_diffusivity=k.beta_diffusion.at(temperature),
            boundary_mobility=k.boundary_mobility.at(temperature),
            suppression=self.material.schwarz.suppression_energy.at(temperature) / rt,
        )

    def suppression_factor(self, schwarz_fraction: float, temperature: float) -> float:
        """``s(f, T) = exp(-f ΔQ_S / (R T))``: the factor a Schwarz structure puts on transport."""
        return math.exp(-schwarz_fraction * self.kinetics(temperature).suppression)

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
        parameters = {"m": self.m, "g": GAMMA, "p": self.gamma_p, "k": self.kappa}
        p = self.order_parameters
        # ∇²η and ∇²φ into the work buffers, then the drives over them in place
        laplacian = space.scratch("spectral", 0, p)
        space.xp.multiply(state.spectral["eta"], -space.k2, out=laplacian)
        space.transforms(p).inverse(laplacian, out["eta"])
        single = space.scratch("spectral", 0)
        space.xp.multiply(state.spectral["phi"], -space.k2, out=single)
        space.transforms(1).inverse(single, out["phi"])
        grid = {
            "mobility": fields["mobility"],
            "weight": fields["weight"],
            "phi": state.fields["phi"],
        }
        backend.evaluate_stack(
            self._expressions["drive_eta"],
            out["eta"],
            {"u": state.fields["eta"], "lap": out["eta"]},
            {"S": self._expressions["square"]},
            {**grid, **parameters},
        )
        backend.evaluate(
            self._expressions["drive_phi"],
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
                )
            },
            max_dt=self.max_step(state.time, fields["relaxation_max"]),
        )

    def _exchange(self, state: State, before: Mapping[str, Any], space: SpectralSpace) -> Any:
        """``(h' − h)(c_β − c_α)``: the Mg the phase fields' step would move at a fixed diffusion
        potential (``h'`` from the stepped fields, the rest from before the step)."""
        squares, quartics = space.scratch("real", 32), space.scratch("real", 33)
        space.backend.stack_sums(state.fields["eta"], squares, quartics)
        out = space.scratch("real", 34)
        space.backend.evaluate(
            self._expressions["exchange"],
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
        rate of the phase fields, ``max L (m + 25 |Δ|/V_m)``: the double well's stiffness and
        the chemical one at a fixed diffusion potential (``|∂²h/∂φ²| ≤ 25``). The exchange of
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
        """Every pointwise quantity of the current state, in the space's scratch buffers:
        ``squares`` (Σ η²), ``h``, ``c_alpha``, ``c_beta``, ``potential`` (μ, J/m³), ``weight``
        (the chemical term's factor), ``mobility`` (L), ``diffusivity`` (D), ``transport`` (M),
        and the scalars ``mobility_max``, ``temperature``."""
        backend = space.backend
        temperature = self.temperature(state.time)
        phases = self.phases(temperature)
        kinetics = self.kinetics(temperature)
        eta, phi, c = state.fields["eta"], state.fields["phi"], state.fields["c"]
        schwarz = state.fields["f_schwarz"]
        names = (
            "squares",
            "quartics",
            "h",
            "c_alpha",
            "c_beta",
            "potential",
            "driving",
            "weight",
            "mobility",
            "diffusivity",
            "transport",
            "capacity",
        )
        out = {name: space.scratch("real", 10 + i) for i, name in enumerate(names)}
        backend.stack_sums(eta, out["squares"], out["quartics"])
        e = self._expressions
        backend.evaluate(e["h"], out["h"], {"f": phi, "S": out["squares"]})
        x_equilibrium = alpha_beta(phases, 0.0).x_alpha
        partition(
            phases,
            c,
            out["h"],
            out["c_alpha"],
            out["c_beta"],
            x_equilibrium,
            space.xp,
            compiled=backend.kernels == "numba",
        )
        alpha, beta = phases.alpha, phases.beta
        chemistry = {
            "ga": alpha.g_al,
            "gm": alpha.g_mg,
            "rt": alpha.rt,
            **{f"l{k}": value for k, value in enumerate(alpha.interactions)},
        }
        line = {"g0": beta.g0, "x0": beta.x0, "kb": beta.stiffness, "sl": beta.slope}
        vm = self.molar_volume
        backend.evaluate(
            e["driving"],
            out["driving"],
            {"x": out["c_alpha"], "xb": out["c_beta"], "vm": vm, **chemistry, **line},
        )
        backend.evaluate(
            e["weight"], out["weight"], {"dv": out["driving"], "f": phi, "S": out["squares"]}
        )
        backend.evaluate(
            e["potential"], out["potential"], {"x": out["c_alpha"], "vm": vm, **chemistry}
        )
        rates = {
            "lg": 4.0 * kinetics.boundary_mobility / (3.0 * self.gb_width),
            "lp": kinetics.lattice_diffusivity / (self.interface_kinetics * self.kappa),
            "q": kinetics.suppression,
            "eps": _BULK,
        }
        backend.evaluate(
            e["mobility"],
            out["mobility"],
            {"S": out["squares"], "Q": out["quartics"], "f": phi, "w": schwarz, **rates},
        )
        backend.evaluate(
            e["diffusivity"],
            out["diffusivity"],
            {
                "S": out["squares"],
                "Q": out["quartics"],
                "h": out["h"],
                "w": schwarz,
                "q": kinetics.suppression,
                "dl": kinetics.lattice_diffusivity,
                "db": kinetics.boundary_diffusivity,
                "dp": kinetics.beta_diffusivity,
            },
        )
        backend.evaluate(
            e["transport"],
            out["transport"],
            {
                "x": out["c_alpha"],
                "h": out["h"],
                "d": out["diffusivity"],
                "vm": vm,
                "kb": beta.stiffness,
                **chemistry,
            },
        )
        backend.evaluate(
            e["capacity"],
            out["capacity"],
            {"x": out["c_alpha"], "h": out["h"], "vm": vm, "kb": beta.stiffness, **chemistry},
        )
        fields: dict[str, Any] = dict(out)
        fields["mobility_max"] = backend.maximum(out["mobility"])
        relaxation = space.scratch("real", 31)
        backend.evaluate(
            e["relaxation"],
            relaxation,
            {
                "L": out["mobility"],
                "dv": out["driving"],
                "m": self.m,
                "f": phi,
                "S": out["squares"],
            },
        )
        fields["relaxation_max"] = backend.maximum(relaxation)
        if self._has_boundaries(eta, space):
            # boundaries relax at the boundary mobility even where a sharp start shows none yet
            least = -backend.maximum(-schwarz)
            boundary_rate = self.m * rates["lg"] * math.exp(-least * kinetics.suppression)
            fields["relaxation_max"] = max(fields["relaxation_max"], boundary_rate)
        fields["temperature"] = temperature
        return fields

    def _has_boundaries(self, eta: Any, space: SpectralSpace) -> bool:
        """Whether two or more order parameters hold a grain (some value above 1/2)."""
        xp = space.xp
        tops = space.backend.to_host(xp.max(eta.reshape(eta.shape[0], -1), axis=1))
        return int(np.count_nonzero(tops > 0.5)) >= 2

    # ---- scalars -----------------------------------------------------------------------------

    def scalars(self, state: State, space: SpectralSpace) -> dict[str, float]:
        fields = self.evaluate(state, space)
        backend, grid = space.backend, space.grid
        temperature = fields["temperature"]
        phases = self.phases(temperature)
        alpha, beta = phases.alpha, phases.beta
        e = self._expressions
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
                "g": GAMMA,
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

    def units_of(self, ndim: int) -> dict[str, str]:
        """Units of every stored variable on a grid of ``ndim`` axes."""
        energy = {1: "J/m^2", 2: "J/m", 3: "J"}[ndim]
        return {**self.units, "free_energy": energy}

    # ---- nucleation and the Schwarz law -------------------------------------------------------

    def nucleation_parameters(self) -> NucleationParameters:
        structure = self.material.structure
        return NucleationParameters(
            sigma_p=self.sigma_p,
            sigma_gb=self.sigma_gb,
            sigma_twin=self.sigma_twin,
            molar_volume=self.molar_volume,
            molar_volume_beta=structure.molar_volume_beta.at(300.0),
            lattice_parameter=structure.lattice_parameter_Al.at(300.0),
            boundary_thickness=self.material.kinetics.boundary_thickness.at(300.0),
            boundary_weight=self.boundary_weight,
        )

    def nucleation_rate(self, state: State, space: SpectralSpace) -> tuple[Any, Phases]:
        """Nuclei per m³ per s at every point now (a device array), and the phases."""
        fields = self.evaluate(state, space)
        boundary = space.scratch("real", 30)
        space.backend.evaluate(
            self._expressions["boundary"],
            boundary,
            {"S": fields["squares"], "Q": fields["quartics"]},
        )
        temperature = fields["temperature"]
        phases = self.phases(temperature)
        kinetics = self.kinetics(temperature)
        thickness = self.material.kinetics.boundary_thickness.at(temperature)
        rate = nucleation_rate(
            phases,
            self.nucleation_parameters(),
            fields["c_alpha"],
            boundary,
            state.fields["f_schwarz"],
            fields["h"],
            kinetics.lattice_diffusivity,
            self.material.kinetics.boundary_diffusion.at(temperature) / thickness,
            kinetics.suppression,
            space.xp,
        )
        return rate, phases

    def schwarz_loss_rate(self, temperature: float) -> float:
        """``k_S(T) = ν_S exp(-Q_S/(R T))`` (1/s): thermal loss of the Schwarz structure."""
        schwarz = self.material.schwarz
        energy = schwarz.loss_energy.at(temperature)
        return schwarz.loss_prefactor.at(temperature) * math.exp(
            -energy / (GAS_CONSTANT * temperature)
        )

    def schwarz_cap(self, diameter: Any) -> Any:
        """``f_max(d) = 1 / (1 + (d/d_S)^n)``: the most Schwarz structure a grain of size ``d``
        keeps; grains that outgrow the structure lose it."""
        schwarz = self.material.schwarz
        size = schwarz.critical_size.at(300.0)
        exponent = schwarz.size_exponent.at(300.0)
        return 1.0 / (1.0 + (diameter / size) ** exponent)


def _build_expressions(
    energy: str, potential: str, curvature: str, scalars: list[str]
) -> dict[str, Expression]:
    """The pointwise expressions of the model, parsed and checked once."""
    chem = [*scalars, "x"]
    line_energy = "(g0 + (xb - x0)*(sl + 0.5*kb*(xb - x0)))"
    fa = f"({energy})"
    mu = f"({potential})"
    # Δ/V_m with Δ = Gβ(cβ) − Gα(cα) − μ (cβ − cα), the grand-potential difference of β and
    # α at the local diffusion potential (J/m³); the chemical terms carry the weight
    # g'(u) Δ/V_m / (φ² + S)², with u = φ²/(φ² + S) and g'(u) = 30 u²(1 − u)²
    u = "(f*f / (f*f + S + 1e-30))"
    driving = f"({line_energy} - {fa} - {mu}*(xb - x)) / vm"
    weight = f"30*{u}*{u}*(1 - {u})*(1 - {u}) * dv / ((f*f + S)*(f*f + S) + 1e-30)"
    sources = {
        "square": ("u*u", ["u"]),
        "h": (f"{u}*{u}*{u}*(6*{u}*{u} - 15*{u} + 10)", ["f", "S"]),
        "driving": (driving, [*chem, "xb", "vm", "g0", "x0", "kb", "sl"]),
        "weight": (weight, ["dv", "f", "S"]),
        "potential": (f"{mu} / vm", [*chem, "vm"]),
        # L = s (L_gb B + L_p P + min(L_gb, L_p) ε) / (B + P + ε), B = (S² − Q)/2, P = φ² S:
        # bulk regions take the slower of the two (no interface moves there, and the faster
        # would only stiffen the step)
        "mobility": (
            "exp(-w*q) * (lg*0.5*(S*S - Q) + lp*f*f*S + minimum(lg, lp)*eps)"
            " / (0.5*(S*S - Q) + f*f*S + eps)",
            ["S", "Q", "f", "w", "q", "lg", "lp", "eps"],
        ),
        # D = s (1 − h)[(1 − b) D_L + b D_b] + h D_β, b = min(1, 8 (S² − Q))²
        "diffusivity": (
            "exp(-w*q)*(1 - h)*((1 - minimum(1, 8*(S*S - Q))**2)*dl"
            " + minimum(1, 8*(S*S - Q))**2*db) + h*dp",
            ["S", "Q", "h", "w", "q", "dl", "db", "dp"],
        ),
        # M = V_m D ((1 − h)/G''α + h/G''β) and χ = ∂c/∂μ = V_m ((1 − h)/G''α + h/G''β)
        "transport": (
            f"vm * d * ((1 - h) / ({curvature}) + h / kb)",
            [*chem, "h", "d", "vm", "kb"],
        ),
        "capacity": (f"vm * ((1 - h) / ({curvature}) + h / kb)", [*chem, "h", "vm", "kb"]),
        "drive_eta": (
            "-mobility*(m*(u*u*u - u + 2*u*(g*(S - u*u) + p*phi*phi)) - k*lap"
            " - 2*u*phi*phi*weight)",
            ["u", "lap", "S", "mobility", "phi", "weight", "m", "g", "p", "k"],
        ),
        "drive_phi": (
            "-mobility*(m*(phi*phi*phi - phi + 2*p*phi*S) - k*lap + 2*phi*S*weight)",
            ["lap", "S", "mobility", "phi", "weight", "m", "g", "p", "k"],
        ),
        # bulk free-energy density, J/m³
        "energy": (
            "m*(0.25*Q - 0.5*S + 0.25*f*f*f*f - 0.5*f*f + 0.5*g*(S*S - Q) + p*f*f*S + 0.25)"
            f" + ((1 - h)*{fa} + h*{line_energy}) / vm",
            [*chem, "S", "Q", "f", "h", "xb", "m", "g", "p", "vm", "g0", "x0", "kb", "sl"],
        ),
        "one_minus": ("1 - h", ["h"]),
        # L (m + (|h_φφ| + |h_ηη|) |Δ|/V_m): the fastest relaxation rate of the phase fields,
        # with the curvatures of h = g(u) in φ and in a grain order parameter (η² ≤ S)
        "relaxation": (
            "L*(m + (abs(gpp*up*up + gp*upp) + abs(gpp*ue*ue + gp*uee))*abs(dv))",
            ["L", "m", "dv", "gp", "gpp", "up", "upp", "ue", "uee"],
        ),
        # the Mg a change of h needs at fixed diffusion potential
        "exchange": (
            f"({u}*{u}*{u}*(6*{u}*{u} - 15*{u} + 10) - h)*(xb - x)",
            ["f", "S", "h", "x", "xb"],
        ),
        "boundary": ("minimum(1, 8*(S*S - Q))**2", ["S", "Q"]),
        "alpha_mg": ("(1 - h)*x", ["h", "x"]),
    }
    # the relaxation rate's curvatures of h = g(u): g' = 30u²(1−u)², g'' = 60u(1−u)(1−2u);
    # u_φ = 2φS/D², u_φφ = 2S(S − 3φ²)/D³, u_η = −2ηφ²/D², u_ηη = 2φ²(3η² − φ² − S)/D³ with
    # D = φ² + S and η² = S, the largest a single grain order parameter can be
    d = "(f*f + S + 1e-30)"
    curvatures = {
        "gp": f"30*{u}*{u}*(1 - {u})*(1 - {u})",
        "gpp": f"60*{u}*(1 - {u})*(1 - 2*{u})",
        "up": f"2*f*S/({d}*{d})",
        "upp": f"2*S*(S - 3*f*f)/({d}*{d}*{d})",
        "ue": f"2*sqrt(S)*f*f/({d}*{d})",
        "uee": f"2*f*f*(2*S - f*f)/({d}*{d}*{d})",
    }
    relaxation = sources["relaxation"][0]
    for name, text in curvatures.items():
        relaxation = re.sub(r"\b" + name + r"\b", f"({text})", relaxation)
    sources["relaxation"] = (relaxation, ["L", "m", "dv", "f", "S"])
    return {name: parse_expression(text, names) for name, (text, names) in sources.items()}
