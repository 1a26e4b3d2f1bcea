"""Colouring grains onto order parameters so that no two grains of one order parameter are close.

Two grains on the same order parameter would merge where their diffuse boundaries meet, so every
pair closer than a buffer (several boundary widths) must sit on different order parameters.

- At the start, the pairs within the buffer are found by comparing each cell with the cells at
  distances 1 .. buffer along the axes and diagonals, and the proximity graph is coloured
  greedily, most-connected grains first.
- During a run (and to check the start), same-order-parameter pairs closer than the buffer are
  found with wrap-around maximum and minimum filters of each order parameter's label field over a
  box of ``buffer + 1`` cells: where they differ, two grains share a box. One grain of each pair
  moves to an order parameter that has no grain within the buffer of it (within twice the buffer
  if possible).

Distances are Chebyshev distances in cells (the largest offset along any axis).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..backend import Backend

__all__ = ["ColouringError", "colour_grains", "find_conflicts", "plan_moves"]


class ColouringError(ValueError):
    """Too few order parameters for the grains and the buffer."""


def _half_directions(ndim: int) -> list[tuple[int, ...]]:
    """One of each opposite pair of the 3^ndim − 1 neighbour directions."""
    directions = []
    for step in itertools.product((-1, 0, 1), repeat=ndim):
        if any(step) and step > tuple(-s for s in step):
            directions.append(step)
    return directions


def proximity_pairs(ids: Any, backend: Backend, buffer_cells: int) -> np.ndarray:
    """Pairs ``(a, b)``, ``a < b``, of grain ids that come within ``buffer_cells`` of each other
    along an axis or a diagonal (host array of shape ``(2, n)``)."""
    xp = backend.xp
    keys = []
    count = int(ids.max()) + 1
    for direction in _half_directions(ids.ndim):
        for distance in range(1, buffer_cells + 1):
            shifted = xp.roll(
                ids, tuple(d * distance for d in direction), axis=tuple(range(ids.ndim))
            )
            different = ids != shifted
            a, b = ids[different], shifted[different]
            low, high = xp.minimum(a, b), xp.maximum(a, b)
            keys.append(xp.unique(low.astype(xp.int64) * count + high))
    unique = backend.to_host(xp.unique(xp.concatenate(keys)))
    return np.stack([unique // count, unique % count])


def _greedy(count: int, pairs: np.ndarray, colours: int) -> np.ndarray:
    """Largest-degree-first greedy colouring; -1 where no colour is left."""
    neighbours: list[list[int]] = [[] for _ in range(count)]
    for a, b in pairs.T:
        neighbours[a].append(b)
        neighbours[b].append(a)
    order = np.argsort([-len(n) for n in neighbours], kind="stable")
    colour = np.full(count, -1, dtype=np.int64)
    for grain in order:
        taken = {colour[n] for n in neighbours[grain]}
        free = [c for c in range(colours) if c not in taken]
        if free:
            colour[grain] = free[0]
    return colour


def colour_grains(
    ids: Any, backend: Backend, order_parameters: int, buffer_cells: int
) -> np.ndarray:
    """The order parameter of every grain id (host array indexed by id).

    Raises
    ------
    ColouringError
        When no colouring with ``order_parameters`` keeps every pair within the buffer apart;
        the message says how many order parameters the greedy colouring needed.
    """
    count = int(backend.xp.max(ids)) + 1
    pairs = proximity_pairs(ids, backend, buffer_cells)
    colour = _greedy(count, pairs, order_parameters)
    if np.any(colour < 0):
        needed = int(_greedy(count, pairs, count).max()) + 1
        raise ColouringError(
            f"{count} grains need about {needed} order parameters to keep grains of one order "
            f"parameter {buffer_cells} cells apart; {order_parameters} were given"
        )
    # Check with the run-time detector, which also sees pairs off the axes and diagonals.
    xp = backend.xp
    stack = _label_stack(ids, xp.asarray(colour), order_parameters, backend)
    for _round in range(8):
        conflicts = find_conflicts(stack, backend, buffer_cells)
        if conflicts.shape[1] == 0:
            return colour
        for label, _source, target in plan_moves(stack, conflicts, backend, buffer_cells):
            colour[label - 1] = target
        stack = _label_stack(ids, xp.asarray(colour), order_parameters, backend)
    raise ColouringError(
        f"could not place {count} grains on {order_parameters} order parameters "
        f"{buffer_cells} cells apart"
    )


def _label_stack(ids: Any, colour: Any, order_parameters: int, backend: Backend) -> Any:
    """``(P, *grid)`` labels: grain ``g`` has label ``g + 1`` on its order parameter."""
    xp = backend.xp
    index = xp.arange(order_parameters).reshape((order_parameters,) + (1,) * ids.ndim)
    return xp.where(colour[ids][None] == index, ids[None] + 1, 0).astype(xp.int32)


def _box(stack: Any, width: int) -> tuple[int, ...]:
    """Filter size: a box ``width`` cells wide on the grid axes, one order parameter at a time."""
    return (1,) + (width,) * (stack.ndim - 1)


def find_conflicts(stack: Any, backend: Backend, buffer_cells: int) -> np.ndarray:
    """Pairs of distinct labels on one order parameter at most ``buffer_cells`` apart.

    ``stack`` holds per-order-parameter labels ``(P, *grid)`` (0 = none). Returns a host array
    ``(2, n)`` of label pairs ``(low, high)``.
    """
    xp, ndimage = backend.xp, backend.ndimage
    size = _box(stack, buffer_cells + 1)
    absent = int(stack.max()) + 1
    highest = ndimage.maximum_filter(stack, size=size, mode="wrap")
    lowest = ndimage.minimum_filter(xp.where(stack > 0, stack, absent), size=size, mode="wrap")
    clash = (highest > 0) & (lowest < absent) & (highest != lowest)
    keys = xp.unique(lowest[clash].astype(xp.int64) * absent + highest[clash])
    keys = backend.to_host(keys)
    return np.stack([keys // absent, keys % absent])


def plan_moves(
    stack: Any, conflicts: np.ndarray, backend: Backend, buffer_cells: int
) -> list[tuple[int, int, int]]:
    """Moves ``(label, from, to)`` that separate every conflicting pair; ``stack`` is updated.

    Of each pair the smaller grain moves, to an order parameter with no grain within the buffer
    around it, preferably none within twice the buffer.

    Raises
    ------
    ColouringError
        When a grain has nowhere to go.
    """
    xp, ndimage = backend.xp, backend.ndimage
    components = stack.shape[0]
    near_width, far_width = 2 * buffer_cells + 1, 4 * buffer_cells + 1
    occupied = ndimage.maximum_filter(stack > 0, size=_box(stack, near_width), mode="wrap")
    wide = ndimage.maximum_filter(stack > 0, size=_box(stack, far_width), mode="wrap")
    sizes = backend.to_host(xp.bincount(stack.reshape(-1), minlength=int(stack.max()) + 1))
    moves: list[tuple[int, int, int]] = []
    moved: set[int] = set()
    for low, high in conflicts.T:
        if low in moved or high in moved:
            continue
        label = int(low if sizes[low] <= sizes[high] else high)
        cells = stack == label
        source = int(backend.to_host(xp.argmax(cells.reshape(components, -1).any(axis=1))))
        grid_cells = cells[source]
        near = backend.to_host(occupied[:, grid_cells].sum(axis=1))
        far = backend.to_host(wide[:, grid_cells].sum(axis=1))
        choices = [c for c in range(components) if c != source and far[c] == 0]
        choices = choices or [c for c in range(components) if c != source and near[c] == 0]
        if not choices:
            raise ColouringError(
                f"grain {label} has no order parameter free within {buffer_cells} cells of it; "
                f"use more order parameters (now {components})"
            )
        target = choices[0]
        stack[source][grid_cells] = 0
        stack[target][grid_cells] = label
        grid_ndim = stack.ndim - 1
        occupied[target] |= ndimage.maximum_filter(
            grid_cells, size=(near_width,) * grid_ndim, mode="wrap"
        )
        wide[target] |= ndimage.maximum_filter(
            grid_cells, size=(far_width,) * grid_ndim, mode="wrap"
        )
        moves.append((label, source, target))
        moved.add(label)
    return moves
