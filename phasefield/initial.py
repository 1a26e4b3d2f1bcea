"""Initial fields from their configs: uniform (+ seeded noise), a .npy file, an expression, or
grains (a Voronoi tessellation or an ids file) coloured onto order parameters."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from .backend import Backend
from .expression import parse_expression
from .grid import Grid
from .schema import (
    EXPRESSION_VARIABLES,
    ConfigError,
    ExpressionInitial,
    FileInitial,
    UniformInitial,
    VoronoiGrains,
    load_field_file,
)

__all__ = [
    "check_finite",
    "check_range",
    "field_values",
    "grain_ids",
    "grain_start",
    "initial_rng",
    "order_parameters_from_ids",
]


def initial_rng(seed: int, field: str) -> np.random.Generator:
    """The random stream of one field's initial condition, derived from the run's seed.

    Keyed by the field's name, so adding a field to a model leaves the others' noise unchanged.
    """
    return np.random.default_rng([seed, zlib.crc32(field.encode())])


def field_values(name: str, condition: Any, seed: int, grid: Grid) -> np.ndarray:
    """Host float64 values of one field from its initial condition (uniform with seeded noise,
    a file, or an expression of the cell positions)."""
    if isinstance(condition, UniformInitial):
        values = np.full(grid.shape, condition.value, dtype=np.float64)
        if condition.noise > 0:
            rng = initial_rng(seed, name)
            values += rng.uniform(-condition.noise, condition.noise, size=grid.shape)
        return values
    if isinstance(condition, FileInitial):
        return load_field_file(condition.path, grid.ndim).astype(np.float64)
    if isinstance(condition, ExpressionInitial):
        expression = parse_expression(condition.expression, EXPRESSION_VARIABLES)
        variables: dict[str, object] = {}
        for axis, (coordinate, length) in enumerate(zip(grid.mesh(), grid.lengths, strict=True)):
            variables[EXPRESSION_VARIABLES[axis]] = coordinate
            variables[f"L{EXPRESSION_VARIABLES[axis]}"] = length
        with np.errstate(all="ignore"):  # a bad formula is reported below, not as a warning
            result = expression.evaluate(np, variables)
        return np.broadcast_to(np.asarray(result, dtype=np.float64), grid.shape).copy()
    raise TypeError(f"no initial field from {condition!r}")  # pragma: no cover


def grain_ids(condition: Any, seed: int, grid: Grid) -> np.ndarray:
    """Grain ids ``0 .. n-1`` (host) from a Voronoi start or an ids file (renumbered densely)."""
    from .grains import voronoi_ids

    if isinstance(condition, VoronoiGrains):
        ids = voronoi_ids(grid, condition.count, initial_rng(seed, "grains"))
    else:
        ids = np.ascontiguousarray(load_field_file(condition.path, grid.ndim))
    return _dense(ids).reshape(grid.shape)


def _dense(ids: np.ndarray) -> np.ndarray:
    """Non-negative ids renumbered ``0 .. n-1`` in the order of their values, by counting
    (no sort over the grid, which has 2.6·10⁸ cells for the 10⁵-grain target)."""
    flat = ids.reshape(-1).astype(np.int64, copy=False)
    if flat.size and int(flat.max()) > 4 * flat.size:  # sparse ids: counting would not pay
        return np.unique(flat, return_inverse=True)[1]
    present = np.bincount(flat) > 0
    return (np.cumsum(present) - 1)[flat]


def order_parameters_from_ids(
    ids: np.ndarray,
    order_parameters: int,
    buffer_cells: int,
    backend: Backend,
    dtype: Any = np.float64,
) -> Any:
    """A ``(P, *grid)`` host stack of ``dtype``: 1 inside each grain on its order parameter,
    0 elsewhere. The grains are coloured on the device; the stack is built on the host, one
    order parameter at a time, so that the device holds nothing but the stepper's copy (for
    10^5 grains on 640³ a stack is 25 GB in float32).

    Raises
    ------
    ConfigError
        When the grains cannot be coloured onto ``order_parameters`` with the buffer.
    """
    from .grains import ColouringError, colour_grains

    xp = backend.xp
    device_ids = xp.asarray(ids)
    try:
        colour = colour_grains(device_ids, backend, order_parameters, buffer_cells)
    except ColouringError as err:
        raise ConfigError(
            [
                f"model.order_parameters: {err}; use more order parameters, "
                "fewer grains or a smaller model.remap.buffer"
            ]
        ) from None
    del device_ids
    owner = colour[ids]
    stack = np.empty((order_parameters, *ids.shape), dtype=dtype)
    for component in range(order_parameters):
        stack[component] = owner == component
    return stack


def check_range(name: str, values: Any, low: float, high: float, backend: Backend) -> None:
    """Refuse initial values outside ``[low, high]``."""
    xp = backend.xp
    lowest, highest = float(xp.min(values)), float(xp.max(values))
    if lowest < low or highest > high:
        raise ConfigError(
            [
                f"initial.{name}: values must lie in [{low:g}, {high:g}]; they span "
                f"[{lowest:.6g}, {highest:.6g}]"
            ]
        )


def grain_start(
    initial: Mapping[str, Any],
    order_parameters: int,
    buffer_cells: int,
    seed: int,
    grid: Grid,
    backend: Backend,
    dtype: Any,
) -> Any:
    """The order parameters at ``t = 0``: grains (``initial.grains``, Voronoi or an ids file)
    coloured onto ``order_parameters`` keeping namesakes ``buffer_cells`` apart, or the
    stack of an ``initial.eta`` file (host float64)."""
    if "grains" in initial:
        ids = grain_ids(initial["grains"], seed, grid)
        return order_parameters_from_ids(ids, order_parameters, buffer_cells, backend, dtype)
    return field_values("eta", initial["eta"], seed, grid)


def check_finite(fields: Mapping[str, Any], backend: Backend, skip: tuple[str, ...] = ()) -> None:
    """Refuse initial fields with NaN or infinite values (``skip``: built finite)."""
    xp = backend.xp
    for name, values in fields.items():
        if name in skip:
            continue
        if not bool(xp.all(xp.isfinite(xp.asarray(values)))):
            raise ConfigError([f"initial.{name}: gives non-finite values (NaN or inf)"])
