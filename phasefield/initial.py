"""Initial fields from their configs: uniform (+ seeded noise), a .npy file, or an expression."""

from __future__ import annotations

import zlib

import numpy as np

from .config import RunConfig
from .config.initial import EXPRESSION_VARIABLES, ExpressionInitial, FileInitial, UniformInitial
from .expression import parse_expression
from .grid import Grid

__all__ = ["initial_fields", "initial_rng"]


def initial_rng(seed: int, field: str) -> np.random.Generator:
    """The random stream of one field's initial condition, derived from the run's seed.

    Keyed by the field's name, so adding a field to a model leaves the others' noise unchanged.
    """
    return np.random.default_rng([seed, zlib.crc32(field.encode())])


def initial_fields(config: RunConfig, grid: Grid) -> dict[str, np.ndarray]:
    """Host (NumPy, float64) arrays of every field at ``t = 0``."""
    fields: dict[str, np.ndarray] = {}
    for name in config.fields:
        condition = config.initial[name]
        if isinstance(condition, UniformInitial):
            values = np.full(grid.shape, condition.value, dtype=np.float64)
            if condition.noise > 0:
                rng = initial_rng(config.seed, name)
                values += rng.uniform(-condition.noise, condition.noise, size=grid.shape)
        elif isinstance(condition, FileInitial):
            values = np.load(condition.path, allow_pickle=False).astype(np.float64)
        elif isinstance(condition, ExpressionInitial):
            expression = parse_expression(condition.expression, EXPRESSION_VARIABLES)
            variables: dict[str, object] = {}
            for axis, (coordinate, length) in enumerate(
                zip(grid.mesh(), grid.lengths, strict=True)
            ):
                variables[EXPRESSION_VARIABLES[axis]] = coordinate
                variables[f"L{EXPRESSION_VARIABLES[axis]}"] = length
            with np.errstate(all="ignore"):  # a bad formula is reported below, not as a warning
                result = expression.evaluate(np, variables)
            values = np.broadcast_to(np.asarray(result, dtype=np.float64), grid.shape).copy()
        else:  # pragma: no cover - the config union is closed
            raise TypeError(f"unknown initial condition {condition!r}")
        if not np.all(np.isfinite(values)):
            from .config import ConfigError

            raise ConfigError([f"initial.{name}: gives non-finite values (NaN or inf)"])
        fields[name] = values
    return fields
