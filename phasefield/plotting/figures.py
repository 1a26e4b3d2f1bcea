"""``plot``: the figures (or a movie) of any model's store, written as files."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..dims import TIME
from ..drawing import pyplot
from .charts import distribution_figure, series_figure
from .maps import MapFigure
from .movie import write_movie
from .select import (
    DISTRIBUTIONS,
    PlotError,
    Saves,
    default_movie_field,
    plottable,
    save_indexes,
    series_names,
)

__all__ = ["FIGURE_SUFFIXES", "plot"]

#: File types ``out`` may name (anything else without a suffix is a folder).
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")

#: A figure to make: its name in file names, and how to draw it.
Job = tuple[str, Callable[[], Any]]


def _opened(source: Any) -> tuple[Saves, Path, str, str]:
    """The saves, the default folder for figures, the stem of their file names and the title:
    beside a store named by path (``out/run.zarr`` -> ``out/run_...``), else in the current
    folder under the run's name."""
    if isinstance(source, str | os.PathLike):
        from ..simulation.store import open_grids, open_run

        path = Path(source)
        dataset = open_run(path)
        saves = Saves(dataset, open_grids(path, dataset))
        stem = path.name.removesuffix(".zarr") or "run"
        folder = path.resolve().parent
    else:
        dataset = source
        saves = Saves(dataset, [dataset])
        stem = str(dataset.attrs.get("name") or "run")
        folder = Path.cwd()
    return saves, folder, stem, str(dataset.attrs.get("name") or stem)


def _time_tag(dataset: Any, index: int) -> str:
    return f"t{float(dataset[TIME].values[index]):.6g}"


def _jobs(saves: Saves, field: str | None, indexes: Sequence[int], title: str) -> list[Job]:
    dataset, fields = saves.root, saves.fields
    series = series_names(dataset)
    grains = DISTRIBUTIONS[0] in dataset.data_vars
    wanted = [field] if field is not None else [*fields, *series[:1], *DISTRIBUTIONS[:grains]]
    jobs: list[Job] = []
    for name in wanted:
        if name in fields:
            for i in indexes:
                jobs.append((f"{name}_{_time_tag(dataset, i)}", _map(saves, name, i, title)))
        elif name in series:
            shown = series if field is None else [name]
            what = "series" if field is None else name
            jobs.append((what, functools.partial(series_figure, dataset, shown, indexes, title)))
        else:
            for i in indexes:
                tag = f"distributions_{_time_tag(dataset, i)}"
                jobs.append((tag, functools.partial(distribution_figure, dataset, i, title)))
    return jobs


def _map(saves: Saves, name: str, index: int, title: str) -> Callable[[], Any]:
    return lambda: MapFigure([saves.save(index)], name, title).figure


def _make_folder(folder: Path) -> None:
    """Create the figures' folder, or say which part of its path is a file (bad input)."""
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise PlotError(f"--out: {blocking} is a file, not a folder; choose another --out")
    folder.mkdir(parents=True, exist_ok=True)


def _targets(out: Path | None, folder: Path, stem: str, tags: Sequence[str]) -> list[Path]:
    """Where each figure goes (see :func:`plot`)."""
    if out is not None and out.suffix.lower() in FIGURE_SUFFIXES:
        if len(tags) == 1:
            return [out]
        folder, stem, suffix = out.parent, out.stem, out.suffix
    elif out is not None and out.suffix:
        raise PlotError(
            f"--out {out}: give a {', '.join(FIGURE_SUFFIXES)} file or a folder (no suffix)"
        )
    else:
        folder, suffix = (out if out is not None else folder), ".png"
    return [folder / f"{stem}_{tag}{suffix}" for tag in tags]


def plot(
    ds: Any,
    field: str | None = None,
    times: Sequence[float] | None = None,
    out: str | os.PathLike[str] | None = None,
    movie: str | os.PathLike[str] | None = None,
    fps: int = 5,
) -> list[Path]:
    """Write figures (or a movie) of a run's store and return the paths written.

    Without ``field``: a map of every field (``c``, ``phi``, ``f_schwarz``, ``eta`` as its
    largest order parameter, ``grain_id`` coloured by grain with the boundaries drawn) at each
    chosen save, the scalar series in small multiples, and, for grain stores, the grain-size
    distribution (against Hillert's) and the neighbour distribution at each chosen save. 3-D
    fields show three orthogonal mid-slices. A run that regrids (``grid.regrid``) is drawn
    save by save on the grid each was saved on (:func:`~phasefield.open_grids`): the same box,
    in fewer, larger cells after each regrid.

    Parameters
    ----------
    ds : xarray.Dataset, str or path
        A store (opened through :func:`~phasefield.open_run` and, for its fields,
        :func:`~phasefield.open_grids`, which leave out a save cut short) or an opened one
        (of a run that regrids: one of :func:`~phasefield.open_grids`' datasets for its
        fields; the root that :func:`~phasefield.open_run` gives holds only the series).
    field : str, optional
        One variable: a field (its maps), a scalar series (its chart) or
        ``grain_size_distribution`` / ``neighbour_distribution`` (the distributions).
    times : sequence of float, optional
        Model times; each picks the nearest save. Default: the last save.
    out : str or path, optional
        A ``.png`` (``.pdf``, ``.svg``) file: that file when there is one figure, else its
        stem starts the name of each (``fig_c_t20.png``); a folder (no suffix; created):
        the figures go there. Default: beside the store (in the current folder for a
        dataset), named ``STEM_FIELD_tTIME.png``, ``STEM_series.png`` and
        ``STEM_distributions_tTIME.png``, STEM the store's name without ``.zarr`` (for a
        dataset, the run's name).
    movie : str or path, optional
        Instead of figures, a movie (``.gif``, or ``.mp4`` with the ``imageio-ffmpeg``
        package) of ``field`` (default: ``c``, else ``grain_id``, ``phi``, ...) over the
        saves at ``times`` (default: every save).
    fps : int
        Frames per second of the movie.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    PlotError
        A field the store does not hold (the message lists those it has), a time outside the
        run, an unknown ``out`` or ``movie`` suffix, an MP4 without ``imageio-ffmpeg``.
    StoreError
        ``ds`` names no readable store.
    """
    saves, folder, stem, title = _opened(ds)
    dataset = saves.root
    if dataset.sizes.get(TIME, 0) == 0:
        raise PlotError(f"{ds if not hasattr(ds, 'attrs') else title}: no saves yet to plot")
    names = plottable(saves)
    if field is not None and field not in names:
        raise PlotError(
            f"field '{field}': the store does not hold it; choose --field from "
            f"{', '.join(names)}{saves.hint()}"
        )
    indexes = save_indexes(dataset, times)
    if movie is not None:
        name = field if field is not None else default_movie_field(saves)
        if name not in saves.fields:
            raise PlotError(
                f"--movie shows a field on the grid, and '{name}' is none; "
                f"choose --field from {', '.join(saves.fields)}"
            )
        frames = indexes if times is not None else range(dataset.sizes[TIME])
        shown = [saves.save(index) for index in frames]
        return [write_movie(shown, name, Path(movie), title, fps)]
    out_path = Path(out) if out is not None else None
    jobs = _jobs(saves, field, indexes, title)
    paths = _targets(out_path, folder, stem, [tag for tag, _ in jobs])
    _make_folder(paths[0].parent)
    plt = pyplot()
    for (_, draw), path in zip(jobs, paths, strict=True):
        figure = draw()
        try:
            figure.savefig(path, dpi=120)
        finally:
            plt.close(figure)
    return paths
