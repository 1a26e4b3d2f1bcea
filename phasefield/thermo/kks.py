"""The Kim–Kim–Suzuki partition of Mg between α and β at every point.

At a point of β fraction ``h`` and Mg mole fraction ``c``, the phase compositions satisfy
(Kim, Kim, Suzuki, Phys. Rev. E 60, 7186 (1999), doi:10.1103/PhysRevE.60.7186)

.. math:: c = (1-h)\\,c_\\alpha + h\\,c_\\beta, \\qquad
          G'_\\alpha(c_\\alpha) = G'_\\beta(c_\\beta) = \\mu .

With the β parabola, :math:`c_\\beta = x_\\beta + (\\mu - \\mu_{eq})/K`, which leaves one
monotone equation for :math:`c_\\alpha` (α is convex), solved by Newton's method kept inside a
shrinking bracket. The compiled CPU kernel stops per point at convergence; the array path (CuPy,
or NumPy for tests) runs a fixed number of iterations on whole arrays, in the logit of
:math:`c_\\alpha`, which converges as fast for compositions of 1e-9 as of 0.1.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from ..backend import Backend
from .gibbs import X_MIN, Phases

__all__ = ["partition"]

#: Convergence of the composition, absolute (mole fraction).
TOLERANCE = 1e-13
#: Iterations of the bracketed Newton method (each halves the bracket at worst).
ITERATIONS = 60


@numba.njit(cache=True, nogil=True, inline="always")
def _rk(x: float, g_al: float, g_mg: float, interactions: np.ndarray, rt: float) -> tuple:
    """``G'`` and ``G''`` of a Redlich–Kister solution at ``x``."""
    y = 1.0 - 2.0 * x
    value = 0.0
    first = 0.0
    second = 0.0
    for k in range(interactions.size - 1, -1, -1):
        second = second * y + 2.0 * first
        first = first * y + value
        value = value * y + interactions[k]
    g = x * (1.0 - x)
    potential = g_mg - g_al + rt * np.log(x / (1.0 - x)) + y * value - 2.0 * g * first
    curvature = rt / g - 2.0 * value - 4.0 * y * first + 4.0 * g * second
    return potential, curvature


@numba.njit(parallel=True, cache=True, nogil=True)
def _partition(
    c: np.ndarray,
    h: np.ndarray,
    out_alpha: np.ndarray,
    out_beta: np.ndarray,
    g_al: float,
    g_mg: float,
    interactions: np.ndarray,
    rt: float,
    x0: float,
    stiffness: float,
    slope: float,
    x_equilibrium: float,
) -> None:
    cs, hs = c.reshape(-1), h.reshape(-1)
    alphas, betas = out_alpha.reshape(-1), out_beta.reshape(-1)
    for i in numba.prange(cs.size):
        ci, hi_ = cs[i], hs[i]
        low, high = X_MIN, 1.0 - X_MIN
        x = (ci - hi_ * x0) / (1.0 - hi_) if hi_ < 0.9 else x_equilibrium
        x = min(max(x, 2 * X_MIN), 1.0 - 2 * X_MIN)
        for _ in range(60):
            potential, curvature = _rk(x, g_al, g_mg, interactions, rt)
            residual = (1.0 - hi_) * x + hi_ * (x0 + (potential - slope) / stiffness) - ci
            if abs(residual) < 1e-13:
                break
            if residual > 0:
                high = x
            else:
                low = x
            step = x - residual / ((1.0 - hi_) + hi_ * curvature / stiffness)
            if not (low < step < high):
                step = 0.5 * (low + high)
            x = step
        potential, _ = _rk(x, g_al, g_mg, interactions, rt)
        alphas[i] = x
        betas[i] = x0 + (potential - slope) / stiffness


def partition(
    phases: Phases,
    c: Any,
    h: Any,
    out_alpha: Any,
    out_beta: Any,
    x_equilibrium: float,
    backend: Backend,
) -> None:
    """Write the phase compositions ``c_α`` and ``c_β`` of every point into ``out_alpha`` and
    ``out_beta``.

    Parameters
    ----------
    phases : Phases
        The phases at the current temperature.
    c, h : arrays
        Mg mole fraction and β fraction (same shape).
    x_equilibrium : float
        α composition at the α–β equilibrium: the starting guess inside β.
    backend : Backend
        Where the arrays live: a compiled kernel that stops per point at convergence where it
        runs compiled kernels, else whole-array iterations of its ``xp``.
    """
    alpha, beta = phases.alpha, phases.beta
    xp = backend.xp
    if backend.compiled:
        _partition(
            c,
            h,
            out_alpha,
            out_beta,
            alpha.g_al,
            alpha.g_mg,
            np.asarray(alpha.interactions, dtype=np.float64),
            alpha.rt,
            beta.x0,
            beta.stiffness,
            beta.slope,
            x_equilibrium,
        )
        return
    x0, stiffness, slope = beta.x0, beta.stiffness, beta.slope
    # Newton in the logit y = ln(x/(1 - x)), which the entropy term makes nearly linear, kept
    # inside a shrinking bracket
    inside = h >= 0.9
    x = xp.where(inside, x_equilibrium, (c - h * x0) / xp.maximum(1.0 - h, 1e-12))
    x = xp.clip(x, 2 * X_MIN, 1 - 2 * X_MIN)
    y = xp.log(x / (1 - x))
    bound = float(np.log((1 - X_MIN) / X_MIN))
    low = xp.full_like(y, -bound)
    high = xp.full_like(y, bound)
    for _ in range(ITERATIONS):
        x = 1.0 / (1.0 + xp.exp(-y))
        residual = (1 - h) * x + h * beta.composition(alpha.potential(x, xp)) - c
        positive = residual > 0
        high = xp.where(positive, y, high)
        low = xp.where(positive, low, y)
        slope_g = ((1 - h) + h * alpha.curvature(x, xp) / stiffness) * x * (1 - x)
        step = y - residual / slope_g
        y = xp.where((step > low) & (step < high), step, 0.5 * (low + high))
    x = 1.0 / (1.0 + xp.exp(-y))
    out_alpha[...] = x
    out_beta[...] = x0 + (alpha.potential(x, xp) - slope) / stiffness
