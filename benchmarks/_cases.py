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
