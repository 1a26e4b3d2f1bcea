"""Estimate of the boundary mobility of Al-15 wt% Mg (materials/al_mg.yaml:
kinetics.boundary_mobility) from Cahn's solute drag, with no observation of the seed.

No mobility of Al–Mg boundaries with solute drag has been measured over 473–773 K
(../shared/MODELLING.md). With 16 at% Mg in solution the boundaries move as fast as they can
drag their Mg along (Cahn, Acta Metall. 10, 789 (1962), doi:10.1016/0001-6160(62)90092-5). In the
low-velocity limit the drag pressure is α c∞ v with

.. math:: \\alpha = 4 N_v k T \\int \\frac{\\sinh^2(E(x)/2kT)}{D(x)}\\,dx
          = \\frac{4 k T\\,\\delta\\,\\sinh^2(E_0/2kT)}{\\Omega\\,D},

for a well of depth E0 and width δ in which Mg diffuses across the boundary with D, so

.. math:: M = \\frac{V_m D}{4 R T\\,\\delta\\,x_0\\,\\sinh^2(E_0/2RT)}

(per mole: Ω/kT = V_m/RT). The intrinsic (Turnbull) mobility of the boundary is orders of
magnitude larger, so the drag sets M. Inputs, none of them from the seed's anneals:

- D: Mg in the α lattice (Du et al. 2003, the material file), the slow path across the boundary;
- δ = 0.5 nm (the material file's boundary thickness), V_m of α (the material file);
- x0 = 0.164, the Mg mole fraction of Al-15 wt% Mg (the material file's molar masses);
- E0: the elastic (size-misfit) energy a Mg atom gives up at a boundary site, McLean's estimate
  E = 24π K G r0 r1 (r1 − r0)² / (3 K r1 + 4 G r0) (McLean, Grain Boundaries in Metals,
  Clarendon Press, Oxford 1957, ch. 5), with the shear modulus of Al G = 25.4 GPa (Frost &
  Ashby, Deformation-Mechanism Maps, Pergamon 1982, table 4.1), the bulk modulus of Mg
  K = 35.4 GPa (Kittel, Introduction to Solid State Physics, 8th ed., Wiley 2005, ch. 3,
  table 3), and the 12-coordinated metallic radii r0 = 0.143 nm (Al), r1 = 0.160 nm (Mg)
  (Pauling, The Nature of the Chemical Bond, 3rd ed., Cornell 1960): E0 = 8.6 kJ/mol
  (0.089 eV).

M(T) is not exactly Arrhenius (the sinh² and 1/T); the material file's M0, Q are the least-squares
Arrhenius law of ln M over 473–760 K (within 2 % of M there, 6 % at 373 K). The estimate is good to
a factor of a few (E0 within ±30 % moves M at 723 K by a factor 1.7); what the model then predicts
for NG-50 (grain growth, the NG-50/SC-8 diffusivity ratio) is a prediction, matched or not.

Run: python materials/fits/boundary_mobility.py
"""

from __future__ import annotations

import math

import numpy as np

from phasefield.materials import AVOGADRO, GAS_CONSTANT, load_material

SHEAR_MODULUS_AL = 25.4e9  # Pa, Frost & Ashby 1982, table 4.1
BULK_MODULUS_MG = 35.4e9  # Pa, Kittel 2005, ch. 3, table 3
RADIUS_AL, RADIUS_MG = 0.143e-9, 0.160e-9  # m, Pauling 1960 (CN 12)
ALLOY_WT = 15.0  # wt% Mg (the seed's alloy)
RANGE = (473.0, 760.0)  # K, the anneals the law is fitted over


def misfit_energy() -> float:
    """McLean's elastic segregation energy of Mg in Al, J/mol."""
    k, g, r0, r1 = BULK_MODULUS_MG, SHEAR_MODULUS_AL, RADIUS_AL, RADIUS_MG
    per_atom = 24 * math.pi * k * g * r0 * r1 * (r1 - r0) ** 2 / (3 * k * r1 + 4 * g * r0)
    return per_atom * AVOGADRO


def drag_mobility(temperature: float | np.ndarray) -> float | np.ndarray:
    """Cahn's low-velocity solute-drag mobility M(T), m^4/(J s)."""
    material = load_material("al_mg")
    masses = material.molar_mass
    mg = ALLOY_WT / masses.Mg.at(300.0)
    x0 = mg / (mg + (100.0 - ALLOY_WT) / masses.Al.at(300.0))
    lattice = material.kinetics.lattice_diffusion
    d0, q = lattice.prefactor.at(300.0), lattice.activation_energy.at(300.0)
    delta = material.kinetics.boundary_thickness.at(300.0)
    molar_volume = material.structure.molar_volume_alpha.at(300.0)
    rt = GAS_CONSTANT * np.asarray(temperature)
    diffusivity = d0 * np.exp(-q / rt)
    return (
        molar_volume
        * diffusivity
        / (4 * rt * delta * x0 * np.sinh(misfit_energy() / (2 * rt)) ** 2)
    )


def arrhenius() -> tuple[float, float]:
    """M0 (m^4/(J s)) and Q (J/mol) of the least-squares Arrhenius law of M over RANGE."""
    temperatures = np.linspace(*RANGE, 200)
    slope, intercept = np.polyfit(1 / temperatures, np.log(drag_mobility(temperatures)), 1)
    return math.exp(intercept), -slope * GAS_CONSTANT


def main() -> None:
    prefactor, energy = arrhenius()
    print(
        f"E0 = {misfit_energy():.4g} J/mol ({misfit_energy() / AVOGADRO / 1.602176634e-19:.3f} eV)"
    )
    print(
        f"Arrhenius over {RANGE[0]:.0f}-{RANGE[1]:.0f} K: M0 = {prefactor:.4g} m^4/(J s), "
        f"Q = {energy:.5g} J/mol"
    )
    for temperature in (373.0, 483.0, 523.0, 673.0, 723.0, 760.0):
        cahn = float(drag_mobility(temperature))
        law = prefactor * math.exp(-energy / (GAS_CONSTANT * temperature))
        print(
            f"  {temperature:.0f} K: Cahn {cahn:.4g}, Arrhenius {law:.4g} ({law / cahn - 1:+.1%})"
        )


if __name__ == "__main__":
    main()
