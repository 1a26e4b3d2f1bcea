"""Shared fixtures: a seeded RNG, strict floating point, and a backend per usable array library."""

from __future__ import annotations

import numpy as np
import pytest

from phasefield.backend import Backend, available_backends, get_backend


@pytest.fixture(autouse=True)
def _strict_floating_point():
    """Any NumPy overflow, division by zero or invalid operation fails the test."""
    previous = np.seterr(all="raise")
    yield
    np.seterr(**previous)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20211105)


@pytest.fixture(params=["numpy", "cupy"])
def backend(request) -> Backend:
    """Runs a test on NumPy and, where a CUDA GPU is usable, on CuPy too."""
    if request.param not in available_backends():
        pytest.skip(f"{request.param} backend not usable here")
    return get_backend(request.param)
