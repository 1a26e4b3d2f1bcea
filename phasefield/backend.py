"""The one door to the array library: NumPy + pyFFTW on the CPU, CuPy + cuFFT on a GPU.

No other module imports ``cupy``, ``cupyx`` or ``pyfftw``. A :class:`Backend` hands out the array
module ``xp``, allocates (aligned) buffers, owns the real-to-complex FFTs and compiles the
pointwise expressions that models declare.

FFT conventions: :meth:`RealFFT.forward` is the unnormalised r2c transform and
:meth:`RealFFT.inverse` the unnormalised c2r transform, so ``inverse(forward(u)) = N u`` with
``N`` the number of grid points. The inverse may overwrite its input (FFTW does for
multi-dimensional c2r transforms).

On the CPU, transforms are planned ``pyfftw.FFTW`` objects, built once per buffer pair with
``threads`` = the cores this process may use and ``FFTW_MEASURE`` (``PHASEFIELD_FFTW_PLANNER``
overrides); wisdom is kept on disk in the user cache folder so a second run does not plan again.
On a GPU, transforms go through ``cupyx.scipy.fft`` and CuPy's plan cache.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np

from .expression import Expression, parse_expression

__all__ = [
    "Backend",
    "BackendError",
    "RealFFT",
    "available_backends",
    "cache_folder",
    "default_precision",
    "get_backend",
    "gpu_count",
    "threads",
]

BackendName = Literal["auto", "numpy", "cupy"]
FFTEngine = Literal["pyfftw", "numpy", "cufft"]


class BackendError(RuntimeError):
    """A backend that was asked for but cannot be used here."""


def threads() -> int:
    """The number of CPU cores this process may use (``PHASEFIELD_THREADS`` overrides)."""
    if "PHASEFIELD_THREADS" in os.environ:
        return max(1, int(os.environ["PHASEFIELD_THREADS"]))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def cache_folder() -> Path:
    """Where wisdom and compiled kernels are kept (``PHASEFIELD_CACHE_DIR`` overrides)."""
    from platformdirs import user_cache_dir

    folder = Path(os.environ.get("PHASEFIELD_CACHE_DIR") or user_cache_dir("phasefield"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------------------------
# pyFFTW wisdom


class _Wisdom:
    """FFTW wisdom shared by every plan in this process, mirrored in the user cache folder."""

    def __init__(self) -> None:
        self.loaded = False

    @property
    def path(self) -> Path:
        import pyfftw

        node = platform.node() or "local"
        return cache_folder() / f"fftw-wisdom-{pyfftw.__version__}-{node}.npz"

    def load(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                self.restore(tuple(stored[key].tobytes() for key in ("double", "single", "long")))
        except (OSError, ValueError, KeyError):
            pass  # no usable wisdom yet: plans are measured and saved

    def export(self) -> tuple[bytes, bytes, bytes]:
        import pyfftw

        return tuple(pyfftw.export_wisdom())

    def restore(self, wisdom: tuple[bytes, ...]) -> None:
        import pyfftw

        pyfftw.import_wisdom(wisdom)

    def save(self) -> None:
        double, single, long = self.export()
        arrays: dict[str, Any] = {
            key: np.frombuffer(value, dtype=np.uint8)
            for key, value in (("double", double), ("single", single), ("long", long))
        }
        target = self.path
        temporary = target.with_name(f"{target.stem}.{os.getpid()}.tmp.npz")
        try:
            np.savez(temporary, **arrays)
            os.replace(temporary, target)
        except OSError:
            temporary.unlink(missing_ok=True)  # a read-only cache only costs planning time


_WISDOM = _Wisdom()


def export_wisdom() -> tuple[bytes, bytes, bytes]:
    """The process's FFTW wisdom, for a checkpoint (empty on machines without pyFFTW)."""
    try:
        return _WISDOM.export()
    except ImportError:
        return (b"", b"", b"")


def import_wisdom(wisdom: tuple[bytes, ...]) -> None:
    """Restore wisdom from a checkpoint so a resumed run plans exactly as the original did."""
    try:
        _WISDOM.load()
        _WISDOM.restore(wisdom)
    except ImportError:
        pass


# --------------------------------------------------------------------------------------------
# real-to-complex transforms


class RealFFT:
    """Unnormalised r2c/c2r transforms over the last ``ndim`` axes of one buffer pair's shape
    and dtype: a stack of fields along a leading axis is transformed in one batched call."""

    def forward(self, real: Any, spectral: Any) -> None:
        """``spectral <- r2c(real)``, unnormalised."""
        raise NotImplementedError

    def inverse(self, spectral: Any, real: Any) -> None:
        """``real <- c2r(spectral)``, unnormalised; ``spectral`` may be overwritten."""
        raise NotImplementedError


class _FFTWRealFFT(RealFFT):
    """Planned pyFFTW transforms over the last ``ndim`` axes (batched for a stack)."""

    def __init__(self, real: np.ndarray, spectral: np.ndarray, ndim: int, nthreads: int) -> None:
        import pyfftw

        planner = os.environ.get("PHASEFIELD_FFTW_PLANNER", "FFTW_MEASURE")
        axes = tuple(range(real.ndim - ndim, real.ndim))
        _WISDOM.load()
        self._forward = pyfftw.FFTW(
            real, spectral, axes=axes, direction="FFTW_FORWARD", flags=(planner,), threads=nthreads
        )
        self._inverse = pyfftw.FFTW(
            spectral,
            real,
            axes=axes,
            direction="FFTW_BACKWARD",
            flags=(planner, "FFTW_DESTROY_INPUT"),
            threads=nthreads,
        )

    @staticmethod
    def _run(plan: Any, source: np.ndarray, target: np.ndarray) -> None:
        if plan.input_array is not source or plan.output_array is not target:
            plan.update_arrays(source, target)
        plan.execute()

    def forward(self, real: np.ndarray, spectral: np.ndarray) -> None:
        self._run(self._forward, real, spectral)

    def inverse(self, spectral: np.ndarray, real: np.ndarray) -> None:
        self._run(self._inverse, spectral, real)


class _LibraryRealFFT(RealFFT):
    """``numpy.fft`` or ``cupyx.scipy.fft``: a reference, and the GPU path (cuFFT plan cache)."""

    def __init__(self, fft_module: Any, shape: tuple[int, ...], ndim: int) -> None:
        self._fft = fft_module
        self._shape = shape[len(shape) - ndim :]
        self._axes = tuple(range(len(shape) - ndim, len(shape)))

    def forward(self, real: Any, spectral: Any) -> None:
        spectral[...] = self._fft.rfftn(real, axes=self._axes)

    def inverse(self, spectral: Any, real: Any) -> None:
        real[...] = self._fft.irfftn(spectral, s=self._shape, axes=self._axes, norm="forward")


class _CuFFTRealFFT(RealFFT):
    """cuFFT plans made once for a buffer pair's shape, executed straight into the given output
    (``PlanNd.fft(input, output, direction)``): no temporaries and no copy per transform, one
    batched plan for a whole stack. Made by :meth:`Backend.real_fft`, which checks the plans
    against ``cupyx.scipy.fft`` once and falls back to it if this CuPy version differs."""

    def __init__(self, real: Any, spectral: Any, ndim: int) -> None:
        import cupyx.scipy.fft as cufft_module
        from cupy.cuda import cufft

        axes = tuple(range(real.ndim - ndim, real.ndim))
        shape = tuple(real.shape[-ndim:])
        self._directions = (cufft.CUFFT_FORWARD, cufft.CUFFT_INVERSE)
        self._forward = cufft_module.get_fft_plan(real, axes=axes, value_type="R2C")
        self._inverse = cufft_module.get_fft_plan(
            spectral, shape=shape, axes=axes, value_type="C2R"
        )

    def forward(self, real: Any, spectral: Any) -> None:
        self._forward.fft(real, spectral, self._directions[0])

    def inverse(self, spectral: Any, real: Any) -> None:
        self._inverse.fft(spectral, real, self._directions[1])


def _checked_cufft(real: Any, spectral: Any, ndim: int, fft_module: Any) -> RealFFT:
    """Planned cuFFT transforms if they reproduce ``cupyx.scipy.fft`` on these buffers' shapes,
    else the library calls (correct either way; the plans save a copy per transform)."""
    import cupy

    library = _LibraryRealFFT(fft_module, tuple(real.shape), ndim)
    try:
        planned = _CuFFTRealFFT(real, spectral, ndim)
        probe = cupy.random.default_rng(0).standard_normal(real.shape, dtype=real.dtype)
        expected, got = cupy.empty_like(spectral), cupy.empty_like(spectral)
        library.forward(probe, expected)
        planned.forward(probe.copy(), got)
        back, again = cupy.empty_like(real), cupy.empty_like(real)
        library.inverse(expected.copy(), back)
        planned.inverse(expected.copy(), again)
        tolerance = 1e-3 if real.dtype == cupy.float32 else 1e-9
        scale = float(cupy.abs(expected).max()) + 1.0
        if float(cupy.abs(got - expected).max()) <= tolerance * scale and float(
            cupy.abs(again - back).max()
        ) <= tolerance * float(cupy.abs(back).max() + 1):
            return planned
    except Exception:  # an API this CuPy does not have: keep the library path
        pass
    return library


# --------------------------------------------------------------------------------------------
# backends


class Backend:
    """An array library with its FFTs and kernels.

    Parameters
    ----------
    name : {"numpy", "cupy"}
        The array library.
    fft : {"pyfftw", "numpy", "cufft"}, optional
        The FFT engine; by default pyFFTW on NumPy and cuFFT on CuPy. ``"numpy"`` selects
        ``numpy.fft``, a slower reference used to check pyFFTW.
    kernels : {"numba", "array"}, optional
        How pointwise expressions run: compiled Numba loops (the NumPy default) or array
        operations of ``xp`` (the CuPy path; on NumPy it lets tests check that path's logic).
    """

    def __init__(
        self,
        name: Literal["numpy", "cupy"],
        fft: FFTEngine | None = None,
        kernels: Literal["numba", "array"] | None = None,
    ) -> None:
        self.name = name
        self.kernels = kernels or ("numba" if name == "numpy" else "array")
        if name == "cupy" and self.kernels == "numba":
            raise BackendError("numba kernels run on the CPU only")
        if name == "cupy":
            import cupy
            import cupyx.scipy.fft

            self.xp: ModuleType = cupy
            self._fft_module: Any = cupyx.scipy.fft
            self.fft_engine: FFTEngine = "cufft"
            if fft not in (None, "cufft"):
                raise BackendError(f"the cupy backend uses cuFFT, not {fft}")
        else:
            self.xp = np
            self.fft_engine = fft or "pyfftw"
            if self.fft_engine == "pyfftw":
                import pyfftw  # noqa: F401  (fail early if missing)
            elif self.fft_engine != "numpy":
                raise BackendError(f"the numpy backend has no FFT engine '{fft}'")
            self._fft_module = np.fft
        self.threads = threads()
        self._elementwise: dict[tuple, Any] = {}
        self._reductions: dict[tuple, Any] = {}
        self._totals: dict[tuple, Any] = {}
        self._k2_grid: tuple[Any, Any] | None = None  # (k2_axes, |k|² built from them)
        self._copy_stream: Any = None  # CuPy: the stream saves are copied to the host on

    def __repr__(self) -> str:
        return f"Backend({self.name!r}, fft={self.fft_engine!r}, kernels={self.kernels!r})"

    @property
    def device(self) -> str:
        """A human-readable name of the device the arrays live on."""
        if self.name == "cupy":
            props = self.xp.cuda.runtime.getDeviceProperties(self.xp.cuda.Device().id)
            return str(props["name"].decode())
        return f"CPU ({self.threads} threads, {self.fft_engine})"

    # ---- memory -----------------------------------------------------------------------------

    def empty(self, shape: tuple[int, ...], dtype: Any) -> Any:
        """An uninitialised C-contiguous array (SIMD-aligned on the CPU, for FFTW)."""
        if self.name == "numpy" and self.fft_engine == "pyfftw":
            import pyfftw

            return pyfftw.empty_aligned(shape, dtype=dtype)
        return self.xp.empty(shape, dtype=dtype)

    def zeros(self, shape: tuple[int, ...], dtype: Any) -> Any:
        out = self.empty(shape, dtype)
        out[...] = 0
        return out

    def asarray(self, host: Any, dtype: Any = None) -> Any:
        """Copy a host array into a fresh (aligned) device array."""
        host = np.asarray(host)
        out = self.empty(host.shape, dtype or host.dtype)
        if self.name == "cupy":
            out.set(np.ascontiguousarray(host, dtype=out.dtype))
        else:
            out[...] = host
        return out

    def copy_into(self, out: Any, host: Any) -> Any:
        """Copy host (or device) values into an existing device array (no field-sized temporary
        on the CPU)."""
        if self.name == "cupy":
            if isinstance(host, self.xp.ndarray):
                out[...] = host
            else:
                out.set(np.ascontiguousarray(host, dtype=out.dtype))
        else:
            out[...] = host
        return out

    def to_host(self, array: Any) -> np.ndarray:
        """A NumPy copy of a device array (a plain copy on the CPU)."""
        if self.name == "cupy":
            return self.xp.asnumpy(array)
        return np.array(array, copy=True)

    def to_host_async(self, array: Any) -> Callable[[], np.ndarray]:
        """Start copying ``array`` to the host; returns a function that waits and gives it.

        The array may change as soon as this returns. On CuPy a device snapshot is taken on the
        current stream (a device-to-device copy at memory speed), then copied to pinned host
        memory on a separate stream that waits for the snapshot only, so the steps that follow
        run while the copy crosses the bus. On the CPU it is a plain copy.
        """
        if self.name != "cupy":
            host = np.array(array, copy=True)
            return lambda: host
        cupy = self.xp
        snapshot = array.copy()
        taken = cupy.cuda.Event()
        taken.record()
        if self._copy_stream is None:
            self._copy_stream = cupy.cuda.Stream(non_blocking=True)
        stream = self._copy_stream
        stream.wait_event(taken)
        import cupyx

        host = cupyx.empty_pinned(snapshot.shape, snapshot.dtype)
        cupy.asnumpy(snapshot, stream=stream, out=host, blocking=False)
        copied = cupy.cuda.Event()
        copied.record(stream)

        def result() -> np.ndarray:
            copied.synchronize()
            del snapshot_holder[:]  # the device snapshot may go once the copy is done
            return host

        snapshot_holder = [snapshot]
        return result

    def distance_to_background(self, mask: Any) -> Any:
        """Euclidean distance (in cells, float64) from each true cell of ``mask`` to the
        nearest false one, not periodic; 0 on false cells.

        With Numba kernels a compiled exact transform (:mod:`phasefield.distance`, several
        times faster than ``scipy.ndimage`` on remap boxes, same values); otherwise
        ``scipy.ndimage`` or, on a GPU, ``cupyx.scipy.ndimage``.
        """
        if self.kernels == "numba":
            from .distance import distance_to_background

            return distance_to_background(mask)
        return self.ndimage.distance_transform_edt(mask)

    @property
    def ndimage(self) -> ModuleType:
        """``scipy.ndimage`` or ``cupyx.scipy.ndimage``: labelling and filters on the device."""
        if self.name == "cupy":
            import cupyx.scipy.ndimage

            return cupyx.scipy.ndimage
        import scipy.ndimage

        return scipy.ndimage

    def synchronize(self) -> None:
        if self.name == "cupy":
            self.xp.cuda.Stream.null.synchronize()

    # ---- FFT --------------------------------------------------------------------------------

    def real_fft(
        self, real: Any, spectral: Any, ndim: int | None = None, threads: int | None = None
    ) -> RealFFT:
        """Transforms over the last ``ndim`` axes (default all) of arrays shaped like these.

        With pyFFTW the plans are measured on these buffers (their contents are destroyed), so
        pass them before filling them; the returned object then works with any aligned arrays of
        the same shapes and dtypes. ``threads`` (default :attr:`threads`) is the number of
        threads a pyFFTW plan uses.
        """
        ndim = real.ndim if ndim is None else ndim
        if self.fft_engine == "pyfftw":
            plan = _FFTWRealFFT(real, spectral, ndim, threads or self.threads)
            _WISDOM.save()
            return plan
        if self.fft_engine == "cufft":
            return _checked_cufft(real, spectral, ndim, self._fft_module)
        return _LibraryRealFFT(self._fft_module, tuple(real.shape), ndim)

    # ---- kernels ----------------------------------------------------------------------------

    def one_thread(self) -> contextlib.AbstractContextManager[None]:
        """A context in which this thread's compiled kernels run serially (each lane of
        :class:`~phasefield.lanes.Lanes` is one thread); a no-op without Numba kernels."""
        if self.kernels == "numba":
            from .kernels import one_thread

            return one_thread()
        return contextlib.nullcontext()

    def _kernel(self, cache: dict, key: tuple, build: Callable[[], Any]) -> Any:
        kernel = cache.get(key)
        if kernel is None:
            kernel = cache[key] = build()
        return kernel

    def evaluate(self, expression: Expression, out: Any, operands: Mapping[str, Any]) -> Any:
        """Write the pointwise ``expression`` over ``operands`` into ``out`` in one pass.

        Arrays must share ``out``'s shape and be C-contiguous; scalars are broadcast.
        """
        arrays, scalars = _split(operands)
        if self.kernels == "numba":
            from .kernels import compile_elementwise

            kernel = self._kernel(
                self._elementwise,
                ("pointwise", expression.source, arrays, scalars),
                lambda: compile_elementwise(expression, arrays, scalars),
            )
            kernel(out, *_values(operands, arrays, scalars))
        elif self.name == "cupy":
            out[...] = self._fused(expression, operands)
        else:
            out[...] = expression.evaluate(self.xp, operands)
        return out

    def _fused(self, expression: Expression, operands: Mapping[str, Any]) -> Any:
        """The expression as one ``cupy.fuse`` kernel (one read of each operand, one write),
        compiled per expression; unfused array operations where CuPy cannot fuse it."""
        names = tuple(sorted(operands))
        key = ("fused", expression.source, names)
        kernel = self._elementwise.get(key)
        if kernel is None:

            def function(*values: Any) -> Any:
                return expression.evaluate(self.xp, dict(zip(names, values, strict=True)))

            kernel = self._elementwise[key] = self.xp.fuse(kernel_name="phasefield_pointwise")(
                function
            )
        values = [operands[name] for name in names]
        if kernel is not _UNFUSABLE:
            try:
                return kernel(*values)
            except Exception:  # a construct fusion does not trace: fall back, once per expression
                self._elementwise[key] = _UNFUSABLE
        return expression.evaluate(self.xp, operands)

    def reduce_sum(self, expression: Expression, operands: Mapping[str, Any]) -> float:
        """The float64 sum of the pointwise ``expression`` over every point, in a fixed order."""
        arrays, scalars = _split(operands)
        if not arrays:
            raise ValueError("reduce_sum needs at least one array operand")
        if self.kernels == "numba":
            from .kernels import compile_reduction

            kernel = self._kernel(
                self._reductions,
                ("pointwise", expression.source, arrays, scalars),
                lambda: compile_reduction(expression, arrays, scalars),
            )
            size = operands[arrays[0]].size
            return float(kernel(size, *_values(operands, arrays, scalars)))
        values = {
            name: value.astype(self.xp.float64) if _is_array(value) else value
            for name, value in operands.items()
        }
        return float(self.xp.sum(expression.evaluate(self.xp, values)))

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
        sums, operands = dict(sums or {}), dict(operands or {})
        if self.kernels == "numba":
            from .kernels import compile_stack

            arrays, scalars = _split(operands)
            names = tuple(stacks)
            kernel = self._kernel(
                self._elementwise,
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
        else:  # one component at a time: grid-sized temporaries, never stack-sized
            values = {**operands, **self._component_sums(stacks, sums, operands)}
            for component in range(out.shape[0]):
                values.update(_component(stacks, component))
                out[component] = expression.evaluate(self.xp, values)
        return out

    def sum_components(
        self,
        term: Expression,
        out: Any,
        stacks: Mapping[str, Any],
        operands: Mapping[str, Any] | None = None,
    ) -> Any:
        """``out <- Σ_c term(stacks[c])`` at each point (e.g. ``Σ η²``): one pass that reads
        every component once and writes one grid-sized array."""
        operands = dict(operands or {})
        if self.kernels == "numba":
            from .kernels import compile_component_sum

            arrays, scalars = _split(operands)
            names = tuple(stacks)
            kernel = self._kernel(
                self._elementwise,
                ("component sum", term.source, names, arrays, scalars),
                lambda: compile_component_sum(term, names, arrays, scalars),
            )
            kernel(out, *stacks.values(), *_values(operands, arrays, scalars))
        else:
            out[...] = self._component_sums(stacks, {"sum": term}, operands)["sum"]
        return out

    def reduce_stack(
        self,
        expression: Expression,
        stacks: Mapping[str, Any],
        sums: Mapping[str, Expression] | None = None,
        operands: Mapping[str, Any] | None = None,
    ) -> float:
        """The float64 sum over points of ``expression``, which may use per-point ``sums`` over
        the components of ``stacks`` (see :meth:`evaluate_stack`), in a fixed order."""
        sums, operands = dict(sums or {}), dict(operands or {})
        if self.kernels == "numba":
            from .kernels import compile_stack_reduction

            arrays, scalars = _split(operands)
            names = tuple(stacks)
            kernel = self._kernel(
                self._reductions,
                ("stack", expression.source, _sums_key(sums), names, arrays, scalars),
                lambda: compile_stack_reduction(expression, names, sums, arrays, scalars),
            )
            return float(kernel(*stacks.values(), *_values(operands, arrays, scalars)))
        totals = self._component_sums(stacks, sums, operands, self.xp.float64)
        return float(self.xp.sum(expression.evaluate(self.xp, {**operands, **totals})))

    def _component_sums(
        self,
        stacks: Mapping[str, Any],
        sums: Mapping[str, Expression],
        operands: Mapping[str, Any],
        dtype: Any = None,
    ) -> dict[str, Any]:
        """Array path: each per-point sum over the components of ``stacks``, added up one
        component at a time in component order (grid-sized temporaries: a stack-sized one
        would not fit beside the fields of a large run on a GPU); in ``dtype`` if given."""
        totals: dict[str, Any] = {}
        components = next(iter(stacks.values())).shape[0]
        for component in range(components):
            values = {**operands, **_component(stacks, component, dtype)}
            for name, term in sums.items():
                value = term.evaluate(self.xp, values)
                if name in totals:
                    totals[name] += value
                else:
                    totals[name] = self.xp.array(value, dtype=dtype or value.dtype, copy=True)
        return totals

    def stack_sums(self, stack: Any, squares: Any, quartics: Any) -> None:
        """``squares <- Σ u²`` and ``quartics <- Σ u⁴`` over the components of a stack."""
        if self.kernels == "numba":
            from .kernels import stack_sums

            stack_sums(stack, squares, quartics)
            return
        totals = self._component_sums({"u": stack}, {"s": _SQUARE, "q": _QUARTIC}, {})
        squares[...] = totals["s"]
        quartics[...] = totals["q"]

    def maximum(self, values: Any) -> float:
        """The largest value of an array, on the host."""
        if self.kernels == "numba":
            from .kernels import maximum

            return maximum(values)
        return float(self.xp.max(values))

    def spectral_power(self, spectral: Any, k2: Any, weights: Any) -> float:
        """``Σ w k² |û|²`` over a (stack of) half spectra (``weights`` along the last axis)."""
        if self.kernels == "numba":
            from .kernels import spectral_power

            return spectral_power(spectral, k2, weights)
        xp = self.xp
        stack = spectral if spectral.ndim > k2.ndim else spectral[None]
        factor = k2.astype(xp.float64) * weights.astype(xp.float64)
        total = 0.0
        for component in stack:  # one component at a time (see _component_sums)
            power = component.real.astype(xp.float64) ** 2 + component.imag.astype(xp.float64) ** 2
            total += float(xp.sum(power * factor))
        return total

    # ---- grains ------------------------------------------------------------------------------

    def largest_component(self, stack: Any) -> Any:
        """Index of the largest component at each point of a stack (first on ties)."""
        if self.kernels == "numba":
            from .grain_kernels import largest_component

            return largest_component(stack)
        xp = self.xp  # one component at a time (argmax over the stack axis copies the stack)
        best = stack[0].copy()
        index = xp.zeros(best.shape, dtype=xp.int32)
        for component in range(1, stack.shape[0]):
            larger = stack[component] > best  # strictly: the first wins ties
            index[larger] = component
            xp.maximum(best, stack[component], out=best)
        return index

    def label_equal(self, values: Any) -> tuple[Any, int] | None:
        """Periodic face-connected regions of equal value (labels from 1, count), where a
        compiled kernel exists (CPU); None elsewhere (callers then label masks)."""
        if self.kernels != "numba":
            return None
        from .grain_kernels import label_equal_regions

        return label_equal_regions(values)

    def face_pairs(self, labels: Any, wanted: np.ndarray | None = None) -> np.ndarray | None:
        """Label pairs sharing a cell face (periodic; those touching a ``wanted`` label if
        given), where a compiled kernel exists (CPU); None elsewhere (callers then compare
        shifted copies)."""
        if self.kernels != "numba":
            return None
        from .grain_kernels import face_pairs

        return face_pairs(labels, wanted)

    def near_pairs(
        self, labels: Any, reach: int, offsets: Sequence[tuple[int, ...]] | None = None
    ) -> np.ndarray | None:
        """Label pairs with cells within ``reach`` (Chebyshev, periodic; only at ``offsets``
        if given), where a compiled kernel exists (CPU); None elsewhere (callers then compare
        shifted copies)."""
        if self.kernels != "numba":
            return None
        from .grain_kernels import near_pairs

        return near_pairs(labels, reach, offsets)

    def majority_tallies(self, labels: Any, previous: Any, count: int) -> tuple | None:
        """Overlaps of labels with previous ids, the bulk tallied by a vote (see
        :func:`phasefield.grain_kernels.majority_tallies`), where a compiled kernel exists
        (CPU); None elsewhere (callers then count unique pairs)."""
        if self.kernels != "numba":
            return None
        from .grain_kernels import majority_tallies

        return majority_tallies(labels, previous, count)

    def circular_sums(self, ids: Any, angles: Sequence[np.ndarray]) -> tuple | None:
        """Cells per id and per-axis sums of ``cos``/``sin`` of their angles (see
        :func:`phasefield.grain_kernels.circular_sums`), where a compiled kernel exists (CPU);
        None elsewhere (callers then use weighted bincounts)."""
        if self.kernels != "numba":
            return None
        from .grain_kernels import circular_sums

        return circular_sums(ids, angles)

    def close_pairs(self, labels: Any, group_of: np.ndarray, reach: int) -> np.ndarray | None:
        """Label pairs of one group (``group_of``, by label, on the host) within ``reach``
        cells along axes and diagonals (periodic), where a compiled kernel exists (CPU); None
        elsewhere (callers then use filters)."""
        if self.kernels != "numba":
            return None
        from .grain_kernels import close_pairs

        return close_pairs(labels, group_of, reach)

    def imex_combine(
        self,
        state_hat: Any,
        work_hat: Any,
        k2_axes: tuple[Any, Any, Any],
        dt: float,
        scale: float,
        implicit: np.ndarray,
        explicit_linear: np.ndarray,
        multiplier: np.ndarray,
    ) -> None:
        """The IMEX-Euler update (see :func:`phasefield.kernels.imex_combine`); ``k2_axes`` are
        the squared wavenumbers of three axes (:attr:`SpectralSpace.k2_axes`)."""
        if self.kernels == "numba":
            from .kernels import imex_combine

            imex_combine(
                state_hat, work_hat, k2_axes, dt, scale, implicit, explicit_linear, multiplier
            )
            return
        implicit_k, linear_k, multiplier_k = self._update_factors(
            k2_axes, implicit, explicit_linear, multiplier
        )
        inverse = 1.0 / (1.0 + dt * implicit_k)
        state_hat = state_hat.reshape(-1, *inverse.shape)  # views: components, then three axes
        work_hat = work_hat.reshape(-1, *inverse.shape)
        state_hat *= (1.0 + dt * linear_k) * inverse
        state_hat += ((dt * scale) * multiplier_k * inverse) * work_hat
        work_hat[...] = state_hat

    def scale_spectrum(self, work_hat: Any, factor: Any) -> None:
        """``work_hat <- factor · work_hat`` with a real ``factor`` of the spectrum's shape
        (see :func:`phasefield.kernels.scale_spectrum`)."""
        if self.kernels == "numba":
            from .kernels import scale_spectrum

            scale_spectrum(work_hat, factor)
            return
        work_hat *= factor

    def sbdf2_combine(
        self,
        state_hat: Any,
        work_hat: Any,
        previous_hat: Any,
        explicit_hat: Any,
        k2_axes: tuple[Any, Any, Any],
        dt: float,
        omega: float,
        scale: float,
        implicit: np.ndarray,
        explicit_linear: np.ndarray,
        multiplier: np.ndarray,
        weights: Any = None,
    ) -> float | None:
        """The variable-step SBDF2 update (see :func:`phasefield.kernels.sbdf2_combine`), and
        with ``weights`` its difference from an Euler step, ``Σ w |Δû|²``."""
        if self.kernels == "numba":
            from .kernels import sbdf2_combine

            return sbdf2_combine(
                state_hat,
                work_hat,
                previous_hat,
                explicit_hat,
                k2_axes,
                dt,
                omega,
                scale,
                implicit,
                explicit_linear,
                multiplier,
                weights,
            )
        implicit_k, linear_k, multiplier_k = self._update_factors(
            k2_axes, implicit, explicit_linear, multiplier
        )
        a0, a1, a2 = (1 + 2 * omega) / (1 + omega), 1 + omega, omega * omega / (1 + omega)
        shape = (-1, *linear_k.shape)
        u, n = state_hat.reshape(shape), work_hat.reshape(shape)
        previous, explicit = previous_hat.reshape(shape), explicit_hat.reshape(shape)
        e = linear_k * u + scale * multiplier_k * n
        value = a1 * u - a2 * previous + dt * ((1 + omega) * e - omega * explicit)
        value /= a0 + dt * implicit_k
        estimate = None
        if weights is not None:
            difference = value - (u + dt * e) / (1 + dt * implicit_k)
            estimate = float(self.xp.sum(weights * (difference.real**2 + difference.imag**2)))
        previous[...] = u
        explicit[...] = e
        u[...] = value
        n[...] = value
        return estimate

    def _update_factors(
        self,
        k2_axes: tuple[Any, Any, Any],
        *polynomials: np.ndarray,
    ) -> list[Any]:
        """The operators ``L, S, K`` evaluated on the ``|k|²`` grid (array path)."""
        k2 = self._k2_from_axes(k2_axes)
        values = []
        for coefficients in polynomials:
            value = self.xp.zeros_like(k2)
            for coefficient in coefficients[::-1]:
                value = value * k2 + float(coefficient)
            values.append(value)
        return values

    def _k2_from_axes(self, k2_axes: tuple[Any, Any, Any]) -> Any:
        """``|k|²`` over three axes from their squares, built once per space (array path)."""
        if self._k2_grid is None or self._k2_grid[0] is not k2_axes:
            kx2, ky2, kz2 = k2_axes
            self._k2_grid = (k2_axes, kx2[:, None, None] + ky2[None, :, None] + kz2[None, None, :])
        return self._k2_grid[1]


_UNFUSABLE = object()
_SQUARE = parse_expression("u * u", ["u"])
_QUARTIC = parse_expression("(u * u) * (u * u)", ["u"])


def _component(stacks: Mapping[str, Any], index: int, dtype: Any = None) -> dict[str, Any]:
    """One component of each stack (in ``dtype`` if given)."""
    if dtype is None:
        return {name: stack[index] for name, stack in stacks.items()}
    return {name: stack[index].astype(dtype) for name, stack in stacks.items()}


def _is_array(value: Any) -> bool:
    return hasattr(value, "shape") and getattr(value, "ndim", 0) > 0


def _split(operands: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names of the array operands and of the scalar ones, each sorted (a kernel's signature)."""
    arrays = tuple(sorted(name for name, value in operands.items() if _is_array(value)))
    scalars = tuple(sorted(name for name in operands if name not in arrays))
    return arrays, scalars


def _values(operands: Mapping[str, Any], arrays: tuple[str, ...], scalars: tuple[str, ...]) -> list:
    return [operands[name] for name in arrays] + [float(operands[name]) for name in scalars]


def _sums_key(sums: Mapping[str, Expression]) -> str:
    return ";".join(f"{name}={term.source}" for name, term in sums.items())


def _cupy_usable() -> tuple[bool, str]:
    try:
        import cupy
    except ImportError:
        return False, "CuPy is not installed (pip install 'phasefield[gpu]')"
    except Exception as err:  # a broken CUDA install raises all sorts
        return False, f"CuPy does not import: {err}"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return False, "no CUDA device is visible"
        (cupy.arange(4) * 2).sum().item()
    except Exception as err:
        return False, f"no usable CUDA device: {err}"
    return True, ""


@functools.cache
def _cupy_status() -> tuple[bool, str]:
    return _cupy_usable()


def gpu_count() -> int:
    """CUDA devices CuPy can use here (0 without CuPy, a driver or a device)."""
    if not _cupy_status()[0]:
        return 0
    import cupy

    return int(cupy.cuda.runtime.getDeviceCount())


def available_backends() -> list[str]:
    """The backends usable on this machine (``numpy`` always)."""
    return ["numpy", "cupy"] if _cupy_status()[0] else ["numpy"]


def default_precision(name: str = "auto") -> str:
    """The precision ``auto`` stands for on backend ``name``: float32 where it resolves to
    CuPy (GPU FFTs and kernels are bandwidth-bound, and float32 halves the bytes), float64 on
    the CPU."""
    if name == "cupy" or (name == "auto" and _cupy_status()[0]):
        return "float32"
    return "float64"


def get_backend(name: str = "auto", fft: FFTEngine | None = None) -> Backend:
    """The backend called ``name``: ``auto`` takes CuPy when a CUDA device answers, else NumPy.

    Raises
    ------
    BackendError
        When ``cupy`` is asked for and cannot be used, with the reason.
    """
    if name == "auto":
        name = "cupy" if _cupy_status()[0] else "numpy"
    if name == "cupy":
        usable, reason = _cupy_status()
        if not usable:
            raise BackendError(f"the cupy backend is not usable here: {reason}")
        return Backend("cupy", fft)
    if name == "numpy":
        return Backend("numpy", fft)
    raise BackendError(f"unknown backend '{name}': use auto, numpy or cupy")
