"""Per-save grain statistics: sizes, periodic centroids, neighbours and their distributions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backend import Backend
from ..grid import Grid
from . import kernels
from .colouring import neighbour_pairs

__all__ = [
    "NEIGHBOUR_COUNTS",
    "SIZE_BINS",
    "GrainStatistics",
    "equivalent_diameter",
    "grain_statistics",
]

#: Edges of the grain-size distribution, in units of the mean diameter.
SIZE_BINS = np.linspace(0.0, 3.0, 31)
#: Neighbour counts the neighbour distribution counts (the last bin takes all larger counts).
NEIGHBOUR_COUNTS = np.arange(0, 41)


def equivalent_diameter(measure: Any, ndim: int) -> Any:
    """Diameter of the circle (2-D) or sphere (3-D) with this area or volume (1-D: the length)."""
    if ndim == 1:
        return measure
    if ndim == 2:
        return 2.0 * np.sqrt(measure / math.pi)
    return np.cbrt(6.0 * measure / math.pi)


@dataclass(frozen=True)
class GrainStatistics:
    """Grains of one save (host arrays, indexed like ``ids``)."""

    ids: np.ndarray
    measures: np.ndarray
    diameters: np.ndarray
    centroids: np.ndarray
    neighbour_pairs: np.ndarray
    neighbour_counts: np.ndarray

    @property
    def count(self) -> int:
        return int(self.ids.size)

    @property
    def mean_diameter(self) -> float:
        return float(self.diameters.mean()) if self.count else 0.0

    def size_distribution(self) -> np.ndarray:
        """Grains per bin of ``d / <d>`` (edges :data:`SIZE_BINS`; larger sizes in the last bin)."""
        if not self.count:
            return np.zeros(SIZE_BINS.size - 1, dtype=np.int64)
        relative = np.minimum(self.diameters / self.mean_diameter, SIZE_BINS[-1] - 1e-12)
        return np.histogram(relative, bins=SIZE_BINS)[0]

    def neighbour_distribution(self) -> np.ndarray:
        """Grains with 0, 1, ... neighbours (the last entry counts that many or more)."""
        counts = np.minimum(self.neighbour_counts, NEIGHBOUR_COUNTS[-1])
        return np.bincount(counts, minlength=NEIGHBOUR_COUNTS.size)


def _circular_sums(
    ids: Any, angles: list[np.ndarray], grid: Grid, backend: Backend
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells per id and, along each axis, the sums of ``cos`` and ``sin`` of their ``angles``
    (by index along the axis): host arrays ``(ids,)``, ``(ndim, ids)``, ``(ndim, ids)``. One
    compiled pass on the CPU, weighted bincounts elsewhere."""
    if backend.compiled:
        return kernels.circular_sums(ids, angles)
    xp = backend.xp
    flat = ids.reshape(-1)
    counts = backend.to_host(xp.bincount(flat))  # ids are at most a few times the grain count
    cosines, sines = np.empty((2, grid.ndim, counts.size))
    for axis, angle in enumerate(angles):
        shape = [1] * grid.ndim
        shape[axis] = grid.shape[axis]
        for sums, function in ((cosines, np.cos), (sines, np.sin)):
            weights = xp.broadcast_to(xp.asarray(function(angle)).reshape(shape), grid.shape)
            sums[axis] = backend.to_host(
                xp.bincount(flat, weights=weights.reshape(-1), minlength=counts.size)
            )
    return counts, cosines, sines


def grain_statistics(ids: Any, grid: Grid, backend: Backend) -> GrainStatistics:
    """Statistics of a grid-shaped field of grain ids (ids > 0; 0 marks cells of no grain).

    Measures are areas (2-D) or volumes (3-D) in the grid's units; centroids are periodic
    (circular means along each axis); two grains are neighbours when they share a cell face.
    """
    angles = [2 * np.pi * grid.coordinates(axis) / grid.lengths[axis] for axis in range(grid.ndim)]
    counts, cosines, sines = _circular_sums(ids, angles, grid, backend)
    counts[0] = 0
    present = np.flatnonzero(counts)
    size = counts.size
    measures = counts[present] * grid.cell_volume
    circle = np.arctan2(sines[:, present], cosines[:, present]).T % (2 * np.pi)
    centroids = circle * np.asarray(grid.lengths) / (2 * np.pi)
    pairs = neighbour_pairs(ids, backend)
    pairs = pairs[:, (pairs > 0).all(axis=0)]  # id 0 is no grain (a second phase)
    degree = np.bincount(pairs.ravel(), minlength=size)[present]
    return GrainStatistics(
        ids=present,
        measures=measures,
        diameters=equivalent_diameter(measures, grid.ndim),
        centroids=centroids,
        neighbour_pairs=pairs,
        neighbour_counts=degree,
    )
