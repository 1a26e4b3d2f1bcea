"""Step-size control from a local-error estimate."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["StepControl"]


@dataclass(frozen=True)
class StepControl:
    """The elementary controller ``Δt_new = Δt (safety · tolerance / estimate)^(1/2)``
    (Hairer, Nørsett & Wanner, Solving ODEs I, §II.4), kept within ``[dt_min, dt_max]`` and
    within ``growth`` and ``1/shrink`` of the step before.

    Attributes
    ----------
    tolerance : float
        The root-mean-square local error allowed per step, in the units of the fields.
    dt_min, dt_max : float
        Bounds on the step (``dt_max`` infinite by default).
    growth, shrink : float
        Largest factor a step may grow by, or shrink by, from one to the next.
    safety : float
        Aim this fraction of the tolerance.
    """

    tolerance: float
    dt_min: float = 0.0
    dt_max: float = math.inf
    growth: float = 2.0
    shrink: float = 5.0
    safety: float = 0.8

    def next_dt(self, taken: float, estimate: float) -> float:
        """The step after one of ``taken`` whose local error was ``estimate``."""
        factor = self.growth
        if estimate > 0:
            factor = min(self.growth, math.sqrt(self.safety * self.tolerance / estimate))
        factor = max(factor, 1.0 / self.shrink)
        return min(max(taken * factor, self.dt_min), self.dt_max)
