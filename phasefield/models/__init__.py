"""Models: what each one declares (:mod:`~phasefield.models.base`), the keys of its config
section (:mod:`~phasefield.models.keys`), its spec (:mod:`~phasefield.models.spec`), and the
registry of kinds (:mod:`~phasefield.models.registry`). The Moelans potential that the grain
models share is :mod:`~phasefield.models.moelans`."""

from __future__ import annotations

from .al_mg import AlMg
from .base import KPolynomial, SpectralModel
from .cahn_hilliard import CahnHilliard, DoubleWell
from .grain_growth import GrainGrowth
from .registry import MODELS, build_model, spec_of

__all__ = [
    "MODELS",
    "AlMg",
    "CahnHilliard",
    "DoubleWell",
    "GrainGrowth",
    "KPolynomial",
    "SpectralModel",
    "build_model",
    "spec_of",
]
