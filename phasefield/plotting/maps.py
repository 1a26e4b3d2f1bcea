"""Maps of a store's fields at one save: colour maps with a colorbar and a scale bar, grain maps
coloured by grain with the boundaries drawn, three orthogonal mid-slices of 3-D fields, and a
one-row strip along ``x``, coloured like the maps, for 1-D ones. Everything is selected by
dimension name, so x is always across."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dims import TIME
from ..drawing import length_text, pyplot, scale_bar
from ..grains import boundary_cells
from .select import label

__all__ = ["MapFigure", "Plane", "grain_palette", "planes"]

SPACE = ("x", "y", "z")
#: The mid-slices of a 3-D field: (across, up, the axis cut through its middle).
SLICES = (("x", "y", "z"), ("x", "z", "y"), ("y", "z", "x"))


@dataclass(frozen=True)
class Plane:
    """One 2-D view of a field: ``values[up, across]`` and where it lies."""

    values: np.ndarray
    extent: tuple[float, float, float, float]
    across: str
    up: str
    where: str = ""


def _edges(coordinate: Any) -> tuple[float, float]:
    """The outer cell faces along an axis (cells are centred on their coordinates)."""
    values = np.asarray(coordinate.values, dtype=np.float64)
    step = float(values[1] - values[0]) if values.size > 1 else 1.0
    return float(values[0] - step / 2), float(values[-1] + step / 2)


def _reduced(variable: Any) -> Any:
    """A field without its component dims (``op``): the largest component at each cell."""
    components = [dim for dim in variable.dims if dim not in SPACE and dim != TIME]
    return variable.max(components) if components else variable


def planes(variable: Any) -> list[Plane]:
    """The views of one save of a field (no ``t`` dim): the x-y plane (2-D), three mid-slices
    (3-D), or a single row along ``x`` (1-D: ``up`` is empty)."""
    variable = _reduced(variable)
    if "y" not in variable.dims:
        x = _edges(variable["x"])
        return [Plane(np.asarray(variable.values)[np.newaxis], (*x, 0.0, 1.0), "x", "")]
    if "z" not in variable.dims:
        values = np.asarray(variable.transpose("y", "x").values)
        return [Plane(values, (*_edges(variable["x"]), *_edges(variable["y"])), "x", "y")]
    units = str(variable["x"].attrs.get("units") or "")
    views = []
    for across, up, cut in SLICES:
        middle = variable.sizes[cut] // 2
        sliced = variable.isel({cut: middle})
        position = length_text(float(variable[cut].values[middle]), units)
        views.append(
            Plane(
                np.asarray(sliced.transpose(up, across).values),
                (*_edges(variable[across]), *_edges(variable[up])),
                across,
                up,
                f"{cut} = {position}",
            )
        )
    return views


def grain_palette(grain_maps: Sequence[np.ndarray]) -> np.ndarray:
    """An RGB colour for every grain id in ``grain_maps`` (indexed by id): a qualitative
    palette assigned by a graph colouring (DSatur) of the grains that touch in any of the
    maps, so neighbours differ, and the same grain keeps its colour in every map. Id 0 (no
    grain: a second phase) is white."""
    from matplotlib import colormaps

    from ..backend import get_backend
    from ..grains.colouring import neighbour_pairs
    from ..grains.kernels import dsatur

    # Set3 without its grey and its second yellow (too close to the first, side by side)
    palette = np.delete(colormaps["Set3"](np.arange(12))[:, :3], [8, 11], axis=0)
    count = max(int(ids.max()) for ids in grain_maps) + 1
    backend = get_backend("numpy", kernels="array")
    pairs = np.concatenate([neighbour_pairs(ids, backend) for ids in grain_maps], axis=1)
    colour = dsatur(count, pairs[:, (pairs > 0).all(axis=0)], len(palette))
    uncoloured = colour < 0
    colour[uncoloured] = np.flatnonzero(uncoloured) % len(palette)
    rgb = palette[colour]
    rgb[0] = 1.0
    return rgb


def _grain_image(ids: np.ndarray, palette: np.ndarray) -> np.ndarray:
    image = palette[ids]
    image[boundary_cells(ids)] = 0.0
    return image


class MapFigure:
    """A figure of one field at any of the saves ``saves``: :meth:`show` draws one of them
    (the colour scale, and the colours of grains, are shared by all, as a movie needs). The
    saves may lie on different grids (a run that regrids): each is drawn with its own extent,
    over the same box.

    Parameters
    ----------
    saves : sequence of xarray.Dataset
        One save each (selected along ``t``: ``t`` a scalar coordinate), holding ``name``.
    name : str
        A variable with an ``x`` dim.
    title : str
        Start of the figure's title (e.g. the run's name).
    """

    def __init__(self, saves: Sequence[Any], name: str, title: str) -> None:
        variable = saves[0][name]
        self.saves, self.name, self.title = list(saves), name, title
        self.grains = variable.dtype.kind in "iu"
        self.frames = [planes(save[name]) for save in self.saves]
        if self.grains:
            for views in self.frames:
                for plane in views:
                    np.maximum(plane.values, 0, out=plane.values)  # a missing chunk reads -1
            self.palette = grain_palette([p.values for v in self.frames for p in v])
        else:
            values = [p.values for v in self.frames for p in v]
            low = float(min(np.nanmin(v) for v in values))
            high = float(max(np.nanmax(v) for v in values))
            if not high > low:
                low, high = low - 0.5 * abs(low) - 0.5, high + 0.5 * abs(high) + 0.5
            self.limits = (low, high)
        reduced = [dim for dim in variable.dims if dim not in SPACE]
        self.label = label(variable, name)
        if reduced:
            self.label = f"{self.label}, largest over {', '.join(reduced)}"
        self._draw(self.frames[0])
        self.show(0)

    def _draw(self, views: list[Plane]) -> None:
        plt = pyplot()
        units = str(self.saves[0]["x"].attrs.get("units") or "")
        if len(views) == 3:
            size = (12.0, 4.4)
        else:
            left, right, bottom, top = views[0].extent
            ratio = (top - bottom) / (right - left) if views[0].up else 0.3
            size = (5.6, float(np.clip(4.4 * ratio, 2.2, 8.0)) + 0.8)
        self.figure, axes = plt.subplots(1, len(views), figsize=size, layout="constrained")
        self.axes = np.atleast_1d(axes)
        self.images = []
        for ax, plane in zip(self.axes, views, strict=True):
            left, right, bottom, top = plane.extent
            if self.grains:
                image = ax.imshow(
                    _grain_image(plane.values, self.palette),
                    origin="lower",
                    extent=plane.extent,
                    interpolation="nearest",
                )
            else:
                image = ax.imshow(
                    plane.values,
                    origin="lower",
                    extent=plane.extent,
                    interpolation="nearest",
                    cmap="viridis",
                    vmin=self.limits[0],
                    vmax=self.limits[1],
                    aspect="equal" if plane.up else "auto",
                )
            self.images.append(image)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel(f"{plane.across} →")
            if plane.up:
                ax.set_ylabel(f"{plane.up} →")
            if plane.where:
                ax.set_title(f"{plane.across}-{plane.up} plane at {plane.where}", fontsize=9)
            scale_bar(ax, right - left, top - bottom, units)
        if not self.grains:
            shrink = 0.9 if len(views) == 1 else 0.7
            colorbar = self.figure.colorbar(self.images[0], ax=list(self.axes), shrink=shrink)
            colorbar.set_label(self.label)
        self.heading = self.figure.suptitle("", fontsize=10)

    def show(self, frame: int) -> None:
        """Draw save ``saves[frame]``, on its grid."""
        save = self.saves[frame]
        for image, plane in zip(self.images, self.frames[frame], strict=True):
            shown = _grain_image(plane.values, self.palette) if self.grains else plane.values
            image.set_data(shown)
            image.set_extent(plane.extent)
        units = str(save[TIME].attrs.get("units") or "")
        when = f"t = {float(save[TIME]):.4g}" + ("" if units in ("", "1") else f" {units}")
        what = self.label
        if self.grains:
            what = "grains (boundaries black)"
            if "grain_count" in save:
                what += f", {int(save['grain_count'])} grains"
            if any((plane.values == 0).any() for plane in self.frames[frame]):
                what += ", white: no grain"
        width = max(40, int(self.figure.get_figwidth() * 11))  # characters that fit at 10 pt
        self.heading.set_text("\n".join(textwrap.wrap(f"{self.title}: {what}, {when}", width)))

    def close(self) -> None:
        pyplot().close(self.figure)
