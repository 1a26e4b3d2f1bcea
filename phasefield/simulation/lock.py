"""One writer per store: a lock file beside it, ``<store>.lock``, locked (``flock``) by the
process that writes the store (``run``, ``--resume``, ``--overwrite``) and holding its pid,
host and start time for the message a second writer gets.

The operating system releases the lock when its process ends, however it ends: a run killed
with ``kill -9`` leaves a file that the next writer simply locks again (a stale lock is no
lock). Where ``fcntl`` is missing (not POSIX), stores are not locked.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from ..schema import ConfigError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["StoreLock", "lock_path"]


def lock_path(store: Path) -> Path:
    """The lock file of ``store``: beside it, so that it exists before the store does."""
    store = Path(store)
    return store.with_name(f"{store.name}.lock")


class StoreLock:
    """The lock of one store; a context manager (``with StoreLock(store): ...``)."""

    def __init__(self, store: Path) -> None:
        self.store = Path(store)
        self.path = lock_path(self.store)
        self._handle: int | None = None

    def _refuse(self) -> ConfigError:
        try:
            holder = json.loads(self.path.read_text())
            who = f"process {holder['pid']} on {holder['host']}"
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(holder["started"])))
            who += f" since {since}"
        except (OSError, ValueError, KeyError, TypeError):
            who = "another process"
        return ConfigError(
            [f"{self.store}: being written by {who}; wait for it to end (its lock: {self.path})"]
        )

    def check(self) -> None:
        """Raise if a live process holds the lock (what ``validate`` checks; writes nothing)."""
        if fcntl is None or self._handle is not None:
            return
        try:
            handle = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise self._refuse() from None
        finally:
            os.close(handle)

    def acquire(self) -> StoreLock:
        """Take the lock.

        Raises
        ------
        ConfigError
            A live process holds it.
        """
        if fcntl is None or self._handle is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(5):
            handle = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(handle)
                raise self._refuse() from None
            try:  # the file at the path must be the one locked (not one a writer removed)
                current = os.stat(self.path).st_ino
            except FileNotFoundError:
                current = -1
            if current != os.fstat(handle).st_ino:
                os.close(handle)
                continue
            me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
            os.ftruncate(handle, 0)
            os.write(handle, json.dumps(me).encode())
            self._handle = handle
            return self
        raise ConfigError([f"{self.store}: could not take its lock {self.path}; try again"])

    def release(self) -> None:
        if self._handle is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._handle)  # closing releases the lock
            self._handle = None

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()
