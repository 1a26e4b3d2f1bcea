"""Fit of the β parabola's curvature K (materials/al_mg.yaml: thermodynamics.beta.curvature).

Target: β-Al3Mg2 stays within its homogeneity range, about 38.5–40.3 at% Mg (Murray,
Bull. Alloy Phase Diagrams 3, 60 (1982), doi:10.1007/BF02873413; the seed gives none), i.e.
within ±0.9 at% of its stoichiometry, for every α it meets: from the α–β equilibrium up to
16 wt % Mg (the as-prepared alloys), at 373–760 K. With the tangent-anchored parabola
(phasefield/thermo/gibbs.py) the β composition moves by (μ − μ_eq)/K, so
K = max|μ − μ_eq| / 0.009, rounded up.

Run: python materials/fits/beta_curvature.py
"""

from __future__ import annotations

import math

import numpy as np

from phasefield.materials import load_material
from phasefield.thermo.composition import Composition
from phasefield.thermo.gibbs import AlMgThermodynamics

HALF_RANGE = 0.009  # mole fraction


def main() -> None:
    thermo = AlMgThermodynamics(load_material("al_mg"))
    composition = Composition.of(thermo.material)
    worst = 0.0
    for temperature in np.arange(373.0, 761.0, 1.0):
        phases = thermo.at(float(temperature))
        for wt in np.linspace(0.5, 16.0, 156):
            x = float(composition.mole_fraction(wt))
            if x < phases.beta.x_alpha:
                continue
            worst = max(worst, abs(float(phases.alpha.potential(x)) - phases.beta.slope))
    curvature = math.ceil(worst / HALF_RANGE / 1e5) * 1e5
    print("fit target beta_homogeneity_range (materials/observations/xu2021.yaml): beta within")
    print(f"  {HALF_RANGE:g} of its stoichiometry (mole fraction) against any alpha at 373-760 K")
    print(f"largest |mu - mu_eq| = {worst:.0f} J/mol -> curvature K = {curvature:.3g} J/mol")
    print(f"  residual: the widest excursion is {worst / curvature:.4f} at K = {curvature:.3g}")


if __name__ == "__main__":
    main()
