"""The run loop through the Python API: saves, cadence, resume, blow-up."""

from __future__ import annotations

import numpy as np
import pytest

import phasefield as pf

from ..helpers import assert_identical_stores, config, interrupt_then_resume


def test_saves_start_at_zero_end_at_the_end_and_land_on_the_cadence(tmp_path):
    # dt does not divide every, and every does not divide end
    data = config(time={"dt": 0.4, "end": 11.0}, output={"every": 3.0})
    ds = pf.run(data, out=tmp_path / "a.zarr")
    np.testing.assert_array_equal(ds.t.values, [0.0, 3.0, 6.0, 9.0, 11.0])
    assert ds.c.dims == ("t", "y", "x")
    assert ds.c.shape == (5, 32, 32)
    assert ds.attrs["status"] == "complete"
    assert ds.attrs["backend"] == "numpy" and ds.attrs["precision"] == "float64"
    assert "phasefield_version" in ds.attrs and "cahn_hilliard" in ds.attrs["config"]
    np.testing.assert_array_equal(ds.x.values, np.arange(32.0))
    assert np.all(np.diff(ds.free_energy.values) < 0)
    np.testing.assert_allclose(ds.c_mean.values, ds.c_mean.values[0], rtol=1e-13)


def test_listed_save_times(tmp_path):
    data = config(
        time={"dt": 0.5, "end": 20.0}, output={"every": None, "times": [0.3, 1.0, 3.0, 10.0]}
    )
    ds = pf.run(data, out=tmp_path / "times.zarr")
    np.testing.assert_array_equal(ds.t.values, [0.0, 0.3, 1.0, 3.0, 10.0, 20.0])


def test_step_counts_and_step_cadence(tmp_path):
    data = config(
        time={"dt": 0.5, "end": None, "steps": 25}, output={"every": None, "every_steps": 10}
    )
    ds = pf.run(data, out=tmp_path / "s.zarr")
    np.testing.assert_array_equal(ds.step.values, [0, 10, 20, 25])
    np.testing.assert_allclose(ds.t.values, [0.0, 5.0, 10.0, 12.5])


def test_float32_runs_and_stores_float32(tmp_path):
    ds = pf.run(config(precision="float32"), out=tmp_path / "f.zarr")
    assert ds.c.dtype == np.float32
    assert ds.attrs["precision"] == "float32"


def test_auto_precision_is_float64_on_the_cpu_and_float32_on_a_gpu(tmp_path):
    from phasefield.backend import default_precision

    assert default_precision("numpy") == "float64"
    assert default_precision("cupy") == "float32"
    data = config(backend="numpy")
    data.pop("precision", None)
    ds = pf.run(data, out=tmp_path / "auto.zarr")
    assert ds.c.dtype == np.float64
    assert ds.attrs["precision"] == "float64"
    assert "precision: float64" in ds.attrs["config"]


def test_one_and_three_dimensional_runs(tmp_path):
    one = pf.run(config(grid={"shape": [64]}), out=tmp_path / "one.zarr")
    assert one.c.dims == ("t", "x")
    three = pf.run(
        config(grid={"shape": [8, 8, 8], "spacing": [1.0, 1.0, 2.0]}), out=tmp_path / "three.zarr"
    )
    assert three.c.dims == ("t", "z", "y", "x")
    np.testing.assert_array_equal(three.z.values, 2.0 * np.arange(8))


def test_expression_initial_condition(tmp_path):
    data = config(
        initial={
            "c": {"kind": "expression", "expression": "0.5 + 0.01*cos(2*pi*x/Lx)*sin(2*pi*y/Ly)"}
        },
        time={"dt": 0.5, "end": 1.0},
    )
    ds = pf.run(data, out=tmp_path / "e.zarr")
    y, x = np.meshgrid(np.arange(32.0), np.arange(32.0), indexing="ij")  # the store's (y, x)
    expected = 0.5 + 0.01 * np.cos(2 * np.pi * x / 32) * np.sin(2 * np.pi * y / 32)
    np.testing.assert_allclose(ds.c.isel(t=0).values, expected, atol=1e-15)


def test_same_seed_same_result_other_seed_other_result(tmp_path):
    a = pf.run(config(seed=1), out=tmp_path / "a.zarr")
    b = pf.run(config(seed=1), out=tmp_path / "b.zarr")
    c = pf.run(config(seed=2), out=tmp_path / "c.zarr")
    assert_identical_stores(a, b)
    assert not np.array_equal(a.c.values, c.c.values)


@pytest.mark.parametrize(
    "time",
    [
        {"scheme": "imex_euler"},
        {"scheme": "sbdf2"},
        {"scheme": "sbdf2", "adaptive": {"tolerance": 1e-4, "dt_max": 2.0}},
    ],
    ids=["imex_euler", "sbdf2", "sbdf2-adaptive"],
)
def test_resume_after_an_interrupt_is_bit_identical(tmp_path, monkeypatch, time):
    # saves off the step grid: the steps before each save shorten (and for sbdf2 the
    # history of unequal steps, and the next step chosen, must come back from the checkpoint)
    data = config(
        time={"dt": 0.6, "end": 30.0, **time},
        output={"every": 2.5},
        checkpoint={"every_steps": 7},
    )
    reference, partial, resumed = interrupt_then_resume(data, tmp_path, monkeypatch, 33)
    assert partial.attrs["status"] == "interrupted"
    assert 0 < partial.sizes["t"] < reference.sizes["t"]
    assert_identical_stores(reference, resumed)
    assert resumed.attrs["status"] == "complete"
    # resuming a finished run changes nothing
    again = pf.run(data, out=tmp_path / "resumed.zarr", resume=True)
    assert_identical_stores(reference, again)


def test_background_saves_give_the_same_store_and_resume_bit_identically(tmp_path, monkeypatch):
    """Saves written on a worker thread (as on a GPU) hold what in-line saves hold, and an
    interrupted run with them resumes to the same store: checkpoints wait for the writes."""
    data = config(
        time={"dt": 0.6, "end": 30.0},
        output={"every": 2.5},
        checkpoint={"every_steps": 7},
    )
    inline = pf.run(data, out=tmp_path / "inline.zarr")
    background = config(**{**data, "output": {**data["output"], "background": "on"}})
    reference, partial, resumed = interrupt_then_resume(background, tmp_path, monkeypatch, 33)
    assert_identical_stores(inline, reference)
    assert partial.attrs["status"] == "interrupted"
    assert 0 < partial.sizes["t"] < reference.sizes["t"]
    assert_identical_stores(reference, resumed)


def test_a_failed_background_write_stops_the_run(tmp_path, monkeypatch):
    from phasefield.simulation import writing as store

    def broken(self, save):
        if self.saves == 2:
            raise OSError("disk full")
        original(self, save)

    original = store.StoreWriter.write
    monkeypatch.setattr(store.StoreWriter, "write", broken)
    data = config(output={"every": 2.5, "background": "on"})
    with pytest.raises(OSError, match="disk full"):
        pf.run(data, out=tmp_path / "run.zarr")
    kept = pf.open_run(tmp_path / "run.zarr")  # the saves before the failure are intact
    assert kept.sizes["t"] == 2


def test_blow_up_stops_with_the_good_saves_intact(tmp_path):
    # no stabilisation and a huge step: the explicit term overshoots and grows without bound
    data = config(
        time={"dt": 40.0, "end": 4000.0},
        output={"every": 40.0},
        model={"stabilization": 0.0, "mobility": 50.0},
    )
    with pytest.raises(pf.BlowUpError, match=r"smaller time.dt \(now 40; e.g. 10\)"):
        pf.run(data, out=tmp_path / "boom.zarr")
    ds = pf.open_run(tmp_path / "boom.zarr")
    assert ds.attrs["status"] == "failed"
    assert ds.sizes["t"] >= 1
    assert np.all(np.isfinite(ds.c.values)) and np.all(np.isfinite(ds.free_energy.values))


def test_existing_store_is_never_touched_without_a_flag(tmp_path):
    out = tmp_path / "once.zarr"
    first = pf.run(config(), out=out)
    before = first.c.values.copy()
    with pytest.raises(pf.ConfigError, match="already exists; pass --overwrite"):
        pf.run(config(seed=99), out=out)
    np.testing.assert_array_equal(pf.open_run(out).c.values, before)
    replaced = pf.run(config(seed=99), out=out, overwrite=True)
    assert not np.array_equal(replaced.c.values, before)


def test_a_folder_that_is_not_a_store_is_never_deleted(tmp_path):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("...")
    for flags in ({}, {"overwrite": True}, {"resume": True}):
        with pytest.raises(pf.ConfigError, match="is not a phasefield store"):
            pf.run(config(), out=precious, **flags)
    assert (precious / "chapter1.tex").read_text() == "..."


def test_resume_refuses_a_changed_config(tmp_path):
    out = tmp_path / "r.zarr"
    pf.run(config(), out=out)
    with pytest.raises(pf.ConfigError, match=r"changed: model.kappa \(store: 2.0, now: 3.0\)"):
        pf.run(config(model={"kappa": 3.0}), out=out, resume=True)


def test_derived_values_are_shared_until_the_fields_change():
    """Handlers share what they derive from the fields (grain labels) while the state's
    revision stays; a step or a resynchronised change makes it stale."""
    from phasefield.simulation.loop import Run
    from phasefield.state import State

    state = State({"u": np.zeros(4)}, {"u": np.zeros(3, complex)})
    run = Run(None, None, None, None, None, state, None)  # type: ignore[arg-type]
    calls = []

    def compute():
        calls.append(state.revision)
        return len(calls)

    assert run.derived("labels", compute) == 1
    assert run.derived("labels", compute) == 1
    assert run.derived("other", compute) == 2
    state.revision += 1  # what a step or a resynchronisation does
    assert run.derived("labels", compute) == 3
    assert calls == [0, 0, 1]
