"""``--set key.path=value`` on ``run`` and ``validate``, and ``load_config(overrides=...)``."""

from __future__ import annotations

import pytest
import yaml

import phasefield as pf
from phasefield import ConfigError, load_config
from phasefield.cli import main
from phasefield.config import parse_settings

from .helpers import AL_MG_BASE, config, write_config


def test_set_values_are_read_as_yaml():
    settings = parse_settings(
        ["time.end=100", "grid.shape=[64, 64]", "model.temperature=450 degC", "output.path="]
    )
    assert settings == {
        "time.end": 100,
        "grid.shape": [64, 64],
        "model.temperature": "450 degC",
        "output.path": None,
    }


def test_validate_prints_the_config_with_the_settings(tmp_path, capsys):
    path = write_config(tmp_path, config())
    assert (
        main(["validate", str(path), "--set", "time.end=100", "--set", "grid.shape=[64,64]"]) == 0
    )
    resolved = yaml.safe_load(capsys.readouterr().out)
    assert resolved["time"]["end"] == 100.0
    assert resolved["grid"]["shape"] == [64, 64]
    assert resolved["time"]["dt"] == 0.5  # the file's other keys stay


def test_run_stores_the_config_with_the_settings(tmp_path):
    path = write_config(tmp_path, config())
    out = tmp_path / "set.zarr"
    settings = ["--set", "time.end=2", "--set", "grid.shape=[16,16]", "--set", "output.every=1"]
    assert main(["run", str(path), "--out", str(out), "--quiet", *settings]) == 0
    dataset = pf.open_run(out)
    stored = yaml.safe_load(dataset.attrs["config"])
    assert stored["time"]["end"] == 2.0 and stored["grid"]["shape"] == [16, 16]
    assert dataset.sizes["x"] == 16 and float(dataset.t[-1]) == 2.0


def test_out_wins_over_a_set_output_path(tmp_path):
    path = write_config(tmp_path, config(time={"dt": 0.5, "end": 1.0}))
    out = tmp_path / "flag.zarr"
    other = tmp_path / "set.zarr"
    assert (
        main(["run", str(path), "--out", str(out), "--quiet", "--set", f"output.path={other}"]) == 0
    )
    assert out.exists() and not other.exists()


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("time.ned=100", "time.ned: unknown key"),
        ("colour=blue", "colour: unknown key"),
        ("grid.shape=big", "grid.shape: must be a valid list"),
        ("time.dt=-1", "time.dt: must be greater than 0"),
        ("grid.shape.x=3", "grid.shape.x: grid.shape is a list, not a mapping of keys"),
        ("base=other.yaml", "base: the base is read before keys are set"),
    ],
)
def test_a_bad_setting_names_its_key(tmp_path, capsys, setting, expected):
    path = write_config(tmp_path, config())
    assert main(["validate", str(path), "--set", setting]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"error: {path}: {expected}"), line


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("time.end", "--set time.end: expected KEY.PATH=VALUE"),
        ("=5", "--set =5: expected KEY.PATH=VALUE"),
        ("time..end=5", "--set 'time..end': not a key path"),
        ("grid.shape=[1,", "--set grid.shape: cannot read '[1,' as a YAML value"),
    ],
)
def test_a_malformed_setting_is_bad_input(tmp_path, capsys, setting, expected):
    path = write_config(tmp_path, config())
    for command in ("validate", "run"):
        assert main([command, str(path), "--out", str(tmp_path / "o.zarr"), "--set", setting]) == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert line.startswith(f"error: {expected}"), line
    assert not (tmp_path / "o.zarr").exists()


def test_load_config_takes_dotted_overrides(tmp_path):
    path = write_config(tmp_path, config())
    resolved = load_config(path, overrides={"time.end": 100, "model.kappa": 3.0, "seed": 9})
    assert (resolved.time.end, resolved.model.kappa, resolved.seed) == (100.0, 3.0, 9)
    assert load_config(config(), {"output.every": 2}).output.every == 2.0  # from a dict too
    with pytest.raises(ConfigError) as caught:
        load_config(path, overrides={"time.ned": 100})
    assert caught.value.problems[0].startswith(f"{path}: time.ned: unknown key")


def test_overrides_leave_the_callers_dict_alone():
    data = config()
    load_config(data, {"time.end": 4.0, "model.free_energy.height": 2.0})
    assert data["time"]["end"] == 20.0 and data["model"]["free_energy"]["height"] == 5.0


def test_a_set_value_may_carry_units_where_the_model_has_them(tmp_path, capsys):
    path = write_config(tmp_path, AL_MG_BASE)
    settings = ["--set", "model.temperature=450 degC", "--set", "grid.spacing=2.5 nm"]
    assert main(["validate", str(path), "--backend", "numpy", *settings]) == 0
    resolved = yaml.safe_load(capsys.readouterr().out)
    assert resolved["model"]["temperature"] == pytest.approx(723.15)
    assert resolved["grid"]["spacing"] == pytest.approx(2.5e-9)
    cahn_hilliard = write_config(tmp_path, config(), "ch.yaml")
    assert main(["validate", str(cahn_hilliard), "--set", "time.end=1 h"]) == 2
    assert "time.end: '1 h' has a unit" in capsys.readouterr().err
