"""The spectral update, generated from one description for the compiled and the array path,
against the schemes' formulas written out here."""

from __future__ import annotations

import numpy as np
import pytest

from phasefield.backend import get_backend
from phasefield.timestepping.schemes import SCHEMES
from phasefield.timestepping.update import scale_spectrum, spectral_update

SHAPES = [((40, 21), 2), ((3, 40, 21), 2), ((6, 8, 5), 3), ((2, 96, 97), 2)]
OPERATORS = (np.array([0.0, 0.4, 2.0]), np.array([0.0, 0.4]), np.array([0.0, -5.0]))


def _spectra(rng, shape, count):
    return [rng.standard_normal(shape) + 1j * rng.standard_normal(shape) for _ in range(count)]


def _axes(rng, shape, grid_ndim):
    grid = shape[-grid_ndim:]
    axes = [np.zeros(1)] * (3 - grid_ndim) + [rng.uniform(0, 2, n) for n in grid]
    k2 = (axes[0][:, None, None] + axes[1][None, :, None] + axes[2][None, None, :]).reshape(grid)
    return tuple(axes), k2


@pytest.mark.parametrize(("shape", "grid_ndim"), SHAPES)
def test_imex_euler_update(rng, shape, grid_ndim):
    """Both paths give the IMEX-Euler update, with |k|² summed from its axes (a 2-D grid, a
    stack of 2-D components, a 3-D grid, one large enough for the parallel loop)."""
    state, work = _spectra(rng, shape, 2)
    axes, k2 = _axes(rng, shape, grid_ndim)
    dt, scale = 0.3, 0.01
    expected = ((1 + dt * 0.4 * k2) * state + dt * scale * (-5.0 * k2) * work) / (
        1 + dt * (0.4 * k2 + 2.0 * k2**2)
    )
    coefficients = SCHEMES["imex_euler"].coefficients(dt, 0.0)
    for kernels in ("numba", "array"):
        s, w = state.copy(), work.copy()
        backend = get_backend("numpy", kernels=kernels)
        assert spectral_update(backend, coefficients, s, w, [], axes, dt, scale, OPERATORS) is None
        np.testing.assert_allclose(s, expected, rtol=1e-13)
        np.testing.assert_array_equal(s, w)


@pytest.mark.parametrize(("shape", "grid_ndim"), SHAPES)
@pytest.mark.parametrize("omega", [0.0, 0.7, 2.0])
def test_sbdf2_update_history_and_estimate(rng, shape, grid_ndim, omega):
    """Variable-step SBDF2 (Wang & Ruuth 2008) written out: the new state, the history moved
    back (û^n, E^n), and Σ w |û_SBDF2 − û_Euler|² against the Euler step from the same state."""
    state, work, previous, explicit = _spectra(rng, shape, 4)
    axes, k2 = _axes(rng, shape, grid_ndim)
    weights = rng.uniform(1, 2, axes[2].size)
    dt, scale = 0.3, 0.01
    implicit = 0.4 * k2 + 2.0 * k2**2
    e = 0.4 * k2 * state + scale * (-5.0 * k2) * work
    a0, a1, a2 = (1 + 2 * omega) / (1 + omega), 1 + omega, omega**2 / (1 + omega)
    expected = (a1 * state - a2 * previous + dt * ((1 + omega) * e - omega * explicit)) / (
        a0 + dt * implicit
    )
    euler = (state + dt * e) / (1 + dt * implicit)
    expected_estimate = float(np.sum(weights * np.abs(expected - euler) ** 2))
    coefficients = SCHEMES["sbdf2"].coefficients(dt, dt / omega if omega else 0.0)
    assert coefficients.estimated == (omega > 0)
    for kernels in ("numba", "array"):
        s, w, p, x = state.copy(), work.copy(), previous.copy(), explicit.copy()
        backend = get_backend("numpy", kernels=kernels)
        estimate = spectral_update(
            backend, coefficients, s, w, [p, x], axes, dt, scale, OPERATORS, weights
        )
        np.testing.assert_allclose(s, expected, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(s, w)
        np.testing.assert_array_equal(p, state)
        np.testing.assert_allclose(x, e, rtol=1e-13, atol=1e-15)
        assert estimate == pytest.approx(expected_estimate, rel=1e-9, abs=1e-20)


@pytest.mark.parametrize("shape", [(40, 21), (300, 151)])  # the second takes the parallel loop
def test_a_spectrum_is_scaled_in_place(rng, shape):
    """The update of a step combined in real space: work <- factor * work, exactly."""
    work = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    factor = rng.uniform(0, 1, shape)
    for kernels in ("numba", "array"):
        scaled = work.copy()
        scale_spectrum(get_backend("numpy", kernels=kernels), scaled, factor)
        np.testing.assert_array_equal(scaled, factor * work)
