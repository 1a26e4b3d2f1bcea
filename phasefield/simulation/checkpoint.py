"""Checkpoints: the state's current spectra and the real values of the other fields (kept in
real space only, or stepped from their real values with a spectrum derived when read), the
scheme's history of earlier steps, clock, RNG and FFT wisdom, in one atomically replaced file.

The file lives inside the store (``<store>/_checkpoint/state.npz``). It is written to a
temporary name, flushed to disk and renamed over the previous one, which is kept as
``state.previous.npz``, so a run killed at any moment leaves a whole checkpoint.

A checkpoint is bound to its store: it records the store's id, the hash of the store's config,
the grid, the precision, the backend and the count of saves, and a checksum of its arrays.
:func:`load_checkpoint` refuses one that does not belong (a :class:`~phasefield.schema.ConfigError`
naming the checkpoint and the mismatch) and falls back, with a warning, to the previous one
when the latest is damaged.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import Backend, export_wisdom
from ..schema import ConfigError
from ..state import State
from .store import CHECKPOINT_GROUP

__all__ = ["Binding", "Checkpoint", "load_checkpoint", "read_checkpoint", "write_checkpoint"]

FILE_NAME = "state.npz"
PREVIOUS_NAME = "state.previous.npz"


@dataclass(frozen=True)
class Binding:
    """What a checkpoint belongs to: the store (its id), its config (the hash the store
    records), the grid, the precision and the backend it was written with."""

    store_id: str | None
    config_sha256: str
    shape: tuple[int, ...]
    precision: str
    backend: str

    def arrays(self) -> dict[str, Any]:
        return {
            "bound.store_id": np.str_(self.store_id or ""),
            "bound.config_sha256": np.str_(self.config_sha256),
            "bound.shape": np.asarray(self.shape, dtype=np.int64),
            "bound.precision": np.str_(self.precision),
            "bound.backend": np.str_(self.backend),
        }

    @classmethod
    def of(cls, stored: Any) -> Binding | None:
        if "bound.config_sha256" not in stored.files:
            return None  # a checkpoint of an earlier version
        return cls(
            str(stored["bound.store_id"]) or None,
            str(stored["bound.config_sha256"]),
            tuple(int(n) for n in stored["bound.shape"]),
            str(stored["bound.precision"]),
            str(stored["bound.backend"]),
        )


def _checksum(arrays: dict[str, Any]) -> str:
    """SHA-256 over every array (name, dtype, shape and bytes), in name order."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        if name == "checksum":
            continue
        value = np.asarray(arrays[name])
        digest.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


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


def checkpoint_path(store: Path, previous: bool = False) -> Path:
    return Path(store) / CHECKPOINT_GROUP / (PREVIOUS_NAME if previous else FILE_NAME)


def write_checkpoint(
    store: Path,
    state: State,
    backend: Backend,
    saves: int,
    save_index: int,
    finished: bool,
    extras: dict[str, np.ndarray] | None = None,
    binding: Binding | None = None,
) -> Path:
    """Write the checkpoint of ``state`` (after ``saves`` saves) atomically; returns its path.

    ``extras`` are the small states of handlers (e.g. the grain tracker's), host arrays;
    ``binding`` says what store, config, grid, precision and backend it belongs to.
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
    if binding is not None:
        arrays.update(binding.arrays())
    arrays["checksum"] = np.str_(_checksum(arrays))
    temporary = target.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    if target.exists():  # the last good one stays, in case this one is ever damaged
        os.replace(target, checkpoint_path(store, previous=True))
    os.replace(temporary, target)
    return target


def _read(path: Path) -> tuple[Checkpoint, Binding | None]:
    """One checkpoint file and its binding; raises ValueError (with the reason) if damaged."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
            binding = Binding.of(stored)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"{type(err).__name__}: {err}") from None
    if "checksum" in arrays and str(arrays["checksum"]) != _checksum(arrays):
        raise ValueError("its checksum does not match its arrays")

    def group(prefix: str) -> dict[str, np.ndarray]:
        return {key.removeprefix(prefix): arrays[key] for key in arrays if key.startswith(prefix)}

    try:
        checkpoint = Checkpoint(
            spectral=group("spectral."),
            real=group("real."),
            time=float(arrays["time"]),
            step=int(arrays["step"]),
            rng_state=json.loads(str(arrays["rng"])),
            saves=int(arrays["saves"]),
            save_index=int(arrays["save_index"]),
            finished=bool(arrays["finished"]),
            wisdom=tuple(arrays[key].tobytes() for key in _WISDOM_KEYS),
            extras=group("extra."),
            history=group("history."),
        )
    except (KeyError, ValueError, TypeError) as err:
        raise ValueError(f"incomplete ({type(err).__name__}: {err})") from None
    return checkpoint, binding


def read_checkpoint(store: Path) -> Checkpoint | None:
    """The store's latest checkpoint as written (no binding checked), or None when the run
    never wrote one.

    Raises
    ------
    ConfigError
        The file is damaged.
    """
    path = checkpoint_path(store)
    if not path.is_file():
        return None
    try:
        return _read(path)[0]
    except ValueError as err:
        raise ConfigError([f"{path}: damaged checkpoint ({err})"]) from None


def load_checkpoint(store: Path, expected: Binding, committed_saves: int) -> Checkpoint | None:
    """The checkpoint to resume ``store`` from: the latest, or with a warning the previous
    one where the latest is damaged; None when the run never wrote one.

    Raises
    ------
    ConfigError
        Every checkpoint there is damaged, or the one to resume from does not belong to this
        store, config, grid, precision or backend, or counts more saves than the store holds.
    """
    latest, previous = checkpoint_path(store), checkpoint_path(store, previous=True)
    problems: list[str] = []
    for path in (latest, previous):
        if not path.is_file():
            continue
        try:
            checkpoint, binding = _read(path)
        except ValueError as err:
            problems.append(f"{path}: damaged checkpoint ({err})")
            continue
        if problems:
            warnings.warn(
                f"{problems[0]}; resuming from the previous checkpoint ({path}, t = "
                f"{checkpoint.time:.6g})",
                stacklevel=2,
            )
        _check_binding(path, store, binding, expected, checkpoint, committed_saves)
        return checkpoint
    if problems:
        raise ConfigError(
            [
                *problems,
                f"{store}: no good checkpoint to resume from; use --overwrite to start again",
            ]
        )
    return None


def _check_binding(
    path: Path,
    store: Path,
    binding: Binding | None,
    expected: Binding,
    checkpoint: Checkpoint,
    committed_saves: int,
) -> None:
    """Refuse a checkpoint that belongs elsewhere (checkpoints of earlier versions carry no
    binding: only their save count is checked)."""
    mismatches = []
    if binding is not None:
        pairs = [
            ("store id", binding.store_id, expected.store_id),
            ("config", binding.config_sha256, expected.config_sha256),
            ("grid", binding.shape, expected.shape),
            ("precision", binding.precision, expected.precision),
            ("backend", binding.backend, expected.backend),
        ]
        for what, found, wanted in pairs:
            if what == "store id" and (found is None or wanted is None):
                continue
            if found != wanted:
                mismatches.append(f"{what} {found} (checkpoint) against {wanted} (now)")
    if checkpoint.saves > committed_saves:
        mismatches.append(f"it counts {checkpoint.saves} saves, the store holds {committed_saves}")
    if mismatches:
        raise ConfigError(
            [f"{path}: does not belong to {store}: {line}" for line in mismatches]
            + ["(resume with the backend and precision the run started with, or use --overwrite)"]
        )
