"""Run shipped configs (shortened) with the code of a given source tree, or compare the stores
two trees wrote: the behaviour check of a refactoring (CPU, float64).

    python benchmarks/compare_stores.py run SOURCE_TREE OUT_DIR
    python benchmarks/compare_stores.py compare BEFORE_DIR AFTER_DIR

``run`` imports ``phasefield`` from ``SOURCE_TREE`` (so an old checkout can write its stores
beside a new one's) and writes ``spinodal_2d``, ``grain_growth_2d`` (to t = 50, order
parameters stored), ``al_mg_sc8_723K`` (to 600 s), ``al_mg_ng50_523K`` (to 1 s: β
nucleates) and ``pfhub_bm1a`` (200² cells to t = 200: SBDF2 with step-size control) under
``OUT_DIR``. ``compare`` prints, per store and variable, whether the values are bit-identical
and otherwise the largest difference relative to the variable's largest magnitude.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

CASES = {
    "spinodal_2d": ("runs/spinodal_2d.yaml", {}),
    "grain_growth_2d": (
        "runs/grain_growth_2d.yaml",
        {"time": {"dt": 0.5625, "end": 50.0}, "output": {"times": [10, 20, 50]}},
    ),
    "al_mg_sc8_723K": (
        "runs/al_mg_sc8_723K.yaml",
        {"time": {"dt": 30.0, "end": 600.0}, "output": {"times": [60, 300, 600]}},
    ),
    "al_mg_ng50_523K": (
        "runs/al_mg_ng50_523K.yaml",
        {"time": {"dt": 1.0, "end": 1.0}, "output": {"times": [0.1, 0.5, 1.0]}},
    ),
    "pfhub_bm1a": (
        "runs/pfhub_bm1a.yaml",
        # on the benchmark's 200² cells (the config's 800² makes it 16 times dearer)
        {
            "grid": {"shape": [200, 200], "spacing": 1.0},
            "time": {"end": 200.0},
            "output": {"times": [1, 10, 100, 200]},
        },
    ),
}


def run(source: Path, out: Path) -> None:
    sys.path.insert(0, str(source))
    import yaml

    import phasefield as pf

    print(f"phasefield from {Path(pf.__file__).parent}")
    for name, (path, changes) in CASES.items():
        config_path = source / path
        data = yaml.safe_load(config_path.read_text())
        for key, value in changes.items():
            data[key] = {**data.get(key, {}), **value}
        data["backend"], data["precision"] = "numpy", "float64"
        data["output"].pop("fields", None)  # every field
        config = pf.load_config(data, base_dir=config_path.parent)
        pf.run(config, out=out / f"{name}.zarr", overwrite=True, progress=False)
        print(f"wrote {out / name}.zarr")


def compare(before: Path, after: Path) -> int:
    import xarray as xr

    worst = 0.0
    for name in CASES:
        old = xr.open_zarr(before / f"{name}.zarr", consolidated=False)
        new = xr.open_zarr(after / f"{name}.zarr", consolidated=False)
        names = sorted(set(old.variables) | set(new.variables))
        print(f"{name}: {old.sizes.get('t')} saves")
        for variable in names:
            if variable not in old.variables or variable not in new.variables:
                print(f"  {variable:28s} only in {'after' if variable in new else 'before'}")
                worst = np.inf
                continue
            after_variable = new[variable]
            if set(after_variable.dims) == set(old[variable].dims):  # a layout change of dims
                after_variable = after_variable.transpose(*old[variable].dims)
            a, b = np.asarray(old[variable].values), np.asarray(after_variable.values)
            if a.shape != b.shape:
                print(f"  {variable:28s} shapes differ {a.shape} vs {b.shape}")
                worst = np.inf
                continue
            if a.dtype.kind not in "fc" or np.array_equal(a, b, equal_nan=True):
                same = np.array_equal(a, b)
                print(f"  {variable:28s} {'bit-identical' if same else 'DIFFERENT'}")
                worst = max(worst, 0.0 if same else np.inf)
                continue
            scale = float(np.nanmax(np.abs(a))) or 1.0
            relative = float(np.nanmax(np.abs(a - b))) / scale
            worst = max(worst, relative)
            print(f"  {variable:28s} max relative difference {relative:.3g}")
    print(f"largest relative difference: {worst:.3g}")
    return 0 if worst <= 1e-12 else 1


if __name__ == "__main__":
    command, first, second = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if command == "run":
        run(first.resolve(), second.resolve())
    else:
        sys.exit(compare(first, second))
