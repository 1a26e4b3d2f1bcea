"""Every config error names its key; good configs resolve as documented."""

from __future__ import annotations

import numpy as np
import pytest

from phasefield import ConfigError, load_config
from phasefield.config import config_schema

from .bad_configs import CONFIG_CHANGES
from .helpers import config, write_config


def problems(data, tmp_path=None):
    with pytest.raises(ConfigError) as caught:
        load_config(data)
    return caught.value.problems


@pytest.mark.parametrize(("change", "expected"), CONFIG_CHANGES)
def test_each_problem_names_its_key(change, expected):
    found = problems(config(**change))
    assert any(line.startswith(expected) for line in found), found


def test_a_field_without_initial_condition_is_named():
    data = config()
    data["initial"] = {}
    assert problems(data) == ["initial: no initial condition for c"]


def test_all_problems_are_reported_at_once():
    found = problems(config(time={"dt": -1}, grid={"spacing": 0}, colour="blue"))
    assert len(found) == 3


def test_initial_files_are_checked(tmp_path):
    np.save(tmp_path / "wrong_shape.npy", np.zeros((4, 4)))
    np.save(tmp_path / "words.npy", np.array(["a", "b"]))
    np.save(tmp_path / "good.npy", np.full((32, 32), 0.5))
    (tmp_path / "not_numpy.npy").write_text("hello")
    (tmp_path / "data.txt").write_text("1 2 3")
    cases = {
        "wrong_shape.npy": "has shape (4, 4); expected (32, 32)",
        "words.npy": "expected real numbers",
        "not_numpy.npy": "not a readable .npy file",
        "data.txt": "expected a .npy file",
    }
    for name, message in cases.items():
        data = config(initial={"c": {"kind": "file", "path": name}})
        path = write_config(tmp_path, data)
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert any(
            "initial.c.path: " in line and message in line for line in caught.value.problems
        ), (name, caught.value.problems)
    good = load_config(
        write_config(tmp_path, config(initial={"c": {"kind": "file", "path": "good.npy"}}))
    )
    assert good.initial["c"].path == tmp_path / "good.npy"  # relative to the config's folder


def test_yaml_problems_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ngrid: [1, 2\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: malformed YAML at line \d+, column \d+"):
        load_config(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="expected a mapping of keys"):
        load_config(listed)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.yaml")


def test_defaults_resolve():
    data = config()
    data["output"] = {}
    resolved = load_config(data)
    assert resolved.store_path.name == "small.zarr"
    assert resolved.save_cadence.every == 2.0  # ten saves by default
    assert resolved.saved_fields == ("c",)
    assert resolved.model.stabilization == "auto"


def test_schema_describes_the_keys():
    schema = config_schema()
    assert {"grid", "time", "model", "initial", "output"} <= set(schema["properties"])
    assert "cahn_hilliard" in str(schema)
