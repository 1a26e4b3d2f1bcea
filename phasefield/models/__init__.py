"""Models: what each one declares (:mod:`~phasefield.models.base`), the keys of its config
section (:mod:`~phasefield.models.keys`), its spec (:mod:`~phasefield.models.spec`), and the
registry of kinds (:mod:`~phasefield.models.registry`, the one list of models). The Moelans
potential that the grain models share is :mod:`~phasefield.models.moelans`. Each model is a
package: ``phasefield.models.cahn_hilliard``, ``grain_growth``, ``al_mg``, ``allen_cahn``."""

from __future__ import annotations

from .base import KPolynomial, SpectralModel
from .registry import MODELS, build_model, spec_of

__all__ = ["MODELS", "KPolynomial", "SpectralModel", "build_model", "spec_of"]
