"""β nucleation: events drawn from the classical rate, nuclei placed into the fields
conserving Mg exactly.

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

import math
import time as wallclock
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...backend import Backend
from ...grid import Grid
from ...handler import Cadence, Handler, RunContext, since_last

__all__ = ["NucleationHandler", "Nucleus", "insert_nucleus"]

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


class NucleationHandler(Handler):
    """Every ``every_steps`` steps, draws the β nuclei due since the last event and places them.

    The expected number in each cell is ``J V Δt`` (``J`` the classical rate at the cell, ``V``
    its volume, a cube of the smallest spacing on 1-D and 2-D grids, ``Δt`` the time since the
    last event). The total is drawn from a Poisson distribution and the nuclei are placed at
    cells drawn with probability proportional to their expectation, all from the run's seeded
    random stream, so a seed fixes the nuclei and a resumed run draws the same ones. At most
    ``max_per_event`` are tried per event (beyond that the boundaries are saturated anyway).
    """

    def __init__(self, every_steps: int, radius: float | None, max_per_event: int) -> None:
        self.cadence = Cadence(every_steps=every_steps)
        self.radius = radius
        self.max_per_event = max_per_event

    def start(self, run: RunContext) -> None:
        super().start(run)
        run.extras.setdefault("nucleation_time", np.float64(run.state.time))

    def act(self, run: RunContext) -> None:
        started = wallclock.perf_counter()
        self.event(run)
        run.info["nucleation_seconds"] = run.info.get("nucleation_seconds", 0.0) + (
            wallclock.perf_counter() - started
        )

    def event(self, run: RunContext) -> int:
        """Draw and place the nuclei due now; returns how many were placed."""
        start, now = since_last(run, "nucleation_time")
        run.extras["nucleation_time"] = np.float64(now)
        interval = now - start
        if interval <= 0:
            return 0
        model, space, state = run.model, run.space, run.state
        grid, backend, xp = space.grid, space.backend, space.xp
        rate, phases = model.nucleation_rate(state, space)
        volume = grid.cell_volume * min(grid.spacing) ** (3 - grid.ndim)
        expected = rate.reshape(-1).astype(xp.float64) * (volume * interval)
        cumulative = xp.cumsum(expected)
        total = float(cumulative[-1])
        if not total > 0 or not math.isfinite(total):
            return 0
        count = min(int(state.rng.poisson(min(total, 1e9))), self.max_per_event)
        if count == 0:
            return 0
        draws = xp.asarray(state.rng.uniform(0.0, total, size=count))
        cells = backend.to_host(xp.searchsorted(cumulative, draws))
        cells = np.minimum(cells, grid.size - 1)
        placed = 0
        width = model.gb_width
        beta = phases.beta
        for cell in cells:
            centre = tuple(int(i) for i in np.unravel_index(int(cell), grid.shape))
            radius = self.radius if self.radius is not None else 1.5 * width
            if insert_nucleus(state.fields, Nucleus(centre, radius), width, beta.x0, grid, backend):
                placed += 1
        if placed:
            run.stepper.resynchronise(state, "eta")
            run.stepper.resynchronise(state, "phi")
        # counts live in the checkpointed extras, so a resumed run reports the whole run's
        run.extras["nuclei"] = np.int64(int(run.extras.get("nuclei", 0)) + placed)
        run.extras["nucleation_events"] = np.int64(int(run.extras.get("nucleation_events", 0)) + 1)
        return placed
