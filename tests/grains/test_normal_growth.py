"""Grain growth at scale (slow): remapping does not change the statistics, grains never merge,
and normal growth is parabolic."""

from __future__ import annotations

import numpy as np
import pytest

import phasefield as pf

TAU = 3.0**2 / 8  # relaxation time of a 3-cell boundary with mu = sigma = 1


def run_2000_grains(tmp_path, order_parameters, end, fields=("grain_id",), every=22.5):
    config = {
        "name": f"normal-{order_parameters}",
        "seed": 5,
        "backend": "numpy",
        "grid": {"shape": [640, 640]},
        "time": {"dt": 0.5 * TAU, "end": end},
        "output": {"every": every, "fields": list(fields)},
        "model": {
            "kind": "grain_growth",
            "order_parameters": order_parameters,
            "gb_energy": 1.0,
            "gb_width": 3.0,
            "gb_mobility": 1.0,
        },
        "initial": {"grains": {"kind": "voronoi", "count": 2000}},
    }
    return pf.run(config, out=tmp_path / f"p{order_parameters}.zarr")


def merges(ds, largest_vanishing):
    """Ids that disappear between saves while larger than a vanishing grain can be."""
    found = []
    ids = ds.grain_id.values
    for k in range(1, ids.shape[0]):
        present, areas = np.unique(ids[k - 1], return_counts=True)
        gone = np.setdiff1d(present, np.unique(ids[k]))
        found += [
            (k, int(g), int(a))
            for g, a in zip(present, areas, strict=True)
            if g in gone and a > largest_vanishing
        ]
    return found


@pytest.mark.slow
def test_eight_order_parameters_behave_like_forty_and_grains_never_merge(tmp_path):
    few = run_2000_grains(tmp_path, 8, 450.0)
    many = run_2000_grains(tmp_path, 40, 450.0)
    assert few.grain_count.values[0] == many.grain_count.values[0] == 2000  # exactly the count
    np.testing.assert_allclose(few.grain_count.values, many.grain_count.values, rtol=0.03)
    # a three-sided grain loses pi mu sigma of area per unit time: between two saves at most
    # about 71 cells; anything larger that disappears has merged
    assert merges(few, 150) == []
    assert merges(many, 150) == []
    assert few.attrs["remap"]["grains_moved"] > 0  # the eight-parameter run did remap


@pytest.mark.slow
def test_normal_grain_growth_is_parabolic(tmp_path):
    ds = run_2000_grains(tmp_path, 10, 2250.0, fields=(), every=45.0)
    counts, sizes, times = ds.grain_count.values, ds.mean_grain_size.values, ds.t.values
    assert counts[0] == 2000
    # d^2 - d0^2 = k (t - t0)^(2n), fitted after the start has relaxed and while >= 200 remain
    start = np.searchsorted(times, 180.0)
    fit = (times > times[start]) & (counts >= 200)
    assert fit.sum() >= 10
    slope = np.polyfit(
        np.log(times[fit] - times[start]), np.log(sizes[fit] ** 2 - sizes[start] ** 2), 1
    )[0]
    assert 0.45 <= slope / 2 <= 0.55
