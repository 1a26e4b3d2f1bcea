"""Grain growth: step time per order parameter against a bare FFT pair, and the share of run
time spent in remapping and grain tracking.

Part 1, one process per case: the time of one IMEX step of the Moelans model with ``P`` order
parameters (all transforms, the fused pointwise term, the spectral update), of one bare r2c +
c2r pair of a single field with the same plans (its arrays stay in cache), and of the P bare
pairs over a P-component stack (the transforms a step cannot avoid, through main memory),
interleaved (best of four blocks). The target is step <= 1.5 x P pairs.

Part 2: a run from a Voronoi start at the default remap cadence (every 10 relaxation times)
and a save every 40 steps, with the time the run loop spent in remap checks and in the grain
analysis of saves (both recorded in the store's ``timings`` attribute).

Usage: python benchmarks/grain_growth.py [--quick]
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from _cases import run_case

STEP_CASES = [
    ("256x256", 8),
    ("512x512", 4),
    ("512x512", 8),
    ("512x512", 12),
    ("64x64x64", 8),
    ("96x96x96", 16),
]
RUN_CASES = [("640x640", 8, 2000), ("64x64x64", 20, 100)]


def _step_case(size: str, components: int, seconds: float) -> dict:
    from phasefield.backend import get_backend
    from phasefield.grid import Grid
    from phasefield.models.grain_growth import GrainGrowth
    from phasefield.spectral import SpectralSpace
    from phasefield.timestepping import make_stepper

    shape = tuple(int(n) for n in size.split("x"))
    backend = get_backend("numpy")
    space = SpectralSpace(Grid(shape), backend, np.float64)
    model = GrainGrowth(components, 1.0, 3.0, 1.0, stabilization=2.0)
    stepper = make_stepper("imex_euler", model, space)
    eta = np.random.default_rng(0).uniform(0, 1, (components, *shape))
    state = stepper.initialise({"eta": eta})
    real, spectral = space.empty_real(), space.empty_spectral()
    real[...] = eta[0]
    stack_real, stack_spectral = space.empty_real(components), space.empty_spectral(components)
    stack_real[...] = eta
    transforms = space.transforms(components)

    def pair() -> None:
        space.fft.forward(real, spectral)
        space.fft.inverse(spectral, real)

    def stack_pairs() -> None:
        transforms.forward(stack_real, stack_spectral)
        transforms.inverse(stack_spectral, stack_real)

    def step() -> None:
        stepper.step(state, 0.1)

    step()
    pair()
    start = time.perf_counter()
    step()
    repeats = max(3, int(seconds / 8 / max(time.perf_counter() - start, 1e-6)))

    def timed(function, count) -> float:
        start = time.perf_counter()
        for _ in range(count):
            function()
        return (time.perf_counter() - start) / count

    steps, pairs, stacks = [], [], []
    for _ in range(4):
        steps.append(timed(step, repeats))
        pairs.append(timed(pair, repeats * components))
        stacks.append(timed(stack_pairs, repeats))
    return {
        "size": size,
        "P": components,
        "step_ms": min(steps) * 1e3,
        "pair_ms": min(pairs) * 1e3,
        "stack_ms": min(stacks) * 1e3,
    }


def _run_case(size: str, components: int, grains: int, steps: int) -> dict:
    import phasefield as pf

    shape = [int(n) for n in size.split("x")]
    tau = 3.0**2 / 8
    config = {
        "name": "bench",
        "seed": 1,
        "backend": "numpy",
        "grid": {"shape": shape},
        "time": {"dt": 0.5 * tau, "steps": steps},
        "output": {"every_steps": 40, "fields": ["grain_id"]},
        "model": {
            "kind": "grain_growth",
            "order_parameters": components,
            "gb_energy": 1.0,
            "gb_width": 3.0,
            "gb_mobility": 1.0,
        },
        "initial": {"grains": {"kind": "voronoi", "count": grains}},
    }
    with tempfile.TemporaryDirectory() as folder:
        ds = pf.run(config, out=Path(folder) / "bench.zarr", progress=False)
        timings, remap = dict(ds.attrs["timings"]), dict(ds.attrs.get("remap", {}))
        counts = ds.grain_count.values
    return {
        "size": size,
        "P": components,
        "grains": f"{int(counts[0])} -> {int(counts[-1])}",
        "steps": steps,
        **timings,
        **remap,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer, smaller cases")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        kind, *rest = json.loads(args.case)
        print(json.dumps(_step_case(*rest) if kind == "step" else _run_case(*rest)))
        return

    def child(case: list) -> dict | None:
        result, reason = run_case(__file__, case)
        if result is None:
            print(f"<!-- {case} failed: {reason} -->")
        return result

    from phasefield.backend import get_backend

    print(f"# grain growth, {time.strftime('%Y-%m-%d')}, {get_backend('numpy').device}")
    print()
    print(
        "| grid | P | step (ms) | step / P (ms) | FFT pair, one field (ms) | step / (P pairs) "
        "| P pairs over the stack (ms) | step / stack pairs |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, components in STEP_CASES[:3] if args.quick else STEP_CASES:
        r = child(["step", size, components, 2.0])
        if r:
            print(
                f"| {size} | {components} | {r['step_ms']:.2f} | {r['step_ms'] / components:.3f} | "
                f"{r['pair_ms']:.3f} | {r['step_ms'] / (components * r['pair_ms']):.2f} | "
                f"{r['stack_ms']:.2f} | {r['step_ms'] / r['stack_ms']:.2f} |",
                flush=True,
            )
    print()
    columns = [
        "grid",
        "P",
        "grains",
        "steps",
        "wall (s)",
        "remap (s)",
        "analysis (s)",
        "remap + tracking share",
        "checks",
        "grains moved",
        "full recolourings",
    ]
    print("| " + " | ".join(columns) + " |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, components, grains in RUN_CASES[:1] if args.quick else RUN_CASES:
        r = child(["run", size, components, grains, 200 if args.quick else 800])
        if r:
            wall, remap, analysis = (
                r["wall_seconds"],
                r.get("remap_seconds", 0.0),
                r.get("analysis_seconds", 0.0),
            )
            print(
                f"| {size} | {components} | {r['grains']} | {r['steps']} | {wall:.1f} | "
                f"{remap:.2f} | {analysis:.2f} | {(remap + analysis) / wall:.1%} | "
                f"{r.get('remap_checks', 0)} | "
                f"{r.get('grains_moved', 0)} | {r.get('full_recolourings', 0)} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
