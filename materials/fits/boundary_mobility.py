"""Fit of the boundary-mobility prefactor (materials/al_mg.yaml: kinetics.boundary_mobility).

No mobility of Al-15 wt% Mg boundaries has been measured over 473–773 K (../shared/MODELLING.md).
Its activation energy is taken as that of Mg diffusion (solute drag, Cahn 1962); its prefactor
is fitted to one number of the seed:

Target: the apparent across-boundary diffusivity of NG-50 at 723 K, 7.7e-13 m²/s (Xu et al.
2021), which the seed derives from the grain growth of 1 h. Read with the relation that gives
both of the seed's diffusivities from their grain sizes with one constant (MODELLING.md),
D_app = C (d² − d0²)/t with C = 1.5e-20 / ((12 nm)² − (8 nm)²)/3600 s = 0.675, it is a growth
rate (d² − d0²)/t = 1.14e-12 m²/s.

Method: normal grain growth in this solver's multi-order-parameter model obeys
d<d>²/dt = a μσ, with <d> the mean equivalent-circle diameter; a is measured here from a 2-D run
of 1200 grains (the late, self-similar half), then μ(723 K) = rate / (a σ_gb) and
M0 = μ(723 K) exp(Q/(R 723 K)).

Run: python materials/fits/boundary_mobility.py [--a A]   (the measurement takes a few minutes)
"""

from __future__ import annotations

import argparse
import math
import tempfile

import numpy as np

import phasefield as pf
from phasefield.materials import GAS_CONSTANT, load_material

SEED_DAPP_SC8, SC8_FROM, SC8_TO = 1.5e-20, 8e-9, 12e-9  # m²/s, m, m (723 K, 1 h)
SEED_DAPP_NG50 = 7.7e-13  # m²/s (723 K, 1 h)
HOUR = 3600.0


def growth_constant() -> float:
    """``a`` in d<d>²/dt = a μσ, from a 2-D run in the model's units (μ = σ = 1)."""
    config = {
        "name": "growth-constant",
        "seed": 11,
        "backend": "numpy",
        "grid": {"shape": [512, 512]},
        "time": {"dt": 0.5625, "end": 800.0},
        "output": {"times": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0]},
        "model": {
            "kind": "grain_growth",
            "order_parameters": 10,
            "gb_energy": 1.0,
            "gb_width": 3.0,
            "gb_mobility": 1.0,
        },
        "initial": {"grains": {"kind": "voronoi", "count": 1200}},
    }
    with tempfile.TemporaryDirectory() as folder:
        run = pf.run(config, out=f"{folder}/run.zarr", progress=False)
        times = run["t"].values
        diameters = run["mean_grain_size"].values
    late = times >= 400
    return float(np.polyfit(times[late], diameters[late] ** 2, 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", type=float, help="growth constant a, if already measured")
    args = parser.parse_args()
    constant = SEED_DAPP_SC8 / ((SC8_TO**2 - SC8_FROM**2) / HOUR)
    rate = SEED_DAPP_NG50 / constant
    a = args.a if args.a is not None else growth_constant()
    material = load_material("al_mg")
    sigma = material.interfaces.grain_boundary_energy.at(300.0)
    energy = material.kinetics.boundary_mobility.activation_energy.at(300.0)
    mobility_723 = rate / (a * sigma)
    prefactor = mobility_723 * math.exp(energy / (GAS_CONSTANT * 723.0))
    print(f"C = {constant:.4f}; NG-50 growth rate (d²-d0²)/t = {rate:.4g} m²/s")
    print(f"a = {a:.4f}; mu(723 K) = {mobility_723:.4g} m^4/(J s); prefactor = {prefactor:.4g}")


if __name__ == "__main__":
    main()
