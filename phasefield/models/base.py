"""What a model declares, and nothing more: fields, linear operators, explicit terms, scalars.

Every model has the semi-implicit form, for each field ``u``,

.. math:: \\partial_t \\hat u = -L(k^2)\\,\\hat u + S(k^2)\\,\\hat u + K(k^2)\\,\\widehat{N(u)},

where ``L`` is treated implicitly (stabilisation included), ``S`` is an explicit linear part
(the stabilisation subtracted again) and ``N`` the explicit, nonlinear term, given in real space
(``explicit_space = "real"``; the stepper transforms it) or already in Fourier space
(``explicit_space = "fourier"``). ``L``, ``S`` and ``K`` are polynomials in ``k²``.

A model may also declare *conserved* fields that are not stepped in Fourier space but by an
implicit finite-volume diffusion solve (:mod:`phasefield.solvers.diffusion`), for transport whose
coefficients vary by orders of magnitude in space, and *auxiliary* fields that handlers update
(e.g. a structure fraction). :meth:`SpectralModel.explicit` may then return :class:`StepTerms`:
this step's operators (when they depend on time or state), the diffusion problem of each
conserved field, and the longest step the model's kinetics allow.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from ..dims import DIMENSIONLESS
from ..expression import Expression
from ..solvers.diffusion import DiffusionProblem, Sink
from ..spectral import SpectralSpace
from ..state import State

__all__ = [
    "ComponentTerm",
    "DiffusionProblem",
    "KPolynomial",
    "Sink",
    "SpectralModel",
    "StepTerms",
]


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


@dataclass(frozen=True)
class ComponentTerm:
    """The explicit term ``N`` of one component of a stack, as a pointwise expression.

    Attributes
    ----------
    expression : Expression
        ``N`` at a point, of the component's value (named by ``variable``) and of ``shared``.
    variable : str
        The name the component's value has in ``expression``.
    stack : array
        The field, ``(components, *grid)``; component ``c`` is ``stack[c]``.
    shared : mapping of str to array or float
        The other operands: grid-shaped arrays common to all components (sums over them) and
        scalars.
    """

    expression: Expression
    variable: str
    stack: Any
    shared: Mapping[str, Any]


@dataclass(frozen=True)
class StepTerms:
    """What a model's explicit evaluation tells the stepper besides the terms it wrote.

    Attributes
    ----------
    operators : dict, optional
        ``name -> (L, S, K)`` coefficient arrays for this step, replacing the declared ones.
    diffusion : dict
        ``name -> DiffusionProblem`` for each conserved field.
    max_dt : float, optional
        The longest step the kinetics allow now (adaptive stepping).
    """

    operators: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
    diffusion: dict[str, DiffusionProblem] | None = None
    max_dt: float | None = None


class SpectralModel(ABC):
    """A phase-field model in semi-implicit Fourier-spectral form.

    Subclasses are frozen dataclasses of numbers; they never loop over time, write files or
    parse configs.
    """

    #: Names of the fields, in the order they are stepped and stored.
    fields: ClassVar[tuple[str, ...]]
    #: Units of every stored variable (fields, series, coordinates): a string pint parses.
    #: The generic models are nondimensional (``"1"`` for everything).
    units: ClassVar[Mapping[str, str]] = DIMENSIONLESS
    #: ``long_name`` of stored variables where the model says more than
    #: :data:`phasefield.dims.LONG_NAMES`.
    long_names: ClassVar[Mapping[str, str]] = {}

    @property
    def spectral_fields(self) -> tuple[str, ...]:
        """Fields stepped in Fourier space (default: all of :attr:`fields`)."""
        return tuple(name for name in self.fields if name not in self.real_fields)

    @property
    def conserved_fields(self) -> tuple[str, ...]:
        """Fields stepped by an implicit finite-volume diffusion solve (default none)."""
        return ()

    @property
    def real_fields(self) -> tuple[str, ...]:
        """Fields kept in real space only: the conserved ones and auxiliary ones (default none)."""
        return self.conserved_fields

    def units_of(self, ndim: int) -> Mapping[str, str]:
        """Units of every stored variable on a grid of ``ndim`` axes (default :attr:`units`)."""
        return self.units

    def landing_time(self, time: float) -> float | None:
        """A time after ``time`` that steps should land on (e.g. a schedule's kink), or None."""
        return None

    @property
    def explicit_space(self) -> Literal["real", "fourier"]:
        """Where :meth:`explicit` writes ``N``: real space, or (normalised) Fourier space."""
        return "real"

    def components(self, name: str) -> int:
        """How many components field ``name`` stacks along a leading axis (default 1)."""
        return 1

    @property
    def explicit_in_place(self) -> bool:
        """Whether :meth:`explicit` may write ``N`` over the real fields themselves (default
        False). A model may say so when it reads no real field after writing any ``N``; the
        stepper then needs no real work buffer, and the inverse transform rebuilds the fields
        from their new spectra as always."""
        return False

    @property
    def componentwise(self) -> bool:
        """Whether :meth:`component_terms` can stand in for :meth:`explicit` (default False)."""
        return False

    def component_terms(self, state: State, space: SpectralSpace) -> Mapping[str, ComponentTerm]:
        """The explicit terms one component at a time, for models whose ``N`` of component
        ``c`` depends on that component and on sums over all of them (e.g. ``Σ η²``).

        Prepares what the components share from the current state (into scratch buffers) and
        returns, per spectral field, a :class:`ComponentTerm`: ``N`` as a pointwise expression
        of one component and the shared values. ``N`` of component ``c`` reads component ``c``
        of the state and the shared values only, so a stepper may replace component ``c`` by
        its new value before evaluating ``c + 1``: evaluation, transforms and update of a
        component then stay in cache, through one-component work buffers, and components may be
        stepped in parallel. Models that return :class:`StepTerms` do not use this.
        """
        raise NotImplementedError(f"{type(self).__name__} has no componentwise explicit terms")

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
    def explicit(
        self, state: State, out: Mapping[str, Any], space: SpectralSpace
    ) -> StepTerms | None:
        """Write the explicit term ``N`` of every spectral field into ``out`` (real or Fourier);
        return :class:`StepTerms` where operators change, fields are conserved or steps adapt."""

    @abstractmethod
    def scalars(self, state: State, space: SpectralSpace) -> dict[str, float]:
        """Scalar series for a save (e.g. ``free_energy``, ``c_mean``)."""
