"""Writing a store: the first save creates it, each later save appends one entry along ``t``
to every series and is committed by the count of complete saves (see :mod:`.store`, which opens,
trims and removes stores)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..dims import DIMENSIONLESS, GRID, LONG_NAMES, STEP, TIME, stored_axes
from ..grid import Grid
from .store import CHECKPOINT_GROUP, MARKER, grid_group, store_grids, zarr_group

__all__ = ["INTEGER_FILL", "Save", "StoreWriter"]

#: The fill value of integer variables: what a missing chunk would read as (no real count,
#: id or step is negative).
INTEGER_FILL = -1
#: Largest chunk of a field, in bytes; a save of a bigger field is split along the first axis.
MAX_CHUNK_BYTES = 64 * 2**20


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


def _field_chunks(shape: tuple[int, ...], itemsize: int, leading: int) -> tuple[int, ...]:
    """One save (and one component) per chunk, split along the first grid axis if large."""
    grid = shape[leading:]
    row_bytes = itemsize * int(np.prod(grid[1:], dtype=np.int64))
    rows_per_chunk = max(1, min(grid[0], MAX_CHUNK_BYTES // max(row_bytes, 1)))
    return (1,) * (1 + leading) + (rows_per_chunk, *grid[1:])


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
        group = zarr_group(self.path, mode="r+")
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
        group = zarr_group(self.path, mode="r+")
        grid = save.grid or self.grid
        fields, written = group, False
        if self.by_grid:
            index, written = self._grid_index(save)
            group[GRID].append(np.array([index], dtype=np.int64), axis=0)  # type: ignore[union-attr]
            fields = group[grid_group(index)]  # type: ignore[assignment]
        if not written:
            for name, values in save.fields.items():
                fields[name].append(self._stored(values, grid)[np.newaxis], axis=0)  # type: ignore[union-attr]
            if self.by_grid:  # the grid's t last, as the root's
                fields[TIME].append(np.array([save.time], dtype=np.float64), axis=0)  # type: ignore[union-attr]
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


def _scalar(value: float | int) -> np.ndarray:
    """One entry of a scalar series: counts stay integers, everything else is float64."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return np.array([value], dtype=np.int64)
    return np.array([value], dtype=np.float64)
