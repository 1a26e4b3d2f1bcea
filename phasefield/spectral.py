"""The Fourier space of one run: a grid on a backend at one precision.

Spectral fields are stored as normalised Fourier coefficients,

.. math:: \\hat u_k = \\frac{1}{N} \\sum_x u(x)\\, e^{-i k\\cdot x}, \\qquad
          u(x) = \\sum_k \\hat u_k\\, e^{i k\\cdot x},

over the real-FFT half spectrum, so ``û₀`` is the mean of ``u``. Steppers use the raw
transforms and fold ``1/N`` into their update; models use :meth:`SpectralSpace.transform` and
:meth:`SpectralSpace.inverse`, which keep their inputs.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any, Literal

import numpy as np

from .backend import Backend, RealFFT
from .expression import parse_expression
from .grid import Grid

__all__ = ["COMPONENT_POINTS", "AxisSquares", "SpectralSpace"]

#: Off the CPU (cuFFT), stacks whose components have at least this many points are stepped one
#: component at a time (see :meth:`SpectralSpace.per_component`): 128³.
COMPONENT_POINTS = 1 << 21

_VALUE = parse_expression("u", ["u"])


class AxisSquares(tuple):
    """The squared wavenumbers of the three axes of a (padded) spectrum, ``(kx², ky², kz²)``,
    with their sum over the spectrum, :attr:`grid`, built on first use (the array path of the
    spectral update reads it; the compiled one sums the axes at each point)."""

    @functools.cached_property
    def grid(self) -> Any:
        """``kx²[:, None, None] + ky²[None, :, None] + kz²[None, None, :]``."""
        kx2, ky2, kz2 = self
        return kx2[:, None, None] + ky2[None, :, None] + kz2[None, None, :]


def _kept(fine: int, coarse: int, half: bool) -> list[tuple[slice, slice]]:
    """The blocks ``(coarse index, fine index)`` of one spectral axis that truncation keeps
    from ``fine`` cells to ``coarse`` (``m``): the ``⌈m/2⌉`` frequencies ``0, 1, …`` and, on a
    full axis (not the ``half`` spectrum of the real FFT's last axis), the ``⌊(m − 1)/2⌋``
    negative ones; for even ``m`` the Nyquist frequency ``m/2`` is left out (zero)."""
    positive, negative = (coarse + 1) // 2, (coarse - 1) // 2
    blocks = [(slice(0, positive), slice(0, positive))]
    if not half and negative:
        blocks.append((slice(coarse - negative, coarse), slice(fine - negative, fine)))
    return blocks


class _PerComponent(RealFFT):
    """A stack's transforms as a loop over its components with a single-field plan."""

    def __init__(self, single: RealFFT) -> None:
        self.single = single

    def forward(self, real: Any, spectral: Any) -> None:
        for component in range(real.shape[0]):
            self.single.forward(real[component], spectral[component])

    def inverse(self, spectral: Any, real: Any) -> None:
        for component in range(real.shape[0]):
            self.single.inverse(spectral[component], real[component])


class SpectralSpace:
    """Wavenumbers, buffers and transforms for fields on ``grid``.

    Parameters
    ----------
    grid : Grid
    backend : Backend
    dtype : numpy dtype
        Real dtype of the fields (float32 or float64); spectral arrays use the matching complex.

    Attributes
    ----------
    k2 : array
        ``|k|²`` over the spectral shape, on the device, in ``dtype``. Built once.
    k2_axes : tuple of three 1-D arrays
        The squared wavenumbers of each axis of the spectral array, padded in front with
        ``[0]`` to three axes: ``k2 = kx2[:, None, None] + ky2[None, :, None] + kz2``, read
        by the spectral update instead of streaming ``k2`` from memory.
    scale : float
        ``1 / N``.
    weights : array
        How often each coefficient of the half spectrum stands in the whole one (1 or 2),
        along the last axis: ``Σ w |û|²`` is the mean square of the field (Parseval).
    """

    def __init__(self, grid: Grid, backend: Backend, dtype: Any) -> None:
        self.grid = grid
        self.backend = backend
        self.xp = backend.xp
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"precision must be float32 or float64, not {self.dtype}")
        self.complex_dtype = np.result_type(self.dtype, np.complex64)
        self.scale = 1.0 / grid.size
        # |k|² built in place in the field dtype: no field-sized temporaries
        self.k2 = backend.zeros(grid.spectral_shape, self.dtype)
        for axis in range(grid.ndim):
            component = backend.asarray(grid.broadcast_wavevector(axis), self.dtype)
            self.k2 += component * component
        # |k|² by axis for the spectral update, which sums it per point (see k2_axes)
        self.k2_axes = self._axis_squares()
        self.weights = backend.asarray(grid.spectral_weights(), self.dtype)
        self._transforms: dict[int, RealFFT] = {}
        self._scratch: dict[str, tuple[str, int, Any]] = {}

    def _axis_squares(self) -> AxisSquares:
        squares = [np.zeros(1)] * (3 - self.grid.ndim)
        for axis in range(self.grid.ndim):
            squares.append(np.asarray(self.grid.wavevectors[axis]) ** 2)
        return AxisSquares(self.backend.asarray(k, self.dtype) for k in squares)

    # ---- buffers ----------------------------------------------------------------------------

    def real_shape(self, components: int = 1) -> tuple[int, ...]:
        """Shape of a field with ``components`` components (a stack along a leading axis)."""
        return self.grid.shape if components == 1 else (components, *self.grid.shape)

    def spectral_shape(self, components: int = 1) -> tuple[int, ...]:
        shape = self.grid.spectral_shape
        return shape if components == 1 else (components, *shape)

    def components(self, array: Any) -> int:
        """How many components a real or spectral array stacks."""
        return 1 if array.ndim == self.grid.ndim else int(array.shape[0])

    def empty_real(self, components: int = 1) -> Any:
        return self.backend.empty(self.real_shape(components), self.dtype)

    def empty_spectral(self, components: int = 1) -> Any:
        return self.backend.empty(self.spectral_shape(components), self.complex_dtype)

    def per_component(self) -> bool:
        """Whether stacks are best transformed one component at a time with the single-field
        plan: on the CPU (pyFFTW: faster than FFTW's batched plans, and cache friendly; see
        benchmarks/RESULTS.md) when each component starts on a SIMD boundary. Elsewhere
        (cuFFT) small grids keep one batched transform per stack (many small transforms would
        leave a GPU idle), but from :data:`COMPONENT_POINTS` points a component is
        transformed alone: one such transform has millions of points to spread over the
        device, and a batched step needs two more stack-sized buffers (50 GB for 24 order
        parameters on 640³ in float32, where the fields and spectra take 50 GB). Not yet
        timed on a GPU."""
        if self.backend.fft_engine != "pyfftw":
            return self.grid.size >= COMPONENT_POINTS
        alignment = 64
        real = self.dtype.itemsize * self.grid.size
        spectral = self.complex_dtype.itemsize * int(np.prod(self.grid.spectral_shape))
        return real % alignment == 0 and spectral % alignment == 0

    def scratch(
        self, name: str, kind: Literal["real", "spectral"] = "real", components: int = 1
    ) -> Any:
        """The work buffer called ``name`` (``kind`` "real" or "spectral", of ``components``),
        made on first use and kept as long as this space.

        Models use these for intermediate results so that they hold no arrays themselves. A
        name is one use: asking for it again gives the same buffer, and asking for it with
        another kind or size is an error (two uses would silently share it).
        """
        entry = self._scratch.get(name)
        if entry is None:
            make = self.empty_real if kind == "real" else self.empty_spectral
            entry = self._scratch[name] = (kind, components, make(components))
        elif entry[:2] != (kind, components):
            raise ValueError(
                f"scratch buffer '{name}' is {entry[0]} with {entry[1]} component(s); "
                f"asked for {kind} with {components}: give the second use its own name"
            )
        return entry[2]

    def has_scratch(self, name: str) -> bool:
        """Whether the work buffer ``name`` has been made."""
        return name in self._scratch

    # ---- transforms -------------------------------------------------------------------------

    def plan(self, real: Any, spectral: Any) -> RealFFT:
        """Plan transforms for arrays shaped like these (still empty) buffers.

        A stack of components is transformed in one batched call over the grid's axes. Later
        calls for the same number of components reuse the plan.
        """
        components = self.components(real)
        if components not in self._transforms:
            if components > 1 and self.per_component():
                self._transforms[components] = _PerComponent(self.plan(real[0], spectral[0]))
            else:
                self._transforms[components] = self.backend.real_fft(real, spectral, self.grid.ndim)
        return self._transforms[components]

    def transforms(self, components: int = 1) -> RealFFT:
        """The transforms for stacks of ``components`` (planned on fresh buffers if needed)."""
        if components not in self._transforms:
            if components > 1 and self.per_component():
                self._transforms[components] = _PerComponent(self.transforms(1))
            else:
                self.plan(self.empty_real(components), self.empty_spectral(components))
        return self._transforms[components]

    @property
    def fft(self) -> RealFFT:
        """The transforms of single-component fields."""
        return self.transforms(1)

    def transform(self, real: Any, out: Any) -> Any:
        """Normalised forward transform ``out <- û``; ``real`` is kept."""
        self.transforms(self.components(real)).forward(real, out)
        out *= self.scale
        return out

    def inverse(self, spectral: Any, out: Any) -> Any:
        """``out <- u`` from normalised coefficients; ``spectral`` is kept (via a scratch copy)."""
        components = self.components(spectral)
        copy = self.scratch(f"inverse input {components}", "spectral", components)
        copy[...] = spectral
        self.transforms(components).inverse(copy, out)
        return out

    def coarsen(self, real: Any, coarse: SpectralSpace) -> Any:
        """``real`` (a field or a stack) on the ``coarse`` space, by truncation of its spectrum.

        Every Fourier mode the coarse grid carries is kept with its normalised coefficient; the
        modes above its Nyquist frequency are dropped, and so, on an axis of an even number of
        coarse cells, is the coarse Nyquist mode itself (its sine part is not on the coarse
        grid, and the fine grid's ``±N/4`` modes alias onto it). ``û₀``, the mean, is copied:
        a conserved field keeps its mean to round-off. The result is the least-squares best
        field on the coarse grid (the L² projection onto its modes); a field is carried without
        loss when its spectrum above a quarter of the fine grid's wavenumbers is negligible.

        Parameters
        ----------
        real : array
            On this space (kept).
        coarse : SpectralSpace
            Same box, fewer cells per axis (:meth:`Grid.coarsened`), same backend and dtype.

        Returns
        -------
        array
            A new real array on ``coarse``.
        """
        components = self.components(real)
        fine_spectrum = self.transform(real, self.empty_spectral(components))
        spectrum = coarse.empty_spectral(components)
        spectrum[...] = 0
        lead = (slice(None),) if components > 1 else ()
        ndim = self.grid.ndim
        pairs = zip(self.grid.shape, coarse.grid.shape, strict=True)
        axes = [_kept(n, m, axis == ndim - 1) for axis, (n, m) in enumerate(pairs)]
        for blocks in itertools.product(*axes):
            target = lead + tuple(block[0] for block in blocks)
            source = lead + tuple(block[1] for block in blocks)
            spectrum[target] = fine_spectrum[source]
        out = coarse.empty_real(components)
        coarse.transforms(components).inverse(spectrum, out)
        return out

    def wavevector(self, axis: int, odd: bool = True) -> Any:
        """Wavevector component ``axis``, broadcastable over spectral arrays (see :class:`Grid`)."""
        return self.backend.asarray(self.grid.broadcast_wavevector(axis, odd=odd), self.dtype)

    # ---- reductions -------------------------------------------------------------------------

    def mean(self, real: Any) -> float:
        """Mean of a real field (float64 sum in a fixed order)."""
        return self.backend.reduce_sum(_VALUE, {"u": real}) * self.scale

    def sum_k2_power(self, spectral: Any) -> float:
        """``Σ_k |k|² |û_k|²`` over the full spectrum, i.e. ``⟨|∇u|²⟩`` (Parseval), summed
        over components for a stack; float64, in a fixed order."""
        return self.backend.spectral_power(spectral, self.k2, self.weights)
