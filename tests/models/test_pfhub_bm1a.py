"""PFHub benchmark 1a run to the end with the shipped config (slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import phasefield as pf

CONFIG = Path(__file__).parents[2] / "runs" / "pfhub_bm1a.yaml"


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
