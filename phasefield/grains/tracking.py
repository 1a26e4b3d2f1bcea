"""Stable grain ids across saves, by overlap with the previous save."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import Backend

__all__ = ["GrainTracker"]


class GrainTracker:
    """Gives each grain an id that stays the same from save to save while the grain lives.

    A grain found now takes the id of the previous grain it overlaps most; if two grains claim
    the same id, the larger overlap keeps it and the other gets a new one; grains that overlap
    nothing get new ids. Ids are never reused. The tracker's state is the previous id field
    (kept in the store) and the next free id (kept in the checkpoint).
    """

    def __init__(self, next_id: int = 1, previous: Any = None) -> None:
        self.next_id = next_id
        self.previous = previous

    def assign(self, labels: Any, count: int, backend: Backend) -> Any:
        """Persistent ids (grid-shaped, int64) for labels ``1 .. count`` of this save."""
        xp = backend.xp
        mapping = np.zeros(count + 1, dtype=np.int64)
        if self.previous is None or count == 0:
            mapping[1:] = np.arange(self.next_id, self.next_id + count)
            self.next_id += count
        else:
            previous = xp.asarray(self.previous)
            base = int(previous.max()) + 1
            keys, overlap = xp.unique(
                labels.reshape(-1).astype(xp.int64) * base + previous.reshape(-1).astype(xp.int64),
                return_counts=True,
            )
            keys, overlap = backend.to_host(keys), backend.to_host(overlap)
            current, old = keys // base, keys % base
            # largest overlaps first: each current label takes its best free old id
            order = np.lexsort((-overlap, current))
            best_old = np.zeros(count + 1, dtype=np.int64)
            best_overlap = np.zeros(count + 1, dtype=np.int64)
            seen = np.zeros(count + 1, dtype=bool)
            for index in order:
                label = current[index]
                if label == 0 or seen[label]:
                    continue
                seen[label] = True
                best_old[label], best_overlap[label] = old[index], overlap[index]
            claimed: set[int] = set()
            for label in np.argsort(-best_overlap, kind="stable"):
                if label == 0 or best_overlap[label] == 0:
                    continue
                if best_old[label] > 0 and best_old[label] not in claimed:
                    mapping[label] = best_old[label]
                    claimed.add(int(best_old[label]))
            fresh = np.nonzero(mapping[1:] == 0)[0] + 1
            mapping[fresh] = np.arange(self.next_id, self.next_id + fresh.size)
            self.next_id += int(fresh.size)
        ids = xp.asarray(mapping)[labels]
        self.previous = ids
        return ids
