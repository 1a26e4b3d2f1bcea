"""What the run loop calls around its steps: saves, checkpoints, the guard, the progress bar."""

from __future__ import annotations

from .checkpointer import Checkpointer
from .grains import GrainAnalysis, RemapHandler
from .guard import BlowUpGuard
from .precipitation import (
    NucleationHandler,
    SchwarzHandler,
    SolidusWarning,
    SolidusWatch,
    second_phase,
)
from .progress import ProgressBar
from .writer import StoreHandler

__all__ = [
    "BlowUpGuard",
    "Checkpointer",
    "GrainAnalysis",
    "NucleationHandler",
    "ProgressBar",
    "RemapHandler",
    "SchwarzHandler",
    "SolidusWarning",
    "SolidusWatch",
    "StoreHandler",
    "second_phase",
]
