"""Periodic Voronoi tessellations: the usual start of a grain-growth run."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..grid import Grid

__all__ = ["voronoi_ids"]

#: Cells queried per batch (bounds the memory of the coordinate arrays on large 3-D grids).
_BATCH = 1 << 22


def voronoi_ids(grid: Grid, count: int, rng: np.random.Generator) -> np.ndarray:
    """Grain ids ``0 .. count-1`` of the periodic Voronoi cells of ``count`` random seeds.

    Seeds are uniform in the box; each cell takes the id of its nearest seed, with distances
    measured across the periodic boundaries (a k-d tree with ``boxsize``).
    """
    lengths = np.asarray(grid.lengths)
    seeds = rng.uniform(0.0, 1.0, size=(count, grid.ndim)) * lengths
    tree = cKDTree(seeds, boxsize=lengths)
    ids = np.empty(grid.size, dtype=np.int64)
    spacing = np.asarray(grid.spacing)
    for start in range(0, grid.size, _BATCH):
        flat = np.arange(start, min(start + _BATCH, grid.size))
        points = np.stack(np.unravel_index(flat, grid.shape), axis=1) * spacing
        _, ids[start : start + flat.size] = tree.query(points, workers=-1)
    return ids.reshape(grid.shape)
