"""CuPy on an NVIDIA GPU: cuFFT plans, pointwise expressions fused into one kernel each
(``cupy.fuse``), saves copied to pinned host memory on their own stream."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import numpy as np

from ..expression import Expression
from ..runtime import threads
from .array_ import ArrayKernels
from .fft import RealFFT, checked_cufft
from .protocol import BackendError, FFTEngine

__all__ = ["CupyBackend"]

_UNFUSABLE = object()


class CupyBackend(ArrayKernels):
    """CuPy arrays, cuFFT transforms and the array path of the kernels."""

    name = "cupy"
    asynchronous = True

    def __init__(self, fft: FFTEngine | None = None) -> None:
        import cupy
        import cupyx.scipy.fft

        if fft not in (None, "cufft"):
            raise BackendError(f"the cupy backend uses cuFFT, not {fft}")
        self.xp = cupy
        self._fft_module: Any = cupyx.scipy.fft
        self.fft_engine = "cufft"
        self.kernels = "array"
        self.threads = threads()
        self._fused_kernels: dict[tuple, Any] = {}
        self._copy_stream: Any = None  # the stream saves are copied to the host on

    @property
    def device(self) -> str:
        props = self.xp.cuda.runtime.getDeviceProperties(self.xp.cuda.Device().id)
        return str(props["name"].decode())

    # ---- memory ------------------------------------------------------------------------------

    def empty(self, shape: tuple[int, ...], dtype: Any) -> Any:
        return self.xp.empty(shape, dtype=dtype)

    def free_memory(self) -> int | None:
        """Free device memory plus what CuPy's pool holds unused."""
        free, _ = self.xp.cuda.runtime.memGetInfo()
        pool = self.xp.get_default_memory_pool()
        return int(free) + int(pool.free_bytes())

    def asarray(self, host: Any, dtype: Any = None) -> Any:
        host = np.asarray(host)
        out = self.empty(host.shape, dtype or host.dtype)
        out.set(np.ascontiguousarray(host, dtype=out.dtype))
        return out

    def copy_into(self, out: Any, host: Any) -> Any:
        if isinstance(host, self.xp.ndarray):
            out[...] = host
        else:
            out.set(np.ascontiguousarray(host, dtype=out.dtype))
        return out

    def to_host(self, array: Any) -> np.ndarray:
        return self.xp.asnumpy(array)

    def to_host_async(self, array: Any) -> Callable[[], np.ndarray]:
        """A device snapshot is taken on the current stream (a device-to-device copy at memory
        speed), then copied to pinned host memory on a separate stream that waits for the
        snapshot only, so the steps that follow run while the copy crosses the bus."""
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

    def synchronize(self) -> None:
        self.xp.cuda.Stream.null.synchronize()

    @property
    def ndimage(self) -> ModuleType:
        import cupyx.scipy.ndimage

        return cupyx.scipy.ndimage

    # ---- transforms --------------------------------------------------------------------------

    def real_fft(
        self, real: Any, spectral: Any, ndim: int | None = None, threads: int | None = None
    ) -> RealFFT:
        ndim = real.ndim if ndim is None else ndim
        return checked_cufft(real, spectral, ndim, self._fft_module)

    # ---- kernels -----------------------------------------------------------------------------

    def evaluate(self, expression: Expression, out: Any, operands: Mapping[str, Any]) -> Any:
        out[...] = self._fused(expression, operands)
        return out

    def _fused(self, expression: Expression, operands: Mapping[str, Any]) -> Any:
        """The expression as one ``cupy.fuse`` kernel (one read of each operand, one write),
        compiled per expression; unfused array operations where CuPy cannot fuse it."""
        names = tuple(sorted(operands))
        key = (expression.source, names)
        kernel = self._fused_kernels.get(key)
        if kernel is None:

            def function(*values: Any) -> Any:
                return expression.evaluate(self.xp, dict(zip(names, values, strict=True)))

            kernel = self._fused_kernels[key] = self.xp.fuse(kernel_name="phasefield_pointwise")(
                function
            )
        values = [operands[name] for name in names]
        if kernel is not _UNFUSABLE:
            try:
                return kernel(*values)
            except Exception:  # a construct fusion does not trace: fall back, once per expression
                self._fused_kernels[key] = _UNFUSABLE
        return expression.evaluate(self.xp, operands)
