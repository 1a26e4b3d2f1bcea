"""The checkpointer: state + RNG + wisdom every few minutes of wall time, and at the end."""

from __future__ import annotations

from ...handler import Cadence, Handler, RunContext
from ..checkpoint import Binding, write_checkpoint
from ..prepare import store_binding

__all__ = ["Checkpointer"]


class Checkpointer(Handler):
    """Writes a checkpoint when ``every_seconds`` of wall time have passed since the last one,
    every ``every_steps`` steps if set, on an interrupt, and when the run completes.

    It runs after the store handler, so a checkpoint always counts the save of its own step.
    """

    def __init__(self, every_seconds: float, every_steps: int | None = None) -> None:
        self.cadence = Cadence(every_steps=every_steps, every_seconds=every_seconds)
        self._binding: Binding | None = None

    def act(self, run: RunContext) -> None:
        self._write(run, finished=False)

    def finish(self, run: RunContext, outcome: str) -> None:
        if outcome in ("complete", "interrupted"):
            self._write(run, finished=outcome == "complete")

    def _write(self, run: RunContext, finished: bool) -> None:
        run.flush_saves()  # a checkpoint counts only saves that are in the store
        if self._binding is None:  # the store exists from the first save on
            self._binding = store_binding(run.store, run.config, run.backend.name)
        write_checkpoint(
            run.store,
            run.state,
            run.backend,
            run.saves,
            run.save_index,
            finished,
            run.extras,
            self._binding,
        )
