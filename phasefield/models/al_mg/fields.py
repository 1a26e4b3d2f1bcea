"""The pointwise fields of the Al–Mg model's state, evaluated once per step into named scratch
buffers of the space: the sums of the grain order parameters, the β fraction ``h``, the KKS
phase compositions, the diffusion potential, the chemical driving force and weight, the
interface mobility ``L``, the Mg diffusivity ``D``, the transport coefficient ``M`` and the
capacity ``χ`` (equations in :mod:`~phasefield.models.al_mg.model`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ...spectral import SpectralSpace
from ...state import State
from ...thermo.equilibrium import alpha_beta
from ...thermo.kks import partition
from .. import moelans

if TYPE_CHECKING:
    from .model import AlMg

__all__ = ["BULK_WEIGHT", "local_fields"]

#: Weight keeping the mobility of bulk regions at the grain-boundary value.
BULK_WEIGHT = 1e-6


def local_fields(model: AlMg, state: State, space: SpectralSpace) -> dict[str, Any]:
    """Every pointwise quantity of the current state, in the space's scratch buffers:
    ``squares`` (Σ η²), ``h``, ``c_alpha``, ``c_beta``, ``potential`` (μ, J/m³), ``weight``
    (the chemical term's factor), ``mobility`` (L), ``diffusivity`` (D), ``transport`` (M),
    and the scalars ``mobility_max``, ``temperature``."""
    backend = space.backend
    temperature = model.temperature(state.time)
    phases = model.phases(temperature)
    kinetics = model.kinetics(temperature)
    eta, phi, c = state.fields["eta"], state.fields["phi"], state.fields["c"]
    schwarz = state.fields["f_schwarz"]
    names = (
        "squares",
        "quartics",
        "h",
        "c_alpha",
        "c_beta",
        "potential",
        "driving",
        "weight",
        "mobility",
        "diffusivity",
        "transport",
        "capacity",
    )
    out = {name: space.scratch(f"al_mg.{name}") for name in names}
    backend.stack_sums(eta, out["squares"], out["quartics"])
    e = model.expressions
    backend.evaluate(e["h"], out["h"], {"f": phi, "S": out["squares"]})
    x_equilibrium = alpha_beta(phases, 0.0).x_alpha
    partition(
        phases,
        c,
        out["h"],
        out["c_alpha"],
        out["c_beta"],
        x_equilibrium,
        backend,
    )
    alpha, beta = phases.alpha, phases.beta
    chemistry = {
        "ga": alpha.g_al,
        "gm": alpha.g_mg,
        "rt": alpha.rt,
        **{f"l{k}": value for k, value in enumerate(alpha.interactions)},
    }
    line = {"g0": beta.g0, "x0": beta.x0, "kb": beta.stiffness, "sl": beta.slope}
    vm = model.molar_volume
    backend.evaluate(
        e["driving"],
        out["driving"],
        {"x": out["c_alpha"], "xb": out["c_beta"], "vm": vm, **chemistry, **line},
    )
    backend.evaluate(
        e["weight"], out["weight"], {"dv": out["driving"], "f": phi, "S": out["squares"]}
    )
    backend.evaluate(e["potential"], out["potential"], {"x": out["c_alpha"], "vm": vm, **chemistry})
    rates = {
        "lg": moelans.kinetic_coefficient(kinetics.boundary_mobility, model.gb_width),
        "lp": kinetics.lattice_diffusivity / (model.interface_kinetics * model.kappa),
        "q": kinetics.suppression,
        "eps": BULK_WEIGHT,
    }
    backend.evaluate(
        e["mobility"],
        out["mobility"],
        {"S": out["squares"], "Q": out["quartics"], "f": phi, "w": schwarz, **rates},
    )
    backend.evaluate(
        e["diffusivity"],
        out["diffusivity"],
        {
            "S": out["squares"],
            "Q": out["quartics"],
            "h": out["h"],
            "w": schwarz,
            "q": kinetics.suppression,
            "dl": kinetics.lattice_diffusivity,
            "db": kinetics.boundary_diffusivity,
            "dp": kinetics.beta_diffusivity,
        },
    )
    backend.evaluate(
        e["transport"],
        out["transport"],
        {
            "x": out["c_alpha"],
            "h": out["h"],
            "d": out["diffusivity"],
            "vm": vm,
            "kb": beta.stiffness,
            **chemistry,
        },
    )
    backend.evaluate(
        e["capacity"],
        out["capacity"],
        {"x": out["c_alpha"], "h": out["h"], "vm": vm, "kb": beta.stiffness, **chemistry},
    )
    fields: dict[str, Any] = dict(out)
    fields["mobility_max"] = backend.maximum(out["mobility"])
    relaxation = space.scratch("al_mg.relaxation")
    backend.evaluate(
        e["relaxation"],
        relaxation,
        {
            "L": out["mobility"],
            "dv": out["driving"],
            "m": model.m,
            "f": phi,
            "S": out["squares"],
        },
    )
    fields["relaxation_max"] = backend.maximum(relaxation)
    if _has_boundaries(eta, space):
        # boundaries relax at the boundary mobility even where a sharp start shows none yet
        least = -backend.maximum(-schwarz)
        boundary_rate = model.m * rates["lg"] * math.exp(-least * kinetics.suppression)
        fields["relaxation_max"] = max(fields["relaxation_max"], boundary_rate)
    fields["temperature"] = temperature
    return fields


def _has_boundaries(eta: Any, space: SpectralSpace) -> bool:
    """Whether two or more order parameters hold a grain (some value above 1/2)."""
    xp = space.xp
    tops = space.backend.to_host(xp.max(eta.reshape(eta.shape[0], -1), axis=1))
    return int(np.count_nonzero(tops > 0.5)) >= 2
