"""Nothing silently wrong: checkpoints bound to their store, one writer per store, saves that
are complete or invisible, damage reported as damage, exit codes that say what happened."""

from __future__ import annotations

import errno
import json
import shutil
import warnings

import numpy as np
import pytest
import zarr

import phasefield as pf
from phasefield.cli import main
from phasefield.simulation import store as store_module
from phasefield.simulation import writing
from phasefield.simulation.checkpoint import checkpoint_path
from phasefield.simulation.lock import StoreLock, lock_path

from ..helpers import assert_identical_stores, config, interrupt_then_resume, write_config


def _cli(*args) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def finished(tmp_path):
    """A small run through the CLI: its config file and store."""
    path = write_config(tmp_path, config(checkpoint={"every_steps": 8}))
    out = tmp_path / "run.zarr"
    assert _cli("run", path, "--out", out, "--quiet") == 0
    return path, out


# --- exit codes by cause ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "0", "-2", "1.5"])
def test_a_bad_thread_count_is_bad_input(tmp_path, capsys, monkeypatch, value):
    monkeypatch.setenv("PHASEFIELD_THREADS", value)
    path = write_config(tmp_path, config())
    assert _cli("run", path, "--out", tmp_path / "t.zarr") == 2
    err = capsys.readouterr().err
    assert f"PHASEFIELD_THREADS: must be a whole number of at least 1 (got '{value}')" in err
    assert "Traceback" not in err and not (tmp_path / "t.zarr").exists()


def test_a_bad_fftw_planner_is_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PHASEFIELD_FFTW_PLANNER", "FFTW_FAST")
    path = write_config(tmp_path, config(grid={"shape": [30, 34]}))  # a shape not planned yet
    assert _cli("run", path, "--out", tmp_path / "p.zarr") == 2
    assert "PHASEFIELD_FFTW_PLANNER: must be one of FFTW_ESTIMATE" in capsys.readouterr().err


def test_an_output_path_under_a_file_is_bad_input(tmp_path, capsys):
    (tmp_path / "plain").write_text("not a folder")
    path = write_config(tmp_path, config())
    assert _cli("run", path, "--out", tmp_path / "plain" / "run.zarr") == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_an_unexpected_error_is_exit_1_with_its_traceback_in_a_named_log(
    tmp_path, capsys, monkeypatch
):
    from phasefield.simulation.handlers import guard

    def broken(self, run):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(guard.BlowUpGuard, "act", broken)
    path = write_config(tmp_path, config())
    out = tmp_path / "bug.zarr"
    assert _cli("run", path, "--out", out) == 1
    err = capsys.readouterr().err
    assert "error: the run failed: ZeroDivisionError: a bug; the traceback is in" in err
    (log,) = tmp_path.glob("bug.zarr.*.error.log")
    assert str(log) in err and "Traceback" in log.read_text() and "Traceback" not in err
    assert pf.open_run(out).attrs["status"] == "failed"


def test_running_out_of_memory_mid_run_says_so(tmp_path, capsys, monkeypatch):
    from phasefield.simulation.handlers import guard

    def exhausted(self, run):
        raise MemoryError

    monkeypatch.setattr(guard.BlowUpGuard, "act", exhausted)
    path = write_config(tmp_path, config())
    assert _cli("run", path, "--out", tmp_path / "m.zarr") == 1
    assert "error: the run ran out of memory; use a smaller grid or float32" in (
        capsys.readouterr().err
    )
    assert pf.open_run(tmp_path / "m.zarr").attrs["status"] == "failed"


def test_a_failed_write_marks_the_store_failed_and_keeps_the_earlier_saves(
    tmp_path, capsys, monkeypatch
):
    original = writing.StoreWriter.append

    def full(self, save):
        if self.saves == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(self, save)

    monkeypatch.setattr(writing.StoreWriter, "append", full)
    path = write_config(tmp_path, config())
    out = tmp_path / "full.zarr"
    assert _cli("run", path, "--out", out, "--quiet") == 1
    assert "No space left on device" in capsys.readouterr().err
    kept = pf.open_run(out)
    assert kept.attrs["status"] == "failed" and kept.sizes["t"] == 3


# --- checkpoints bound to their store ------------------------------------------------------


def test_a_checkpoint_of_another_store_is_refused(finished, tmp_path, capsys):
    """Of a store of the same config, by its id; of another grid, by its id and its grid."""
    path, out = finished
    stamp = (out / "zarr.json").read_bytes()
    for name, grid in (("same", [32, 32]), ("other", [48, 48])):
        other = tmp_path / f"{name}.zarr"
        other_config = write_config(tmp_path, config(grid={"shape": grid}), f"{name}.yaml")
        assert _cli("run", other_config, "--out", other, "--quiet") == 0
        shutil.copy(checkpoint_path(other), checkpoint_path(out))
        assert _cli("run", path, "--out", out, "--resume") == 2
        lines = capsys.readouterr().err.splitlines()
        prefix = f"error: {checkpoint_path(out)}: does not belong to {out}:"
        assert f"{prefix} store id" in "\n".join(lines)
        assert (f"{prefix} grid (48, 48) (checkpoint) against (32, 32) (now)" in lines) == (
            name == "other"
        ), lines
        assert (out / "zarr.json").read_bytes() == stamp


def test_a_checkpoint_counting_more_saves_than_the_store_holds_is_refused(finished, capsys):
    path, out = finished
    store_module.trim_store(out, 2)
    assert _cli("run", path, "--out", out, "--resume") == 2
    assert "it counts 5 saves, the store holds 2" in capsys.readouterr().err


def test_the_previous_checkpoint_resumes_bit_identically(tmp_path, monkeypatch, recwarn):
    """A run interrupted after several checkpoints, its latest checkpoint then torn: the
    resume takes the previous one, with a warning, and still ends bit-identical."""
    data = config(checkpoint={"every_steps": 8}, output={"every": 2.5})
    reference, _, _ = interrupt_then_resume(data, tmp_path, monkeypatch, step=30)
    out = tmp_path / "resumed.zarr"
    latest = checkpoint_path(out)
    latest.write_bytes(latest.read_bytes()[:100])  # torn beyond repair
    store = pf.run(data, out=out, resume=True)
    assert any("resuming from the previous checkpoint" in str(w.message) for w in recwarn)
    assert_identical_stores(reference, store)


def _garbage(file):
    file.write_bytes(b"not a checkpoint")


def _pickled(file):
    """An archive holding an object array (loading it would unpickle)."""
    with file.open("wb") as handle:
        np.savez(handle, **{"spectral.c": np.array([object()], dtype=object)})


def _flipped(file):
    """One byte of array data changed: the zip's CRC no longer matches."""
    data = bytearray(file.read_bytes())
    data[len(data) // 3] ^= 0xFF
    file.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _pickled, _flipped])
def test_every_checkpoint_damaged_is_bad_input_naming_them(finished, capsys, damage):
    path, out = finished
    for previous in (False, True):
        damage(checkpoint_path(out, previous))
    assert _cli("run", path, "--out", out, "--resume") == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for previous in (False, True):
        assert f"{checkpoint_path(out, previous)}: damaged checkpoint" in err
    assert "no good checkpoint to resume from; use --overwrite" in err


# --- one writer, own files only ------------------------------------------------------------


def test_a_store_being_written_is_refused_to_a_second_writer(finished, capsys):
    path, out = finished
    held = StoreLock(out).acquire()
    try:
        for flags in (["--overwrite"], ["--resume"]):
            assert _cli("run", path, "--out", out, *flags) == 2
            assert "being written by process" in capsys.readouterr().err
        assert _cli("validate", path, "--out", out, "--overwrite") == 2
        assert pf.open_run(out).attrs["status"] == "complete"
    finally:
        held.release()
    assert _cli("run", path, "--out", out, "--quiet", "--overwrite") == 0


def test_a_lock_left_by_a_killed_writer_is_no_lock(finished):
    path, out = finished
    lock_path(out).write_text(json.dumps({"pid": 999999, "host": "here", "started": 0}))
    assert _cli("run", path, "--out", out, "--quiet", "--overwrite") == 0
    assert not lock_path(out).exists()


def test_overwrite_needs_the_marker_and_deletes_only_the_stores_files(finished, capsys):
    path, out = finished
    (out / "notes.txt").write_text("mine")
    assert _cli("run", path, "--out", out, "--quiet", "--overwrite") == 2
    assert "holds files that are not the store's own (notes.txt)" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine" and (out / "zarr.json").is_file()
    (out / "notes.txt").unlink()
    assert _cli("run", path, "--out", out, "--quiet", "--overwrite") == 0
    metadata = json.loads((out / "zarr.json").read_text())
    del metadata["attributes"]["store_id"]  # a folder that merely looks like a store
    (out / "zarr.json").write_text(json.dumps(metadata))
    assert _cli("run", path, "--out", out, "--overwrite") == 2
    assert "not a phasefield store (no store_id in its zarr.json)" in capsys.readouterr().err
    assert (out / "c").is_dir()


def test_a_store_is_a_plain_zarr_hierarchy(finished):
    """The marker and the checkpoint live where zarr expects nothing else: listing the store's
    members warns about no file (a marker file beside the arrays made zarr warn)."""
    _, out = finished
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        members = dict(zarr.open_group(out, mode="r").members())
    assert {"c", "t", "step", "_checkpoint"} <= set(members)


# --- complete saves or none; damage reported -----------------------------------------------


def test_a_torn_append_is_not_a_save(finished, capsys):
    """The time series resized (as zarr's append does first) but the save never committed:
    readers show the committed saves only, never a save at t = NaN or of fill values."""
    path, out = finished
    group = zarr.open_group(out, mode="r+")
    for name in ("t", "step", "free_energy"):
        array = group[name]
        array.resize((array.shape[0] + 1,))
    dataset = pf.open_run(out)
    assert dataset.sizes["t"] == 5 and np.isfinite(dataset.t.values).all()
    assert (dataset.step.values >= 0).all()
    assert _cli("summary", out) == 0 and "5 saves" in capsys.readouterr().out
    assert _cli("run", path, "--out", out, "--quiet", "--resume") == 0  # finished: unchanged


def test_a_missing_chunk_is_damage(finished, capsys):
    _, out = finished
    (out / "c" / "c" / "2" / "0" / "0").unlink()
    for command in (["summary", out], ["export", out, "--vtk", out.parent / "vtk"]):
        assert _cli(*command) == 2
        assert "damaged store: 'c' misses 1 chunk(s) of its 5 complete saves" in (
            capsys.readouterr().err
        )
    assert not (out.parent / "vtk").exists()


def test_unreadable_metadata_is_damage(finished, capsys):
    _, out = finished
    (out / "free_energy" / "zarr.json").write_text("{ not json")
    assert _cli("summary", out) == 2
    assert "damaged store (" in capsys.readouterr().err


def test_a_store_whose_first_save_never_completed_opens_empty(tmp_path, capsys):
    out = tmp_path / "new.zarr"
    group = zarr.open_group(out, mode="w")
    group.attrs.update(phasefield_version="x", name="new", status="running")
    assert pf.open_run(out).sizes.get("t", 0) == 0
    assert _cli("summary", out) == 0 and "0 saves" in capsys.readouterr().out
