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
    return merged(BASE, **changes)


def merged(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``base`` with top-level sections updated (dicts merged one level deep)."""
    data = copy.deepcopy(base)
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


def interrupt_then_resume(data: dict[str, Any], folder: Path, monkeypatch: Any, step: int) -> tuple:
    """Run ``data`` once through, and once interrupted (Ctrl-C) after ``step`` then resumed.

    Returns the uninterrupted store, the interrupted one as it was left, and the resumed one.
    """
    import pytest

    import phasefield as pf
    from phasefield.simulation.handlers import checkpointer

    reference = pf.run(data, out=folder / "reference.zarr")
    original = checkpointer.Checkpointer.after_step

    def interrupt(self: Any, run: Any) -> None:
        original(self, run)
        if run.state.step == step:
            raise KeyboardInterrupt

    monkeypatch.setattr(checkpointer.Checkpointer, "after_step", interrupt)
    with pytest.raises(KeyboardInterrupt):
        pf.run(data, out=folder / "resumed.zarr")
    monkeypatch.setattr(checkpointer.Checkpointer, "after_step", original)
    partial = pf.open_run(folder / "resumed.zarr")
    partial.load()
    return reference, partial, pf.run(data, out=folder / "resumed.zarr", resume=True)


def assert_identical_stores(first: Any, second: Any) -> None:
    """Two stores hold the same variables with bit-identical values."""
    import numpy as np

    assert set(first.variables) == set(second.variables)
    for name in first.variables:
        a, b = first[name].values, second[name].values
        assert a.shape == b.shape, name
        assert np.array_equal(a, b), f"{name} differs"
