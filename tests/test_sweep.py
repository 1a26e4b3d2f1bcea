"""`phasefield sweep`: members from a list or a base with parameters, run as Dask tasks on an
embedded cluster; complete members are skipped, a failed member does not stop the others, and bad
input (unknown keys, missing configs, a silent scheduler) exits 2 before anything is written."""

from __future__ import annotations

import socket

import pytest
import yaml

import phasefield as pf
from phasefield.cli import main
from phasefield.config import ConfigError
from phasefield.sweep import load_sweep, member_status

from .helpers import config, write_config


def sweep_file(folder, data, name="sweep.yaml"):
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def base(tmp_path):
    write_config(tmp_path, config(time={"dt": 0.5, "end": 5.0}, output={"every": 5.0}), "ch.yaml")
    return tmp_path


def test_a_base_with_parameters_expands_to_every_combination(base):
    path = sweep_file(
        base,
        {
            "name": "grid",
            "out": "stores",
            "members": [{"config": "ch.yaml", "name": "first", "set": {"seed": 3}}],
            "base": "ch.yaml",
            "parameters": {"model.mobility": [1.0, 2.0], "model.kappa": [1.0, 3.0]},
        },
    )
    sweep = load_sweep(path)
    assert [m.name for m in sweep.members] == [
        "first",
        "small_1_1",
        "small_1_3",
        "small_2_1",
        "small_2_3",
    ]
    assert sweep.members[0].config.seed == 3
    assert sweep.members[4].config.model.mobility == 2.0
    assert sweep.members[4].config.model.kappa == 3.0
    assert sweep.members[2].store == base / "stores" / "small_1_3.zarr"
    assert sweep.members[2].config.store_path == base / "stores" / "small_1_3.zarr"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": "s", "members": [{"config": "ch.yaml"}], "colour": 1}, "colour: unknown key"),
        ({"name": "s", "members": [{"config": "missing.yaml"}]}, "members[0].config:"),
        (
            {"name": "s", "members": [{"config": "ch.yaml", "set": {"time.dt": -1}}]},
            "members[0] (ch.yaml):",
        ),
        (
            {"name": "s", "members": [{"config": "ch.yaml"}, {"config": "ch.yaml"}]},
            "the name 'small' is used 2 times",
        ),
        ({"name": "s", "parameters": {"seed": [1, 2]}}, "parameters: give base"),
        ({"name": "s"}, "the sweep has no members"),
    ],
)
def test_bad_sweep_files_name_the_key_and_exit_2(base, capsys, data, expected):
    path = sweep_file(base, data)
    with pytest.raises(ConfigError):
        load_sweep(path)
    assert main(["sweep", str(path)]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err and "Traceback" not in captured.err
    assert not (base / "out").exists()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_scheduler_that_does_not_answer_is_bad_input(base, capsys, monkeypatch):
    monkeypatch.chdir(base)
    path = sweep_file(base, {"name": "s", "members": [{"config": "ch.yaml"}]})
    address = f"tcp://127.0.0.1:{_closed_port()}"
    assert main(["sweep", str(path), "--scheduler", address]) == 2
    assert f"--scheduler {address}: no Dask scheduler answers there" in capsys.readouterr().err
    assert not (base / "out").exists()


def test_members_run_on_a_local_cluster_failures_are_reported_and_complete_ones_skipped(
    base, capsys, monkeypatch
):
    monkeypatch.chdir(base)
    path = sweep_file(
        base,
        {"name": "demo", "base": "ch.yaml", "parameters": {"model.mobility": [1.0, 2.0, 4.0]}},
    )
    blocked = base / "out" / "demo" / "small_2.zarr"
    blocked.mkdir(parents=True)  # not a store: that member must fail, the others go on
    assert main(["sweep", str(path), "--workers", "2"]) == 1
    text = capsys.readouterr().out
    assert "small_2: FAILED" in text and "is not a phasefield store" in text
    assert "2 run, 0 skipped, 1 failed" in text
    for mobility in (1, 4):
        store = base / "out" / "demo" / f"small_{mobility}.zarr"
        assert member_status(store) == "complete"
        alone = pf.run(
            config(
                time={"dt": 0.5, "end": 5.0},
                output={"every": 5.0},
                model={"mobility": float(mobility)},
            ),
            out=base / f"alone_{mobility}.zarr",
            progress=False,
        )
        assert (pf.open_run(store)["c"].values == alone["c"].values).all()
    blocked.rmdir()
    assert main(["sweep", str(path), "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert "small_1: skipped (complete)" in text and "small_4: skipped (complete)" in text
    assert "1 run, 2 skipped, 0 failed" in text
    assert main(["sweep", str(path), "--workers", "1", "--overwrite"]) == 0
    assert "3 run, 0 skipped, 0 failed" in capsys.readouterr().out


def test_the_embedded_cluster_has_no_dashboard_unless_asked(monkeypatch):
    import phasefield.backend
    from phasefield.sweep import cluster_options

    kind, options = cluster_options(2, 3, "numpy")
    assert kind == "cpu" and options["dashboard_address"] is None
    assert cluster_options(2, 3, "numpy", "localhost:0")[1]["dashboard_address"] == "localhost:0"
    monkeypatch.setattr(phasefield.backend, "gpu_count", lambda: 2)
    kind, options = cluster_options(None, 3, "auto")
    assert kind == "gpu" and options["scheduler"]["options"]["dashboard_address"] is None
    assert len(options["workers"]) == 2


def test_dashboard_option_is_wired_and_off_by_default(base, monkeypatch, capsys):
    import importlib.util

    import phasefield.sweep

    calls = []

    def fake_run_sweep(sweep, **options):
        calls.append(options["dashboard"])
        if options["dashboard"]:
            options["on_dashboard"]("http://127.0.0.1:8787/status")
        return []

    monkeypatch.setattr(phasefield.sweep, "run_sweep", fake_run_sweep)
    real_find_spec = importlib.util.find_spec
    path = sweep_file(base, {"name": "demo", "base": "ch.yaml", "parameters": {"seed": [1]}})
    assert main(["sweep", str(path)]) == 0
    assert "Dask dashboard" not in capsys.readouterr().out
    monkeypatch.setattr(  # as if bokeh were installed (the dashboard extra)
        importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "bokeh" else real_find_spec(name, *a),
    )
    assert main(["sweep", str(path), "--dashboard"]) == 0
    assert "Dask dashboard: http://127.0.0.1:8787/status" in capsys.readouterr().out
    assert main(["sweep", str(path), "--dashboard", ":0"]) == 0
    assert calls == [None, "localhost:8787", ":0"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dashboard", "localhost:http"], "--dashboard localhost:http: give [HOST]:PORT"),
        (["--dashboard", "99999"], "--dashboard 99999: give [HOST]:PORT"),
        (["--dashboard", "--scheduler", "tcp://x:1"], "--dashboard: only for the embedded"),
    ],
)
def test_bad_dashboard_addresses_are_bad_input(base, capsys, arguments, message):
    path = sweep_file(base, {"name": "demo", "base": "ch.yaml", "parameters": {"seed": [1]}})
    assert main(["sweep", str(path), *arguments]) == 2
    assert message in capsys.readouterr().err
    assert not (base / "out").exists()


def test_a_dashboard_without_bokeh_names_the_extra(monkeypatch):
    import importlib.util

    from phasefield.sweep import dashboard_address

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(ConfigError) as caught:
        dashboard_address("localhost:8787")
    (problem,) = caught.value.problems
    assert 'pip install ".[dashboard]"' in problem
    assert "pip install 'phasefield-spectral[dashboard]'" in problem
