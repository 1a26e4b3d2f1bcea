"""The observation file and how a model value is held to an observation."""

from __future__ import annotations

import re

import pytest
import yaml

from phasefield.materials import load_material, material_path
from phasefield.observations import Observation, load_observations
from phasefield.schema.errors import ConfigError


def observation(**changes):
    values = {
        "id": "x",
        "quantity": "grain_size",
        "alloy": "SC-8",
        "temperature": 673.0,
        "anneal": 3600.0,
        "value": 10.0,
        "unit": "nm",
        "tolerance": 1.0,
        "figure": "Fig. 3B",
    }
    return Observation(**{**values, **changes})


def test_a_value_is_held_to_a_tolerance_a_factor_or_a_limit():
    about = observation()
    assert about.agrees(10.9) and about.agrees(9.0) and not about.agrees(11.2)
    factor = observation(tolerance=None, factor=3.0, value=7.7e-13)
    assert factor.agrees(2.6e-13) and factor.agrees(2.3e-12)
    assert not factor.agrees(2.5e-13) and not factor.agrees(2.4e-12)
    below = observation(tolerance=None, bound="below", value=0.01)
    assert below.agrees(0.0) and not below.agrees(0.01)
    above = observation(tolerance=None, bound="above", value=0.0)
    assert above.agrees(1e-6) and not above.agrees(0.0)
    assert about.describe() == "10 nm ± 1" and below.describe() == "below 0.01 nm"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tolerance": None}, "give exactly one of tolerance and factor"),
        ({"factor": 2.0}, "give exactly one of tolerance and factor"),
        ({"bound": "below"}, "a limit (bound: below) has no tolerance"),
        ({"tolerance": None, "factor": 2.0, "value": -1.0}, "a factor needs a positive value"),
    ],
)
def test_an_observation_says_how_it_is_compared(changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        observation(**changes)


def test_the_bundled_observations_and_the_fits_that_name_them():
    """Every fit target of the bundled material is an observation of its file, the seed's four
    held-out observations are no fit target, and each fitted number names at least one."""
    material = load_material("al_mg")
    observations = material.observation_set()
    assert observations is not None
    fitted = material.fitted()
    assert set(fitted) == {
        "thermodynamics.beta.curvature",
        "interfaces.precipitate_energy",
        "schwarz.suppression_energy",
        "schwarz.loss_energy",
        "schwarz.critical_size",
    }
    targets = {target for ids in fitted.values() for target in ids}
    assert targets <= set(observations.ids())
    held_out = {
        "sc8_673K_1h_grain_size",
        "sc8_483K_48h_grain_size",
        "ratio_723K_1h_apparent_diffusivity",
        "ng50_723K_1h_apparent_diffusivity",
    }
    assert not held_out & targets
    found = observations.matching("grain_size", "SC-8", 673.0, 3600.0)
    assert found is not None and found.id == "sc8_673K_1h_grain_size"
    assert observations.matching("grain_size", "SC-8", 673.0, 7200.0) is None


def test_a_repeated_id_or_a_missing_figure_is_refused(tmp_path):
    data = yaml.safe_load(
        (material_path("al_mg").parent / "observations" / "xu2021.yaml").read_text()
    )
    data["observations"].append(dict(data["observations"][0]))
    path = tmp_path / "twice.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match="appears twice"):
        load_observations(path)
    del data["observations"][-1]
    del data["observations"][0]["figure"]
    path = tmp_path / "nofigure.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"observations\[0\]\.figure"):
        load_observations(path)
