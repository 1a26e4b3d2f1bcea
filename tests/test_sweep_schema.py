"""The sweep file's JSON Schema (``phasefield schema --sweep``): every sweep shipped in runs/
validates against it, and it refuses what load_sweep refuses (unknown keys)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from phasefield.cli import main
from phasefield.sweep import sweep_schema

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(ROOT.glob("runs/**/sweep*.yaml"))


def test_the_shipped_sweeps_are_found():
    assert {"sweep.yaml", "sweep_3d.yaml"} <= {path.name for path in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_shipped_sweep_validates_against_the_schema(path):
    jsonschema.validate(yaml.safe_load(path.read_text()), sweep_schema())


@pytest.mark.parametrize(
    "data",
    [
        {"name": "s", "members": [{"config": "a.yaml"}], "colour": "blue"},
        {"name": "s", "members": [{"config": "a.yaml", "sett": {"time.end": 1}}]},
        {"members": [{"config": "a.yaml"}]},
        {"name": "s", "parameters": {"time.end": 3600}},
    ],
)
def test_the_schema_refuses_what_a_sweep_may_not_hold(data):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, sweep_schema())


def test_schema_prints_the_run_schema_and_with_sweep_the_sweep_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "phasefield run config"
    assert main(["schema", "--sweep"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["title"] == "phasefield sweep file"
    assert {"name", "members", "base", "parameters"} <= set(printed["properties"])
