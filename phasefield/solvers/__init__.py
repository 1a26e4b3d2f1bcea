"""Linear solvers the steppers use beside the FFTs."""

from __future__ import annotations

from .multigrid import MultigridSolver, SolveReport

__all__ = ["MultigridSolver", "SolveReport"]
