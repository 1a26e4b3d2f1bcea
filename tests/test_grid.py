from __future__ import annotations

import numpy as np
import pytest

from phasefield.grid import Grid


@pytest.mark.parametrize("shape", [(16,), (8, 10), (6, 4, 9)])
def test_wavenumbers_match_the_fft_layout(shape):
    spacing = tuple(0.5 + 0.25 * i for i in range(len(shape)))
    grid = Grid(shape, spacing)
    assert grid.spectral_shape == (*shape[:-1], shape[-1] // 2 + 1)
    k2 = grid.wavenumber_squared()
    full = sum(
        np.meshgrid(
            *[(2 * np.pi * np.fft.fftfreq(n, h)) ** 2 for n, h in zip(shape, spacing, strict=True)],
            indexing="ij",
        )
    )
    np.testing.assert_allclose(k2, full[..., : shape[-1] // 2 + 1], rtol=1e-14)


@pytest.mark.parametrize("n", [8, 9])
def test_spectral_weights_give_parseval(n, rng):
    grid = Grid((6, n))
    u = rng.standard_normal(grid.shape)
    half = np.fft.rfftn(u) / grid.size
    assert np.sum(grid.spectral_weights() * np.abs(half) ** 2) == pytest.approx(
        np.mean(u**2), rel=1e-13
    )


def test_odd_derivative_drops_the_nyquist_mode():
    grid = Grid((8, 8))
    assert grid.broadcast_wavevector(0, odd=True).ravel()[4] == 0
    assert grid.broadcast_wavevector(0).ravel()[4] == pytest.approx(-np.pi)


@pytest.mark.parametrize(
    ("shape", "spacing"),
    [((), 1.0), ((4, 4, 4, 4), 1.0), ((1, 4), 1.0), ((4, 4), -1.0), ((4, 4), (1.0,))],
)
def test_bad_grids_are_rejected(shape, spacing):
    with pytest.raises(ValueError, match=r"dimensions|cells|spacing"):
        Grid(shape, spacing)


def test_geometry():
    grid = Grid((4, 8), (0.5, 2.0))
    assert grid.lengths == (2.0, 16.0)
    assert grid.volume == 32.0
    assert grid.cell_volume == 1.0
    np.testing.assert_array_equal(grid.coordinates(1), 2.0 * np.arange(8))
