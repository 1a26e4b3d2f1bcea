"""The periodic grid: shape, spacing, coordinates and the wavevectors of its real FFT."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["AXES", "Grid"]

#: Axis names, in array order.
AXES = ("x", "y", "z")


@dataclass(frozen=True)
class Grid:
    """A periodic box of ``shape`` cells of size ``spacing`` (1, 2 or 3 dimensions).

    Cell ``i`` along an axis sits at ``spacing * i``; the box is ``shape * spacing`` long.
    Wavevectors follow the real-FFT layout: full frequencies on every axis but the last, which
    keeps ``n // 2 + 1`` non-negative ones.

    Parameters
    ----------
    shape : tuple of int
        Cells along each axis.
    spacing : float or tuple of float
        Cell size, one for all axes or one per axis.
    """

    shape: tuple[int, ...]
    spacing: tuple[float, ...]
    wavevectors: tuple[np.ndarray, ...] = field(init=False, repr=False, compare=False)

    def __init__(
        self,
        shape: tuple[int, ...] | list[int],
        spacing: float | tuple[float, ...] | list[float] = 1.0,
    ):
        shape = tuple(int(n) for n in shape)
        if not 1 <= len(shape) <= 3:
            raise ValueError(f"a grid has 1, 2 or 3 dimensions, not {len(shape)}")
        if any(n < 2 for n in shape):
            raise ValueError(f"every axis needs at least 2 cells, got {shape}")
        spacings = (
            tuple(float(h) for h in spacing)
            if isinstance(spacing, tuple | list)
            else (float(spacing),) * len(shape)
        )
        if len(spacings) != len(shape):
            raise ValueError(f"{len(spacings)} spacings for a {len(shape)}-D grid")
        if any(not (h > 0 and math.isfinite(h)) for h in spacings):
            raise ValueError(f"spacings must be positive, got {spacings}")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "spacing", spacings)
        vectors = []
        for axis, (n, h) in enumerate(zip(shape, spacings, strict=True)):
            last = axis == len(shape) - 1
            frequencies = np.fft.rfftfreq(n, d=h) if last else np.fft.fftfreq(n, d=h)
            vectors.append(2 * np.pi * frequencies)
        object.__setattr__(self, "wavevectors", tuple(vectors))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of cells."""
        return math.prod(self.shape)

    @property
    def lengths(self) -> tuple[float, ...]:
        """Box lengths ``shape * spacing``."""
        return tuple(n * h for n, h in zip(self.shape, self.spacing, strict=True))

    @property
    def cell_volume(self) -> float:
        return math.prod(self.spacing)

    @property
    def volume(self) -> float:
        return math.prod(self.lengths)

    @property
    def axes(self) -> tuple[str, ...]:
        return AXES[: self.ndim]

    @property
    def spectral_shape(self) -> tuple[int, ...]:
        """Shape of the real FFT of a field."""
        return (*self.shape[:-1], self.shape[-1] // 2 + 1)

    def coarsened(self, factor: int = 2) -> Grid:
        """The same box with ``factor`` times fewer cells per axis, each ``factor`` times
        larger (a regrid; see :meth:`SpectralSpace.coarsen`).

        Raises
        ------
        ValueError
            An axis whose cell count ``factor`` does not divide, or that would keep fewer
            than 4 cells.
        """
        if any(n % factor or n // factor < 4 for n in self.shape):
            raise ValueError(
                f"a grid of {self.shape} cells cannot be coarsened {factor} times: every axis "
                f"needs a multiple of {factor} cells, and at least {4 * factor}"
            )
        return Grid(tuple(n // factor for n in self.shape), tuple(h * factor for h in self.spacing))

    def coordinates(self, axis: int) -> np.ndarray:
        """Cell positions ``spacing * index`` along ``axis``."""
        return self.spacing[axis] * np.arange(self.shape[axis], dtype=np.float64)

    def mesh(self) -> tuple[np.ndarray, ...]:
        """Broadcastable coordinate arrays (``indexing="ij"``, sparse)."""
        return tuple(
            np.meshgrid(
                *(self.coordinates(a) for a in range(self.ndim)), indexing="ij", sparse=True
            )
        )

    def broadcast_wavevector(self, axis: int, odd: bool = False) -> np.ndarray:
        """Wavevector component ``axis`` shaped to broadcast over the spectral array.

        With ``odd=True`` the Nyquist component of an even axis is zeroed, as a first (odd)
        derivative of a real field must be: its sine mode is not represented on the grid.
        """
        k = self.wavevectors[axis].copy()
        n = self.shape[axis]
        if odd and n % 2 == 0:
            k[n // 2] = 0.0
        shape = [1] * self.ndim
        shape[axis] = k.size
        return k.reshape(shape)

    def wavenumber_squared(self) -> np.ndarray:
        """``|k|²`` over the spectral array (float64, host)."""
        k2 = np.zeros(self.spectral_shape)
        for axis in range(self.ndim):
            k2 = k2 + self.broadcast_wavevector(axis) ** 2
        return k2

    def spectral_weights(self) -> np.ndarray:
        """How many times each rfft coefficient stands in the full spectrum (1 or 2).

        Broadcastable along the last axis: ``sum(w * |û|²)`` over the half spectrum equals the
        sum of ``|û|²`` over the whole one.
        """
        n = self.shape[-1]
        weights = np.full(n // 2 + 1, 2.0)
        weights[0] = 1.0
        if n % 2 == 0:
            weights[-1] = 1.0
        return weights.reshape((1,) * (self.ndim - 1) + (-1,))
