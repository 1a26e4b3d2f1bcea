"""kill -9 at 20 random moments of a run and its resumes: the store always opens, with no
save at t = NaN and no save of fill values, `summary` reads it, and the resumed run ends
bit-identical to an uninterrupted one."""

from __future__ import annotations

import random
import signal
import subprocess
import time

import numpy as np
import pytest

import phasefield as pf

from ..helpers import (
    assert_identical_stores,
    cli_command,
    committed_saves,
    config,
    killable_run,
    write_config,
)


@pytest.mark.slow
def test_kill_9_at_twenty_random_moments(tmp_path):
    path, expected = killable_run(tmp_path, every=2.5, checkpoint_steps=23)
    total = expected.sizes["t"]
    out = tmp_path / "killed.zarr"
    draw = random.Random(20261207)
    for attempt in range(20):
        flags = ["--resume"] if out.exists() else []
        process = subprocess.Popen(cli_command("run", path, "--out", out, "--quiet", *flags))
        target = min(committed_saves(out) + draw.randint(1, 6), total - 2)
        deadline = time.monotonic() + 60
        while (
            committed_saves(out) < target and process.poll() is None and time.monotonic() < deadline
        ):
            time.sleep(0.002)
        time.sleep(draw.uniform(0.0, 0.03))  # mid-step, mid-save or mid-checkpoint
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL, f"attempt {attempt}: the run ended first"
        if not out.exists():
            continue
        store = pf.open_run(out)  # whatever the moment: it opens, with complete saves only
        assert np.isfinite(store.t.values).all(), attempt
        assert (store.step.values >= 0).all(), attempt
        assert np.isfinite(store.c.values).all(), attempt
        summary = subprocess.run(cli_command("summary", out), capture_output=True, text=True)
        assert summary.returncode == 0, summary.stderr
    finished = subprocess.run(cli_command("run", path, "--out", out, "--quiet", "--resume"))
    assert finished.returncode == 0
    assert_identical_stores(expected, pf.open_run(out))


@pytest.mark.slow
def test_a_second_process_cannot_overwrite_a_running_store(tmp_path):
    """The case of the issue: `--overwrite` from a second process used to delete the store a
    running process was writing, and both exited 0. Now the second is refused (exit 2, naming
    the writer's pid), and the first finishes its store."""
    data = config(
        grid={"shape": [128, 128]}, time={"dt": 0.25, "end": 10000.0}, output={"every": 500.0}
    )
    path = write_config(tmp_path, data)
    out = tmp_path / "busy.zarr"
    first = subprocess.Popen(cli_command("run", path, "--out", out, "--quiet"))
    deadline = time.monotonic() + 60
    while committed_saves(out) < 1 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    second = subprocess.run(
        cli_command("run", path, "--out", out, "--overwrite"), capture_output=True, text=True
    )
    assert first.poll() is None, "the first run ended before the second started"
    assert second.returncode == 2
    assert f"being written by process {first.pid}" in second.stderr
    assert first.wait() == 0
    store = pf.open_run(out)
    assert store.attrs["status"] == "complete" and store.sizes["t"] == 21
