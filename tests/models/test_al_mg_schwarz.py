"""The Schwarz suppression factor s(f, T) = exp(-f ΔQ_S/(R T)) against the material file's
numbers, computed here by hand: the law, what the model applies to boundary motion and Mg
transport, and the value the file's source text states.

Expected values come from ``materials/al_mg.yaml`` read with ``yaml.safe_load`` and R = 8.314462618
J/(mol K) (CODATA 2018), never from the code under test. The code takes R = 8.31451 (SGTE), 5.7e-6
higher, so exponents are compared within 1e-5 relative: s within exp(±1e-5 f ΔQ_S/(R T)), about
±2.5e-4 relative at 523 K. Halving the exponent anywhere is off by 50 %."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from phasefield.grid import Grid
from phasefield.materials import load_material
from phasefield.models.al_mg.schwarz import SchwarzLaw

from .test_al_mg import COMPOSITION, bamboo, build

MATERIAL_FILE = Path(__file__).resolve().parents[2] / "materials" / "al_mg.yaml"
GAS = 8.314462618  # J/(mol K), CODATA 2018
#: The code's R (8.31451) is 5.7e-6 above GAS: exponents agree within this, relative.
EXPONENT_REL = 1e-5
TEMPERATURES = (523.0, 723.0)
FRACTIONS = (0.5, 1.0)


def suppression_entry() -> dict:
    return yaml.safe_load(MATERIAL_FILE.read_text())["schwarz"]["suppression_energy"]


def suppression_energy() -> float:
    """ΔQ_S (J/mol) as the material file states it."""
    entry = suppression_entry()
    assert entry["unit"] == "J/mol"
    return float(entry["value"])


def exponent_by_hand(fraction: float, temperature: float) -> float:
    """``f ΔQ_S / (R T)``, so that s = exp(-this)."""
    return fraction * suppression_energy() / (GAS * temperature)


def material():
    return load_material(str(MATERIAL_FILE))


@pytest.mark.parametrize("temperature", TEMPERATURES)
@pytest.mark.parametrize("fraction", FRACTIONS)
def test_the_law_is_the_material_files_factor(fraction, temperature):
    law = SchwarzLaw.of(material())
    expected = exponent_by_hand(fraction, temperature)
    assert -math.log(law.suppression(fraction, temperature)) == pytest.approx(
        expected, rel=EXPONENT_REL, abs=0
    )
    assert fraction * law.exponent(temperature) == pytest.approx(expected, rel=EXPONENT_REL, abs=0)


@pytest.mark.parametrize("temperature", TEMPERATURES)
def test_boundary_motion_and_mg_transport_are_slowed_by_the_material_files_factor(
    backend, temperature
):
    """Two grains along x (boundaries 4 nm wide), single α (Al-2 wt% Mg, no β), and along y three
    rows of Schwarz fraction 0, 1/2 and 1. At every x, in grains and on boundaries alike, the
    interface mobility L, the Mg diffusivity D and transport coefficient M the diffusion step
    uses, and the diffusivity nucleation and sub-grid growth see, are those of the row with f = 0
    times exp(-f ΔQ_S/(R T)) of the material file."""
    grid = Grid((32, 3), 1e-9)
    eta = bamboo(Grid((32,), 1e-9), 2, 4e-9)[..., None] * np.ones(grid.shape)
    schwarz = np.zeros(grid.shape)
    for row, fraction in enumerate(FRACTIONS, start=1):
        schwarz[:, row] = fraction
    fields = {
        "eta": eta,
        "phi": np.zeros(grid.shape),
        "c": np.full(grid.shape, float(COMPOSITION.mole_fraction(2.0))),
        "f_schwarz": schwarz,
    }
    # γ_p of a grain boundary: no β here, and it spares the fit of γ_p to σ_p (seconds)
    model, space, _, state = build(
        backend,
        grid,
        fields,
        temperature=temperature,
        material=material(),
        precipitate_interface="grain_boundary",
    )
    values = model.evaluate(state, space)
    applied = {
        name: backend.to_host(values[name]).copy()
        for name in ("mobility", "diffusivity", "transport")
    }
    environment = model.precipitation_environment(state, space)
    applied["nucleation diffusivity"] = backend.to_host(environment.diffusivity)
    boundary = (eta[0] > 0.05) & (eta[1] > 0.05)
    assert boundary.any() and not boundary.all()  # both kinds of cells are compared
    for row, fraction in enumerate(FRACTIONS, start=1):
        expected = exponent_by_hand(fraction, temperature)
        for name, value in applied.items():
            assert np.all(value[:, 0] > 0), name
            found = -np.log(value[:, row] / value[:, 0])
            assert found == pytest.approx(np.full(grid.shape[0], expected), rel=EXPONENT_REL), (
                f"{name} at f = {fraction}, {temperature} K"
            )


#: ``s(1, 723 K) = 2.0e-8`` (also ≈, ~; the number in e or ×10^ notation).
STATED = re.compile(
    r"s\(\s*(?P<fraction>[0-9.]+)\s*,\s*(?P<temperature>[0-9.]+)\s*K\s*\)\s*(?:=|≈|~)\s*"
    r"(?P<mantissa>[0-9]+(?:\.(?P<decimals>[0-9]+))?)"
    r"(?:\s*(?:[eE]|[×x]\s*10\^)\s*(?P<exponent>[-+−]?[0-9]+))?"
)


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def test_the_factor_the_material_file_states_is_the_computed_one():
    """Every ``s(f, T K) = value`` the entry of schwarz.suppression_energy states (its source,
    and any other text of the entry) equals exp(-f ΔQ_S/(R T)) of its value to the digits stated:
    within half a unit of the last digit (2.0e-8: 5e-10)."""
    found = [match for text in strings(suppression_entry()) for match in STATED.finditer(text)]
    assert found, (
        f"{MATERIAL_FILE}: schwarz.suppression_energy states no 's(f, T K) = value' to check; "
        "state the factor the fit gives (e.g. s(1, 723 K)) in its source"
    )
    for match in found:
        fraction, temperature = float(match["fraction"]), float(match["temperature"])
        power = int((match["exponent"] or "0").replace("−", "-"))
        stated = float(match["mantissa"]) * 10.0**power
        last_digit = 10.0 ** (power - len(match["decimals"] or ""))
        computed = math.exp(-exponent_by_hand(fraction, temperature))
        assert abs(computed - stated) <= 0.5 * last_digit, (
            f"{match[0]!r} but exp(-f ΔQ_S/(R T)) = {computed:.4g}"
        )
