"""Every config error names its key; good configs resolve as documented."""

from __future__ import annotations

import numpy as np
import pytest

from phasefield import ConfigError, load_config
from phasefield.config import config_schema

from .helpers import config, write_config


def problems(data, tmp_path=None):
    with pytest.raises(ConfigError) as caught:
        load_config(data)
    return caught.value.problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"time": {"dt": -0.5}}, "time.dt: must be greater than 0"),
        ({"time": {"dt": "fast"}}, "time.dt: must be a valid number"),
        ({"grid": {"spacing": -1.0}}, "grid.spacing: must be greater than 0"),
        ({"grid": {"shape": []}}, "grid.shape: must have 1, 2 or 3 entries, not 0"),
        ({"grid": {"shape": [4, 4, 4, 4]}}, "grid.shape: must have 1, 2 or 3 entries, not 4"),
        ({"grid": {"shape": [0, 8]}}, "grid.shape[0]: must be greater than 0"),
        ({"grid": {"shape": [8, 8], "spacing": [1.0, 1.0, 1.0]}}, "grid: spacing has 3 entries"),
        ({"grid": {"shape": [8, 8], "spacnig": 1.0}}, "grid.spacnig: unknown key"),
        ({"colour": "blue"}, "colour: unknown key"),
        ({"precision": "float16"}, "precision: must be 'auto', 'float32' or 'float64'"),
        ({"backend": "torch"}, "backend: must be 'auto', 'numpy' or 'cupy'"),
        ({"seed": -1}, "seed: must be at least 0"),
        ({"name": "a b"}, "name: 'a b' is not a usable name"),
        ({"time": {"dt": 0.5, "end": 10, "steps": 4}}, "time: give exactly one of end and steps"),
        ({"time": {"dt": 0.5, "end": None}}, "time: give exactly one of end and steps"),
        ({"time": {"scheme": "rk4"}}, "time.scheme: must be 'imex_euler' or 'sbdf2'"),
        (
            {"time": {"dt": 0.5, "end": 10, "adaptive": {"tolerance": 1e-3}}},
            "time: adaptive needs scheme: sbdf2",
        ),
        (
            {"time": {"dt": 0.5, "end": 10, "scheme": "sbdf2", "adaptive": {"tolerance": 0}}},
            "time.adaptive.tolerance: must be greater than 0",
        ),
        (
            {
                "time": {
                    "dt": 0.5,
                    "end": 10,
                    "scheme": "sbdf2",
                    "adaptive": {"tolerance": 1e-3, "dt_min": 1.0, "dt_max": 0.1},
                }
            },
            "time.adaptive: dt_min (1) is above dt_max (0.1)",
        ),
        (
            {"output": {"every": 1.0, "every_steps": 3}},
            "output: give at most one of every, every_steps and times",
        ),
        (
            {"output": {"every": None, "times": [1.0, 0.5]}},
            "output.times: must be strictly increasing",
        ),
        (
            {"output": {"every": None, "times": [1.0, 50.0]}},
            "output.times: 50 is after time.end (20)",
        ),
        ({"output": {"fields": ["eta"]}}, "output.fields: eta is not a field of cahn_hilliard"),
        ({"model": {"kind": "phase_crystal"}}, "model.kind: unknown kind 'phase_crystal'"),
        ({"model": {"mobilty": 1.0}}, "model.mobilty: unknown key"),
        ({"model": {"kappa": 0}}, "model.kappa: must be greater than 0"),
        ({"model": {"stabilization": -1}}, "model.stabilization: must be 'auto'"),
        (
            {"model": {"mobility_form": "linear"}},
            "model.mobility_form: must be 'constant' or 'c(1-c)'",
        ),
        (
            {"model": {"mobility_stabilization": 2.0}},
            "model.mobility_stabilization: only used with",
        ),
        (
            {
                "model": {
                    "free_energy": {
                        "kind": "double_well",
                        "height": 5,
                        "c_alpha": 0.7,
                        "c_beta": 0.3,
                    }
                }
            },
            "model.free_energy: c_beta (0.3) must be greater than c_alpha (0.7)",
        ),
        (
            {
                "initial": {
                    "c": {"kind": "uniform", "value": 0.5},
                    "phi": {"kind": "uniform", "value": 0},
                }
            },
            "initial: phi is not a field of cahn_hilliard",
        ),
        ({"initial": {"c": {"kind": "uniform"}}}, "initial.c.value: required key is missing"),
        ({"initial": {"c": {"kind": "gaussian"}}}, "initial.c.kind: unknown kind 'gaussian'"),
        (
            {"initial": {"c": {"kind": "uniform", "value": 0.5, "noise": -1}}},
            "initial.c.noise: must be at least 0",
        ),
        (
            {"initial": {"c": {"kind": "expression", "expression": "__import__('os')"}}},
            "initial.c.expression: the function '__import__' is not allowed",
        ),
        (
            {"initial": {"c": {"kind": "expression", "expression": "0.5 + secret"}}},
            "initial.c.expression: the name 'secret' is not allowed",
        ),
        (
            {"initial": {"c": {"kind": "expression", "expression": "0.5 + z"}}},
            "initial.c.expression: z not defined on a 2-D grid",
        ),
        (
            {"initial": {"c": {"kind": "file", "path": "missing.npy"}}},
            "initial.c.path: no such file",
        ),
    ],
)
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
