"""Running a config: prepare the store, build the pieces, start or resume, call the loop."""

from __future__ import annotations

import hashlib
import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import yaml

from .. import __version__
from ..backend import Backend, BackendError, get_backend, import_wisdom
from ..config import ConfigError, RunConfig, load_config, to_yaml
from ..grid import Grid
from ..handler import Handler
from ..models.registry import spec_of
from ..models.spec import Start
from ..spectral import SpectralSpace
from ..timestepping import StepControl, make_stepper
from .checkpoint import read_checkpoint
from .handlers import BlowUpGuard, Checkpointer, ProgressBar, StoreHandler
from .loop import Run, run_loop
from .store import StoreError, StoreWriter, is_store, open_run, remove_store, trim_store

__all__ = ["initial_fields", "run", "step_control"]


def initial_fields(config: RunConfig, grid: Grid, backend: Backend) -> dict[str, Any]:
    """Every stepped field of ``config``'s model at ``t = 0`` on ``grid`` and ``backend``."""
    start = Start(config.model, config.initial, grid, backend, config.seed, config.dtype)
    return spec_of(config.model.kind).initial(start)


# Keys that may change between a run and its resume without changing the result.
_RESUME_FREE = ("checkpoint", "tags")


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


def _prepare_store(path: Path, resume: bool, overwrite: bool) -> bool:
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
        return False
    raise ConfigError(
        [f"{path}: already exists; pass --overwrite to replace it or --resume to continue it"]
    )


def _store_attrs(config: RunConfig, backend_name: str, fft: str, device: str) -> dict[str, Any]:
    text = to_yaml(config)
    return {
        "config": text,
        "config_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "phasefield_version": __version__,
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

    Raises
    ------
    ConfigError
        Bad config, arguments or files: nothing has been written.
    BlowUpError
        The solution stopped being finite; the store holds every good save.
    """
    overrides: dict[str, Any] = {}
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
    resuming = _prepare_store(path, resume, overwrite)
    checkpoint = None
    if resuming:
        try:
            _check_resumable(path, config)
        except StoreError as err:
            raise ConfigError([str(err)]) from None
        checkpoint = read_checkpoint(path)
        if checkpoint is not None and checkpoint.finished:
            return open_run(path)
    try:
        array_backend = get_backend(config.backend, fft)  # type: ignore[arg-type]
    except BackendError as err:
        raise ConfigError([f"backend: {err}"]) from None
    grid = Grid(config.grid.shape, config.grid.spacings)
    spec = spec_of(config.model.kind)
    fields = None if checkpoint is not None else initial_fields(config, grid, array_backend)

    # Input is good: from here on the store is written.
    if checkpoint is not None:
        import_wisdom(checkpoint.wisdom)
    elif path.exists():
        remove_store(path)  # --overwrite, or a --resume of a run that never checkpointed
    model = spec.build(config.model)
    space = SpectralSpace(grid, array_backend, config.dtype)
    stepper = make_stepper(config.time.scheme, model, space, step_control(config))
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
    analyses = spec.analyses(config.model)
    writer = StoreWriter(
        path,
        grid,
        _store_attrs(config, array_backend.name, array_backend.fft_engine, array_backend.device),
        units=model.units_of(grid.ndim),
        component_dims=dict(config.model.stack_dims),
        coords={name: values for a in analyses for name, values in a.coords.items()},
    )
    if checkpoint is not None:
        current.saves = checkpoint.saves
        current.save_index = checkpoint.save_index
        current.extras = dict(checkpoint.extras)
        current.info["last_saved_step"] = int(open_run(path)["step"].values[-1])
    handlers: list[Handler] = [BlowUpGuard(every=20 if array_backend.asynchronous else 1)]
    handlers += spec.handlers(config.model, config.time.dt, grid)
    handlers += [
        StoreHandler(writer, analyses, _background(config, array_backend)),
        Checkpointer(config.checkpoint.every_seconds, config.checkpoint.every_steps),
    ]
    if progress if progress is not None else sys.stderr.isatty():
        handlers.append(ProgressBar())
    run_loop(current, handlers)
    return open_run(path)


def step_control(config: RunConfig) -> StepControl | None:
    """The step-size control of ``time.adaptive``, if given."""
    adaptive = config.time.adaptive
    if adaptive is None:
        return None
    return StepControl(
        adaptive.tolerance, dt_min=adaptive.dt_min or 0.0, dt_max=adaptive.dt_max or math.inf
    )


def _background(config: RunConfig, backend: Backend) -> bool:
    """Whether saves are written on a worker thread (``output.background``): ``auto`` where
    the backend works asynchronously (a GPU)."""
    if config.output.background == "auto":
        return backend.asynchronous
    return config.output.background == "on"
