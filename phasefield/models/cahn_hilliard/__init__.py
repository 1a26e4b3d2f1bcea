"""``model: {kind: cahn_hilliard}``: Cahn–Hilliard with a double-well free energy
(:mod:`~phasefield.models.cahn_hilliard.model`, keys in
:mod:`~phasefield.models.cahn_hilliard.config`)."""

from __future__ import annotations

from typing import Any

from ...initial import check_finite, field_values
from ..spec import ModelSpec, Start
from .config import CahnHilliardConfig, DoubleWellConfig
from .model import CahnHilliard, DoubleWell

__all__ = ["SPEC", "CahnHilliard", "CahnHilliardConfig", "DoubleWell", "DoubleWellConfig"]


def build(keys: CahnHilliardConfig) -> CahnHilliard:
    """The model of ``keys``, with the stabilisations resolved: ``auto`` is ``max|f''|/2``
    (energy-stable for any step) and ``M0/4`` (the largest mobility) for ``c(1-c)``."""
    well = DoubleWell(keys.free_energy.height, keys.free_energy.c_alpha, keys.free_energy.c_beta)
    stabilization = (
        well.max_curvature / 2 if keys.stabilization == "auto" else float(keys.stabilization)
    )
    mobility_stabilization = (
        keys.mobility / 4
        if keys.mobility_stabilization == "auto"
        else float(keys.mobility_stabilization)
    )
    return CahnHilliard(
        mobility=keys.mobility,
        kappa=keys.kappa,
        free_energy=well,
        mobility_form=keys.mobility_form,
        stabilization=stabilization,
        mobility_stabilization=mobility_stabilization if keys.mobility_form != "constant" else 0.0,
    )


def initial(start: Start) -> dict[str, Any]:
    fields = {
        name: field_values(name, start.initial[name], start.seed, start.grid)
        for name in CahnHilliardConfig.fields
    }
    check_finite(fields, start.backend)
    return fields


SPEC = ModelSpec(kind="cahn_hilliard", keys=CahnHilliardConfig, build=build, initial=initial)
