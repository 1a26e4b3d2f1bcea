"""Cahn–Hilliard step time against a bare planned FFT pair, and peak memory.

For each grid (256², 1024², 128³, 256³), precision (float32, float64) and usable backend, one
process per case measures:

- the time of one IMEX step (constant-mobility Cahn–Hilliard: one r2c, one c2r, the pointwise
  chemical potential and the spectral update);
- the time of a bare r2c + c2r pair with the same plans on arrays of the same shape, in the same
  process, interleaved with the steps so that machine noise hits both alike;
- their ratio;
- peak memory in units of one real field: NumPy arrays (tracemalloc, from building the solver
  through its first steps; stopped before the timing, whose loops it would slow) and the
  process's peak resident memory above what it used before building (FFTW's own buffers
  included). On a GPU, the CuPy pool's peak.

Usage: python benchmarks/step_vs_fft.py [--sizes 256x256 1024x1024 ...] [--precisions float64]
       [--backends numpy cupy] [--seconds 2]
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import time
import tracemalloc

import numpy as np
from _cases import run_case

SIZES = ["256x256", "1024x1024", "128x128x128", "256x256x256"]


def _measure(size: str, precision: str, backend_name: str, seconds: float) -> dict:
    from phasefield.backend import get_backend
    from phasefield.grid import Grid
    from phasefield.models.cahn_hilliard import CahnHilliard, DoubleWell
    from phasefield.spectral import SpectralSpace
    from phasefield.timestepping import make_stepper

    shape = tuple(int(n) for n in size.split("x"))
    dtype = np.dtype(precision)
    backend = get_backend(backend_name)
    initial = 0.5 + 0.01 * np.random.default_rng(0).uniform(-1, 1, shape)
    field_bytes = math.prod(shape) * dtype.itemsize

    # Load and compile every kernel (serial and parallel variants) on a small grid first, so
    # that memory counts arrays only.
    warm_shape = (256, 256) if len(shape) == 2 else (32,) * len(shape)
    small = SpectralSpace(Grid(warm_shape), backend, dtype)
    warm = make_stepper("imex_euler", CahnHilliard(5.0, 2.0, DoubleWell(5.0, 0.3, 0.7)), small)
    warm.step(warm.initialise({"c": np.full(warm_shape, 0.5)}), 0.1)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    if backend.name == "cupy":
        pool = backend.xp.get_default_memory_pool()
        pool.free_all_blocks()
    space = SpectralSpace(Grid(shape), backend, dtype)
    model = CahnHilliard(5.0, 2.0, DoubleWell(5.0, 0.3, 0.7), stabilization=0.8)
    stepper = make_stepper("imex_euler", model, space)
    state = stepper.initialise({"c": initial})
    for _ in range(3):
        stepper.step(state, 0.1)
    backend.synchronize()

    # the bare pair: the same planned transforms on their own arrays
    real, spectral = space.empty_real(), space.empty_spectral()
    real[...] = state.fields["c"]

    def pair() -> None:
        space.fft.forward(real, spectral)
        space.fft.inverse(spectral, real)

    def step() -> None:
        stepper.step(state, 0.1)

    pair()
    backend.synchronize()
    # the peak is reached by now (steps allocate no arrays); time with tracemalloc off, which
    # otherwise taxes every Python allocation of a step
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    start = time.perf_counter()
    pair()
    backend.synchronize()
    once = max(time.perf_counter() - start, 1e-6)
    repeats = max(3, int(seconds / 8 / once))

    def timed(function) -> float:
        backend.synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            function()
        backend.synchronize()
        return (time.perf_counter() - start) / repeats

    steps, pairs = [], []
    for _ in range(4):  # interleaved, best of four blocks each
        steps.append(timed(step))
        pairs.append(timed(pair))
    result = {
        "size": size,
        "precision": precision,
        "backend": f"{backend.name} ({backend.fft_engine})",
        "step_ms": min(steps) * 1e3,
        "pair_ms": min(pairs) * 1e3,
    }
    if backend.name == "cupy":
        result["peak_arrays"] = pool.total_bytes() / field_bytes
        result["peak_rss_arrays"] = float("nan")
    else:
        # the bare pair's two arrays are the benchmark's, not the solver's
        result["peak_arrays"] = (traced_peak - real.nbytes - spectral.nbytes) / field_bytes
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        result["peak_rss_arrays"] = (
            rss_after - rss_before - real.nbytes - spectral.nbytes
        ) / field_bytes
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=SIZES)
    parser.add_argument("--precisions", nargs="+", default=["float32", "float64"])
    parser.add_argument("--backends", nargs="+", default=None)
    parser.add_argument("--seconds", type=float, default=2.0, help="timing budget per case")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(_measure(*json.loads(args.case))))
        return

    from phasefield.backend import available_backends, get_backend

    backends = args.backends or available_backends()
    print(
        f"# step vs bare FFT pair, {time.strftime('%Y-%m-%d')}, {get_backend(backends[0]).device}"
    )
    print()
    columns = [
        "grid",
        "precision",
        "backend",
        "step (ms)",
        "FFT pair (ms)",
        "step / pair",
        "peak arrays (NumPy)",
        "peak arrays (RSS)",
    ]
    print("| " + " | ".join(columns) + " |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for backend in backends:
        for size in args.sizes:
            for precision in args.precisions:
                r, reason = run_case(__file__, [size, precision, backend, args.seconds])
                if r is None:
                    print(f"| {size} | {precision} | {backend} | failed: {reason} |")
                    continue
                ratio = r["step_ms"] / r["pair_ms"]
                print(
                    f"| {r['size']} | {r['precision']} | {r['backend']} | {r['step_ms']:.3f} | "
                    f"{r['pair_ms']:.3f} | {ratio:.2f} | {r['peak_arrays']:.2f} | "
                    f"{r['peak_rss_arrays']:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
