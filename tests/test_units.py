"""Numbers with units: al_mg (SI) takes ``"0.5 nm"``, ``"450 degC"``, ``"1 h"`` wherever a
dimensional number goes, converted by pint to the model's units; the generic models refuse a
unit (their numbers are in the user's own units); errors name the key and the dimension."""

from __future__ import annotations

import pytest

from phasefield.config import ConfigError, load_config

from .helpers import AL_MG_BASE, config, merged


def _al_mg(**sections):
    data = merged(AL_MG_BASE)
    for section, values in sections.items():
        data[section] = {**data.get(section, {}), **values}
    return data


def test_lengths_times_and_temperatures_convert_to_si():
    cfg = load_config(
        _al_mg(
            grid={"spacing": "2 nm"},
            time={"dt": "1 min", "end": "1 h"},
            output={"every": "10 min"},
            checkpoint={"every_seconds": "2 min"},
            model={"gb_width": "6 nm", "temperature": "250 degC"},
        )
    )
    assert cfg.grid.spacing == pytest.approx(2e-9, rel=1e-12)
    assert cfg.model.gb_width == pytest.approx(6e-9, rel=1e-12)
    assert (cfg.time.dt, cfg.time.end, cfg.output.every) == (60.0, 3600.0, 600.0)
    assert cfg.checkpoint.every_seconds == 120.0
    assert cfg.model.temperature == pytest.approx(523.15)  # an offset scale, not 250 K


def test_a_number_with_units_equals_the_plain_si_number():
    plain = load_config(_al_mg())
    with_units = load_config(
        _al_mg(grid={"spacing": "20 angstrom"}, model={"gb_width": "0.006 um"})
    )
    assert with_units.grid.spacings == pytest.approx(plain.grid.spacings, rel=1e-12)
    assert with_units.model.gb_width == pytest.approx(plain.model.gb_width, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "si"), [("3 nm", 3e-9), ("0.0011 um", 1.1e-9), ("2.1 nm", 2.1e-9)]
)
def test_a_converted_number_is_the_decimal_one_written_in_si(text, si):
    """No binary noise from the conversion (3 nm * 1e-9 is 3.0000000000000004e-09 in floats),
    so a config written in nm and one written in m are the same config for --resume."""
    assert load_config(_al_mg(grid={"spacing": text})).grid.spacings[0] == si


def test_plain_numbers_and_numbers_as_text_are_unchanged():
    cfg = load_config(_al_mg(grid={"spacing": "2e-9"}))
    assert cfg.grid.spacing == 2e-9
    assert load_config(_al_mg()).model_dump() == load_config(merged(AL_MG_BASE)).model_dump()


def test_a_schedule_takes_units_in_both_columns():
    schedule = [[0, "250 degC"], ["0.1 s", "523.15 K"]]
    cfg = load_config(_al_mg(model={"temperature": {"schedule": schedule}}))
    assert cfg.model.temperature.schedule == [(0.0, pytest.approx(523.15)), (0.1, 523.15)]


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        ({"grid": {"spacing": "1 h"}}, "grid.spacing: '1 h' is a time, a length is needed"),
        ({"time": {"end": "3 nm"}}, "time.end: '3 nm' is a length, a time is needed"),
        ({"model": {"temperature": "5 J"}}, "model.temperature: '5 J' is an energy, a temp"),
        ({"grid": {"spacing": "2 furlongs2"}}, "grid.spacing: '2 furlongs2': unknown unit"),
        ({"grid": {"spacing": "2 nm)"}}, "grid.spacing: '2 nm)': cannot read the unit"),
        ({"grid": {"spacing": "inf m"}}, "grid.spacing: 'inf m' is not a finite number"),
        ({"grid": {"spacing": "1e999 nm"}}, "grid.spacing: '1e999 nm' is not a finite number"),
        ({"grid": {"spacing": "nan nm"}}, "grid.spacing: 'nan nm' is not a finite number"),
        ({"grid": {"spacing": "true m"}}, "grid.spacing: must be a valid number"),
        ({"grid": {"spacing": "-2 nm"}}, "grid.spacing: must be greater than 0"),
        (
            {"model": {"time_step": {"max_temperature_change": "2 degC"}}},
            "model.time_step.max_temperature_change: '2 degC' is a temperature on an offset",
        ),
        (
            {"model": {"temperature": {"schedule": [[0, 523.0], ["1 m", 523.0]]}}},
            "model.temperature.schedule[1][0]: '1 m' is a length, a time is needed",
        ),
    ],
)
def test_wrong_units_are_named(sections, expected):
    with pytest.raises(ConfigError) as caught:
        load_config(_al_mg(**sections))
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(expected)


def test_a_temperature_change_takes_kelvin_or_a_delta():
    cfg = load_config(_al_mg(model={"time_step": {"max_temperature_change": "3 delta_degC"}}))
    assert cfg.model.time_step.max_temperature_change == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"grid": {"shape": [32, 32], "spacing": "1 nm"}}, "grid.spacing"),
        ({"time": {"dt": "1 s", "end": 20.0}}, "time.dt"),
    ],
)
def test_a_generic_model_refuses_units(changes, key):
    with pytest.raises(ConfigError) as caught:
        load_config(config(**changes))
    (line,) = caught.value.problems
    assert line.startswith(f"{key}: ") and "cahn_hilliard takes plain numbers" in line


def test_a_word_is_not_taken_for_a_unit():
    with pytest.raises(ConfigError) as caught:
        load_config(config(time={"dt": "fast", "end": 20.0}))
    (line,) = caught.value.problems
    assert line.startswith("time.dt: must be a valid number") and "unit" not in line


def test_wall_clock_time_takes_units_on_every_model():
    cfg = load_config(config(checkpoint={"every_seconds": "1 min"}))
    assert cfg.checkpoint.every_seconds == 60.0


def test_the_schema_says_which_keys_take_units():
    from phasefield.config import config_schema

    defs = config_schema()["$defs"]
    assert defs["TimeConfig"]["properties"]["dt"]["unit"] == "s"
    assert defs["AlMgConfig"]["properties"]["gb_width"]["unit"] == "m"
