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


class FileInitial(Strict):
    """A ``.npy`` file with the grid's shape (checked when the whole config is validated)."""

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
        if stored != shape:
            problems.append(
                f"initial.{name}.path: {condition.path} has shape {stored}; expected {shape}"
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
