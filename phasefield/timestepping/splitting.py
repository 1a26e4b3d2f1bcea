"""Conserved fields split from the spectral ones: an implicit diffusion step after them.

A model may step a conserved field not in Fourier space but by an implicit finite-volume
diffusion solve (:mod:`phasefield.solvers.diffusion`), for transport whose coefficients vary by
orders of magnitude in space. Such a field is advanced after the spectral fields, from the
diffusion problem the model gave for the state before them (first-order Lie splitting); the
problem's ``exchange`` reads the state after them, so the solute that moving interfaces take up
or give off enters the solve implicitly.
"""

from __future__ import annotations

from ..models.base import SpectralModel, StepTerms
from ..solvers.diffusion import DiffusionStep
from ..spectral import SpectralSpace
from ..state import State

__all__ = ["ConservedSplitting"]


class ConservedSplitting:
    """The diffusion steps of a model's conserved fields (first order in the step)."""

    #: Order of accuracy of the splitting.
    order = 1

    def __init__(self, model: SpectralModel, space: SpectralSpace) -> None:
        self.model = model
        self.diffusion = {name: DiffusionStep(space) for name in model.conserved_fields}

    def __bool__(self) -> bool:
        return bool(self.diffusion)

    def advance(self, state: State, terms: StepTerms, dt: float) -> None:
        """Advance every conserved field by ``dt`` from the problems in ``terms``."""
        for name, solver in self.diffusion.items():
            assert terms.diffusion is not None, f"{type(self.model).__name__} gave no diffusion"
            problem = terms.diffusion[name]
            exchange = None if problem.exchange is None else problem.exchange(state)
            solver.advance(state.fields[name], problem, dt, exchange)
