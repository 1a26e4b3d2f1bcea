"""Issue 4's GPU checks in one process: the device, the CuPy tests, then the 10^5-grain run
with its wall time, the memory CuPy's pool took, and the grain statistics.

    python3 benchmarks/device/issue4.py [CONFIG] [--backend cupy]   (see issue4.sh)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(os.environ.get("OUT", "/tmp/phasefield-device"))


def _log(name: str, text: str) -> None:
    print(text, flush=True)
    with open(OUT / name, "a") as file:
        file.write(text + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config", nargs="?", default="benchmarks/device/grain_growth_3d_1e5.yaml")
    parser.add_argument("--backend", default="cupy")
    parser.add_argument("--tests-timeout", type=float, default=180.0)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    from phasefield.backend import available_backends, get_backend

    backend = get_backend(args.backend)
    _log(
        "summary.txt",
        f"# {time.strftime('%Y-%m-%d %H:%M')} {backend.device}; {available_backends()}",
    )
    if backend.name == "cupy":
        tests = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "tests",
                "-k",
                "cupy",
                "-m",
                "not slow",
            ],
            capture_output=True,
            text=True,
            timeout=args.tests_timeout,
        )
        (OUT / "tests.txt").write_text(tests.stdout + tests.stderr)
        _log("summary.txt", "tests: " + (tests.stdout.strip().splitlines() or ["?"])[-1])

    from phasefield import run

    store = Path("/tmp/issue4_run.zarr")
    _log("summary.txt", f"starting {args.config} at {time.strftime('%H:%M:%S')}")
    started = time.perf_counter()
    data = run(args.config, store, backend=args.backend, overwrite=True, progress=True)
    wall = time.perf_counter() - started
    pool = ""
    if backend.name == "cupy":
        pool_bytes = backend.xp.get_default_memory_pool().total_bytes()
        pool = f", CuPy pool {pool_bytes / 1e9:.1f} GB"
    steps = int(data["step"].values[-1])
    _log("summary.txt", f"run {args.config}: {steps} steps, {wall:.1f} s wall{pool}")
    for name in ("grain_count", "mean_grain_size"):
        if name in data:
            _log("summary.txt", f"{name}: {[round(float(v), 3) for v in data[name].values]}")
    for key, value in data.attrs.items():
        if any(word in key for word in ("seconds", "remap", "moved", "recolour")):
            _log("summary.txt", f"{key}: {value}")
    grains = subprocess.run(
        [sys.executable, "-m", "phasefield", "grains", str(store)], capture_output=True, text=True
    )
    (OUT / "grains.txt").write_text(grains.stdout + grains.stderr)


if __name__ == "__main__":
    main()
