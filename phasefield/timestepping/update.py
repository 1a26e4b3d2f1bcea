"""The spectral update of a multistep IMEX step, described once and generated twice: as a
compiled loop over the spectrum (CPU, Numba) and as array operations (CuPy, or NumPy in tests).

With the coefficients of :mod:`~phasefield.timestepping.schemes` (``a``, ``α_h``, ``γ_h``),
``E = S û + s K N̂`` and ``N̂`` given times ``1/s`` (``s`` the transform's normalisation
``1/N``, folded in here), the update of one Fourier coefficient is

.. math:: \\hat u^{n+1} = \\frac{\\sum_{h \\ge 0}\\alpha_h\\,\\hat u^{n-h}
          + \\Delta t\\sum_{h \\ge 0}\\gamma_h E^{n-h}}{a + \\Delta t\\,L},

with ``L``, ``S`` and ``K`` polynomials in ``|k|²``. The factors that depend on the wavevector
only (:attr:`SpectralUpdate.factors`) are computed once per wavevector, and the update of its
coefficient (:attr:`SpectralUpdate.terms`, real arithmetic on the real and imaginary parts) is
written to the state and to the work buffer, which the inverse transform then consumes; the
history ``û^{n-h}``, ``E^{n-h}`` moves one step back. A one-step scheme needs no ``E^n``:
its update folds into two factors per wavevector, ``û^{n+1} = keep · û^n + gain · N̂`` with
``keep = (α_0 + Δt γ_0 S)/(a + Δt L)`` and ``gain = Δt γ_0 s K/(a + Δt L)``, the same formula
in fewer operations per coefficient. With ``weights`` the update also returns
``Σ w |û_scheme − û_Euler|²``: by Parseval the summed mean square of the difference, in real
space, between the step and an IMEX-Euler step from the same state, an estimate of the
first-order local error (for step-size control).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..backend import Backend
from ..expression import Expression, parse_expression
from ..spectral import AxisSquares
from .schemes import Coefficients

__all__ = ["MAX_POLYNOMIAL_TERMS", "SpectralUpdate", "scale_spectrum", "spectral_update"]

#: Polynomials in ``|k|²`` have at most this many coefficients (``L`` up to ``k⁶``).
MAX_POLYNOMIAL_TERMS = 4

_POLYNOMIALS = {"L": "l", "S": "s", "K": "m"}


def _horner(prefix: str) -> str:
    return f"(({prefix}3*q + {prefix}2)*q + {prefix}1)*q + {prefix}0"


@dataclass(frozen=True)
class SpectralUpdate:
    """The update of a scheme with ``levels`` earlier steps, with or without the error
    estimate, as ordered assignments ``name = expression`` (parsed once per instance; one
    instance per kind of update, :func:`spectral_update`)."""

    levels: int
    estimate: bool = False

    @functools.cached_property
    def scalars(self) -> list[str]:
        """Scalar arguments after the wavevector axes: step, normalisation, the coefficients
        (``a``, ``α_h``, ``γ_h``; a one-step scheme takes ``dtg0 = Δt γ_0`` instead of
        ``γ_0``) and the operators' polynomial coefficients."""
        polynomial = [f"{p}{k}" for p in "lsm" for k in range(MAX_POLYNOMIAL_TERMS)]
        if not self.levels:
            return ["dt", "scale", "a", "alpha0", "dtg0", *polynomial]
        history = range(self.levels + 1)
        alphas, gammas = [f"alpha{h}" for h in history], [f"gamma{h}" for h in history]
        return ["dt", "scale", "a", *alphas, *gammas, *polynomial]

    @functools.cached_property
    def history(self) -> list[str]:
        """The history arrays, ``previous{h}`` (``û^{n-h}``) and ``explicit{h}`` (``E^{n-h}``)."""
        levels = range(1, self.levels + 1)
        return [f"previous{h}" for h in levels] + [f"explicit{h}" for h in levels]

    @functools.cached_property
    def factors(self) -> list[tuple[str, Expression]]:
        """Per wavevector (``q = |k|²``)."""
        lines = [(name, _horner(prefix)) for name, prefix in _POLYNOMIALS.items()]
        lines.append(("inverse", "1.0 / (a + dt*L)"))
        if self.levels:
            lines.append(("escale", "scale*K"))
        else:
            lines += [("keep", "(alpha0 + dtg0*S)*inverse"), ("gain", "dtg0*scale*K*inverse")]
        if self.estimate:
            lines.append(("euler", "1.0 / (1.0 + dt*L)"))
        return _parsed(lines, ["q", *self.scalars])

    @functools.cached_property
    def terms(self) -> list[tuple[str, Expression]]:
        """Per coefficient: ``u`` the state, ``n`` the transformed explicit term, ``w`` the
        coefficient's weight (with the estimate)."""
        if self.levels:
            past = range(1, self.levels + 1)
            states = "alpha0*u" + "".join(f" + alpha{h}*previous{h}" for h in past)
            explicit = "gamma0*explicit0" + "".join(f" + gamma{h}*explicit{h}" for h in past)
            lines = [
                ("explicit0", "S*u + escale*n"),
                ("value", f"({states} + dt*({explicit}))*inverse"),
            ]
        else:
            lines = [("value", "keep*u + gain*n")]
        if self.estimate:
            lines.append(("difference", "value - (u + dt*explicit0)*euler"))
        names = ["u", "n", "w", *self.history, *self.scalars, *(n for n, _ in self.factors)]
        return _parsed(lines, names)

    @functools.cached_property
    def shifts(self) -> list[tuple[str, str]]:
        """How the history moves one step back: ``(target, source)`` in order."""
        moves = []
        for h in range(self.levels, 1, -1):
            moves += [(f"previous{h}", f"previous{h - 1}"), (f"explicit{h}", f"explicit{h - 1}")]
        if self.levels:
            moves += [("previous1", "u"), ("explicit1", "explicit0")]
        return moves


def _parsed(lines: list[tuple[str, str]], names: Sequence[str]) -> list[tuple[str, Expression]]:
    known = list(names)
    parsed = []
    for name, text in lines:
        parsed.append((name, parse_expression(text, known)))
        known.append(name)
    return parsed


def _scalars(
    coefficients: Coefficients, dt: float, scale: float, operators: Sequence[Any]
) -> list[float]:
    """The scalar arguments in :attr:`SpectralUpdate.scalars` order."""
    dt = float(dt)
    values = [dt, float(scale), float(coefficients.implicit), *coefficients.alpha]
    if coefficients.levels:
        values += coefficients.gamma
    else:
        values.append(dt * coefficients.gamma[0])
    for polynomial in operators:
        if len(polynomial) > MAX_POLYNOMIAL_TERMS:
            raise ValueError(
                f"operators of degree above k^{2 * MAX_POLYNOMIAL_TERMS - 2} are not supported"
            )
        values += [float(c) for c in polynomial]
        values += [0.0] * (MAX_POLYNOMIAL_TERMS - len(polynomial))
    return values


def spectral_update(
    backend: Backend,
    coefficients: Coefficients,
    state_hat: Any,
    work_hat: Any,
    history: Sequence[Any],
    k2_axes: tuple[Any, Any, Any],
    dt: float,
    scale: float,
    operators: Sequence[Any],
    weights: Any = None,
) -> float | None:
    """One update of a field (or of a stack of components, which share ``|k|²`` and the
    operators), written to ``state_hat`` and ``work_hat``.

    Parameters
    ----------
    coefficients : Coefficients
        This step's (:meth:`~phasefield.timestepping.schemes.Scheme.coefficients`).
    history : sequence of arrays
        ``û^{n-h}`` then ``E^{n-h}`` for ``h = 1 .. levels`` (advanced in place).
    k2_axes : three 1-D arrays
        The squared wavenumbers of each axis of the spectrum, padded in front to three axes.
    operators : (L, S, K)
        Polynomial coefficients in ``k²``, lowest power first.
    weights : array, optional
        How often each coefficient of the half spectrum counts in the whole (along its last
        axis): then ``Σ w |û_scheme − û_Euler|²`` is returned.
    """
    update = _update_of(coefficients.levels, weights is not None and coefficients.levels > 0)
    scalars = _scalars(coefficients, dt, scale, operators)
    if backend.compiled:
        views = [array.view(array.real.dtype) for array in (state_hat, work_hat, *history)]
        if update.estimate:
            views.append(weights.reshape(-1))
        return _compiled(update)(*views, *k2_axes, *scalars)
    return _array_update(backend, update, state_hat, work_hat, history, k2_axes, scalars, weights)


@functools.cache
def _update_of(levels: int, estimate: bool) -> SpectralUpdate:
    return SpectralUpdate(levels, estimate)


# ---- the compiled path -------------------------------------------------------------------------

_KERNEL = """
@numba.njit(parallel={parallel}, cache=True, nogil=True)
def kernel_{variant}({arrays}, kx2, ky2, kz2, {scalars}):
    rows = kx2.size * ky2.size
    width = kz2.size
    components = state_hat.size // (rows * 2 * width)
{views}
{start}
    for c in range(components):  # component by component, rows in parallel
        for r in numba.prange(rows):
            base = kx2[r // ky2.size] + ky2[r % ky2.size]
{rows}
            for i in range(width):
                q = base + kz2[i]
{factors}
                for j in range(2 * i, 2 * i + 2):  # real part, imaginary part
{terms}
{finish}
"""


@functools.cache
def _compiled(update: SpectralUpdate) -> Any:
    from ..backend.compile import SPECTRAL_PARALLEL_THRESHOLD, scalar_code, source_variants

    spectra = ["state", "work", *update.history]
    arrays = [f"{name}_hat" for name in spectra] + (["weights"] if update.estimate else [])
    views = [f"    {name}_s = {name}_hat.reshape(components, rows, 2 * width)" for name in spectra]
    rows = [f"            {name}_r = {name}_s[c, r]" for name in spectra]
    start, finish = "    pass", "    return None"
    if update.estimate:  # rows are summed first, then by Numba's reduction over its chunks
        start, finish = "    total = 0.0", "            total += row_total\n    return total"
        rows.append("            row_total = 0.0")
    factors = [f"                {name} = {scalar_code(e, ())}" for name, e in update.factors]
    if update.estimate:
        factors.append("                w = weights[i]")
    indent = " " * 20
    terms = [f"{indent}u = state_r[j]", f"{indent}n = work_r[j]"]
    terms += [f"{indent}{name} = {name}_r[j]" for name in update.history]
    terms += [f"{indent}{name} = {scalar_code(e, ())}" for name, e in update.terms]
    if update.estimate:
        terms.append(f"{indent}row_total += w * difference * difference")
    terms += [f"{indent}{target}_r[j] = {source}" for target, source in update.shifts]
    terms += [f"{indent}state_r[j] = value", f"{indent}work_r[j] = value"]
    fields = {
        "arrays": ", ".join(arrays),
        "scalars": ", ".join(update.scalars),
        "views": "\n".join(views),
        "start": start,
        "finish": finish,
        "rows": "\n".join(rows),
        "factors": "\n".join(factors),
        "terms": "\n".join(terms),
    }
    source = f"spectral update, {update.levels} earlier steps" + (
        ", with error estimate" if update.estimate else ""
    )
    return source_variants(_KERNEL, source, fields, SPECTRAL_PARALLEL_THRESHOLD)


_SCALE_SPECTRUM = """
@numba.njit(parallel={parallel}, cache=True, nogil=True)
def kernel_{variant}(work, factor):
    work_ = work.reshape(-1)
    factor_ = factor.reshape(-1)
    for i in numba.prange(factor_.size):
        work_[2 * i] *= factor_[i]
        work_[2 * i + 1] *= factor_[i]
"""


@functools.cache
def _scale_kernel() -> Any:
    from ..backend.compile import SPECTRAL_PARALLEL_THRESHOLD, source_variants

    return source_variants(_SCALE_SPECTRUM, "scaled spectrum", {}, SPECTRAL_PARALLEL_THRESHOLD)


def scale_spectrum(backend: Backend, spectrum: Any, factor: Any) -> None:
    """``spectrum <- factor · spectrum`` (``factor`` real, per coefficient): the spectral half
    of a one-step update whose explicit part was combined with the state in real space
    (:meth:`~phasefield.timestepping.imex.MultistepIMEX._component_task`)."""
    if backend.compiled:
        _scale_kernel()(spectrum.view(spectrum.real.dtype), factor)
    else:
        spectrum *= factor


# ---- the array path ----------------------------------------------------------------------------


def _k2_grid(k2_axes: tuple[Any, Any, Any]) -> Any:
    """``|k|²`` over three axes from their squares (kept with the axes of a space)."""
    if isinstance(k2_axes, AxisSquares):
        return k2_axes.grid
    kx2, ky2, kz2 = k2_axes
    return kx2[:, None, None] + ky2[None, :, None] + kz2[None, None, :]


def _array_update(
    backend: Backend,
    update: SpectralUpdate,
    state_hat: Any,
    work_hat: Any,
    history: Sequence[Any],
    k2_axes: tuple[Any, Any, Any],
    scalars: list[float],
    weights: Any,
) -> float | None:
    xp = backend.xp
    values: dict[str, Any] = dict(zip(update.scalars, scalars, strict=True))
    values["q"] = _k2_grid(k2_axes)
    for name, expression in update.factors:
        values[name] = expression.evaluate(xp, values)
    shape = (-1, *values["q"].shape)  # views: components, then three axes
    arrays = {"u": state_hat.reshape(shape), "n": work_hat.reshape(shape)}
    arrays.update(
        {name: array.reshape(shape) for name, array in zip(update.history, history, strict=True)}
    )
    values.update(arrays)
    for name, expression in update.terms:
        values[name] = expression.evaluate(xp, values)
    estimate = None
    if update.estimate:
        difference = values["difference"]
        squares = difference.real**2 + difference.imag**2
        estimate = float(xp.sum(weights * squares))
    for target, source in update.shifts:
        arrays[target][...] = values[source]
    arrays["u"][...] = values["value"]
    arrays["n"][...] = values["value"]
    return estimate
