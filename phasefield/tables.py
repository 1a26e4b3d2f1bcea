"""Plain-text tables for the command line: columns right-aligned to their widest cell."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["aligned"]


def aligned(header: Sequence[str], cells: Sequence[Sequence[str]]) -> list[str]:
    """The header and each row of ``cells`` as lines, columns two spaces apart."""
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(header)]
    return [
        "  ".join(value.rjust(width) for value, width in zip(line, widths, strict=True))
        for line in [header, *cells]
    ]
