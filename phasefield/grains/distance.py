"""Exact Euclidean distance transform on the CPU, compiled with Numba.

The squared distance to the nearest background cell is separable,

.. math:: d^2(x, y, z) = \\min_{x'} \\Big[ (x - x')^2 + \\min_{y'} \\big[ (y - y')^2
          + \\min_{z'} \\big( (z - z')^2 + f(x', y', z') \\big) \\big] \\Big],

with :math:`f = 0` on background cells and :math:`\\infty` elsewhere, so it is found by one
pass per axis. Each pass takes, along every line, the lower envelope of the parabolas
:math:`(q - p)^2 + g(p)` in linear time (Felzenszwalb & Huttenlocher, "Distance transforms of
sampled functions", Theory of Computing 8, 415–428 (2012), DOI 10.4086/toc.2012.v008a019); the
first pass, on binary input, is two sweeps.

Why not a library: the remap of :mod:`phasefield.grains.remap` takes two transforms of a box
around every grain it moves, and on remap-sized boxes this transform is several times faster
than the ``edt`` package and ``scipy.ndimage.distance_transform_edt`` (benchmarks/RESULTS.md,
"Remap and tracking share below 10 %"); the results agree with scipy's to the last bit.
Where the backend runs no compiled kernels (CuPy), :func:`distance_to_background` takes
``cupyx.scipy.ndimage``'s transform.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from ..backend import Backend
from ..backend.compile import function_variants

__all__ = ["compiled_distance", "distance_to_background"]


@numba.njit(cache=True, nogil=True)
def _binary_line(mask: np.ndarray, out: np.ndarray, i: int, j: int) -> None:
    """Squared distances along the last axis of line ``(i, j)`` to its nearest false cell
    (infinite where the line has none): a forward and a backward sweep."""
    n = mask.shape[2]
    last = -1
    for k in range(n):
        if not mask[i, j, k]:
            last = k
            out[i, j, k] = 0.0
        else:
            out[i, j, k] = np.inf if last < 0 else float(k - last)
    last = -1
    for k in range(n - 1, -1, -1):
        if not mask[i, j, k]:
            last = k
        elif last >= 0 and last - k < out[i, j, k]:
            out[i, j, k] = float(last - k)
    for k in range(n):
        out[i, j, k] *= out[i, j, k]


@numba.njit(cache=True, nogil=True)
def _envelope(f: np.ndarray, d: np.ndarray, v: np.ndarray, z: np.ndarray) -> None:
    """``d[q] = min_p (q - p)² + f[p]`` over one line (Felzenszwalb & Huttenlocher 2012,
    algorithm DT(f)): ``v`` holds the vertices of the lower envelope, ``z`` where each starts.
    Cells with infinite ``f`` are never vertices; a line without a vertex stays infinite."""
    n = f.size
    k = -1
    for q in range(n):
        fq = f[q]
        if fq == np.inf:
            continue
        s = -np.inf
        while k >= 0:
            p = v[k]
            s = ((fq + q * q) - (f[p] + p * p)) / (2.0 * (q - p))
            if s > z[k]:
                break
            k -= 1
        if k < 0:
            s = -np.inf
        k += 1
        v[k] = q
        z[k] = s
    if k < 0:
        d[:] = np.inf
        return
    j = 0
    for q in range(n):
        while j < k and z[j + 1] < q:
            j += 1
        p = v[j]
        d[q] = (q - p) * (q - p) + f[p]


@numba.njit(cache=True, nogil=True)
def _lines(out: np.ndarray, index: int, axis: int, root: bool) -> None:
    """The envelope pass along ``axis`` (0 or 1) for the slab ``out[:, index]`` or
    ``out[index]``, with the square root when it is the last pass."""
    n = out.shape[axis]
    f, d = np.empty(n), np.empty(n)
    v, z = np.empty(n, dtype=np.int64), np.empty(n)
    for k in range(out.shape[2]):
        for q in range(n):
            f[q] = out[q, index, k] if axis == 0 else out[index, q, k]
        _envelope(f, d, v, z)
        for q in range(n):
            value = np.sqrt(d[q]) if root else d[q]
            if axis == 0:
                out[q, index, k] = value
            else:
                out[index, q, k] = value


def _transform_body(mask: np.ndarray) -> np.ndarray:
    a, b, _ = mask.shape
    out = np.empty(mask.shape)
    for i in numba.prange(a):
        for j in range(b):
            _binary_line(mask, out, i, j)
    for i in numba.prange(a):  # the first axis needs no pass when it has one cell
        _lines(out, i, 1, a == 1)
    if a > 1:
        for j in numba.prange(b):
            _lines(out, j, 0, True)
    return out


_transform = function_variants(_transform_body)


def distance_to_background(mask: Any, backend: Backend) -> Any:
    """Euclidean distance (in cells, float64) from each true cell of ``mask`` to the nearest
    false one, not periodic; 0 on false cells: the compiled transform where the backend runs
    compiled kernels, else ``ndimage.distance_transform_edt`` of the backend (CuPy's)."""
    if not backend.compiled:
        return backend.ndimage.distance_transform_edt(mask)
    return compiled_distance(mask)


def compiled_distance(mask: np.ndarray) -> np.ndarray:
    """Euclidean distance (in cells, float64) from each true cell of a 1-, 2- or 3-D ``mask`` to
    the nearest false one, not periodic: 0 on false cells, infinite where there is none (as
    ``scipy.ndimage.distance_transform_edt`` on unit spacing, where there is one)."""
    shape3 = (1,) * (3 - mask.ndim) + mask.shape
    grid = np.ascontiguousarray(mask, dtype=bool).reshape(shape3)
    return _transform(grid).reshape(mask.shape)
