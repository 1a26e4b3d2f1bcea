"""The checkpointer: state + RNG + wisdom every few minutes of wall time, and at the end."""

from __future__ import annotations

import time as wallclock

from ..checkpoint import write_checkpoint
from ..loop import Handler, Run

__all__ = ["Checkpointer"]


class Checkpointer(Handler):
    """Writes a checkpoint when ``every_seconds`` of wall time have passed since the last one,
    every ``every_steps`` steps if set, on an interrupt, and when the run completes.

    It runs after the store handler, so a checkpoint always counts the save of its own step.
    """

    def __init__(self, every_seconds: float, every_steps: int | None = None) -> None:
        self.every_seconds = every_seconds
        self.every_steps = every_steps
        self._last = wallclock.monotonic()

    def start(self, run: Run) -> None:
        self._last = wallclock.monotonic()

    def after_step(self, run: Run) -> None:
        due_steps = self.every_steps is not None and run.state.step % self.every_steps == 0
        if due_steps or wallclock.monotonic() - self._last >= self.every_seconds:
            self._write(run, finished=False)

    def finish(self, run: Run, outcome: str) -> None:
        if outcome in ("complete", "interrupted"):
            self._write(run, finished=outcome == "complete")

    def _write(self, run: Run, finished: bool) -> None:
        run.flush_saves()  # a checkpoint counts only saves that are in the store
        write_checkpoint(
            run.store, run.state, run.backend, run.saves, run.save_index, finished, run.extras
        )
        self._last = wallclock.monotonic()
