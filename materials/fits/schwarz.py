"""Fit of the Schwarz-structure parameters (materials/al_mg.yaml: schwarz), the only ones of the
model that describe something no one has measured.

The law (materials/README.md): transport in Schwarz-structured grains and boundaries is slowed by
s = exp(−f ΔQ_S/(R T)); the fraction decays thermally, df/dt = −ν_S exp(−Q_S/(R T)) f, and a
grain keeps at most f_max(d) = 1/(1 + (d/d_S)^n).

Targets (the seed, SC-8 from 8 nm, 1 h anneals): mean grain size 10 nm at 673 K, 12 nm at
723 K, 45 nm at 760 K, and below 10 nm after 48 h at 483 K (hardness unchanged).

Method: the mean-field form of this solver's grain growth, d(d²)/dt = a μ(T) σ s(f, T), with
the fitted NG-50 boundary mobility μ(T) (boundary_mobility.py) and the measured growth constant
a, integrated together with the law for f over each anneal; least squares in log d over
(ΔQ_S, ν_S, Q_S, d_S) with n = 4 fixed (four numbers for four observations would fit anything;
n sets only how sharply an outgrown grain loses the structure). The fitted values make the
seed's ratio of apparent across-boundary diffusivities at 723 K (NG-50 / SC-8 = 5.1e7) follow
from ΔQ_S, not from a separate number.

Run: python materials/fits/schwarz.py [--a A]
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares

from phasefield.materials import GAS_CONSTANT, load_material
from phasefield.models.al_mg.schwarz import SchwarzLaw

A_MEASURED = 0.74  # boundary_mobility.py, 2-D, 1200 grains
EXPONENT = 4.0
HOUR = 3600.0
TARGETS = [(673.0, HOUR, 10e-9), (723.0, HOUR, 12e-9), (760.0, HOUR, 45e-9)]
KEPT = (483.0, 48 * HOUR, 10e-9)  # stays below this
START = 8e-9


MATERIAL = load_material("al_mg")


def anneal(parameters: np.ndarray, temperature: float, duration: float, a: float) -> float:
    """Mean grain size after ``duration`` at ``temperature`` from SC-8 (8 nm, f = 1), with the
    model's own law (phasefield/models/al_mg/schwarz.py)."""
    barrier, log_rate, loss_energy, size = parameters
    law = SchwarzLaw(barrier, math.exp(log_rate), loss_energy, size, EXPONENT)
    sigma = MATERIAL.interfaces.grain_boundary_energy.at(300.0)
    mobility = MATERIAL.kinetics.boundary_mobility.at(temperature)
    loss = law.loss_rate(temperature)

    def rates(_t: float, y: np.ndarray) -> list[float]:
        square, fraction = y
        f = min(fraction, float(law.cap(math.sqrt(max(square, 0.0)))))
        return [a * mobility * sigma * law.suppression(f, temperature), -loss * f]

    solution = solve_ivp(
        rates, (0.0, duration), [START**2, 1.0], method="LSODA", rtol=1e-8, atol=[1e-22, 1e-10]
    )
    return math.sqrt(solution.y[0, -1])


def residuals(parameters: np.ndarray, a: float) -> np.ndarray:
    values = [math.log(anneal(parameters, t, d, a) / target) for t, d, target in TARGETS]
    kept = anneal(parameters, KEPT[0], KEPT[1], a)
    values.append(max(0.0, math.log(kept / KEPT[2])) * 10)
    return np.array(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", type=float, default=A_MEASURED)
    args = parser.parse_args()
    start = np.array([107e3, math.log(3e19), 350e3, 100e-9])
    fit = least_squares(
        residuals,
        start,
        args=(args.a,),
        x_scale=[1e4, 1.0, 1e4, 1e-8],
        bounds=([5e4, 0.0, 1e5, 10e-9], [3e5, 150.0, 8e5, 1e-6]),
    )
    barrier, log_rate, loss_energy, size = fit.x
    print(f"suppression_energy = {barrier:.4g} J/mol")
    print(f"loss_prefactor = {math.exp(log_rate):.4g} 1/s, loss_energy = {loss_energy:.4g} J/mol")
    print(f"critical_size = {size:.4g} m (size_exponent {EXPONENT:g})")
    for temperature, duration, target in [*TARGETS, KEPT]:
        d = anneal(fit.x, temperature, duration, args.a)
        hours = duration / HOUR
        print(f"  {temperature:.0f} K, {hours:g} h: {d * 1e9:.2f} nm (seed {target * 1e9:g})")
    print(f"  s(1, 723 K) = {math.exp(-barrier / (GAS_CONSTANT * 723.0)):.3g}")


if __name__ == "__main__":
    main()
