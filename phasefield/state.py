"""The simulation state: what a checkpoint holds and a stepper advances."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["State"]


@dataclass
class State:
    """Fields, their spectra, time, step and the random stream of one run.

    The spectra are the prognostic variables: a stepper advances them and rebuilds the real
    fields from them, so ``fields[name]`` is always the inverse transform of ``spectral[name]``.
    A checkpoint stores the spectra (the real fields follow from them bit for bit), the clock
    and the RNG state; models hold nothing that changes.

    Attributes
    ----------
    fields : dict of str to array
        Real-space fields on the backend's device.
    spectral : dict of str to array
        Normalised Fourier coefficients of each field (see :mod:`phasefield.spectral`).
    time : float
        Model time.
    step : int
        Steps taken since ``t = 0``.
    rng : numpy.random.Generator
        The run's random stream (host side, so every backend draws the same numbers).
    history : dict of str to array or float
        What a multistep scheme keeps of earlier steps (spectra on the device, the last step
        as a float), checkpointed with the rest; empty for one-step schemes.
    revision : int
        Counts the changes of the fields in this process (steps, and changes made outside
        them that were resynchronised): values derived from the fields (grain labels) are
        valid while it stays the same. Not checkpointed.
    """

    fields: dict[str, Any]
    spectral: dict[str, Any]
    time: float = 0.0
    step: int = 0
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    history: dict[str, Any] = field(default_factory=dict)
    revision: int = 0
