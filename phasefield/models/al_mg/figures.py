"""Matplotlib figures of the Al–Mg report: quantities against temperature, and microstructure
panels.

Figures are written with the Agg backend (no screen needed). Derived grain sizes (see
:mod:`~phasefield.models.al_mg.report`) are drawn as open markers, simulated ones as filled
markers. Stores are read through the ``open_store`` the report passes in (the dataset holding
a store's last save with its fields).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...dims import TIME
from ...grains import boundary_cells

if TYPE_CHECKING:
    from .report import AnnealRow

#: Opens a store as an ``xarray.Dataset`` that holds at least its last save's fields.
Opener = Callable[[Path], Any]

__all__ = ["microstructure_panels", "report_figures"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _series(rows: Sequence[AnnealRow]) -> dict[str, list[AnnealRow]]:
    """Rows grouped by alloy and anneal time ("NG-50, 1 h"), each sorted by temperature."""
    groups: dict[str, list[AnnealRow]] = {}
    for row in rows:
        label = f"{row.alloy}, {row.anneal_time / 3600:.3g} h"
        groups.setdefault(label, []).append(row)
    return {k: sorted(v, key=lambda r: r.temperature) for k, v in groups.items()}


def _against_temperature(
    rows: Sequence[AnnealRow], attribute: str, ylabel: str, path: Path, log: bool = False
) -> Path:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5.0, 3.6), constrained_layout=True)
    for label, group in _series(rows).items():
        t = np.array([r.temperature for r in group])
        y = np.array([getattr(r, attribute) for r in group], dtype=float)
        (line,) = axes.plot(t, y, "-", lw=1, label=label)
        derived = np.array([r.grain_size_from == "derived" for r in group])
        if attribute != "grain_size_nm":
            derived[:] = False
        axes.plot(t[~derived], y[~derived], "o", color=line.get_color())
        if derived.any():
            axes.plot(
                t[derived],
                y[derived],
                "o",
                mfc="none",
                color=line.get_color(),
                label=f"{label} (derived)",
            )
    if log:
        axes.set_yscale("log")
    axes.set_xlabel("annealing temperature [K]")
    axes.set_ylabel(ylabel)
    axes.legend(fontsize=7)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def _last_planes(
    row: AnnealRow, names: Sequence[str], open_store: Opener
) -> tuple[dict[str, np.ndarray], float]:
    """The fields ``names`` at a run's last save (the middle plane of 3-D runs), and the
    domain's edge length in nm."""
    dataset = open_store(Path(row.store))
    last = dataset.isel({TIME: -1})
    planes = {}
    for name in names:
        if name in last:
            field = last[name]
            if "z" in field.dims:
                field = field.isel(z=field.sizes["z"] // 2)
            planes[name] = field.transpose("y", "x").values  # x across
    spacing = float(dataset["x"].values[1] - dataset["x"].values[0])
    return planes, dataset.sizes["x"] * spacing * 1e9


def microstructure_panels(rows: Sequence[AnnealRow], path: Path, open_store: Opener) -> Path | None:
    """Grains, Mg and β at the last save of each run of one series: a column per run (by
    temperature), a row per quantity, one colour scale per row (Mg mole fraction from 0 to the
    highest value shown, β fraction from 0 to 1). None if no run stored any of the three."""
    plt = _pyplot()
    names = ("grain_id", "c", "phi")
    titles = ("grain boundaries", "Mg (mole fraction)", "beta fraction")
    loaded = [(row, *_last_planes(row, names, open_store)) for row in rows]
    loaded = [item for item in loaded if item[1]]
    if not loaded:
        return None
    top = max((float(p["c"].max()) for _, p, _ in loaded if "c" in p), default=1.0)
    limits = {"c": (0.0, top), "phi": (0.0, 1.0)}
    figure, axes = plt.subplots(
        3,
        len(loaded),
        figsize=(1.9 * len(loaded) + 1.2, 6.0),
        constrained_layout=True,
        squeeze=False,
    )
    images: dict[str, Any] = {}
    for column, (row, planes, edge) in enumerate(loaded):
        extent = (0.0, edge, 0.0, edge)
        for line, name in enumerate(names):
            ax = axes[line, column]
            ax.set_xticks([])
            ax.set_yticks([])
            if name not in planes:
                continue
            if name == "grain_id":
                shown = np.where(boundary_cells(planes[name]), 0.0, 1.0)
                ax.imshow(shown, origin="lower", cmap="gray", extent=extent, vmin=0, vmax=1)
            else:
                low, high = limits[name]
                images[name] = ax.imshow(
                    planes[name], origin="lower", cmap="viridis", extent=extent, vmin=low, vmax=high
                )
        axes[0, column].set_title(
            f"{row.temperature:.0f} K, {row.simulated_time:.3g} s\n{edge:.0f} nm wide", fontsize=8
        )
    for line, (name, title) in enumerate(zip(names, titles, strict=True)):
        axes[line, 0].set_ylabel(title, fontsize=8)
        if name in images:
            figure.colorbar(images[name], ax=list(axes[line]), shrink=0.8)
    figure.suptitle(
        f"{rows[0].alloy}, {rows[0].anneal_time / 3600:.3g} h anneals (last save)", fontsize=9
    )
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def report_figures(rows: Sequence[AnnealRow], folder: Path, open_store: Opener) -> list[Path]:
    """The report's PNG files in ``folder``."""
    files = [
        _against_temperature(
            rows, "grain_size_nm", "mean grain size [nm]", folder / "grain_size.png", log=True
        ),
        _against_temperature(
            rows,
            "precipitate_fraction",
            "beta-Al3Mg2 fraction",
            folder / "precipitate_fraction.png",
        ),
        _against_temperature(
            rows, "mg_in_alpha_wt", "Mg in alpha [wt%]", folder / "mg_in_alpha.png"
        ),
    ]
    for label, group in _series(rows).items():
        stem = label.replace(", ", "_").replace(" ", "")
        panels = microstructure_panels(group, folder / f"microstructures_{stem}.png", open_store)
        files += [panels] if panels is not None else []
    return files
