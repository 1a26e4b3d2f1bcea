"""Grain handlers: order-parameter remapping on a step cadence, grain analysis at every save."""

from __future__ import annotations

import time as wallclock
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from ...grains import (
    ColouringError,
    GrainTracker,
    grain_labels,
    grain_statistics,
    remap_order_parameters,
)
from ...grains.statistics import NEIGHBOUR_COUNTS, SIZE_BINS
from ...handler import Cadence, Handler, RunContext

__all__ = ["GrainAnalysis", "RemapHandler"]


def _labels(run: RunContext, field: str, rule: Any, exclude: Any) -> tuple[Any, Any, int]:
    """The grains of ``field`` (:func:`grain_labels`), labelled once per state for the
    remap check and the analysis (``rule`` makes ``exclude``, the cells of no grain)."""
    return run.derived(
        ("grain labels", field, rule),
        lambda: grain_labels(run.state.fields[field], run.backend, run.space.grid.ndim, exclude),
    )


class RemapHandler(Handler):
    """Every ``every_steps`` steps, moves grains that came within ``buffer_cells`` of a grain on
    the same order parameter to a free one (see :mod:`phasefield.grains.remap`).

    The check runs just before the next step (it reuses the grain labels of a save made after
    the last one). Where that step reads only real values, the spectra of the order parameters
    it changed are not recomputed but marked stale (:class:`~phasefield.state.Spectra`).
    """

    def __init__(
        self,
        field: str,
        every_steps: int,
        buffer_cells: int,
        width_cells: float,
        vanishing_cells: float = 0.0,
        exclude: Callable[[RunContext], Any] | None = None,
    ) -> None:
        self.field = field
        self.exclude = exclude
        self.cadence = Cadence(every_steps=every_steps, steps=self.EARLY)
        self.buffer_cells = buffer_cells
        self.width_cells = width_cells
        self.vanishing_cells = vanishing_cells

    #: Steps at which a start also checks: sharp starting boundaries relax and the smallest grains
    #: vanish within the first few steps.
    EARLY = (1, 2, 4)
    before = True

    def act(self, run: RunContext) -> None:
        started = wallclock.perf_counter()
        exclude = None if self.exclude is None else self.exclude(run)
        try:
            remap = remap_order_parameters(
                run.state.fields[self.field],
                run.backend,
                self.buffer_cells,
                self.width_cells,
                self.vanishing_cells,
                exclude,
                grains=_labels(run, self.field, self.exclude, exclude),
            )
        except ColouringError as err:
            raise RuntimeError(
                f"remapping at t = {run.state.time:.6g} failed: {err}. Increase "
                "model.order_parameters or lower model.remap.buffer"
            ) from None
        if remap.changed:
            run.stepper.resynchronise(run.state, self.field, sorted(remap.changed))
        info = run.info
        info["remap_checks"] = info.get("remap_checks", 0) + 1
        info["grains_moved"] = info.get("grains_moved", 0) + remap.moved
        info["full_recolourings"] = info.get("full_recolourings", 0) + int(remap.recoloured)
        info["remap_seconds"] = info.get("remap_seconds", 0.0) + wallclock.perf_counter() - started


class GrainAnalysis:
    """At each save: stable grain ids, grain count, mean size and the size and neighbour
    distributions. Its state (the last id field and the next free id) goes into checkpoints."""

    #: Coordinates of the distributions' dims.
    coords: ClassVar[dict[str, np.ndarray]] = {
        "size_bin": 0.5 * (SIZE_BINS[1:] + SIZE_BINS[:-1]),
        "neighbours": NEIGHBOUR_COUNTS,
    }

    def __init__(
        self, field: str = "eta", exclude: Callable[[RunContext], Any] | None = None
    ) -> None:
        self.field = field
        self.exclude = exclude
        self.tracker = GrainTracker()

    def restore(self, extras: dict[str, Any], backend: Any) -> None:
        if "grain_next_id" in extras:
            self.tracker.next_id = int(extras["grain_next_id"])
            self.tracker.previous = backend.xp.asarray(extras["grain_previous"])

    def resized(self, run: RunContext, how: str, factor: int) -> None:
        """The ids of the last save carried to the new grid, so the tracker (which matches
        grains by their overlap with them) follows the grains: every ``factor``-th cell on a
        coarsened grid, repeated on a tiled one (there each grain's copies claim one id: the
        largest overlap keeps it, the others get new ones)."""
        previous = self.tracker.previous
        if previous is None:
            return
        xp = run.backend.xp

        def carried(ids: Any, module: Any) -> Any:
            if how == "tiled":
                return module.tile(ids, (factor,) * ids.ndim)
            return module.ascontiguousarray(ids[(slice(None, None, factor),) * ids.ndim])

        self.tracker.previous = carried(previous, xp)
        if "grain_previous" in run.extras:
            run.extras["grain_previous"] = carried(run.extras["grain_previous"], np)

    def analyse(
        self, run: RunContext
    ) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, Any]]:
        started = wallclock.perf_counter()
        backend, grid = run.backend, run.space.grid
        exclude = None if self.exclude is None else self.exclude(run)
        labels, _, count = _labels(run, self.field, self.exclude, exclude)
        ids = self.tracker.assign(labels, count, backend)
        statistics = grain_statistics(ids, grid, backend)
        host_ids = backend.to_host(ids).astype(np.int32)
        run.extras["grain_next_id"] = np.int64(self.tracker.next_id)
        run.extras["grain_previous"] = host_ids
        run.info["analysis_seconds"] = run.info.get("analysis_seconds", 0.0) + (
            wallclock.perf_counter() - started
        )
        scalars = {
            "grain_count": int(statistics.count),
            "mean_grain_size": statistics.mean_diameter,
        }
        series = {
            "grain_size_distribution": (("size_bin",), statistics.size_distribution()),
            "neighbour_distribution": (("neighbours",), statistics.neighbour_distribution()),
        }
        return {"grain_id": host_ids}, scalars, series
