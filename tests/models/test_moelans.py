"""The interface energy of the Moelans potential as a function of γ."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phasefield.models.moelans import gamma_for_energy_ratio, interface_energy_factor


def test_gamma_three_halves_is_the_closed_form():
    assert interface_energy_factor(1.5) == pytest.approx(math.sqrt(2) / 3, rel=1e-4)


def test_energy_rises_with_gamma_and_the_inverse_finds_it():
    gammas = np.geomspace(0.6, 30, 12)
    energies = [interface_energy_factor(float(g)) for g in gammas]
    assert np.all(np.diff(energies) > 0)
    reference = interface_energy_factor(1.5)
    for gamma in (0.7, 1.0, 3.0):
        ratio = interface_energy_factor(gamma) / reference
        assert gamma_for_energy_ratio(ratio) == pytest.approx(gamma, rel=1e-4)


def test_an_unreachable_ratio_is_refused():
    with pytest.raises(ValueError, match="outside what the potential gives"):
        gamma_for_energy_ratio(0.1)
