"""Grain-growth runs through the API and CLI: inputs, store layout, remapping, resume."""

from __future__ import annotations

import numpy as np
import pytest

import phasefield as pf
from phasefield.backend import get_backend
from phasefield.cli import main
from phasefield.grains import remap_order_parameters
from phasefield.grains.labels import grain_labels
from phasefield.grid import Grid
from phasefield.models.grain_growth import GrainGrowth
from phasefield.spectral import SpectralSpace
from phasefield.timestepping import make_stepper

from .bad_configs import GRAIN_CHANGES, grain_case
from .helpers import assert_identical_stores, grain_config, interrupt_then_resume, write_config


@pytest.mark.parametrize(("change", "expected"), GRAIN_CHANGES)
def test_bad_grain_inputs_name_their_key(change, expected):
    with pytest.raises(pf.ConfigError) as caught:
        pf.load_config(grain_case(change))
    assert any(line.startswith(expected) for line in caught.value.problems), caught.value.problems


def test_bad_ids_files_are_named(tmp_path):
    np.save(tmp_path / "shape.npy", np.zeros((10, 10), dtype=int))
    np.save(tmp_path / "negative.npy", -np.ones((96, 96), dtype=int))
    np.save(tmp_path / "real.npy", np.zeros((96, 96)))
    for name, message in (
        ("shape.npy", "has shape (10, 10)"),
        ("negative.npy", "negative ids"),
        ("real.npy", "must be integers"),
    ):
        data = grain_config()
        data["initial"] = {"grains": {"kind": "file", "path": name}}
        with pytest.raises(pf.ConfigError) as caught:
            pf.load_config(write_config(tmp_path, data))
        assert any(
            "initial.grains.path:" in line and message in line for line in caught.value.problems
        ), caught.value.problems


def test_too_many_grains_for_the_order_parameters_exits_2(tmp_path, capsys):
    data = grain_config(order_parameters=2)
    data["initial"] = {"grains": {"kind": "voronoi", "count": 40}}
    path = write_config(tmp_path, data)
    assert main(["run", str(path), "--out", str(tmp_path / "x.zarr")]) == 2
    err = capsys.readouterr().err
    assert "model.order_parameters:" in err and "use more order parameters" in err
    assert not (tmp_path / "x.zarr").exists()


def test_a_coarse_boundary_warns(tmp_path, capsys):
    data = grain_config(gb_width=2.5)
    assert main(["validate", str(write_config(tmp_path, data))]) == 0
    assert (
        "warning: model.gb_width: 2.5 grid spacings resolves the boundary coarsely"
        in capsys.readouterr().err
    )


def test_store_holds_order_parameters_ids_and_distributions(tmp_path, capsys):
    ds = pf.run(grain_config(), out=tmp_path / "gg.zarr")
    assert ds.eta.dims == ("t", "op", "y", "x")
    assert ds.eta.shape == (5, 8, 96, 96)
    assert ds.grain_id.dims == ("t", "y", "x")
    assert ds.grain_size_distribution.dims == ("t", "size_bin")
    assert ds.neighbour_distribution.dims == ("t", "neighbours")
    counts = ds.grain_count.values
    assert counts[0] == pytest.approx(25, abs=2)
    assert np.all(np.diff(counts) <= 0)  # grains only vanish
    np.testing.assert_array_equal(ds.grain_size_distribution.sum("size_bin").values, counts)
    np.testing.assert_array_equal(ds.neighbour_distribution.sum("neighbours").values, counts)
    for k in range(ds.sizes["t"]):
        assert len(np.unique(ds.grain_id.isel(t=k).values)) == counts[k]
    assert np.all(np.diff(ds.free_energy.values) < 0)
    assert main(["grains", str(tmp_path / "gg.zarr")]) == 0
    assert "mean_neighbours" in capsys.readouterr().out


def test_ids_from_a_file_become_the_grains(tmp_path):
    ids = np.zeros((96, 96), dtype=np.int64)
    ids[:, 48:] = 7
    ids[30:60, 10:40] = 3
    np.save(tmp_path / "ids.npy", ids)
    data = grain_config()
    data["initial"] = {"grains": {"kind": "file", "path": "ids.npy"}}
    data["time"] = {"dt": 1.0, "end": 2.0}
    ds = pf.run(pf.load_config(write_config(tmp_path, data)), out=tmp_path / "f.zarr")
    assert int(ds.grain_count.values[0]) == 3
    first = ds.grain_id.isel(t=0).values
    assert len(np.unique(first[ids == 3])) == 1
    assert len(np.unique(first[ids == 7])) == 1


@pytest.mark.parametrize("shape", [[96, 96], [256, 128]])  # the second is stepped in lanes
def test_grain_run_resumes_bit_identically(tmp_path, monkeypatch, shape):
    """The tracker's state (ids, next free id) and the remap cadence survive a resume; remaps
    happen before steps (their spectra marked stale), on a checkpoint's either side."""
    data = grain_config()
    data["grid"]["shape"] = shape
    data["checkpoint"] = {"every_steps": 7}
    reference, _, resumed = interrupt_then_resume(data, tmp_path, monkeypatch, 23)
    assert_identical_stores(reference, resumed)


def test_a_remap_leaves_the_microstructure_alone():
    """Moving grains between order parameters changes neither the grains nor the energy."""
    backend = get_backend("numpy")
    grid = Grid((192, 192))
    from phasefield.grains import colour_grains, voronoi_ids

    ids = voronoi_ids(grid, 140, np.random.default_rng(4))
    colour = colour_grains(ids, backend, 8, 6)
    eta = np.stack([(colour[ids] == c).astype(float) for c in range(8)])
    model = GrainGrowth(8, 1.0, 3.0, 1.0, stabilization=2.0)
    space = SpectralSpace(grid, backend, np.float64)
    stepper = make_stepper("imex_euler", model, space)
    state = stepper.initialise({"eta": eta})
    checked = 0
    for _ in range(12):
        for _ in range(10):
            stepper.step(state, 0.5)
        before_labels, _, _ = grain_labels(state.fields["eta"], backend, 2)
        before_energy = model.scalars(state, space)["free_energy"]
        remap = remap_order_parameters(state.fields["eta"], backend, 6, 3.0, vanishing_cells=60)
        if not remap.changed:
            continue
        stepper.resynchronise(state, "eta", sorted(remap.changed))
        checked += 1
        after_labels, _, _ = grain_labels(state.fields["eta"], backend, 2)
        assert model.scalars(state, space)["free_energy"] == pytest.approx(before_energy, rel=1e-3)
        # the same grains, cell for cell (the last cells of a vanishing grain may flip)
        sizes = np.bincount(before_labels.ravel())
        kept = sizes[before_labels] >= 5
        pairs = np.unique(np.stack([before_labels[kept], after_labels[kept]]), axis=1)
        assert pairs.shape[1] == len(np.unique(before_labels[kept]))
        assert pairs.shape[1] == len(np.unique(pairs[1]))
    assert checked >= 3  # the test saw grains move
