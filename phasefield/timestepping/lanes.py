"""Lanes: the components of a stack (the order parameters of a grain structure) stepped side by
side, one component per CPU thread at a time.

A componentwise step does four short passes per component (its pointwise term, the forward
transform, the spectral update, the inverse transform). Threading each pass wakes the threads
four times per component, and on the CPU a wake-up costs tens of microseconds, as much as the
pass itself on a 256² grid. Lanes instead give each thread whole components: every thread has its
own one-component buffers and single-threaded FFT plans, runs its kernels serially, and the
threads meet once per step. Component ``c`` always runs in lane ``c mod lanes``, and every lane
has the same plans and kernels, so results do not depend on timing.

Used by :mod:`phasefield.timestepping` on the CPU (pyFFTW); on a GPU a stack is one batched
transform, or, on large grids (:data:`~phasefield.spectral.COMPONENT_POINTS`), one component
after another in a single lane.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..backend import RealFFT
from ..spectral import SpectralSpace

__all__ = ["LANE_POINTS", "Lane", "Lanes"]

#: Grids with fewer points than this run their components in one lane (the threads' meeting
#: costs more than the work; the same crossover as the kernels' own threading).
LANE_POINTS = 1 << 15

_POOLS: dict[tuple[int, int], ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    """One process-wide pool per size: steppers come and go, threads stay. Keyed by process
    too: a forked child has none of its parent's threads and makes its own."""
    key = (os.getpid(), workers)
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS[key] = ThreadPoolExecutor(workers, thread_name_prefix="phasefield-lane")
        return _POOLS[key]


@dataclass(frozen=True, eq=False)
class Lane:
    """One thread's buffers: a real and a spectral field of one component, and their
    transforms (single-threaded when there are several lanes)."""

    real: Any
    spectral: Any
    fft: RealFFT


class Lanes:
    """Runs ``task(lane, component)`` for every component, spread over the lanes.

    Parameters
    ----------
    space : SpectralSpace
        The grid and backend; the buffers and plans are made here (plan before filling).
    components : int
        The size of the stack.
    first : (real, spectral), optional
        Buffers for the first lane (the stepper's own one-component work buffers).
    """

    def __init__(
        self, space: SpectralSpace, components: int, first: tuple[Any, Any] | None = None
    ) -> None:
        self.space = space
        count = self.count_for(space, components)
        self.count = count
        backend = space.backend
        lanes = []
        for index in range(count):
            if index == 0 and first is not None:
                real, spectral = first
            else:
                real, spectral = space.empty_real(), space.empty_spectral()
            if count == 1:
                fft = space.plan(real, spectral)
            else:
                fft = backend.real_fft(real, spectral, threads=1)
            lanes.append(Lane(real, spectral, fft))
        self.lanes: Sequence[Lane] = tuple(lanes)

    @staticmethod
    def count_for(space: SpectralSpace, components: int) -> int:
        """How many lanes a stack gets: one per thread (at most one per component) on the
        CPU (pyFFTW) for grids of at least :data:`LANE_POINTS` points, else one (a GPU runs
        one component after another, each filling the device)."""
        backend = space.backend
        if (
            components < 2
            or backend.fft_engine != "pyfftw"
            or not space.per_component()
            or space.grid.size < LANE_POINTS
        ):
            return 1
        return max(1, min(backend.threads, components))

    def run(self, components: Sequence[int], task: Callable[[Lane, int], None]) -> None:
        """``task(lane, c)`` for each ``c`` in ``components``, in lane ``c mod count``.
        Returns when all are done; re-raises the first failure."""
        if self.count == 1:
            for component in components:
                task(self.lanes[0], component)
            return
        backend = self.space.backend

        def work(lane: Lane, share: Sequence[int]) -> None:
            with backend.one_thread():
                for component in share:
                    task(lane, component)

        pool = _pool(self.count - 1)
        futures: list[Future[None]] = [
            pool.submit(work, self.lanes[k], [c for c in components if c % self.count == k])
            for k in range(1, self.count)
        ]
        failure: BaseException | None = None
        try:
            work(self.lanes[0], [c for c in components if c % self.count == 0])
        except BaseException as error:  # wait for the other lanes before raising
            failure = error
        for future in futures:
            raised = future.exception()
            if failure is None and raised is not None:
                failure = raised
        if failure is not None:
            raise failure
