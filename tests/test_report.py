"""`phasefield report`: rows read from the stores, grain sizes simulated or derived from the
fitted parabolic law, a CSV and the figures; bad input exits 2."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import phasefield as pf
from phasefield.cli import main
from phasefield.models.al_mg.report import APPARENT_DIFFUSIVITY_FACTOR
from phasefield.models.al_mg.report import anneal_row as _anneal_row

from .helpers import config as ch_config
from .helpers import write_config


def anneal_row(store):
    """The report's row of one store."""
    return _anneal_row(pf.open_run(store), Path(store))


ROOT = Path(__file__).resolve().parents[1]


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
    assert row.alloy == "SC-8" and row.temperature == 673.0
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
