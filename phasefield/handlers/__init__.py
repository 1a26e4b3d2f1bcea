"""What the run loop calls around its steps: saves, checkpoints, the guard, the progress bar."""

from __future__ import annotations

from .checkpointer import Checkpointer
from .grains import GrainAnalysis, RemapHandler
from .guard import BlowUpGuard
from .progress import ProgressBar
from .writer import StoreHandler

__all__ = [
    "BlowUpGuard",
    "Checkpointer",
    "GrainAnalysis",
    "ProgressBar",
    "RemapHandler",
    "StoreHandler",
]
