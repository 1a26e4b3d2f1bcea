"""Matplotlib figures of the Al–Mg report: quantities against temperature with the observations
of the runs' material drawn over them, and microstructure panels.

Figures are written with the Agg backend (no screen needed). Derived grain sizes (see
:mod:`~phasefield.models.al_mg.report`) are drawn as open circles, simulated ones as filled
circles; an observation (the material's observation file, :mod:`phasefield.observations`) as a
black-edged square in its series' colour, with an error bar for its tolerance or factor, or an
arrow for a limit (below: down, above: up). Mg is in weight percent everywhere. Stores are read
through the ``open_store`` the report passes in (the dataset holding a store's last save with
its fields).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...dims import TIME
from ...drawing import pyplot, scale_bar
from ...materials import load_material
from ...observations import Observation, ObservationSet
from ...thermo.composition import Composition

if TYPE_CHECKING:
    from .rows import AnnealRow

#: Opens a store as an ``xarray.Dataset`` that holds at least its last save's fields.
Opener = Callable[[Path], Any]

__all__ = [
    "QUANTITIES",
    "Plotted",
    "microstructure_figure",
    "microstructure_panels",
    "report_figures",
    "temperature_figure",
]

#: How β is outlined (the φ = 0.5 contour) and grain boundaries drawn in the panels.
BETA_COLOUR = "red"
BOUNDARY_COLOUR = "black"
#: How far right of its temperature an observation is drawn (points): by SHIFT, and each other
#: series' observation at the same temperature by STAGGER more, so that neither a model value
#: beneath nor another observation hides it.
OBSERVATION_SHIFT = 4.0
OBSERVATION_STAGGER = 5.5


@dataclass(frozen=True)
class Plotted:
    """A row attribute drawn against temperature, and the observed quantity it is held to."""

    attribute: str  # of AnnealRow
    observed: str  # the observation file's quantity
    unit: str  # of the attribute (and of the axis)
    label: str  # the y axis
    stem: str  # the PNG's name
    log: bool = False


#: The figures against temperature.
QUANTITIES = (
    Plotted("grain_size_nm", "grain_size", "nm", "mean grain size [nm]", "grain_size", log=True),
    Plotted(
        "precipitate_fraction",
        "beta_fraction",
        "1",
        "β-Al$_3$Mg$_2$ volume fraction",
        "precipitate_fraction",
    ),
    Plotted("mg_in_alpha_wt", "mg_in_alpha", "wt%", "Mg in α [wt%]", "mg_in_alpha"),
)


def _series(rows: Sequence[AnnealRow]) -> dict[str, list[AnnealRow]]:
    """Rows grouped by alloy and anneal time ("NG-50, 1 h"), each sorted by temperature."""
    groups: dict[str, list[AnnealRow]] = {}
    for row in rows:
        label = f"{row.alloy}, {row.anneal_time / 3600:.3g} h"
        groups.setdefault(label, []).append(row)
    return {k: sorted(v, key=lambda r: r.temperature) for k, v in groups.items()}


def _citation(source: str) -> str:
    """A source, short: ``Xu et al. 2021`` for "Xu, Zhang, Li, Lu, Science 373, 683 (2021),
    ...", ``Murray 1982`` for "Murray, Bull. Alloy Phase Diagrams 3, 60 (1982), ..."; the source
    as it is where it does not start with surnames and hold a year in brackets."""
    year = re.search(r"\((\d{4})\)", source)
    names = list(
        itertools.takewhile(
            lambda part: re.fullmatch(r"\s*[^\W\d_][\w'-]*\s*", part), source.split(",")
        )
    )
    if year is None or not names:
        return source
    return f"{names[0].strip()}{' et al.' if len(names) > 1 else ''} {year.group(1)}"


def _unit_factor(observation: Observation, unit: str) -> float:
    """What turns the observation's value into ``unit``."""
    same = observation.unit.replace(" ", "") == unit.replace(" ", "")
    if same or {observation.unit, unit} <= {"", "1"}:
        return 1.0
    try:
        import pint

        registry = pint.get_application_registry()
        return float(registry.Quantity(1.0, observation.unit).to(unit).magnitude)
    except Exception:  # pint does not know the unit, or it is another dimension
        raise ValueError(
            f"observation {observation.id}: unit {observation.unit!r}, but the report draws "
            f"{observation.quantity} in {unit!r}; give it in {unit!r}"
        ) from None


def _draw_observation(
    axes: Any, temperature: float, observation: Observation, unit: str, colour: Any, shift: float
) -> None:
    """The observation at ``temperature`` (drawn ``shift`` points to its right): a black-edged
    square, with an error bar (tolerance or factor) or an arrow pointing the way of a limit. Its
    artists carry the observation's id as their ``gid`` (the square exactly ``id``)."""
    from matplotlib.transforms import offset_copy

    value = observation.value * _unit_factor(observation, unit)
    beside = offset_copy(axes.transData, fig=axes.figure, x=shift, units="points")
    style = {
        "marker": "s",
        "ms": 6,
        "mfc": colour,
        "mec": "black",
        "mew": 0.9,
        "zorder": 4,
        "transform": beside,
    }
    if observation.bound == "about":
        if observation.factor is not None:
            error = [[value - value / observation.factor], [value * observation.factor - value]]
        else:
            assert observation.tolerance is not None
            tolerance = observation.tolerance * _unit_factor(observation, unit)
            error = [[tolerance], [tolerance]]
        # drawn through an offset transform, which autoscaling leaves out: say where it lies
        axes.update_datalim(
            [(temperature, value - error[0][0]), (temperature, value + error[1][0])]
        )
        container = axes.errorbar(  # color: no step along the axes' colour cycle
            [temperature],
            [value],
            yerr=error,
            color=colour,
            ls="none",
            ecolor="black",
            elinewidth=0.8,
            capsize=3,
            **style,
        )
        container.lines[0].set_gid(observation.id)
        for line in (*container.lines[1], *container.lines[2]):
            line.set_gid(f"{observation.id}:error")
        return
    axes.update_datalim([(temperature, value)])
    (marker,) = axes.plot([temperature], [value], ls="none", **style)
    marker.set_gid(observation.id)
    towards = -1.0 if observation.bound == "below" else 1.0
    tip = offset_copy(axes.transData, fig=axes.figure, x=shift, y=towards * 16.0, units="points")
    arrow = axes.annotate(
        "",
        xy=(temperature, value),
        xycoords=tip,
        xytext=(temperature, value),
        textcoords=beside,
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 0.9, "shrinkA": 3, "shrinkB": 0},
        annotation_clip=False,
    )
    arrow.set_gid(f"{observation.id}:limit")


def temperature_figure(
    rows: Sequence[AnnealRow], plotted: Plotted, observations: Mapping[str, ObservationSet]
) -> Any:
    """``plotted`` against annealing temperature, a line per series (alloy and anneal time),
    with the observation that :meth:`~phasefield.observations.ObservationSet.matching` finds for
    each row in its material's observations (``observations``, by the rows' ``material``)."""
    plt = pyplot()
    from matplotlib.lines import Line2D

    figure, axes = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    sources: set[str] = set()
    drawn_at: dict[int, int] = {}  # observations drawn at each temperature (K) so far
    for index, (label, group) in enumerate(_series(rows).items()):
        colour = cycle[index % len(cycle)]  # a series has one colour in every figure
        t = np.array([r.temperature for r in group])
        y = np.array([getattr(r, plotted.attribute) for r in group], dtype=float)
        axes.plot(t, y, "-", lw=1, color=colour, label=label)
        derived = np.array([r.grain_size_from == "derived" for r in group])
        if plotted.attribute != "grain_size_nm":
            derived[:] = False
        axes.plot(t[~derived], y[~derived], "o", color=colour, zorder=3)
        if derived.any():
            axes.plot(
                t[derived], y[derived], "o", mfc="none", color=colour, label=f"{label} (derived)"
            )
        for row in group:
            found = observations.get(row.material)
            if found is None:
                continue
            match = found.matching(plotted.observed, row.alloy, row.temperature, row.anneal_time)
            if match is None:
                continue
            beside = drawn_at.get(round(row.temperature), 0)
            drawn_at[round(row.temperature)] = beside + 1
            shift = OBSERVATION_SHIFT + OBSERVATION_STAGGER * beside
            _draw_observation(axes, row.temperature, match, plotted.unit, colour, shift)
            # the file's own source is the seed's; an entry may name another
            sources.add(
                f"observed ({_citation(match.source)})"
                if match.source
                else f"seed ({_citation(found.source)})"
            )
    if plotted.log:
        axes.set_yscale("log")
    if sources:
        axes.margins(x=0.07, y=0.12)  # room for the observations beside and the arrows of limits
    axes.set_xlabel("annealing temperature [K]")
    axes.set_ylabel(plotted.label)
    handles, _ = axes.get_legend_handles_labels()
    for source in sorted(sources):
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="s",
                ms=6,
                mfc="0.8",
                mec="black",
                mew=0.9,
                label=source,
            )
        )
    axes.legend(handles=handles, fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
    return figure


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


def _grain_boundaries(ids: np.ndarray) -> np.ndarray:
    """Cells whose periodic neighbour before them has another grain's id: boundaries between
    grains only (id 0, no grain: β, has its own outline)."""
    edge = np.zeros(ids.shape, dtype=bool)
    for axis in range(ids.ndim):
        before = np.roll(ids, 1, axis=axis)
        edge |= (ids != before) & (ids > 0) & (before > 0)
    return edge


def _outline_beta(axes: Any, phi: np.ndarray, edge: float) -> None:
    """The φ = 0.5 contour (cell centres at (i + 1/2) h)."""
    if not (phi.min() < 0.5 < phi.max()):
        return
    centres = (np.arange(phi.shape[1]) + 0.5) * edge / phi.shape[1]
    rows = (np.arange(phi.shape[0]) + 0.5) * edge / phi.shape[0]
    axes.contour(centres, rows, phi, levels=[0.5], colors=BETA_COLOUR, linewidths=0.9)


def microstructure_figure(
    rows: Sequence[AnnealRow], open_store: Opener, compositions: Mapping[str, Composition]
) -> Any | None:
    """Grains, Mg and β at the last save of each run of one series: a column per run (by
    temperature), a row per quantity, one colour scale per row (Mg in wt% from 0 to the highest
    value shown, through each row's material's ``compositions``; the β phase field from 0 to
    1). Grain boundaries are black, β is outlined in red (φ = 0.5), the top map of each column
    has a scale bar. None if no run stored any of the three fields."""
    plt = pyplot()
    from matplotlib.lines import Line2D

    names = ("grain_id", "c", "phi")
    titles = ("grains and β", "Mg [wt%]", "β phase field φ")
    loaded = []
    for row in rows:
        planes, edge = _last_planes(row, names, open_store)
        if "c" in planes:
            planes["c"] = compositions[row.material].weight_percent(planes["c"])
        if planes:
            loaded.append((row, planes, edge))
    if not loaded:
        return None
    top = max((float(p["c"].max()) for _, p, _ in loaded if "c" in p), default=1.0)
    limits = {"c": (0.0, top), "phi": (0.0, 1.0)}
    columns = len(loaded)
    figure, grid = plt.subplots(
        3,
        columns + 1,  # the last for the colour bars: the maps of every row line up
        figsize=(2.0 * columns + 1.6, 6.8),
        layout="constrained",
        squeeze=False,
        gridspec_kw={"width_ratios": [1.0] * columns + [0.07]},
    )
    axes, bars = grid[:, :columns], grid[:, columns]
    images: dict[str, Any] = {}
    for column, (row, planes, edge) in enumerate(loaded):
        extent = (0.0, edge, 0.0, edge)
        barred = False  # a scale bar on the column's top map
        for line, name in enumerate(names):
            ax = axes[line, column]
            ax.set_xticks([])
            ax.set_yticks([])
            if name not in planes:
                continue
            if name == "grain_id":
                shown = np.where(_grain_boundaries(planes[name]), 0.0, 1.0)
                ax.imshow(
                    shown,
                    origin="lower",
                    cmap="gray",
                    extent=extent,
                    vmin=0,
                    vmax=1,
                    interpolation="nearest",
                )
            else:
                low, high = limits[name]
                images[name] = ax.imshow(
                    planes[name],
                    origin="lower",
                    cmap="viridis",
                    extent=extent,
                    vmin=low,
                    vmax=high,
                    interpolation="nearest",
                )
            if "phi" in planes:
                _outline_beta(ax, planes["phi"], edge)
            if not barred:
                scale_bar(ax, edge, edge, "nm")
                barred = True
        axes[0, column].set_title(
            f"{row.temperature:.0f} K, {row.simulated_time:.4g} s", fontsize=8
        )
    for line, (name, title) in enumerate(zip(names, titles, strict=True)):
        axes[line, 0].set_ylabel(title, fontsize=8)
        if name in images:
            colorbar = figure.colorbar(images[name], cax=bars[line])
            colorbar.set_label(title, fontsize=8)
            colorbar.ax.tick_params(labelsize=7)
        else:
            bars[line].set_axis_off()
    figure.suptitle(
        f"{rows[0].alloy}, {rows[0].anneal_time / 3600:.3g} h anneals (last save)", fontsize=9
    )
    key = [
        Line2D([], [], color=BOUNDARY_COLOUR, lw=1.2, label="grain boundary"),
        Line2D([], [], color=BETA_COLOUR, lw=1.2, label="β outline (φ = 0.5)"),
    ]
    figure.legend(handles=key, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return figure


def _save(figure: Any, path: Path, dpi: int) -> Path:
    try:
        figure.savefig(path, dpi=dpi)
    finally:
        pyplot().close(figure)
    return path


def microstructure_panels(
    rows: Sequence[AnnealRow],
    path: Path,
    open_store: Opener,
    compositions: Mapping[str, Composition],
) -> Path | None:
    """:func:`microstructure_figure` written to ``path``; None where it has nothing to show."""
    figure = microstructure_figure(rows, open_store, compositions)
    return None if figure is None else _save(figure, path, dpi=110)


def report_figures(rows: Sequence[AnnealRow], folder: Path, open_store: Opener) -> list[Path]:
    """The report's PNG files in ``folder``: each of :data:`QUANTITIES` against temperature,
    and the microstructure panels of each series. Observations and molar masses are those of
    the runs' materials (``model.material``)."""
    materials = {name: load_material(name) for name in {row.material for row in rows}}
    observations = {
        name: found
        for name, material in materials.items()
        if (found := material.observation_set()) is not None
    }
    compositions = {name: Composition.of(material) for name, material in materials.items()}
    files = [
        _save(temperature_figure(rows, plotted, observations), folder / f"{plotted.stem}.png", 120)
        for plotted in QUANTITIES
    ]
    for label, group in _series(rows).items():
        stem = label.replace(", ", "_").replace(" ", "")
        panels = microstructure_panels(
            group, folder / f"microstructures_{stem}.png", open_store, compositions
        )
        files += [panels] if panels is not None else []
    return files
