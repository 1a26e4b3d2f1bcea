"""Placing β nuclei into the fields, conserving Mg exactly.

A nucleus is a sphere (a disc in 2-D, a slab in 1-D) of radius ``R`` with the diffuse profile
:math:`p = \\tfrac12[1 - \\tanh(2(r - R)/\\ell)]`: ``phi`` rises to ``max(phi, p)``, the grain
order parameters give way by ``(1 - p)``, and the Mg mole fraction moves towards the β
composition, :math:`c \\to c + p\\,(x_\\beta - c)`, out to ``R + 2ℓ``. The Mg this takes is
removed from a shell around the nucleus (from ``R + 2ℓ`` out to ``3R + 2ℓ``, wider where that
holds too little: up to ``9R + 2ℓ``) in proportion to the Mg each cell holds, no cell giving
more than half of it, so the total is unchanged to round-off and no cell goes negative. A
nucleus is refused where β already is within ``R + 2ℓ``, or where even the widest shell holds
too little Mg.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .backend import Backend
from .grid import Grid

__all__ = ["Nucleus", "insert_nucleus"]

#: Most of its Mg a shell cell may give to a nucleus.
_MOST_TAKEN = 0.5


@dataclass(frozen=True)
class Nucleus:
    centre: tuple[int, ...]
    radius: float


def _window(grid: Grid, centre: tuple[int, ...], reach: float) -> tuple[tuple[Any, ...], Any]:
    """Periodic index arrays of a box ``reach`` (m) around ``centre`` and the distances (m) of
    its cells from the centre (host arrays)."""
    indices, offsets = [], []
    for axis, (n, h) in enumerate(zip(grid.shape, grid.spacing, strict=True)):
        half = min(int(np.ceil(reach / h)), (n - 1) // 2)
        steps = np.arange(-half, half + 1)
        indices.append((centre[axis] + steps) % n)
        offsets.append(steps * h)
    mesh = np.meshgrid(*offsets, indexing="ij", sparse=True)
    distance = np.sqrt(sum(m * m for m in mesh))
    return tuple(indices), distance


def insert_nucleus(
    fields: dict[str, Any],
    nucleus: Nucleus,
    width: float,
    x_beta: float,
    grid: Grid,
    backend: Backend,
) -> bool:
    """Insert ``nucleus`` into ``fields`` (``eta``, ``phi``, ``c`` on the device) in place.

    Returns whether it was placed (see the module docstring for when it is refused).
    """
    xp = backend.xp
    radius = nucleus.radius
    index, distance = _window(grid, nucleus.centre, 9 * radius + 2 * width)
    device_box = tuple(xp.asarray(i) for i in np.ix_(*index))
    phi = fields["phi"]
    old_phi = phi[device_box]
    r = xp.asarray(distance)
    near = r < radius + 2 * width
    if bool(xp.any(old_phi[near] > 0.1)):
        return False
    profile = 0.5 * (1.0 - xp.tanh(2.0 * (r - radius) / width))
    c = fields["c"]
    old_c = c[device_box].astype(xp.float64)
    new_c = old_c + profile * (x_beta - old_c)
    new_c = xp.where(near, new_c, old_c)
    excess = float(xp.sum(new_c - old_c))
    if excess <= 0:
        return False
    for outer in (3, 5, 7, 9):
        shell = (r >= radius + 2 * width) & (r < outer * radius + 2 * width) & (old_phi < 0.5)
        available = float(xp.sum(xp.where(shell, old_c, 0.0)))
        if available * _MOST_TAKEN >= excess:
            break
    else:
        return False
    new_c = xp.where(shell, old_c * (1.0 - excess / available), new_c)
    c[device_box] = new_c.astype(c.dtype)
    inside = xp.where(near, profile, 0.0)
    phi[device_box] = xp.maximum(old_phi, inside.astype(phi.dtype))
    eta = fields["eta"]
    keep = (1.0 - inside).astype(eta.dtype)
    for component in range(eta.shape[0]):
        eta[component][device_box] = eta[component][device_box] * keep
    return True
