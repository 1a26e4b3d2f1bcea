"""Placing β on the grid: the Mg a nucleus takes from the α around it, and a resolved
particle inserted holding exactly a given amount of Mg (see
:mod:`~phasefield.models.al_mg.nucleation`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...backend import Backend
from ...grid import Grid
from .population import cell_volume, sphere_volume

__all__ = ["ball_radius", "ball_volume", "insert_particle", "take_mg", "window"]

#: Most of its excess over the solvus a cell gives to one nucleus.
_MOST_TAKEN = 0.5


def window(grid: Grid, centre: tuple[int, ...], reach: float) -> tuple[tuple[Any, ...], Any]:
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


def take_mg(
    c: Any,
    phi: Any,
    grid: Grid,
    centre: tuple[int, ...],
    amount: float,
    floor: float,
    reach: float,
    backend: Backend,
) -> bool:
    """Take ``amount`` of Mg (mole fraction × m³) from the α cells (``phi < 1/2``) of ``c``
    within ``reach`` of ``centre``, in proportion to their excess over ``floor``, none giving
    more than half of it. Returns False (and takes nothing) where they hold too little."""
    xp = backend.xp
    index, distance = window(grid, centre, reach)
    box = tuple(xp.asarray(i) for i in np.ix_(*index))
    old = c[box].astype(xp.float64)
    near = xp.asarray(distance <= reach) & (phi[box] < 0.5)
    excess = xp.where(near, xp.maximum(old - floor, 0.0), 0.0)
    available = float(xp.sum(excess)) * cell_volume(grid)
    if not available * _MOST_TAKEN >= amount or amount <= 0:
        return False
    c[box] = (old - excess * (amount / available)).astype(c.dtype)
    return True


def insert_particle(
    fields: dict[str, Any],
    centre: tuple[int, ...],
    mg: float,
    largest: float,
    width: float,
    x_beta: float,
    grid: Grid,
    backend: Backend,
) -> float | None:
    """Insert a resolved β particle holding exactly ``mg`` (mole fraction × m³) into ``fields``
    (``eta``, ``phi``, ``c`` on the device) in place; returns its radius, or None where β is
    already within reach or ``mg`` would need a radius above ``largest`` (the caller sizes it
    to twice what ``mg`` fills)."""
    xp = backend.xp
    index, distance = window(grid, centre, largest + 2 * width)
    box = tuple(xp.asarray(i) for i in np.ix_(*index))
    phi = fields["phi"]
    old_phi = phi[box]
    r = xp.asarray(distance)
    c = fields["c"]
    old_c = c[box].astype(xp.float64)
    volume = cell_volume(grid)

    def profile(radius: float) -> Any:
        inside = 0.5 * (1.0 - xp.tanh(2.0 * (r - radius) / width))
        return xp.where(r < radius + 2 * width, inside, 0.0)

    def held(radius: float) -> float:
        return float(xp.sum(profile(radius) * (x_beta - old_c))) * volume

    if held(largest) < mg:
        return None
    low, high = 0.0, largest
    for _ in range(60):
        middle = 0.5 * (low + high)
        if held(middle) < mg:
            low = middle
        else:
            high = middle
    radius = high
    p = profile(radius)
    if bool(xp.any(old_phi[r < radius + 2 * width] > 0.1)):
        return None
    new_c = old_c + p * (x_beta - old_c)
    remainder = mg - float(xp.sum(new_c - old_c)) * volume
    middle_cell = tuple(len(i) // 2 for i in index)
    new_c[middle_cell] += remainder / volume
    c[box] = new_c.astype(c.dtype)
    phi[box] = xp.maximum(old_phi, p.astype(phi.dtype))
    eta = fields["eta"]
    keep = (1.0 - p).astype(eta.dtype)
    for component in range(eta.shape[0]):
        eta[component][box] = eta[component][box] * keep
    return radius


def ball_volume(radius: float, grid: Grid) -> float:
    """Volume (m³) of a resolved particle of ``radius``: a sphere, a disc a cell deep, a slab."""
    depth = min(grid.spacing)
    volumes: dict[int, float] = {
        3: float(sphere_volume(radius)),
        2: math.pi * radius**2 * depth,
        1: 2.0 * radius * depth * depth,
    }
    return volumes[grid.ndim]


def ball_radius(volume: float, grid: Grid) -> float:
    """Radius (m) of a resolved particle of ``volume`` (the inverse of :func:`ball_volume`)."""
    depth = min(grid.spacing)
    if grid.ndim == 3:
        return float(np.cbrt(volume / (4.0 * math.pi / 3.0)))
    if grid.ndim == 2:
        return math.sqrt(volume / (math.pi * depth))
    return volume / (2.0 * depth * depth)
