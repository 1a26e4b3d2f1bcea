"""Matplotlib on the Agg backend, and scale bars with a round length in a readable unit: for the
figures of any layer (``phasefield plot``, a model's report figures)."""

from __future__ import annotations

import functools
import math
from typing import Any

__all__ = ["length_text", "pyplot", "readable_units", "round_length", "scale_bar"]


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend (no screen needed)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def round_length(width: float, fraction: float = 0.25) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``fraction * width``."""
    target = fraction * width
    power = 10.0 ** math.floor(math.log10(target))
    return max(m for m in (1.0, 2.0, 5.0) if m * power <= target * (1 + 1e-9)) * power


@functools.cache
def _units() -> Any:
    import pint

    return pint.get_application_registry()


def length_text(length: float, units: str) -> str:
    """``length`` in ``units`` (a string pint parses), written with a readable prefix (``20 nm``
    for ``2e-8`` m); a bare number where the units are dimensionless (``"1"``)."""
    if units in ("", "1"):
        return f"{length:.3g}"
    try:
        quantity = (length * _units()(units)).to_compact()
    except Exception:  # units pint does not know: as they are
        return f"{length:.3g} {units}"
    return f"{quantity.magnitude:.3g} {quantity.units:~P}"


def readable_units(largest: float, units: str) -> tuple[float, str]:
    """A factor and units to show values of up to ``largest`` (in ``units``) with a prefix
    that keeps them readable (``1e-8`` m as nm: ``(1e9, "nm")``); ``(1, units)`` where
    dimensionless, zero or not understood."""
    if units in ("", "1") or not largest > 0:
        return 1.0, units
    try:
        compact = (largest * _units()(units)).to_compact()
        factor = float(compact.magnitude) / largest
    except Exception:  # units pint does not know: as they are
        return 1.0, units
    return factor, f"{compact.units:~P}"


def scale_bar(axes: Any, width: float, height: float, units: str) -> Any:
    """A scale bar of a round length (at most a quarter of ``width``) in the lower right corner of
    ``axes``, whose data coordinates are lengths in ``units``."""
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    length = round_length(width)
    bar = AnchoredSizeBar(
        axes.transData,
        length,
        length_text(length, units),
        "lower right",
        pad=0.3,
        borderpad=0.4,
        sep=3,
        frameon=True,
        size_vertical=0.015 * height,
        color="black",
        fontproperties={"size": 8},
    )
    bar.patch.set_alpha(0.75)
    bar.patch.set_edgecolor("none")
    axes.add_artist(bar)
    return bar
