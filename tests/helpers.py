"""Small configs for tests of the run loop, the store and the CLI."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

BASE: dict[str, Any] = {
    "name": "small",
    "seed": 7,
    "backend": "numpy",
    "precision": "float64",
    "grid": {"shape": [32, 32], "spacing": 1.0},
    "time": {"dt": 0.5, "end": 20.0},
    "output": {"every": 5.0},
    "model": {
        "kind": "cahn_hilliard",
        "mobility": 5.0,
        "kappa": 2.0,
        "free_energy": {"kind": "double_well", "height": 5.0, "c_alpha": 0.3, "c_beta": 0.7},
    },
    "initial": {"c": {"kind": "uniform", "value": 0.5, "noise": 0.02}},
}


def config(**changes: Any) -> dict[str, Any]:
    """BASE with top-level sections updated (dicts merged one level deep)."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def write_config(folder: Path, data: dict[str, Any], name: str = "run.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
