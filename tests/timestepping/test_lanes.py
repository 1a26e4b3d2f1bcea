"""Lanes: the components of a stack stepped side by side, one per thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from phasefield.backend import get_backend
from phasefield.grid import Grid
from phasefield.spectral import SpectralSpace
from phasefield.timestepping.lanes import Lanes


def lanes(monkeypatch, shape=(256, 128), threads=2, components=5):
    backend = get_backend("numpy")
    monkeypatch.setattr(backend, "threads", threads)
    return Lanes(SpectralSpace(Grid(shape), backend, np.float64), components)


def test_each_component_runs_once_in_lane_c_mod_count(monkeypatch):
    runner = lanes(monkeypatch)
    assert runner.count == 2
    seen = {}
    lock = threading.Lock()

    def task(lane, c):
        with lock:
            seen[c] = (runner.lanes.index(lane), threading.current_thread().name)

    runner.run(range(5), task)
    assert sorted(seen) == [0, 1, 2, 3, 4]
    assert all(seen[c][0] == c % 2 for c in seen)
    assert {seen[c][1] for c in (1, 3)} != {threading.main_thread().name}


def test_small_grids_and_single_components_take_one_lane(monkeypatch):
    assert lanes(monkeypatch, shape=(64, 64)).count == 1
    assert lanes(monkeypatch, components=1).count == 1
    assert lanes(monkeypatch, threads=8, components=3).count == 3


def test_a_failing_lane_is_raised_after_every_lane_is_done(monkeypatch):
    runner = lanes(monkeypatch)
    done = []

    def task(lane, c):
        if c == 1:
            raise ValueError("lane one failed")
        done.append(c)

    with pytest.raises(ValueError, match="lane one failed"):
        runner.run(range(5), task)
    assert sorted(done) == [0, 2, 4]  # the other lane finished; the failing one stopped


@pytest.mark.parametrize("scheme", ["imex_euler", "sbdf2"])
def test_large_stacks_off_pyfftw_step_per_component_with_the_batched_result(monkeypatch, scheme):
    """Off pyFFTW (cuFFT; here the NumPy reference transforms with the array kernels, the GPU's
    code path), stacks of large components are stepped one component at a time, through
    one-component work buffers, and give what the batched step gives."""
    from phasefield import spectral
    from phasefield.models.grain_growth import GrainGrowth
    from phasefield.timestepping import make_stepper

    backend = get_backend("numpy", fft="numpy", kernels="array")
    grid = Grid((48, 40))
    eta = np.random.default_rng(3).uniform(0.0, 1.0, (4, *grid.shape))
    results, steppers = [], []
    for threshold in (grid.size + 1, grid.size):  # batched, then per component
        monkeypatch.setattr(spectral, "COMPONENT_POINTS", threshold)
        space = SpectralSpace(grid, backend, np.float64)
        stepper = make_stepper(scheme, GrainGrowth(4, 1.0, 3.0, 1.0, stabilization=2.0), space)
        state = stepper.initialise({"eta": eta})
        for _ in range(6):
            stepper.step(state, 0.3)
        results.append(state.fields["eta"].copy())
        steppers.append(stepper)
    batched, single = steppers
    assert batched.layout.lanes == {} and set(single.layout.lanes) == {"eta"}
    assert single.layout.lanes["eta"].count == 1
    assert single.layout.work["eta"].shape == grid.shape  # no stack-sized work buffers
    assert single.layout.work_for("eta").shape == grid.spectral_shape
    np.testing.assert_allclose(results[1], results[0], rtol=0, atol=1e-12)
    assert np.abs(results[1] - eta).max() > 1e-2  # the fields did move
