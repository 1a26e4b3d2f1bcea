"""The command line: exit codes, messages, overwrite protection, resume after kill -9."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

import phasefield as pf
from phasefield.cli import main

from .helpers import (
    assert_identical_stores,
    cli_command,
    committed_saves,
    config,
    killable_run,
    write_config,
)


def run_cli(*args: str) -> int:
    return main([str(a) for a in args])


def test_run_prints_a_summary_and_summary_reads_it_back(tmp_path, capsys):
    path = write_config(tmp_path, config())
    out = tmp_path / "cli.zarr"
    assert run_cli("run", path, "--out", out) == 0
    printed = capsys.readouterr().out
    assert "status complete, 5 saves" in printed and "free_energy" in printed
    assert run_cli("summary", out) == 0
    assert capsys.readouterr().out == printed
    assert run_cli("summary", out, "--json") == 0
    series = json.loads(capsys.readouterr().out)["series"]
    assert series["t"] == [0.0, 5.0, 10.0, 15.0, 20.0]
    assert series["step"] == [0, 10, 20, 30, 40]


def test_validate_prints_the_resolved_config(tmp_path, capsys):
    path = write_config(tmp_path, config())
    assert run_cli("validate", path) == 0
    printed = capsys.readouterr().out
    assert (
        "stabilization: auto" in printed and "# ok: cahn_hilliard on 32x32 = 1024 cells" in printed
    )
    assert not (tmp_path / "out").exists()


def test_schema_is_json(capsys):
    assert run_cli("schema") == 0
    assert "properties" in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_input_exits_2_with_one_line_per_problem_and_writes_nothing(tmp_path, capsys, command):
    path = write_config(tmp_path, config(time={"dt": -1.0}, colour="blue"))
    assert (
        run_cli(command, path, *(["--out", tmp_path / "x.zarr"] if command == "run" else [])) == 2
    )
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines == [
        f"error: {path}: colour: unknown key (check its spelling; `phasefield schema` lists the keys)",
        f"error: {path}: time.dt: must be greater than 0 (got -1.0)",
    ] or sorted(lines) == sorted(
        [
            f"error: {path}: time.dt: must be greater than 0 (got -1.0)",
            f"error: {path}: colour: unknown key (check its spelling; `phasefield schema` lists the keys)",
        ]
    )
    assert "Traceback" not in err
    assert not (tmp_path / "x.zarr").exists()


def test_malformed_yaml_and_missing_files(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("grid: {shape: [1, 2\n")
    assert run_cli("run", bad) == 2
    assert "malformed YAML at line" in capsys.readouterr().err
    assert run_cli("run", tmp_path / "none.yaml") == 2
    assert "none.yaml: no such file" in capsys.readouterr().err
    assert run_cli("summary", tmp_path / "none.zarr") == 2
    assert "none.zarr: no such store" in capsys.readouterr().err


def test_bad_initial_file_is_named(tmp_path, capsys):
    np.save(tmp_path / "c0.npy", np.zeros((8, 8)))
    path = write_config(tmp_path, config(initial={"c": {"kind": "file", "path": "c0.npy"}}))
    assert run_cli("run", path, "--out", tmp_path / "f.zarr") == 2
    assert "initial.c.path: " in capsys.readouterr().err
    assert not (tmp_path / "f.zarr").exists()


def test_existing_output_is_refused_then_replaced_with_overwrite(tmp_path, capsys):
    path = write_config(tmp_path, config())
    out = tmp_path / "o.zarr"
    assert run_cli("run", path, "--out", out, "--quiet") == 0
    stamp = (out / "c" / "zarr.json").stat().st_mtime_ns
    assert run_cli("run", path, "--out", out, "--quiet") == 2
    assert "already exists; pass --overwrite" in capsys.readouterr().err
    assert (out / "c" / "zarr.json").stat().st_mtime_ns == stamp
    assert run_cli("run", path, "--out", out, "--quiet", "--overwrite") == 0


def test_resume_and_overwrite_together_is_a_usage_error(tmp_path, capsys):
    path = write_config(tmp_path, config())
    with pytest.raises(SystemExit) as caught:
        run_cli("run", path, "--resume", "--overwrite")
    assert caught.value.code == 2


def test_an_unusable_backend_is_bad_input(tmp_path, capsys):
    if "cupy" in pf.backend.available_backends():
        pytest.skip("CuPy is usable here")
    path = write_config(tmp_path, config())
    assert run_cli("run", path, "--backend", "cupy", "--out", tmp_path / "g.zarr") == 2
    assert "backend: the cupy backend is not usable here" in capsys.readouterr().err
    assert not (tmp_path / "g.zarr").exists()


def test_a_blow_up_exits_1_and_leaves_a_store_that_opens(tmp_path, capsys):
    path = write_config(
        tmp_path,
        config(
            time={"dt": 40.0, "end": 4000.0},
            output={"every": 40.0},
            model={"stabilization": 0.0, "mobility": 50.0},
        ),
    )
    out = tmp_path / "boom.zarr"
    assert run_cli("run", path, "--out", out, "--quiet") == 1
    err = capsys.readouterr().err
    assert "blew up" in err and "smaller time.dt" in err and "Traceback" not in err
    assert pf.open_run(out).attrs["status"] == "failed"


# --- kill -9 at any moment ------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_run(tmp_path_factory):
    """A run of a few seconds with frequent saves and checkpoints, and its uninterrupted result."""
    return killable_run(tmp_path_factory.mktemp("kill"), every=5.0, checkpoint_steps=37)


def _kill_after(
    process: subprocess.Popen, out: Path, saves: int, extra: float, sig=signal.SIGKILL
) -> None:
    """Kill once the store holds ``saves`` saves, ``extra`` seconds later (mid-step or mid-save)."""
    deadline = time.monotonic() + 60
    while committed_saves(out) < saves and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(extra)
    process.send_signal(sig)


@pytest.mark.parametrize("kills", [[(2, 0.0)], [(9, 0.013)], [(4, 0.005), (17, 0.021)]])
def test_resume_after_kill_9_is_bit_identical(long_run, tmp_path, kills):
    path, reference = long_run
    total = reference.sizes["t"]
    out = tmp_path / "killed.zarr"
    for attempt, (saves, extra) in enumerate(kills):
        flags = ["--resume"] if attempt else []
        process = subprocess.Popen(cli_command("run", path, "--out", out, "--quiet", *flags))
        _kill_after(process, out, saves, extra)
        assert process.wait() == -signal.SIGKILL
        left = committed_saves(out)  # whatever the moment, the store opens with the completed saves
        assert 1 <= left < total
    finished = subprocess.run(cli_command("run", path, "--out", out, "--quiet", "--resume"))
    assert finished.returncode == 0
    assert_identical_stores(reference, pf.open_run(out))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_checkpoints_and_exits_130(long_run, tmp_path, sig):
    path, reference = long_run
    out = tmp_path / "interrupted.zarr"
    process = subprocess.Popen(
        cli_command("run", path, "--out", out, "--quiet"), stderr=subprocess.PIPE, text=True
    )
    _kill_after(process, out, 6, 0.01, sig)
    _, err = process.communicate()
    assert process.returncode == 130, err
    assert "with --resume" in err
    assert pf.open_run(out).attrs["status"] == "interrupted"
    assert (
        subprocess.run(cli_command("run", path, "--out", out, "--quiet", "--resume")).returncode
        == 0
    )
    assert_identical_stores(reference, pf.open_run(out))
