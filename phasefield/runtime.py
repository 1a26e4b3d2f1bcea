"""Process settings that every layer may read: the CPU threads, the cache folder and the
package's version.

Nothing here imports from the rest of the package, so any module can ask without pointing
upward. Environment variables: ``PHASEFIELD_THREADS`` (CPU threads for FFTW and the compiled
kernels), ``PHASEFIELD_CACHE_DIR`` (FFTW wisdom and compiled kernels). A value that cannot be
used is a :class:`SettingError` naming the variable (bad input: exit 2).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["SettingError", "cache_folder", "threads"]


class SettingError(ValueError):
    """An environment variable of phasefield's with a value that cannot be used."""


def threads() -> int:
    """The number of CPU cores this process may use (``PHASEFIELD_THREADS`` overrides).

    Raises
    ------
    SettingError
        When ``PHASEFIELD_THREADS`` is not a whole number of at least 1.
    """
    text = os.environ.get("PHASEFIELD_THREADS")
    if text is not None:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise SettingError(
                f"PHASEFIELD_THREADS: must be a whole number of at least 1 (got {text!r}); "
                "unset it to use every core this process may use"
            )
        return value
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def cache_folder() -> Path:
    """Where wisdom and compiled kernels are kept (``PHASEFIELD_CACHE_DIR`` overrides).

    Raises
    ------
    SettingError
        When the folder cannot be created.
    """
    from platformdirs import user_cache_dir

    given = os.environ.get("PHASEFIELD_CACHE_DIR")
    folder = Path(given or user_cache_dir("phasefield"))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        name = "PHASEFIELD_CACHE_DIR" if given else "the user cache folder"
        raise SettingError(f"{name}: {folder} cannot be created ({err.strerror})") from None
    return folder
