"""Tiling: the copies' seams, the deformation that parts them, the grain statistics right after
a tiling, and resume across one."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import phasefield as pf
from phasefield.backend import get_backend
from phasefield.config import TileConfig
from phasefield.grains import grain_labels, grain_statistics
from phasefield.grains.tiling import displacement, shaken, tiled
from phasefield.grid import Grid

from ..helpers import grain_config, resumed_across_a_new_grid

#: The default deformation (its statistics are what a run gets).
SHAKE = TileConfig.model_fields["shake"].default


def test_the_deformation_vanishes_at_the_seams_and_has_the_stated_size():
    """Each copy's displacement is zero (with zero slope) on its faces, so the tiled fields
    stay continuous across the seams; its largest magnitude is the amplitude; copies differ."""
    rng = np.random.default_rng(3)
    moved = displacement((40, 30), 2, 12.0, 1.5, rng)
    assert moved.shape == (2, 80, 60)
    magnitude = np.sqrt((moved**2).sum(axis=0))
    for offset in ((0, 0), (0, 30), (40, 0), (40, 30)):
        copy = magnitude[offset[0] : offset[0] + 40, offset[1] : offset[1] + 30]
        assert copy.max() == pytest.approx(1.5)
        faces = (copy[0], copy[:, 0], copy[-1], copy[:, -1])  # half a cell from the faces
        assert max(face.max() for face in faces) < 0.1 * 1.5
    assert not np.allclose(magnitude[:40, :30], magnitude[40:, :30])


def test_no_displacement_leaves_the_copies_exact():
    field = np.random.default_rng(1).random((2, 12, 10))
    copies = tiled(field, 2, np, 2)
    assert copies.shape == (2, 24, 20)
    np.testing.assert_array_equal(copies[:, 12:, 10:], field)
    np.testing.assert_allclose(shaken(copies, np.zeros((2, 24, 20))), copies, atol=1e-15)


def evolved_grains(tmp_path):
    """A 128² structure of about 60 grains after some growth (order parameters stored)."""
    data = grain_config()
    data["grid"]["shape"] = [128, 128]
    data["initial"]["grains"]["count"] = 90
    data["time"]["end"] = 60.0
    data["output"] = {"every": 60.0, "fields": ["eta"]}
    return pf.run(data, tmp_path / "grains.zarr").eta.isel(t=-1).values


def statistics(eta, grid):
    backend = get_backend("numpy")
    eta = np.ascontiguousarray(np.swapaxes(eta, -1, -2))  # store (op, y, x) -> grid (op, x, y)
    labels, _, _ = grain_labels(eta, backend, 2)
    return grain_statistics(labels, grid, backend)


def test_a_tiling_keeps_the_size_and_neighbour_statistics(tmp_path):
    """Right after a tiling the box holds four times the grains, with the same distribution of
    d/<d> (two-sample Kolmogorov–Smirnov test against the grains before, p > 0.05) and the
    same mean neighbour count within its sampling error (2 standard errors of the mean). A
    deformation that moved area wholesale, or copies joined with a discontinuity at the seams
    (which makes new boundaries there), fails it."""
    eta = evolved_grains(tmp_path)
    before = statistics(eta, Grid((128, 128)))
    rng = np.random.default_rng(7)
    moved = displacement((128, 128), 2, before.mean_diameter, SHAKE * before.mean_diameter, rng)
    # the displacement is in grid axis order (x, y); the store's stack is (op, y, x)
    after_eta = shaken(tiled(np.swapaxes(eta, -1, -2), 2, np, 2), moved)
    after = statistics(np.swapaxes(after_eta, -1, -2), Grid((256, 256)))
    assert after.count == 4 * before.count
    relative_before = before.diameters / before.mean_diameter
    relative_after = after.diameters / after.mean_diameter
    assert stats.ks_2samp(relative_before, relative_after).pvalue > 0.05
    error = before.neighbour_counts.std() / np.sqrt(before.count)
    assert abs(after.neighbour_counts.mean() - before.neighbour_counts.mean()) < 2 * error
    assert after.mean_diameter == pytest.approx(before.mean_diameter, rel=0.02)


def test_resume_across_a_tiling_is_bit_identical(tmp_path, monkeypatch):
    """Interrupted after the tiling (a checkpoint of the tiled box), resumed: the same saves,
    bit for bit (the deformation is drawn from the checkpointed random stream)."""
    data = grain_config()
    data["grid"]["shape"] = [64, 64]
    data["grid"]["tile"] = {"grains": 10, "max": 1}
    data["initial"]["grains"]["count"] = 11
    data["time"]["end"] = 100.0
    data["checkpoint"] = {"every_steps": 7}
    grids = resumed_across_a_new_grid(data, tmp_path, monkeypatch, 75, "tilings")
    assert [g.sizes["x"] for g in grids] == [64, 128]
