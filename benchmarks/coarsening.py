"""Steps and wall time per doubling of the mean grain size, with and without regridding.

On a fixed grid the step is bound by the boundary relaxation time ℓ²/(8μσ) while the time to
double the grain size grows like d², so each doubling costs four times the steps of the one
before. With ``grid.regrid`` the width doubles with the spacing each time the grains have
reached 16 interface widths, the step grows fourfold with it, and each doubling
should cost the same steps (MODELLING.md: an anneal costs steps ∝ log(d_end/d_0)), on four
times fewer cells.

Cases (each in a fresh process): normal 2-D grain growth of the model's own units (σ = μ = 1,
ℓ = 3 cells, dt = τ/2, SBDF2, 10 order parameters) from a Voronoi start, with a save every
``--every`` steps (the regrid trigger is checked at saves). The al_mg model does not regrid
yet; its fixed-grid cost per doubling is not measured here (one doubling of NG-50 at 523 K is
about 10⁶ steps of a 128² grid, see MODELLING.md).

Doublings are counted from the first save whose mean diameter ``d0`` reaches ``--start`` (24
cells: 8 widths, the size grains have right after each regrid at 16 widths, so every doubling
spans one regrid): doubling ``k`` ends at the first save with ``d ≥ 2^k d0``. The regridded
run also tiles the box when fewer than 150 grains remain, so that it keeps enough grains over
three doublings (the cell count then returns to about where it started).

Usage: python benchmarks/coarsening.py [--size 512] [--grains 1300] [--end 34000]
       [--fixed-end 3000] [--every 25]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _cases import normal_growth, run_case


def _config(size: int, grains: int, end: float, every: int, regrid: bool) -> dict[str, Any]:
    data = normal_growth(size, grains, end)
    data["output"] = {"every_steps": every, "fields": []}
    if regrid:  # with tiling, so the box keeps enough grains over the doublings
        data["grid"]["regrid"] = {"widths": 16.0, "max": 3}
        data["grid"]["tile"] = {"grains": 150, "max": 2}
    return data


def case(size: int, grains: int, end: float, every: int, regrid: bool) -> dict[str, Any]:
    """One run; the wall time of each save is recorded as it is written."""
    import phasefield as pf
    from phasefield.simulation import writing as store

    walls: list[float] = []
    write = store.StoreWriter.write

    def timed(self: Any, save: Any) -> None:
        walls.append(time.perf_counter())
        write(self, save)

    store.StoreWriter.write = timed  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        data = _config(size, grains, end, every, regrid)
        dataset = pf.run(data, Path(folder) / "run.zarr", progress=False)
        return {
            "t": dataset.t.values.tolist(),
            "step": dataset.step.values.tolist(),
            "d": dataset.mean_grain_size.values.tolist(),
            "grains": dataset.grain_count.values.tolist(),
            "grid": dataset["grid"].values.tolist() if "grid" in dataset else None,
            "wall": [w - started for w in walls],
        }


def doublings(result: dict[str, Any], start: float) -> list[dict[str, float]]:
    """Steps, wall time and model time of each doubling of the mean diameter, counted from
    the first save with ``d ≥ start``."""
    t, step, d, wall = (np.asarray(result[key]) for key in ("t", "step", "d", "wall"))
    first = int(np.argmax(d >= start))
    rows = []
    start = first
    for k in range(1, 8):
        reached = np.flatnonzero((d >= d[first] * 2**k) & (np.arange(d.size) > start))
        if reached.size == 0:
            break
        end = int(reached[0])
        rows.append(
            {
                "doubling": k,
                "d": float(d[end]),
                "t": float(t[end]),
                "steps": int(step[end] - step[start]),
                "wall": float(wall[end] - wall[start]),
                "grains": int(result["grains"][end]),
            }
        )
        start = end
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", help="(internal) one case as JSON")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--grains", type=int, default=1300)
    parser.add_argument("--end", type=float, default=34000.0, help="model time with regrids")
    parser.add_argument("--fixed-end", type=float, default=3000.0, help="without regrids")
    parser.add_argument("--every", type=int, default=25, help="steps between saves")
    parser.add_argument(
        "--start", type=float, default=24.0, help="count doublings from this mean diameter"
    )
    args = parser.parse_args()
    if args.case:
        print(json.dumps(case(*json.loads(args.case))))
        return
    print(
        f"normal grain growth, {args.size}² cells, {args.grains} Voronoi grains, ℓ = 3 cells, "
        f"dt = τ/2, a save every {args.every} steps; doublings counted from d = {args.start:g}\n"
    )
    print("| grid | doubling | d | t | steps | wall (s) | grains |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for regrid, end in ((True, args.end), (False, args.fixed_end)):
        result, error = run_case(__file__, [args.size, args.grains, end, args.every, regrid])
        label = "regrid" if regrid else "fixed"
        if result is None:
            print(f"| {label} | failed: {error} | | | | | |")
            continue
        for row in doublings(result, args.start):
            print(
                f"| {label} | {row['doubling']} | {row['d']:.1f} | {row['t']:.0f} | "
                f"{row['steps']} | {row['wall']:.1f} | {row['grains']} |"
            )


if __name__ == "__main__":
    main()
