"""Checkpoints: the state's current spectra and the real values of the other fields (kept in
real space only, or stepped from their real values with a spectrum derived when read), the
scheme's history of earlier steps, clock, RNG and FFT wisdom, in one atomically replaced file.

The file lives inside the store (``<store>/_checkpoint/state.npz``). It is written to a
temporary name, flushed to disk and renamed over the previous one, so a run killed at any
moment leaves either the old checkpoint or the new one, never a torn file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import Backend, export_wisdom
from ..state import State
from .store import CHECKPOINT_GROUP

__all__ = ["Checkpoint", "read_checkpoint", "write_checkpoint"]

FILE_NAME = "state.npz"
_WISDOM_KEYS = ("wisdom_double", "wisdom_single", "wisdom_long")


@dataclass(frozen=True)
class Checkpoint:
    """What a resumed run starts from."""

    spectral: dict[str, np.ndarray]
    real: dict[str, np.ndarray]
    time: float
    step: int
    rng_state: dict
    saves: int
    save_index: int
    finished: bool
    wisdom: tuple[bytes, ...]
    extras: dict[str, np.ndarray]
    history: dict[str, np.ndarray]

    def rng(self) -> np.random.Generator:
        generator = np.random.default_rng()
        generator.bit_generator.state = self.rng_state
        return generator


def checkpoint_path(store: Path) -> Path:
    return Path(store) / CHECKPOINT_GROUP / FILE_NAME


def write_checkpoint(
    store: Path,
    state: State,
    backend: Backend,
    saves: int,
    save_index: int,
    finished: bool,
    extras: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write the checkpoint of ``state`` (after ``saves`` saves) atomically; returns its path.

    ``extras`` are the small states of handlers (e.g. the grain tracker's), host arrays.
    """
    target = checkpoint_path(store)
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {}
    spectra = state.spectral
    for name, values in state.fields.items():
        if name in spectra and not spectra.is_derived(name):
            arrays[f"spectral.{name}"] = backend.to_host(spectra[name])
        else:  # no spectrum, or one derived from the real values: those are stored
            arrays[f"real.{name}"] = backend.to_host(values)
    arrays.update(
        time=np.float64(state.time),
        step=np.int64(state.step),
        saves=np.int64(saves),
        save_index=np.int64(save_index),
        finished=np.bool_(finished),
        rng=np.str_(json.dumps(state.rng.bit_generator.state)),
    )
    for key, value in state.history.items():  # a multistep scheme's earlier steps
        arrays[f"history.{key}"] = backend.to_host(value) if hasattr(value, "shape") else value
    for name, value in (extras or {}).items():
        arrays[f"extra.{name}"] = np.asarray(value)
    for key, wisdom in zip(_WISDOM_KEYS, export_wisdom(), strict=True):
        arrays[key] = np.frombuffer(wisdom, dtype=np.uint8)
    temporary = target.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return target


def read_checkpoint(store: Path) -> Checkpoint | None:
    """The store's checkpoint, or None when the run never wrote one."""
    path = checkpoint_path(store)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as stored:

        def group(prefix: str) -> dict[str, np.ndarray]:
            return {
                key.removeprefix(prefix): stored[key]
                for key in stored.files
                if key.startswith(prefix)
            }

        return Checkpoint(
            spectral=group("spectral."),
            real=group("real."),
            time=float(stored["time"]),
            step=int(stored["step"]),
            rng_state=json.loads(str(stored["rng"])),
            saves=int(stored["saves"]),
            save_index=int(stored["save_index"]),
            finished=bool(stored["finished"]),
            wisdom=tuple(stored[key].tobytes() for key in _WISDOM_KEYS),
            extras=group("extra."),
            history=group("history."),
        )
