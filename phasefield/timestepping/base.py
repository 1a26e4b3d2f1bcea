"""What a time stepper does (:class:`Stepper`); :func:`~phasefield.timestepping.imex.make_stepper`
gives the one for a scheme's name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ..models.base import SpectralModel
from ..spectral import SpectralSpace
from ..state import State
from .control import StepControl

__all__ = ["Stepper"]


class Stepper(ABC):
    """Advances a state by one step of a model on a spectral space.

    A stepper owns the work buffers of one run and advances a :class:`~phasefield.state.State`
    in place; it knows nothing of a model's physics beyond what
    :class:`~phasefield.models.base.SpectralModel` declares.
    """

    #: Order of accuracy in the time step.
    order: int

    #: Whether the scheme gives a local-error estimate that a :class:`StepControl` can use.
    controllable: bool = False

    def __init__(
        self, model: SpectralModel, space: SpectralSpace, control: StepControl | None = None
    ) -> None:
        self.model = model
        self.space = space
        self.control = control

    def proposed_dt(self, state: State, dt: float) -> float:
        """The step to try next: ``dt`` (the configured one), or the step-size control's."""
        return dt

    @abstractmethod
    def initialise(
        self,
        fields: dict[str, Any],
        time: float = 0.0,
        step: int = 0,
        rng: np.random.Generator | None = None,
    ) -> State:
        """A state from real-space fields (they are copied into the stepper's buffers)."""

    @abstractmethod
    def restore(
        self,
        spectral: dict[str, np.ndarray],
        time: float,
        step: int,
        rng: np.random.Generator,
        real: dict[str, np.ndarray] | None = None,
        history: dict[str, np.ndarray] | None = None,
    ) -> State:
        """A state from checkpointed spectra and real values (of the fields kept in real
        space, or stepped from their real values: their spectra are then derived), and the
        scheme's history of earlier steps (:attr:`State.history`); the real fields come back
        bit for bit."""

    @abstractmethod
    def step(self, state: State, dt: float) -> float:
        """Advance ``state`` in place by ``dt`` or, where the model's kinetics require, by less;
        returns the step taken."""

    @abstractmethod
    def resynchronise(self, state: State, name: str, components: list[int] | None = None) -> None:
        """Bring a field's spectrum up to date after its real values (of ``components``,
        default all) were changed in place, e.g. by a remap: recomputed now, or marked
        :meth:`~phasefield.state.Spectra.stale` where the stepper's step reads the real
        values only."""
