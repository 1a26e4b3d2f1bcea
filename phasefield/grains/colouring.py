"""Colouring grains onto order parameters so that no two grains of one order parameter are close.

Two grains on the same order parameter would merge where their diffuse boundaries meet, so every
pair closer than a buffer (several boundary widths) must sit on different order parameters.

- At the start, the pairs within the buffer are found by comparing each cell with the cells
  within the buffer of it, and the proximity graph is coloured with DSatur.
- During a run (and to check the start), same-order-parameter pairs closer than the buffer are
  found with wrap-around maximum and minimum filters of each order parameter's label field over a
  box of ``buffer + 1`` cells: where they differ, two grains share a box. One grain of each pair
  moves to an order parameter that has no grain within the buffer of it (within twice the buffer
  if possible).

Distances are Chebyshev distances in cells (the largest offset along any axis).
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np

from ..backend import Backend
from . import kernels
from .kernels import dsatur

__all__ = [
    "ColouringError",
    "Window",
    "add_to_box",
    "box_blocks",
    "colour_grains",
    "colour_map",
    "find_conflicts",
    "gather_box",
    "grain_cells",
    "padded_axes",
    "periodic_window",
    "plan_moves",
    "proximity_pairs",
    "window_indices",
]


class ColouringError(ValueError):
    """Too few order parameters for the grains and the buffer."""


def _half_offsets(ndim: int, buffer_cells: int) -> list[tuple[int, ...]]:
    """One of each opposite pair of offsets within the buffer: in 2-D every offset of Chebyshev
    length 1 .. buffer (exactly the run-time criterion); in 3-D, to stay affordable, the 13 axis
    and diagonal directions at each length (the run-time check then catches the rest)."""
    offsets = []
    if ndim <= 2:
        span = range(-buffer_cells, buffer_cells + 1)
        for offset in itertools.product(span, repeat=ndim):
            if any(offset) and offset > tuple(-o for o in offset):
                offsets.append(offset)
        return offsets
    for step in itertools.product((-1, 0, 1), repeat=ndim):
        if any(step) and step > tuple(-s for s in step):
            offsets += [
                tuple(d * distance for d in step) for distance in range(1, buffer_cells + 1)
            ]
    return offsets


def proximity_pairs(ids: Any, backend: Backend, buffer_cells: int) -> np.ndarray:
    """Pairs ``(a, b)``, ``a < b``, of grain ids with cells within ``buffer_cells`` of each other
    (Chebyshev distance, periodic; see :func:`_half_offsets`). Host array of shape ``(2, n)``."""
    xp = backend.xp
    offsets = _half_offsets(ids.ndim, buffer_cells)
    if backend.compiled:
        pairs = kernels.near_pairs(ids + 1, buffer_cells, offsets) - 1
        return pairs[:, (pairs >= 0).all(axis=0)]  # id -1: no grain
    count = int(ids.max()) + 1
    padded = xp.pad(ids, buffer_cells, mode="wrap")
    keys = []
    for offset in offsets:
        window = tuple(
            slice(buffer_cells + o, buffer_cells + o + n)
            for o, n in zip(offset, ids.shape, strict=True)
        )
        shifted = padded[window]
        different = (ids != shifted) & (ids >= 0) & (shifted >= 0)  # id -1: no grain
        a, b = ids[different], shifted[different]
        low, high = xp.minimum(a, b), xp.maximum(a, b)
        keys.append(xp.unique(low.astype(xp.int64) * count + high))
    unique = backend.to_host(xp.unique(xp.concatenate(keys)))
    return np.stack([unique // count, unique % count])


def neighbour_pairs(labels: Any, backend: Backend, wanted: np.ndarray | None = None) -> np.ndarray:
    """Pairs of labels that share a cell face (periodic), host ``(2, n)`` with low < high; with
    ``wanted`` (booleans by label), at least those touching a wanted label."""
    if backend.compiled:
        return kernels.face_pairs(labels, wanted)
    xp = backend.xp
    base = int(labels.max()) + 1
    keys = []
    for axis in range(labels.ndim):
        shifted = xp.roll(labels, 1, axis=axis)
        different = labels != shifted
        low = xp.minimum(labels[different], shifted[different]).astype(xp.int64)
        high = xp.maximum(labels[different], shifted[different]).astype(xp.int64)
        keys.append(xp.unique(low * base + high))
    unique = backend.to_host(xp.unique(xp.concatenate(keys)))
    return np.stack([unique // base, unique % base])


def across_small_grains(labels: Any, backend: Backend, vanishing_cells: float) -> np.ndarray:
    """Every pair of grains that both touch a grain of fewer than ``vanishing_cells`` cells:
    when the small grain vanishes they meet. Host ``(2, n)``, low < high."""
    xp = backend.xp
    sizes = backend.to_host(xp.bincount(labels.reshape(-1)))
    small = (sizes > 0) & (sizes < vanishing_cells)
    small[0] = False  # label 0 is no grain (a second phase)
    if not small.any():
        return np.zeros((2, 0), dtype=np.int64)
    neighbours = neighbour_pairs(labels, backend, small)
    hubs, around = [], []
    for a, b in ((0, 1), (1, 0)):
        keep = small[neighbours[a]]
        hubs.append(neighbours[a][keep])
        around.append(neighbours[b][keep])
    hub, neighbour = np.concatenate(hubs), np.concatenate(around)
    order = np.argsort(hub, kind="stable")
    hub, neighbour = hub[order], neighbour[order]
    starts = np.flatnonzero(np.r_[True, hub[1:] != hub[:-1]])
    ends = np.r_[starts[1:], hub.size]
    pairs = [
        (a, b)
        for start, end in zip(starts, ends, strict=True)
        for a, b in itertools.combinations(sorted(neighbour[start:end]), 2)
    ]
    if not pairs:
        return np.zeros((2, 0), dtype=np.int64)
    return np.unique(np.asarray(pairs, dtype=np.int64).T, axis=1)


def _colours_needed(count: int, pairs: np.ndarray) -> int:
    """How many colours the packing greedy colouring needs (at most the largest degree + 1)."""
    degree = np.bincount(pairs.reshape(-1), minlength=count)
    most = int(degree.max()) + 1 if count else 1
    return int(dsatur(count, pairs, most, spread=False).max()) + 1


def colour_map(
    ids: Any,
    backend: Backend,
    colours: int,
    buffer_cells: int,
    preferred: np.ndarray | None = None,
) -> np.ndarray:
    """DSatur colours of a grid of grain ids ``0 .. n-1`` over their proximity graph (pairs
    within the buffer); host array indexed by id, -1 for grains left without a colour."""
    count = int(backend.xp.max(ids)) + 1
    return dsatur(count, proximity_pairs(ids, backend, buffer_cells), colours, preferred)


def colour_grains(
    ids: Any,
    backend: Backend,
    order_parameters: int,
    buffer_cells: int,
) -> np.ndarray:
    """The order parameter of every grain id (host array indexed by id), keeping grains of one
    order parameter ``buffer_cells`` apart.

    Raises
    ------
    ColouringError
        When no colouring with ``order_parameters`` keeps every pair within the buffer apart;
        the message says how many order parameters the greedy colouring needed.
    """
    count = int(backend.xp.max(ids)) + 1
    pairs = proximity_pairs(ids, backend, buffer_cells)
    xp = backend.xp
    labels = (ids + 1).astype(xp.int32)
    # The graph may miss pairs off the axes and diagonals (3-D): the run-time detector finds
    # them, they join the graph, and the colouring is repaired, each grain keeping its colour
    # where it can (recolouring from scratch makes as many new conflicts as it mends: at 2600
    # cells a grain in 3-D, 127, 113, 111, ... 43 conflicts after 15 rounds, against 127, 22,
    # 6, 1, 1, 1, 0 when the colours are kept).
    colour = None
    conflicts = np.zeros((2, 0), dtype=np.int64)
    for _round in range(_COLOURING_ROUNDS):
        colour = dsatur(count, pairs, order_parameters, colour)
        if np.any(colour < 0):
            colour = dsatur(count, pairs, order_parameters, spread=False)
        if np.any(colour < 0):
            needed = _colours_needed(count, pairs)
            raise ColouringError(
                f"{count} grains need about {needed} order parameters to keep grains of one "
                f"order parameter {buffer_cells} cells apart; {order_parameters} were given"
            )
        order = xp.asarray(colour)[ids]
        conflicts = find_conflicts(labels, order, order_parameters, backend, buffer_cells)
        if conflicts.shape[1] == 0:
            return colour
        pairs = np.concatenate([pairs, conflicts - 1], axis=1)
    raise ColouringError(
        f"could not place {count} grains on {order_parameters} order parameters "
        f"{buffer_cells} cells apart ({conflicts.shape[1]} pairs still too close after "
        f"{_COLOURING_ROUNDS} repairs); use more order parameters or a smaller remap.buffer"
    )


#: Repairs of the initial colouring before giving up (each a pass of filters over the grid).
_COLOURING_ROUNDS = 40


def find_conflicts(
    labels: Any, order: Any, components: int, backend: Backend, buffer_cells: int
) -> np.ndarray:
    """Pairs of distinct labels on one order parameter at most ``buffer_cells`` apart: of the
    grains sharing a box, the lowest and highest label, so none are found exactly when no two
    grains of one order parameter are that close (separating those found and checking again
    finds the rest).

    ``labels`` are grid-shaped grain labels (0 = no grain) and ``order`` each cell's order
    parameter (``0 .. components-1``; any value at label 0). One order parameter at a time,
    the labels on it are filtered with wrap-around maximum and minimum filters over a box of
    ``buffer_cells + 1`` cells: where the two differ, two grains share a box. Memory is a few
    grid-sized arrays whatever the number of order parameters (a stack of ``P`` label grids
    would not fit beside the fields of 10^5 grains on a GPU). Returns a host array ``(2, n)``
    of label pairs ``(low, high)``.
    """
    xp, ndimage = backend.xp, backend.ndimage
    size = (buffer_cells + 1,) * labels.ndim
    absent = int(labels.max()) + 1
    keys = []
    for component in range(components):
        layer = xp.where(order == component, labels, 0).astype(xp.int32, copy=False)
        highest = ndimage.maximum_filter(layer, size=size, mode="wrap")
        layer[layer == 0] = absent
        lowest = ndimage.minimum_filter(layer, size=size, mode="wrap")
        del layer
        clash = (highest > 0) & (lowest < absent) & (highest != lowest)
        keys.append(xp.unique(lowest[clash].astype(xp.int64) * absent + highest[clash]))
    found = backend.to_host(xp.unique(xp.concatenate(keys))) if keys else np.zeros(0, np.int64)
    return np.stack([found // absent, found % absent])


#: A periodic box: per axis, a range of unwrapped indices (index ``i`` is cell ``i mod n``).
Window = tuple[range, ...]


def periodic_window(cells: Any, shape: tuple[int, ...], margin: int, backend: Backend) -> Window:
    """A periodic box (:data:`Window`) around the flat ``cells``, ``margin`` cells wider on
    every side. Along an axis where the box would wrap onto itself it covers the whole axis,
    padded by ``margin`` periodic copies on both sides (longer than the axis:
    :func:`padded_axes`), so distances within the box are periodic."""
    coords = np.stack(np.unravel_index(backend.to_host(cells), shape))
    extent = np.asarray(shape)[:, None]
    anchor = coords[:, :1]
    relative = (coords - anchor + extent // 2) % extent - extent // 2
    low = relative.min(axis=1) - margin + anchor[:, 0]
    high = relative.max(axis=1) + margin + anchor[:, 0]
    return tuple(
        range(-margin, n + margin) if int(b - a) + 1 >= n else range(int(a), int(b) + 1)
        for a, b, n in zip(low, high, shape, strict=True)
    )


def padded_axes(window: Window, shape: tuple[int, ...]) -> list[bool]:
    """Which axes of a :func:`periodic_window` cover the whole axis with periodic copies."""
    return [len(axis) > n for axis, n in zip(window, shape, strict=True)]


def _runs(axis: range, n: int) -> list[tuple[slice, slice]]:
    """``(grid slice, box slice)`` for each stretch of a window's axis between wraps."""
    runs = []
    start = axis.start
    while start < axis.stop:
        stop = min(axis.stop, (start // n + 1) * n)
        first = start % n
        runs.append(
            (slice(first, first + stop - start), slice(start - axis.start, stop - axis.start))
        )
        start = stop
    return runs


@functools.lru_cache(maxsize=1024)
def box_blocks(window: Window, shape: tuple[int, ...]) -> list[tuple[tuple[slice, ...], ...]]:
    """A periodic window as blocks of plain slices, ``(grid slices, box slices)``: at most two
    stretches per axis (three for a padded whole axis), so a box is read and written by
    slicing instead of fancy indexing (several times faster); kept for the next use of the
    same window."""
    return [
        (tuple(g for g, _ in combo), tuple(b for _, b in combo))
        for combo in itertools.product(
            *(_runs(axis, n) for axis, n in zip(window, shape, strict=True))
        )
    ]


def window_indices(window: Window, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """The window as index arrays per axis (for ``ix_``)."""
    return tuple(np.arange(a.start, a.stop) % n for a, n in zip(window, shape, strict=True))


def gather_box(array: Any, window: Window, backend: Backend) -> Any:
    """``array[ix_(*window_indices(window))]``, by blocks of slices."""
    box = backend.xp.empty(tuple(len(axis) for axis in window), dtype=array.dtype)
    for grid, part in box_blocks(window, array.shape):
        box[part] = array[grid]
    return box


def add_to_box(array: Any, window: Window, values: Any) -> None:
    """``array[ix_(*window_indices(window))] += values`` for a window that holds each cell
    once."""
    for grid, part in box_blocks(window, array.shape):
        array[grid] += values[part]


def grain_cells(labels: Any, wanted: Any, backend: Backend) -> dict[int, Any]:
    """The flat indices of the cells of each ``wanted`` label, found in one pass over the grid
    (a pass per grain would cost as much as all the rest of a remap check)."""
    xp = backend.xp
    flat = labels.reshape(-1)
    wanted = np.unique(np.asarray(wanted, dtype=np.int64))
    lookup = np.zeros(int(labels.max()) + 1, dtype=bool)
    lookup[wanted[(wanted > 0) & (wanted < lookup.size)]] = True
    cells = xp.nonzero(xp.asarray(lookup)[flat])[0]
    owners = flat[cells]
    # stable: each grain's cells stay in flat order (CuPy's argsort is always stable and
    # takes no other kind)
    order = xp.argsort(owners, kind="stable") if xp is np else xp.argsort(owners)
    cells, owners = cells[order], backend.to_host(owners[order])
    if owners.size == 0:
        return {}
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    ends = np.r_[starts[1:], owners.size]
    return {int(owners[start]): cells[start:end] for start, end in zip(starts, ends, strict=True)}


def plan_moves(
    labels: Any,
    order: Any,
    components: int,
    conflicts: np.ndarray,
    backend: Backend,
    buffer_cells: int,
    optional: np.ndarray | None = None,
    cells: dict[int, Any] | None = None,
    across: np.ndarray | None = None,
) -> list[tuple[int, int, int]]:
    """Moves ``(label, from, to)`` that separate every conflicting pair.

    ``labels`` are grid-shaped grain labels and ``order`` each cell's order parameter (updated
    with the planned moves). Of each pair the smaller grain moves (the larger if the smaller
    cannot), to an order parameter with no grain within the buffer around it, preferably none
    within twice the buffer; failing that, free within a radius down to half the buffer.
    ``optional`` pairs (foreseen conflicts) are separated where an order parameter is free within
    the buffer and otherwise left for a later check. ``cells``: the cells of the grains in
    the pairs (:func:`grain_cells`), if known. ``across``: pairs of grains that both touch a
    grain about to vanish (:func:`across_small_grains`); no grain moves to the order parameter
    of a grain across such a one, which it would meet, and merge with, when the small grain is
    gone (a target free only within a radius under the buffer is otherwise no safer than that).

    Raises
    ------
    ColouringError
        When neither grain of a required pair has somewhere to go.
    """
    xp, ndimage = backend.xp, backend.ndimage
    grid_shape = tuple(labels.shape)
    flat_labels, flat_order = labels.reshape(-1), order.reshape(-1)
    sizes = backend.to_host(xp.bincount(flat_labels))

    def occupied(label: int, cells: Any, radius: int) -> np.ndarray:
        """Cells of other grains on each order parameter within ``radius`` of a grain."""
        window = periodic_window(cells, grid_shape, radius, backend)
        box_labels = gather_box(labels, window, backend)
        box_order = gather_box(order, window, backend)
        near = ndimage.maximum_filter(box_labels == label, size=2 * radius + 1, mode="constant")
        others = near & (box_labels != label)  # periodic copies count twice: only > 0 matters
        return backend.to_host(xp.bincount(box_order[others], minlength=components))

    if optional is not None:
        conflicts = np.concatenate([conflicts, optional], axis=1)
    if cells is None:
        cells = grain_cells(labels, conflicts.reshape(-1), backend)

    partners: dict[int, set[int]] = {}
    label_order = np.zeros(0, dtype=np.int64)
    if across is not None and across.shape[1]:
        for a, b in across.T:
            if a > 0 and b > 0:  # label 0 is no grain
                partners.setdefault(int(a), set()).add(int(b))
                partners.setdefault(int(b), set()).add(int(a))
        label_order = np.zeros(sizes.size, dtype=np.int64)
        label_order[backend.to_host(flat_labels)] = backend.to_host(flat_order)

    def destination(label: int, radius: int) -> tuple[int, int, Any] | None:
        own = cells[label]
        source = int(flat_order[own[0]])
        near = occupied(label, own, radius)
        met = {int(label_order[p]) for p in partners.get(label, ())}
        choices = [c for c in range(components) if c != source and near[c] == 0 and c not in met]
        if len(choices) > 1:  # prefer an order parameter with no grain within twice the buffer
            far = occupied(label, own, 2 * buffer_cells)
            choices = [c for c in choices if far[c] == 0] or choices
        return (source, choices[0], own) if choices else None

    # Where no order parameter is free within the buffer, one free within a smaller radius
    # still separates the pair for now (the next check continues); half the buffer is the least.
    radii = range(buffer_cells, max(1, (buffer_cells + 1) // 2) - 1, -1)

    moves: list[tuple[int, int, int]] = []
    moved: set[int] = set()
    required = conflicts.shape[1] - (0 if optional is None else optional.shape[1])
    for index, (low, high) in enumerate(conflicts.T):
        if low in moved or high in moved:
            continue
        smaller, larger = (
            (int(low), int(high)) if sizes[low] <= sizes[high] else (int(high), int(low))
        )
        found = None
        for radius in radii:
            for label in (smaller, larger):
                found = destination(label, radius)
                if found is not None:
                    break
            if found is not None or index >= required:
                break
        if found is None:
            if index >= required:  # a foreseen conflict: leave it for a later check
                continue
            raise ColouringError(
                f"neither grain {smaller} nor {larger} has an order parameter free within "
                f"{buffer_cells} cells of it; use more order parameters (now {components})"
            )
        source, target, own = found
        flat_order[own] = target
        if label_order.size:
            label_order[label] = target
        moves.append((label, source, target))
        moved.add(label)
    return moves
