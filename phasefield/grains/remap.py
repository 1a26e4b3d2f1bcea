"""Remapping: move a grain to another order parameter before it meets a namesake.

The decision needs only the current fields (labels → same-order-parameter conflicts → moves), so a
restart needs no memory of earlier remaps. A move carries the grain's whole part of its order
parameter, diffuse tail included, to an order parameter with no grain within the buffer, so the
free energy and the dynamics barely see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backend import Backend
from ..expression import parse_expression
from . import kernels
from .colouring import (
    ColouringError,
    across_small_grains,
    add_to_box,
    colour_map,
    find_conflicts,
    gather_box,
    grain_cells,
    padded_axes,
    periodic_window,
    plan_moves,
)
from .distance import distance_to_background
from .labels import grain_groups, grain_labels

__all__ = ["Remap", "remap_order_parameters"]


#: A cell's share of its order parameter that goes with the grain (see :func:`_share`).
_SHARE = parse_expression(
    "values / (1 + exp(minimum(rate * (to_grain - fade), 50))"
    " + exp(minimum(rate * (to_grain - to_others), 50)))",
    ["values", "rate", "to_grain", "to_others", "fade"],
)
_SHARE_ALONE = parse_expression(
    "values / (1 + exp(minimum(rate * (to_grain - fade), 50)))",
    ["values", "rate", "to_grain", "fade"],
)


def _share(
    values: Any, labels: Any, label: int, width_cells: float, fade: float, backend: Backend
) -> Any:
    """The part of one order parameter's ``values`` (a box, not periodic) that belongs to grain
    ``label``: the Moelans tails decay as ``exp(-4 d / ℓ)`` with the distance ``d`` to a grain's
    territory, so a cell's value is split between the grain and its nearest namesake in that
    proportion, and faded out beyond ``fade`` cells from the grain,

    .. math:: \\eta_g = \\frac{\\eta}{1 + e^{4 (d_g - d_f) / \\ell} + e^{4 (d_g - d_o) / \\ell}},

    with :math:`d_g`, :math:`d_o` the distances to the grain and to its namesakes and
    :math:`d_f` = ``fade`` (exponents capped at 50), evaluated in one pass.
    """
    operands = {
        "values": values,
        "to_grain": distance_to_background(labels != label, backend),
        "rate": 4.0 / width_cells,
        "fade": float(fade),
    }
    others = (labels > 0) & (labels != label)
    expression = _SHARE_ALONE
    if bool(others.any()):
        operands["to_others"] = distance_to_background(~others, backend)
        expression = _SHARE
    return backend.evaluate(expression, backend.xp.empty_like(values), operands)


def _move(
    eta: Any,
    labels: Any,
    order: Any,
    backend: Backend,
    moves: list[tuple[int, int, int]],
    buffer_cells: int,
    width_cells: float,
    cells: dict[int, Any] | None = None,
) -> set[int]:
    """Move grains to other order parameters; returns the order parameters changed.

    Each grain's part of its order parameter (:func:`_share`) is found from the fields as they
    were before any move, in a box three buffers wider than the grain (along an axis the grain
    nearly spans, the whole axis padded periodically); then every part is cleared from its source
    and added to its target, whose grains are at least a buffer away. Both fields stay smooth:
    the result is what they would be had the grains always lived on their targets. ``cells``:
    the moving grains' cells (:func:`~phasefield.grains.colouring.grain_cells`), if known.
    """
    xp = backend.xp
    grid_shape = tuple(eta.shape[1:])
    margin = 3 * buffer_cells
    if cells is None:
        cells = grain_cells(labels, [label for label, _, _ in moves], backend)
    parts = []
    for label, source, target in moves:
        window = periodic_window(cells[label], grid_shape, margin, backend)
        namesakes = xp.where(
            gather_box(order, window, backend) == source, gather_box(labels, window, backend), 0
        )
        moving = _share(
            gather_box(eta[source], window, backend),
            namesakes,
            label,
            width_cells,
            2.0 * buffer_cells,
            backend,
        )
        parts.append((source, target, window, moving))
    for source, target, window, moving in parts:
        padded = padded_axes(window, grid_shape)
        if any(padded):  # keep the middle of padded axes: one copy of each cell
            keep = [
                slice(margin, margin + n) if wide else slice(None)
                for wide, n in zip(padded, grid_shape, strict=True)
            ]
            moving = moving[tuple(keep)]
            window = tuple(w[k] for w, k in zip(window, keep, strict=True))
        add_to_box(eta[source], window, -moving)
        add_to_box(eta[target], window, moving)
    return {source for _, source, _ in moves} | {target for _, _, target in moves}


@dataclass(frozen=True)
class Remap:
    """What one remap did: the order parameters it changed and how many grains it moved."""

    changed: frozenset[int] = frozenset()
    moved: int = 0
    recoloured: bool = False


def _recolour_all(
    eta: Any,
    labels: Any,
    order: Any,
    current: np.ndarray,
    backend: Backend,
    buffer_cells: int,
    width_cells: float,
) -> Remap:
    """Colour every grain afresh (DSatur over the proximity graph, keeping each grain's order
    parameter where it can) and move the grains whose colour changed; returns the order
    parameters changed; ``current``: each label's order parameter now."""
    components = eta.shape[0]
    count = int(labels.max())
    colour = colour_map(labels - 1, backend, components, buffer_cells, current[1:])  # -1: none
    if np.any(colour < 0):
        raise ColouringError(
            f"{count} grains cannot be kept {buffer_cells} cells apart on {components} order "
            "parameters"
        )
    changed = np.nonzero(colour != current[1:])[0]
    moves = [(int(g) + 1, int(current[g + 1]), int(colour[g])) for g in changed]
    touched = _move(eta, labels, order, backend, moves, buffer_cells, width_cells)
    return Remap(frozenset(touched), len(moves), recoloured=True)


def remap_order_parameters(
    eta: Any,
    backend: Backend,
    buffer_cells: int,
    width_cells: float,
    vanishing_cells: float = 0.0,
    exclude: Any = None,
    grains: tuple[Any, Any, int] | None = None,
) -> Remap:
    """Separate every pair of grains on one order parameter that is, or may soon be, too close.

    ``eta`` is the ``(P, *grid)`` stack, changed in place; ``width_cells`` is the boundary width
    in grid cells (it sets how tails are split). A pair conflicts when its grains are at most
    ``buffer_cells`` apart, or when both touch a grain of fewer than ``vanishing_cells`` cells
    (which may vanish before the next check and bring them into contact; such pairs are
    separated where a free order parameter exists). Conflicts are resolved by moving single
    grains where possible, otherwise by colouring every grain afresh. Cells where ``exclude`` is
    true belong to no grain (a second phase) and never move. ``grains``: what
    :func:`~phasefield.grains.labels.grain_labels` gives for ``eta`` and ``exclude``, if known.
    Returns what was done.

    Raises
    ------
    ColouringError
        When even a full recolouring cannot keep the grains apart.
    """
    grid_ndim = eta.ndim - 1
    components = eta.shape[0]
    labels, order, _ = grains or grain_labels(eta, backend, grid_ndim, exclude)
    groups = grain_groups(labels, order, backend)
    if backend.compiled:
        close = kernels.close_pairs(labels, groups, buffer_cells)
    else:
        close = find_conflicts(labels, order, components, backend, buffer_cells)
    foreseen = across = np.zeros((2, 0), dtype=np.int64)
    if vanishing_cells > 0:
        across = across_small_grains(labels, backend, vanishing_cells)
        foreseen = across[:, groups[across[0]] == groups[across[1]]]
    if close.shape[1] == 0 and foreseen.shape[1] == 0:
        return Remap()
    planned = order.copy()
    cells = grain_cells(labels, np.concatenate([close, foreseen], axis=1).reshape(-1), backend)
    try:
        moves = plan_moves(
            labels, planned, components, close, backend, buffer_cells, foreseen, cells, across
        )
    except ColouringError:
        return _recolour_all(eta, labels, order, groups, backend, buffer_cells, width_cells)
    touched = _move(eta, labels, order, backend, moves, buffer_cells, width_cells, cells)
    return Remap(frozenset(touched), len(moves))
