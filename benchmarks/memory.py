"""Peak memory of a grain-growth run on the GPU's code path, phase by phase, and what it implies
for 10^5 grains on 640³ with 24 order parameters.

The run is traced on the host with :mod:`tracemalloc` (NumPy reports its allocations to it)
through the code a GPU runs: the array kernels (``get_backend("numpy", fft="numpy",
kernels="array")``) and per-component stepping from
:data:`~phasefield.spectral.COMPONENT_POINTS` on. Every phase's peak is given above the memory
held when it starts, in grid-sized arrays of the field dtype (``N`` cells), and the total in
stacks (``P N``). Host-only work (the Voronoi tessellation, the colouring graph) is left out:
on a GPU it stays in host memory.

    python memory.py                      # 128³, 24 order parameters, 800 grains, float32
    python memory.py --shape 96x96x96 --grains 340
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from phasefield import spectral
from phasefield.backend import get_backend
from phasefield.config import RunConfig
from phasefield.grains import (
    GrainTracker,
    colour_grains,
    grain_labels,
    grain_statistics,
    remap_order_parameters,
)
from phasefield.grains.voronoi import voronoi_ids
from phasefield.grid import Grid
from phasefield.initial import order_parameters_from_ids
from phasefield.models import build_model
from phasefield.simulation.runner import step_control
from phasefield.spectral import SpectralSpace
from phasefield.timestepping import make_stepper


def _config(
    shape: tuple[int, ...], order_parameters: int, grains: int, precision: str
) -> RunConfig:
    """The shipped GPU config (``runs/grain_growth_3d.yaml``) on another grid."""
    path = Path(__file__).resolve().parents[1] / "runs" / "grain_growth_3d.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["backend"], raw["precision"] = "numpy", precision
    raw["grid"]["shape"] = list(shape)
    raw["model"]["order_parameters"] = order_parameters
    raw["initial"]["grains"]["count"] = grains
    return RunConfig.model_validate(raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="128x128x128")
    parser.add_argument("--order-parameters", type=int, default=24)
    parser.add_argument("--grains", type=int, default=800)
    parser.add_argument("--precision", default="float32", choices=["float32", "float64"])
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    shape = tuple(int(n) for n in args.shape.split("x"))
    config = _config(shape, args.order_parameters, args.grains, args.precision)
    grid = Grid(shape)
    # step per component as 640³ would, also on a smaller grid (COMPONENT_POINTS is 128³)
    spectral.COMPONENT_POINTS = min(spectral.COMPONENT_POINTS, grid.size)
    backend = get_backend("numpy", fft="numpy", kernels="array")
    dtype = np.dtype(args.precision)
    model_config = config.model
    cells = grid.size * dtype.itemsize
    P = args.order_parameters
    ids = voronoi_ids(grid, args.grains, np.random.default_rng(1))  # host, as on a GPU
    buffer = model_config.buffer_cells(grid.spacing)
    rows: list[tuple[str, float, float]] = []
    tracemalloc.start()

    def phase(name: str, work: Callable[[], Any]) -> Any:
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        started = time.perf_counter()
        result = work()
        peak = tracemalloc.get_traced_memory()[1] - held
        rows.append((name, peak / cells, time.perf_counter() - started))
        return result

    phase("colouring (on the device)", lambda: colour_grains(ids, backend, P, buffer))
    eta = phase(
        "order parameters from ids (colouring again, the stack on the host)",
        lambda: order_parameters_from_ids(ids, P, buffer, backend, dtype),
    )
    model = build_model(config.model)
    space = SpectralSpace(grid, backend, dtype)
    stepper = phase(
        "stepper: fields, spectra, buffers",
        lambda: make_stepper(config.time.scheme, model, space, step_control(config)),
    )
    start = {"eta": eta}
    del eta
    state = phase("initialise", lambda: stepper.initialise(start))
    start.clear()  # the stepper holds its copy
    held_fields = tracemalloc.get_traced_memory()[0]

    def steps() -> None:
        for _ in range(args.steps):
            stepper.step(state, config.time.dt)

    phase(f"{args.steps} steps", steps)
    fields = state.fields["eta"]
    found = phase("grain labels", lambda: grain_labels(fields, backend, grid.ndim))
    tracker = GrainTracker()
    phase(
        "tracking and statistics",
        lambda: grain_statistics(tracker.assign(found[0], found[2], backend), grid, backend),
    )
    width = model_config.gb_width / min(grid.spacing)
    phase(
        "remap check and moves",
        lambda: remap_order_parameters(fields, backend, buffer, width, 0.0, grains=found),
    )
    phase("free energy", lambda: model.scalars(state, space))
    tracemalloc.stop()

    stack = P * cells
    print(
        f"# {time.strftime('%Y-%m-%d')}: the host stack of the second phase is {P} grid arrays;"
        " on a GPU the device sees only the colouring's arrays"
    )
    print(
        f"# memory on the GPU's code path, {time.strftime('%Y-%m-%d')}: {args.shape}, "
        f"{P} order parameters, {args.grains} grains, {args.precision}"
    )
    print(
        f"# held after initialise: {(held_fields) / stack:.2f} stacks "
        f"({held_fields / 2**20:.0f} MiB; fields + spectra = 2 stacks)"
    )
    print(
        "| phase | peak above what it started with (grid arrays) | (stacks) "
        "| wall (s; NumPy's reference transforms) |"
    )
    print("| --- | ---: | ---: | ---: |")
    for name, grids, seconds in rows:
        print(f"| {name} | {grids:.1f} | {grids / P:.2f} | {seconds:.2f} |")
    worst = max(grids for name, grids, _ in rows[4:])  # once the stepper holds the fields
    target = 640**3 * 4
    need = (held_fields / stack) * 24 * target + worst * target
    print(
        f"# 640³, 24 order parameters, float32: held {held_fields / stack * 24 * target / 1e9:.1f}"
        f" GB + worst phase {worst * target / 1e9:.1f} GB = {need / 1e9:.1f} GB (the H100 has"
        " about 80 GB; cuFFT's plan workspace comes on top, about one component)"
    )


if __name__ == "__main__":
    main()
