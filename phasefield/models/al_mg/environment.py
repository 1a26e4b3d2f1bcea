"""What β nucleation and sub-grid growth see at one moment: the classical nucleation quantities
(:mod:`phasefield.thermo.nucleation`), the local Mg diffusivity, the α composition and β fraction
of every point, and the phases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...spectral import SpectralSpace
from ...state import State
from ...thermo.gibbs import Phases
from ...thermo.nucleation import NucleationSites, local_diffusivity, nucleation_sites

if TYPE_CHECKING:
    from .model import AlMg

__all__ = ["Environment", "precipitation_environment"]


@dataclass(frozen=True)
class Environment:
    """What β nucleation and sub-grid growth see at one moment (see
    :func:`precipitation_environment`)."""

    sites: NucleationSites
    diffusivity: Any
    c_alpha: Any
    h: Any
    phases: Phases
    sigma_p: float
    molar_volume_beta: float


def precipitation_environment(model: AlMg, state: State, space: SpectralSpace) -> Environment:
    """What β nucleation and sub-grid growth see now: the classical nucleation quantities,
    the local Mg diffusivity, the α composition and β fraction of every point (device
    arrays), and the phases."""
    fields = model.evaluate(state, space)
    boundary = space.scratch("al_mg.boundary")
    space.backend.evaluate(
        model.expressions["boundary"],
        boundary,
        {"S": fields["squares"], "Q": fields["quartics"]},
    )
    temperature = fields["temperature"]
    phases = model.phases(temperature)
    kinetics = model.kinetics(temperature)
    thickness = model.material.kinetics.boundary_thickness.at(temperature)
    sharp = model.material.kinetics.boundary_diffusion.at(temperature) / thickness
    schwarz = state.fields["f_schwarz"]
    parameters = model.nucleation_parameters()
    sites = nucleation_sites(
        phases,
        parameters,
        fields["c_alpha"],
        boundary,
        schwarz,
        fields["h"],
        kinetics.lattice_diffusivity,
        sharp,
        kinetics.suppression,
        space.xp,
    )
    diffusivity = local_diffusivity(
        boundary,
        schwarz,
        kinetics.lattice_diffusivity,
        sharp,
        kinetics.suppression,
        space.xp,
    )
    return Environment(
        sites=sites,
        diffusivity=diffusivity,
        c_alpha=fields["c_alpha"],
        h=fields["h"],
        phases=phases,
        sigma_p=model.sigma_p,
        molar_volume_beta=parameters.molar_volume_beta,
    )
