"""Regridding: spectral truncation, re-profiling to the doubled width, a shrinking grain through
three regrids against its analytic law, the store's one group per grid, and resume across a
regrid."""

from __future__ import annotations

import math

import numpy as np
import pytest

import phasefield as pf
from phasefield.backend import get_backend
from phasefield.grid import Grid
from phasefield.models.moelans import widened_profile
from phasefield.simulation.store import open_grids
from phasefield.spectral import SpectralSpace

from ..helpers import grain_config, resumed_across_a_new_grid


def spaces(shape, spacing=0.5):
    backend = get_backend("numpy")
    fine = SpectralSpace(Grid(shape, spacing), backend, np.float64)
    coarse = SpectralSpace(fine.grid.coarsened(), backend, np.float64)
    return fine, coarse


def test_coarsening_keeps_the_modes_of_the_coarse_grid_and_the_mean():
    """A field of modes the coarse grid carries comes out exact (to round-off) on it; modes
    above the coarse Nyquist frequency are dropped; the mean is kept to round-off (a dropped
    ``±N/4`` mode would alias onto the coarse Nyquist mode if it were kept)."""
    fine, coarse = spaces((64, 32))
    lx, ly = fine.grid.lengths
    x, y = fine.grid.mesh()
    xc, yc = coarse.grid.mesh()

    def kept(x, y):
        return (
            0.3
            + np.cos(2 * np.pi * 3 * x / lx) * np.sin(2 * np.pi * 5 * y / ly)
            + 0.4 * np.sin(2 * np.pi * 15 * x / lx + 0.3)
        )

    dropped = np.cos(2 * np.pi * 20 * x / lx) + np.cos(
        2 * np.pi * 16 * x / lx
    )  # 16: coarse Nyquist
    field = np.ascontiguousarray(np.broadcast_to(kept(x, y) + dropped, fine.grid.shape))
    result = fine.coarsen(field, coarse)
    assert result.shape == (32, 16)
    np.testing.assert_allclose(result, kept(xc, yc), atol=1e-13)
    assert abs(result.mean() - field.mean()) < 1e-15
    stack = fine.coarsen(np.stack([field, -2 * field]), coarse)  # a stack, component by component
    np.testing.assert_allclose(stack[1], -2 * kept(xc, yc), atol=1e-13)


def test_an_odd_coarse_grid_keeps_every_mode_it_carries():
    """10² -> 5²: five cells carry frequencies 0, ±1, ±2 (no Nyquist mode): all kept."""
    fine = SpectralSpace(Grid((10, 10)), get_backend("numpy"), np.float64)
    coarse = SpectralSpace(Grid((5, 5), 2.0), get_backend("numpy"), np.float64)
    x, y = fine.grid.mesh()
    xc, yc = coarse.grid.mesh()

    def field(x, y):
        return 1 + np.cos(2 * np.pi * 2 * x / 10) * np.sin(2 * np.pi * 2 * y / 10)

    result = fine.coarsen(np.ascontiguousarray(np.broadcast_to(field(x, y), (10, 10))), coarse)
    np.testing.assert_allclose(result, field(xc, yc), atol=1e-14)


def test_a_grid_that_cannot_halve_is_refused():
    with pytest.raises(ValueError, match="multiple of 2"):
        Grid((30, 31)).coarsened()
    with pytest.raises(ValueError, match="at least 8"):
        Grid((6, 64)).coarsened()


def test_the_widened_profile_is_the_profile_of_twice_the_width():
    """``(1 + tanh(2d/ℓ))/2`` becomes ``(1 + tanh(d/ℓ))/2`` point by point: the midplane (and so
    the grains' volumes) stays; ends are kept; overshoots are clipped. Near the ends the map
    turns a rounding of η by ε into one of about √ε (η' − 1 ∝ −√(1 − η)): 1e-7."""
    d = np.linspace(-20, 20, 401)
    width = 3.0
    eta = 0.5 * (1 + np.tanh(2 * d / width))
    np.testing.assert_allclose(widened_profile(eta), 0.5 * (1 + np.tanh(d / width)), atol=1e-7)
    np.testing.assert_array_equal(widened_profile(np.array([-0.01, 0.0, 1.0, 1.02])), [0, 0, 1, 1])


def circle_config(tmp_path, regrid_times):
    """A circular grain of radius 100 in a 256² box (512² cells, ℓ = 4 cells), σ = 0.7, μ = 1.3,
    SBDF2 at half the relaxation time."""
    n, h, radius = 512, 0.5, 100.0
    centre = (np.arange(n) + 0.5) * h - n * h / 2
    ids = (np.hypot(centre[:, None], centre[None, :]) < radius).astype(np.int64)
    np.save(tmp_path / "ids.npy", ids)
    width, sigma, mu = 2.0, 0.7, 1.3
    return {
        "name": "circle",
        "backend": "numpy",
        "grid": {"shape": [n, n], "spacing": h, "regrid": {"times": regrid_times}},
        "time": {"dt": 0.5 * width**2 / (8 * mu * sigma), "end": 2000.0},
        "output": {"every": 100.0, "fields": ["eta"]},
        "model": {
            "kind": "grain_growth",
            "order_parameters": 2,
            "gb_energy": sigma,
            "gb_width": width,
            "gb_mobility": mu,
        },
        "initial": {"grains": {"kind": "file", "path": str(tmp_path / "ids.npy")}},
    }


def test_a_shrinking_grain_follows_its_law_through_three_regrids(tmp_path):
    """R² = R0² − 2μσt (2-D, curvature-driven) within 2 % in slope while the grid goes from
    512² to 64² and ℓ from 2 to 16 (R/ℓ ≥ 5 throughout). R² is measured from the grain's
    order parameter: ∫η dA = π R² + π³ℓ²/24 for a circle of the profile (1 − tanh(2(r−R)/ℓ))/2
    (the profile's first moment, 2π ∫ u (η − H(−u)) du = π³ℓ²/24, exact for a flat profile),
    so the measure does not jump when ℓ doubles. Fails if a regrid moves the boundary (a
    profile re-centred or made too narrow stalls it for a few relaxation times; the step
    not scaled with ℓ² makes it fast or unstable) or loses the grain's area."""
    data = circle_config(tmp_path, [200.0, 500.0, 1000.0])
    pf.run(data, tmp_path / "circle.zarr")
    grids = open_grids(tmp_path / "circle.zarr")
    assert [g.sizes["x"] for g in grids] == [512, 256, 128, 64]
    times, squares = [], []
    for level, dataset in enumerate(grids):
        spacing = float(dataset.x[1] - dataset.x[0])
        assert spacing == 0.5 * 2**level
        width = 2.0 * 2**level
        areas = dataset.eta.sum(dim=("x", "y")).min(dim="op").values * spacing**2
        times += list(dataset.t.values)
        squares += list(areas / math.pi - math.pi**2 * width**2 / 24)
    slope = np.polyfit(times, squares, 1)[0]
    assert slope == pytest.approx(-2 * 1.3 * 0.7, rel=0.02)
    assert math.sqrt(squares[-1]) < 82  # it shrank through all four grids
    assert pf.open_run(tmp_path / "circle.zarr").attrs["regrids"] == 3


def test_resume_across_a_regrid_is_bit_identical(tmp_path, monkeypatch):
    """Interrupted after the regrid (a checkpoint on the coarse grid), resumed: the same saves
    on both grids, bit for bit (level, width, step, tracker ids carried by the checkpoint)."""
    data = grain_config()
    data["grid"]["regrid"] = {"times": [20.0]}
    data["initial"]["grains"]["count"] = 8  # 9.5 widths across: 4.75 after the regrid
    data["checkpoint"] = {"every_steps": 7}
    first = resumed_across_a_new_grid(data, tmp_path, monkeypatch, 26, "regrids")
    assert [g.sizes["x"] for g in first] == [96, 48]
    assert list(first[1].t.values) == [30.0, 40.0]  # the save at t = 20 is before the regrid
    assert int(first[1].grain_count[0]) == 8  # the grains kept their ids across the regrid
    assert set(np.unique(first[1].grain_id.values)) == set(np.unique(first[0].grain_id.values))


def test_the_size_trigger_compares_with_the_width_of_the_grid_in_use():
    """At level k the interface is 2^k ℓ wide: a mean size of 30 with ℓ = 2 and widths = 10
    regrids at level 0 (30 ≥ 20) and at level 1 (30 ≥ 40 fails)."""
    from types import SimpleNamespace

    from phasefield.config import load_config
    from phasefield.simulation.regrid import LEVEL, Regridder

    data = grain_config(gb_width=2.0)
    data["grid"]["regrid"] = {"widths": 10.0, "max": 2}
    config = load_config(data)
    regridder = Regridder(config.grid.regrid)
    for level, size, expected in [
        (0, 19.9, False),
        (0, 30.0, True),
        (1, 30.0, False),
        (1, 40.0, True),
        (2, 1e9, False),
    ]:
        run = SimpleNamespace(
            config=config,
            extras={LEVEL: level},
            state=SimpleNamespace(step=12, time=3.0),
            info={"saved_scalars": {"mean_grain_size": size}, "last_saved_step": 12},
        )
        assert regridder.due(run) is expected, (level, size)
        run.info["last_saved_step"] = 11  # sizes are those of a save of this very step
        assert regridder.due(run) is False


def test_a_save_cut_short_on_a_grid_is_not_shown(tmp_path):
    """A save killed after its fields reached a grid's group (the root not yet committed) is
    invisible to open_grids, as to open_run; a resume's trim removes it."""
    import zarr

    from phasefield.simulation.store import trim_store
    from phasefield.simulation.writing import Save, StoreWriter

    fine, coarse = Grid((16, 16)), Grid((8, 8), 2.0)
    writer = StoreWriter(tmp_path / "s.zarr", fine, {"phasefield_version": "test"}, by_grid=True)
    for time, grid in ((0.0, fine), (1.0, fine), (2.0, coarse)):
        field = np.full(grid.shape, time)
        writer.write(Save(time, int(time), {"c": field}, {"c_mean": time}, grid=grid))
    group = zarr.open_group(tmp_path / "s.zarr", mode="r+")["grid_1"]
    group["c"].append(np.full((1, 8, 8), 3.0), axis=0)  # the next save, cut short
    grids = open_grids(tmp_path / "s.zarr")
    assert [list(g.t.values) for g in grids] == [[0.0, 1.0], [2.0]]
    assert float(grids[1].c.isel(t=-1).mean()) == 2.0
    trim_store(tmp_path / "s.zarr", 2)  # a resume from the checkpoint of save 2
    assert [list(g.t.values) for g in open_grids(tmp_path / "s.zarr")] == [[0.0, 1.0]]
