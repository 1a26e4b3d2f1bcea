"""Compiled CPU kernels for grains: labelling, label pairs, overlaps, moments, colouring.

Plain Numba loops over a label grid (a 1-D or 2-D grid as a 3-D view, :func:`_view3`). The
grain tools of :mod:`phasefield.grains` call them where the backend runs compiled kernels
(:attr:`~phasefield.backend.Backend.compiled`); elsewhere (CuPy) they use array-library
equivalents.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence

import numba
import numpy as np

from ..backend import compile as _compile  # noqa: F401  (its import sets the OpenMP wait policy)

__all__ = [
    "circular_sums",
    "close_pairs",
    "dsatur",
    "face_pairs",
    "label_equal_regions",
    "largest_component",
    "majority_tallies",
    "near_pairs",
]


def _view_axes(ndim: int) -> list[int]:
    """The axes of a 3-D view (:func:`_view3`) that a grid of ``ndim`` axes occupies: the
    first, then the last ones (``[0]``, ``[0, 2]``, ``[0, 1, 2]``); the others are unit axes.
    The innermost loop of the kernels then runs along a long axis (a unit innermost axis makes
    a 2-D pass several times slower), and the first, along which loops run in parallel, stays."""
    return [0, *range(4 - ndim, 3)]


def _shape3(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A grid's shape in its 3-D view (``(nx, 1, ny)`` in 2-D)."""
    return tuple(_vector3(shape, fill=1))


def _vector3(vector: Sequence[int], fill: int = 0) -> list[int]:
    """A grid offset in the 3-D view (``fill`` on the unit axes)."""
    view = [fill] * 3
    for axis, value in zip(_view_axes(len(vector)), vector, strict=True):
        view[axis] = value
    return view


def _view3(array: np.ndarray) -> np.ndarray:
    """A contiguous grid as its 3-D view (see :func:`_view_axes`)."""
    return np.ascontiguousarray(array).reshape(_shape3(array.shape))


@numba.njit(cache=True, nogil=True)
def _root(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        following = parent[i]
        parent[i] = root
        i = following
    return root


@numba.njit(cache=True, nogil=True, inline="always")
def _union(parent: np.ndarray, a: int, b: int) -> None:
    a = _root(parent, a)
    b = _root(parent, b)
    if a < b:
        parent[b] = a
    elif b < a:
        parent[a] = b


@numba.njit(parallel=True, cache=True, nogil=True)
def _label_equal(values: np.ndarray) -> tuple:
    """Union-find labelling of equal-valued, face-connected, periodic regions of a 3-D array
    (unit axes for lower dimensions). Slabs along the first axis are joined in parallel, then
    their faces (and the periodic wrap) serially."""
    nx, ny, nz = values.shape
    size = nx * ny * nz
    flat = values.reshape(-1)
    parent = np.arange(size)
    slabs = min(nx, 64)
    for slab in numba.prange(slabs):
        low = slab * nx // slabs
        high = (slab + 1) * nx // slabs
        for x in range(low, high):
            for y in range(ny):
                for z in range(nz):
                    i = (x * ny + y) * nz + z
                    value = flat[i]
                    if x + 1 < high and flat[i + ny * nz] == value:
                        _union(parent, i, i + ny * nz)
                    j = (x * ny + (y + 1 if y + 1 < ny else 0)) * nz + z
                    if ny > 1 and flat[j] == value:
                        _union(parent, i, j)
                    j = (x * ny + y) * nz + (z + 1 if z + 1 < nz else 0)
                    if nz > 1 and flat[j] == value:
                        _union(parent, i, j)
    if nx > 1:  # the faces between slabs, and the periodic face
        for slab in range(slabs):
            x = (slab + 1) * nx // slabs - 1
            following = x + 1 if x + 1 < nx else 0
            for y in range(ny):
                for z in range(nz):
                    i = (x * ny + y) * nz + z
                    j = (following * ny + y) * nz + z
                    if flat[i] == flat[j]:
                        _union(parent, i, j)
    labels = np.zeros(size, dtype=np.int32)
    count = 0
    for i in range(size):
        root = _root(parent, i)
        if root == i:
            count += 1
            labels[i] = count
        else:
            labels[i] = labels[root]  # roots come first: a root is the smallest index of its set
    return labels, count


def label_equal_regions(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Face-connected regions of equal value on a periodic grid: int32 labels ``1 .. count``."""
    labels, count = _label_equal(_view3(values))
    return labels.reshape(values.shape), int(count)


@numba.njit(parallel=True, cache=True, nogil=True)
def _close_hits(
    labels: np.ndarray, group_of: np.ndarray, directions: np.ndarray, reach: int, base: int
) -> np.ndarray:
    """For each cell of a 3-D label array padded by ``reach`` (periodic copies; lower
    dimensions come with unit axes), a key ``low * base + high`` of a label pair: the cell's
    own grain and a namesake (same group, ``group_of[label]``, other label) within ``reach``
    cells along some direction, scanning only from grain edges; 0 where there is none."""
    nx, ny, nz = labels.shape
    px, py, pz = (reach if nx > 1 else 0), (reach if ny > 1 else 0), (reach if nz > 1 else 0)
    count = directions.shape[0]
    hits = np.zeros((nx - 2 * px, ny - 2 * py, nz - 2 * pz), dtype=np.int64)
    for x in numba.prange(px, nx - px):
        for y in range(py, ny - py):
            for z in range(pz, nz - pz):
                label = labels[x, y, z]
                group = group_of[label]
                for d in range(count):
                    dx, dy, dz = directions[d, 0], directions[d, 1], directions[d, 2]
                    if labels[x + dx, y + dy, z + dz] == label:
                        continue  # start only at the grain's edge along this direction
                    for step in range(1, reach + 1):
                        other = labels[x + step * dx, y + step * dy, z + step * dz]
                        if other != label and group_of[other] == group:
                            low, high = min(label, other), max(label, other)
                            hits[x - px, y - py, z - pz] = low * base + high
                            break
    return hits


def _padded_3d(array: np.ndarray, reach: int) -> np.ndarray:
    shape3 = _shape3(array.shape)
    padding = [(reach, reach) if n > 1 else (0, 0) for n in shape3]
    return np.pad(array.reshape(shape3), padding, mode="wrap")


def _directions(ndim: int) -> np.ndarray:
    steps = [
        s for s in itertools.product((-1, 0, 1), repeat=ndim) if any(s) and s > tuple(-v for v in s)
    ]
    return np.array([_vector3(s) for s in steps], dtype=np.int64)


def close_pairs(labels: np.ndarray, group_of: np.ndarray, reach: int) -> np.ndarray:
    """Pairs ``(low, high)`` of distinct labels in the same group (``group_of[label]``, the
    order parameter; label 0, no grain, in none) at most ``reach`` cells apart along an axis
    or a diagonal (periodic). Host array ``(2, n)``."""
    base = int(labels.max()) + 1
    groups = np.asarray(group_of, dtype=np.int64).copy()
    groups[0] = -1
    hits = _close_hits(_padded_3d(labels, reach), groups, _directions(labels.ndim), reach, base)
    keys = np.unique(hits[hits > 0])
    return np.stack([keys // base, keys % base])


@numba.njit(parallel=True, cache=True, nogil=True)
def _largest_component(stack: np.ndarray) -> np.ndarray:
    components = stack.shape[0]
    size = stack.size // components
    rows = stack.reshape(components, size)
    largest = np.zeros(size, dtype=np.int32)
    for i in numba.prange(size):
        best = rows[0, i]
        index = 0
        for c in range(1, components):
            value = rows[c, i]
            if value > best:
                best = value
                index = c
        largest[i] = index
    return largest


def largest_component(stack: np.ndarray) -> np.ndarray:
    """Index of the largest component at each point of a ``(components, *grid)`` stack (int32;
    the first on ties, as ``numpy.argmax``)."""
    return _largest_component(stack).reshape(stack.shape[1:])


@numba.njit(cache=True, nogil=True)
def _near_keys(labels: np.ndarray, offsets: np.ndarray, reach: int, base: int) -> np.ndarray:
    nx, ny, nz = labels.shape
    px, py, pz = (reach if nx > 1 else 0), (reach if ny > 1 else 0), (reach if nz > 1 else 0)
    sx, sy, sz = min(px, 1), min(py, 1), min(pz, 1)
    keys = set()  # a set, not a list: a list of every hit outgrows memory on large grids
    keys.add(np.int64(-1))  # (types the set; removed below)
    for x in range(px, nx - px):
        for y in range(py, ny - py):
            for z in range(pz, nz - pz):
                label = labels[x, y, z]
                # an edge: a neighbour across a face, edge or corner differs (each pair at an
                # offset is then also found from the edge cell last on the line towards it)
                edge = False
                for dx in range(-sx, sx + 1):
                    for dy in range(-sy, sy + 1):
                        for dz in range(-sz, sz + 1):
                            if labels[x + dx, y + dy, z + dz] != label:
                                edge = True
                if not edge:
                    continue
                last = -1
                for o in range(offsets.shape[0]):
                    other = labels[x + offsets[o, 0], y + offsets[o, 1], z + offsets[o, 2]]
                    if other != label and other != last:
                        last = other
                        keys.add(np.int64(min(label, other)) * base + max(label, other))
    keys.discard(np.int64(-1))
    found = np.empty(len(keys), dtype=np.int64)
    for index, key in enumerate(keys):
        found[index] = key
    return np.sort(found)


def near_pairs(
    labels: np.ndarray, reach: int, offsets: Sequence[tuple[int, ...]] | None = None
) -> np.ndarray:
    """Every pair ``(low, high)`` of distinct labels with cells at most ``reach`` apart
    (Chebyshev, periodic), from the labels' edge cells; with ``offsets`` (one of each opposite
    pair, each within ``reach``), only pairs at those offsets. Host array ``(2, n)``."""
    ndim = labels.ndim
    if offsets is None:
        span = range(-reach, reach + 1)
        offsets = [
            o for o in itertools.product(span, repeat=ndim) if any(o) and o > tuple(-v for v in o)
        ]
    offsets3 = np.array([_vector3(o) for o in offsets], dtype=np.int64)
    base = int(labels.max()) + 1
    keys = _near_keys(_padded_3d(labels, reach), offsets3, reach, base)
    return np.stack([keys // base, keys % base])


#: Slots of the cache of recent keys in :func:`_face_keys` (a power of two; 512 kB).
_RECENT = 1 << 16


@numba.njit(cache=True, nogil=True)
def _new_key(label: int, other: int, base: int, recent: np.ndarray) -> np.int64:
    """The key ``low * base + high`` of two different labels; -1 for equal labels or a key in
    the cache of recent keys (by its low bits: most keys repeat along a boundary)."""
    if other == label:
        return np.int64(-1)
    key = np.int64(min(label, other)) * base + max(label, other)
    slot = key & (_RECENT - 1)
    if recent[slot] == key:
        return np.int64(-1)
    recent[slot] = key
    return key


@numba.njit(cache=True, nogil=True)
def _face_keys(labels: np.ndarray, base: int, wanted: np.ndarray, every: bool) -> np.ndarray:
    nx, ny, nz = labels.shape
    keys = []
    recent = np.full(_RECENT, -1, dtype=np.int64)
    for x in range(nx):
        fx, bx = (x + 1 if x + 1 < nx else 0), (x if x > 0 else nx) - 1
        for y in range(ny):
            fy, by = (y + 1 if y + 1 < ny else 0), (y if y > 0 else ny) - 1
            for z in range(nz):
                label = labels[x, y, z]
                if not every and not wanted[label]:
                    continue
                fz, bz = (z + 1 if z + 1 < nz else 0), (z if z > 0 else nz) - 1
                # forward faces; a wanted label's cells also look back, so they find every pair
                for side in range(1 if every else 2):
                    ax, ay, az = (fx, fy, fz) if side == 0 else (bx, by, bz)
                    for key in (
                        _new_key(label, labels[ax, y, z], base, recent),
                        _new_key(label, labels[x, ay, z], base, recent),
                        _new_key(label, labels[x, y, az], base, recent),
                    ):
                        if key >= 0:
                            keys.append(key)
    return np.unique(np.array(keys, dtype=np.int64))


def face_pairs(labels: np.ndarray, wanted: np.ndarray | None = None) -> np.ndarray:
    """Pairs ``(low, high)`` of labels that share a cell face (periodic), only those touching a
    ``wanted`` label (a boolean array indexed by label) if given. Host ``(2, n)``."""
    base = int(labels.max()) + 1
    view = _view3(labels)
    every = wanted is None
    wanted = np.ones(1, dtype=np.bool_) if wanted is None else wanted
    keys = _face_keys(view, base, wanted, every)
    return np.stack([keys // base, keys % base])


@numba.njit(cache=True, nogil=True)
def _dsatur(
    starts: np.ndarray,
    neighbours: np.ndarray,
    colours: int,
    preferred: np.ndarray,
    spread: bool,
) -> np.ndarray:
    count = starts.size - 1
    colour = np.full(count, -1, dtype=np.int64)
    used = np.zeros(colours, dtype=np.int64)
    seen = np.zeros((count, colours), dtype=np.bool_)
    saturation = np.zeros(count, dtype=np.int64)
    done = np.zeros(count, dtype=np.bool_)
    heap = [(np.int64(0), -(starts[g + 1] - starts[g]), np.int64(g)) for g in range(count)]
    heapq.heapify(heap)
    while len(heap) > 0:
        negative, _, grain = heapq.heappop(heap)
        if done[grain] or -negative != saturation[grain]:
            continue  # a stale entry
        done[grain] = True
        wish = preferred[grain]
        free = -1
        if 0 <= wish < colours and not seen[grain, wish]:
            free = wish
        else:
            for c in range(colours):
                if not seen[grain, c]:
                    if not spread:
                        free = c
                        break
                    if free < 0 or used[c] < used[free]:
                        free = c
        colour[grain] = free
        if free < 0:
            continue
        used[free] += 1
        for k in range(starts[grain], starts[grain + 1]):
            other = neighbours[k]
            if not done[other] and not seen[other, free]:
                seen[other, free] = True
                saturation[other] += 1
                degree = starts[other + 1] - starts[other]
                heapq.heappush(heap, (-saturation[other], -degree, other))
    return colour


def dsatur(
    count: int,
    pairs: np.ndarray,
    colours: int,
    preferred: np.ndarray | None = None,
    spread: bool = True,
) -> np.ndarray:
    """DSatur colouring (Brélaz 1979) of ``count`` vertices joined by ``pairs`` ``(2, n)``:
    always colour the vertex whose neighbours already use the most colours (then the one of
    most neighbours, then the lowest index), with its ``preferred`` colour if free, else the
    free colour used least so far (``spread``: grains spread evenly over the order parameters
    keep namesakes far apart) or the lowest free one (packs tightest); -1 where none of
    ``colours`` is free. Compiled: 10^5 grains with 1.6 million pairs take well under a
    second (interpreted, 8-10 s)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(2, -1)
    ends = np.concatenate([pairs[0], pairs[1]])
    others = np.concatenate([pairs[1], pairs[0]])
    order = np.argsort(ends, kind="stable")
    starts = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=count), out=starts[1:])
    wishes = np.full(count, -1, dtype=np.int64) if preferred is None else preferred
    return _dsatur(starts, others[order], colours, np.asarray(wishes, dtype=np.int64), spread)


@numba.njit(cache=True, nogil=True)
def _majority_tallies(labels: np.ndarray, previous: np.ndarray, count: int) -> tuple:
    size = labels.size
    majority = np.zeros(count + 1, dtype=np.int64)
    votes = np.zeros(count + 1, dtype=np.int64)
    base = 1
    for i in range(size):  # Boyer-Moore vote: the id held by most of a label's cells, if any
        label, old = labels[i], previous[i]
        base = max(base, old + 1)
        if votes[label] == 0:
            majority[label] = old
            votes[label] = 1
        elif old == majority[label]:
            votes[label] += 1
        else:
            votes[label] -= 1
    tally = np.zeros(count + 1, dtype=np.int64)
    others = np.empty(size, dtype=np.int64)
    found = 0
    for i in range(size):
        label, old = labels[i], previous[i]
        if old == majority[label]:
            tally[label] += 1
        else:
            others[found] = np.int64(label) * base + old
            found += 1
    return majority, tally, others[:found].copy(), base


def majority_tallies(labels: np.ndarray, previous: np.ndarray, count: int) -> tuple:
    """Overlaps of labels ``1 .. count`` with the ids of ``previous`` (ids >= 0, same shape),
    in two passes: a Boyer-Moore vote finds the id most of each label's cells hold (between
    saves, nearly all of them hold one), whose cells are tallied, and the rest are returned as
    keys ``label * base + id``. Returns ``(majority, tally, keys, base)``, ``majority`` and
    ``tally`` indexed by label."""
    return _majority_tallies(
        np.ascontiguousarray(labels).reshape(-1),
        np.ascontiguousarray(previous).reshape(-1),
        int(count),
    )


@numba.njit(cache=True, nogil=True)
def _circular_sums(ids: np.ndarray, size: int, cosines: np.ndarray, sines: np.ndarray) -> tuple:
    nx, ny, nz = ids.shape
    counts = np.zeros(size, dtype=np.int64)
    cosine_sums = np.zeros((3, size))
    sine_sums = np.zeros((3, size))
    for x in range(nx):
        for y in range(ny):
            for z in range(nz):
                grain = ids[x, y, z]
                counts[grain] += 1
                cosine_sums[0, grain] += cosines[0, x]
                sine_sums[0, grain] += sines[0, x]
                cosine_sums[1, grain] += cosines[1, y]
                sine_sums[1, grain] += sines[1, y]
                cosine_sums[2, grain] += cosines[2, z]
                sine_sums[2, grain] += sines[2, z]
    return counts, cosine_sums, sine_sums


def circular_sums(ids: np.ndarray, angles: Sequence[np.ndarray]) -> tuple:
    """Per id (``0 .. max``) of a grid of ids: its cells, and along each axis the sums of
    ``cos`` and ``sin`` of its cells' ``angles`` (one array per axis, by index along it), in one
    pass. Returns ``(counts, cosine_sums, sine_sums)``, the sums of shape ``(ndim, ids)``."""
    view = _view3(ids)
    axes = _view_axes(ids.ndim)
    cosines, sines = np.ones((3, max(view.shape))), np.zeros((3, max(view.shape)))
    for axis, angle in zip(axes, angles, strict=True):
        cosines[axis, : angle.size], sines[axis, : angle.size] = np.cos(angle), np.sin(angle)
    counts, cosine_sums, sine_sums = _circular_sums(view, int(ids.max()) + 1, cosines, sines)
    return counts, cosine_sums[axes], sine_sums[axes]
