"""An unknown key is followed by the close names its section allows ("did you mean ..."), in
every section, through unions and discriminated kinds, in run configs, sweeps and materials."""

from __future__ import annotations

import pytest
import yaml

from phasefield.config import ConfigError, load_config
from phasefield.sweep import load_sweep

from .helpers import AL_MG_BASE, config, merged, write_config


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (config(time={"dt": 0.5, "ned": 20.0}), "time.ned: unknown key; did you mean 'end'?"),
        (config(output={"evry": 5.0}), "output.evry: unknown key; did you mean 'every'?"),
        (
            config(initial={"c": {"kind": "uniform", "value": 0.5, "nosie": 0.1}}),
            "initial.c.nosie: unknown key; did you mean 'noise'?",
        ),
        (
            config(model={**config()["model"], "kapa": 2.0}),
            "model.kapa: unknown key; did you mean 'kappa'?",
        ),
        (
            merged(AL_MG_BASE, model={**AL_MG_BASE["model"], "nucleation": {"radus": 1e-9}}),
            "model.nucleation.radus: unknown key; did you mean 'radius'?",
        ),
        (
            merged(AL_MG_BASE, model={**AL_MG_BASE["model"], "temperature": {"schedul": []}}),
            "model.temperature.schedul: unknown key; did you mean 'schedule'?",
        ),
    ],
)
def test_an_unknown_key_names_the_close_ones(data, expected):
    with pytest.raises(ConfigError) as caught:
        load_config(data)
    assert expected in caught.value.problems


def test_a_key_close_to_none_keeps_the_plain_message():
    with pytest.raises(ConfigError) as caught:
        load_config(config(colour="blue"))
    (line,) = caught.value.problems
    assert line.startswith("colour: unknown key (check its spelling") and "did you mean" not in line


def test_suggestions_come_from_the_section_of_the_key_not_another():
    """``every_steps`` is a key of output and of checkpoint, ``end`` only of time."""
    with pytest.raises(ConfigError) as caught:
        load_config(config(checkpoint={"ned": 1}))
    (line,) = caught.value.problems
    assert line.startswith("checkpoint.ned: unknown key") and "'end'" not in line


def test_a_sweep_file_suggests_too(tmp_path):
    write_config(tmp_path, config())
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"name": "s", "members": [{"config": "run.yaml"}], "bas": 1}))
    with pytest.raises(ConfigError) as caught:
        load_sweep(sweep)
    assert f"{sweep}: bas: unknown key; did you mean 'base'?" in caught.value.problems
