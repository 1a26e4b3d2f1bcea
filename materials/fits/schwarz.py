"""Fit of the Schwarz-structure law (materials/al_mg.yaml: schwarz), the part of the model that
describes something no one has measured, with observations held out.

The law (materials/README.md): transport in Schwarz-structured grains and boundaries is slowed by
s = exp(−f ΔQ_S/(R T)); the fraction decays thermally, df/dt = −ν_S exp(−Q_S/(R T)) f, and a
grain keeps at most f_max(d) = 1/(1 + (d/d_S)^n).

Estimated, not fitted: ν_S = 1e13 1/s (an atomic attempt frequency, the Debye frequency of Al),
n = 4.

Fit targets (materials/observations/xu2021.yaml):

- Q_S: ``sc8_805K_1h_melting``. SC-8 keeps its structure until it melts (above 805 K in the
  seed): the thermal loss takes the structure to 1/e in 1 h at 805 K, Q_S = R·805 K·ln(ν_S·1 h).
- ΔQ_S and d_S: ``sc8_723K_1h_grain_size`` (12 nm) and ``sc8_760K_1h_grain_size`` (45 nm), from
  8 nm, solved exactly (two numbers, two observations): for each d_S, ΔQ_S that gives 45 nm at
  760 K (bisection), then d_S that gives 12 nm at 723 K (bisection).

Held out, so predictions: the SC-8 size after 1 h at 673 K (seed 10 nm) and after 48 h at 483 K
(below 10 nm), and — the boundary mobility being estimated without the seed
(boundary_mobility.py) — the NG-50/SC-8 ratio of apparent diffusivities at 723 K.

Method: the mean-field form of this solver's grain growth, d(d²)/dt = a μ(T) σ s(f, T), with
the material's boundary mobility μ(T) and the solver's measured 2-D growth constant a = 0.74
(d<d>²/dt = a μσ, 1200 grains), integrated with the law for f over each anneal.

Run: python materials/fits/schwarz.py
"""

from __future__ import annotations

import math

from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from phasefield.materials import GAS_CONSTANT, load_material
from phasefield.models.al_mg.schwarz import SchwarzLaw

A_MEASURED = 0.74  # d<d>²/dt = a μσ, 2-D, 1200 grains
HOUR = 3600.0
START = 8e-9  # m, SC-8 as prepared
MELTING = 805.0  # K, sc8_805K_1h_melting

MATERIAL = load_material("al_mg")
ATTEMPT = MATERIAL.schwarz.loss_prefactor.at(300.0)
EXPONENT = MATERIAL.schwarz.size_exponent.at(300.0)


def loss_energy() -> float:
    """Q_S with which the structure decays to 1/e in one hour at the melting onset."""
    return GAS_CONSTANT * MELTING * math.log(ATTEMPT * HOUR)


def anneal(barrier: float, size: float, temperature: float, duration: float) -> float:
    """Mean grain size after ``duration`` at ``temperature`` from SC-8 (8 nm, f = 1), with the
    model's own law (phasefield/models/al_mg/schwarz.py)."""
    law = SchwarzLaw(barrier, ATTEMPT, loss_energy(), size, EXPONENT)
    sigma = MATERIAL.interfaces.grain_boundary_energy.at(300.0)
    mobility = MATERIAL.kinetics.boundary_mobility.at(temperature)
    loss = law.loss_rate(temperature)

    def rates(_t: float, y: list[float]) -> list[float]:
        square, fraction = y
        f = min(fraction, float(law.cap(math.sqrt(max(square, 0.0)))))
        return [A_MEASURED * mobility * sigma * law.suppression(f, temperature), -loss * f]

    solution = solve_ivp(
        rates, (0.0, duration), [START**2, 1.0], method="LSODA", rtol=1e-9, atol=[1e-24, 1e-12]
    )
    return math.sqrt(solution.y[0, -1])


def barrier_for(size: float) -> float:
    """ΔQ_S that takes SC-8 to 45 nm in 1 h at 760 K, given d_S."""
    return brentq(lambda q: math.log(anneal(q, size, 760.0, HOUR) / 45e-9), 5e4, 2e5, xtol=1.0)


def main() -> None:
    size = brentq(
        lambda d: math.log(anneal(barrier_for(d), d, 723.0, HOUR) / 12e-9), 30e-9, 80e-9, xtol=1e-11
    )
    barrier = barrier_for(size)
    print(f"loss_energy = {loss_energy():.4g} J/mol (nu_S = {ATTEMPT:.3g} 1/s)")
    print(f"suppression_energy = {barrier:.4g} J/mol, critical_size = {size:.4g} m")
    print(f"  s(1, 723 K) = {math.exp(-barrier / (GAS_CONSTANT * 723.0)):.3g}")
    print("fit targets (reproduced by construction):")
    for temperature, target in ((723.0, 12.0), (760.0, 45.0)):
        d = anneal(barrier, size, temperature, HOUR) * 1e9
        print(f"  {temperature:.0f} K, 1 h: {d:.2f} nm (seed {target:g})")
    print("predictions (held out):")
    print(f"  673 K, 1 h: {anneal(barrier, size, 673.0, HOUR) * 1e9:.2f} nm (seed 10 +- 1)")
    print(f"  483 K, 48 h: {anneal(barrier, size, 483.0, 48 * HOUR) * 1e9:.3f} nm (seed below 10)")


if __name__ == "__main__":
    main()
