"""`phasefield export`: every field of the chosen saves as VTK image data, read back exactly."""

from __future__ import annotations

import re

import numpy as np
import pytest

import phasefield as pf
from phasefield.cli import main
from phasefield.simulation.export import export_vtk

from ..helpers import AL_MG_BASE, config, merged, regrid_config

_TYPES = {"Float64": "<f8", "Float32": "<f4", "Int64": "<i8", "Int32": "<i4", "UInt8": "u1"}


def read_vti(path):
    """Arrays, extent and spacing of a .vti file with raw appended data (UInt64 headers)."""
    raw = path.read_bytes()
    head, _, data = raw.partition(b'<AppendedData encoding="raw">')
    data = data[data.index(b"_") + 1 :]
    text = head.decode()
    image = re.search(r'<ImageData WholeExtent="([^"]+)" Origin="([^"]+)" Spacing="([^"]+)"', text)
    extent = [int(v) for v in image.group(1).split()]
    shape = tuple(extent[2 * i + 1] - extent[2 * i] + 1 for i in range(3))
    spacing = [float(v) for v in image.group(3).split()]
    arrays = {}
    for name, kind, offset in re.findall(
        r'<DataArray Name="([^"]+)" NumberOfComponents="1" type="(\w+)" format="appended" '
        r'offset="(\d+)"',
        text,
    ):
        start = int(offset)
        size = int(np.frombuffer(data[start : start + 8], "<u8")[0])
        values = np.frombuffer(data[start + 8 : start + 8 + size], _TYPES[kind])
        arrays[name] = values.reshape(shape, order="F")
    return arrays, shape, spacing


def test_fields_round_trip_with_positions_and_times(tmp_path):
    store = tmp_path / "ch.zarr"
    dataset = pf.run(
        config(grid={"shape": [24, 16], "spacing": 0.5}, output={"every": 10.0}),
        out=store,
        progress=False,
    )
    assert main(["export", str(store), "--vtk", str(tmp_path / "vtk"), "--times", "10"]) == 0
    files = sorted((tmp_path / "vtk").glob("*.vti"))
    assert [f.name for f in files] == ["small_00001.vti"]
    arrays, shape, spacing = read_vti(files[0])
    assert shape == (24, 16, 1)
    assert spacing[:2] == [0.5, 0.5]
    np.testing.assert_array_equal(
        arrays["c"][:, :, 0], dataset["c"].sel(t=10.0).transpose("x", "y").values
    )
    collection = (tmp_path / "vtk" / "small.pvd").read_text()
    assert 'timestep="10.0"' in collection and 'file="small_00001.vti"' in collection


def test_a_stack_becomes_one_array_per_component_and_ids_stay_integers(tmp_path):
    store = tmp_path / "gg.zarr"
    dataset = pf.run(
        {
            "name": "gg",
            "backend": "numpy",
            "grid": {"shape": [64, 64], "spacing": 1.0},
            "time": {"dt": 0.1, "steps": 4},
            "output": {"every_steps": 4, "fields": ["eta", "grain_id"]},
            "model": {
                "kind": "grain_growth",
                "order_parameters": 6,
                "gb_energy": 1.0,
                "gb_width": 4.0,
                "gb_mobility": 1.0,
            },
            "initial": {"grains": {"kind": "voronoi", "count": 6}},
        },
        out=store,
        progress=False,
    )
    files = export_vtk(store, tmp_path / "vtk")
    assert len(files) == dataset.sizes["t"] + 1
    arrays, _, _ = read_vti(files[-2])
    assert sorted(arrays) == [f"eta_{i}" for i in range(6)] + ["grain_id"]
    np.testing.assert_array_equal(
        arrays["eta_2"][:, :, 0], dataset["eta"].isel(t=-1, op=2).transpose("x", "y").values
    )
    assert arrays["grain_id"].dtype.kind == "i"
    np.testing.assert_array_equal(
        arrays["grain_id"][:, :, 0], dataset["grain_id"].isel(t=-1).transpose("x", "y").values
    )


def test_an_al_mg_store_exports_with_its_nanometre_spacing(tmp_path):
    """Spacings below 1e-8 (metres) are spacings, not zeros (pyevtk's imageToVTK refused them)."""
    store = tmp_path / "al.zarr"
    dataset = pf.run(
        merged(AL_MG_BASE, grid={"shape": [24, 16], "spacing": 2e-9}), out=store, progress=False
    )
    assert main(["export", str(store), "--vtk", str(tmp_path / "vtk")]) == 0
    arrays, shape, spacing = read_vti(sorted((tmp_path / "vtk").glob("*.vti"))[-1])
    assert shape == (24, 16, 1)
    assert spacing[:2] == pytest.approx([2e-9, 2e-9], rel=1e-12)
    np.testing.assert_array_equal(
        arrays["c"][:, :, 0], dataset["c"].isel(t=-1).transpose("x", "y").values
    )


def test_a_regridded_run_exports_each_save_on_its_grid(tmp_path):
    """A store written by grid: one file per save, each of its grid's shape and spacing (the
    save after the regrid: half the points per axis, twice the spacing, the same box)."""
    store = tmp_path / "gg.zarr"
    pf.run(regrid_config(), out=store, progress=False)
    fine, coarse = pf.open_grids(store)
    assert main(["export", str(store), "--vtk", str(tmp_path / "vtk")]) == 0
    files = sorted((tmp_path / "vtk").glob("*.vti"))
    assert [f.name for f in files] == [f"gg_{i:05d}.vti" for i in range(4)]
    read = [read_vti(path) for path in files]
    assert [shape for _, shape, _ in read] == [(64, 64, 1)] * 3 + [(32, 32, 1)]
    assert [spacing[:2] for _, _, spacing in read] == [[1.0, 1.0]] * 3 + [[2.0, 2.0]]
    for (arrays, _, _), (dataset, save) in zip(
        read, [(fine, 0), (fine, 1), (fine, 2), (coarse, 0)], strict=True
    ):
        expected = dataset["grain_id"].isel(t=save).transpose("x", "y").values
        np.testing.assert_array_equal(arrays["grain_id"][:, :, 0], expected)
        assert sorted(arrays)[0] == "eta_0"
    collection = (tmp_path / "vtk" / "gg.pvd").read_text()
    assert 'timestep="30.0"' in collection and 'file="gg_00003.vti"' in collection
    assert main(["export", str(store), "--vtk", str(tmp_path / "v2"), "--times", "30"]) == 0
    assert [f.name for f in (tmp_path / "v2").glob("*.vti")] == ["gg_00003.vti"]
    assert main(["export", str(store), "--vtk", str(tmp_path / "v3"), "--times", "500"]) == 2


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    store = tmp_path / "ch.zarr"
    pf.run(config(output={"every": 10.0}), out=store, progress=False)
    assert main(["export", str(store), "--vtk", str(tmp_path / "v"), "--times", "500"]) == 2
    assert "--times: no save near t = 500" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "none.zarr"), "--vtk", str(tmp_path / "v")]) == 2
    assert not (tmp_path / "v").exists() or not any((tmp_path / "v").iterdir())
    (tmp_path / "file").write_text("x")
    assert main(["export", str(store), "--vtk", str(tmp_path / "file")]) == 2
    assert "not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("times", [None, [0.0, 20.0]])
def test_select_saves(times):
    from phasefield.simulation.export import select_saves

    stored = np.array([0.0, 10.0, 20.0])
    assert select_saves(times, stored) == ([0, 1, 2] if times is None else [0, 2])
