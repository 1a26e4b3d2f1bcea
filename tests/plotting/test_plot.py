"""`phasefield plot` and `pf.plot`: a PNG and a GIF of each model's store with real content;
bad input (field, time, movie suffix, MP4 without imageio-ffmpeg, a path that is no store)
exits 2 with one line naming it."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

import phasefield as pf
from phasefield.cli import main

from ..helpers import AL_MG_BASE, grain_config, merged, regrid_config
from ..helpers import config as ch_config


def _small_grains() -> dict:
    data = grain_config()
    return merged(
        data,
        grid={"shape": [40, 32]},
        time={"dt": 1.0, "end": 10.0},
        output={"every": 5.0},
        initial={"grains": {"kind": "voronoi", "count": 8}},
    )


CONFIGS = {
    "cahn_hilliard": lambda: ch_config(grid={"shape": [32, 24], "spacing": 1.0}),
    "grain_growth": _small_grains,
    "al_mg": lambda: AL_MG_BASE,
}


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plot")
    for kind, make in CONFIGS.items():
        pf.run(make(), out=folder / f"{kind}.zarr", progress=False)
    return folder


def _colours(path) -> int:
    import matplotlib.image

    image = matplotlib.image.imread(path)[..., :3]
    return len(np.unique(image.reshape(-1, 3), axis=0))


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("kind", list(CONFIGS))
def test_png_and_gif_of_every_model(stores, kind, capsys):
    store = stores / f"{kind}.zarr"
    assert main(["plot", str(store)]) == 0
    written = [line.removeprefix("wrote ") for line in capsys.readouterr().out.splitlines()]
    assert all(path.endswith(".png") for path in written)
    series = store.with_name(f"{kind}_series.png")
    assert str(series) in written  # beside the store, named after it
    main_field = {"cahn_hilliard": "c", "grain_growth": "grain_id", "al_mg": "c"}[kind]
    last = float(pf.open_run(store)["t"].values[-1])
    field_map = store.with_name(f"{kind}_{main_field}_t{last:.6g}.png")
    assert str(field_map) in written
    for path in (series, field_map):
        assert path.stat().st_size > 10_000
        assert _colours(path) > 100  # a picture, not a blank canvas
    if kind != "cahn_hilliard":
        assert str(store.with_name(f"{kind}_distributions_t{last:.6g}.png")) in written

    movie = stores / f"{kind}.gif"
    assert main(["plot", str(store), "--movie", str(movie)]) == 0
    from PIL import Image

    with Image.open(movie) as gif:
        assert gif.n_frames == pf.open_run(store).sizes["t"] > 1
        first = np.asarray(gif.convert("RGB"))
        gif.seek(gif.n_frames - 1)
        last_frame = np.asarray(gif.convert("RGB"))
    assert movie.stat().st_size > 5_000
    assert not np.array_equal(first, last_frame)  # the field moves


def test_mp4(stores, tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    movie = tmp_path / "grains.mp4"
    assert main(["plot", str(stores / "grain_growth.zarr"), "--movie", str(movie)]) == 0
    assert movie.stat().st_size > 2_000 and movie.read_bytes()[4:8] == b"ftyp"


def _neighbours_differ(ids, palette) -> bool:
    differ = []
    for axis in range(ids.ndim):  # every pair of cells across a boundary, periodic
        other = np.roll(ids, 1, axis=axis)
        touching = ids != other
        differ.append((palette[ids[touching]] != palette[other[touching]]).any(axis=1).all())
    return all(differ)


def test_grain_map_colours_neighbours_apart(stores):
    from phasefield.grains import boundary_cells
    from phasefield.plotting.maps import grain_palette

    ids = pf.open_run(stores / "grain_growth.zarr")["grain_id"].isel(t=-1).values
    assert _neighbours_differ(ids, grain_palette([ids]))
    assert 0 < boundary_cells(ids).sum() < ids.size // 2
    # stripes whose neighbours' ids differ by the palette's size (10): colouring by id modulo
    # the palette would give every stripe the same colour
    stripes = np.repeat(np.array([1, 11, 21, 31, 41, 2, 12, 22, 32, 42]), 3)[np.newaxis]
    stripes = np.repeat(stripes, 6, axis=0)
    palette = grain_palette([stripes])
    assert _neighbours_differ(stripes, palette)
    assert (palette[0] == 1.0).all()  # id 0, no grain: white


def test_times_pick_nearest_saves_and_out_names(stores, tmp_path):
    files = pf.plot(
        stores / "cahn_hilliard.zarr", field="c", times=[0.0, 9.0], out=tmp_path / "fig.png"
    )
    assert [f.name for f in files] == ["fig_c_t0.png", "fig_c_t10.png"]  # saves every 5
    one = pf.plot(stores / "cahn_hilliard.zarr", field="free_energy", out=tmp_path / "fe.png")
    assert one == [tmp_path / "fe.png"] and one[0].stat().st_size > 5_000


def test_three_dimensional_field_shows_three_slices(tmp_path):
    data = ch_config(grid={"shape": [12, 10, 8], "spacing": 1.0}, time={"dt": 0.5, "end": 1.0})
    store = pf.run(data, out=tmp_path / "cube.zarr", progress=False)
    assert store["c"].dims[-3:] == ("z", "y", "x")
    from phasefield.plotting.maps import MapFigure

    figure = MapFigure([store.isel(t=1)], "c", "cube")
    shapes = [image.get_array().shape for image in figure.images]
    figure.close()
    assert shapes == [(10, 12), (8, 12), (8, 10)]  # x-y, x-z, y-z: x across where shown


@pytest.fixture(scope="module")
def regridded(tmp_path_factory):
    """A store written by grid: saves at t = 0, 10, 20 on 64^2 cells, t = 30 on 32^2."""
    store = tmp_path_factory.mktemp("regrid") / "gg.zarr"
    pf.run(regrid_config(), out=store, progress=False)
    return store


def test_maps_of_a_regridded_run_come_from_the_grid_of_each_save(regridded, tmp_path, capsys):
    files = pf.plot(regridded, field="eta", times=[20.0, 30.0], out=tmp_path)
    assert [f.name for f in files] == ["gg_eta_t20.png", "gg_eta_t30.png"]
    assert all(_colours(path) > 100 for path in files)
    assert main(["plot", str(regridded), "--out", str(tmp_path / "all")]) == 0
    names = sorted(path.name for path in (tmp_path / "all").iterdir())
    assert names == [
        "gg_distributions_t30.png",
        "gg_eta_t30.png",
        "gg_grain_id_t30.png",
        "gg_series.png",
    ]
    from phasefield.plotting.maps import MapFigure
    from phasefield.plotting.select import Saves

    saves = Saves(pf.open_run(regridded), pf.open_grids(regridded))
    figure = MapFigure([saves.save(2), saves.save(3)], "grain_id", "gg")
    shown = []
    for frame in (0, 1):
        figure.show(frame)
        image = figure.images[0]
        shown.append((image.get_array().shape[:2], tuple(image.get_extent())))
    figure.close()
    # each on its grid, over the same 64-long box (cells centred on x = 0, h, 2h, ...)
    assert shown == [((64, 64), (-0.5, 63.5, -0.5, 63.5)), ((32, 32), (-1.0, 63.0, -1.0, 63.0))]


def test_a_movie_over_a_regrid(regridded, tmp_path):
    from PIL import Image

    movie = tmp_path / "grains.gif"
    assert pf.plot(regridded, movie=movie) == [movie]
    with Image.open(movie) as gif:
        assert gif.n_frames == 4
        gif.seek(2)
        fine = np.asarray(gif.convert("RGB"))
        gif.seek(3)
        coarse = np.asarray(gif.convert("RGB"))
    assert fine.shape == coarse.shape and not np.array_equal(fine, coarse)


def test_a_regridded_run_opened_by_grid_or_root(regridded, tmp_path, capsys):
    """A dataset of one grid plots like a store; the root holds no fields, and says where
    they are; a time outside the run exits 2 as for any store."""
    coarse = pf.open_grids(regridded)[1]
    files = pf.plot(coarse, field="eta", out=tmp_path / "coarse.png")
    assert files == [tmp_path / "coarse.png"] and _colours(files[0]) > 100
    with pytest.raises(pf.PlotError, match=r"open_grids"):
        pf.plot(pf.open_run(regridded), field="eta", out=tmp_path)
    assert main(["plot", str(regridded), "--times", "500"]) == 2
    assert "0 to 30" in _one_line(capsys)


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["--field", "nope"], "'nope'"),
        (["--times", "1000"], "1000"),
        (["--movie", "x.avi"], ".avi"),
        (["--out", "x.txt"], "x.txt"),
    ],
)
def test_bad_input_exits_2_naming_it(stores, arguments, named, capsys):
    assert main(["plot", str(stores / "cahn_hilliard.zarr"), *arguments]) == 2
    err = _one_line(capsys)
    assert named in err
    if arguments[0] == "--field":
        assert "free_energy" in err  # the fields it has
    if arguments[0] == "--times":
        assert "0 to 20" in err  # the run's range


@pytest.mark.parametrize("out", ["afile", "afile/figures", "afile/x.png"])
def test_out_through_a_file_exits_2_naming_it(stores, tmp_path, out, capsys):
    (tmp_path / "afile").write_text("mine")
    arguments = ["plot", str(stores / "cahn_hilliard.zarr"), "--out", str(tmp_path / out)]
    assert main([*arguments, *(["--field", "c"] if out.endswith(".png") else [])]) == 2
    assert "afile is a file" in _one_line(capsys)
    assert (tmp_path / "afile").read_text() == "mine"


def test_not_a_store_exits_2(tmp_path, capsys):
    assert main(["plot", str(tmp_path)]) == 2
    assert str(tmp_path) in _one_line(capsys)


def test_mp4_without_imageio_ffmpeg_names_the_package(stores, tmp_path, monkeypatch, capsys):
    real_import = builtins.__import__

    def without_ffmpeg(name, *args, **kwargs):
        if name == "imageio_ffmpeg":
            raise ImportError("No module named 'imageio_ffmpeg'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_ffmpeg)
    movie = tmp_path / "x.mp4"
    assert main(["plot", str(stores / "cahn_hilliard.zarr"), "--movie", str(movie)]) == 2
    err = _one_line(capsys)
    assert "imageio-ffmpeg" in err and "pip install" in err
    assert not movie.exists()


@pytest.mark.parametrize("ndim", [2, 3])
def test_hillert_distribution_is_a_density_with_mean_one(ndim):
    from scipy.integrate import quad

    from phasefield.plotting import hillert_distribution

    def density(rho):
        return float(hillert_distribution(rho, ndim))

    end = {2: 2.0, 3: 9.0 / 4.0}[ndim]  # u = 2, where the distribution ends
    assert quad(density, 0.0, end)[0] == pytest.approx(1.0, abs=1e-9)
    assert quad(lambda r: r * density(r), 0.0, end)[0] == pytest.approx(1.0, abs=1e-9)
    assert hillert_distribution([end, end + 0.5, -0.1], ndim).tolist() == [0.0, 0.0, 0.0]
