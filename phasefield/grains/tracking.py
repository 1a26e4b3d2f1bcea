"""Stable grain ids across saves, by overlap with the previous save."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import Backend
from . import kernels

__all__ = ["GrainTracker"]


def _best_overlaps(
    labels: Any, previous: Any, count: int, backend: Backend
) -> tuple[np.ndarray, np.ndarray]:
    """For each label ``1 .. count``, the previous id it overlaps most (the smallest on ties)
    and the overlap in cells; host arrays indexed by label (index 0 unused)."""
    xp = backend.xp
    if not backend.compiled:  # count every (label, id) pair
        base = int(previous.max()) + 1
        keys = labels.reshape(-1).astype(xp.int64) * base + previous.reshape(-1).astype(xp.int64)
        current, old, overlap = np.zeros((3, 0), dtype=np.int64)
    else:  # the bulk is tallied by a vote; count the rest
        majority, tally, keys, base = kernels.majority_tallies(labels, previous, count)
        current, old, overlap = np.arange(count + 1), majority, tally
    keys, counts = xp.unique(keys, return_counts=True)
    keys, counts = backend.to_host(keys), backend.to_host(counts)
    current = np.concatenate([current, keys // base])
    old = np.concatenate([old, keys % base])
    overlap = np.concatenate([overlap, counts])
    order = np.lexsort((old, -overlap, current))  # by label, largest overlap, lowest id
    current, old, overlap = current[order], old[order], overlap[order]
    best = np.flatnonzero(np.r_[True, current[1:] != current[:-1]])
    best_old = np.zeros(count + 1, dtype=np.int64)
    best_overlap = np.zeros(count + 1, dtype=np.int64)
    best_old[current[best]], best_overlap[current[best]] = old[best], overlap[best]
    best_old[0] = best_overlap[0] = 0
    return best_old, best_overlap


class GrainTracker:
    """Gives each grain an id that stays the same from save to save while the grain lives.

    A grain found now takes the id of the previous grain it overlaps most; if two grains claim
    the same id, the larger overlap keeps it (the lower label on equal overlaps) and the other
    gets a new one; grains that overlap nothing get new ids. Ids are never reused. The
    tracker's state is the previous id field (kept in the store) and the next free id (kept in
    the checkpoint).
    """

    def __init__(self, next_id: int = 1, previous: Any = None) -> None:
        self.next_id = next_id
        self.previous = previous

    def assign(self, labels: Any, count: int, backend: Backend) -> Any:
        """Persistent ids (grid-shaped, int64) for labels ``1 .. count`` of this save."""
        xp = backend.xp
        mapping = np.zeros(count + 1, dtype=np.int64)
        if self.previous is not None and count > 0:
            best_old, best_overlap = _best_overlaps(
                labels, xp.asarray(self.previous), count, backend
            )
            claims = np.flatnonzero((best_overlap > 0) & (best_old > 0))
            claims = claims[np.argsort(-best_overlap[claims], kind="stable")]
            # each previous id goes to the first label claiming it (the largest overlap)
            _, first = np.unique(best_old[claims], return_index=True)
            winners = claims[first]
            mapping[winners] = best_old[winners]
        fresh = np.flatnonzero(mapping[1:] == 0) + 1
        mapping[fresh] = np.arange(self.next_id, self.next_id + fresh.size)
        self.next_id += int(fresh.size)
        ids = xp.asarray(mapping)[labels]
        self.previous = ids
        return ids
