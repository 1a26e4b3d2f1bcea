"""The pieces validated input is built from: strict sections, initial conditions, and errors
that name the key. Every layer that reads input (configs, material files, model keys) uses
them; nothing here imports from the rest of the package but :mod:`phasefield.expression`."""

from __future__ import annotations

from .base import Strict
from .errors import ConfigError, format_validation_error
from .initial import (
    EXPRESSION_VARIABLES,
    ExpressionInitial,
    FileInitial,
    InitialCondition,
    UniformInitial,
    VoronoiGrains,
    check_field_initial,
    file_shape,
    load_field_file,
    resolve_path,
)
from .units import Unit

__all__ = [
    "EXPRESSION_VARIABLES",
    "ConfigError",
    "ExpressionInitial",
    "FileInitial",
    "InitialCondition",
    "Strict",
    "UniformInitial",
    "Unit",
    "VoronoiGrains",
    "check_field_initial",
    "file_shape",
    "format_validation_error",
    "load_field_file",
    "resolve_path",
]
