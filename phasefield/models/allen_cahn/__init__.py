"""``model: {kind: allen_cahn}``: Allen–Cahn in a tilted double well
(:mod:`~phasefield.models.allen_cahn.model`, keys in :mod:`~phasefield.models.allen_cahn.config`).

The smallest model, and the worked example of adding one: this package and one line in
:mod:`phasefield.models.registry`. Its flat front has an exact speed, which the tests check.
"""

from __future__ import annotations

from typing import Any

from ...initial import check_finite, field_values
from ..spec import ModelSpec, Start
from .config import AllenCahnConfig
from .model import AllenCahn

__all__ = ["SPEC", "AllenCahn", "AllenCahnConfig"]


def build(keys: AllenCahnConfig) -> AllenCahn:
    """The model of ``keys``; stabilisation ``auto`` is ``max|f''|/2``."""
    model = AllenCahn(keys.mobility, keys.kappa, keys.height, keys.tilt)
    if keys.stabilization == "auto":
        stabilization = model.max_curvature / 2
    else:
        stabilization = float(keys.stabilization)
    return AllenCahn(keys.mobility, keys.kappa, keys.height, keys.tilt, stabilization)


def initial(start: Start) -> dict[str, Any]:
    fields = {"phi": field_values("phi", start.initial["phi"], start.seed, start.grid)}
    check_finite(fields, start.backend)
    return fields


SPEC = ModelSpec(kind="allen_cahn", keys=AllenCahnConfig, build=build, initial=initial)
