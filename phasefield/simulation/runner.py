"""Running a config: prepare the store, build the pieces, start or resume, call the loop."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from ..backend import Backend, import_wisdom
from ..config import RunConfig, to_yaml
from ..distribution import VERSION
from ..handler import Handler
from ..models.registry import spec_of
from .handlers import BlowUpGuard, Checkpointer, ProgressBar, StoreHandler
from .lock import StoreLock
from .loop import Run, run_loop
from .prepare import Prepared, check_store_state, initial_fields, prepare
from .regrid import Regridder, build_level, dt_scale, level_of, step_control, tilings_of
from .store import open_run, remove_store, trim_store
from .tiling import Tiler
from .writing import StoreWriter

__all__ = ["initial_fields", "run", "step_control"]


def _store_attrs(config: RunConfig, backend_name: str, fft: str, device: str) -> dict[str, Any]:
    text = to_yaml(config)
    return {
        "config": text,
        "config_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "phasefield_version": VERSION,
        "backend": backend_name,
        "fft": fft,
        "device": device,
        "precision": config.precision,
        "model": config.model.kind,
        "name": config.name,
        "status": "running",
    }


def run(
    config: str | os.PathLike[str] | dict[str, Any] | RunConfig,
    out: str | os.PathLike[str] | None = None,
    *,
    backend: str | None = None,
    precision: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    fft: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Run a simulation and return its store as an ``xarray.Dataset``.

    Parameters
    ----------
    config : path, dict or RunConfig
        The run's config (see :func:`phasefield.load_config`).
    out : path, optional
        The zarr store; overrides ``output.path``.
    backend, precision : str, optional
        Override the config's ``backend`` (auto, numpy, cupy) and ``precision``.
    resume : bool
        Continue the run in ``out`` from its last checkpoint (same config required). The result
        is bit-identical to an uninterrupted run on the same machine and backend.
    overwrite : bool
        Replace an existing store.
    progress : bool, optional
        Show a progress bar; by default when stderr is a terminal.
    fft : str, optional
        FFT engine of the numpy backend: ``pyfftw`` (default) or ``numpy`` (reference).
    settings : mapping, optional
        Dotted keys of the config to replace before it is validated (``{"time.end": 100}``,
        the command line's ``--set``); ``out``, ``backend`` and ``precision`` win over them.

    Raises
    ------
    ConfigError
        Bad config, arguments or files: nothing has been written.
    BlowUpError
        The solution stopped being finite; the store holds every good save.
    """
    prepared = prepare(
        config,
        out,
        backend=backend,
        precision=precision,
        resume=resume,
        overwrite=overwrite,
        fft=fft,
        settings=settings,
    )
    if prepared.checkpoint is not None and prepared.checkpoint.finished:
        return open_run(prepared.path)
    with StoreLock(prepared.path):
        check_store_state(prepared.path, resume, overwrite)  # again: no one else writes it now
        _write(prepared, progress)
    return open_run(prepared.path)


def _write(prepared: Prepared, progress: bool | None) -> None:
    """Start or resume the run (input checked, the store locked)."""
    config, path, array_backend, grid = (
        prepared.config,
        prepared.path,
        prepared.backend,
        prepared.grid,
    )
    checkpoint, fields = prepared.checkpoint, prepared.fields
    prepared.fields = None  # the stepper will hold its own copy
    spec = spec_of(config.model.kind)
    if checkpoint is not None:
        import_wisdom(checkpoint.wisdom)
    elif path.exists():  # --overwrite, or a --resume of a run that never checkpointed
        remove_store(path)
    extras = checkpoint.extras if checkpoint is not None else {}
    level, tilings = level_of(extras), tilings_of(extras)
    model, space, stepper = build_level(config, grid, array_backend, level, tilings)
    if checkpoint is not None:
        trim_store(path, checkpoint.saves)
        state = stepper.restore(
            checkpoint.spectral,
            checkpoint.time,
            checkpoint.step,
            checkpoint.rng(),
            checkpoint.real,
            checkpoint.history,
        )
    else:
        assert fields is not None
        state = stepper.initialise(fields, rng=np.random.default_rng(config.seed))
        fields = None  # the stepper holds its own copy: free the initial values (a stack)
    path.parent.mkdir(parents=True, exist_ok=True)
    current = Run(config, array_backend, space, model, stepper, state, path)
    current.dt_scale = dt_scale(level)
    analyses = spec.analyses(config.model)
    writer = StoreWriter(
        path,
        grid,
        _store_attrs(config, array_backend.name, array_backend.fft_engine, array_backend.device),
        units=model.units_of(grid.ndim),
        long_names=model.long_names,
        component_dims=dict(config.model.stack_dims),
        coords={name: values for a in analyses for name, values in a.coords.items()},
        by_grid=config.grid.regrid is not None or config.grid.tile is not None,
    )
    if checkpoint is not None:
        current.saves = checkpoint.saves
        current.save_index = checkpoint.save_index
        current.extras = dict(checkpoint.extras)
        for key, count in (("regrids", level), ("tilings", tilings)):
            if count:
                current.info[key] = count
        current.info["last_saved_step"] = int(open_run(path)["step"].values[-1])
    handlers: list[Handler] = [BlowUpGuard(every=20 if array_backend.asynchronous else 1)]
    handlers += spec.handlers(config.model, config.time.dt, grid)
    handlers.append(StoreHandler(writer, analyses, _background(config, array_backend)))
    others = list(handlers)
    if config.grid.regrid is not None:  # after the save it reads, before the checkpoint
        handlers.append(Regridder(config.grid.regrid, others))
    if config.grid.tile is not None:
        handlers.append(Tiler(config.grid.tile, others))
    handlers.append(Checkpointer(config.checkpoint.every_seconds, config.checkpoint.every_steps))
    if progress if progress is not None else sys.stderr.isatty():
        handlers.append(ProgressBar())
    run_loop(current, handlers)


def _background(config: RunConfig, backend: Backend) -> bool:
    """Whether saves are written on a worker thread (``output.background``): ``auto`` where
    the backend works asynchronously (a GPU)."""
    if config.output.background == "auto":
        return backend.asynchronous
    return config.output.background == "on"
