"""Periodic Voronoi tessellations: the usual start of a grain-growth run.

A digital Voronoi cell (the grid cells nearest one seed) need not be face-connected: where two
cells meet at a shallow angle, a staircase of grid cells can cut a one-cell fragment off one of
them, and a labelling would count each fragment as a grain of its own. The tessellation here
gives exactly the requested number of connected grains: seeds keep a small distance from each
other, so that each owns a few cells around it, and every fragment joins the neighbouring grain
it shares most faces with.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..grid import Grid
from . import kernels

__all__ = ["MIN_SEED_SPACINGS", "voronoi_ids"]

#: Cells queried per batch (bounds the memory of the coordinate arrays on large 3-D grids).
_BATCH = 1 << 22

#: The least distance between two seeds, in grid spacings (capped at half the mean distance
#: between seeds): the ball of half that radius around a seed, which holds at least one cell
#: centre, lies inside its Voronoi cell, so no seed is left without cells.
MIN_SEED_SPACINGS = 2.0

#: The least distance between seeds as a fraction of their mean distance ``(V / count)^(1/d)``:
#: small, so that the cells stay close to a Poisson-Voronoi tessellation, and few seeds of the
#: first draw are drawn again.
_MIN_SEED_FRACTION = 0.25


def voronoi_ids(grid: Grid, count: int, rng: np.random.Generator) -> np.ndarray:
    """Grain ids ``0 .. count-1`` of the periodic Voronoi cells of ``count`` random seeds.

    Seeds are uniform in the box, except that a seed closer to an earlier one than the least
    seed distance (:data:`MIN_SEED_SPACINGS`, at most half the mean distance) is drawn again.
    Each cell takes the id of its nearest seed, with distances measured across the periodic
    boundaries (a k-d tree with ``boxsize``); fragments of a cell cut off by the grid join
    the neighbour they share most faces with. Each id is then one face-connected (periodic)
    region.

    Raises
    ------
    ValueError
        When ``count`` exceeds the number of grid cells.
    """
    if count > grid.size:
        raise ValueError(f"{count} grains do not fit on a grid of {grid.size} cells")
    seeds = _seeds(grid, count, rng)
    tree = cKDTree(seeds, boxsize=np.asarray(grid.lengths))
    ids = np.empty(grid.size, dtype=np.int64)
    spacing = np.asarray(grid.spacing)
    for start in range(0, grid.size, _BATCH):
        flat = np.arange(start, min(start + _BATCH, grid.size))
        points = np.stack(np.unravel_index(flat, grid.shape), axis=1) * spacing
        _, ids[start : start + flat.size] = tree.query(points, workers=-1)
    return _join_fragments(ids.reshape(grid.shape), count)


def _seeds(grid: Grid, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` seeds, uniform in the box but no two closer than the least seed distance.

    The first draw is the plain uniform one; seeds too close to an earlier kept seed are
    dropped and drawn again (in batches) until ``count`` are kept, in the order of drawing.
    """
    lengths = np.asarray(grid.lengths)
    mean_distance = (float(np.prod(lengths)) / count) ** (1.0 / grid.ndim)
    least = min(
        max(_MIN_SEED_FRACTION * mean_distance, MIN_SEED_SPACINGS * max(grid.spacing)),
        0.5 * mean_distance,
    )
    kept = np.empty((0, grid.ndim))
    while kept.shape[0] < count:
        drawn = rng.uniform(0.0, 1.0, size=(count - kept.shape[0], grid.ndim)) * lengths
        drawn %= lengths  # a product that rounds up to the length wraps to 0
        free = np.ones(drawn.shape[0], dtype=bool)
        if kept.shape[0]:
            distance, _ = cKDTree(kept, boxsize=lengths).query(drawn, workers=-1)
            free &= distance >= least
        pairs = cKDTree(drawn, boxsize=lengths).query_pairs(least, output_type="ndarray")
        for first, second in pairs[np.argsort(pairs[:, 1], kind="stable")]:
            if free[first]:  # decided before `second`: drawn earlier
                free[second] = False
        kept = np.concatenate([kept, drawn[free]])
    return kept


def _join_fragments(ids: np.ndarray, count: int) -> np.ndarray:
    """``ids`` with each id's face-connected regions but the largest joined to a neighbour.

    A fragment joins the neighbouring region (an id's largest, or a fragment that has joined
    one) with which it shares most cell faces (the lowest label on ties), until none is left.
    """
    labels, regions = kernels.label_equal_regions(ids)
    if regions == count:
        return ids
    sizes = np.bincount(labels.reshape(-1), minlength=regions + 1)
    id_of = np.zeros(regions + 1, dtype=np.int64)
    id_of[labels.reshape(-1)] = ids.reshape(-1)
    label = np.arange(1, regions + 1)  # label 0 is not used
    by_id = label[np.lexsort((label, -sizes[1:], id_of[1:]))]
    first = np.ones(by_id.size, dtype=bool)
    first[1:] = id_of[by_id[1:]] != id_of[by_id[:-1]]
    if int(first.sum()) != count:
        raise ValueError(f"{count} seeds gave {int(first.sum())} grains")  # pragma: no cover
    joined = np.zeros(regions + 1, dtype=bool)
    joined[by_id[first]] = True
    flat_labels = labels.reshape(-1)
    cells = np.flatnonzero(~joined[flat_labels])
    while cells.size:
        own, other = _face_neighbours(cells, flat_labels, ids.shape)
        useful = joined[other]
        if not useful.any():  # pragma: no cover  (a fragment always touches some region)
            raise ValueError("a grain fragment has no neighbouring grain")
        pairs, faces = np.unique(np.stack([own[useful], other[useful]]), axis=1, return_counts=True)
        order = np.lexsort((pairs[1], -faces, pairs[0]))  # per fragment: most faces, lowest label
        pairs = pairs[:, order]
        chosen = np.ones(pairs.shape[1], dtype=bool)
        chosen[1:] = pairs[0, 1:] != pairs[0, :-1]
        fragment, target = pairs[:, chosen]
        id_of[fragment] = id_of[target]
        joined[fragment] = True
        cells = cells[~joined[flat_labels[cells]]]
    return np.take(id_of, labels, out=ids)  # in place: ids is 2 GB on 640³


def _face_neighbours(
    cells: np.ndarray, flat_labels: np.ndarray, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Labels across each face (periodic) of the given flat cell indices, where they differ:
    ``(own, other)`` label arrays of equal length."""
    index = np.unravel_index(cells, shape)
    own_parts, other_parts = [], []
    own = flat_labels[cells]
    for axis, length in enumerate(shape):
        for step in (-1, 1):
            moved = list(index)
            moved[axis] = (index[axis] + step) % length
            other = flat_labels[np.ravel_multi_index(tuple(moved), shape)]
            differs = other != own
            own_parts.append(own[differs])
            other_parts.append(other[differs])
    return np.concatenate(own_parts), np.concatenate(other_parts)
