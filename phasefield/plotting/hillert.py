"""Hillert's steady-state grain-size distribution, the reference for normal grain growth.

Hillert (1965), "On the theory of normal and abnormal grain growth", Acta Metallurgica 13, 227,
doi:10.1016/0001-6160(65)90200-2.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["HILLERT_MEAN_RATIO", "hillert_distribution"]

#: ``<R> / R_cr`` of Hillert's distribution: 1 in 2-D, 8/9 in 3-D.
HILLERT_MEAN_RATIO = {2: 1.0, 3: 8.0 / 9.0}


def hillert_distribution(relative_size: ArrayLike, ndim: int) -> np.ndarray:
    """Probability density of ``rho = d / <d>`` (diameter over the mean diameter) in Hillert's
    steady state of normal grain growth.

    In the reduced size ``u = R / R_cr`` (radius over the critical radius, the size that
    neither grows nor shrinks), Hillert's distribution is

    .. math::

        P(u) = (2e)^\\beta \\, \\frac{\\beta u}{(2 - u)^{2 + \\beta}}
               \\exp\\left(-\\frac{2\\beta}{2 - u}\\right), \\qquad 0 \\le u < 2,

    with :math:`\\beta = 2` in 2-D and :math:`\\beta = 3` in 3-D; it integrates to 1 and its
    mean is :math:`\\langle u \\rangle = 1` (2-D) or :math:`8/9` (3-D). Diameters scale like
    radii, so :math:`\\rho = u / \\langle u \\rangle` and the density returned is

    .. math::

        p(\\rho) = \\langle u \\rangle \\, P(\\langle u \\rangle \\rho),

    which integrates to 1 and has mean 1; it is zero from :math:`\\rho = 2` (2-D) or
    :math:`9/4` (3-D) on.

    Parameters
    ----------
    relative_size : array_like
        Values of ``d / <d>`` (>= 0).
    ndim : {2, 3}
        Dimension of the grain structure.

    Returns
    -------
    numpy.ndarray
        The density at each value, shaped like ``relative_size``.

    References
    ----------
    M. Hillert, Acta Metall. 13, 227 (1965), doi:10.1016/0001-6160(65)90200-2.
    """
    if ndim not in HILLERT_MEAN_RATIO:
        raise ValueError(f"Hillert's distribution is for 2-D and 3-D grains, not {ndim}-D")
    beta = float(ndim)
    mean = HILLERT_MEAN_RATIO[ndim]
    u = mean * np.asarray(relative_size, dtype=np.float64)
    inside = (u > 0.0) & (u < 2.0)
    gap = np.where(inside, 2.0 - u, 1.0)
    log_density = (
        beta * math.log(2.0 * math.e)
        + math.log(beta)
        + np.log(np.where(inside, u, 1.0))
        - (2.0 + beta) * np.log(gap)
        - 2.0 * beta / gap
    )
    with np.errstate(under="ignore"):  # the density vanishes faster than any power at u -> 2
        density = np.exp(log_density)
    return np.where(inside, mean * density, 0.0)
