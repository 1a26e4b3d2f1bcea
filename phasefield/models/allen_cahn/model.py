"""Allen–Cahn relaxation of a non-conserved field in a tilted double well: the registry's
smallest model, with an exact travelling front to test against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...expression import parse_expression
from ...spectral import SpectralSpace
from ...state import State
from ..base import ONE, KPolynomial, SpectralModel

__all__ = ["AllenCahn"]

_DRIVE = parse_expression("-L*(2*W*u*(1-u)*(1-2*u) + 6*D*u*(1-u))", ["u", "L", "W", "D"])
_DENSITY = parse_expression("W*u*u*(1-u)*(1-u) + D*u*u*(3-2*u)", ["u", "W", "D"])


@dataclass(frozen=True)
class AllenCahn(SpectralModel):
    """Allen–Cahn dynamics (Allen & Cahn, Acta Metall. 27, 1085 (1979),
    doi:10.1016/0001-6160(79)90196-2) of a field ``φ`` in a double well tilted by ``Δ``:

    .. math::
        \\partial_t\\phi = -L\\Big(f'(\\phi) - \\kappa\\nabla^2\\phi\\Big), \\qquad
        f(\\phi) = W\\phi^2(1-\\phi)^2 + \\Delta\\,\\phi^2(3 - 2\\phi),

    so ``f(1) − f(0) = Δ`` and ``f'(φ) = −4Wφ(1−φ)(φ − a)`` with ``a = 1/2 + 3Δ/(2W)``: the
    bistable (Nagumo) equation. Its flat front
    ``φ = 1/(1 + exp((x − v t)/ℓ))``, ``ℓ = √(κ/(2W))``, moves at

    .. math:: v = -3 L \\Delta \\sqrt{2\\kappa / W}

    (Fife & McLeod, Arch. Ration. Mech. Anal. 65, 335 (1977), doi:10.1007/BF00250432), the
    sharp-interface ``v = (Lκ/σ)(−Δ)`` with ``σ = √(2κW)/6``.

    Scheme (linear stabilisation ``s``, Shen & Yang, DCDS-A 28, 1669 (2010),
    doi:10.3934/dcds.2010.28.1669): ``L(κk² + s)`` implicit, ``L s`` and ``N = −L f'(φ)``
    explicit; ``s ≥ max|f''|/2`` is energy-stable for any step.
    """

    mobility: float
    kappa: float
    height: float
    tilt: float = 0.0
    stabilization: float = 0.0

    fields = ("phi",)

    @property
    def max_curvature(self) -> float:
        """``max |f''|`` on ``[0, 1]``: ``2W + 6|Δ|``, at a well."""
        return 2 * self.height + 6 * abs(self.tilt)

    @property
    def front_speed(self) -> float:
        """``v = −3 L Δ √(2κ/W)``: the analytic speed of a flat front (towards ``φ = 0``)."""
        return -3 * self.mobility * self.tilt * (2 * self.kappa / self.height) ** 0.5

    @property
    def explicit_in_place(self) -> bool:
        return True  # N is pointwise in φ

    def implicit_operator(self, name: str) -> KPolynomial:
        return KPolynomial((self.mobility * self.stabilization, self.mobility * self.kappa))

    def explicit_operator(self, name: str) -> KPolynomial:
        return KPolynomial((self.mobility * self.stabilization,))

    def explicit_multiplier(self, name: str) -> KPolynomial:
        return ONE

    def explicit(self, state: State, out: Mapping[str, Any], space: SpectralSpace) -> None:
        values = {"u": state.fields["phi"], "L": self.mobility, "W": self.height, "D": self.tilt}
        space.backend.evaluate(_DRIVE, out["phi"], values)

    def scalars(self, state: State, space: SpectralSpace) -> dict[str, float]:
        grid = space.grid
        phi = state.fields["phi"]
        bulk = space.backend.reduce_sum(_DENSITY, {"u": phi, "W": self.height, "D": self.tilt})
        gradient = space.sum_k2_power(state.spectral["phi"]) * grid.volume
        return {
            "free_energy": bulk * grid.cell_volume + 0.5 * self.kappa * gradient,
            "phi_mean": space.mean(phi),
        }
