"""Keeping enough grains: when a save counts fewer than ``grid.tile.grains`` grains, the periodic
box is tiled ``2 × 2`` (``2 × 2 × 2``), cells unchanged, and the copies are made to part by a
seeded deformation of each (:mod:`phasefield.grains.tiling`).

As grains grow in a fixed box their number falls until the few left feel the box (a grain
cannot outgrow it; the size distribution and the neighbour counts lose their tails). Tiling
renormalises the state: the box holds ``4×`` (``8×``) the grains with the same distribution of
sizes and neighbours, so the run goes on as a run in a larger box would, as far as the copies
have parted (benchmarks/RESULTS.md measures how far: they stay alike for a while, and the
tiled runs grew 4–11 % faster than a box four times larger over the next doubling). With
regridding the two together keep the cell count and the grain count within a factor of
``2^ndim`` of their starts for as many doublings of the grain size as wanted.

The deformation has correlation length ``grid.tile.shake_wavelength`` and amplitude
``grid.tile.shake`` (both in mean grain diameters of the save that triggered it, counted in
cells of the smallest spacing), drawn from
the run's random stream (so a resume reproduces it), and moves each copy's boundaries and
junctions differently; without it the copies would stay identical (the dynamics keep the old
period). Order parameters are resampled at the displaced points; the model then relaxes the
profiles within a few relaxation times.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..config import TileConfig
from ..grains.tiling import displacement, shaken, tiled
from ..handler import Handler
from ..spectral import SpectralSpace
from .loop import Run
from .regrid import FACTOR, AtSaves, level_of, replace_state, tilings_of

__all__ = ["Tiler", "tile"]


def tile(run: Run, settings: TileConfig, diameter: float, handlers: Sequence[Handler] = ()) -> None:
    """Tile ``run``'s box ``2 × … × 2`` and deform each copy (see the module's docstring), in
    place; ``diameter`` is the mean grain diameter (model length units)."""
    run.flush_saves()
    backend, grid = run.backend, run.space.grid
    cells = diameter / min(grid.spacing)
    moved = displacement(
        grid.shape,
        FACTOR,
        settings.shake_wavelength * cells,
        settings.shake * cells,
        run.state.rng,
    )
    state = run.state

    def copies(space: SpectralSpace) -> dict[str, Any]:
        fields = {}
        for name in run.config.fields:  # tiled on the host: one tiled field at a time there
            host = tiled(backend.to_host(state.fields[name]), grid.ndim, np, FACTOR)
            fields[name] = backend.asarray(shaken(host, moved), space.dtype)
            del host
        return fields

    tilings = tilings_of(run.extras) + 1
    replace_state(run, copies, level_of(run.extras), tilings, handlers, "tiled")
    run.info["tilings"] = tilings


class Tiler(AtSaves):
    """Tiles after a save that counted fewer than ``settings.grains`` grains, at most
    ``settings.max`` times."""

    def __init__(self, settings: TileConfig, handlers: Sequence[Handler] = ()) -> None:
        self.settings = settings
        self.handlers = list(handlers)

    def act(self, run: Any) -> None:
        if tilings_of(run.extras) >= self.settings.max:
            return
        count = self.saved(run, "grain_count")
        diameter = self.saved(run, "mean_grain_size")
        if count is None or diameter is None or count >= self.settings.grains:
            return
        tile(run, self.settings, diameter, self.handlers)
