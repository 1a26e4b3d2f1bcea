"""Multi-order-parameter grain growth with coefficients from the boundary's physical properties."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...expression import parse_expression
from ...spectral import SpectralSpace
from ...state import State
from .. import moelans
from ..base import ONE, ComponentTerm, KPolynomial, SpectralModel

__all__ = ["GrainGrowth"]

_SQUARE = parse_expression("u*u", ["u"])
_SUMS = {"S": _SQUARE}
_DRIVE = parse_expression("-L*m*(u*u*u - u + 2*g*u*(S - u*u))", ["u", "S", "L", "m", "g"])
_DRIVE_VARIABLE = parse_expression(
    "-L*w*(m*(u*u*u - u + 2*g*u*(S - u*u)) - k*lap)", ["u", "lap", "S", "L", "w", "m", "g", "k"]
)
_ENERGY_SUMS = {"S": parse_expression("u*u", ["u"]), "Q": parse_expression("u*u*u*u", ["u"])}
_ENERGY = parse_expression("m*(Q/4 - S/2 + g/2*(S*S - Q) + 0.25)", ["S", "Q", "m", "g"])


@dataclass(frozen=True)
class GrainGrowth(SpectralModel):
    """Grain growth on ``P`` non-conserved order parameters (Moelans, Blanpain, Wollants, Phys.
    Rev. B 78, 024113 (2008), doi:10.1103/PhysRevB.78.024113), with γ = 3/2:

    .. math::
        F = \\int m\\Big[\\sum_i\\big(\\tfrac{\\eta_i^4}{4} - \\tfrac{\\eta_i^2}{2}\\big)
            + \\gamma\\sum_i\\sum_{j>i}\\eta_i^2\\eta_j^2 + \\tfrac14\\Big]
            + \\frac{\\kappa}{2}\\sum_i|\\nabla\\eta_i|^2\\,dV,
        \\qquad
        \\partial_t\\eta_i = -L\\lambda(x)\\Big[m\\big(\\eta_i^3 - \\eta_i
            + 2\\gamma\\eta_i\\sum_{j\\ne i}\\eta_j^2\\big) - \\kappa\\nabla^2\\eta_i\\Big],

    with the coefficients from the boundary energy σ, width ℓ and mobility μ (velocity =
    μ σ × curvature): ``m = 6σ/ℓ``, ``κ = 3σℓ/4``, ``L = 4μ/(3ℓ)``
    (:mod:`~phasefield.models.moelans`). The width ℓ is ``1 / max|∇η|`` of the flat profile
    ``η = (1 − tanh(2x/ℓ))/2``.

    Scheme: ``Lλ_max (κk² + s)`` is implicit and subtracted again explicitly, where ``λ(x)``
    (``mobility_factor``, default 1) scales the mobility locally; with λ ≡ 1 the Laplacian stays
    implicit and a step costs one FFT pair per order parameter, otherwise one more inverse
    transform per order parameter gives ``∇²η`` for the explicit part. ``s`` (stabilization) of at
    least ``m`` keeps the explicit bulk term stable for any time step.
    """

    order_parameters: int
    gb_energy: float
    gb_width: float
    gb_mobility: float
    stabilization: float = 0.0
    mobility_factor: Any = None
    gamma: float = moelans.GAMMA

    fields = ("eta",)

    @property
    def m(self) -> float:
        return moelans.barrier_height(self.gb_energy, self.gb_width)

    @property
    def kappa(self) -> float:
        return moelans.gradient_coefficient(self.gb_energy, self.gb_width)

    @property
    def L(self) -> float:
        return moelans.kinetic_coefficient(self.gb_mobility, self.gb_width)

    @property
    def relaxation_time(self) -> float:
        """``1 / (L m) = ℓ² / (8 μ σ)``: how fast a boundary profile relaxes."""
        return moelans.relaxation_time(self.gb_width, self.gb_mobility, self.gb_energy)

    @property
    def _variable(self) -> bool:
        return self.mobility_factor is not None

    @property
    def _implicit_mobility(self) -> float:
        if not self._variable:
            return self.L
        return self.L * float(self.mobility_factor.max())

    def components(self, name: str) -> int:
        return self.order_parameters

    def implicit_operator(self, name: str) -> KPolynomial:
        mobility = self._implicit_mobility
        return KPolynomial((mobility * self.stabilization, mobility * self.kappa))

    def explicit_operator(self, name: str) -> KPolynomial:
        if self._variable:
            return self.implicit_operator(name)
        return KPolynomial((self.L * self.stabilization,))

    def explicit_multiplier(self, name: str) -> KPolynomial:
        return ONE

    @property
    def explicit_in_place(self) -> bool:
        # the blocked stack kernel reads a block of every component before writing it
        return not self._variable

    @property
    def componentwise(self) -> bool:
        return not self._variable

    def component_terms(self, state: State, space: SpectralSpace) -> Mapping[str, ComponentTerm]:
        """``S = Σ η²`` into a scratch field, then the drive of one order parameter at a time
        from its own values and ``S`` (exact: ``Σ_{j≠i} η_j² = S − η_i²``)."""
        eta = state.fields["eta"]
        squares = space.scratch("grain_growth.squares")
        space.backend.sum_components(_SQUARE, squares, {"u": eta})
        shared = {"S": squares, "L": self.L, "m": self.m, "g": self.gamma}
        return {"eta": ComponentTerm(_DRIVE, "u", eta, shared)}

    def explicit(self, state: State, out: Mapping[str, Any], space: SpectralSpace) -> None:
        eta, drive = state.fields["eta"], out["eta"]
        parameters = {"L": self.L, "m": self.m, "g": self.gamma}
        if not self._variable:
            space.backend.evaluate_stack(_DRIVE, drive, {"u": eta}, _SUMS, parameters)
            return
        # ∇²η of every order parameter into the work buffer, then the drive over it in place
        laplacian = space.scratch("grain_growth.laplacian", "spectral", self.order_parameters)
        space.xp.multiply(state.spectral["eta"], -space.k2, out=laplacian)
        space.transforms(self.order_parameters).inverse(laplacian, drive)
        space.backend.evaluate_stack(
            _DRIVE_VARIABLE,
            drive,
            {"u": eta, "lap": drive},
            _SUMS,
            {**parameters, "w": self.mobility_factor, "k": self.kappa},
        )

    def scalars(self, state: State, space: SpectralSpace) -> dict[str, float]:
        grid = space.grid
        bulk = space.backend.reduce_stack(
            _ENERGY, {"u": state.fields["eta"]}, _ENERGY_SUMS, {"m": self.m, "g": self.gamma}
        )
        gradient = space.sum_k2_power(state.spectral["eta"]) * grid.volume
        return {"free_energy": bulk * grid.cell_volume + 0.5 * self.kappa * gradient}
