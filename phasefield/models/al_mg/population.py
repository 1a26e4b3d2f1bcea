"""The sub-grid β population: particles too small for the grid, as classes per cell.

A class is ``number`` spheres of one ``radius`` in one grid cell, holding ``mg``: the Mg they
took from α beyond what the α they replaced held (a mole fraction times a volume, m³; taken
from the cells around a nucleus when it forms, and from or to its own cell as it grows or
shrinks), so the run's Mg is ``Σ c V_cell + Σ mg`` (to round-off in float64); and the Mg
diffusivity where they sit. A
cell holds at most ``classes`` classes; a new class beyond that merges the two of closest
radius (numbers, Mg and volume add). This is the Lagrangian size-class bookkeeping of the
Kampmann–Wagner numerical model (Kampmann & Wagner, in *Decomposition of Alloys: the Early
Stages*, Pergamon 1984, p. 91), kept per cell so that every particle draws on the Mg around it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...grid import Grid

__all__ = ["Population", "PopulationAnalysis", "cell_volume", "sphere_volume"]

_KEYS = ("cell", "radius", "number", "mg", "diffusivity")
PREFIX = "subgrid."


def cell_volume(grid: Grid) -> float:
    """The volume a cell stands for (m³): 2-D and 1-D cells are a cube of the smallest spacing
    deep."""
    return grid.cell_volume * min(grid.spacing) ** (3 - grid.ndim)


def sphere_volume(radius: np.ndarray | float) -> np.ndarray:
    return (4.0 * math.pi / 3.0) * np.asarray(radius, dtype=np.float64) ** 3


@dataclass
class Population:
    """Host arrays of equal length, one entry per class."""

    cell: np.ndarray
    radius: np.ndarray
    number: np.ndarray
    mg: np.ndarray
    #: Mg diffusivity where the class sits (m²/s; 0 while resolved β covers it)
    diffusivity: np.ndarray

    @classmethod
    def empty(cls) -> Population:
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))

    @classmethod
    def from_extras(cls, extras: dict) -> Population:
        if PREFIX + "cell" not in extras:
            return cls.empty()
        return cls(
            np.asarray(extras[PREFIX + "cell"], np.int64).copy(),
            *(np.asarray(extras[PREFIX + key], np.float64).copy() for key in _KEYS[1:]),
        )

    def to_extras(self, extras: dict) -> None:
        for key in _KEYS:
            extras[PREFIX + key] = getattr(self, key).copy()

    def __len__(self) -> int:
        return len(self.cell)

    @property
    def volume(self) -> float:
        """Volume of all particles (m³)."""
        return float(np.sum(self.number * sphere_volume(self.radius)))

    @property
    def particles(self) -> float:
        return float(np.sum(self.number))

    def retain(self, mask: np.ndarray) -> None:
        """Keep only the classes where ``mask`` holds."""
        for key in _KEYS:
            setattr(self, key, getattr(self, key)[mask])

    def add(self, cell: int, radius: float, mg: float, diffusivity: float, classes: int) -> None:
        """One new particle; merges the two classes of closest radius where its cell would
        hold more than ``classes``."""
        self.cell = np.append(self.cell, np.int64(cell))
        self.radius = np.append(self.radius, radius)
        self.number = np.append(self.number, 1.0)
        self.mg = np.append(self.mg, mg)
        self.diffusivity = np.append(self.diffusivity, diffusivity)
        here = np.flatnonzero(self.cell == cell)
        if len(here) <= classes:
            return
        order = here[np.argsort(self.radius[here], kind="stable")]
        gaps = np.diff(self.radius[order])
        first, second = order[int(np.argmin(gaps))], order[int(np.argmin(gaps)) + 1]
        number = self.number[first] + self.number[second]
        volume = (
            self.number[first] * self.radius[first] ** 3
            + self.number[second] * self.radius[second] ** 3
        )
        self.radius[first] = (volume / number) ** (1.0 / 3.0)
        self.number[first] = number
        self.mg[first] += self.mg[second]
        mask = np.ones(len(self.cell), bool)
        mask[second] = False
        self.retain(mask)


class PopulationAnalysis:
    """At each save: the sub-grid population's volume fraction, the Mg it holds (as a mean
    mole fraction over the domain: the run's Mg is ``c_mean + subgrid_mg``) and its number of
    particles."""

    coords: ClassVar[dict[str, np.ndarray]] = {}

    def restore(self, extras: dict[str, Any], backend: Any) -> None:
        """The population lives in the run's extras (restored with them)."""

    def analyse(self, run: Any) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, Any]]:
        population = Population.from_extras(run.extras)
        grid = run.space.grid
        total = grid.size * cell_volume(grid)
        scalars = {
            "subgrid_fraction": population.volume / total,
            "subgrid_mg": float(np.sum(population.mg)) / total,
            "subgrid_particles": round(population.particles),
        }
        return {}, scalars, {}
