"""Bad input refused at once, by `validate` and `run` alike, before anything is written:
non-finite or boolean numbers, repeated YAML keys, oversized files, runs that would never end
or fill the disk, grids that cannot fit in memory, expressions that cannot be evaluated."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from phasefield.cli import main

from .bad_configs import every_bad_config
from .helpers import config, write_config

ROOT = Path(__file__).resolve().parents[1]


def _both(tmp_path, capsys, path, *options: str) -> list[str]:
    """`validate` and `run` on ``path`` (with ``options``): both exit 2 within 2 s, with the
    same messages, no traceback, nothing written; the messages."""
    out = tmp_path / "out.zarr"
    messages = []
    for command in ("validate", "run"):
        started = time.perf_counter()
        assert main([command, str(path), "--out", str(out), *options]) == 2
        assert time.perf_counter() - started < 2.0
        err = capsys.readouterr().err
        assert "Traceback" not in err
        messages.append(err)
        assert not out.exists()
    assert messages[0] == messages[1]
    return messages[0].strip().splitlines()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"time": {"end": float("inf")}}, "time.end: must be a finite number (got inf)"),
        ({"time": {"dt": float("inf")}}, "time.dt: must be a finite number (got inf)"),
        ({"time": {"dt": float("nan")}}, "time.dt: must be a finite number (got nan)"),
        ({"time": {"dt": True}}, "time.dt: must be a valid number (got true)"),
        ({"grid": {"shape": [32, True]}}, "grid.shape[1]: must be a valid integer (got true)"),
        ({"seed": False}, "seed: must be a valid integer (got false)"),
        (
            {"output": {"every": 1e-9}},
            "output.every: the run would write 2e+10 saves, more than limits.max_saves",
        ),
        (
            {"time": {"dt": 1e-12, "end": 20.0}},
            "time.dt: the run would take 2e+13 steps, more than limits.max_steps",
        ),
        (
            {"grid": {"shape": [10**5, 10**5, 10**5]}},
            "grid.shape: a run on 100000x100000x100000 cells needs at least",
        ),
    ],
)
def test_numbers_that_cannot_be_meant_are_refused(tmp_path, capsys, changes, expected):
    lines = _both(tmp_path, capsys, write_config(tmp_path, config(**changes)))
    assert len(lines) == 1 and expected in lines[0]


def test_a_bound_can_be_raised_where_a_long_run_is_meant(tmp_path, capsys):
    path = write_config(tmp_path, config(output={"every": 0.5}, limits={"max_saves": 10}))
    assert "limits.max_saves (10)" in _both(tmp_path, capsys, path)[0]
    path = write_config(tmp_path, config(output={"every": 0.5}, limits={"max_saves": 100}))
    assert main(["validate", str(path)]) == 0


def test_a_key_given_twice_is_refused_with_both_lines(tmp_path, capsys):
    text = yaml.safe_dump(config(), sort_keys=False).replace("seed: 7\n", "seed: 7\nseed: 8\n")
    path = tmp_path / "twice.yaml"
    path.write_text(text)
    (line,) = _both(tmp_path, capsys, path)
    assert f"{path}: malformed YAML at line 3" in line
    assert "the key 'seed' appears twice (first at line 2)" in line


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, capsys):
    path = tmp_path / "huge.yaml"
    with path.open("w") as handle:
        handle.write(yaml.safe_dump(config()))
        handle.write("# " + "x" * (50 * 2**20) + "\n")
    (line,) = _both(tmp_path, capsys, path)
    assert "50.0 MiB is too large for a YAML input file (at most 1 MiB)" in line


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0.5 + 10**10**10", "'10 ** 10 ** 10' is not a finite real number"),
        ("0.5 + 1/0", "'1 / 0' divides by zero"),
        ("0.5 + x % 0", "'x % 0' divides by zero"),
        ("0.5 + 1 % 0", "'1 % 0' divides by zero"),
        ("0.5 + sqrt(-1)", "'sqrt(-1)' is not a finite real number"),
        ("-" * 5000 + "0.5", "nested too deeply"),
        ("+".join(["0.001"] * 2_000), "more than 10000"),
        ("+".join(["0.001*x"] * 400), "nested too deeply"),
    ],
)
def test_expressions_that_cannot_be_evaluated_are_refused(tmp_path, capsys, expression, expected):
    initial = {"c": {"kind": "expression", "expression": expression}}
    (line,) = _both(tmp_path, capsys, write_config(tmp_path, config(initial=initial)))
    assert line.startswith("error: ") and "initial.c.expression" in line and expected in line


def test_validate_refuses_initial_values_that_run_refuses(tmp_path, capsys):
    """Values an expression gives only at run time (not finite for x < 100): validate builds
    the initial fields as run does."""
    initial = {"c": {"kind": "expression", "expression": "0.5 + log(x - 100)"}}
    (line,) = _both(tmp_path, capsys, write_config(tmp_path, config(initial=initial)))
    assert "initial.c: gives non-finite values (NaN or inf)" in line


def test_validate_checks_the_store_path_as_run_does(tmp_path, capsys):
    path = write_config(tmp_path, config())
    out = tmp_path / "out.zarr"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 0
    for command in ("validate", "run"):
        assert main([command, str(path), "--out", str(out)]) == 2
        assert "already exists; pass --overwrite" in capsys.readouterr().err
    assert main(["validate", str(path), "--out", str(out), "--overwrite"]) == 0
    assert main(["validate", str(path), "--out", str(out), "--resume"]) == 0


@pytest.mark.parametrize(("data", "expected"), every_bad_config())
def test_validate_and_run_refuse_every_bad_config_of_the_tests_alike(
    tmp_path, capsys, data, expected
):
    """The bad configs of test_config, test_grain_growth_runs and test_al_mg_runs (from
    tests/bad_configs.py): each refused by both, within 2 s, with the same message naming it."""
    lines = _both(tmp_path, capsys, write_config(tmp_path, data))
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("time.ned=100", "time.ned: unknown key"),
        ("time.dt=[1, 2]", "time.dt: must be a valid number"),
        ("grid.shape.x=3", "grid.shape.x: grid.shape is a list"),
        ("time.end", "--set time.end: expected KEY.PATH=VALUE"),
    ],
)
def test_validate_and_run_refuse_a_bad_setting_alike(tmp_path, capsys, setting, expected):
    lines = _both(tmp_path, capsys, write_config(tmp_path, config()), "--set", setting)
    assert len(lines) == 1 and expected in lines[0], lines


@pytest.mark.parametrize(
    ("bases", "expected"),
    [
        ({"b.yaml": {"base": "run.yaml"}}, "b.yaml: base: run.yaml makes a cycle of bases"),
        ({}, "base: b.yaml: no such file"),
        ({"b.yaml": [1, 2]}, "expected a mapping of keys at the top level, got list"),
    ],
)
def test_validate_and_run_refuse_a_bad_base_alike(tmp_path, capsys, bases, expected):
    for name, data in bases.items():
        (tmp_path / name).write_text(yaml.safe_dump(data))
    path = write_config(tmp_path, {**config(), "base": "b.yaml"})
    lines = _both(tmp_path, capsys, path)
    assert len(lines) == 1 and expected in lines[0], lines


SHIPPED = [
    pytest.param(
        path,
        id=str(path.relative_to(ROOT)),
        marks=[pytest.mark.slow] if path.stem.endswith("_3d") else [],
    )
    for path in sorted((ROOT / "runs").rglob("*.yaml"))
    if not path.stem.startswith("sweep")
]


@pytest.mark.parametrize("path", SHIPPED)
def test_every_shipped_config_validates(tmp_path, path):
    """What validate accepts, run starts: both run prepare() (run's own path is tested by the
    runs of these configs elsewhere). The 3-D configs meant for a GPU build their initial
    grains on the CPU here (grain colouring on 256^3 takes 2 minutes), so they are slow."""
    out = tmp_path / "out.zarr"
    assert main(["validate", str(path), "--out", str(out), "--backend", "numpy"]) == 0
    assert not out.exists()
