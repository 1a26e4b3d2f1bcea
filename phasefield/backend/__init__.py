"""The one door to the array library: NumPy + pyFFTW (+ Numba) on the CPU, CuPy + cuFFT on a GPU.

No other module imports ``cupy``, ``cupyx`` or ``pyfftw``. :func:`get_backend` gives the
:class:`Backend` (:mod:`~phasefield.backend.protocol`) of one array library:
:class:`~phasefield.backend.numpy_.NumpyBackend` or
:class:`~phasefield.backend.cupy_.CupyBackend`, loaded lazily by name (CuPy is imported only when
asked for). Transforms and wisdom are in :mod:`~phasefield.backend.fft`, the Numba code
generation in :mod:`~phasefield.backend.compile`.
"""

from __future__ import annotations

import functools

from ..distribution import GPU_INSTALL
from .fft import RealFFT, export_wisdom, import_wisdom
from .protocol import Backend, BackendError, FFTEngine, KernelKind

__all__ = [
    "Backend",
    "BackendError",
    "RealFFT",
    "available_backends",
    "default_precision",
    "export_wisdom",
    "get_backend",
    "gpu_count",
    "import_wisdom",
]


def _cupy_usable() -> tuple[bool, str]:
    try:
        import cupy
    except ImportError:
        return False, f"CuPy is not installed ({GPU_INSTALL})"
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


def get_backend(
    name: str = "auto", fft: FFTEngine | None = None, kernels: KernelKind | None = None
) -> Backend:
    """The backend called ``name``: ``auto`` takes CuPy when a CUDA device answers, else NumPy.

    Parameters
    ----------
    name : {"auto", "numpy", "cupy"}
    fft : {"pyfftw", "numpy", "cufft"}, optional
        The FFT engine; by default pyFFTW on NumPy and cuFFT on CuPy. ``"numpy"`` selects
        ``numpy.fft``, a slower reference used to check pyFFTW.
    kernels : {"numba", "array"}, optional
        How pointwise expressions run on NumPy: compiled loops (default) or the array path
        (what CuPy runs, for tests on a CPU).

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
        if kernels == "numba":
            raise BackendError("numba kernels run on the CPU only")
        from .cupy_ import CupyBackend

        return CupyBackend(fft)
    if name == "numpy":
        from .numpy_ import NumpyBackend

        return NumpyBackend(fft, kernels)
    raise BackendError(f"unknown backend '{name}': use auto, numpy or cupy")
