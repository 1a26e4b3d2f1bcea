"""Handlers of the Al–Mg model: β nucleation events and the Schwarz-structure law."""

from __future__ import annotations

import math
import time as wallclock
import warnings
from typing import Any

import numpy as np

from ..grains import grain_labels
from ..grains.statistics import equivalent_diameter
from ..loop import Handler, Run
from ..precipitation import Nucleus, insert_nucleus

__all__ = ["NucleationHandler", "SchwarzHandler", "SolidusWarning", "SolidusWatch", "second_phase"]


class SolidusWarning(UserWarning):
    """The temperature is above the solidus of some α in the run (there is no liquid)."""


def second_phase(run: Run) -> Any:
    """Cells that belong to no grain (β), for grain labelling: ``phi > 1/2``."""
    return run.state.fields["phi"] > 0.5


def _since(run: Run, key: str) -> tuple[float, float]:
    """The time of this handler's last action (kept in checkpoints) and now."""
    start = float(run.extras.get(key, 0.0))
    return start, run.state.time


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
        self.every_steps = every_steps
        self.radius = radius
        self.max_per_event = max_per_event

    def start(self, run: Run) -> None:
        run.extras.setdefault("nucleation_time", np.float64(run.state.time))

    def after_step(self, run: Run) -> None:
        if run.state.step % self.every_steps:
            return
        started = wallclock.perf_counter()
        self.event(run)
        run.info["nucleation_seconds"] = run.info.get("nucleation_seconds", 0.0) + (
            wallclock.perf_counter() - started
        )

    def event(self, run: Run) -> int:
        """Draw and place the nuclei due now; returns how many were placed."""
        start, now = _since(run, "nucleation_time")
        run.extras["nucleation_time"] = np.float64(now)
        interval = now - start
        if interval <= 0:
            return 0
        model, space, state = run.model, run.space, run.state
        grid, backend, xp = space.grid, space.backend, space.xp
        rate, phases = model.nucleation_rate(state, space)  # type: ignore[attr-defined]
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
        width = model.gb_width  # type: ignore[attr-defined]
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


class SchwarzHandler(Handler):
    """Every ``every_steps`` steps, brings the Schwarz fraction up to date (materials/README.md):

    .. math:: f_g \\leftarrow \\min\\big(\\bar f_g\\,e^{-k_S(T)\\,\\Delta t},\\; f_{max}(d_g)\\big),

    for every grain ``g`` (``f̄_g`` its mean fraction, ``d_g`` its equivalent diameter), so the
    structure is a property of grains and their boundaries, lost at high temperature and as
    grains outgrow it; cells of no grain (β) only decay. ``T`` is taken at the middle of the
    interval.
    """

    def __init__(self, every_steps: int) -> None:
        self.every_steps = every_steps

    def start(self, run: Run) -> None:
        if "schwarz_time" not in run.extras:
            run.extras["schwarz_time"] = np.float64(run.state.time)
            self.update(run)  # a start outgrown by its grains loses its structure at once

    def after_step(self, run: Run) -> None:
        if run.state.step % self.every_steps == 0:
            self.update(run)

    def update(self, run: Run) -> None:
        start, now = _since(run, "schwarz_time")
        run.extras["schwarz_time"] = np.float64(now)
        model, space, state = run.model, run.space, run.state
        backend, grid, xp = space.backend, space.grid, space.xp
        schwarz = state.fields["f_schwarz"]
        if backend.maximum(schwarz) <= 0.0:
            return
        temperature = model.temperature(0.5 * (start + now))  # type: ignore[attr-defined]
        law = model.schwarz  # type: ignore[attr-defined]
        decay = math.exp(-law.loss_rate(temperature) * (now - start))
        labels, _, count = grain_labels(state.fields["eta"], backend, grid.ndim, second_phase(run))
        flat = labels.reshape(-1)
        cells = xp.bincount(flat, minlength=count + 1).astype(xp.float64)
        total = xp.bincount(
            flat, weights=schwarz.reshape(-1).astype(xp.float64), minlength=count + 1
        )
        mean = total / xp.maximum(cells, 1.0)
        diameter = equivalent_diameter(cells * grid.cell_volume, grid.ndim)
        grain = xp.minimum(mean * decay, law.cap(diameter))
        updated = xp.where(labels > 0, grain[labels], schwarz * decay)
        schwarz[...] = updated.astype(schwarz.dtype)


class SolidusWatch(Handler):
    """Every ``every_steps`` steps, compares the temperature with the solidus of the most
    Mg-rich α in the run; above it (partial melting, which the model does not represent) it
    warns once per crossing and records the time, temperature and solidus in
    ``run.extras["warnings"]`` (kept in checkpoints; the store's ``warnings`` attribute)."""

    def __init__(self, every_steps: int) -> None:
        self.every_steps = every_steps

    def start(self, run: Run) -> None:
        self.check(run)

    def after_step(self, run: Run) -> None:
        if run.state.step % self.every_steps == 0:
            self.check(run)

    def check(self, run: Run) -> None:
        from ..thermo.equilibrium import solidus_temperature

        model, space, state = run.model, run.space, run.state
        temperature = model.temperature(state.time)  # type: ignore[attr-defined]
        fields = model.evaluate(state, space)  # type: ignore[attr-defined]
        xp = space.xp
        in_alpha = fields["h"] < 0.5
        richest = float(xp.max(xp.where(in_alpha, fields["c_alpha"], 0.0)))
        solidus = solidus_temperature(model.thermo, richest)  # type: ignore[attr-defined]
        above = solidus is not None and temperature > solidus
        if above and not bool(run.extras.get("above_solidus", False)):
            wt = float(model.composition.weight_percent(richest))  # type: ignore[attr-defined]
            message = (
                f"t = {state.time:.6g} s: T = {temperature:.1f} K is above the solidus "
                f"({solidus:.1f} K) of alpha with {wt:.2f} wt% Mg; the model has no liquid, so "
                "partial melting is not represented"
            )
            warnings.warn(message, SolidusWarning, stacklevel=2)
            earlier = [str(line) for line in run.extras.get("warnings", [])]
            run.extras["warnings"] = np.array([*earlier, message])
        run.extras["above_solidus"] = np.bool_(above)
