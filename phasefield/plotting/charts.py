"""Charts of a store: its scalar series in small multiples, and the grain-size and neighbour
distributions of one save, the sizes against Hillert's steady state."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..dims import TIME
from ..drawing import pyplot, readable_units
from .hillert import HILLERT_MEAN_RATIO, hillert_distribution
from .select import label

__all__ = ["distribution_figure", "series_figure"]


def _time_label(dataset: Any) -> str:
    return label(dataset[TIME], "t").replace("model time", "t")


def _series_panel(ax: Any, variable: Any, name: str, times: np.ndarray, marker: str) -> None:
    """One series, in units with a readable prefix; an axis of whole numbers for counts, and
    a flat line (no offset of 1e-13 on the axis) for a series constant to rounding."""
    from matplotlib.ticker import MaxNLocator

    values = np.asarray(variable.values)
    units = str(variable.attrs.get("units") or "")
    finite = np.abs(values[np.isfinite(values)]) if values.size else values
    factor, shown = readable_units(float(finite.max()) if finite.size else 0.0, units)
    scaled = values * factor if factor != 1.0 else values
    ax.plot(times, scaled, marker=marker, ms=3, lw=1.2)
    if values.dtype.kind in "iu":
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if values.size and int(values.max()) - int(values.min()) < 2:  # room for whole ticks
            ax.set_ylim(float(values.min()) - 1.0, float(values.max()) + 1.0)
    elif finite.size:
        low, high = float(np.nanmin(scaled)), float(np.nanmax(scaled))
        size = max(abs(low), abs(high))
        if high - low <= 1e-9 * size:  # constant but for rounding
            middle = 0.5 * (low + high)
            ax.set_ylim(middle - 1e-3 * size - 1e-300, middle + 1e-3 * size + 1e-300)
        ax.ticklabel_format(axis="y", useOffset=False)
    name_text = str(variable.attrs.get("long_name") or name)
    title = name_text if shown in ("", "1") else f"{name_text} [{shown}]"
    ax.set_title("\n".join(textwrap.wrap(title, 38)), fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


def series_figure(dataset: Any, names: Sequence[str], marked: Sequence[int], title: str) -> Any:
    """Each series in ``names`` against model time, one panel each (three across); dashed
    lines mark the saves ``marked``."""
    plt = pyplot()
    columns = min(3, len(names))
    rows = math.ceil(len(names) / columns)
    figure, axes = plt.subplots(
        rows,
        columns,
        figsize=(3.6 * columns + 0.4, 2.6 * rows + 0.6),
        layout="constrained",
        squeeze=False,
        sharex=True,
    )
    times = np.asarray(dataset[TIME].values, dtype=np.float64)
    marker = "o" if times.size <= 40 else ""
    for ax, name in zip(axes.flat, names, strict=False):
        _series_panel(ax, dataset[name], name, times, marker)
        for index in marked:
            ax.axvline(times[index], color="0.5", lw=0.8, ls="--")
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for column in range(columns):  # the last row may be short: the lowest panel of each column
        lowest = max(r for r in range(rows) if r * columns + column < len(names))
        axes[lowest, column].set_xlabel(_time_label(dataset), fontsize=9)
        axes[lowest, column].xaxis.set_tick_params(labelbottom=True)
    figure.suptitle(f"{title}: scalar series", fontsize=10)
    return figure


def _grid_ndim(dataset: Any) -> int:
    return sum(axis in dataset.dims for axis in ("x", "y", "z"))


def distribution_figure(dataset: Any, index: int, title: str) -> Any:
    """The grain-size distribution of save ``index`` as a density of ``d / <d>`` with
    Hillert's distribution of the run's dimension, and the neighbour-count distribution (each
    panel where the store holds it)."""
    plt = pyplot()
    panels = [n for n in ("grain_size_distribution", "neighbour_distribution") if n in dataset]
    figure, axes = plt.subplots(
        1, len(panels), figsize=(4.6 * len(panels), 3.8), layout="constrained", squeeze=False
    )
    saved = dataset.isel({TIME: index})
    ndim = _grid_ndim(dataset)
    for ax, name in zip(axes[0], panels, strict=True):
        counts = np.asarray(saved[name].values, dtype=np.float64)
        total = counts.sum()
        if name == "grain_size_distribution":
            centres = np.asarray(dataset["size_bin"].values, dtype=np.float64)
            width = float(centres[1] - centres[0]) if centres.size > 1 else 1.0
            density = counts / (total * width) if total else counts
            ax.bar(centres, density, width=width, color="0.75", edgecolor="0.4", label="run")
            if ndim in HILLERT_MEAN_RATIO:
                rho = np.linspace(0.0, centres[-1] + width / 2, 400)
                ax.plot(
                    rho,
                    hillert_distribution(rho, ndim),
                    color="C3",
                    lw=1.6,
                    label=f"Hillert (1965), {ndim}-D",
                )
            ax.set_xlabel("d / <d> (equivalent diameter over its mean)")
            ax.set_ylabel("probability density")
            ax.set_title(f"grain sizes ({int(total)} grains)", fontsize=9)
            ax.legend(fontsize=8)
        else:
            counted = np.asarray(dataset["neighbours"].values)
            fraction = counts / total if total else counts
            ax.bar(counted, fraction, width=0.9, color="C0")
            mean = float((counted * counts).sum() / total) if total else 0.0
            ax.axvline(mean, color="C3", lw=1.2, label=f"mean {mean:.2f}")
            shown = counted[counts > 0]
            if shown.size:
                ax.set_xlim(max(shown.min() - 1.5, -0.5), shown.max() + 1.5)
            ax.set_xlabel("number of neighbours")
            ax.set_ylabel("fraction of grains")
            ax.set_title("neighbours", fontsize=9)
            ax.legend(fontsize=8)
    time = float(dataset[TIME].values[index])
    units = str(dataset[TIME].attrs.get("units") or "")
    when = f"t = {time:.4g}" + ("" if units in ("", "1") else f" {units}")
    figure.suptitle(f"{title}: grain distributions, {when}", fontsize=10)
    return figure
