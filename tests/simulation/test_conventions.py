"""Stores in xarray's and CF's conventions: dims ``(t, [component,] [z,] y, x)``, a long_name and
pint-parsable units on every variable, integer counts, consolidated metadata once a run ends,
initial files in the same layout, and stores of the earlier layout read the same way."""

from __future__ import annotations

import json
import warnings

import matplotlib
import numpy as np
import pint
import pytest
import xarray as xr

import phasefield as pf
from phasefield.simulation.store import open_run

from ..helpers import AL_MG_BASE, config, grain_config, interrupt_then_resume, merged

matplotlib.use("Agg")

#: A field that varies along x only, on a grid that is not square: any swap of x and y shows.
_ALONG_X = "0.5 + 0.1 * sin(2 * pi * x / Lx)"
_SHAPE = [24, 16]  # nx, ny


def _grain_config():
    base = grain_config()
    return merged(
        base,
        grid={"shape": [48, 32]},
        time={"dt": 1.0, "end": 4.0},
        output={"every": 2.0},
        model={"order_parameters": 6},
        initial={"grains": {"kind": "voronoi", "count": 6}},
    )


_MODELS = {
    "cahn_hilliard": lambda: config(
        grid={"shape": _SHAPE, "spacing": 0.5},
        initial={"c": {"kind": "expression", "expression": _ALONG_X}},
        time={"dt": 0.5, "end": 2.0},
        output={"every": 1.0},
    ),
    "grain_growth": _grain_config,
    "al_mg": lambda: merged(AL_MG_BASE, grid={"shape": [32, 24], "spacing": 2e-9}),
}


@pytest.fixture(scope="module", params=sorted(_MODELS))
def store(request, tmp_path_factory):
    path = tmp_path_factory.mktemp(request.param) / "run.zarr"
    pf.run(_MODELS[request.param](), out=path, progress=False)
    return path


def test_plain_xarray_opens_a_finished_store_without_warnings(store):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dataset = xr.open_zarr(store)
    assert "consolidated_metadata" in json.loads((store / "zarr.json").read_text())
    assert dataset.sizes["t"] == open_run(store).sizes["t"] >= 2


def test_every_variable_has_a_long_name_and_units_pint_parses(store):
    registry = pint.UnitRegistry()
    dataset = open_run(store)
    for name, variable in dataset.variables.items():
        assert variable.attrs.get("long_name"), name
        registry.Unit(variable.attrs["units"])  # raises on a unit pint does not know
    if dataset.attrs["config"].count("al_mg"):
        assert registry.Unit(dataset["x"].attrs["units"]) == registry.metre
        assert registry.Unit(dataset["t"].attrs["units"]) == registry.second
        assert registry.Unit(dataset["temperature"].attrs["units"]) == registry.kelvin


def test_fields_are_y_then_x_and_counts_are_integers(store):
    dataset = open_run(store)
    for name, variable in dataset.data_vars.items():
        if "x" in variable.dims:
            assert variable.dims[-2:] == ("y", "x"), name
    assert dataset["step"].dtype.kind == "i"
    if "grain_count" in dataset:
        assert dataset["grain_count"].dtype.kind == "i"
        assert dataset["grain_id"].dtype.kind == "i"


def test_the_readme_plot_puts_x_across(tmp_path):
    store = tmp_path / "ch.zarr"
    pf.run(_MODELS["cahn_hilliard"](), out=store, progress=False)
    dataset = xr.open_zarr(store)
    first = dataset["c"].isel(t=0)
    x = dataset["x"].values
    expected = 0.5 + 0.1 * np.sin(2 * np.pi * x / (x.size * 0.5))
    np.testing.assert_allclose(first.values, np.broadcast_to(expected, (16, 24)), atol=1e-12)
    mesh = dataset["c"].isel(t=-1).plot()
    axes = mesh.axes
    assert axes.get_xlabel().startswith("x position")
    assert axes.get_ylabel().startswith("y position")
    assert axes.get_xlim()[1] > axes.get_ylim()[1]  # 24 cells across, 16 up
    matplotlib.pyplot.close("all")


def test_a_saved_field_is_a_valid_initial_file(tmp_path):
    """``ds.c.isel(t=-1).values`` saved with numpy starts a run that begins exactly there."""
    first = pf.run(_MODELS["cahn_hilliard"](), out=tmp_path / "a.zarr", progress=False)
    np.save(tmp_path / "c0.npy", first["c"].isel(t=-1).values)
    again = config(
        grid={"shape": _SHAPE, "spacing": 0.5},
        initial={"c": {"kind": "file", "path": str(tmp_path / "c0.npy")}},
        time={"dt": 0.5, "end": 1.0},
        output={"every": 1.0},
    )
    second = pf.run(again, out=tmp_path / "b.zarr", progress=False)
    # the start passes through one FFT pair: equal to rounding
    np.testing.assert_allclose(
        second["c"].isel(t=0).values, first["c"].isel(t=-1).values, rtol=0, atol=1e-15
    )


def test_an_initial_file_in_the_grid_order_is_refused_naming_the_layout(tmp_path):
    np.save(tmp_path / "c0.npy", np.full(_SHAPE, 0.5))  # (nx, ny): the old layout
    bad = config(
        grid={"shape": _SHAPE, "spacing": 0.5},
        initial={"c": {"kind": "file", "path": str(tmp_path / "c0.npy")}},
    )
    with pytest.raises(pf.ConfigError, match=r"expected \(16, 24\) \(the store's layout"):
        pf.run(bad, out=tmp_path / "b.zarr", progress=False)


def test_a_store_of_the_earlier_layout_reads_in_the_new_one(tmp_path):
    store = tmp_path / "old.zarr"
    new = pf.run(_MODELS["cahn_hilliard"](), out=store, progress=False)
    # rewrite it as phasefield 0.1.0 did: fields (t, x, y), attributes kept
    old = xr.open_zarr(store, consolidated=False).load()
    legacy = tmp_path / "legacy.zarr"
    old.transpose("t", "x", "y").to_zarr(legacy, zarr_format=3, consolidated=False)
    read = open_run(legacy)
    assert read["c"].dims == ("t", "y", "x")
    np.testing.assert_array_equal(read["c"].values, new["c"].values)


def test_a_resumed_store_is_consolidated_again_with_every_save(tmp_path, monkeypatch):
    """An interrupted run is consolidated as it was left; the resume must not leave that
    (now stale) consolidated metadata behind."""
    data = config(time={"dt": 0.5, "end": 20.0}, output={"every": 2.0})
    reference, partial, _ = interrupt_then_resume(data, tmp_path, monkeypatch, 17)
    assert partial.sizes["t"] < reference.sizes["t"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = xr.open_zarr(tmp_path / "resumed.zarr")
    assert plain.sizes["t"] == reference.sizes["t"] == 11
    np.testing.assert_array_equal(plain["c"].values, reference["c"].values)
