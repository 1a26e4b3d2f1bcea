"""What a store offers to plot, chosen by dimension name (never by axis position): fields
(variables with an ``x`` dim), scalar series (variables along ``t`` only) and the grain
distributions; the saves nearest to requested model times, each with its fields from the
dataset of the grid it was saved on (:class:`Saves`: a run that regrids has several)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dims import GRID, TIME

__all__ = [
    "DISTRIBUTIONS",
    "PlotError",
    "Saves",
    "default_movie_field",
    "field_names",
    "label",
    "plottable",
    "save_indexes",
    "series_names",
]

#: The per-save grain distributions (one figure shows both).
DISTRIBUTIONS = ("grain_size_distribution", "neighbour_distribution")
#: Fields a movie shows when none is named, the first the store holds.
MOVIE_PREFERENCE = ("c", "grain_id", "phi", "f_schwarz", "eta")


class PlotError(ValueError):
    """Bad input to :func:`~phasefield.plotting.plot`: a field, time, file or package."""


def field_names(dataset: Any) -> list[str]:
    """Variables defined on the grid (with an ``x`` dim), in the store's order."""
    return [str(n) for n, v in dataset.data_vars.items() if "x" in v.dims and TIME in v.dims]


def series_names(dataset: Any) -> list[str]:
    """Scalar series: every variable along ``t`` only."""
    return [str(n) for n, v in dataset.data_vars.items() if v.dims == (TIME,)]


@dataclass(frozen=True)
class Saves:
    """A store's saves: ``root`` holds every save's series, ``grids`` the fields, one dataset
    per grid (:func:`~phasefield.open_grids`; ``[root]`` where the run kept one grid).

    Parameters
    ----------
    root : xarray.Dataset
        The store as :func:`~phasefield.open_run` opens it, or a dataset of one grid.
    grids : sequence of xarray.Dataset
        The datasets holding the fields of ``root``'s saves.
    """

    root: Any
    grids: Sequence[Any]

    @property
    def fields(self) -> list[str]:
        """The fields (the same on every grid)."""
        return field_names(self.grids[0])

    def save(self, index: int) -> Any:
        """Save ``index`` of the root with its fields, from the dataset of its grid (no ``t``
        dim: ``t`` is a scalar coordinate)."""
        from ..simulation.store import grid_holding

        dataset, local = grid_holding(self.grids, float(self.root[TIME].values[index]))
        return dataset.isel({TIME: local})

    def hint(self) -> str:
        """What to do where the fields are elsewhere: a dataset opened from the root of a run
        that regrids holds none."""
        if self.fields or GRID not in self.root.data_vars:
            return ""
        return (
            " (this is the root of a run that regrids: its fields are in "
            "phasefield.open_grids(path); pass the store's path instead)"
        )


def plottable(saves: Saves) -> list[str]:
    """Every name ``field`` may take."""
    present = [name for name in DISTRIBUTIONS if name in saves.root.data_vars]
    return [*saves.fields, *series_names(saves.root), *present]


def default_movie_field(saves: Saves) -> str:
    """The field a movie shows when none is named."""
    fields = saves.fields
    if not fields:
        raise PlotError(f"the store holds no fields to animate (only scalar series){saves.hint()}")
    return next((name for name in MOVIE_PREFERENCE if name in fields), fields[0])


def label(variable: Any, fallback: str) -> str:
    """``long_name [units]`` of a variable (no brackets where dimensionless)."""
    name = str(variable.attrs.get("long_name") or fallback)
    units = str(variable.attrs.get("units") or "")
    return name if units in ("", "1") else f"{name} [{units}]"


def save_indexes(dataset: Any, times: Sequence[float] | None) -> list[int]:
    """Indexes of the saves nearest to ``times`` (default: the last save), in time order.

    Raises
    ------
    PlotError
        A time outside the run's saves (with a tolerance of a millionth of the run's span).
    """
    saved = np.asarray(dataset[TIME].values, dtype=np.float64)
    if times is None:
        return [saved.size - 1]
    first, last = float(saved[0]), float(saved[-1])
    slack = 1e-6 * max(last - first, abs(last), 1e-300)
    indexes = []
    for time in times:
        if not first - slack <= time <= last + slack:
            raise PlotError(
                f"time {time:g} is outside the run's saves (t = {first:g} to {last:g}); "
                "pick --times within that range"
            )
        indexes.append(int(np.argmin(np.abs(saved - time))))
    return sorted(set(indexes))
