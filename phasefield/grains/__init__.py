"""Grains on a few order parameters: Voronoi starts, colouring, periodic labelling, remapping,
tracking and statistics. Everything field-sized runs on the backend's array library; only small
graphs (label pairs) go through the host."""

from __future__ import annotations

from .colouring import ColouringError, colour_grains
from .labels import boundary_cells, grain_labels, periodic_label
from .remap import remap_order_parameters
from .statistics import GrainStatistics, grain_statistics
from .tracking import GrainTracker
from .voronoi import voronoi_ids

__all__ = [
    "ColouringError",
    "GrainStatistics",
    "GrainTracker",
    "boundary_cells",
    "colour_grains",
    "grain_labels",
    "grain_statistics",
    "periodic_label",
    "remap_order_parameters",
    "voronoi_ids",
]
