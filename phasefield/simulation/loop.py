"""The run loop: step, land exactly on the times handlers ask for, call handlers around the steps.

Handlers (:mod:`phasefield.handler`; :mod:`phasefield.simulation.handlers` and each model's own) do
everything around the stepping: saves, checkpoints, the blow-up guard, the progress bar,
remapping, nucleation. The loop only advances time.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time as wallclock
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backend import Backend
from ..config import RunConfig
from ..handler import Handler
from ..models.base import SpectralModel
from ..spectral import SpectralSpace
from ..state import State
from ..timestepping import Stepper

__all__ = ["BlowUpError", "Run", "run_loop", "step_toward"]

#: A step this close to a target time (relative to dt) lands on it instead of stopping short.
_LANDING_TOLERANCE = 1e-9


class BlowUpError(RuntimeError):
    """The solution stopped being finite."""


@dataclass
class Run:
    """Everything one run's handlers may look at (:class:`~phasefield.handler.RunContext`)."""

    config: RunConfig
    backend: Backend
    space: SpectralSpace
    model: SpectralModel
    stepper: Stepper
    state: State
    store: Path
    saves: int = 0
    save_index: int = 0
    started: float = field(default_factory=wallclock.monotonic)
    info: dict[str, Any] = field(default_factory=dict)
    #: Small host arrays of handlers' own state, kept in every checkpoint (grain tracking).
    extras: dict[str, Any] = field(default_factory=dict)
    #: Waits for saves still being written (set by the store handler; see BackgroundWrites).
    flush_saves: Any = field(default=lambda: None)
    #: Values derived from the fields that several handlers use (grain labels), by key; see
    #: :meth:`derived`.
    _derived: dict[Any, tuple[int, Any]] = field(default_factory=dict)
    #: ``time.dt`` is multiplied by this (4 per regrid: :mod:`phasefield.simulation.regrid`).
    dt_scale: float = 1.0

    def derived(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, shared by the handlers that ask for ``key`` while the fields stay
        as they are (same :attr:`State.revision`): e.g. a save's grain analysis and the remap
        check before the next step label the same grains once."""
        revision = self.state.revision
        cached = self._derived.get(key)
        if cached is None or cached[0] != revision:
            cached = self._derived[key] = (revision, compute())
        return cached[1]

    def forget_derived(self) -> None:
        """Drop every value :meth:`derived` keeps (the state was replaced: a regrid)."""
        self._derived.clear()

    @property
    def end_time(self) -> float | None:
        return self.config.time.end

    def finished(self) -> bool:
        time_config = self.config.time
        if time_config.end is not None:
            return self.state.time >= time_config.end
        assert time_config.steps is not None
        return self.state.step >= time_config.steps


class _ImmediateInterrupt(KeyboardInterrupt):
    """A second Ctrl-C, raised wherever the program was."""


@contextlib.contextmanager
def _interrupts_between_steps() -> Iterator[list[bool]]:
    """Hold a Ctrl-C (or a SIGTERM, as batch schedulers send) until the current step and its
    handlers are done.

    A step interrupted half-way (spectrum advanced, field or clock not yet) must never reach a
    checkpoint. The first signal is recorded and raised at the next clean point; a second one
    interrupts at once.
    """
    requested = [False]
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return

    def record(signum: int, frame: object) -> None:
        if requested[0]:
            raise _ImmediateInterrupt
        requested[0] = True

    previous = {number: signal.signal(number, record) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield requested
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_loop(run: Run, handlers: Sequence[Handler]) -> None:
    """Step ``run`` to its end, calling ``handlers``.

    Raises
    ------
    BlowUpError
        From a handler that found non-finite values; handlers have been told ``failed``.
    KeyboardInterrupt
        Re-raised after handlers have been told ``interrupted``.
    Exception
        Whatever else stopped the run (a write that failed: disk full, permissions), after
        handlers have been told ``failed`` (as far as they still can be).
    """
    for handler in handlers:
        handler.start(run)
    try:
        with _interrupts_between_steps() as interrupt:
            _steps(run, handlers, interrupt)
    except BlowUpError:
        for handler in handlers:
            handler.finish(run, "failed")
        raise
    except Exception:
        for handler in handlers:
            # the cause may stop this too (a full disk): the first error is the one raised
            with contextlib.suppress(Exception):
                handler.finish(run, "failed")
        raise
    except KeyboardInterrupt as interrupt:
        # A second Ctrl-C may have cut a step in half: then nothing may be checkpointed.
        outcome = "aborted" if isinstance(interrupt, _ImmediateInterrupt) else "interrupted"
        for handler in handlers:
            handler.finish(run, outcome)
        raise
    for handler in handlers:
        handler.finish(run, "complete")


def step_toward(dt: float, remaining: float | None, order: int = 1) -> tuple[float, bool]:
    """The step to request with ``remaining`` model time to the next target (None: no
    target), and whether it lands on the target.

    A step within a tolerance of the remaining time lands on it. For a scheme of order above
    one, a remaining time between one and two steps is crossed in two equal steps rather than
    a full one and a sliver, so that a multistep scheme never sees a step ratio above 2 and
    stays at its order.
    """
    if remaining is None:
        return dt, False
    if remaining <= dt * (1 + _LANDING_TOLERANCE):
        return remaining, True
    if order > 1:
        return min(dt, remaining / 2), False
    return dt, False


def _steps(run: Run, handlers: Sequence[Handler], interrupt: list[bool]) -> None:
    # run.state, run.stepper and run.model are read afresh each step: a regrid replaces them
    while not run.finished():
        if run.state.step > 0:
            for handler in handlers:
                handler.before_step(run)
        state, stepper = run.state, run.stepper
        dt = stepper.proposed_dt(state, run.config.time.dt * run.dt_scale)
        targets = [t for t in (h.next_time(run) for h in handlers) if t is not None]
        if run.end_time is not None:
            targets.append(run.end_time)
        kink = run.model.landing_time(state.time)
        if kink is not None:
            targets.append(kink)
        target = min(targets) if targets else None
        remaining = None if target is None else target - state.time
        request, landing = step_toward(dt, remaining, stepper.order)
        taken = stepper.step(state, request)
        if landing and taken == request:
            assert target is not None
            state.time = target
        for handler in handlers:
            handler.after_step(run)
        if interrupt[0]:
            raise KeyboardInterrupt
