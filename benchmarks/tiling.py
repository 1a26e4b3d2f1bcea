"""The error a tiling introduces: mean grain size of tiled runs against untiled runs in a box four
times larger, over the doubling after the tiling, averaged over seeds.

Small runs: ``size``² cells, ``grains`` Voronoi grains, tiled 2 × 2 when fewer than half remain
(``grid.tile.grains``), with the default deformation. Reference runs: ``(2·size)²`` cells and
``4·grains`` grains (the same density), never tiled. Both: normal grain growth in the model's
units (σ = μ = 1, ℓ = 3 cells, dt = τ/2, SBDF2, 10 order parameters), saves every ``--every``
time units. The table gives, at each save after the tiling, the seed-averaged mean diameter of
each set and their ratio; the last column is the boundary overlap of the tiled runs' copies
(the fraction of copy (0, 0)'s boundary cells that are boundary cells of copy (1, 1); about
``3ℓ/d`` for unrelated structures, 1 for identical copies).

Usage: python benchmarks/tiling.py [--size 128] [--grains 80] [--end 1600] [--seeds 4]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from _cases import normal_growth, run_case


def _config(size: int, grains: int, end: float, every: float, seed: int, tile: bool) -> dict:
    data = normal_growth(size, grains, end, seed)
    data["output"] = {"every": every, "fields": ["grain_id"] if tile else []}
    if tile:
        data["grid"]["tile"] = {"grains": grains // 2, "max": 1}
    return data


def _overlap(ids: np.ndarray) -> float:
    """Boundary overlap of copies (0, 0) and (1, 1) of a 2 × 2 tiled id field (y, x)."""
    boundary = (ids != np.roll(ids, 1, 0)) | (ids != np.roll(ids, 1, 1))
    ny, nx = (n // 2 for n in ids.shape)
    first, last = boundary[:ny, :nx], boundary[ny:, nx:]
    return float((first & last).sum() / max(first.sum(), 1))


def case(size: int, grains: int, end: float, every: float, seed: int, tile: bool) -> dict:
    import phasefield as pf

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.zarr"
        dataset = pf.run(_config(size, grains, end, every, seed, tile), path, progress=False)
        result = {
            "t": dataset.t.values.tolist(),
            "d": dataset.mean_grain_size.values.tolist(),
            "count": dataset.grain_count.values.tolist(),
            "tiled_at": None,
            "overlap": [],
        }
        if tile and "grid" in dataset:
            grid = dataset["grid"].values
            after = np.flatnonzero(grid == 1)
            if after.size:
                result["tiled_at"] = float(dataset.t.values[after[0] - 1])
                last = pf.open_grids(path)[-1]
                result["overlap"] = [_overlap(ids) for ids in last.grain_id.values]
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", help="(internal) one case as JSON")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--grains", type=int, default=80)
    parser.add_argument("--end", type=float, default=1600.0)
    parser.add_argument("--every", type=float, default=80.0)
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(case(*json.loads(args.case))))
        return
    tiled, large = [], []
    for seed in range(1, args.seeds + 1):
        common = [args.end, args.every, seed]
        small_run, error = run_case(__file__, [args.size, args.grains, *common, True])
        big_run, error_big = run_case(__file__, [2 * args.size, 4 * args.grains, *common, False])
        if small_run is None or big_run is None:
            print(f"seed {seed} failed: {error or error_big}")
            return
        tiled.append(small_run)
        large.append(big_run)
    tiled_at = [run["tiled_at"] for run in tiled]
    print(
        f"{args.seeds} seeds; tiled runs {args.size}² / {args.grains} grains, tiled at t = "
        f"{', '.join(f'{t:g}' for t in tiled_at if t is not None)}; reference "
        f"{2 * args.size}² / {4 * args.grains} grains\n"
    )
    print("| t | d tiled | d reference | ratio | grains tiled | grains reference | overlap |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    first = max(t for t in tiled_at if t is not None)
    times = np.asarray(tiled[0]["t"])
    for index, t in enumerate(times):
        if t < first:
            continue
        d_tiled = np.mean([run["d"][index] for run in tiled])
        d_large = np.mean([run["d"][index] for run in large])
        counts = np.mean([run["count"][index] for run in tiled])
        counts_large = np.mean([run["count"][index] for run in large])
        overlaps = [
            run["overlap"][index - len(run["t"]) + len(run["overlap"])]
            for run in tiled
            if run["overlap"] and index - len(run["t"]) + len(run["overlap"]) >= 0
        ]
        overlap = f"{np.mean(overlaps):.2f}" if overlaps else ""
        print(
            f"| {t:g} | {d_tiled:.2f} | {d_large:.2f} | {d_tiled / d_large:.3f} | "
            f"{counts:.0f} | {counts_large:.0f} | {overlap} |"
        )


if __name__ == "__main__":
    main()
