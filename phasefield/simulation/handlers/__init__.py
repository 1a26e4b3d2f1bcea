"""The run's own handlers: saves, checkpoints, the blow-up guard, the progress bar (each
model adds its own, :attr:`~phasefield.models.spec.ModelSpec.handlers`)."""

from __future__ import annotations

from .checkpointer import Checkpointer
from .guard import BlowUpGuard, check_finite
from .progress import ProgressBar
from .writer import BackgroundWrites, StoreHandler

__all__ = [
    "BackgroundWrites",
    "BlowUpGuard",
    "Checkpointer",
    "ProgressBar",
    "StoreHandler",
    "check_finite",
]
