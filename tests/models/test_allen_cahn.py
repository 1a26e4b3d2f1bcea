"""The registry's worked example: an Allen–Cahn model added as one package and one registry
line, run end to end through ``pf.run`` and checked against its exact travelling front."""

from __future__ import annotations

import math

import numpy as np
import pytest

import phasefield as pf
from phasefield.models.registry import MODELS


def _front(x: np.ndarray, phi: np.ndarray, rising: bool) -> float:
    """Where ``phi`` crosses 1/2 (linear interpolation) on its rising or falling flank."""
    above = phi >= 0.5
    step = np.flatnonzero(above[1:] != above[:-1])
    index = next(i for i in step if above[i + 1] == rising)
    a, b = phi[index], phi[index + 1]
    return float(x[index] + (0.5 - a) / (b - a) * (x[index + 1] - x[index]))


def _config(tilt: float, scheme: str, dt: float) -> dict:
    # a band of phi = 1 between x = 80 and 176 with the exact front profile, ell = 1
    band = "1/(1 + exp(x - 176)) + 1/(1 + exp(80 - x)) - 1"
    return {
        "name": "front",
        "backend": "numpy",
        "precision": "float64",
        "grid": {"shape": [512], "spacing": 0.5},
        "time": {"dt": dt, "end": 100.0, "scheme": scheme},
        "output": {"every": 10.0},
        "model": {"kind": "allen_cahn", "mobility": 1.0, "kappa": 2.0, "height": 1.0, "tilt": tilt},
        "initial": {"phi": {"kind": "expression", "expression": band}},
    }


def test_the_model_is_registered_by_its_package():
    assert MODELS["allen_cahn"].keys.fields == ("phi",)


@pytest.mark.parametrize("tilt", [-0.05, 0.05])
def test_a_flat_front_moves_at_the_nagumo_speed(tmp_path, tilt):
    """``v = −3 L Δ √(2κ/W)`` (0.3 for these numbers): the band of the lower well grows, that
    of the higher one shrinks; both fronts move at v within 0.1 % (SBDF2 at dt = 0.05 of the
    profile's relaxation time 1/(2WL) = 0.5: 3e-5 off), and the free energy never rises."""
    dataset = pf.run(_config(tilt, "sbdf2", 0.025), out=tmp_path / "front.zarr")
    x, times = dataset["x"].values, dataset["t"].values
    phi = dataset["phi"].values
    left = np.array([_front(x, p, rising=True) for p in phi])
    right = np.array([_front(x, p, rising=False) for p in phi])
    expected = -3 * 1.0 * tilt * math.sqrt(2 * 2.0 / 1.0)
    late = times >= 20.0
    speed_right = np.polyfit(times[late], right[late], 1)[0]
    speed_left = -np.polyfit(times[late], left[late], 1)[0]
    assert speed_right == pytest.approx(expected, rel=1e-3)
    assert speed_left == pytest.approx(expected, rel=1e-3)
    assert abs(right[-1] - right[0]) > 25  # it did travel (30 at the exact speed)
    assert np.all(np.diff(dataset["free_energy"].values) < 0)
