"""Handlers: what is done around the steps, each on its own cadence.

A handler says what it does (:meth:`Handler.act`) and when (:class:`Cadence`): every so many
steps, every so much wall time, at listed steps, or at model times the run loop lands on
exactly; the base class checks the cadence (as the output handlers of Dedalus do: Burns et
al., Phys. Rev. Research 2, 023068 (2020), doi:10.1103/PhysRevResearch.2.023068). The run
loop (:mod:`phasefield.simulation.loop`) calls every handler before and after each step; saves,
checkpoints, the blow-up guard, the progress bar and each model's own handlers (remapping,
nucleation, ...) are handlers.

Handlers see the run through :class:`RunContext`, so that a model's handlers (which sit below
the run loop) need nothing from the layers above them.
"""

from __future__ import annotations

import time as wallclock
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .backend import Backend
from .spectral import SpectralSpace
from .state import State

__all__ = ["EVERY_STEP", "Cadence", "Handler", "RunContext", "since_last"]


class RunContext(Protocol):
    """What a handler may look at and change of the run it serves (see
    :class:`phasefield.simulation.loop.Run`)."""

    config: Any  # the run's config (RunConfig)
    backend: Backend
    space: SpectralSpace
    model: Any  # the model (a SpectralModel; handlers know which)
    stepper: Any  # the stepper (resynchronise() after changing fields)
    state: State
    store: Path
    started: float
    saves: int
    save_index: int
    info: dict[str, Any]
    extras: dict[str, Any]
    flush_saves: Any  # () -> None: waits for saves still being written

    def derived(self, key: Any, compute: Callable[[], Any]) -> Any: ...


@dataclass(frozen=True)
class Cadence:
    """When a handler acts: every ``every_steps`` steps, at the listed ``steps``, once
    ``every_seconds`` of wall time have passed since it last acted, or at model times
    (``every``: ``k · every``; ``times``: the listed ones; numbered from 1, see
    :meth:`time_of`), which the loop lands on exactly. Any of them makes it due."""

    every: float | None = None
    times: tuple[float, ...] | None = None
    every_steps: int | None = None
    steps: tuple[int, ...] = ()
    every_seconds: float | None = None

    def time_of(self, index: int) -> float | None:
        """Model time of time-based action ``index`` (None without one, or past the list)."""
        if self.every is not None:
            return index * self.every
        if self.times is not None and 1 <= index <= len(self.times):
            return self.times[index - 1]
        return None

    def due(self, step: int, time: float, index: int, idle_seconds: float) -> bool:
        """Whether to act after ``step`` steps at model ``time``, with ``index`` the next
        time-based action and ``idle_seconds`` the wall time since the last action."""
        if self.every_steps is not None and step % self.every_steps == 0:
            return True
        if step in self.steps:
            return True
        if self.every_seconds is not None and idle_seconds >= self.every_seconds:
            return True
        target = self.time_of(index)
        return target is not None and time >= target

    def describe(self) -> str:
        """In words, for ``phasefield validate``."""
        parts = []
        if self.every is not None:
            parts.append(f"every {self.every:g} time units")
        if self.times is not None:
            parts.append(f"at {len(self.times)} listed times")
        if self.every_steps is not None:
            parts.append(f"every {self.every_steps} steps")
        if self.steps:
            parts.append(f"at steps {', '.join(map(str, self.steps))}")
        if self.every_seconds is not None:
            parts.append(f"every {self.every_seconds:g} s of wall time")
        return " and ".join(parts) or "never"


#: Every step.
EVERY_STEP = Cadence(every_steps=1)


def since_last(run: RunContext, key: str) -> tuple[float, float]:
    """The model time of a handler's last action, kept under ``key`` in the run's
    checkpointed extras (0 before the first), and the model time now."""
    start = float(run.extras.get(key, 0.0))
    return start, run.state.time


class Handler:
    """Something done around the steps, on its own cadence.

    Subclasses set :attr:`cadence` (None: only at :meth:`start` and :meth:`finish`) and say
    what they do in :meth:`act`, which runs after a step, or before one where :attr:`before`
    is set (never before the first step: :meth:`start` comes then). A handler that changes
    real fields resynchronises them
    (:meth:`~phasefield.timestepping.Stepper.resynchronise`).
    """

    #: When :meth:`act` runs.
    cadence: Cadence | None = None
    #: Act before the step instead of after it.
    before: bool = False
    #: Wall-clock time of the last action (or of the start).
    _acted: float | None = None
    #: The number of the next time-based action (see :meth:`time_index`).
    _index: int = 1

    def start(self, run: RunContext) -> None:
        """Before the first step (of this process: also after a resume)."""
        self._acted = wallclock.monotonic()

    def act(self, run: RunContext) -> None:
        """What the handler does when its cadence is due."""

    def resized(self, run: RunContext, how: str, factor: int) -> None:
        """The run moved to a new grid (``run.space``, ``run.state`` and ``run.model`` are new):
        ``how`` is ``"coarsened"`` (``factor`` times fewer, larger cells per axis, a regrid) or
        ``"tiled"`` (the box repeated ``factor`` times per axis). A handler holding grid-shaped
        state carries it over."""

    def finish(self, run: RunContext, outcome: str) -> None:
        """At the end: ``outcome`` is ``complete``, ``failed``, ``interrupted`` (between two
        steps: the state is consistent) or ``aborted`` (possibly inside a step: it is not)."""

    # ---- the cadence -------------------------------------------------------------------------

    def time_index(self, run: RunContext) -> int:
        """The number of the next time-based action, counted by the handler; one whose count
        must survive a resume keeps it in the checkpoint (the store's save index)."""
        return self._index

    def advance_time_index(self, run: RunContext) -> None:
        """Called once a time-based action is done (see :meth:`time_index`)."""
        self._index += 1

    def next_time(self, run: RunContext) -> float | None:
        """A model time the loop must land on exactly, or None."""
        if self.cadence is None:
            return None
        return self.cadence.time_of(self.time_index(run))

    def before_step(self, run: RunContext) -> None:
        if self.before:
            self._check(run)

    def after_step(self, run: RunContext) -> None:
        if not self.before:
            self._check(run)

    def _check(self, run: RunContext) -> None:
        cadence = self.cadence
        if cadence is None:
            return
        index = self.time_index(run)
        last = run.started if self._acted is None else self._acted
        idle = wallclock.monotonic() - last
        if not cadence.due(run.state.step, run.state.time, index, idle):
            return
        self.act(run)
        self._acted = wallclock.monotonic()
        target = cadence.time_of(index)
        if target is not None and run.state.time >= target:
            self.advance_time_index(run)
