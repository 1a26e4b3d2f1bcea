"""Everything a run checks before it writes anything, in one place: ``phasefield validate``
runs exactly these checks, and ``phasefield run`` runs them and then writes.

The config (and its files and expressions), the store path (exists, is a store, may be
resumed or overwritten), the resume's config, the backend, the memory the run needs against
what the machine (or the device) has free, and the initial fields themselves (ranges, finite
values) are checked; any problem is a :class:`~phasefield.schema.ConfigError` naming the key,
file or argument.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
import zarr

from ..backend import Backend, BackendError, get_backend
from ..config import ConfigError, RunConfig, load_config
from ..grid import Grid
from ..models.registry import spec_of
from ..models.spec import Start
from ..timestepping import SCHEMES
from .checkpoint import Binding, Checkpoint, load_checkpoint
from .lock import StoreLock
from .store import StoreError, check_removable, committed_saves, is_store, open_run, store_id

__all__ = [
    "Prepared",
    "check_store_state",
    "initial_fields",
    "memory_needed",
    "prepare",
    "store_binding",
]


@dataclass
class Prepared:
    """A run that passed every check: what :func:`~phasefield.simulation.runner.run` writes."""

    config: RunConfig
    path: Path
    backend: Backend
    grid: Grid
    checkpoint: Checkpoint | None  # resume from it
    fields: dict[str, Any] | None  # or start from these


def prepare(
    config: str | os.PathLike[str] | dict[str, Any] | RunConfig,
    out: str | os.PathLike[str] | None = None,
    *,
    backend: str | None = None,
    precision: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    fft: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Prepared:
    """Check a run (arguments as :func:`~phasefield.simulation.runner.run`); write nothing.

    Raises
    ------
    ConfigError
        One line per problem, naming the key, file or argument.
    """
    overrides: dict[str, Any] = dict(settings or {})
    if backend is not None:
        overrides["backend"] = backend
    if precision is not None:
        overrides["precision"] = precision
    if out is not None:
        overrides["output_path"] = str(Path(out).resolve())
    config = load_config(config, overrides)
    if config.precision == "auto":  # the store records what the run used
        config = config.model_copy(update={"precision": str(config.dtype)})
    path = config.store_path
    _check_folder(path)
    resuming = check_store_state(path, resume, overwrite)
    StoreLock(path).check()
    try:
        array_backend = get_backend(config.backend, fft)  # type: ignore[arg-type]
    except BackendError as err:
        raise ConfigError([f"backend: {err}"]) from None
    checkpoint = None
    if resuming:
        try:
            _check_resumable(path, config)
            expected = store_binding(path, config, array_backend.name)
            committed = committed_saves(zarr.open_group(path, mode="r", use_consolidated=False))
        except StoreError as err:
            raise ConfigError([str(err)]) from None
        checkpoint = load_checkpoint(path, expected, committed)
    grid = config.grid.grid
    _check_memory(config, array_backend)
    fields = None
    if checkpoint is None:
        try:
            fields = initial_fields(config, grid, array_backend)
        except MemoryError:
            raise ConfigError(
                [
                    f"grid.shape: the initial fields of {'x'.join(map(str, grid.shape))} cells "
                    "do not fit in the memory that is free; use a smaller grid or float32"
                ]
            ) from None
    return Prepared(config, path, array_backend, grid, checkpoint, fields)


def _check_folder(path: Path) -> None:
    """The store's folder can be made and written to (the first existing one above it is a
    writable folder)."""
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError([f"{path}: {parent} is a file, not a folder; choose another output path"])
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(
            [f"{path}: {parent} is not writable; choose another output path (output.path or --out)"]
        )


def store_binding(path: Path, config: RunConfig, backend: str) -> Binding:
    """What a checkpoint of the store at ``path`` must belong to: the store's id and recorded
    config, and the run's grid, precision and backend."""
    attrs = zarr.open_group(path, mode="r", use_consolidated=False).attrs
    return Binding(
        store_id(path),
        str(attrs.get("config_sha256", "")),
        tuple(config.grid.shape),
        str(config.precision),
        backend,
    )


def memory_needed(config: RunConfig) -> int:
    """The least memory (bytes) a run of ``config`` holds: its fields and their spectra, the
    earlier steps a multistep scheme keeps, and the model's work arrays, each of the grid's
    size in the run's precision (the work buffers of a step and the stepper come on top)."""
    cells = math.prod(config.grid.shape)
    keys = config.model
    components = sum(keys.components(name) for name in keys.fields)
    levels = SCHEMES[config.time.scheme].levels
    arrays = 2 * components * (1 + levels) + keys.scratch_fields
    return cells * np.dtype(config.dtype).itemsize * arrays


def _check_memory(config: RunConfig, backend: Backend) -> None:
    needed = memory_needed(config)
    free = backend.free_memory()
    if free is not None and needed > free:
        where = "on the GPU" if backend.asynchronous else "on this machine"
        raise ConfigError(
            [
                f"grid.shape: a run on {'x'.join(map(str, config.grid.shape))} cells needs at "
                f"least {needed / 2**30:.3g} GiB ({config.precision}); {free / 2**30:.3g} GiB "
                f"are free {where}. Use a smaller grid, fewer order parameters or float32"
            ]
        )


def initial_fields(config: RunConfig, grid: Grid, backend: Backend) -> dict[str, Any]:
    """Every stepped field of ``config``'s model at ``t = 0`` on ``grid`` and ``backend``."""
    start = Start(config.model, config.initial, grid, backend, config.seed, config.dtype)
    return spec_of(config.model.kind).initial(start)


# Keys that may change between a run and its resume without changing the result.
_RESUME_FREE = ("checkpoint", "tags", "limits")


def _comparable(config: RunConfig) -> dict[str, Any]:
    data = config.model_dump(mode="json")
    for key in _RESUME_FREE:
        data.pop(key, None)
    data["output"].pop("path", None)
    data["output"].pop("background", None)  # how saves are written, not what
    return data


def _differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for key in sorted(set(old) | set(new), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            lines += _differences(old.get(key), new.get(key), path)
        return lines
    return [] if old == new else [f"{prefix} (store: {old!r}, now: {new!r})"]


def _check_resumable(path: Path, config: RunConfig) -> None:
    dataset = open_run(path)
    stored_yaml = dataset.attrs.get("config", "")
    try:
        stored = RunConfig.model_validate(yaml.safe_load(stored_yaml))
    except Exception as err:
        raise ConfigError(
            [f"{path}: its stored config cannot be read ({err}); use --overwrite"]
        ) from None
    changes = _differences(_comparable(stored), _comparable(config))
    if changes:
        raise ConfigError(
            [
                f"{path}: --resume needs the config the store was started with; changed: {change}"
                for change in changes
            ]
            + ["(use --overwrite to start this run again with the new config)"]
        )


def check_store_state(path: Path, resume: bool, overwrite: bool) -> bool:
    """Check what may be done to ``path``; returns whether to resume. Writes nothing."""
    if resume and overwrite:
        raise ConfigError(["--resume and --overwrite exclude each other; give one"])
    if not path.exists():
        return False
    if not is_store(path):
        raise ConfigError(
            [
                f"{path}: exists and is not a phasefield store; choose another output path "
                "(output.path or --out)"
            ]
        )
    if resume:
        return True
    if overwrite:
        try:
            check_removable(path)
        except StoreError as err:
            raise ConfigError([str(err)]) from None
        return False
    raise ConfigError(
        [f"{path}: already exists; pass --overwrite to replace it or --resume to continue it"]
    )
