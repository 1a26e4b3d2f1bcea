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


AL_MG_BASE: dict[str, Any] = {
    "name": "almg",
    "seed": 5,
    "backend": "numpy",
    "grid": {"shape": [48, 48], "spacing": 2e-9},
    "time": {"dt": 0.0025, "end": 0.2},  # 80 steps: nucleation events every 10
    "output": {"every": 0.1},
    "model": {
        "kind": "al_mg",
        "composition": {"wt_percent": 15.0},
        "temperature": 523.0,
        "order_parameters": 6,
        "gb_width": 6e-9,
        "time_step": {"safety": 0.4},
    },
    "initial": {"grains": {"kind": "voronoi", "count": 6}},
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


def grain_config(**model: Any) -> dict[str, Any]:
    """A small grain-growth run (96^2, 8 order parameters, 25 Voronoi grains).

    ``model`` updates its model section.
    """
    return {
        "name": "gg",
        "seed": 3,
        "backend": "numpy",
        "grid": {"shape": [96, 96]},
        "time": {"dt": 1.0, "end": 40.0},
        "output": {"every": 10.0},
        "model": {
            "kind": "grain_growth",
            "order_parameters": 8,
            "gb_energy": 1.0,
            "gb_width": 4.0,
            "gb_mobility": 1.0,
            **model,
        },
        "initial": {"grains": {"kind": "voronoi", "count": 25}},
    }


def regrid_config() -> dict[str, Any]:
    """A small grain-growth run that regrids (64^2 to 32^2 at t = 20, 5 grains): saves at
    t = 0, 10, 20 on the fine grid (spacing 1) and t = 30 on the coarse one (spacing 2)."""
    return merged(
        grain_config(),
        grid={"shape": [64, 64], "regrid": {"times": [20.0]}},
        time={"dt": 1.0, "end": 30.0},
        initial={"grains": {"kind": "voronoi", "count": 5}},
    )


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


def resumed_across_a_new_grid(
    data: dict[str, Any], folder: Path, monkeypatch: Any, step: int, key: str
) -> list[Any]:
    """Run ``data`` (a run that regrids or tiles once: ``key`` is ``regrids`` or ``tilings``)
    through, and interrupted after ``step`` (past the change) then resumed; check both stores
    hold the same saves bit for bit, on every grid. Returns the reference's grids."""
    import phasefield as pf

    reference, partial, resumed = interrupt_then_resume(data, folder, monkeypatch, step)
    assert reference.attrs[key] == 1
    assert int(partial["grid"].max()) == 1  # the interrupt came after the change
    assert_identical_stores(reference, resumed)
    first = pf.open_grids(folder / "reference.zarr")
    second = pf.open_grids(folder / "resumed.zarr")
    for a, b in zip(first, second, strict=True):
        assert_identical_stores(a, b)
    return first


def assert_identical_stores(first: Any, second: Any) -> None:
    """Two stores hold the same variables with bit-identical values."""
    import numpy as np

    assert set(first.variables) == set(second.variables)
    for name in first.variables:
        a, b = first[name].values, second[name].values
        assert a.shape == b.shape, name
        assert np.array_equal(a, b), f"{name} differs"


def cli_command(*args: Any) -> list[str]:
    """The command line of ``phasefield ARGS`` in a new interpreter (for runs to kill)."""
    import sys

    return [sys.executable, "-m", "phasefield", *map(str, args)]


def killable_run(folder: Path, every: float, checkpoint_steps: int) -> tuple[Path, Any]:
    """A CLI run of a few seconds (96^2 Cahn-Hilliard to t = 150 in steps of 0.25) saving every
    ``every`` and checkpointing every ``checkpoint_steps`` steps, for tests that kill it: its
    config file, and its uninterrupted result (run once through the CLI)."""
    import subprocess

    import phasefield as pf

    data = config(
        grid={"shape": [96, 96]},
        time={"dt": 0.25, "end": 150.0},
        output={"every": every},
        checkpoint={"every_steps": checkpoint_steps},
    )
    path = write_config(folder, data)
    reference = folder / "reference.zarr"
    subprocess.run(cli_command("run", path, "--out", reference, "--quiet"), check=True)
    return path, pf.open_run(reference)


def committed_saves(out: Path) -> int:
    """How many saves the store at ``out`` shows (0 before it exists or while it is created)."""
    import phasefield as pf

    try:
        return int(pf.open_run(out).sizes.get("t", 0))
    except Exception:  # not created yet
        return 0
