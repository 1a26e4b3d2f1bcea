"""Names of the output store's dimensions and series, for every layer that reads or writes it
(the store itself is :mod:`phasefield.simulation.store`)."""

from __future__ import annotations

__all__ = ["STEP", "TIME"]

#: The dimension (and coordinate) of saves: model time.
TIME = "t"
#: The series of step counts.
STEP = "step"
