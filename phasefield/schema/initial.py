"""Initial conditions, one per field: ``uniform``, ``file`` or ``expression``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, NonNegativeFloat, PositiveInt, ValidationInfo, field_validator

from ..expression import ExpressionError, parse_expression
from .base import Strict

__all__ = [
    "ExpressionInitial",
    "FileInitial",
    "InitialCondition",
    "UniformInitial",
    "VoronoiGrains",
    "check_field_initial",
    "file_shape",
    "load_field_file",
    "resolve_path",
]

#: Variables an initial expression may read, besides the constants pi and e.
EXPRESSION_VARIABLES = ("x", "y", "z", "Lx", "Ly", "Lz")


def resolve_path(value: Path, info: ValidationInfo) -> Path:
    """A path relative to the config file's folder (or the current folder for a dict)."""
    base = (info.context or {}).get("base_dir")
    path = Path(value).expanduser()
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    return path


class UniformInitial(Strict):
    """``value`` everywhere, plus seeded uniform noise in ``[-noise, noise]``."""

    kind: Literal["uniform"]
    value: float
    noise: NonNegativeFloat = 0.0


def file_shape(shape: tuple[int, ...], grid_ndim: int) -> tuple[int, ...]:
    """The shape an initial file of an array of ``shape`` (grid order: components, then x, y,
    z) must have: the store's layout, components first, then the grid axes reversed
    (``[z,] y, x``), so that ``ds.c.isel(t=-1).values`` from a store is a valid file."""
    leading = len(shape) - grid_ndim
    return (*shape[:leading], *reversed(shape[leading:]))


def load_field_file(path: Path, grid_ndim: int) -> np.ndarray:
    """An initial file's array in the grid's order (the file is in the store's layout, see
    :func:`file_shape`): a transposed view."""
    array = np.load(path, allow_pickle=False)
    leading = array.ndim - grid_ndim
    return np.transpose(array, (*range(leading), *reversed(range(leading, array.ndim))))


class FileInitial(Strict):
    """A ``.npy`` file in the store's layout ``([components,] [z,] y, x)`` (its shape is
    checked when the whole config is validated)."""

    kind: Literal["file"]
    path: Path

    @field_validator("path")
    @classmethod
    def _resolve(cls, value: Path, info: ValidationInfo) -> Path:
        path = resolve_path(value, info)
        if not path.is_file():
            raise ValueError(f"no such file: {path}")
        if path.suffix != ".npy":
            raise ValueError(f"{path}: expected a .npy file (numpy.save)")
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as err:
            raise ValueError(f"{path}: not a readable .npy file ({err})") from None
        if array.dtype.kind not in "iuf":
            raise ValueError(f"{path}: holds {array.dtype} values; expected real numbers")
        return path


class ExpressionInitial(Strict):
    """A formula over x, y, z (cell positions), Lx, Ly, Lz (box lengths) and pi."""

    kind: Literal["expression"]
    expression: str

    @field_validator("expression")
    @classmethod
    def _parse(cls, value: str) -> str:
        try:
            parse_expression(value, EXPRESSION_VARIABLES)
        except ExpressionError as err:
            raise ValueError(str(err)) from None
        return value


class VoronoiGrains(Strict):
    """``count`` grains: the periodic Voronoi cells of seeded random points."""

    kind: Literal["voronoi"]
    count: PositiveInt


InitialCondition = Annotated[
    UniformInitial | FileInitial | ExpressionInitial | VoronoiGrains, Field(discriminator="kind")
]


def check_field_initial(
    name: str, condition: object, shape: tuple[int, ...], grid_ndim: int
) -> list[str]:
    """Problems of the initial condition of field ``name`` whose array has ``shape``."""
    problems: list[str] = []
    if isinstance(condition, FileInitial):
        stored = np.load(condition.path, mmap_mode="r", allow_pickle=False).shape
        expected = file_shape(shape, grid_ndim)
        if stored != expected:
            problems.append(
                f"initial.{name}.path: {condition.path} has shape {stored}; expected "
                f"{expected} (the store's layout: [components,] [z,] y, x)"
            )
    elif isinstance(condition, ExpressionInitial):
        axes = EXPRESSION_VARIABLES[:grid_ndim]
        used = parse_expression(condition.expression, EXPRESSION_VARIABLES).names
        outside = sorted(used - set(axes) - {f"L{a}" for a in axes})
        if outside:
            problems.append(
                f"initial.{name}.expression: {', '.join(outside)} not defined on a "
                f"{grid_ndim}-D grid"
            )
    elif isinstance(condition, VoronoiGrains):
        problems.append(f"initial.{name}.kind: voronoi describes grains; use it for initial.grains")
    return problems
