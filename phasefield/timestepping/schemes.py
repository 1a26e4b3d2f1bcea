"""Time-stepping schemes as data: the coefficients of one multistep IMEX form.

Every scheme here advances a field ``u`` with the linear operator ``L`` implicit and the rest
explicit (Ascher, Ruuth & Wetton, SIAM J. Numer. Anal. 32, 797 (1995),
doi:10.1137/0732037), in Fourier space:

.. math:: a\\,\\hat u^{n+1} = \\sum_{h \\ge 0} \\alpha_h\\,\\hat u^{n-h}
          + \\Delta t_n\\Big(-L\\,\\hat u^{n+1} + \\sum_{h \\ge 0}\\gamma_h\\,E^{n-h}\\Big),
          \\qquad E = S\\,\\hat u + K\\,\\widehat{N(u)},

so a scheme is its coefficients ``a``, ``α_h``, ``γ_h``, computed for each step from the
lengths of the steps before it (variable steps), as Dedalus tabulates its multistep IMEX
schemes (Burns, Vasil, Oishi, Lecoanet, Brown, Phys. Rev. Research 2, 023068 (2020),
doi:10.1103/PhysRevResearch.2.023068). One implementation
(:class:`~phasefield.timestepping.imex.MultistepIMEX`) steps them all; the update itself is
described once in :mod:`phasefield.timestepping.update`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

__all__ = [
    "SBDF1",
    "SBDF2",
    "SCHEMES",
    "Coefficients",
    "Scheme",
    "register_scheme",
    "scheme_names",
]


@dataclass(frozen=True)
class Coefficients:
    """One step's coefficients: ``implicit`` is ``a``, ``alpha[h]`` and ``gamma[h]`` weigh
    ``û^{n-h}`` and ``E^{n-h}`` (``h = 0`` the current step); ``estimated`` says whether the
    step is of the scheme's order above one, so that its difference from an Euler step
    estimates the local error (a restart is a first-order step: no estimate)."""

    implicit: float
    alpha: tuple[float, ...]
    gamma: tuple[float, ...]
    estimated: bool = False

    @property
    def levels(self) -> int:
        """Earlier steps the update reads besides the current one."""
        return len(self.alpha) - 1


class Scheme(ABC):
    """A multistep IMEX scheme: its order, how many earlier steps it keeps, its coefficients."""

    #: The name configs use (``time.scheme``).
    name: str
    #: Order of accuracy in the time step.
    order: int
    #: Earlier steps kept besides the current one (``û^{n-h}``, ``E^{n-h}``, h = 1 .. levels).
    levels: int

    @property
    def controllable(self) -> bool:
        """Whether the scheme gives a local-error estimate (its step against a first-order
        one) that step-size control can use."""
        return self.order > 1

    @abstractmethod
    def coefficients(self, dt: float, previous_dt: float) -> Coefficients:
        """The coefficients of a step of ``dt`` after one of ``previous_dt`` (0: no earlier
        step belongs to the state, e.g. at the start or after a remap)."""


SCHEMES: dict[str, Scheme] = {}


def register_scheme(cls: type[Scheme]) -> type[Scheme]:
    """Class decorator adding a scheme to :data:`SCHEMES` under its ``name``."""
    SCHEMES[cls.name] = cls()
    return cls


_EULER = Coefficients(1.0, (1.0,), (1.0,))


@register_scheme
class SBDF1(Scheme):
    """First-order IMEX Euler (SBDF1): implicit in ``L``, explicit in ``S`` and ``N``,

    .. math:: (1 + \\Delta t\\,L)\\,\\hat u^{n+1} = (1 + \\Delta t\\,S)\\,\\hat u^n
              + \\Delta t\\,K\\,\\widehat{N(u^n)}.
    """

    name = "imex_euler"
    order = 1
    levels = 0

    def coefficients(self, dt: float, previous_dt: float) -> Coefficients:
        return _EULER


@register_scheme
class SBDF2(Scheme):
    """Second-order semi-implicit backward differentiation (SBDF2, Ascher, Ruuth & Wetton
    1995) in the variable-step form of Wang & Ruuth, J. Comput. Math. 26, 838 (2008): with
    ``ω = Δt_n / Δt_{n-1}``,

    .. math:: \\tfrac{1+2\\omega}{1+\\omega}\\,\\hat u^{n+1} - (1+\\omega)\\,\\hat u^n
              + \\tfrac{\\omega^2}{1+\\omega}\\,\\hat u^{n-1}
              = \\Delta t_n\\big(-L\\,\\hat u^{n+1} + (1+\\omega)E^n - \\omega E^{n-1}\\big).

    The stabilisation ``s`` then enters as ``s(û^{n+1} - 2û^n + û^{n-1})``, an O(Δt²) term,
    so the scheme stays second order with it (Shen & Yang, DCDS-A 28, 1669 (2010),
    doi:10.3934/dcds.2010.28.1669). A step with no earlier one, or more than
    :data:`MAX_STEP_RATIO` times the one before, is an IMEX-Euler step (``ω = 0``): the
    variable-step formula is zero-stable for ``ω < 1 + √2`` only.
    """

    name = "sbdf2"
    order = 2
    levels = 1
    #: Largest ratio of a step to the one before it that is taken at second order.
    MAX_STEP_RATIO = 2.4

    def coefficients(self, dt: float, previous_dt: float) -> Coefficients:
        omega = dt / previous_dt if previous_dt > 0 else 0.0
        if omega > self.MAX_STEP_RATIO:
            omega = 0.0
        return Coefficients(
            (1 + 2 * omega) / (1 + omega),
            (1 + omega, -omega * omega / (1 + omega)),
            (1 + omega, -omega),
            estimated=omega > 0,
        )


def scheme_names() -> list[str]:
    """The names of the registered schemes."""
    return list(SCHEMES)
