"""Figures and movies of any model's store (``phasefield plot``, :func:`phasefield.plot`):
field maps with a colorbar and a scale bar, grain maps, three mid-slices of 3-D fields, the
scalar series, and the grain-size distribution against Hillert's. The fields of a run that
regrids are read from the grid of each save (:class:`~phasefield.plotting.select.Saves`)."""

from __future__ import annotations

from .figures import plot
from .hillert import hillert_distribution
from .select import PlotError

__all__ = ["PlotError", "hillert_distribution", "plot"]
