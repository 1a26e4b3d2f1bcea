"""Initial fields from their configs: uniform (+ seeded noise), a .npy file, an expression, or
grains (a Voronoi tessellation or an ids file) coloured onto order parameters."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from .backend import Backend
from .config import ConfigError, RunConfig
from .config.initial import (
    EXPRESSION_VARIABLES,
    ExpressionInitial,
    FileInitial,
    UniformInitial,
    VoronoiGrains,
)
from .expression import parse_expression
from .grid import Grid

__all__ = ["grain_ids", "initial_fields", "initial_rng", "order_parameters_from_ids"]


def initial_rng(seed: int, field: str) -> np.random.Generator:
    """The random stream of one field's initial condition, derived from the run's seed.

    Keyed by the field's name, so adding a field to a model leaves the others' noise unchanged.
    """
    return np.random.default_rng([seed, zlib.crc32(field.encode())])


def _field(name: str, condition: Any, config: RunConfig, grid: Grid) -> np.ndarray:
    """Host float64 values of one field."""
    if isinstance(condition, UniformInitial):
        values = np.full(grid.shape, condition.value, dtype=np.float64)
        if condition.noise > 0:
            rng = initial_rng(config.seed, name)
            values += rng.uniform(-condition.noise, condition.noise, size=grid.shape)
        return values
    if isinstance(condition, FileInitial):
        return np.load(condition.path, allow_pickle=False).astype(np.float64)
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


def grain_ids(condition: Any, config: RunConfig, grid: Grid) -> np.ndarray:
    """Grain ids ``0 .. n-1`` (host) from a Voronoi start or an ids file (renumbered densely)."""
    from .grains import voronoi_ids

    if isinstance(condition, VoronoiGrains):
        ids = voronoi_ids(grid, condition.count, initial_rng(config.seed, "grains"))
    else:
        ids = np.load(condition.path, allow_pickle=False)
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


def _al_mg_defaults(config: RunConfig, grid: Grid) -> dict[str, np.ndarray]:
    """The fields of ``al_mg`` that have defaults: no β, the alloy's Mg everywhere, no
    Schwarz structure."""
    model = config.model
    assert model.kind == "al_mg"
    return {
        "phi": np.zeros(grid.shape),
        "c": np.full(grid.shape, model.mole_fraction()),
        "f_schwarz": np.zeros(grid.shape),
    }


def _check_range(name: str, values: Any, low: float, high: float, backend: Backend) -> None:
    xp = backend.xp
    lowest, highest = float(xp.min(values)), float(xp.max(values))
    if lowest < low or highest > high:
        raise ConfigError(
            [
                f"initial.{name}: values must lie in [{low:g}, {high:g}]; they span "
                f"[{lowest:.6g}, {highest:.6g}]"
            ]
        )


def initial_fields(config: RunConfig, grid: Grid, backend: Backend) -> dict[str, Any]:
    """Every stepped field at ``t = 0``: host float64 arrays, or device arrays for grains."""
    fields: dict[str, Any] = {}
    model = config.model
    if model.kind in ("grain_growth", "al_mg"):
        if "grains" in config.initial:
            ids = grain_ids(config.initial["grains"], config, grid)
            fields["eta"] = order_parameters_from_ids(
                ids,
                model.order_parameters,
                model.buffer_cells(grid.spacing),
                backend,
                config.dtype,
            )
        else:
            fields["eta"] = _field("eta", config.initial["eta"], config, grid)
        if model.kind == "al_mg":
            defaults = _al_mg_defaults(config, grid)
            for name, value in defaults.items():
                condition = config.initial.get(name)
                fields[name] = value if condition is None else _field(name, condition, config, grid)
                _check_range(name, fields[name], 0.0, 1.0, backend)
            if "phi" in config.initial:  # grains give way where β is given
                xp = backend.xp
                phi = xp.asarray(fields["phi"])
                fields["eta"] = xp.asarray(fields["eta"]) * (1.0 - phi)[None]
    else:
        for name in config.fields:
            fields[name] = _field(name, config.initial[name], config, grid)
    for name, values in fields.items():
        if name == "eta" and "grains" in config.initial:
            continue  # zeros and ones by construction
        if not bool(backend.xp.all(backend.xp.isfinite(backend.xp.asarray(values)))):
            raise ConfigError([f"initial.{name}: gives non-finite values (NaN or inf)"])
    return fields
