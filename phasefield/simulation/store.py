"""The output store: names, dims and attributes in one place; writing, opening, trimming.

A store is a zarr (v3) group written through xarray. The first save creates it, with a marker
file (``.phasefield``, the store's id) that says the folder is phasefield's own; each later save
appends one chunk along ``t`` to every variable, then commits it by writing the count of
complete saves into the group's attributes (``saves``), the last write of a save. Every file
zarr writes is replaced atomically, so whatever moment a run stops at, :func:`open_run` shows
exactly the committed saves: a save cut short (arrays already resized, chunks not yet written)
is not there. A committed save whose chunks are missing is damage, and is reported as such
(integer variables are filled with -1 where a chunk is missing, never a plausible value).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import zarr

from ..dims import DIMENSIONLESS, GRID, LONG_NAMES, STEP, TIME, stored_axes
from ..grid import Grid

__all__ = [
    "CHECKPOINT_GROUP",
    "MARKER",
    "TIME",
    "Save",
    "StoreError",
    "StoreWriter",
    "check_removable",
    "committed_saves",
    "consolidate",
    "grid_group",
    "grid_holding",
    "is_store",
    "open_grids",
    "open_run",
    "remove_store",
    "set_status",
    "store_grids",
    "store_id",
    "trim_store",
]

#: The subgroup holding the checkpoint file (a group, so readers of the store skip it).
CHECKPOINT_GROUP = "_checkpoint"
#: The attribute of the store's root ``zarr.json`` that marks it as phasefield's own: a random
#: id (32 hex digits) written when the store is created. An attribute, not a file beside the
#: arrays: zarr warns about every file in a group that is not a node of the hierarchy.
MARKER = "store_id"
#: The fill value of integer variables: what a missing chunk would read as (no real count,
#: id or step is negative).
INTEGER_FILL = -1
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
    #: The grid of the fields (None: the writer's).
    grid: Grid | None = None


def is_store(path: Path) -> bool:
    """Whether ``path`` is a zarr group written by phasefield (one to read)."""
    try:
        group = _group(path)
    except (FileNotFoundError, zarr.errors.GroupNotFoundError, ValueError, OSError):
        return False
    return "phasefield_version" in group.attrs


def store_id(path: Path) -> str | None:
    """The store's id, from the root ``zarr.json`` (None where there is none: not phasefield's
    own, or unreadable). The file is parsed, not searched: a folder whose metadata merely
    mentions phasefield is no store of it."""
    try:
        metadata = json.loads((Path(path) / "zarr.json").read_text())
        identity = metadata["attributes"][MARKER]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(identity, str) or not re.fullmatch(r"[0-9a-f]{32}", identity):
        return None
    return identity


def _own_names(path: Path) -> set[str]:
    with _quiet_partials():
        members = {name for name, _ in _group(path).members()}
    return {*members, CHECKPOINT_GROUP, "zarr.json"}


def check_removable(path: Path) -> None:
    """Refuse to remove ``path`` unless it is a marked phasefield store holding nothing but
    its own files (what ``--overwrite`` deletes).

    Raises
    ------
    StoreError
        Not marked as a phasefield store, or holding other files (named).
    """
    path = Path(path)
    if store_id(path) is None or not is_store(path):
        raise StoreError(
            f"{path}: exists and is not a phasefield store (no {MARKER} in its zarr.json); "
            "refusing to delete it. Choose another output path, or delete it yourself if it "
            "is yours."
        )
    own = _own_names(path)
    foreign = sorted(
        item.name for item in path.iterdir() if item.name not in own and item.suffix != ".partial"
    )
    if foreign:
        raise StoreError(
            f"{path}: holds files that are not the store's own ({', '.join(foreign[:5])}); "
            "move them, or choose another output path"
        )


def remove_store(path: Path) -> None:
    """Delete a phasefield store: its own files only (see :func:`check_removable`, which it
    checks first), then the folder."""
    path = Path(path)
    if not path.exists():
        return
    check_removable(path)
    for name in _own_names(path):
        target = path / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for leftover in path.glob("*.partial"):
        leftover.unlink()
    path.rmdir()


def _field_chunks(shape: tuple[int, ...], itemsize: int, leading: int) -> tuple[int, ...]:
    """One save (and one component) per chunk, split along the first grid axis if large."""
    grid = shape[leading:]
    row_bytes = itemsize * int(np.prod(grid[1:], dtype=np.int64))
    rows_per_chunk = max(1, min(grid[0], MAX_CHUNK_BYTES // max(row_bytes, 1)))
    return (1,) * (1 + leading) + (rows_per_chunk, *grid[1:])


def grid_group(index: int) -> str:
    """The group of a regridded run's store that holds the fields of its grid ``index``."""
    return f"grid_{index}"


class StoreWriter:
    """Creates a store on the first save and appends the rest.

    A run whose grid may change (``grid.regrid``) writes ``by_grid``: the root group holds every
    save's scalars and series, ``t``, ``step`` and ``grid`` (the index of the grid of the
    save), and group ``grid_<index>`` holds the fields of the saves made on that grid, with
    its own ``t`` (those saves' times) and ``x``/``y``/``z`` (see :func:`open_grids`).

    Parameters
    ----------
    path : Path
    grid : Grid
        The grid of the first save (and of every save of a store not written ``by_grid``).
    attrs : mapping
        Store attributes (``config``, ``phasefield_version``, ``backend``, ``precision``, ...).
    units : mapping
        ``units`` of every variable and coordinate (a string pint parses); default
        dimensionless.
    long_names : mapping
        ``long_name`` of variables where the model says more than
        :data:`phasefield.dims.LONG_NAMES`.
    component_dims : mapping
        The dim name of each stacked field's leading axis (``{"eta": "op"}``).
    coords : mapping
        Coordinates of the extra dims of series (e.g. distribution bins).
    by_grid : bool
        Fields in one group per grid (a run that regrids).
    """

    def __init__(
        self,
        path: Path,
        grid: Grid,
        attrs: Mapping[str, Any],
        units: Mapping[str, str] = DIMENSIONLESS,
        long_names: Mapping[str, str] | None = None,
        component_dims: Mapping[str, str] | None = None,
        coords: Mapping[str, np.ndarray] | None = None,
        by_grid: bool = False,
    ) -> None:
        self.path = Path(path)
        self.grid = grid
        self.attrs = dict(attrs)
        self.units = units
        self.long_names = {**LONG_NAMES, **(long_names or {})}
        self.component_dims = dict(component_dims or {})
        self.coords = dict(coords or {})
        self.by_grid = by_grid
        self.saves = 0
        self._grids: list[Grid] | None = None  # read from the store on the first append

    def _field_dims(self, name: str, values: np.ndarray, grid: Grid) -> tuple[str, ...]:
        axes = stored_axes(grid.axes)
        if values.ndim == grid.ndim:
            return (TIME, *axes)
        return (TIME, self.component_dims.get(name, f"{name}_component"), *axes)

    @staticmethod
    def _stored(values: np.ndarray, grid: Grid) -> np.ndarray:
        """A field (or stack) in the store's axis order: grid axes reversed (a view)."""
        leading = values.ndim - grid.ndim
        order = (*range(leading), *reversed(range(leading, values.ndim)))
        return np.transpose(values, order)

    def _fields(self, save: Save, grid: Grid) -> tuple[dict[str, Any], dict[str, Any]]:
        variables: dict[str, Any] = {
            name: (self._field_dims(name, values, grid), self._stored(values, grid)[np.newaxis])
            for name, values in save.fields.items()
        }
        coords = {name: grid.coordinates(axis) for axis, name in enumerate(grid.axes)}
        return variables, coords

    def _series(self, save: Save) -> tuple[dict[str, Any], dict[str, Any]]:
        variables: dict[str, Any] = {}
        for name, value in save.scalars.items():
            variables[name] = ((TIME,), _scalar(value))
        for name, (dims, values) in save.series.items():
            variables[name] = ((TIME, *dims), values[np.newaxis])
        variables[STEP] = ((TIME,), np.array([save.step], dtype=np.int64))
        coords: dict[str, Any] = {}
        for dims, _ in save.series.values():
            for dim in dims:
                if dim in self.coords:
                    coords[dim] = self.coords[dim]
        return variables, coords

    def _dataset(
        self, variables: dict[str, Any], coords: dict[str, Any], save: Save, attrs: Any
    ) -> xr.Dataset:
        coords = {TIME: np.array([save.time], dtype=np.float64), **coords}
        dataset = xr.Dataset(variables, coords=coords, attrs=attrs)
        for variable in dataset.variables:
            key = str(variable)
            if key not in self.long_names:
                raise KeyError(f"variable {key!r} has no long_name (phasefield.dims.LONG_NAMES)")
            units = "1" if key == GRID else self.units[key]
            dataset[key].attrs.update(long_name=self.long_names[key], units=units)
        return dataset

    def _encoding(self, save: Save, grid: Grid, dataset: xr.Dataset) -> dict[str, dict[str, Any]]:
        encoding: dict[str, dict[str, Any]] = {
            name: {
                "chunks": _field_chunks(
                    self._stored(values, grid).shape,
                    values.dtype.itemsize,
                    values.ndim - grid.ndim,
                )
            }
            for name, values in save.fields.items()
            if name in dataset
        }
        for name, variable in dataset.data_vars.items():
            if variable.dtype.kind in "iu":
                encoding.setdefault(str(name), {})["fill_value"] = INTEGER_FILL
        return encoding

    def create(self, save: Save) -> None:
        """Write the first save, creating the store (which must not exist)."""
        grid = save.grid or self.grid
        variables, coords = self._series(save)
        if self.by_grid:
            variables[GRID] = ((TIME,), np.array([0], dtype=np.int64))
        else:
            more_variables, more_coords = self._fields(save, grid)
            variables.update(more_variables)
            coords.update(more_coords)
        attrs = {**self.attrs, MARKER: uuid.uuid4().hex, "saves": 0}
        dataset = self._dataset(variables, coords, save, attrs)
        dataset.to_zarr(
            self.path,
            mode="w-",
            zarr_format=3,
            consolidated=False,
            encoding=self._encoding(save, grid, dataset),
        )
        if self.by_grid:
            self._create_grid(0, save, grid)
            self._grids = [grid]
        group = _group(self.path, mode="r+")
        group.require_group(CHECKPOINT_GROUP)
        group.attrs["saves"] = 1  # the commit
        self.saves = 1

    def _create_grid(self, index: int, save: Save, grid: Grid) -> None:
        """The group of a new grid, holding ``save``'s fields."""
        variables, coords = self._fields(save, grid)
        attrs = {"shape": list(grid.shape), "spacing": list(grid.spacing)}
        dataset = self._dataset(variables, coords, save, attrs)
        dataset.to_zarr(
            self.path,
            group=grid_group(index),
            mode="w-",
            zarr_format=3,
            consolidated=False,
            encoding=self._encoding(save, grid, dataset),
        )

    def _grid_index(self, save: Save) -> tuple[int, bool]:
        """The index of the grid of ``save`` and whether it is new; a new grid's group is
        created holding the save's fields."""
        if self._grids is None:
            self._grids = store_grids(self.path)
        grid = save.grid or self.grid
        if self._grids and self._grids[-1] == grid:
            return len(self._grids) - 1, False
        self._create_grid(len(self._grids), save, grid)
        self._grids.append(grid)
        return len(self._grids) - 1, True

    def append(self, save: Save) -> None:
        """Append one save; ``t`` goes last so that a half-written save stays invisible."""
        group = _group(self.path, mode="r+")
        grid = save.grid or self.grid
        fields, written = group, False
        if self.by_grid:
            index, written = self._grid_index(save)
            group[GRID].append(np.array([index], dtype=np.int64), axis=0)  # type: ignore[union-attr]
            fields = group[grid_group(index)]  # type: ignore[assignment]
            if not written:
                fields[TIME].append(np.array([save.time], dtype=np.float64), axis=0)  # type: ignore[union-attr]
        if not written:
            for name, values in save.fields.items():
                fields[name].append(self._stored(values, grid)[np.newaxis], axis=0)  # type: ignore[union-attr]
        for name, value in save.scalars.items():
            group[name].append(_scalar(value), axis=0)  # type: ignore[union-attr]
        for name, (_dims, values) in save.series.items():
            group[name].append(values[np.newaxis], axis=0)  # type: ignore[union-attr]
        group[STEP].append(np.array([save.step], dtype=np.int64), axis=0)  # type: ignore[union-attr]
        group[TIME].append(np.array([save.time], dtype=np.float64), axis=0)  # type: ignore[union-attr]
        group.attrs["saves"] = self.saves + 1  # the commit: the save is complete
        self.saves += 1

    def write(self, save: Save) -> None:
        if self.saves == 0:
            self.create(save)
        else:
            self.append(save)


def store_grids(path: Path) -> list[Grid]:
    """The grids of a store written by grid (:class:`StoreWriter` ``by_grid``), in order."""
    group = _group(path)
    grids: list[Grid] = []
    while True:
        try:
            member = group[grid_group(len(grids))]
        except KeyError:
            return grids
        attrs = member.attrs
        grids.append(Grid(tuple(attrs["shape"]), tuple(attrs["spacing"])))  # type: ignore[arg-type]


def _scalar(value: float | int) -> np.ndarray:
    """One entry of a scalar series: counts stay integers, everything else is float64."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return np.array([value], dtype=np.int64)
    return np.array([value], dtype=np.float64)


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
    return _group(path, mode=mode)


def committed_saves(group: zarr.Group, arrays: Mapping[str, zarr.Array] | None = None) -> int:
    """The saves a store holds complete: its ``saves`` attribute (stores of earlier versions:
    the entries of ``t``), never more than every time series has."""
    arrays = arrays if arrays is not None else _time_arrays(group)
    if TIME not in arrays:
        return 0
    committed = group.attrs.get("saves")
    count = int(arrays[TIME].shape[0]) if committed is None else int(committed)  # type: ignore[arg-type]
    return min([count, *(int(array.shape[0]) for array in arrays.values())])


def _chunks_per_save(array: zarr.Array) -> int:
    return int(
        np.prod([-(-n // c) for n, c in zip(array.shape[1:], array.chunks[1:], strict=True)])
    )


def _missing_chunks(path: Path, name: str, array: zarr.Array, saves: int) -> int:
    """Chunks of the first ``saves`` saves of a time series that are not on disk."""
    root = path / name / "c"
    per_save = _chunks_per_save(array)
    missing = 0
    for index in range(saves):
        node = root / str(index)
        if array.ndim == 1:
            found = int(node.is_file())
        else:
            found = sum(1 for item in node.rglob("*") if item.is_file()) if node.is_dir() else 0
        missing += max(per_save - found, 0)
    return missing


def open_run(path: str | Path) -> xr.Dataset:
    """Open a finished, running or interrupted run's store as an ``xarray.Dataset``.

    Every committed save is there; a save that was being written when the run stopped is not.

    Raises
    ------
    StoreError
        If ``path`` is missing, not a phasefield store, or damaged (unreadable metadata, a
        committed save with missing chunks).
    """
    path = Path(path)
    group = _open_group(path)
    try:
        arrays = _time_arrays(group)
        if TIME not in arrays:  # created, but the first save never completed
            return xr.Dataset(attrs=dict(group.attrs))
        saves = committed_saves(group, arrays)
        if "saves" in group.attrs:  # stores of this version write every chunk of a save
            for name, array in arrays.items():
                missing = _missing_chunks(path, name, array, saves)
                if missing:
                    raise StoreError(
                        f"{path}: damaged store: '{name}' misses {missing} chunk(s) of its "
                        f"{saves} complete saves (deleted files?)"
                    )
        if all(int(array.shape[0]) == saves for array in arrays.values()):
            with _quiet_partials():
                return _in_store_order(xr.open_zarr(path, consolidated=False, chunks=None))
        return _in_store_order(_committed_only(path, group, arrays, saves))
    except StoreError:
        raise
    except (ValueError, KeyError, OSError) as err:  # unreadable metadata or chunks
        raise StoreError(f"{path}: damaged store ({type(err).__name__}: {err})") from None


def _in_store_order(dataset: xr.Dataset) -> xr.Dataset:
    """Fields as ``(t, [component,] [z,] y, x)``: stores of phasefield 0.1.0 hold them
    as ``(t, [component,] x, y[, z])`` and read the same way through this (a lazy view)."""
    return dataset.transpose(TIME, ..., "z", "y", "x", missing_dims="ignore")


def _committed_only(
    path: Path, group: zarr.Group, arrays: Mapping[str, zarr.Array], saves: int
) -> xr.Dataset:
    """A store whose last save was cut short (some series longer than the committed saves):
    each variable opened on its own and cut to the committed saves."""
    parts = []
    for name in arrays:
        others = [other for other in arrays if other != name]
        with _quiet_partials():
            dataset = xr.open_zarr(path, consolidated=False, chunks=None, drop_variables=others)
        parts.append(dataset.isel({TIME: slice(0, saves)}).drop_vars(TIME, errors="ignore"))
    merged = xr.merge(parts, combine_attrs="override", compat="override", join="outer")
    times = np.asarray(arrays[TIME][:saves])
    return merged.assign_coords({TIME: times}).assign_attrs(dict(group.attrs))


def open_grids(path: str | Path, root: xr.Dataset | None = None) -> list[xr.Dataset]:
    """The saves of a run with their fields, one ``xarray.Dataset`` per grid the run used.

    A run that regrids (``grid.regrid``) stores the fields of each grid in its own group
    (``grid_0``, ``grid_1``, …: one resolution each, with its own ``x``/``y``/``z``); each
    dataset here holds that group's fields and, for the same saves, every scalar and series of
    the root (the whole run's are in :func:`open_run`). A store of a run on one grid gives one
    dataset, :func:`open_run`'s.

    Parameters
    ----------
    path : str or Path
    root : xarray.Dataset, optional
        The store as :func:`open_run` opened it, if the caller has it (not opened again).

    Raises
    ------
    StoreError
        As :func:`open_run`.
    """
    path = Path(path)
    root = open_run(path) if root is None else root
    if GRID not in root:
        return [root]
    index = np.asarray(root[GRID].values)
    datasets = []
    try:
        for number in range(int(index.max()) + 1 if index.size else 0):
            saves = np.flatnonzero(index == number)
            with _quiet_partials():
                fields = xr.open_zarr(
                    path, group=grid_group(number), consolidated=False, chunks=None
                )
            fields = fields.isel({TIME: slice(0, saves.size)}).drop_vars(TIME)
            series = root.isel({TIME: saves})
            merged = xr.merge([series, fields], combine_attrs="override", join="exact")
            grid_attrs = {"grid_" + key: value for key, value in fields.attrs.items()}
            datasets.append(_in_store_order(merged.assign_attrs(grid_attrs, grid_index=number)))
    except (ValueError, KeyError, OSError) as err:
        raise StoreError(f"{path}: damaged store ({type(err).__name__}: {err})") from None
    return datasets


def grid_holding(grids: Sequence[xr.Dataset], time: float) -> tuple[xr.Dataset, int]:
    """The dataset of :func:`open_grids` that holds the save at model time ``time`` (one of
    the store's save times, exactly) and the index of that save in it.

    Raises
    ------
    StoreError
        No dataset holds a save at ``time``.
    """
    for dataset in grids:
        found = np.flatnonzero(np.asarray(dataset[TIME].values) == time)
        if found.size:
            return dataset, int(found[0])
    raise StoreError(f"no save at t = {time:g} in the store's grids")


def trim_store(path: Path, saves: int) -> None:
    """Cut every time series back to its first ``saves`` entries (before a resume), and the
    fields of each grid to its saves among them (a grid first used after them is removed).
    The store is marked ``running`` first, which drops its consolidated metadata (stale from
    now on)."""
    group = _open_group(path, mode="r+")
    group.attrs["status"] = "running"
    if GRID in group:
        index = np.asarray(group[GRID][:saves])  # type: ignore[index]
        for number, _grid in enumerate(store_grids(path)):
            kept = int(np.count_nonzero(index == number))
            if kept == 0:
                shutil.rmtree(Path(path) / grid_group(number))
                continue
            for array in _time_arrays(group[grid_group(number)]).values():  # type: ignore[arg-type]
                if array.shape[0] != kept:
                    array.resize((kept, *array.shape[1:]))
    for array in _time_arrays(group).values():
        if array.shape[0] != saves:
            array.resize((saves, *array.shape[1:]))
    if "saves" in group.attrs:
        group.attrs["saves"] = saves
    for leftover in Path(path).rglob("*.partial"):  # torn atomic writes of a killed run
        leftover.unlink()


def set_status(path: Path, status: str, **attrs: Any) -> None:
    """Record the run's status (``running``, ``complete``, ``failed``, ``interrupted``); a run
    that ended, however, gets its metadata consolidated, so that plain ``xr.open_zarr`` opens
    it in one read and without warnings."""
    group = _group(path, mode="r+")
    group.attrs.update({"status": status, **attrs})
    if status != "running":
        with contextlib.suppress(OSError):  # a full disk: the store still opens through open_run
            consolidate(path)


def consolidate(path: Path) -> None:
    """Gather the metadata of every array into the root ``zarr.json`` (zarr's consolidated
    metadata). Any later write of the root's attributes by phasefield drops it again (every
    phasefield open ignores it: see :func:`_group`), so it is never stale after a resume."""
    with warnings.catch_warnings(), _quiet_partials():
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part")
        zarr.consolidate_metadata(path, zarr_format=3)


def _group(path: Path, mode: str = "r") -> zarr.Group:
    """The store's root group, read from the arrays' own metadata, never from consolidated
    metadata (which may describe an earlier state while a resume writes)."""
    return zarr.open_group(path, mode=mode, use_consolidated=False)  # type: ignore[arg-type]
