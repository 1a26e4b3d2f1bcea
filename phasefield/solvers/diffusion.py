"""One implicit step of a conserved field: ``c += Δt ∇·(M∇(μ + δμ))``, exactly conservative.

The step is linearised in the diffusion potential: with ``χ = ∂c/∂μ`` the local capacity, the
increment ``δμ`` of the potential solves

.. math:: \\chi\\,\\delta\\mu - \\Delta t\\,\\nabla_h\\cdot(M\\nabla_h\\delta\\mu)
          = \\Delta t\\,\\nabla_h\\cdot(M\\nabla_h\\mu^n)

(:class:`~phasefield.solvers.multigrid.MultigridSolver`), which is the exact linearisation of the
flux even where ``χ`` jumps between phases (a linearisation in ``c`` with the Fickian ``D = M/χ``
is not, and oscillates there at long steps), and symmetric positive definite. The field is then
advanced by the divergence of the face fluxes themselves, explicit and implicit parts: every
flux leaves one cell and enters its neighbour, so the total is conserved to round-off whatever
the solver's tolerance (which only sets how implicit the step is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..spectral import SpectralSpace
from .multigrid import MultigridSolver, SolveReport

__all__ = ["DiffusionProblem", "DiffusionStep"]

#: Relative residual of the implicit solve.
TOLERANCE = 1e-8


@dataclass(frozen=True)
class DiffusionProblem:
    """One step of ``∂c/∂t = ∇·(M ∇μ)`` for a conserved field, linearised implicitly in μ:

    .. math:: c^{n+1} = c^n + \\Delta t\\,\\nabla\\cdot\\big(M\\nabla(\\mu^n + \\delta\\mu)\\big),
              \\qquad \\delta\\mu \\approx (c^{n+1} - c^n)/\\chi,

    with ``χ = ∂c/∂μ`` the capacity (grid-shaped arrays on the device; ``M/χ`` is the Fickian
    diffusivity). ``exchange``, if given, is called with the state after the other fields were
    stepped and returns the change of ``c`` that their step implies at a fixed potential (a
    moving interface takes up or gives off solute); the diffusion step then solves for the
    potential with that change included,

    .. math:: \\chi\\,\\delta\\mu - \\Delta t\\,\\nabla\\cdot(M\\nabla\\delta\\mu)
              = \\Delta t\\,\\nabla\\cdot(M\\nabla\\mu^n) - \\text{exchange},

    which treats the coupling implicitly (a grand-potential splitting) while ``c`` is still
    advanced by the conservative fluxes alone."""

    potential: Any
    mobility: Any
    capacity: Any
    exchange: Any = None


class DiffusionStep:
    """Advances one conserved field on ``space``'s grid (finite volumes, periodic)."""

    def __init__(self, space: SpectralSpace) -> None:
        grid = space.grid
        self.space = space
        xp = space.xp
        self.solver = MultigridSolver(grid.shape, grid.spacing, xp, compiled=space.backend.compiled)
        shape3 = self.solver.shape3
        self._capacity = xp.zeros(shape3, dtype=np.float64)
        self._rhs = xp.zeros(shape3, dtype=np.float64)
        self._delta = xp.zeros(shape3, dtype=np.float64)
        self._wide = xp.zeros(shape3, dtype=np.float64)
        self.last: SolveReport | None = None
        self.iterations = 0
        self.solves = 0

    def advance(
        self, field: Any, problem: DiffusionProblem, dt: float, exchange: Any = None
    ) -> SolveReport:
        """``field <- field + dt ∇·(M∇(μ + δμ))`` in place; returns the solver's report.
        ``exchange`` is the change of the field the other fields' step implies at a fixed
        potential (see :class:`DiffusionProblem`)."""
        solver = self.solver
        wide = self._wide
        wide[...] = solver.view(problem.capacity)
        self._capacity[...] = wide
        wide[...] = solver.view(problem.mobility)
        solver.prepare(wide, dt, self._capacity)
        wide[...] = solver.view(problem.potential)
        solver.flux_divergence(solver.levels[0].faces, wide, self._rhs, accumulate=False)
        if exchange is None:
            report = solver.solve(self._rhs, self._delta, rtol=TOLERANCE)
        else:
            wide[...] = self._rhs - solver.view(exchange)
            report = solver.solve(wide, self._delta, rtol=TOLERANCE)
        # the update from the fluxes: explicit part (rhs) plus the implicit part's divergence
        solver.flux_divergence(solver.levels[0].faces, self._delta, self._rhs, accumulate=True)
        view = solver.view(field)
        if view.dtype == np.float64:
            view += self._rhs
        else:
            wide[...] = view
            wide += self._rhs
            view[...] = wide
        self.last = report
        self.iterations += report.iterations
        self.solves += 1
        return report
