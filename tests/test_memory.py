"""Memory on the GPU's code path: no phase of a grain-growth run allocates a stack-sized
temporary (for 10^5 grains on 640³ with 24 order parameters one stack is 25 GB in float32; the
fields and spectra already take two of an H100's three). Traced on the host with tracemalloc,
through the array kernels and the NumPy reference transforms, per-component stepping on."""

from __future__ import annotations

import tracemalloc

import numpy as np

from phasefield import spectral
from phasefield.backend import get_backend
from phasefield.grains import GrainTracker, grain_labels, grain_statistics, remap_order_parameters
from phasefield.grains.colouring import colour_grains
from phasefield.grains.voronoi import voronoi_ids
from phasefield.grid import Grid
from phasefield.initial import order_parameters_from_ids
from phasefield.models.grain_growth import GrainGrowth
from phasefield.timestepping import make_stepper


def _peak(work):
    """Peak traced bytes above what was held when ``work`` started."""
    tracemalloc.start()
    try:
        held = tracemalloc.get_traced_memory()[0]
        result = work()
        return tracemalloc.get_traced_memory()[1] - held, result
    finally:
        tracemalloc.stop()


def _phase_peaks(order_parameters, grid, backend, ids):
    """Each phase's peak in grid-sized float64 arrays."""
    space = spectral.SpectralSpace(grid, backend, np.float64)
    eta = order_parameters_from_ids(ids, order_parameters, 6, backend)
    model = GrainGrowth(order_parameters, 1.0, 3.0, 1.0, stabilization=2.0)
    stepper = make_stepper("imex_euler", model, space)
    state = stepper.initialise({"eta": eta})
    fields = state.fields["eta"]
    peaks = {"colouring": _peak(lambda: colour_grains(ids, backend, order_parameters, 6))[0]}
    peaks["steps"], _ = _peak(lambda: [stepper.step(state, 0.3) for _ in range(3)])
    peaks["labels"], found = _peak(lambda: grain_labels(fields, backend, 2))
    peaks["tracking"], _ = _peak(
        lambda: grain_statistics(GrainTracker().assign(found[0], found[2], backend), grid, backend)
    )
    peaks["remap"], _ = _peak(lambda: remap_order_parameters(fields, backend, 8, 3.0, grains=found))
    peaks["free energy"], _ = _peak(lambda: model.scalars(state, space))
    return {name: peak / (grid.size * 8) for name, peak in peaks.items()}


def test_no_phase_of_a_run_allocates_a_stack(monkeypatch):
    """Going from 8 to 24 order parameters adds 16 grid arrays to a stack; no phase's peak
    grows by a quarter of that."""
    grid = Grid((96, 96))
    monkeypatch.setattr(spectral, "COMPONENT_POINTS", grid.size)
    backend = get_backend("numpy", fft="numpy", kernels="array")
    ids = voronoi_ids(grid, 60, np.random.default_rng(2))
    few, many = (_phase_peaks(p, grid, backend, ids) for p in (8, 24))
    growth = {name: many[name] - few[name] for name in few}
    assert max(growth.values()) < 4.0, (few, many)
    assert min(few.values()) > 0.1  # the tracing saw the phases' work
