"""The output store: names, dims and attributes in one place; writing, opening, trimming.

A store is a zarr (v3) group written through xarray. The first save creates it; each later save
appends one chunk along ``t`` to every variable, data first and the ``t`` coordinate last. Every
file zarr writes is replaced atomically, so whatever moment a run stops at, the store holds the
saves whose ``t`` was written, and :func:`open_run` shows exactly those.
"""

from __future__ import annotations

import contextlib
import shutil
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import zarr

from ..dims import STEP, TIME
from ..grid import Grid

__all__ = [
    "CHECKPOINT_GROUP",
    "TIME",
    "Save",
    "StoreError",
    "StoreWriter",
    "is_store",
    "open_run",
    "remove_store",
    "set_status",
    "trim_store",
]

#: The subgroup holding the checkpoint file (a group, so readers of the store skip it).
CHECKPOINT_GROUP = "_checkpoint"
#: Largest chunk of a field, in bytes; a save of a bigger field is split along the first axis.
MAX_CHUNK_BYTES = 64 * 2**20


class StoreError(ValueError):
    """A path that is not a usable phasefield store."""


@dataclass(frozen=True)
class Save:
    """One save, on the host: fields (grid-shaped, or stacks with a leading component axis),
    scalar series, and other per-save arrays with their own dims (distributions)."""

    time: float
    step: int
    fields: Mapping[str, np.ndarray]
    scalars: Mapping[str, float]
    series: Mapping[str, tuple[tuple[str, ...], np.ndarray]] = field(default_factory=dict)


def is_store(path: Path) -> bool:
    """Whether ``path`` is a zarr group written by phasefield."""
    try:
        group = zarr.open_group(path, mode="r")
    except (FileNotFoundError, zarr.errors.GroupNotFoundError, ValueError, OSError):
        return False
    return "phasefield_version" in group.attrs


def remove_store(path: Path) -> None:
    """Delete a phasefield store; refuse anything else."""
    if not path.exists():
        return
    if not is_store(path):
        raise StoreError(
            f"{path}: exists and is not a phasefield store; refusing to delete it. "
            "Choose another output path."
        )
    shutil.rmtree(path)


def _field_chunks(shape: tuple[int, ...], itemsize: int, leading: int) -> tuple[int, ...]:
    """One save (and one component) per chunk, split along the first grid axis if large."""
    grid = shape[leading:]
    row_bytes = itemsize * int(np.prod(grid[1:], dtype=np.int64))
    rows_per_chunk = max(1, min(grid[0], MAX_CHUNK_BYTES // max(row_bytes, 1)))
    return (1,) * (1 + leading) + (rows_per_chunk, *grid[1:])


class StoreWriter:
    """Creates a store on the first save and appends the rest.

    Parameters
    ----------
    path : Path
    grid : Grid
    attrs : mapping
        Store attributes (``config``, ``phasefield_version``, ``backend``, ``precision``, ...).
    units : mapping
        ``units`` attribute per variable, where the model has units.
    component_dims : mapping
        The dim name of each stacked field's leading axis (``{"eta": "op"}``).
    coords : mapping
        Coordinates of the extra dims of series (e.g. distribution bins).
    """

    def __init__(
        self,
        path: Path,
        grid: Grid,
        attrs: Mapping[str, Any],
        units: Mapping[str, str] | None = None,
        component_dims: Mapping[str, str] | None = None,
        coords: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self.path = Path(path)
        self.grid = grid
        self.attrs = dict(attrs)
        self.units = dict(units or {})
        self.component_dims = dict(component_dims or {})
        self.coords = dict(coords or {})
        self.saves = 0

    def _field_dims(self, name: str, values: np.ndarray) -> tuple[str, ...]:
        if values.ndim == self.grid.ndim:
            return (TIME, *self.grid.axes)
        return (TIME, self.component_dims.get(name, f"{name}_component"), *self.grid.axes)

    def _dataset(self, save: Save) -> xr.Dataset:
        variables: dict[str, Any] = {
            name: (self._field_dims(name, values), values[np.newaxis])
            for name, values in save.fields.items()
        }
        for name, value in save.scalars.items():
            variables[name] = ((TIME,), np.array([value], dtype=np.float64))
        for name, (dims, values) in save.series.items():
            variables[name] = ((TIME, *dims), values[np.newaxis])
        variables[STEP] = ((TIME,), np.array([save.step], dtype=np.int64))
        coords: dict[str, Any] = {TIME: np.array([save.time], dtype=np.float64)}
        for axis, name in enumerate(self.grid.axes):
            coords[name] = self.grid.coordinates(axis)
        for dims, _ in save.series.values():
            for dim in dims:
                if dim in self.coords:
                    coords[dim] = self.coords[dim]
        dataset = xr.Dataset(variables, coords=coords, attrs=self.attrs)
        for name, unit in self.units.items():
            if name in dataset.variables:
                dataset[name].attrs["units"] = unit
        dataset[TIME].attrs["long_name"] = "model time"
        return dataset

    def create(self, save: Save) -> None:
        """Write the first save, creating the store (which must not exist)."""
        dataset = self._dataset(save)
        encoding = {
            name: {
                "chunks": _field_chunks(
                    values.shape, values.dtype.itemsize, values.ndim - self.grid.ndim
                )
            }
            for name, values in save.fields.items()
        }
        dataset.to_zarr(self.path, mode="w-", zarr_format=3, consolidated=False, encoding=encoding)
        zarr.open_group(self.path, mode="r+").require_group(CHECKPOINT_GROUP)
        self.saves = 1

    def append(self, save: Save) -> None:
        """Append one save; ``t`` goes last so that a half-written save stays invisible."""
        group = zarr.open_group(self.path, mode="r+")
        for name, values in save.fields.items():
            group[name].append(values[np.newaxis], axis=0)  # type: ignore[union-attr]
        for name, value in save.scalars.items():
            group[name].append(np.array([value], dtype=np.float64), axis=0)  # type: ignore[union-attr]
        for name, (_dims, values) in save.series.items():
            group[name].append(values[np.newaxis], axis=0)  # type: ignore[union-attr]
        group[STEP].append(np.array([save.step], dtype=np.int64), axis=0)  # type: ignore[union-attr]
        group[TIME].append(np.array([save.time], dtype=np.float64), axis=0)  # type: ignore[union-attr]
        self.saves += 1

    def write(self, save: Save) -> None:
        if self.saves == 0:
            self.create(save)
        else:
            self.append(save)


@contextlib.contextmanager
def _quiet_partials() -> Iterator[None]:
    """A run killed inside one of zarr's atomic writes leaves a ``*.partial`` file; zarr warns
    about it on every listing. It is harmless (the resume removes it)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Object at .* is not recognized")
        yield


def _time_arrays(group: zarr.Group) -> dict[str, zarr.Array]:
    arrays: dict[str, zarr.Array] = {}
    with _quiet_partials():
        members = list(group.arrays())
    for name, array in members:
        dims = (
            array.metadata.dimension_names if hasattr(array.metadata, "dimension_names") else None
        )
        if dims and dims[0] == TIME:
            arrays[name] = array
    return arrays


def _open_group(path: Path, mode: str = "r") -> zarr.Group:
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: no such store")
    if not is_store(path):
        raise StoreError(
            f"{path}: not a phasefield store (no zarr group with phasefield attributes)"
        )
    return zarr.open_group(path, mode=mode)  # type: ignore[arg-type]


def open_run(path: str | Path) -> xr.Dataset:
    """Open a finished, running or interrupted run's store as an ``xarray.Dataset``.

    Every completed save is there; a save that was being written when the run stopped is not.

    Raises
    ------
    StoreError
        If ``path`` is missing or not a phasefield store.
    """
    path = Path(path)
    group = _open_group(path)
    arrays = _time_arrays(group)
    saves = arrays[TIME].shape[0]
    if all(array.shape[0] == saves for array in arrays.values()):
        with _quiet_partials():
            return xr.open_zarr(path, consolidated=False, chunks=None)
    # A save was cut short: open each variable on its own and keep the complete saves.
    parts = []
    for name in arrays:
        others = [other for other in arrays if other != name]
        with _quiet_partials():
            dataset = xr.open_zarr(path, consolidated=False, chunks=None, drop_variables=others)
        parts.append(dataset.isel({TIME: slice(0, saves)}).drop_vars(TIME, errors="ignore"))
    merged = xr.merge(parts, combine_attrs="override")
    times = np.asarray(arrays[TIME][:saves])
    return merged.assign_coords({TIME: times}).assign_attrs(dict(group.attrs))


def trim_store(path: Path, saves: int) -> None:
    """Cut every time series back to its first ``saves`` entries (before a resume)."""
    group = _open_group(path, mode="r+")
    for array in _time_arrays(group).values():
        if array.shape[0] != saves:
            array.resize((saves, *array.shape[1:]))
    for leftover in Path(path).rglob("*.partial"):  # torn atomic writes of a killed run
        leftover.unlink()


def set_status(path: Path, status: str, **attrs: Any) -> None:
    """Record the run's status (``running``, ``complete``, ``failed``, ``interrupted``)."""
    group = zarr.open_group(path, mode="r+")
    group.attrs.update({"status": status, **attrs})
