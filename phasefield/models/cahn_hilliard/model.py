"""Cahn–Hilliard with a double-well free energy, constant or concentration-dependent mobility."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ...expression import parse_expression
from ...spectral import SpectralSpace
from ...state import State
from ..base import ONE, KPolynomial, SpectralModel

__all__ = ["CahnHilliard", "DoubleWell"]

_DENSITY = parse_expression("h*(c-a)**2*(b-c)**2", ["c", "h", "a", "b"])
_DERIVATIVE = parse_expression("2*h*(c-a)*(b-c)*(a+b-2*c)", ["c", "h", "a", "b"])
_FLUX = parse_expression("m*maximum(c*(1-c), 0)*g", ["c", "g", "m"])


@dataclass(frozen=True)
class DoubleWell:
    """The double well :math:`f(c) = h\\,(c-c_\\alpha)^2 (c_\\beta-c)^2`.

    With gradient energy :math:`\\tfrac{\\kappa}{2}|\\nabla c|^2` a flat interface between the wells
    has the profile and energy

    .. math:: c(x) = \\frac{c_\\alpha+c_\\beta}{2} + \\frac{c_\\beta-c_\\alpha}{2}
              \\tanh\\frac{x}{\\ell}, \\quad \\ell = \\frac{2}{c_\\beta-c_\\alpha}
              \\sqrt{\\frac{\\kappa}{2h}}, \\quad
              \\sigma = \\sqrt{2\\kappa h}\\,\\frac{(c_\\beta-c_\\alpha)^3}{6}.
    """

    height: float
    c_alpha: float
    c_beta: float

    @property
    def parameters(self) -> dict[str, float]:
        return {"h": self.height, "a": self.c_alpha, "b": self.c_beta}

    def curvature(self, c: Any) -> Any:
        """``f''(c)``."""
        h, a, b = self.height, self.c_alpha, self.c_beta
        return h * (2 * (b - c) ** 2 - 8 * (c - a) * (b - c) + 2 * (c - a) ** 2)

    @property
    def max_curvature(self) -> float:
        """``max |f''|`` between the wells: ``2 h (cβ - cα)²``, reached at the wells."""
        return 2 * self.height * (self.c_beta - self.c_alpha) ** 2

    def interface_width(self, kappa: float) -> float:
        """``ℓ`` of the tanh profile."""
        return 2 / (self.c_beta - self.c_alpha) * math.sqrt(kappa / (2 * self.height))

    def interface_energy(self, kappa: float) -> float:
        """``σ`` of a flat interface."""
        return math.sqrt(2 * kappa * self.height) * (self.c_beta - self.c_alpha) ** 3 / 6


@dataclass(frozen=True)
class CahnHilliard(SpectralModel):
    """Cahn–Hilliard dynamics of a conserved concentration ``c``.

    .. math::
        \\partial_t c = \\nabla\\cdot\\big(M(c)\\,\\nabla\\mu\\big), \\qquad
        \\mu = f'(c) - \\kappa\\nabla^2 c, \\qquad
        F = \\int f(c) + \\tfrac{\\kappa}{2}|\\nabla c|^2 \\, dV,

    with ``M(c) = M`` (``mobility_form="constant"``) or ``M(c) = M c(1-c)``, clipped at zero
    outside ``[0, 1]`` (``"c(1-c)"``).

    Constant mobility (stabilised semi-implicit scheme of Chen & Shen, Comput. Phys. Commun. 108,
    147 (1998), doi:10.1016/S0010-4655(97)00115-X, with the linear stabilisation of Shen & Yang,
    DCDS-A 28, 1669 (2010), doi:10.3934/dcds.2010.28.1669):

    .. math:: L = M(\\kappa k^4 + s k^2), \\quad S = M s k^2, \\quad K = -M k^2, \\quad N = f'(c).

    Variable mobility (Zhu, Chen, Shen, Tikare, Phys. Rev. E 60, 3564 (1999),
    doi:10.1103/PhysRevE.60.3564): a constant ``A`` is added implicitly and subtracted explicitly,

    .. math:: L = S = A(\\kappa k^4 + s k^2), \\quad K = 1, \\quad
              \\hat N = i\\mathbf{k}\\cdot\\big\\{M(c)\\,\\mathcal{F}^{-1}
              [i\\mathbf{k}(\\widehat{f'(c)} + \\kappa k^2 \\hat c)]\\big\\}^\\wedge.

    ``s`` (``stabilization``) of at least ``max|f''|/2`` makes the constant-mobility scheme
    energy-stable for any time step; ``A`` of at least the largest mobility keeps the
    variable-mobility one stable.
    """

    mobility: float
    kappa: float
    free_energy: DoubleWell
    mobility_form: Literal["constant", "c(1-c)"] = "constant"
    stabilization: float = 0.0
    mobility_stabilization: float = 0.0

    fields = ("c",)

    @property
    def explicit_space(self) -> Literal["real", "fourier"]:
        return "real" if self.mobility_form == "constant" else "fourier"

    @property
    def explicit_in_place(self) -> bool:
        # μ(c) is pointwise: each value is read before it is overwritten
        return self.mobility_form == "constant"

    @property
    def _implicit_mobility(self) -> float:
        return self.mobility if self.mobility_form == "constant" else self.mobility_stabilization

    def implicit_operator(self, name: str) -> KPolynomial:
        m = self._implicit_mobility
        return KPolynomial((0.0, m * self.stabilization, m * self.kappa))

    def explicit_operator(self, name: str) -> KPolynomial:
        m = self._implicit_mobility
        if self.mobility_form == "constant":
            return KPolynomial((0.0, m * self.stabilization))
        return KPolynomial((0.0, m * self.stabilization, m * self.kappa))

    def explicit_multiplier(self, name: str) -> KPolynomial:
        if self.mobility_form == "constant":
            return KPolynomial((0.0, -self.mobility))
        return ONE

    def explicit(self, state: State, out: Mapping[str, Any], space: SpectralSpace) -> None:
        c = state.fields["c"]
        if self.mobility_form == "constant":
            space.backend.evaluate(_DERIVATIVE, out["c"], {"c": c, **self.free_energy.parameters})
            return
        real = space.scratch("cahn_hilliard.flux")
        potential = space.scratch("cahn_hilliard.potential", "spectral")
        gradient = space.scratch("cahn_hilliard.gradient", "spectral")
        space.backend.evaluate(_DERIVATIVE, real, {"c": c, **self.free_energy.parameters})
        space.transform(real, potential)
        potential += (self.kappa * space.k2) * state.spectral["c"]
        divergence = out["c"]
        divergence[...] = 0
        for axis in range(space.grid.ndim):
            ik = 1j * space.wavevector(axis, odd=True)
            space.xp.multiply(potential, ik, out=gradient)
            space.fft.inverse(gradient, real)
            space.backend.evaluate(_FLUX, real, {"c": c, "g": real, "m": self.mobility})
            space.transform(real, gradient)
            gradient *= ik
            divergence += gradient

    def scalars(self, state: State, space: SpectralSpace) -> dict[str, float]:
        """``free_energy`` and its two parts, ``free_energy_bulk`` (``Σ f(c)`` over the cells
        times the cell volume) and ``free_energy_gradient`` (``κ/2 ∫|∇c|²`` by Parseval, with
        the same ``|k|²`` as the scheme's Laplacian), and ``c_mean``."""
        grid = space.grid
        density = space.backend.reduce_sum(
            _DENSITY, {"c": state.fields["c"], **self.free_energy.parameters}
        )
        bulk = density * grid.cell_volume
        gradient = 0.5 * self.kappa * (space.sum_k2_power(state.spectral["c"]) * grid.volume)
        return {
            "free_energy": bulk + gradient,
            "free_energy_bulk": bulk,
            "free_energy_gradient": gradient,
            "c_mean": space.mean(state.fields["c"]),
        }
