"""Periodic connected-component labelling on the array backend."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.ndimage import generate_binary_structure
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..backend import Backend
from . import kernels

__all__ = [
    "boundary_cells",
    "grain_groups",
    "grain_labels",
    "largest_component",
    "periodic_label",
]


def boundary_cells(labels: np.ndarray) -> np.ndarray:
    """Cells whose periodic neighbour before them along some axis has another label (host
    arrays, for figures): a line one cell wide along every grain boundary and every edge of a
    second phase."""
    edge = np.zeros(labels.shape, dtype=bool)
    for axis in range(labels.ndim):
        edge |= labels != np.roll(labels, 1, axis=axis)
    return edge


def periodic_label(mask: Any, backend: Backend, grid_ndim: int) -> tuple[Any, int]:
    """Face-connected components of a boolean mask that wrap around every periodic axis.

    ``mask`` is grid-shaped, or a stack ``(components, *grid)`` whose components are labelled
    separately (nothing connects along the leading axis) but numbered together. Returns int32
    labels ``1 .. count`` (0 = background), numbered consecutively, and ``count``.

    Labels are found by the backend's ``ndimage.label`` (scipy or cupyx); components that touch
    across opposite faces are then merged through a small graph on the host.
    """
    xp, ndimage = backend.xp, backend.ndimage
    leading = mask.ndim - grid_ndim
    structure = generate_binary_structure(grid_ndim, 1)  # host; moved to the device below
    structure = structure.reshape((1,) * leading + structure.shape)
    if leading:  # no connection along the stack axis
        structure = np.concatenate(
            [np.zeros_like(structure), structure, np.zeros_like(structure)], axis=0
        )
    labels, count = ndimage.label(mask, structure=xp.asarray(structure))
    labels = labels.astype(xp.int32, copy=False)
    count = int(count)
    if count == 0:
        return labels, 0
    ends = []
    for axis in range(leading, mask.ndim):
        first = xp.take(labels, 0, axis=axis)
        last = xp.take(labels, -1, axis=axis)
        touching = (first > 0) & (last > 0)
        ends.append(xp.stack([first[touching], last[touching]]))
    pairs = backend.to_host(xp.concatenate(ends, axis=1))
    if pairs.shape[1] == 0:
        return labels, count
    graph = coo_matrix(
        (np.ones(pairs.shape[1], dtype=np.int8), (pairs[0], pairs[1])), shape=(count + 1, count + 1)
    )
    _, component = connected_components(graph, directed=False)
    mapping = np.zeros(count + 1, dtype=np.int32)
    merged, mapping[1:] = np.unique(component[1:], return_inverse=True)
    mapping[1:] += 1
    return xp.asarray(mapping)[labels], int(merged.size)


def largest_component(stack: Any, backend: Backend) -> Any:
    """Index of the largest component at each point of a stack (first on ties)."""
    if backend.compiled:
        return kernels.largest_component(stack)
    xp = backend.xp  # one component at a time (argmax over the stack axis copies the stack)
    best = stack[0].copy()
    index = xp.zeros(best.shape, dtype=xp.int32)
    for component in range(1, stack.shape[0]):
        larger = stack[component] > best  # strictly: the first wins ties
        index[larger] = component
        xp.maximum(best, stack[component], out=best)
    return index


def grain_labels(
    eta: Any, backend: Backend, grid_ndim: int, exclude: Any = None
) -> tuple[Any, Any, int]:
    """Grains of an order-parameter stack ``(P, *grid)``: each cell belongs to the grain of its
    largest order parameter, and a grain is a connected (periodic) region of one order parameter.

    Returns ``(labels, order, count)``: grid-shaped int32 grain labels ``1 .. count``, the
    grid-shaped index of each cell's order parameter, and ``count``. Cells where ``exclude`` is
    true (a second phase) belong to no grain: label 0 and order ``P``.
    """
    xp = backend.xp
    components = eta.shape[0]
    order = largest_component(eta, backend)
    if exclude is not None:
        order = xp.where(exclude, components, order).astype(order.dtype)
    if backend.compiled:
        labels, count = kernels.label_equal_regions(order)
        if exclude is not None:
            labels, count = _drop(labels, exclude, backend)
        return labels, order, count
    # one order parameter at a time: a few grid-sized arrays, where labelling the stack of
    # masks at once would hold P label grids (more than the fields of 10^5 grains on a GPU)
    labels = xp.zeros(order.shape, dtype=xp.int32)
    count = 0
    for component in range(components):
        own, size = periodic_label(order == component, backend, grid_ndim)
        if size:
            labels += xp.where(own > 0, own + count, 0).astype(xp.int32, copy=False)
            count += size
    return labels, order, count


def _drop(labels: Any, exclude: Any, backend: Backend) -> tuple[Any, int]:
    """Labels with the excluded cells set to 0 and the rest renumbered ``1 .. count``."""
    xp = backend.xp
    kept = xp.where(exclude, 0, labels)
    present = xp.unique(kept)
    present = present[present > 0]
    mapping = xp.zeros(int(labels.max()) + 1, dtype=xp.int32)
    mapping[present] = xp.arange(1, present.size + 1, dtype=xp.int32)
    return mapping[kept], int(present.size)


def grain_groups(labels: Any, order: Any, backend: Backend) -> np.ndarray:
    """The order parameter of each label (host array indexed by label; what ``order`` holds
    at label 0's cells, if any), scattered on the device."""
    xp = backend.xp
    groups = xp.zeros(int(labels.max()) + 1, dtype=xp.int64)
    groups[labels.reshape(-1)] = order.reshape(-1)
    return backend.to_host(groups)
