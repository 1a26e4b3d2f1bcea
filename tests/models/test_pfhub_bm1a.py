"""PFHub benchmark 1a run to the end with the shipped config (slow: about 6 min on 2 cores)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import phasefield as pf

CONFIG = Path(__file__).parents[2] / "runs" / "pfhub_bm1a.yaml"
# F(1000) and F(10000) of the published submissions; the file says where they come from
PUBLISHED = Path(__file__).parents[1] / "data" / "pfhub_bm1a_free_energy.csv"
WIDENING = 0.03  # each side of the submissions' range
# the continuum F(0) = 319.0433 is the bulk part 318.97264 plus the interior gradient part
# 0.07063 (midpoint sums on 2000² and 4000² cells agree to 1e-9); the grid's gradient part also
# holds the seam where the non-periodic initial condition jumps across the box edge, about
# 0.163/h, so only the bulk part converges to the continuum (318.97169 at h = 0.25)
BULK_0 = 318.97264
SEAM = 0.163

pytestmark = pytest.mark.slow


def published_range(column: str) -> tuple[float, float]:
    """The smallest and largest value of ``column`` across the published submissions."""
    with PUBLISHED.open(encoding="utf-8") as file:
        rows = csv.DictReader(line for line in file if not line.startswith("#"))
        values = [float(row[column]) for row in rows]
    return min(values), max(values)


def check_published(ds, time: float, column: str) -> None:
    """F(time) within the published submissions' range, widened by ``WIDENING`` each side."""
    low, high = published_range(column)
    ours = float(ds.free_energy.sel(t=time).values)
    assert (1 - WIDENING) * low <= ours <= (1 + WIDENING) * high, (
        f"F({time:g}) = {ours:.4f}, published {low:.4f} to {high:.4f}"
    )


@pytest.fixture(scope="module")
def bm1a(tmp_path_factory):
    """The shipped run to t = 10000, once for the tests below."""
    return pf.run(CONFIG, out=tmp_path_factory.mktemp("bm1a") / "bm1a.zarr")


def test_bm1a_to_t_10000(bm1a):
    ds = bm1a
    energy = ds.free_energy.values
    assert ds.t.values[-1] == 10000.0
    assert float(ds.free_energy_bulk.values[0]) == pytest.approx(BULK_0, rel=2e-5)
    assert energy[0] == pytest.approx(319.0433 + SEAM / ds.x.values[1], rel=1e-4)
    assert np.all(np.diff(energy) < 0)  # never increasing, at every saved time
    np.testing.assert_allclose(ds.c_mean.values, ds.c_mean.values[0], rtol=1e-12)
    c = ds.c.isel(t=-1).values
    # decomposed into the two wells (the plateaus sit near c_alpha = 0.3 and c_beta = 0.7)
    assert np.quantile(c, 0.05) < 0.32
    assert np.quantile(c, 0.95) > 0.68


# The config's 800² cells are within 0.05 % of the continuum limit, F(1000) = 84.85 and
# F(10000) = 33.08 (runs/pfhub_bm1a.yaml says how they were found), 2.2 % above the highest
# submission at t = 1000 and 3.1 % below the lowest at t = 10000


def test_bm1a_free_energy_at_1000_within_the_published_range(bm1a):
    check_published(bm1a, 1000.0, "F_1000")


@pytest.mark.xfail(
    strict=True,
    reason="F(10000) converges to 33.08 (800² cells: 33.077; the band-limited start on 200² and "
    "400² cells: 33.075, and 33.078 at tolerance 1e-6), 0.1 % below the lowest published "
    "submission (34.13) less 3 % (33.11)",
)
def test_bm1a_free_energy_at_10000_within_the_published_range(bm1a):
    check_published(bm1a, 10000.0, "F_10000")
