"""Names of the output store's dimensions and series, and what each variable means, for every
layer that reads or writes a store (the store itself is :mod:`phasefield.simulation.store`).

Stores follow xarray's and the CF conventions: fields are ``(t, [component,] [z,] y, x)``, so
that ``ds.c.isel(t=-1).plot()`` puts x across, and every variable and coordinate carries a
``long_name`` and ``units`` that pint parses (``"1"`` where dimensionless).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

__all__ = [
    "DIMENSIONLESS",
    "GRID",
    "LONG_NAMES",
    "STEP",
    "TIME",
    "Dimensionless",
    "stored_axes",
]

#: The dimension (and coordinate) of saves: model time.
TIME = "t"
#: The series of step counts.
STEP = "step"
#: The series saying which grid each save's fields are on (stores of regridded runs).
GRID = "grid"

#: What each variable phasefield writes means, as its ``long_name``; a model may say more
#: (``SpectralModel.long_names``: e.g. the al_mg model's ``c`` is the Mg mole fraction).
LONG_NAMES: Mapping[str, str] = {
    TIME: "model time",
    "x": "x position",
    "y": "y position",
    "z": "z position",
    STEP: "time steps taken",
    GRID: "index of the grid holding the save's fields (group grid_<index>)",
    "c": "concentration",
    "eta": "grain order parameters",
    "phi": "phase field",
    "grain_id": "grain id",
    "f_schwarz": "Schwarz-structure fraction",
    "free_energy": "total free energy",
    "free_energy_bulk": "bulk (homogeneous) part of the free energy",
    "free_energy_gradient": "gradient part of the free energy",
    "c_mean": "mean concentration",
    "phi_mean": "mean phase field",
    "grain_count": "number of grains",
    "mean_grain_size": "mean equivalent grain diameter",
    "grain_size_distribution": "grains per size class",
    "neighbour_distribution": "grains per number of neighbours",
    "size_bin": "grain diameter over the mean diameter (class centre)",
    "neighbours": "number of neighbours",
    "precipitate_fraction": "precipitate (beta-Al3Mg2) volume fraction",
    "c_matrix": "Mg content of the alpha matrix",
    "lattice_parameter": "lattice parameter of the alpha matrix",
    "temperature": "temperature",
    "schwarz_fraction": "Schwarz-structure fraction of the alpha matrix",
}


class Dimensionless(Mapping[str, str]):
    """Units of a nondimensional model: ``"1"`` for every variable (the generic models use
    whatever consistent units their user picks, so the store can only say "dimensionless")."""

    def __getitem__(self, name: str) -> str:
        return "1"

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)


#: The units of every variable of a nondimensional model.
DIMENSIONLESS = Dimensionless()


def stored_axes(axes: tuple[str, ...]) -> tuple[str, ...]:
    """The dims of a field in a store, given the grid's axes ``(x, [y, [z]])``: reversed,
    ``([z,] y, x)``, as xarray, CF and matplotlib expect (x varies fastest)."""
    return tuple(reversed(axes))
