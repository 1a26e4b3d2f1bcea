"""Real-to-complex transforms: planned pyFFTW on the CPU, cuFFT on a GPU, the libraries'
``rfftn`` as a reference.

Conventions: :meth:`RealFFT.forward` is the unnormalised r2c transform and
:meth:`RealFFT.inverse` the unnormalised c2r transform, so ``inverse(forward(u)) = N u`` with
``N`` the number of grid points. The inverse may overwrite its input (FFTW does for
multi-dimensional c2r transforms).

On the CPU, transforms are planned ``pyfftw.FFTW`` objects, built once per buffer pair with
``threads`` = the cores this process may use and ``FFTW_MEASURE`` (``PHASEFIELD_FFTW_PLANNER``
overrides); wisdom is kept on disk in the user cache folder so a second run does not plan again.
On a GPU, transforms are cuFFT plans made once per buffer pair, checked against
``cupyx.scipy.fft`` (whose plan cache serves as the fallback).
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import numpy as np

from ..runtime import SettingError, cache_folder

__all__ = [
    "RealFFT",
    "checked_cufft",
    "export_wisdom",
    "import_wisdom",
    "library_fft",
    "pyfftw_fft",
]


class RealFFT:
    """Unnormalised r2c/c2r transforms over the last ``ndim`` axes of one buffer pair's shape
    and dtype: a stack of fields along a leading axis is transformed in one batched call."""

    def forward(self, real: Any, spectral: Any) -> None:
        """``spectral <- r2c(real)``, unnormalised."""
        raise NotImplementedError

    def inverse(self, spectral: Any, real: Any) -> None:
        """``real <- c2r(spectral)``, unnormalised; ``spectral`` may be overwritten."""
        raise NotImplementedError


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
# engines


#: The planner flags ``PHASEFIELD_FFTW_PLANNER`` may name.
PLANNERS = ("FFTW_ESTIMATE", "FFTW_MEASURE", "FFTW_PATIENT", "FFTW_EXHAUSTIVE", "FFTW_WISDOM_ONLY")


def _planner() -> str:
    planner = os.environ.get("PHASEFIELD_FFTW_PLANNER", "FFTW_MEASURE")
    if planner not in PLANNERS:
        raise SettingError(
            f"PHASEFIELD_FFTW_PLANNER: must be one of {', '.join(PLANNERS)} (got {planner!r})"
        )
    return planner


class _FFTWRealFFT(RealFFT):
    """Planned pyFFTW transforms over the last ``ndim`` axes (batched for a stack)."""

    def __init__(self, real: np.ndarray, spectral: np.ndarray, ndim: int, nthreads: int) -> None:
        import pyfftw

        planner = _planner()
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


def pyfftw_fft(real: np.ndarray, spectral: np.ndarray, ndim: int, nthreads: int) -> RealFFT:
    """Planned pyFFTW transforms for buffers shaped like these (measured on them: pass them
    before filling them); the wisdom gained is saved to the cache folder."""
    plan = _FFTWRealFFT(real, spectral, ndim, nthreads)
    _WISDOM.save()
    return plan


class _LibraryRealFFT(RealFFT):
    """``numpy.fft`` or ``cupyx.scipy.fft``: a reference, and the GPU fallback (plan cache)."""

    def __init__(self, fft_module: Any, shape: tuple[int, ...], ndim: int) -> None:
        self._fft = fft_module
        self._shape = shape[len(shape) - ndim :]
        self._axes = tuple(range(len(shape) - ndim, len(shape)))

    def forward(self, real: Any, spectral: Any) -> None:
        spectral[...] = self._fft.rfftn(real, axes=self._axes)

    def inverse(self, spectral: Any, real: Any) -> None:
        real[...] = self._fft.irfftn(spectral, s=self._shape, axes=self._axes, norm="forward")


def library_fft(fft_module: Any, shape: tuple[int, ...], ndim: int) -> RealFFT:
    """Transforms through a library's ``rfftn``/``irfftn`` (``numpy.fft``, ``cupyx.scipy.fft``)."""
    return _LibraryRealFFT(fft_module, shape, ndim)


class _CuFFTRealFFT(RealFFT):
    """cuFFT plans made once for a buffer pair's shape, executed straight into the given output
    (``PlanNd.fft(input, output, direction)``): no temporaries and no copy per transform, one
    batched plan for a whole stack."""

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


def checked_cufft(real: Any, spectral: Any, ndim: int, fft_module: Any) -> RealFFT:
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
