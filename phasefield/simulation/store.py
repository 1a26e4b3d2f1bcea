"""The output store: opening, trimming, removing (writing: :mod:`.writing`).

A store is a zarr (v3) group written through xarray. The first save creates it, with a marker
file (``.phasefield``, the store's id) that says the folder is phasefield's own; each later save
appends one chunk along ``t`` to every variable, then commits it by writing the count of
complete saves into the group's attributes (``saves``), the last write of a save. Every file
zarr writes is replaced atomically, so whatever moment a run stops at, :func:`open_run` shows
exactly the committed saves: a save cut short (arrays already resized, chunks not yet written)
is not there. A committed save whose chunks are missing is damage, and is reported as such
(integer variables are filled with -1 where a chunk is missing, never a plausible value).

A run whose grid changes (regridding, tiling) keeps its fields in one group per grid,
``grid_<k>``, and its series in the root (:func:`open_grids`).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import zarr

from ..dims import GRID, TIME
from ..grid import Grid

__all__ = [
    "CHECKPOINT_GROUP",
    "MARKER",
    "TIME",
    "StoreError",
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
    "zarr_group",
]

#: The subgroup holding the checkpoint file (a group, so readers of the store skip it).
CHECKPOINT_GROUP = "_checkpoint"
#: The attribute of the store's root ``zarr.json`` that marks it as phasefield's own: a random
#: id (32 hex digits) written when the store is created. An attribute, not a file beside the
#: arrays: zarr warns about every file in a group that is not a node of the hierarchy.
MARKER = "store_id"


class StoreError(ValueError):
    """A path that is not a usable phasefield store."""


def is_store(path: Path) -> bool:
    """Whether ``path`` is a zarr group written by phasefield (one to read)."""
    try:
        group = zarr_group(path)
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
        members = {name for name, _ in zarr_group(path).members()}
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


def grid_group(index: int) -> str:
    """The group of a regridded run's store that holds the fields of its grid ``index``."""
    return f"grid_{index}"


def store_grids(path: Path) -> list[Grid]:
    """The grids of a store written by grid (:class:`StoreWriter` ``by_grid``), in order."""
    group = zarr_group(path)
    grids: list[Grid] = []
    while True:
        try:
            member = group[grid_group(len(grids))]
        except KeyError:
            return grids
        attrs = member.attrs
        grids.append(Grid(tuple(attrs["shape"]), tuple(attrs["spacing"])))  # type: ignore[arg-type]


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
    return zarr_group(path, mode=mode)


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
    path: Path,
    group: zarr.Group,
    arrays: Mapping[str, zarr.Array],
    saves: int,
    name_of_group: str | None = None,
) -> xr.Dataset:
    """A store (or its group ``name_of_group``) whose last save was cut short (some series
    longer than the committed saves): each variable opened on its own and cut to the
    committed saves."""
    parts = []
    for name in arrays:
        others = [other for other in arrays if other != name]
        with _quiet_partials():
            dataset = xr.open_zarr(
                path,
                group=name_of_group,
                consolidated=False,
                chunks=None,
                drop_variables=others,
            )
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
            name = grid_group(number)
            group = zarr_group(path)[name]
            arrays = _time_arrays(group)  # type: ignore[arg-type]
            if all(int(array.shape[0]) == saves.size for array in arrays.values()):
                with _quiet_partials():
                    fields = xr.open_zarr(path, group=name, consolidated=False, chunks=None)
            else:  # a save cut short, or being written: its entries are not committed
                fields = _committed_only(path, group, arrays, saves.size, name)  # type: ignore[arg-type]
            fields = fields.drop_vars(TIME)
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
    group = zarr_group(path, mode="r+")
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


def zarr_group(path: Path, mode: str = "r") -> zarr.Group:
    """The store's root group, read from the arrays' own metadata, never from consolidated
    metadata (which may describe an earlier state while a resume writes)."""
    return zarr.open_group(path, mode=mode, use_consolidated=False)  # type: ignore[arg-type]
