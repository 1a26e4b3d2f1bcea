"""Labelling, colouring, tracking and statistics on constructed grain fields."""

from __future__ import annotations

import numpy as np
import pytest

from phasefield.backend import get_backend
from phasefield.grains import (
    ColouringError,
    GrainTracker,
    colour_grains,
    grain_statistics,
    periodic_label,
    voronoi_ids,
)
from phasefield.grains.colouring import find_conflicts
from phasefield.grid import Grid


@pytest.fixture(params=["numba", "array"])
def cpu(request):
    return get_backend("numpy", kernels=request.param)


def test_a_blob_across_the_periodic_boundary_is_one_component(backend):
    mask = np.zeros((20, 30), dtype=bool)
    mask[:3, 5:9] = mask[-2:, 5:9] = True  # wraps along axis 0
    mask[8:12, :2] = mask[8:12, -3:] = True  # wraps along axis 1
    mask[15, 15] = True
    labels, count = periodic_label(backend.asarray(mask), backend, 2)
    labels = backend.to_host(labels)
    assert count == 3
    assert sorted(np.unique(labels)) == [0, 1, 2, 3]
    assert len(np.unique(labels[mask][:10])) >= 1
    assert labels[0, 5] == labels[-1, 5]
    assert labels[9, 0] == labels[9, -1]


def test_a_stack_is_labelled_per_component(backend):
    mask = np.zeros((2, 10, 10), dtype=bool)
    mask[0, 2:5, 2:5] = True
    mask[1, 2:5, 2:5] = True  # same place, other component: another label
    labels, count = periodic_label(backend.asarray(mask), backend, 2)
    assert count == 2
    labels = backend.to_host(labels)
    assert labels[0, 3, 3] != labels[1, 3, 3]


def test_voronoi_ids_cover_the_box_periodically():
    grid = Grid((64, 48), (1.0, 2.0))
    ids = voronoi_ids(grid, 40, np.random.default_rng(1))
    assert ids.shape == grid.shape
    assert np.array_equal(np.unique(ids), np.arange(40))  # no seed loses every cell


@pytest.mark.parametrize("shape", [(200, 200), (40, 40, 40)])
def test_colouring_keeps_grains_of_one_order_parameter_apart(cpu, shape):
    grid = Grid(shape)
    count = 300 if len(shape) == 2 else 150
    ids = voronoi_ids(grid, count, np.random.default_rng(2))
    buffer = 4
    order_parameters = 8 if len(shape) == 2 else 20
    colour = colour_grains(ids, cpu, order_parameters, buffer)
    assert find_conflicts(ids + 1, colour[ids], order_parameters, cpu, buffer).shape[1] == 0
    assert colour.max() < order_parameters


def _close_pairs_by_brute_force(labels, order, buffer):
    """Every pair of distinct labels of one order parameter with cells at most ``buffer``
    apart (Chebyshev, periodic), cell by cell."""
    cells = np.argwhere(labels > 0)
    shape = np.asarray(labels.shape)
    pairs = set()
    for i, a in enumerate(cells):
        offset = np.abs(cells[i + 1 :] - a)
        distance = np.minimum(offset, shape - offset).max(axis=1)
        for b in cells[i + 1 :][distance <= buffer]:
            la, lb = labels[tuple(a)], labels[tuple(b)]
            if la != lb and order[tuple(a)] == order[tuple(b)]:
                pairs.add((min(la, lb), max(la, lb)))
    return pairs


@pytest.mark.parametrize("shape", [(23, 19), (9, 11, 8)])
def test_conflicts_are_namesake_pairs_within_the_buffer(cpu, shape):
    """Every pair the filters report is a pair a cell-by-cell search finds (across the periodic
    boundaries, never label 0), and an order parameter with close namesakes always has one
    reported (a box holding three grains reports its extremes: the others follow once those
    are separated)."""
    rng = np.random.default_rng(5)
    labels = np.zeros(shape, dtype=np.int32)
    count = 30
    for label in range(1, count + 1):  # small blobs, some cut by the boundaries
        corner = rng.integers(0, shape)
        extent = rng.integers(1, 3, size=len(shape))
        index = tuple(
            np.arange(c, c + e) % n for c, e, n in zip(corner, extent, shape, strict=True)
        )
        labels[np.ix_(*index)] = label
    groups = rng.integers(0, 3, size=count + 1)
    order = groups[labels]
    for buffer in (2, 4):
        expected = _close_pairs_by_brute_force(labels, order, buffer)
        found = {tuple(int(v) for v in p) for p in find_conflicts(labels, order, 3, cpu, buffer).T}
        assert expected, "the case should have close namesakes"
        assert found <= expected
        assert {groups[a] for a, _ in found} == {groups[a] for a, _ in expected}


@pytest.mark.parametrize("shape", [(40, 36), (24, 20, 22)])
def test_the_proximity_graph_is_the_same_on_both_kernel_paths(shape):
    """The compiled scan from grain edges finds the same pairs as comparing the whole grid with
    its shifted copies (every offset within the buffer in 2-D; axes and diagonals in 3-D), and
    in 2-D every pair a cell-by-cell search finds."""
    from phasefield.grains.colouring import proximity_pairs

    ids = voronoi_ids(Grid(shape), 40, np.random.default_rng(4))
    ids[ids == 7] = -1  # no grain here
    pairs = {
        kernels: {
            tuple(p) for p in proximity_pairs(ids, get_backend("numpy", kernels=kernels), 3).T
        }
        for kernels in ("numba", "array")
    }
    assert pairs["numba"] == pairs["array"]
    assert all(7 not in pair for pair in pairs["numba"])
    if len(shape) == 2:
        expected = _close_pairs_by_brute_force(ids + 1, np.zeros(shape, int), 3)
        assert pairs["numba"] == {(a - 1, b - 1) for a, b in expected}


def _reference_dsatur(count, pairs, colours, preferred=None, spread=True):
    """DSatur as first written here, interpreted: a heap of (-saturation, -degree, vertex)."""
    import heapq

    neighbours = [[] for _ in range(count)]
    for a, b in pairs.T:
        neighbours[a].append(int(b))
        neighbours[b].append(int(a))
    colour = np.full(count, -1, dtype=np.int64)
    used = np.zeros(colours, dtype=np.int64)
    seen = [set() for _ in range(count)]
    heap = [(0, -len(n), grain) for grain, n in enumerate(neighbours)]
    heapq.heapify(heap)
    done = np.zeros(count, dtype=bool)
    while heap:
        saturation, _, grain = heapq.heappop(heap)
        if done[grain] or -saturation != len(seen[grain]):
            continue
        done[grain] = True
        wish = -1 if preferred is None else int(preferred[grain])
        if 0 <= wish < colours and wish not in seen[grain]:
            free = wish
        else:
            options = [c for c in range(colours) if c not in seen[grain]]
            if not options:
                free = -1
            else:
                free = min(options, key=lambda c: (used[c], c)) if spread else options[0]
        colour[grain] = free
        if free < 0:
            continue
        used[free] += 1
        for other in neighbours[grain]:
            if not done[other] and free not in seen[other]:
                seen[other].add(free)
                heapq.heappush(heap, (-len(seen[other]), -len(neighbours[other]), other))
    return colour


def test_the_compiled_dsatur_colours_as_the_reference_does():
    """Same colours as an interpreted DSatur on random graphs (with and without preferred
    colours, spreading or packing); where every vertex is coloured no pair shares a colour,
    and a free preferred colour is kept."""
    from phasefield.grains.kernels import dsatur

    rng = np.random.default_rng(0)
    for trial in range(24):
        count = int(rng.integers(1, 300))
        a, b = rng.integers(0, count, (2, int(rng.integers(0, 4 * count))))
        pairs = np.unique(np.sort(np.stack([a[a != b], b[a != b]]), axis=0), axis=1)
        colours = int(rng.integers(2, 12))
        preferred = rng.integers(-1, colours + 2, count) if trial % 2 else None
        for spread in (True, False):
            colour = dsatur(count, pairs, colours, preferred, spread)
            expected = _reference_dsatur(count, pairs, colours, preferred, spread)
            np.testing.assert_array_equal(colour, expected)
            if np.all(colour >= 0) and pairs.size:
                assert np.all(colour[pairs[0]] != colour[pairs[1]])
    ring = np.array([[0, 1, 2, 3], [1, 2, 3, 0]])  # a 4-cycle: two colours do
    assert np.array_equal(dsatur(4, ring, 2, np.array([1, 0, 1, 0])), [1, 0, 1, 0])


def test_too_few_order_parameters_is_reported(cpu):
    ids = voronoi_ids(Grid((100, 100)), 200, np.random.default_rng(3))
    with pytest.raises(ColouringError, match="order parameters"):
        colour_grains(ids, cpu, 3, 5)


def test_tracking_keeps_ids_through_relabelling_and_shrinkage(cpu):
    first = np.zeros((12, 12), dtype=np.int32)
    first[:, :4], first[:, 4:8], first[:, 8:] = 1, 2, 3
    tracker = GrainTracker()
    ids0 = cpu.to_host(tracker.assign(cpu.asarray(first), 3, cpu))
    # the same grains labelled in another order, the middle one shrunk
    second = np.zeros_like(first)
    second[:, :5], second[:, 5:7], second[:, 7:] = 3, 1, 2
    ids1 = cpu.to_host(tracker.assign(cpu.asarray(second), 3, cpu))
    assert ids1[0, 0] == ids0[0, 0]
    assert ids1[0, 6] == ids0[0, 6]
    assert ids1[0, 11] == ids0[0, 11]
    # the middle grain vanishes; a new grain appears where none overlapped (never reused ids)
    third = np.where(second == 1, 3, second).astype(np.int32)
    third[0, 0] = 1
    ids2 = cpu.to_host(tracker.assign(cpu.asarray(third), 3, cpu))
    assert ids0[0, 6] not in ids2
    assert ids2[0, 0] == 4 or ids2[0, 0] == ids0[0, 0]


def test_statistics_of_a_known_tessellation(cpu):
    grid = Grid((20, 20), 0.5)
    ids = np.ones(grid.shape, dtype=np.int64)
    ids[5:15, 5:15] = 2  # a square grain inside grain 1
    ids[:, 18:] = 3  # a strip that wraps to touch grain 1 across the boundary
    ids[0:2, 0:2] = 4  # a corner grain split by both periodic boundaries
    ids[-2:, -2:] = 4
    ids[0:2, -2:] = 4
    ids[-2:, 0:2] = 4
    stats = grain_statistics(cpu.asarray(ids), grid, cpu)
    assert stats.count == 4
    assert stats.measures.sum() == pytest.approx(grid.volume)
    square = list(stats.ids).index(2)
    assert stats.measures[square] == pytest.approx(100 * 0.25)
    np.testing.assert_allclose(stats.centroids[square], [4.75, 4.75])
    corner = list(stats.ids).index(4)
    np.testing.assert_allclose(stats.centroids[corner] % grid.lengths[0], [9.75, 9.75], atol=1e-12)
    neighbours = {int(g): int(n) for g, n in zip(stats.ids, stats.neighbour_counts, strict=True)}
    assert neighbours == {1: 3, 2: 1, 3: 2, 4: 2}
    assert stats.size_distribution().sum() == 4
    assert stats.neighbour_distribution()[[1, 2, 3]].tolist() == [1, 2, 1]


def _grown_microstructure(count=60, shape=(128, 128), components=6, steps=30):
    from phasefield.models.grain_growth import GrainGrowth
    from phasefield.spectral import SpectralSpace
    from phasefield.timestepping import make_stepper

    backend = get_backend("numpy")
    grid = Grid(shape)
    ids = voronoi_ids(grid, count, np.random.default_rng(8))
    colour = colour_grains(ids, backend, components, 5)
    eta = np.stack([(colour[ids] == c).astype(float) for c in range(components)])
    space = SpectralSpace(grid, backend, np.float64)
    stepper = make_stepper(
        "imex_euler", GrainGrowth(components, 1.0, 3.0, 1.0, stabilization=2.0), space
    )
    state = stepper.initialise({"eta": eta})
    for _ in range(steps):
        stepper.step(state, 0.5)
    return state.fields["eta"].copy()


def test_labelling_is_the_same_on_both_kernel_paths():
    from phasefield.grains.labels import grain_labels

    eta = _grown_microstructure()
    results = [grain_labels(eta, get_backend("numpy", kernels=k), 2) for k in ("numba", "array")]
    (first, order_a, count_a), (second, order_b, count_b) = results
    assert count_a == count_b
    np.testing.assert_array_equal(order_a, order_b)
    pairs = np.unique(np.stack([first.ravel(), second.ravel()]), axis=1)
    assert pairs.shape[1] == count_a  # the same partition


def test_tracking_statistics_and_neighbours_are_the_same_on_every_kernel_path(backend):
    """The compiled CPU kernels against the array-library path: NumPy's, and CuPy's where a
    GPU is usable."""
    from phasefield.grains.colouring import neighbour_pairs
    from phasefield.grains.labels import grain_labels

    saves = [  # 120 grains of ~140 cells: the smallest shrink away within 60 steps (t = 30)
        grain_labels(_grown_microstructure(120, components=8, steps=n), get_backend("numpy"), 2)
        for n in (10, 60)
    ]
    assert saves[0][2] != saves[1][2]  # grains vanished in between
    paths = [get_backend("numpy", kernels="numba")]
    paths.append(get_backend("numpy", kernels="array") if backend.name == "numpy" else backend)
    results = []
    for path in paths:
        tracker = GrainTracker()
        for labels, _, count in saves:
            ids = tracker.assign(path.asarray(labels), count, path)
        stats = grain_statistics(ids, Grid(ids.shape, 0.5), path)
        sizes = np.bincount(labels.ravel())
        small = (sizes > 0) & (sizes < 60)
        pairs = neighbour_pairs(path.asarray(labels), path, small)
        results.append(
            (path.to_host(ids), tracker.next_id, stats, pairs[:, small[pairs].any(axis=0)])
        )
    (ids_a, next_a, stats_a, pairs_a), (ids_b, next_b, stats_b, pairs_b) = results
    np.testing.assert_array_equal(ids_a, ids_b)
    assert next_a == next_b
    for name in ("ids", "measures", "neighbour_pairs", "neighbour_counts"):
        np.testing.assert_array_equal(getattr(stats_a, name), getattr(stats_b, name))
    np.testing.assert_allclose(stats_a.centroids, stats_b.centroids, rtol=0, atol=1e-12)
    assert pairs_a.shape[1] > 0
    np.testing.assert_array_equal(pairs_a, pairs_b)


def test_remapping_separates_namesakes_on_both_kernel_paths():
    """After a remap with a larger buffer than the colouring's, no two grains of one order
    parameter are within it, whichever kernels ran."""
    from phasefield.grains import remap_order_parameters
    from phasefield.grains.labels import grain_labels

    eta = _grown_microstructure(components=8)  # room for 60 grains kept 8 cells apart
    for kernels in ("numba", "array"):
        backend = get_backend("numpy", kernels=kernels)
        moved = eta.copy()
        remap = remap_order_parameters(moved, backend, 8, 3.0)
        assert remap.moved > 0
        labels, order, _ = grain_labels(moved, backend, 2)
        assert find_conflicts(labels, order, moved.shape[0], backend, 7).shape[1] == 0
        np.testing.assert_allclose(moved.sum(axis=0), eta.sum(axis=0), atol=1e-12)


@pytest.mark.parametrize(
    "window",
    [
        (range(6, 11), range(2, 6)),  # wraps along the first axis
        (range(-3, 11), range(-3, 13)),  # a whole grid, padded periodically
        (range(-9, -4), range(13, 17)),  # wholly beyond the grid on both sides
    ],
)
def test_boxes_are_read_and_written_by_slices_as_by_fancy_indexing(rng, window):
    from phasefield.backend import get_backend
    from phasefield.grains.colouring import add_to_box, gather_box, window_indices

    array = rng.standard_normal((8, 10))
    box = gather_box(array, window, get_backend("numpy"))
    np.testing.assert_array_equal(box, array[np.ix_(*window_indices(window, array.shape))])
    unique = tuple(
        w[: min(len(w), n)] if len(w) <= n else w[3 : 3 + n]
        for w, n in zip(window, array.shape, strict=True)
    )
    values = rng.standard_normal(tuple(len(w) for w in unique))
    expected = array.copy()
    expected[np.ix_(*window_indices(unique, array.shape))] += values
    add_to_box(array, unique, values)
    np.testing.assert_array_equal(array, expected)


def test_close_pairs_are_namesakes_within_the_buffer_and_never_the_second_phase():
    """The compiled scan (axes and diagonals) finds a subset of the pairs the box filters find
    (any offset within the buffer), and cells of no grain (label 0) pair with nothing."""
    from phasefield.grains.kernels import close_pairs
    from phasefield.grains.labels import grain_groups, grain_labels

    eta = _grown_microstructure()
    exclude = np.zeros(eta.shape[1:], dtype=bool)
    exclude[40:52, 60:90] = True
    backend = get_backend("numpy")
    labels, order, _ = grain_labels(eta, backend, 2, exclude)
    for buffer in (3, 8):
        scanned = close_pairs(labels, grain_groups(labels, order, backend), buffer)
        filtered = find_conflicts(labels, order, eta.shape[0], backend, buffer)
        found = {tuple(p) for p in scanned.T}
        assert found and found <= {tuple(p) for p in filtered.T}
        assert 0 not in scanned


def test_a_grains_share_follows_its_tails():
    """The fused share equals its formula evaluated with scipy's distances: the cells of the
    grain keep their value, a namesake's cells give almost nothing, and between them the value
    is split by exp(-4 d / width)."""
    import scipy.ndimage

    from phasefield.grains.remap import _share

    labels = np.zeros((30, 40), dtype=np.int32)
    labels[5:15, 5:15] = 3
    labels[5:15, 25:35] = 7  # a namesake 10 cells away
    values = np.random.default_rng(2).uniform(0, 1, labels.shape)
    width, fade = 3.0, 12.0
    to_grain = scipy.ndimage.distance_transform_edt(labels != 3)
    to_other = scipy.ndimage.distance_transform_edt(labels != 7)
    rate = 4.0 / width
    expected = values / (
        1
        + np.exp(np.minimum(rate * (to_grain - fade), 50))
        + np.exp(np.minimum(rate * (to_grain - to_other), 50))
    )
    for kernels in ("numba", "array"):
        share = _share(values, labels, 3, width, fade, get_backend("numpy", kernels=kernels))
        np.testing.assert_allclose(share, expected, rtol=1e-14, atol=0)
    assert np.all(share[labels == 7] < 1e-5 * values[labels == 7])
    np.testing.assert_allclose(share[labels == 3], values[labels == 3], rtol=1e-6)


def test_dense_3d_grains_are_coloured_by_repairs_that_keep_colours():
    """At 2600 cells a grain (the density of 10^5 grains on 640^3) the 3-D proximity graph
    (axes and diagonals) misses pairs; repairs that keep each grain's colour converge in a few
    rounds (from-scratch recolouring still had conflicts after ten), and the result has no two
    grains of one order parameter within the buffer."""
    backend = get_backend("numpy")
    ids = voronoi_ids(Grid((96, 96, 96)), 340, np.random.default_rng(2))
    colour = colour_grains(ids, backend, 20, 6)
    assert colour.min() >= 0 and colour.max() < 20
    assert find_conflicts(ids + 1, colour[ids], 20, backend, 6).shape[1] == 0


def test_no_grain_moves_to_the_order_parameter_of_one_across_a_vanishing_grain():
    """C (order parameter 0) must leave A (0, too close). A is boxed in by grains on 1 and 2; C
    sits beside a small grain S (1) with B (2) across it, five cells from C: within the buffer
    (6) but not within a fallback radius of 4, so order parameter 2 looked free to C. When S
    vanishes, C would meet B on one order parameter and merge with it: that move is refused
    (here nothing else is possible, so the planner says so and the remap recolours)."""
    from phasefield.grains.colouring import across_small_grains, plan_moves

    backend = get_backend("numpy")
    labels = np.zeros((40, 9), dtype=np.int64)  # (x, y)
    order = np.zeros((40, 9), dtype=np.int64)
    grains = {  # label: (x slice, y slice, order parameter)
        1: (slice(10, 15), slice(3, 6), 0),  # A
        2: (slice(17, 21), slice(0, 9), 0),  # C, smaller than A: it moves first
        3: (slice(21, 25), slice(0, 9), 1),  # S, small, touching C and B
        4: (slice(25, 30), slice(0, 9), 2),  # B
        5: (slice(10, 13), slice(6, 9), 1),  # above A
        6: (slice(10, 13), slice(0, 3), 2),  # below A
    }
    for label, (x, y, parameter) in grains.items():
        labels[x, y], order[x, y] = label, parameter
    across = across_small_grains(labels, backend, 40)
    assert [2, 4] in across.T.tolist()  # C and B both touch S
    conflicts = np.array([[1], [2]])

    def plan(across):
        return plan_moves(labels, order.copy(), 3, conflicts, backend, 6, across=across)

    assert plan(None) == [(2, 0, 2)]  # without knowing about S: onto B's order parameter
    with pytest.raises(ColouringError):
        plan(across)
