"""What ``phasefield validate`` says of an Al–Mg run: the alloy's equilibria and, at each
temperature of the programme, its kinetics and the steps they allow."""

from __future__ import annotations

from ...thermo.equilibrium import alpha_beta, beta_solvus_temperature, solidus_temperature
from .. import moelans
from .build import build
from .config import AlMgConfig
from .model import AlMg

__all__ = ["describe"]


def describe(keys: AlMgConfig, dt: float, spacing: tuple[float, ...]) -> list[str]:
    """The alloy (composition, β solvus, solidus) and, per temperature, the equilibrium, the
    lattice diffusivity and the boundary relaxation time with and without Schwarz structure."""
    model: AlMg = build(keys)
    x_alloy = keys.mole_fraction()
    wt = float(model.composition.weight_percent(x_alloy))
    solvus = beta_solvus_temperature(model.thermo, x_alloy)
    solidus = solidus_temperature(model.thermo, x_alloy)
    lines = [
        f"alloy: {wt:.3g} wt% Mg (Mg mole fraction {x_alloy:.4f}); beta solvus "
        + (f"{solvus:.0f} K" if solvus else "none in range")
        + ", solidus "
        + (f"{solidus:.0f} K" if solidus else "none in range")
    ]
    for temperature in sorted(set(model.programme.temperatures)):
        phases = model.phases(temperature)
        equilibrium = alpha_beta(phases, x_alloy)
        kinetics = model.kinetics(temperature)
        tau = moelans.relaxation_time(model.gb_width, kinetics.boundary_mobility, model.sigma_gb)
        slowed = model.safety * tau / model.suppression_factor(1, temperature)
        alpha_wt = float(model.composition.weight_percent(equilibrium.x_alpha))
        fraction = equilibrium.beta_fraction
        state = (
            f"equilibrium beta fraction {fraction:.3f}, alpha {alpha_wt:.2f} wt%"
            if fraction > 0
            else f"single alpha (the beta solvus is at {alpha_wt:.2f} wt%)"
        )
        lines.append(
            f"{temperature:g} K: {state}; D_lattice {kinetics.lattice_diffusivity:.3g} m^2/s; "
            f"boundary relaxation {tau:.3g} s (steps <= {model.safety * tau:.3g} s without "
            f"Schwarz structure, {slowed:.3g} s with it)"
        )
    return lines
