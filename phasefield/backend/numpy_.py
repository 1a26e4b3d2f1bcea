"""NumPy on the CPU: planned pyFFTW transforms and compiled Numba loops.

``kernels="array"`` runs the array path instead (what a GPU runs), so that the tests can check
that path's logic on a CPU; ``fft="numpy"`` selects ``numpy.fft``, a slower reference used to
check pyFFTW.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import numpy as np

from ..expression import Expression
from ..runtime import threads
from .array_ import ArrayKernels, split_operands
from .fft import RealFFT, library_fft, pyfftw_fft
from .protocol import BackendError, FFTEngine, KernelKind

__all__ = ["NumpyBackend"]


def _values(operands: Mapping[str, Any], arrays: tuple[str, ...], scalars: tuple[str, ...]) -> list:
    return [operands[name] for name in arrays] + [float(operands[name]) for name in scalars]


def _sums_key(sums: Mapping[str, Expression]) -> str:
    return ";".join(f"{name}={term.source}" for name, term in sums.items())


class NumpyBackend(ArrayKernels):
    """NumPy arrays with pyFFTW (or ``numpy.fft``) and Numba (or array) kernels.

    Parameters
    ----------
    fft : {"pyfftw", "numpy"}, optional
        The FFT engine (default pyFFTW).
    kernels : {"numba", "array"}, optional
        Compiled loops (default) or the array path.
    """

    name = "numpy"

    def __init__(self, fft: FFTEngine | None = None, kernels: KernelKind | None = None) -> None:
        self.xp = np
        self.kernels = kernels or "numba"
        if self.kernels not in ("numba", "array"):
            raise BackendError(f"unknown kernels '{kernels}': use numba or array")
        self.fft_engine = fft or "pyfftw"
        if self.fft_engine == "pyfftw":
            import pyfftw  # noqa: F401  (fail early if missing)
        elif self.fft_engine != "numpy":
            raise BackendError(f"the numpy backend has no FFT engine '{fft}'")
        self.threads = threads()
        self._compiled: dict[tuple, Any] = {}
        self._totals: dict[tuple, Any] = {}

    @property
    def device(self) -> str:
        return f"CPU ({self.threads} threads, {self.fft_engine})"

    # ---- memory ------------------------------------------------------------------------------

    def empty(self, shape: tuple[int, ...], dtype: Any) -> Any:
        if self.fft_engine == "pyfftw":
            import pyfftw

            return pyfftw.empty_aligned(shape, dtype=dtype)
        return np.empty(shape, dtype=dtype)

    def free_memory(self) -> int | None:
        """The memory the operating system can give this process now (``MemAvailable``)."""
        try:
            import psutil

            return int(psutil.virtual_memory().available)
        except ImportError:  # pragma: no cover - psutil comes with dask's distributed
            return None

    def asarray(self, host: Any, dtype: Any = None) -> Any:
        host = np.asarray(host)
        out = self.empty(host.shape, dtype or host.dtype)
        out[...] = host
        return out

    def copy_into(self, out: Any, host: Any) -> Any:
        out[...] = host
        return out

    def to_host(self, array: Any) -> np.ndarray:
        return np.array(array, copy=True)

    def to_host_async(self, array: Any) -> Callable[[], np.ndarray]:
        host = np.array(array, copy=True)
        return lambda: host

    @property
    def ndimage(self) -> ModuleType:
        import scipy.ndimage

        return scipy.ndimage

    # ---- transforms --------------------------------------------------------------------------

    def real_fft(
        self, real: Any, spectral: Any, ndim: int | None = None, threads: int | None = None
    ) -> RealFFT:
        ndim = real.ndim if ndim is None else ndim
        if self.fft_engine == "pyfftw":
            return pyfftw_fft(real, spectral, ndim, threads or self.threads)
        return library_fft(np.fft, tuple(real.shape), ndim)

    # ---- compiled kernels --------------------------------------------------------------------

    def one_thread(self) -> contextlib.AbstractContextManager[None]:
        if not self.compiled:
            return contextlib.nullcontext()
        from .compile import one_thread

        return one_thread()

    def _kernel(self, key: tuple, build: Callable[[], Any]) -> Any:
        kernel = self._compiled.get(key)
        if kernel is None:
            kernel = self._compiled[key] = build()
        return kernel

    def evaluate(self, expression: Expression, out: Any, operands: Mapping[str, Any]) -> Any:
        if not self.compiled:
            return super().evaluate(expression, out, operands)
        from .kernels import compile_elementwise

        arrays, scalars = split_operands(operands)
        kernel = self._kernel(
            ("pointwise", expression.source, arrays, scalars),
            lambda: compile_elementwise(expression, arrays, scalars),
        )
        kernel(out, *_values(operands, arrays, scalars))
        return out

    def reduce_sum(self, expression: Expression, operands: Mapping[str, Any]) -> float:
        if not self.compiled:
            return super().reduce_sum(expression, operands)
        from .kernels import compile_reduction

        arrays, scalars = split_operands(operands)
        if not arrays:
            raise ValueError("reduce_sum needs at least one array operand")
        kernel = self._kernel(
            ("reduction", expression.source, arrays, scalars),
            lambda: compile_reduction(expression, arrays, scalars),
        )
        size = operands[arrays[0]].size
        return float(kernel(size, *_values(operands, arrays, scalars)))

    def evaluate_stack(
        self,
        expression: Expression,
        out: Any,
        stacks: Mapping[str, Any],
        sums: Mapping[str, Expression] | None = None,
        operands: Mapping[str, Any] | None = None,
    ) -> Any:
        if not self.compiled:
            return super().evaluate_stack(expression, out, stacks, sums, operands)
        from .kernels import compile_stack

        sums, operands = dict(sums or {}), dict(operands or {})
        arrays, scalars = split_operands(operands)
        names = tuple(stacks)
        kernel = self._kernel(
            ("stack", expression.source, _sums_key(sums), names, arrays, scalars),
            lambda: compile_stack(expression, names, sums, arrays, scalars),
        )
        rows = max(1, len(sums))
        grid_size = out.size // out.shape[0]
        key = (rows, grid_size, out.dtype.str)
        totals = self._totals.get(key)
        if totals is None:
            self._totals.clear()  # one scratch at a time: a run has one stack shape
            totals = self._totals[key] = self.empty((rows, grid_size), out.dtype)
        kernel(out, *stacks.values(), totals, *_values(operands, arrays, scalars))
        return out

    def sum_components(
        self,
        term: Expression,
        out: Any,
        stacks: Mapping[str, Any],
        operands: Mapping[str, Any] | None = None,
    ) -> Any:
        if not self.compiled:
            return super().sum_components(term, out, stacks, operands)
        from .kernels import compile_component_sum

        operands = dict(operands or {})
        arrays, scalars = split_operands(operands)
        names = tuple(stacks)
        kernel = self._kernel(
            ("component sum", term.source, names, arrays, scalars),
            lambda: compile_component_sum(term, names, arrays, scalars),
        )
        kernel(out, *stacks.values(), *_values(operands, arrays, scalars))
        return out

    def reduce_stack(
        self,
        expression: Expression,
        stacks: Mapping[str, Any],
        sums: Mapping[str, Expression] | None = None,
        operands: Mapping[str, Any] | None = None,
    ) -> float:
        if not self.compiled:
            return super().reduce_stack(expression, stacks, sums, operands)
        from .kernels import compile_stack_reduction

        sums, operands = dict(sums or {}), dict(operands or {})
        arrays, scalars = split_operands(operands)
        names = tuple(stacks)
        kernel = self._kernel(
            ("stack reduction", expression.source, _sums_key(sums), names, arrays, scalars),
            lambda: compile_stack_reduction(expression, names, sums, arrays, scalars),
        )
        return float(kernel(*stacks.values(), *_values(operands, arrays, scalars)))

    def stack_sums(self, stack: Any, squares: Any, quartics: Any) -> None:
        if not self.compiled:
            return super().stack_sums(stack, squares, quartics)
        from .kernels import stack_sums

        stack_sums(stack, squares, quartics)

    def maximum(self, values: Any) -> float:
        if not self.compiled:
            return super().maximum(values)
        from .kernels import maximum

        return maximum(values)

    def spectral_power(self, spectral: Any, k2: Any, weights: Any) -> float:
        if not self.compiled:
            return super().spectral_power(spectral, k2, weights)
        from .kernels import spectral_power

        return spectral_power(spectral, k2, weights)
