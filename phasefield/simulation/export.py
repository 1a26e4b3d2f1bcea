"""Export a store's fields as VTK image data (``.vti``) for ParaView, one file per save.

Each save becomes ``<name>_<index>.vti``: a uniform grid whose points sit at the store's cell
positions (``x = spacing * index``, so origin 0 and the grid's spacing), with every field of the
save as point data (point data, not cell data, so that ParaView contours and slices it directly).
A stack (``eta``) becomes one array per component (``eta_0``, ``eta_1``, ...). 2-D grids are
written as one layer of points. A ``<name>.pvd`` collection lists the files with their model times,
so ParaView opens the whole series as one time-dependent source. Files are written by pyevtk
(binary, appended raw data).

A run that regrids (``grid.regrid``) writes each save on its own grid: the files of saves after
a regrid have fewer points and a larger spacing, over the same box (see
:func:`~phasefield.simulation.store.open_grids`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from ..dims import TIME
from .store import StoreError, grid_holding, open_grids, open_run

__all__ = ["export_vtk", "select_saves"]

_AXES = ("x", "y", "z")


def select_saves(times: Sequence[float] | None, stored: np.ndarray) -> list[int]:
    """Indices of the saves nearest each requested time (all saves when ``times`` is None).

    A requested time further than half the largest gap between saves from every save is bad input
    (it names no save), as is a store without saves.
    """
    if stored.size == 0:
        raise StoreError("the store holds no saves yet")
    if times is None:
        return list(range(stored.size))
    tolerance = 0.5 * float(np.diff(stored).max()) if stored.size > 1 else 0.0
    indices = []
    for time in times:
        index = int(np.abs(stored - time).argmin())
        if abs(stored[index] - time) > tolerance * (1 + 1e-9) + 1e-300:
            raise StoreError(
                f"--times: no save near t = {time:g} (saves span {stored[0]:g} to {stored[-1]:g})"
            )
        if index not in indices:
            indices.append(index)
    return indices


def _axes(dataset: xr.Dataset) -> tuple[str, ...]:
    """The grid axes of a dataset of the store, in VTK's order (x, y, z)."""
    return tuple(axis for axis in _AXES if axis in dataset.dims)


def _spacing(dataset: xr.Dataset, axes: tuple[str, ...]) -> tuple[float, ...]:
    """The spacing of the dataset's grid along x, y, z (a 2-D grid's along z: its x spacing;
    an axis of one cell: 1)."""
    spacing = [
        float(dataset[a].values[1] - dataset[a].values[0]) if dataset.sizes[a] > 1 else 1.0
        for a in axes
    ]
    return (*spacing, *[spacing[0]] * (3 - len(axes)))


def _point_data(save: xr.Dataset, axes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Every grid field of one save as 3-D Fortran-ordered arrays indexed ``[x, y, z]`` (the
    store holds ``[z,] y, x``), stacks split by component."""
    data: dict[str, np.ndarray] = {}
    for name, variable in save.data_vars.items():
        dims = variable.dims
        if not set(axes) <= set(dims):
            continue  # a scalar series or a distribution
        values = variable.transpose(..., *axes).values  # VTK's order: x, y, z
        if values.dtype.kind == "b":
            values = values.astype(np.uint8)
        stacks = values.reshape((-1, *values.shape[-len(axes) :]))
        labels = (
            [str(name)] if len(dims) == len(axes) else [f"{name}_{i}" for i in range(len(stacks))]
        )
        for label, component in zip(labels, stacks, strict=True):
            layer = component.reshape(component.shape + (1,) * (3 - len(axes)))
            data[label] = np.asfortranarray(layer)
    return data


def _write_image(stem: Path, spacing: tuple[float, ...], data: dict[str, np.ndarray]) -> Path:
    """One ``.vti`` file of point data on an image of ``spacing`` (origin 0).

    pyevtk's ``imageToVTK`` takes any spacing below 1e-8 for zero (``numpy.isclose``'s absolute
    tolerance) and refuses the data, so metre-scale grids (the al_mg model's nanometre cells)
    could not be exported through it; this writes the same file through pyevtk's ``VtkFile``.
    """
    from pyevtk.vtk import VtkFile, VtkImageData

    shape = next(iter(data.values())).shape
    end = tuple(n - 1 for n in shape)
    start = (0, 0, 0)
    vtk = VtkFile(str(stem), VtkImageData)
    vtk.openGrid(start=start, end=end, origin=(0.0, 0.0, 0.0), spacing=spacing)
    vtk.openPiece(start=start, end=end)
    vtk.openData("Point", scalars=next(iter(data)))
    for name, values in data.items():
        vtk.addData(name, values)
    vtk.closeData("Point")
    vtk.closePiece()
    vtk.closeGrid()
    for values in data.values():
        vtk.appendData(values)
    vtk.save()
    return Path(vtk.getFileName())


def export_vtk(
    store: str | Path, directory: str | Path, times: Sequence[float] | None = None
) -> list[Path]:
    """Write the saves of ``store`` nearest ``times`` (default: all) as VTK image data, each on
    the grid it was saved on (its shape and spacing: a run that regrids has several).

    Parameters
    ----------
    store : path
        A phasefield store (finished or interrupted).
    directory : path
        Folder for the ``.vti`` files and the ``.pvd`` collection; created if missing. Existing
        files of the same names are replaced; nothing else in the folder is touched.
    times : sequence of float, optional
        Model times; each picks the nearest save.

    Returns
    -------
    list of Path
        The files written, the ``.pvd`` collection last.
    """
    from pyevtk.vtk import VtkGroup

    root = open_run(store)
    grids = open_grids(store, root)
    if not _axes(grids[0]):
        raise StoreError(f"{store}: the store has no grid coordinates")
    stored = root[TIME].values
    indices = select_saves(times, stored)
    out = Path(directory).resolve()
    if out.exists() and not out.is_dir():
        raise StoreError(f"--vtk {out}: exists and is not a folder; choose a folder")
    out.mkdir(parents=True, exist_ok=True)
    name = str(root.attrs.get("name") or Path(store).stem)
    written: list[Path] = []
    group = VtkGroup(str(out / name))
    for index in indices:
        dataset, save = grid_holding(grids, float(stored[index]))
        axes = _axes(dataset)
        data = _point_data(dataset.isel({TIME: save}), axes)
        if not data:
            raise StoreError(f"{store}: the store has no fields to export (output.fields is empty)")
        stem = out / f"{name}_{index:05d}"
        path = _write_image(stem, _spacing(dataset, axes), data)
        group.addFile(filepath=str(path), sim_time=float(stored[index]))
        written.append(path)
    group.save()
    written.append(out / f"{name}.pvd")
    return written
