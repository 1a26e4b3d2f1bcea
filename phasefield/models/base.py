"""What a model declares, and nothing more: fields, linear operators, explicit terms, scalars.

Every model has the semi-implicit form, for each field ``u``,

.. math:: \\partial_t \\hat u = -L(k^2)\\,\\hat u + S(k^2)\\,\\hat u + K(k^2)\\,\\widehat{N(u)},

where ``L`` is treated implicitly (stabilisation included), ``S`` is an explicit linear part
(the stabilisation subtracted again) and ``N`` the explicit, nonlinear term, given in real space
(``explicit_space = "real"``; the stepper transforms it) or already in Fourier space
(``explicit_space = "fourier"``). ``L``, ``S`` and ``K`` are polynomials in ``k²``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from ..spectral import SpectralSpace
from ..state import State

__all__ = ["KPolynomial", "SpectralModel"]


@dataclass(frozen=True)
class KPolynomial:
    """``p(k²) = Σ_n c_n (k²)^n``, an isotropic constant-coefficient operator in Fourier space.

    ``KPolynomial((0, 0, a))`` is ``a k⁴``, i.e. ``a ∇⁴``; ``KPolynomial((0, -b))`` is ``b ∇²``.
    """

    coefficients: tuple[float, ...] = (0.0,)

    def __call__(self, k2: Any) -> Any:
        value = 0.0 * k2
        for coefficient in reversed(self.coefficients):
            value = value * k2 + coefficient
        return value

    @property
    def array(self) -> np.ndarray:
        return np.asarray(self.coefficients, dtype=np.float64)

    def __add__(self, other: KPolynomial) -> KPolynomial:
        n = max(len(self.coefficients), len(other.coefficients))
        a = self.coefficients + (0.0,) * (n - len(self.coefficients))
        b = other.coefficients + (0.0,) * (n - len(other.coefficients))
        return KPolynomial(tuple(x + y for x, y in zip(a, b, strict=True)))


ZERO = KPolynomial((0.0,))
ONE = KPolynomial((1.0,))


class SpectralModel(ABC):
    """A phase-field model in semi-implicit Fourier-spectral form.

    Subclasses are frozen dataclasses of numbers; they never loop over time, write files or
    parse configs.
    """

    #: Names of the fields, in the order they are stepped and stored.
    fields: ClassVar[tuple[str, ...]]
    #: Units of fields and scalar series (empty for the unitless generic models).
    units: ClassVar[Mapping[str, str]] = {}

    @property
    def explicit_space(self) -> Literal["real", "fourier"]:
        """Where :meth:`explicit` writes ``N``: real space, or (normalised) Fourier space."""
        return "real"

    def components(self, name: str) -> int:
        """How many components field ``name`` stacks along a leading axis (default 1)."""
        return 1

    @abstractmethod
    def implicit_operator(self, name: str) -> KPolynomial:
        """``L`` for field ``name``: the part treated implicitly, stabilisation included."""

    def explicit_operator(self, name: str) -> KPolynomial:
        """``S`` for field ``name``: a linear part treated explicitly (default none)."""
        return ZERO

    def explicit_multiplier(self, name: str) -> KPolynomial:
        """``K`` for field ``name``: applied to the transformed explicit term (default 1)."""
        return ONE

    @abstractmethod
    def explicit(self, state: State, out: Mapping[str, Any], space: SpectralSpace) -> None:
        """Write the explicit term ``N`` of every field into ``out`` (real or Fourier)."""

    @abstractmethod
    def scalars(self, state: State, space: SpectralSpace) -> dict[str, float]:
        """Scalar series for a save (e.g. ``free_energy``, ``c_mean``)."""
