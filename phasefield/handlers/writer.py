"""The store handler: saves at t = 0, on the output cadence, and at the end."""

from __future__ import annotations

import time as wallclock
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..loop import Handler, Run
from ..store import Save, StoreWriter, set_status
from .guard import check_finite

__all__ = ["StoreHandler"]


class StoreHandler(Handler):
    """Writes saves through a :class:`~phasefield.store.StoreWriter`.

    Time-based save ``k`` is taken at exactly ``t = k * every`` or ``times[k - 1]`` (the loop
    lands on it); with a step cadence, every ``n`` steps. The first save is the initial state and
    the last is the state at the end, whatever the cadence. Fields and scalars are checked before
    they are written, so a blown-up state never reaches the store.
    """

    def __init__(self, writer: StoreWriter, analyses: Sequence[Any] = ()) -> None:
        self.writer = writer
        self.analyses = list(analyses)
        self._last_saved_step = -1

    def start(self, run: Run) -> None:
        for analysis in self.analyses:
            analysis.restore(run.extras, run.backend)
        self.writer.saves = run.saves
        if run.saves == 0:
            self._save(run)
            run.save_index = 1
        else:
            self._last_saved_step = run.info.get("last_saved_step", -1)

    def next_time(self, run: Run) -> float | None:
        return run.config.save_cadence.time_of(run.save_index)

    def after_step(self, run: Run) -> None:
        cadence = run.config.save_cadence
        target = cadence.time_of(run.save_index)
        if target is not None and run.state.time >= target:
            self._save(run)
            run.save_index += 1
        elif cadence.due_at_step(run.state.step):
            self._save(run)

    def finish(self, run: Run, outcome: str) -> None:
        if outcome == "complete" and self._last_saved_step != run.state.step:
            self._save(run)
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
        if len(run.extras.get("warnings", [])):
            extra["warnings"] = [str(line) for line in run.extras["warnings"]]
        for key in ("nuclei", "nucleation_events"):
            if key in run.extras:
                extra.setdefault("precipitation", {})[key] = int(run.extras[key])
        set_status(run.store, outcome, timings=timings, **extra)

    def _save(self, run: Run) -> None:
        state, space = run.state, run.space
        with np.errstate(all="ignore"):  # a diverging state overflows here; check_finite says so
            scalars = run.model.scalars(state, space)
        stepped = {name: state.fields[name] for name in run.config.fields}
        check_finite(run, stepped, scalars)
        fields = {name: run.backend.to_host(values) for name, values in stepped.items()}
        series: dict[str, Any] = {}
        for analysis in self.analyses:
            derived, more_scalars, more_series = analysis.analyse(run)
            fields.update(derived)
            scalars.update(more_scalars)
            series.update(more_series)
        saved = run.config.saved_fields
        self.writer.write(
            Save(
                time=state.time,
                step=state.step,
                fields={name: values for name, values in fields.items() if name in saved},
                scalars=scalars,
                series=series,
            )
        )
        run.saves = self.writer.saves
        self._last_saved_step = state.step
        run.info["last_saved_step"] = state.step
