"""Remapping: move a grain to another order parameter before it meets a namesake.

The decision needs only the current fields (labels → same-order-parameter conflicts → moves), so a
restart needs no memory of earlier remaps. A move swaps the values of two order parameters over
the grain's whole share of its order parameter, diffuse tail included, so the free energy and
the dynamics do not see it (the swapped values of the target order parameter are ~0 there).
"""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from .colouring import find_conflicts, plan_moves
from .labels import grain_labels

__all__ = ["remap_order_parameters"]

#: Order-parameter values below this are left where they are (the far tail of a grain).
TAIL = 1e-6


def _share(values: Any, labels: Any, label: int, backend: Backend, steps: int) -> Any:
    """The cells of one order parameter that belong to grain ``label``: its territory, grown
    (like a watershed, all grains of the order parameter at once) into the cells where the
    order parameter is above :data:`TAIL`."""
    xp, ndimage = backend.xp, backend.ndimage
    size = (3,) * labels.ndim
    tail = values > TAIL
    for _ in range(steps):
        grown = ndimage.maximum_filter(labels, size=size, mode="wrap")
        spread = (labels == 0) & tail & (grown > 0)
        if not bool(spread.any()):
            break
        labels = xp.where(spread, grown, labels)
    return labels == label


def remap_order_parameters(
    eta: Any, backend: Backend, buffer_cells: int
) -> list[tuple[int, int, int]]:
    """Separate every pair of grains on one order parameter closer than ``buffer_cells``.

    ``eta`` is the ``(P, *grid)`` stack, changed in place. Returns the moves
    ``(label, from, to)`` made (labels are those of this call's labelling).

    Raises
    ------
    ColouringError
        When a grain has no free order parameter to go to.
    """
    grid_ndim = eta.ndim - 1
    _, owner, _ = grain_labels(eta, backend, grid_ndim)
    conflicts = find_conflicts(owner, backend, buffer_cells)
    if conflicts.shape[1] == 0:
        return []
    before = owner.copy()
    moves = plan_moves(owner, conflicts, backend, buffer_cells)
    for label, source, target in moves:
        region = _share(eta[source], before[source], label, backend, steps=2 * buffer_cells)
        moving = eta[source][region]
        eta[source][region] = eta[target][region]
        eta[target][region] = moving
    return moves
