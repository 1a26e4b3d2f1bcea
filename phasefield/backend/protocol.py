"""What every array library offers the solver: memory, transforms and pointwise kernels.

A backend hands out the array module ``xp``, allocates (aligned) buffers, owns the real-to-complex
FFTs (:mod:`phasefield.backend.fft`) and runs the pointwise expressions that models declare
(:mod:`phasefield.expression`), either as compiled loops (:attr:`Backend.compiled`, the CPU) or
as array operations of ``xp``. It knows nothing of models, schemes or grains: the layers above
choose compiled or array code themselves by :attr:`Backend.compiled`.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, Literal

import numpy as np

from ..expression import Expression
from .fft import RealFFT

__all__ = ["Backend", "BackendError", "FFTEngine", "KernelKind"]

FFTEngine = Literal["pyfftw", "numpy", "cufft"]
KernelKind = Literal["numba", "array"]


class BackendError(RuntimeError):
    """A backend that was asked for but cannot be used here."""


class Backend(ABC):
    """An array library with its FFTs and kernels (one implementation per library).

    Attributes
    ----------
    name : {"numpy", "cupy"}
        The array library.
    xp : module
        ``numpy`` or ``cupy``.
    fft_engine : {"pyfftw", "numpy", "cufft"}
        What runs the transforms.
    kernels : {"numba", "array"}
        How pointwise expressions run: compiled Numba loops, or array operations of ``xp``.
    threads : int
        CPU threads for transforms and compiled loops.
    asynchronous : bool
        Whether work is queued on a device (reading a value back waits for it, so checks that
        read values are spaced out, and saves are copied while the steps go on).
    """

    asynchronous: bool = False
    name: Literal["numpy", "cupy"]
    xp: ModuleType
    fft_engine: FFTEngine
    kernels: KernelKind
    threads: int

    def __repr__(self) -> str:
        return f"Backend({self.name!r}, fft={self.fft_engine!r}, kernels={self.kernels!r})"

    @property
    def compiled(self) -> bool:
        """Whether compiled CPU kernels (Numba) run here; the layers above choose their own
        compiled or array code by it."""
        return self.kernels == "numba"

    @property
    @abstractmethod
    def device(self) -> str:
        """A human-readable name of the device the arrays live on."""

    # ---- memory ------------------------------------------------------------------------------

    @abstractmethod
    def empty(self, shape: tuple[int, ...], dtype: Any) -> Any:
        """An uninitialised C-contiguous array (SIMD-aligned on the CPU, for FFTW)."""

    def zeros(self, shape: tuple[int, ...], dtype: Any) -> Any:
        out = self.empty(shape, dtype)
        out[...] = 0
        return out

    @abstractmethod
    def asarray(self, host: Any, dtype: Any = None) -> Any:
        """Copy a host array into a fresh (aligned) device array."""

    @abstractmethod
    def copy_into(self, out: Any, host: Any) -> Any:
        """Copy host (or device) values into an existing device array."""

    @abstractmethod
    def to_host(self, array: Any) -> np.ndarray:
        """A NumPy copy of a device array (a plain copy on the CPU)."""

    @abstractmethod
    def to_host_async(self, array: Any) -> Callable[[], np.ndarray]:
        """Start copying ``array`` to the host; returns a function that waits and gives it.
        The array may change as soon as this returns."""

    @abstractmethod
    def free_memory(self) -> int | None:
        """Bytes free for new arrays where they live (host or device), None if unknown."""

    def synchronize(self) -> None:  # noqa: B027 (a no-op unless a device runs asynchronously)
        """Wait for the device's work (a no-op on the CPU)."""

    @property
    @abstractmethod
    def ndimage(self) -> ModuleType:
        """``scipy.ndimage`` or ``cupyx.scipy.ndimage``: labelling and filters on the device."""

    # ---- transforms --------------------------------------------------------------------------

    @abstractmethod
    def real_fft(
        self, real: Any, spectral: Any, ndim: int | None = None, threads: int | None = None
    ) -> RealFFT:
        """Transforms over the last ``ndim`` axes (default all) of arrays shaped like these.

        With pyFFTW the plans are measured on these buffers (their contents are destroyed), so
        pass them before filling them; the returned object then works with any aligned arrays
        of the same shapes and dtypes. ``threads`` (default :attr:`threads`) is the number of
        threads a pyFFTW plan uses.
        """

    # ---- pointwise kernels -------------------------------------------------------------------

    def one_thread(self) -> contextlib.AbstractContextManager[None]:
        """A context in which this thread's compiled kernels run serially (each lane of a
        componentwise step is one thread); a no-op without compiled kernels."""
        return contextlib.nullcontext()

    @abstractmethod
    def evaluate(self, expression: Expression, out: Any, operands: Mapping[str, Any]) -> Any:
        """Write the pointwise ``expression`` over ``operands`` into ``out`` in one pass.
        Arrays must share ``out``'s shape and be C-contiguous; scalars are broadcast."""

    @abstractmethod
    def reduce_sum(self, expression: Expression, operands: Mapping[str, Any]) -> float:
        """The float64 sum of the pointwise ``expression`` over every point, in a fixed order."""

    @abstractmethod
    def evaluate_stack(
        self,
        expression: Expression,
        out: Any,
        stacks: Mapping[str, Any],
        sums: Mapping[str, Expression] | None = None,
        operands: Mapping[str, Any] | None = None,
    ) -> Any:
        """Write ``expression`` for every component of a stack into ``out`` in one pass.

        ``stacks`` are ``(components, *grid)`` arrays read component by component under their
        names; ``sums`` are expressions summed over the components at each point (e.g.
        ``{"S": u**2}``) that ``expression`` may use; ``operands`` are grid-shaped arrays shared
        by all components, and scalars.
        """

    @abstractmethod
    def sum_components(
        self,
        term: Expression,
        out: Any,
        stacks: Mapping[str, Any],
        operands: Mapping[str, Any] | None = None,
    ) -> Any:
        """``out <- Σ_c term(stacks[c])`` at each point (e.g. ``Σ η²``)."""

    @abstractmethod
    def reduce_stack(
        self,
        expression: Expression,
        stacks: Mapping[str, Any],
        sums: Mapping[str, Expression] | None = None,
        operands: Mapping[str, Any] | None = None,
    ) -> float:
        """The float64 sum over points of ``expression``, which may use per-point ``sums``
        over the components of ``stacks`` (see :meth:`evaluate_stack`), in a fixed order."""

    @abstractmethod
    def stack_sums(self, stack: Any, squares: Any, quartics: Any) -> None:
        """``squares <- Σ u²`` and ``quartics <- Σ u⁴`` over the components of a stack."""

    @abstractmethod
    def maximum(self, values: Any) -> float:
        """The largest value of an array, on the host."""

    @abstractmethod
    def spectral_power(self, spectral: Any, k2: Any, weights: Any) -> float:
        """``Σ w k² |û|²`` over a (stack of) half spectra (``weights`` along the last axis)."""
