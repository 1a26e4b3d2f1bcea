"""The store opens at any moment with exactly the completed saves."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import phasefield as pf
from phasefield.simulation.store import TIME, trim_store

from ..helpers import config


def test_a_save_cut_short_is_invisible(tmp_path):
    out = tmp_path / "torn.zarr"
    complete = pf.run(config(), out=out)
    saves = complete.sizes[TIME]
    # Simulate a kill in the middle of an append: data written, t not yet.
    group = zarr.open_group(out, mode="r+")
    group["c"].append(np.zeros((1, 32, 32)), axis=0)
    group["free_energy"].append(np.array([np.nan]), axis=0)
    opened = pf.open_run(out)
    assert opened.sizes[TIME] == saves
    np.testing.assert_array_equal(opened.c.values, complete.c.values)
    np.testing.assert_array_equal(opened.free_energy.values, complete.free_energy.values)
    trim_store(out, saves)
    assert zarr.open_group(out, mode="r")["c"].shape[0] == saves


def test_the_checkpoint_group_is_not_a_variable(tmp_path):
    ds = pf.run(config(), out=tmp_path / "g.zarr")
    assert "_checkpoint" not in ds.variables
    assert (tmp_path / "g.zarr" / "_checkpoint" / "state.npz").is_file()


@pytest.mark.parametrize("make", ["missing", "folder", "file"])
def test_opening_something_else_is_a_clear_error(tmp_path, make):
    path = tmp_path / "thing"
    if make == "folder":
        path.mkdir()
    elif make == "file":
        path.write_text("x")
    with pytest.raises(pf.StoreError, match=r"thing: (no such store|not a phasefield store)"):
        pf.open_run(path)
