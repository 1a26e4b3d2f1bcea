"""PFHub benchmark 1a run to the end with the shipped config (slow)."""

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


def published_range(column: str) -> tuple[float, float]:
    """The smallest and largest value of ``column`` across the published submissions."""
    with PUBLISHED.open(encoding="utf-8") as file:
        rows = csv.DictReader(line for line in file if not line.startswith("#"))
        values = [float(row[column]) for row in rows]
    return min(values), max(values)


@pytest.mark.slow
def test_bm1a_to_t_10000(tmp_path):
    ds = pf.run(CONFIG, out=tmp_path / "bm1a.zarr")
    energy = ds.free_energy.values
    assert ds.t.values[-1] == 10000.0
    assert energy[0] == pytest.approx(319.0433, rel=1e-3)
    assert np.all(np.diff(energy) < 0)  # never increasing, at every saved time
    np.testing.assert_allclose(ds.c_mean.values, ds.c_mean.values[0], rtol=1e-12)
    c = ds.c.isel(t=-1).values
    # decomposed into the two wells (the plateaus sit near c_alpha = 0.3 and c_beta = 0.7)
    assert np.quantile(c, 0.05) < 0.32
    assert np.quantile(c, 0.95) > 0.68
    # F(t) within the published submissions' range, widened by 3 % each side
    for time, column in ((1000.0, "F_1000"), (10000.0, "F_10000")):
        low, high = published_range(column)
        ours = float(ds.free_energy.sel(t=time).values)
        assert (1 - WIDENING) * low <= ours <= (1 + WIDENING) * high, (
            f"F({time:g}) = {ours:.4f}, published {low:.4f} to {high:.4f}"
        )
