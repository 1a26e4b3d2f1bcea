"""The distance transform used by remapping: exact Euclidean distances to the nearest false cell."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage

from phasefield.backend.compile import PARALLEL_THRESHOLD
from phasefield.grains.distance import compiled_distance as distance_to_background


@pytest.mark.parametrize(
    "shape", [(37,), (23, 41), (9, 1, 13), (17, 30, 11), (40, 40, 40)], ids=str
)
def test_matches_scipy_on_random_masks(rng, shape):
    """Random sparse background (long envelopes) and a block of it; the larger 3-D mask takes
    the parallel passes."""
    mask = rng.random(shape) > 0.02
    mask[tuple(slice(n // 3, n // 3 + max(1, n // 5)) for n in shape)] = False
    expected = scipy.ndimage.distance_transform_edt(mask)
    assert (mask.size >= PARALLEL_THRESHOLD) == (shape == (40, 40, 40))
    np.testing.assert_array_equal(distance_to_background(mask), expected)


def test_single_seed_is_the_euclidean_norm():
    """One background cell: the distance is the norm of the offset, everywhere."""
    shape = (11, 14, 9)
    mask = np.ones(shape, dtype=bool)
    mask[3, 10, 4] = False
    offsets = np.indices(shape) - np.array([3, 10, 4]).reshape(3, 1, 1, 1)
    np.testing.assert_allclose(
        distance_to_background(mask), np.sqrt((offsets**2).sum(axis=0)), rtol=0, atol=1e-12
    )


def test_lines_without_background():
    """Only the envelope passes bring distance to lines with no false cell; a mask with none at
    all is infinite everywhere."""
    mask = np.ones((5, 6), dtype=bool)
    mask[2, 0] = False
    distances = distance_to_background(mask)
    assert distances[2, 0] == 0 and distances[0, 5] == pytest.approx(np.hypot(2, 5), abs=0)
    assert np.isinf(distance_to_background(np.ones((4, 4), dtype=bool))).all()
