"""``base: other.yaml``: configs that inherit from another, deep-merged, in chains."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from phasefield import ConfigError, load_config
from phasefield.cli import main
from phasefield.config import to_yaml
from phasefield.sweep import load_sweep

from .helpers import config, write_config


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_config_states_only_what_differs_from_its_base(tmp_path):
    write_config(tmp_path, config(), "base.yaml")
    child = _write(
        tmp_path / "child.yaml",
        {"base": "base.yaml", "name": "child", "time": {"end": 40.0}, "grid": {"shape": [16, 16]}},
    )
    resolved = load_config(child)
    assert resolved.name == "child"
    assert (resolved.time.dt, resolved.time.end) == (0.5, 40.0)  # mappings merged key by key
    assert resolved.grid.shape == [16, 16]  # a list is replaced, not extended
    assert resolved.model.kappa == 2.0 and resolved.initial["c"].noise == 0.02
    assert "base" not in yaml.safe_load(to_yaml(resolved))  # the store records the merged keys


def test_null_replaces_a_base_value(tmp_path):
    write_config(tmp_path, config(output={"every": None, "every_steps": 2}), "base.yaml")
    child = _write(
        tmp_path / "child.yaml", {"base": "base.yaml", "time": {"end": None, "steps": 4}}
    )
    resolved = load_config(child)
    assert (resolved.time.end, resolved.time.steps) == (None, 4)


def test_another_kind_replaces_the_base_mapping_whole(tmp_path):
    """The base's uniform start has value and noise; a file start has neither."""
    write_config(tmp_path, config(), "base.yaml")
    np.save(tmp_path / "c0.npy", np.full((32, 32), 0.5))
    child = _write(
        tmp_path / "child.yaml",
        {"base": "base.yaml", "initial": {"c": {"kind": "file", "path": "c0.npy"}}},
    )
    resolved = load_config(child)
    assert resolved.initial["c"].kind == "file"
    same_kind = _write(
        tmp_path / "noise.yaml", {"base": "base.yaml", "initial": {"c": {"noise": 0.05}}}
    )
    assert load_config(same_kind).initial["c"].value == 0.5  # the same kind still merges


def test_bases_chain_and_each_level_wins_over_the_one_below(tmp_path):
    write_config(tmp_path, config(time={"dt": 0.5, "end": 10.0}), "a.yaml")
    _write(tmp_path / "b.yaml", {"base": "a.yaml", "seed": 11, "time": {"end": 20.0}})
    c = _write(tmp_path / "more" / "c.yaml", {"base": "../b.yaml", "time": {"end": 30.0}})
    resolved = load_config(c)
    assert (resolved.seed, resolved.time.end, resolved.time.dt) == (11, 30.0, 0.5)
    assert load_config(c, {"time.end": 40.0}).time.end == 40.0  # base < file < --set


def test_set_on_the_command_line_comes_last(tmp_path, capsys):
    write_config(tmp_path, config(time={"dt": 0.5, "end": 10.0}), "base.yaml")
    child = _write(tmp_path / "child.yaml", {"base": "base.yaml", "time": {"end": 20.0}})
    assert main(["validate", str(child)]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["time"]["end"] == 20.0
    assert main(["validate", str(child), "--set", "time.end=30"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["time"]["end"] == 30.0


def test_paths_in_a_base_are_relative_to_the_base(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    np.save(shared / "c0.npy", np.full((32, 32), 0.5))
    base = config(initial={"c": {"kind": "file", "path": "c0.npy"}}, output={"path": "o.zarr"})
    write_config(shared, base, "base.yaml")
    child = _write(tmp_path / "runs" / "child.yaml", {"base": "../shared/base.yaml"})
    resolved = load_config(child)
    assert resolved.initial["c"].path == shared / "c0.npy"
    assert resolved.output.path == shared / "o.zarr"
    # a path the config itself writes stays relative to its own folder
    _write(child, {"base": "../shared/base.yaml", "output": {"path": "mine.zarr"}})
    assert load_config(child).output.path == tmp_path / "runs" / "mine.zarr"


def test_a_dict_may_name_a_base_relative_to_base_dir(tmp_path):
    write_config(tmp_path, config(), "base.yaml")
    resolved = load_config({"base": "base.yaml", "seed": 3}, base_dir=tmp_path)
    assert (resolved.seed, resolved.name) == (3, "small")


def _problem(path):
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (line,) = caught.value.problems
    return line


def test_a_cycle_of_bases_is_named(tmp_path):
    a = _write(tmp_path / "a.yaml", {"base": "b.yaml", "seed": 1})
    b = _write(tmp_path / "b.yaml", {"base": "a.yaml", "seed": 2})
    line = _problem(a)
    assert line.startswith(f"{b}: base: a.yaml makes a cycle of bases"), line
    assert f"({a.resolve()} -> {b.resolve()} -> {a.resolve()})" in line
    itself = _write(tmp_path / "self.yaml", {"base": "self.yaml"})
    assert "makes a cycle of bases" in _problem(itself)


def test_a_missing_or_unusable_base_is_named(tmp_path):
    child = _write(tmp_path / "child.yaml", {"base": "absent.yaml"})
    assert (
        _problem(child) == f"{child}: base: absent.yaml: no such file ({tmp_path / 'absent.yaml'})"
    )
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    _write(child, {"base": "list.yaml"})
    line = _problem(child)
    assert line.startswith(f"{child}: base: {tmp_path / 'list.yaml'}: expected a mapping"), line
    _write(child, {"base": 5})
    assert _problem(child).startswith(f"{child}: base: give the file of the config")


def test_a_sweep_member_may_have_a_base(tmp_path):
    write_config(tmp_path, config(time={"dt": 0.5, "end": 10.0}), "base.yaml")
    _write(tmp_path / "member.yaml", {"base": "base.yaml", "name": "m"})
    sweep = _write(
        tmp_path / "sweep.yaml",
        {"name": "s", "members": [{"config": "member.yaml", "set": {"time.end": 5.0}}]},
    )
    (member,) = load_sweep(sweep).members
    assert (member.name, member.config.time.end, member.config.model.kappa) == ("m", 5.0, 2.0)


def test_the_schema_lists_base():
    from phasefield.config import config_schema

    assert config_schema()["properties"]["base"]["type"] == "string"
