"""Process settings that every layer may read: the CPU threads and the cache folder.

Nothing here imports from the rest of the package, so any module can ask without pointing
upward. Environment variables: ``PHASEFIELD_THREADS`` (CPU threads for FFTW and the compiled
kernels), ``PHASEFIELD_CACHE_DIR`` (FFTW wisdom and compiled kernels).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_folder", "threads"]


def threads() -> int:
    """The number of CPU cores this process may use (``PHASEFIELD_THREADS`` overrides)."""
    if "PHASEFIELD_THREADS" in os.environ:
        return max(1, int(os.environ["PHASEFIELD_THREADS"]))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def cache_folder() -> Path:
    """Where wisdom and compiled kernels are kept (``PHASEFIELD_CACHE_DIR`` overrides)."""
    from platformdirs import user_cache_dir

    folder = Path(os.environ.get("PHASEFIELD_CACHE_DIR") or user_cache_dir("phasefield"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
