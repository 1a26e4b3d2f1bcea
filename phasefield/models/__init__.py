"""Models by kind, built from validated configs."""

from __future__ import annotations

from ..config import RunConfig
from .al_mg import AlMg
from .base import KPolynomial, SpectralModel
from .cahn_hilliard import CahnHilliard, DoubleWell
from .grain_growth import GrainGrowth

__all__ = [
    "AlMg",
    "CahnHilliard",
    "DoubleWell",
    "GrainGrowth",
    "KPolynomial",
    "SpectralModel",
    "build_model",
]


def build_model(config: RunConfig) -> SpectralModel:
    """The model a config describes, with every ``auto`` resolved to a number."""
    model = config.model
    if model.kind == "cahn_hilliard":
        well = DoubleWell(
            model.free_energy.height, model.free_energy.c_alpha, model.free_energy.c_beta
        )
        stabilization = (
            well.max_curvature / 2 if model.stabilization == "auto" else float(model.stabilization)
        )
        mobility_stabilization = (
            model.mobility / 4
            if model.mobility_stabilization == "auto"
            else float(model.mobility_stabilization)
        )
        return CahnHilliard(
            mobility=model.mobility,
            kappa=model.kappa,
            free_energy=well,
            mobility_form=model.mobility_form,
            stabilization=stabilization,
            mobility_stabilization=mobility_stabilization
            if model.mobility_form != "constant"
            else 0.0,
        )
    if model.kind == "grain_growth":
        m = 6.0 * model.gb_energy / model.gb_width
        return GrainGrowth(
            order_parameters=model.order_parameters,
            gb_energy=model.gb_energy,
            gb_width=model.gb_width,
            gb_mobility=model.gb_mobility,
            stabilization=m if model.stabilization == "auto" else float(model.stabilization) * m,
        )
    if model.kind == "al_mg":
        return AlMg(
            order_parameters=model.order_parameters,
            material=model.load_material(),
            programme=model.programme(),
            gb_width=model.gb_width,
            stabilization=model.stabilization,
            interface_kinetics=model.interface_kinetics,
            safety=model.time_step.safety,
            max_temperature_change=model.time_step.max_temperature_change,
            precipitate_interface=model.precipitate_interface,
        )
    raise ValueError(f"unknown model kind {model.kind!r}")  # pragma: no cover
