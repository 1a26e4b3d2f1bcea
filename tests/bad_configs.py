"""Bad configs shared by the tests, each with the start of the line that must name it.

The config tests check that `load_config` names the key, the run tests that `run` exits 2, and
`test_validation` that `validate` and `run` refuse every one of them alike, with the same message.
"""

from __future__ import annotations

from typing import Any

from .helpers import AL_MG_BASE, config, grain_config, merged

# Changes to helpers.BASE (a Cahn-Hilliard run).
CONFIG_CHANGES: list[tuple[dict[str, Any], str]] = [
    ({"time": {"dt": -0.5}}, "time.dt: must be greater than 0"),
    ({"time": {"dt": "fast"}}, "time.dt: must be a valid number"),
    ({"grid": {"spacing": -1.0}}, "grid.spacing: must be greater than 0"),
    ({"grid": {"shape": []}}, "grid.shape: must have 1, 2 or 3 entries, not 0"),
    ({"grid": {"shape": [4, 4, 4, 4]}}, "grid.shape: must have 1, 2 or 3 entries, not 4"),
    ({"grid": {"shape": [0, 8]}}, "grid.shape[0]: must be greater than 0"),
    ({"grid": {"shape": [8, 8], "spacing": [1.0, 1.0, 1.0]}}, "grid: spacing has 3 entries"),
    ({"grid": {"shape": [8, 8], "spacnig": 1.0}}, "grid.spacnig: unknown key"),
    ({"time": {"dt": 0.5, "ned": 20.0}}, "time.ned: unknown key; did you mean 'end'?"),
    (
        {"grid": {"shape": [32, 32], "spacing": "1 nm"}},
        "grid.spacing: '1 nm' has a unit, but cahn_hilliard takes plain numbers",
    ),
    ({"colour": "blue"}, "colour: unknown key"),
    ({"precision": "float16"}, "precision: must be 'auto', 'float32' or 'float64'"),
    ({"backend": "torch"}, "backend: must be 'auto', 'numpy' or 'cupy'"),
    ({"seed": -1}, "seed: must be at least 0"),
    (
        {"grid": {"shape": [32, 32], "regrid": {"times": [1.0]}}},
        "grid.regrid: cahn_hilliard cannot regrid (only models with grains",
    ),
    (
        {"grid": {"shape": [32, 32], "tile": {"grains": 100}}},
        "grid.tile: cahn_hilliard has no grains to keep; remove grid.tile",
    ),
    ({"name": "a b"}, "name: 'a b' is not a usable name"),
    ({"time": {"dt": 0.5, "end": 10, "steps": 4}}, "time: give exactly one of end and steps"),
    ({"time": {"dt": 0.5, "end": None}}, "time: give exactly one of end and steps"),
    ({"time": {"scheme": "rk4"}}, "time.scheme: must be 'imex_euler' or 'sbdf2'"),
    (
        {"time": {"dt": 0.5, "end": 10, "adaptive": {"tolerance": 1e-3}}},
        "time: adaptive needs scheme: sbdf2",
    ),
    (
        {"time": {"dt": 0.5, "end": 10, "scheme": "sbdf2", "adaptive": {"tolerance": 0}}},
        "time.adaptive.tolerance: must be greater than 0",
    ),
    (
        {
            "time": {
                "dt": 0.5,
                "end": 10,
                "scheme": "sbdf2",
                "adaptive": {"tolerance": 1e-3, "dt_min": 1.0, "dt_max": 0.1},
            }
        },
        "time.adaptive: dt_min (1) is above dt_max (0.1)",
    ),
    (
        {"output": {"every": 1.0, "every_steps": 3}},
        "output: give at most one of every, every_steps and times",
    ),
    (
        {"output": {"every": None, "times": [1.0, 0.5]}},
        "output.times: must be strictly increasing",
    ),
    (
        {"output": {"every": None, "times": [1.0, 50.0]}},
        "output.times: 50 is after time.end (20)",
    ),
    ({"output": {"fields": ["eta"]}}, "output.fields: eta is not a field of cahn_hilliard"),
    ({"model": {"kind": "phase_crystal"}}, "model.kind: unknown kind 'phase_crystal'"),
    ({"model": {"mobilty": 1.0}}, "model.mobilty: unknown key"),
    ({"model": {"kappa": 0}}, "model.kappa: must be greater than 0"),
    ({"model": {"stabilization": -1}}, "model.stabilization: must be 'auto'"),
    (
        {"model": {"mobility_form": "linear"}},
        "model.mobility_form: must be 'constant' or 'c(1-c)'",
    ),
    (
        {"model": {"mobility_stabilization": 2.0}},
        "model.mobility_stabilization: only used with",
    ),
    (
        {
            "model": {
                "free_energy": {
                    "kind": "double_well",
                    "height": 5,
                    "c_alpha": 0.7,
                    "c_beta": 0.3,
                }
            }
        },
        "model.free_energy: c_beta (0.3) must be greater than c_alpha (0.7)",
    ),
    (
        {
            "initial": {
                "c": {"kind": "uniform", "value": 0.5},
                "phi": {"kind": "uniform", "value": 0},
            }
        },
        "initial: phi is not a field of cahn_hilliard",
    ),
    ({"initial": {"c": {"kind": "uniform"}}}, "initial.c.value: required key is missing"),
    ({"initial": {"c": {"kind": "gaussian"}}}, "initial.c.kind: unknown kind 'gaussian'"),
    (
        {"initial": {"c": {"kind": "uniform", "value": 0.5, "noise": -1}}},
        "initial.c.noise: must be at least 0",
    ),
    (
        {"initial": {"c": {"kind": "expression", "expression": "__import__('os')"}}},
        "initial.c.expression: the function '__import__' is not allowed",
    ),
    (
        {"initial": {"c": {"kind": "expression", "expression": "0.5 + secret"}}},
        "initial.c.expression: the name 'secret' is not allowed",
    ),
    (
        {"initial": {"c": {"kind": "expression", "expression": "0.5 + z"}}},
        "initial.c.expression: z not defined on a 2-D grid",
    ),
    (
        {"initial": {"c": {"kind": "file", "path": "missing.npy"}}},
        "initial.c.path: no such file",
    ),
]

# Changes to helpers.grain_config(): sections "model" and "time" updated, others replaced.
GRAIN_CHANGES: list[tuple[dict[str, Any], str]] = [
    ({"model": {"order_parameters": 1}}, "model.order_parameters: must be at least 2"),
    (
        {"initial": {"grains": {"kind": "voronoi", "count": 500}}},
        "initial.grains.count: 500 grains do not fit",
    ),
    ({"model": {"gb_width": 1.5}}, "model.gb_width: 1.5 is under 2 grid spacings"),
    ({"model": {"gb_energy": -1}}, "model.gb_energy: must be greater than 0"),
    (
        {"initial": {"c": {"kind": "uniform", "value": 0.5}}},
        "initial: grain_growth starts from",
    ),
    ({"model": {"remap": {"buffer": 0}}}, "model.remap.buffer: must be greater than 0"),
    (
        {"time": {"scheme": "sbdf2", "adaptive": {"tolerance": 1e-3}}},
        "time.adaptive: not for grain_growth",
    ),
    (
        {"grid": {"shape": [96, 96], "regrid": {"widths": 1.0}}},
        "grid.regrid: widths: 1 would regrid before a grain is one interface width across",
    ),
    (
        {"grid": {"shape": [96, 96], "regrid": {"widths": 20, "times": [5.0]}}},
        "grid.regrid: give exactly one of widths and times",
    ),
    (
        {"grid": {"shape": [96, 96], "regrid": {"widths": 20, "max": 4}}},
        "grid.regrid.max: 4 regrid(s) halve the grid 4 time(s), but [96, 96] cells cannot",
    ),
    (
        {"grid": {"shape": [97, 96], "regrid": {"times": [5.0]}}},
        "grid.regrid.times: 1 regrid(s) halve the grid 1 time(s), but [97, 96] cells cannot",
    ),
    (
        {"grid": {"shape": [96, 96], "regrid": {"times": [5.0, 50.0]}}},
        "grid.regrid.times: 50 is after time.end (40)",
    ),
    (
        {"grid": {"shape": [96, 96], "tile": {"grains": 5}}},
        "grid.tile.grains: 5 grains are too few for statistics to keep; give at least 10",
    ),
]

# Changes to the model section of helpers.AL_MG_BASE.
AL_MG_MODEL_CHANGES: list[tuple[dict[str, Any], str]] = [
    ({"material": "al_zn"}, "model.material: unknown material 'al_zn'"),
    ({"temperature": -5.0}, "model.temperature: temperatures must be above 0 K"),
    ({"temperature": 1500.0}, "model.temperature: 1500 K is outside the material's data"),
    (
        {"temperature": {"schedule": [[0, 300], [600, 523], [500, 523]]}},
        "model.temperature.schedule: times must be strictly increasing",
    ),
    ({"composition": {"wt_percent": 115.0}}, "model.composition: wt_percent must be"),
    ({"composition": {"mole_fraction": -0.1}}, "model.composition: mole_fraction must be"),
    ({"order_parameters": 1}, "model.order_parameters: must be at least 2"),
    ({"gb_width": "6 h"}, "model.gb_width: '6 h' is a time, a length is needed"),
    ({"temperature": "450 degX"}, "model.temperature: '450 degX': unknown unit"),
    ({"temperature": "inf K"}, "model.temperature: 'inf K' is not a finite number"),
    ({"temperature": "1000 degC"}, "model.temperature: 1273.15 K is outside the material's data"),
    ({"nucleation": {"radiuss": 1e-9}}, "model.nucleation.radiuss: unknown key; did you mean"),
    ({"nucleation": {"classes": 0}}, "model.nucleation.classes: must be at least 1"),
    ({"nucleation": {"contact_angle": 0}}, "model.nucleation.contact_angle: must lie between 0"),
    ({"nucleation": {"contact_angle": 180}}, "model.nucleation.contact_angle: must lie between"),
    ({"nucleation": {"contact_angle": -20}}, "model.nucleation.contact_angle: must lie between"),
    ({"nucleation": {"incubation": "yes"}}, "model.nucleation.incubation:"),
    ({"nucleation": {"incubation": 1}}, "model.nucleation.incubation:"),
]


def grain_case(change: dict[str, Any]) -> dict[str, Any]:
    """helpers.grain_config() with ``change`` applied as GRAIN_CHANGES describes."""
    data = grain_config()
    for key, value in change.items():
        if key in ("model", "time"):
            data[key].update(value)
        else:
            data[key] = value
    return data


def al_mg_case(change: dict[str, Any]) -> dict[str, Any]:
    """helpers.AL_MG_BASE with its model section updated by ``change``."""
    return merged(AL_MG_BASE, model={**AL_MG_BASE["model"], **change})


def every_bad_config() -> list[tuple[dict[str, Any], str]]:
    """Every bad config above, complete, with the start of the line that must name it."""
    return (
        [(config(**change), expected) for change, expected in CONFIG_CHANGES]
        + [(grain_case(change), expected) for change, expected in GRAIN_CHANGES]
        + [(al_mg_case(change), expected) for change, expected in AL_MG_MODEL_CHANGES]
    )
