"""`phasefield report`: rows read from the stores, grain sizes simulated or derived from the
fitted parabolic law, a CSV and the figures (the material's observations drawn over the model,
Mg in wt%, scale bars, β outlined apart from grain boundaries); bad input exits 2."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

import phasefield as pf
from phasefield.cli import main
from phasefield.drawing import pyplot
from phasefield.materials import load_material
from phasefield.models.al_mg.figures import QUANTITIES, microstructure_figure, temperature_figure
from phasefield.models.al_mg.report import APPARENT_DIFFUSIVITY_FACTOR, AnnealRow
from phasefield.models.al_mg.report import anneal_row as _anneal_row
from phasefield.observations import load_observations
from phasefield.thermo.composition import Composition

from .helpers import config as ch_config
from .helpers import write_config


def anneal_row(store):
    """The report's row of one store."""
    return _anneal_row(pf.open_run(store), Path(store))


ROOT = Path(__file__).resolve().parents[1]
plt = pyplot()


def sc8(**changes):
    """The seed sweep's SC-8 config (1 h anneals are seconds below 700 K), changed."""
    data = yaml.safe_load((ROOT / "runs" / "seed" / "sc8.yaml").read_text())
    for key, value in changes.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    return data


@pytest.fixture(scope="module")
def anneals(tmp_path_factory):
    """Two SC-8 runs of 1 h: at 623 K standing for itself, at 673 K standing for a 2 h anneal."""
    folder = tmp_path_factory.mktemp("anneals")
    short = sc8(name="short", model={"temperature": 623.0})
    long = sc8(
        name="long",
        model={"temperature": 673.0},
        tags={"alloy": "SC-8", "anneal_time": 7200.0},
    )
    for data in (short, long):
        pf.run(data, out=folder / f"{data['name']}.zarr", backend="numpy", progress=False)
    return folder


def test_a_row_is_the_last_save_and_a_longer_anneal_is_derived(anneals):
    store = anneals / "long.zarr"
    dataset = pf.open_run(store)
    row = anneal_row(store)
    last = dataset.isel(t=-1)
    assert row.alloy == "SC-8" and row.temperature == 673.0 and row.material == "al_mg"
    # all the β: resolved and below the grid
    assert row.precipitate_fraction == float(last["precipitate_fraction"]) + float(
        last["subgrid_fraction"]
    )
    assert row.mg_in_alpha_wt == float(last["c_matrix"])
    assert row.lattice_parameter_nm == pytest.approx(float(last["lattice_parameter"]) * 1e9)
    t, d = dataset["t"].values, dataset["mean_grain_size"].values
    late = t >= t[-1] / 2
    # SC-8 barely coarsens: k may come out of either sign near zero (the mean equivalent
    # diameter of a fixed number of grains falls as their sizes spread); the report extrapolates
    # growth only, never shrinkage (k < 0 counts as 0)
    k = max(np.polyfit(t[late], d[late] ** 2, 1)[0], 0.0)
    assert row.grain_size_from == "derived" and row.anneal_time == 7200.0
    assert row.grain_size_nm * 1e-9 == pytest.approx(math.sqrt(d[0] ** 2 + k * 7200.0), rel=1e-9)
    expected = APPARENT_DIFFUSIVITY_FACTOR * ((row.grain_size_nm * 1e-9) ** 2 - d[0] ** 2) / 7200
    assert row.apparent_diffusivity == pytest.approx(expected, rel=1e-9)
    short = anneal_row(anneals / "short.zarr")
    assert short.grain_size_from == "simulated"
    assert short.grain_size_nm * 1e-9 == pytest.approx(
        float(pf.open_run(anneals / "short.zarr")["mean_grain_size"][-1])
    )


def test_the_command_prints_the_table_and_writes_csv_and_figures(anneals, tmp_path, capsys):
    out = tmp_path / "report"
    stores = [str(anneals / "short.zarr"), str(anneals / "long.zarr")]
    assert main(["report", *stores, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "SC-8" in text and "derived" in text and "simulated" in text
    with (out / "report.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["name"] for r in rows] == ["short", "long"]  # sorted by temperature
    assert {r["material"] for r in rows} == {"al_mg"}
    figures = [
        "grain_size",
        "precipitate_fraction",
        "mg_in_alpha",
        "microstructures_SC-8_1h",
        "microstructures_SC-8_2h",
    ]
    assert sorted(p.stem for p in out.glob("*.png")) == sorted(figures)
    for name in figures:
        image = (out / f"{name}.png").read_bytes()
        assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(image) > 5000


def test_bad_input_exits_2(anneals, tmp_path, capsys):
    ch = tmp_path / "ch.zarr"
    pf.run(ch_config(), out=ch, progress=False)
    assert main(["report", str(ch), str(anneals / "short.zarr"), "--out", str(tmp_path / "r")]) == 2
    assert "different models" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nothing.zarr")]) == 2
    assert "no such store or sweep file" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
    sweep = write_config(tmp_path, {"name": "s", "members": [{"config": "absent.yaml"}]}, "s.yaml")
    assert main(["report", str(sweep)]) == 2
    assert "members[0].config" in capsys.readouterr().err


# --- figures: observations drawn over the model, Mg in wt%, scale bars and beta outlines ---------

#: The observation file of the runs' material (materials/observations/xu2021.yaml).
FILE = Path(load_material("al_mg").observations)


def _row(alloy: str, temperature: float, **changes) -> AnnealRow:
    """A report row (no store behind it) for the figures against temperature."""
    values = {
        "alloy": alloy,
        "temperature": temperature,
        "simulated_time": 3600.0,
        "anneal_time": 3600.0,
        "grain_size_initial_nm": 8.0,
        "grain_size_nm": 9.0,
        "grain_size_from": "simulated",
        "growth_constant": 0.0,
        "precipitate_fraction": 0.0,
        "mg_in_alpha_wt": 15.0,
        "lattice_parameter_nm": 0.41,
        "apparent_diffusivity": 0.0,
        "name": f"{alloy}_{temperature:.0f}",
        "store": "",
        "status": "complete",
        "material": "al_mg",
    }
    return AnnealRow(**{**values, **changes})


#: SC-8 and NG-50 at temperatures with and without observations (600 K has none).
ROWS = [_row("SC-8", t) for t in (600.0, 673.0, 723.0)] + [_row("NG-50", t) for t in (523.0, 723.0)]


def _observation_markers(figure) -> dict[str, object]:
    """The observation squares of a figure against temperature, by observation id (their gid)."""
    (axes,) = [a for a in figure.axes if a.get_xlabel()]
    return {
        line.get_gid(): line for line in axes.lines if line.get_gid() and ":" not in line.get_gid()
    }


@pytest.mark.parametrize("plotted", QUANTITIES, ids=lambda p: p.stem)
def test_figures_draw_the_matching_observations_of_the_file(plotted):
    observations = load_observations(FILE)
    figure = temperature_figure(ROWS, plotted, {"al_mg": observations})
    drawn = _observation_markers(figure)
    expected = {}
    for row in ROWS:
        found = observations.matching(plotted.observed, row.alloy, row.temperature, 3600.0)
        if found is not None:
            expected[found.id] = (row.temperature, found.value)
    assert expected and set(drawn) == set(expected)  # one square per matching observation
    for identifier, (temperature, value) in expected.items():
        assert drawn[identifier].get_xdata()[0] == temperature
        assert drawn[identifier].get_ydata()[0] == pytest.approx(value)  # the file's unit
    (axes,) = [a for a in figure.axes if a.get_xlabel()]
    assert "seed (Xu et al. 2021)" in [t.get_text() for t in axes.get_legend().get_texts()]
    plt.close(figure)


def test_a_shifted_observation_moves_its_marker_and_limits_point_their_way(tmp_path):
    data = yaml.safe_load(FILE.read_text())
    for item in data["observations"]:
        if item["id"] == "sc8_723K_1h_grain_size":
            item["value"] = 30.0
    shifted = tmp_path / "shifted.yaml"
    shifted.write_text(yaml.safe_dump(data))
    size = QUANTITIES[0]
    assert size.observed == "grain_size"
    figure = temperature_figure(ROWS, size, {"al_mg": load_observations(shifted)})
    assert _observation_markers(figure)["sc8_723K_1h_grain_size"].get_ydata()[0] == 30.0
    plt.close(figure)

    beta = next(p for p in QUANTITIES if p.observed == "beta_fraction")
    figure = temperature_figure(ROWS, beta, {"al_mg": load_observations(FILE)})
    figure.canvas.draw()
    (axes,) = [a for a in figure.axes if a.get_xlabel()]
    arrows = {a.get_gid(): a for a in axes.texts if (a.get_gid() or "").endswith(":limit")}
    # SC-8: no beta (below 0.01, arrow down); NG-50 at 523 K: beta present (above 0, arrow up)
    for identifier, sign in (("sc8_673K_1h_beta", -1), ("ng50_523K_1h_beta", 1)):
        arrow = arrows[f"{identifier}:limit"]
        tip = arrow.xycoords.transform(arrow.xy)[1]
        tail = arrow.anncoords.transform(arrow.xyann)[1]  # at the square
        assert np.sign(tip - tail) == sign
    plt.close(figure)
    # no observations for the material: the model only
    figure = temperature_figure(ROWS, size, {})
    assert not _observation_markers(figure)
    plt.close(figure)


def _uniform_store(wt_percent: float) -> xr.Dataset:
    """One save of a 32 x 32 box of 1 nm cells: two grains, a disc of beta, Mg uniform."""
    composition = Composition.of(load_material("al_mg"))
    x = (np.arange(32) + 0.5) * 1e-9
    ids = np.where(np.arange(32)[np.newaxis, :] < 16, 1, 2) * np.ones((32, 1), dtype=np.int32)
    radius = np.hypot(*np.meshgrid(x - 16e-9, x - 16e-9, indexing="ij"))
    phi = np.clip((6e-9 - radius) / 2e-9 + 0.5, 0.0, 1.0)
    ids[phi > 0.5] = 0
    c = np.full((32, 32), composition.mole_fraction(wt_percent))
    fields = {"grain_id": ids, "c": c, "phi": phi}
    return xr.Dataset(
        {name: (("t", "y", "x"), values[np.newaxis]) for name, values in fields.items()},
        coords={"t": [1.0], "x": x, "y": x},
    )


def test_microstructure_panels_show_mg_in_wt_percent_with_scale_bar_and_beta_outline():
    from matplotlib.contour import ContourSet
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    store = _uniform_store(15.0)
    compositions = {"al_mg": Composition.of(load_material("al_mg"))}
    rows = [_row("SC-8", 723.0, store="uniform.zarr")]
    figure = microstructure_figure(rows, lambda path: store, compositions)
    maps = {a.get_ylabel(): a for a in figure.axes if a.images}
    mg = maps["Mg [wt%]"].images[0]
    assert mg.get_clim() == pytest.approx((0.0, 15.0))  # 15 wt%, not a mole fraction of 0.16
    assert np.asarray(mg.get_array()) == pytest.approx(15.0)
    colorbars = [a for a in figure.axes if not a.images and a.get_ylabel() == "Mg [wt%]"]
    assert len(colorbars) == 1
    grains = maps["grains and β"]
    (bar,) = [a for a in grains.artists if isinstance(a, AnchoredSizeBar)]
    assert bar.txt_label.get_text() == "5 nm"  # a round length, at most a quarter of 32 nm
    # beta outlined in red, apart from the black grain boundaries
    for name in ("grains and β", "Mg [wt%]"):
        (outline,) = [c for c in maps[name].collections if isinstance(c, ContourSet)]
        assert list(outline.levels) == [0.5]
    black = np.asarray(grains.images[0].get_array()) == 0
    ids = store["grain_id"].values[0]
    # between the two grains (x = 0 across the periodic edge, and x = 16), not around beta
    assert black.any() and set(np.nonzero(black)[1]) <= {0, 16}
    assert not (black & (ids == 0)).any()
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["grain boundary", "β outline (φ = 0.5)"]
    plt.close(figure)


def test_the_readme_comparison_is_the_one_the_seed_reports_rows_give():
    """The README's comparison with the paper is generated (runs/seed/comparison.py) from the
    seed sweep's report rows kept in docs/howto/seed_report.csv: the same table comes out of
    those rows now, every row says its role, and no fit target is ticked."""
    from phasefield.models.al_mg.comparison import compare, comparison_markdown
    from phasefield.models.al_mg.report import protocol_of, read_rows

    root = Path(__file__).resolve().parents[1]
    rows = read_rows(root / "docs" / "howto" / "seed_report.csv")
    observations, targets = protocol_of(rows)
    assert observations is not None
    table = comparison_markdown(compare(rows, observations, targets))
    readme = (root / "README.md").read_text()
    block = readme.split("<!-- comparison:begin -->")[1].split("<!-- comparison:end -->")[0]
    assert block.strip() == table.strip()
    lines = [line for line in block.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(lines) > 25
    fitted = [line for line in lines if "| fit target |" in line]
    assert fitted and all("✓" not in line for line in fitted)
    assert all(
        any(f"| {role} |" in line for role in ("fit target", "prediction", "derived"))
        for line in lines[1:]
    )


def test_roles_come_from_the_fit_targets_and_a_fit_target_is_never_ticked():
    """A value whose observation a material number was fitted to is a fit target even when it
    agrees (SC-8's 12 nm at 723 K, and the D_app computed from it); a held-out observation is a
    prediction, ticked or crossed by its tolerance (SC-8 at 673 K); a value not simulated to the
    anneal time is derived, and so is a ratio built on it; with no fit targets nothing is one."""
    from phasefield.models.al_mg.comparison import cell_role, compare
    from phasefield.models.al_mg.report import protocol_of

    rows = [
        _row("SC-8", 673.0, grain_size_nm=10.5),
        _row("SC-8", 723.0, grain_size_nm=12.0, apparent_diffusivity=1.5e-20),
        _row(
            "NG-50",
            723.0,
            simulated_time=0.04,
            grain_size_from="derived",
            grain_size_nm=2e4,
            apparent_diffusivity=5e-14,
        ),
    ]
    observations, targets = protocol_of(rows)
    assert observations is not None
    assert cell_role(rows[0], "grain_size", observations, targets) == "prediction"
    assert cell_role(rows[1], "grain_size", observations, targets) == "fit target"
    assert cell_role(rows[1], "apparent_diffusivity", observations, targets) == "fit target"
    assert cell_role(rows[1], "beta_fraction", observations, targets) == "prediction"
    assert cell_role(rows[2], "grain_size", observations, targets) == "derived"
    assert cell_role(rows[2], "beta_fraction", observations, targets) == "derived"
    assert cell_role(rows[1], "grain_size", observations, {}) == "prediction"
    found = {c.observation.id: c for c in compare(rows, observations, targets)}
    fitted = found["sc8_723K_1h_grain_size"]
    assert fitted.agrees and fitted.role == "fit target" and "✓" not in fitted.verdict
    assert found["sc8_673K_1h_grain_size"].verdict == "✓"
    ratio = found["ratio_723K_1h_apparent_diffusivity"]
    assert ratio.model_value == pytest.approx(5e-14 / 1.5e-20)
    assert ratio.role == "derived" and ratio.verdict == "✗ (derived)"
    assert found["sc8_760K_1h_grain_size"].verdict == "not run"
