"""Models by kind, built from validated configs."""

from __future__ import annotations

from ..config import RunConfig
from .base import KPolynomial, SpectralModel
from .cahn_hilliard import CahnHilliard, DoubleWell

__all__ = ["CahnHilliard", "DoubleWell", "KPolynomial", "SpectralModel", "build_model"]


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
    raise ValueError(f"unknown model kind {model.kind!r}")  # pragma: no cover
