"""One benchmark case per fresh process, so that caches, plans and peak memory start clean."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


def run_case(script: str, case: list[Any]) -> tuple[dict[str, Any] | None, str]:
    """Run ``python script --case JSON`` and return its printed JSON result, or None and the
    last line of its error output when it fails."""
    done = subprocess.run(
        [sys.executable, script, "--case", json.dumps(case)], capture_output=True, text=True
    )
    if done.returncode:
        return None, (done.stderr.strip().splitlines() or ["?"])[-1]
    return json.loads(done.stdout), ""


def normal_growth(size: int, grains: int, end: float, seed: int = 1) -> dict[str, Any]:
    """The benchmarks' normal 2-D grain growth in the model's units: σ = μ = 1, ℓ = 3 cells,
    dt = τ/2 (SBDF2), 10 order parameters, ``grains`` Voronoi grains on ``size``² cells."""
    return {
        "name": "normal-growth",
        "seed": seed,
        "backend": "numpy",
        "grid": {"shape": [size, size], "spacing": 1.0},
        "time": {"dt": 0.5625, "end": end},
        "model": {
            "kind": "grain_growth",
            "order_parameters": 10,
            "gb_energy": 1.0,
            "gb_width": 3.0,
            "gb_mobility": 1.0,
        },
        "initial": {"grains": {"kind": "voronoi", "count": grains}},
    }
