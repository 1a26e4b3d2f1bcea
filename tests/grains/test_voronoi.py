"""Voronoi starts: exactly the requested number of connected grains, none a fragment."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from phasefield.grains import voronoi_ids
from phasefield.grid import Grid
from phasefield.initial import grain_ids
from phasefield.schema import VoronoiGrains


def _periodic_components(ids: np.ndarray) -> np.ndarray:
    """Component of each cell: cells joined across every face (wrapping around) where their
    ids are equal. A graph over the cells, independent of phasefield's labelling."""
    index = np.arange(ids.size).reshape(ids.shape)
    rows, columns = [], []
    for axis in range(ids.ndim):
        same = ids == np.roll(ids, -1, axis=axis)
        rows.append(index[same])
        columns.append(np.roll(index, -1, axis=axis)[same])
    row, column = np.concatenate(rows), np.concatenate(columns)
    graph = coo_matrix((np.ones(row.size, dtype=np.int8), (row, column)), shape=(ids.size,) * 2)
    return connected_components(graph, directed=False)[1]


@pytest.mark.parametrize(
    ("shape", "spacing", "count", "least_cells"),
    [
        ((640, 640), 1.0, 2000, 8),  # runs/grain_growth_2d.yaml's grid and count
        ((100, 100), 1.0, 200, 4),
        ((64, 48), (1.0, 2.0), 40, 8),
        ((40, 40, 40), 1.0, 150, 8),
        ((24, 32, 20), 0.5, 60, 8),
    ],
)
def test_voronoi_gives_exactly_count_connected_grains(shape, spacing, count, least_cells):
    ids = voronoi_ids(Grid(shape, spacing), count, np.random.default_rng(5))
    assert ids.shape == shape
    assert np.array_equal(np.unique(ids), np.arange(count))  # ids 0 .. count-1, each used
    components = _periodic_components(ids)
    assert components.max() + 1 == count  # each id one connected (periodic) region
    assert np.bincount(components).min() >= least_cells  # no fragments, no slivers


def test_a_grain_across_the_periodic_boundary_is_one_grain():
    """Grains cut by the box's faces are counted once: a non-periodic labelling finds more."""
    from scipy.ndimage import label

    ids = voronoi_ids(Grid((60, 60)), 30, np.random.default_rng(1))
    plain = sum(label(ids == grain)[1] for grain in range(30))
    assert _periodic_components(ids).max() + 1 == 30 < plain


def test_the_same_seed_gives_the_same_ids_and_another_seed_others():
    grid = Grid((80, 80))
    grains = VoronoiGrains(kind="voronoi", count=50)
    first, again = grain_ids(grains, 7, grid), grain_ids(grains, 7, grid)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, grain_ids(grains, 8, grid))


def test_more_grains_than_cells_are_refused():
    with pytest.raises(ValueError, match="17 grains do not fit"):
        voronoi_ids(Grid((4, 4)), 17, np.random.default_rng(0))
