"""Temperature programmes: a constant, or a piecewise-linear schedule (heat-up, hold, quench)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

__all__ = ["TemperatureProgramme"]


@dataclass(frozen=True)
class TemperatureProgramme:
    """``T(t)``, linear between ``(time, temperature)`` points and constant outside them.

    Attributes
    ----------
    times : tuple of float
        Strictly increasing times (s); one point means a constant temperature.
    temperatures : tuple of float
        Temperatures at those times (K).
    """

    times: tuple[float, ...]
    temperatures: tuple[float, ...]

    @classmethod
    def constant(cls, temperature: float) -> TemperatureProgramme:
        return cls((0.0,), (float(temperature),))

    def __call__(self, time: float) -> float:
        times, temperatures = self.times, self.temperatures
        if time <= times[0]:
            return temperatures[0]
        if time >= times[-1]:
            return temperatures[-1]
        i = bisect.bisect_right(times, time) - 1
        fraction = (time - times[i]) / (times[i + 1] - times[i])
        return temperatures[i] + fraction * (temperatures[i + 1] - temperatures[i])

    def rate(self, time: float) -> float:
        """``dT/dt`` (K/s) on the segment that starts at or before ``time``."""
        times, temperatures = self.times, self.temperatures
        if time < times[0] or time >= times[-1] or len(times) == 1:
            return 0.0
        i = bisect.bisect_right(times, time) - 1
        return (temperatures[i + 1] - temperatures[i]) / (times[i + 1] - times[i])

    def next_breakpoint(self, time: float) -> float | None:
        """The first schedule point after ``time`` (steps land on it), or None."""
        i = bisect.bisect_right(self.times, time)
        return self.times[i] if i < len(self.times) else None
