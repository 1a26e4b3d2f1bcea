"""The store handler: saves at t = 0, on the output cadence, and at the end."""

from __future__ import annotations

import threading
import time as wallclock
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ...grid import Grid
from ...handler import Handler, RunContext
from ..store import set_status
from ..writing import Save, StoreWriter
from .guard import check_finite

__all__ = ["BackgroundWrites", "StoreHandler"]


class BackgroundWrites:
    """Writes one save at a time on a worker thread, so the steps go on meanwhile.

    A save is handed over as functions that give its fields on the host (copies already under
    way, :meth:`~phasefield.backend.Backend.to_host_async`); the worker waits for them and
    writes. The next save, a checkpoint and the end of the run wait for the write in flight
    (:meth:`flush`), which raises here whatever the worker raised, so the store and the
    checkpoints see the same saves in the same order as when writing in line.
    """

    def __init__(self, writer: StoreWriter) -> None:
        self.writer = writer
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def submit(
        self,
        time: float,
        step: int,
        fields: Mapping[str, Callable[[], np.ndarray]],
        scalars: Mapping[str, float],
        series: Mapping[str, Any],
        grid: Grid | None = None,
    ) -> None:
        self.flush()

        def write() -> None:
            try:
                host = {name: get() for name, get in fields.items()}
                self.writer.write(Save(time, step, host, scalars, series, grid))
            except BaseException as err:  # handed to the main thread by flush()
                self._error = err

        self._thread = threading.Thread(target=write, name="phasefield-save")
        self._thread.start()

    def flush(self) -> None:
        """Wait for the write in flight; raise what it raised."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


class StoreHandler(Handler):
    """Writes saves through a :class:`~phasefield.simulation.writing.StoreWriter`.

    Time-based save ``k`` is taken at exactly ``t = k * every`` or ``times[k - 1]`` (the loop
    lands on it); with a step cadence, every ``n`` steps. The first save is the initial state and
    the last is the state at the end, whatever the cadence. Fields and scalars are checked before
    they are written, so a blown-up state never reaches the store.
    """

    def __init__(
        self, writer: StoreWriter, analyses: Sequence[Any] = (), background: bool = False
    ) -> None:
        self.writer = writer
        self.analyses = list(analyses)
        self._last_saved_step = -1
        self._background = BackgroundWrites(writer) if background else None

    def flush(self, run: RunContext) -> None:
        """Finish the save in flight (background writes), then count it."""
        if self._background is not None:
            self._background.flush()
        run.saves = self.writer.saves

    def start(self, run: RunContext) -> None:
        super().start(run)
        self.cadence = run.config.save_cadence
        run.flush_saves = lambda: self.flush(run)
        for analysis in self.analyses:
            analysis.restore(run.extras, run.backend)
        self.writer.saves = run.saves
        if run.saves == 0:
            self._save(run)
            run.save_index = 1
        else:
            self._last_saved_step = run.info.get("last_saved_step", -1)

    def time_index(self, run: RunContext) -> int:
        return run.save_index

    def advance_time_index(self, run: RunContext) -> None:
        run.save_index += 1

    def act(self, run: RunContext) -> None:
        self._save(run)

    def resized(self, run: RunContext, how: str, factor: int) -> None:
        for analysis in self.analyses:
            if hasattr(analysis, "resized"):
                analysis.resized(run, how, factor)

    def finish(self, run: RunContext, outcome: str) -> None:
        if outcome == "complete" and self._last_saved_step != run.state.step:
            self._save(run)
        try:
            self.flush(run)
        except Exception:
            if outcome == "complete":
                raise
            # the run failed already (perhaps of this very write): record that it did
        timings = {
            key: round(float(value), 3)
            for key, value in run.info.items()
            if key.endswith("_seconds")
        }
        timings["wall_seconds"] = round(wallclock.monotonic() - run.started, 3)
        counts = {
            key: int(run.info[key])
            for key in ("remap_checks", "grains_moved", "full_recolourings")
            if key in run.info
        }
        extra: dict[str, Any] = {"remap": counts} if counts else {}
        for key in ("regrids", "tilings"):
            if key in run.info:
                extra[key] = int(run.info[key])
        if len(run.extras.get("warnings", [])):
            extra["warnings"] = [str(line) for line in run.extras["warnings"]]
        for key in (
            "nuclei",
            "nucleation_events",
            "promoted",
            "dissolved",
        ):
            if key in run.extras:
                extra.setdefault("precipitation", {})[key] = int(run.extras[key])
        set_status(run.store, outcome, timings=timings, **extra)

    def _save(self, run: RunContext) -> None:
        state, space = run.state, run.space
        with np.errstate(all="ignore"):  # a diverging state overflows here; check_finite says so
            scalars = run.model.scalars(state, space)
        stepped = {name: state.fields[name] for name in run.config.fields}
        check_finite(run, stepped, scalars)
        saved = run.config.saved_fields
        # copies of the stored fields start now (on CuPy on their own stream); the writer
        # waits for them
        pending = {
            name: run.backend.to_host_async(values)
            for name, values in stepped.items()
            if name in saved
        }
        series: dict[str, Any] = {}
        for analysis in self.analyses:
            derived, more_scalars, more_series = analysis.analyse(run)
            pending.update({name: _given(v) for name, v in derived.items() if name in saved})
            scalars.update(more_scalars)
            series.update(more_series)
        if self._background is not None:
            self._background.flush()
            run.saves = self.writer.saves + 1  # counted now; flush() confirms it
            self._background.submit(state.time, state.step, pending, scalars, series, space.grid)
        else:
            host = {name: get() for name, get in pending.items()}
            self.writer.write(Save(state.time, state.step, host, scalars, series, space.grid))
            run.saves = self.writer.saves
        self._last_saved_step = state.step
        run.info["last_saved_step"] = state.step
        run.info["saved_scalars"] = scalars


def _given(values: np.ndarray) -> Callable[[], np.ndarray]:
    """A host array as a finished copy."""
    return lambda: values
