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

__all__ = ["DiffusionProblem", "DiffusionStep", "Sink"]

#: Relative residual of the implicit solve.
TOLERANCE = 1e-8


@dataclass(frozen=True)
class Sink:
    """A linear sink of the conserved field, ``∂c/∂t = … - k (c - x_s)``, taken implicitly:
    ``rate`` (k, 1/s) and ``target`` (x_s) are grid-shaped arrays on the device; after each step
    ``taken`` holds what the sink took from every cell, ``Δt k (ĉ - x_s)`` with ``ĉ`` the
    solve's estimate of the new value (negative where it gave)."""

    rate: Any
    target: Any
    taken: Any


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
    advanced by the conservative fluxes alone.

    ``sink``, if given, is a linear sink ``k (c - x_s)`` (particles below the grid that gather
    or give off solute) solved with the diffusion: with ``c^{n+1} ≈ c^n + χ δμ``,

    .. math:: \\chi(1 + \\Delta t\\,k)\\,\\delta\\mu
              - \\Delta t\\,\\nabla\\cdot(M\\nabla\\delta\\mu)
              = \\Delta t\\,\\nabla\\cdot(M\\nabla\\mu^n) - \\text{exchange}
                - \\Delta t\\,k\\,(c^n - x_s),

    and ``c`` is advanced by the fluxes less ``Δt k (c^n + χ δμ - x_s)``, the amount the sink
    records as taken: the field and the sink exchange exactly the same amount."""

    potential: Any
    mobility: Any
    capacity: Any
    exchange: Any = None
    sink: Sink | None = None


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
        sink = problem.sink
        wide[...] = solver.view(problem.capacity)
        self._capacity[...] = wide
        if sink is not None:
            self._capacity *= 1.0 + dt * solver.view(sink.rate)
        wide[...] = solver.view(problem.mobility)
        solver.prepare(wide, dt, self._capacity)
        wide[...] = solver.view(problem.potential)
        solver.flux_divergence(solver.levels[0].faces, wide, self._rhs, accumulate=False)
        if exchange is None and sink is None:
            report = solver.solve(self._rhs, self._delta, rtol=TOLERANCE)
        else:
            wide[...] = self._rhs
            if exchange is not None:
                wide -= solver.view(exchange)
            if sink is not None:
                wide -= (
                    dt * solver.view(sink.rate) * (solver.view(field) - solver.view(sink.target))
                )
            report = solver.solve(wide, self._delta, rtol=TOLERANCE)
        # the update from the fluxes: explicit part (rhs) plus the implicit part's divergence
        solver.flux_divergence(solver.levels[0].faces, self._delta, self._rhs, accumulate=True)
        if sink is not None:
            # what the sink takes: Δt k (c^n + χ δμ - x_s), χ the capacity without the sink
            taken = solver.view(sink.taken)
            taken[...] = (
                dt
                * solver.view(sink.rate)
                * (
                    solver.view(field)
                    + solver.view(problem.capacity) * self._delta
                    - solver.view(sink.target)
                )
            )
            self._rhs -= taken
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
