"""Roofline of the spectral steps: time, bytes moved, achieved bandwidth against the peak.

For Cahn–Hilliard (one field) and grain growth (P order parameters) on each grid, in one
process per case:

- the time of one IMEX step and of the bare r2c + c2r pair(s) with the same plans, interleaved
  (best of four blocks);
- the bytes a step must move through main memory, counted from its kernels (each array a
  kernel reads or writes counts once per kernel; a transform reads its input and writes its
  output once, the least any FFT can do, so the count is a floor and the bandwidth a lower
  bound);
- the achieved bandwidth, bytes / time, and its share of the peak: on a GPU the card's HBM
  peak from its name (H100 SXM 3.35 TB/s, H200 4.8 TB/s) or else a device-to-device copy
  measured in the run; on the CPU a STREAM-like triad measured in the same process, with the
  same threads.

Kernel traffic per step (R = one real field, C = one half spectrum, in bytes):

- Cahn–Hilliard (μ written over c): μ(c) 2R; r2c R + C; update 4C; c2r C + R.
- Grain growth, CPU (one order parameter at a time): Σ η² (P + 1) R; then per order parameter
  drive 2R (η_i and Σ η²; the drive stays in cache), r2c C, update 4C, c2r C + R.
- Grain growth, GPU (batched): drive P(R + R) + R (the stack read for Σ η², read again and
  written); r2c P(R + C); update 4PC; c2r P(C + R).

Usage: python benchmarks/roofline.py [--sizes 256x256 ...] [--orders 4 8 16 24]
       [--backend numpy|cupy] [--precision float32|float64] [--seconds 1]
Cases that do not fit in memory (80 % of the device's or the machine's) are listed as skipped.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np
from _cases import run_case

SIZES = ["256x256", "2048x2048", "128x128x128", "256x256x256", "512x512x512"]
ORDERS = [4, 8, 16, 24]
HBM_PEAK = {"H100": 3.35e12, "H200": 4.8e12, "A100": 2.0e12}


def traffic(model: str, shape: tuple[int, ...], components: int, itemsize: int, batched: bool):
    """Bytes a step moves through main memory (see the module docstring)."""
    points = math.prod(shape)
    real = points * itemsize
    spectral = math.prod((*shape[:-1], shape[-1] // 2 + 1)) * 2 * itemsize
    if model == "cahn_hilliard":
        return 2 * real + (real + spectral) + 4 * spectral + (spectral + real)
    p = components
    if batched:
        return (
            p * 2 * real + real + p * (real + spectral) + 4 * p * spectral + p * (spectral + real)
        )
    return (p + 1) * real + p * (2 * real + spectral + 4 * spectral + spectral + real)


def _timed(function, repeats: int, synchronize) -> float:
    synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    synchronize()
    return (time.perf_counter() - start) / repeats


def _peak(backend, dtype) -> tuple[float, str]:
    """Bytes per second the memory can deliver, and where the number comes from."""
    if backend.name == "cupy":
        name = backend.device
        for key, value in HBM_PEAK.items():
            if key in name:
                return value, f"{name} HBM peak"
    size = 1 << 25  # 32 Mi elements: beyond any cache
    a, b = backend.empty((size,), dtype), backend.empty((size,), dtype)
    a[...] = 1
    b[...] = 2
    if backend.name == "cupy":

        def copy() -> None:
            b[...] = a

        seconds = min(_timed(copy, 10, backend.synchronize) for _ in range(3))
        return 2 * a.nbytes / seconds, "device copy, measured"
    from phasefield.expression import parse_expression

    triad = parse_expression("a + 1.5*b", ["a", "b"])
    out = backend.empty((size,), dtype)

    def run() -> None:
        backend.evaluate(triad, out, {"a": a, "b": b})

    run()
    seconds = min(_timed(run, 5, backend.synchronize) for _ in range(3))
    return 3 * a.nbytes / seconds, "triad, measured"


def _case(model_name: str, size: str, components: int, backend_name: str, precision: str, seconds):
    from phasefield.backend import get_backend
    from phasefield.grid import Grid
    from phasefield.models.cahn_hilliard import CahnHilliard, DoubleWell
    from phasefield.models.grain_growth import GrainGrowth
    from phasefield.spectral import SpectralSpace
    from phasefield.timestepping import make_stepper

    shape = tuple(int(n) for n in size.split("x"))
    dtype = np.dtype(precision)
    backend = get_backend(backend_name)
    grid = Grid(shape)
    space = SpectralSpace(grid, backend, dtype)
    rng = np.random.default_rng(0)
    if model_name == "cahn_hilliard":
        model = CahnHilliard(5.0, 2.0, DoubleWell(5.0, 0.3, 0.7), stabilization=0.8)
        initial = {"c": 0.5 + 0.01 * rng.uniform(-1, 1, shape).astype(dtype)}
        dt = 0.1
    else:
        model = GrainGrowth(components, 0.8, 4.0, 1.5, stabilization=1.2)
        labels = rng.integers(0, components, shape)
        initial = {"eta": np.stack([(labels == c).astype(dtype) for c in range(components)])}
        dt = 1.0
    stepper = make_stepper("imex_euler", model, space)
    state = stepper.initialise(initial)
    del initial
    for _ in range(3):
        stepper.step(state, dt)
    real, spectral = space.empty_real(), space.empty_spectral()
    real[...] = 0.5
    pairs = components if model_name == "grain_growth" else 1

    def step() -> None:
        stepper.step(state, dt)

    def pair() -> None:
        for _ in range(pairs):
            space.fft.forward(real, spectral)
            space.fft.inverse(spectral, real)

    once = max(_timed(step, 1, backend.synchronize), 1e-6)
    repeats = max(2, int(seconds / 8 / once))
    steps, bare = [], []
    for _ in range(4):
        steps.append(_timed(step, repeats, backend.synchronize))
        bare.append(_timed(pair, repeats, backend.synchronize))
    peak, source = _peak(backend, dtype)
    batched = not getattr(stepper, "_componentwise", False)
    moved = traffic(model_name, shape, components, dtype.itemsize, batched)
    return {
        "step": min(steps),
        "pairs": min(bare),
        "bytes": moved,
        "peak": peak,
        "source": source,
        "device": backend.device,
    }


def _fits(model: str, shape: tuple[int, ...], components: int, itemsize: int, backend: str):
    """Whether the step's arrays (fields, spectra, work) fit in 80 % of the memory."""
    real = math.prod(shape) * itemsize
    p = components if model == "grain_growth" else 1
    need = (2 * p + 3) * real * 1.1
    if backend == "cupy":
        from phasefield.backend import get_backend

        free, _ = get_backend("cupy").xp.cuda.runtime.memGetInfo()
        return need < 0.8 * free
    return need < 0.8 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=SIZES)
    parser.add_argument("--orders", nargs="+", type=int, default=ORDERS)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--precision", default=None, help="default float32 on a GPU, else float64")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(_case(*json.loads(args.case))))
        return
    from phasefield.backend import get_backend

    backend = get_backend(args.backend)
    precision = args.precision or ("float32" if backend.name == "cupy" else "float64")
    print(f"# roofline, {time.strftime('%Y-%m-%d')}, {backend.device}, {precision}")
    print()
    print(
        "| model | grid | P | step (ms) | bare pairs (ms) | step / pairs | bytes / step (MB) "
        "| achieved (GB/s) | peak (GB/s) | % of peak |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    itemsize = np.dtype(precision).itemsize
    cases = [("cahn_hilliard", size, 1) for size in args.sizes]
    cases += [("grain_growth", size, p) for size in args.sizes for p in args.orders]
    for model, size, p in cases:
        shape = tuple(int(n) for n in size.split("x"))
        label = "CH" if model == "cahn_hilliard" else "GG"
        shown = p if model == "grain_growth" else "-"
        if not _fits(model, shape, p, itemsize, backend.name):
            print(f"| {label} | {size} | {shown} | skipped: does not fit in memory |")
            continue
        r, reason = run_case(__file__, [model, size, p, backend.name, precision, args.seconds])
        if r is None:
            print(f"| {label} | {size} | {shown} | failed: {reason} |")
            continue
        achieved = r["bytes"] / r["step"]
        print(
            f"| {label} | {size} | {shown} | {r['step'] * 1e3:.3f} | {r['pairs'] * 1e3:.3f} | "
            f"{r['step'] / r['pairs']:.2f} | {r['bytes'] / 1e6:.1f} | {achieved / 1e9:.1f} | "
            f"{r['peak'] / 1e9:.0f} | {achieved / r['peak']:.0%} |",
            flush=True,
        )
    print()
    print(
        "Peak: "
        + (
            "HBM by card name, else a measured copy"
            if backend.name == "cupy"
            else "a triad measured in each case's process (same threads)"
        )
    )


if __name__ == "__main__":
    main()
