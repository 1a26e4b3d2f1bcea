"""A progress bar with ETA on a terminal (tqdm); silent elsewhere."""

from __future__ import annotations

from typing import Any

from tqdm import tqdm

from ...handler import EVERY_STEP, Handler, RunContext

__all__ = ["ProgressBar"]


class ProgressBar(Handler):
    """Shows model time (or steps) done, the rate and the ETA on stderr."""

    cadence = EVERY_STEP

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, run: RunContext) -> None:
        super().start(run)
        end, steps = run.config.time.end, run.config.time.steps
        if end is not None:
            self._bar = tqdm(
                total=end,
                initial=run.state.time,
                unit="t",
                desc=run.config.name,
                bar_format="{l_bar}{bar}| t={n:.4g}/{total:.4g} [{elapsed}<{remaining}]",
            )
        else:
            self._bar = tqdm(total=steps, initial=run.state.step, unit="step", desc=run.config.name)

    def act(self, run: RunContext) -> None:
        bar = self._bar
        target = run.state.time if run.config.time.end is not None else run.state.step
        bar.update(target - bar.n)

    def finish(self, run: RunContext, outcome: str) -> None:
        if self._bar is not None:
            self._bar.close()
