"""Al–Mg thermodynamics: CALPHAD Gibbs energies, equilibria, the KKS partition, nucleation."""

from __future__ import annotations

from .composition import Composition, Vegard
from .equilibrium import alpha_beta, beta_solvus_temperature, nucleation_driving_force
from .gibbs import AlMgThermodynamics, Phases

__all__ = [
    "AlMgThermodynamics",
    "Composition",
    "Phases",
    "Vegard",
    "alpha_beta",
    "beta_solvus_temperature",
    "nucleation_driving_force",
]
