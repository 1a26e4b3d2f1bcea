"""Shared pieces of the config schema."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = ["Strict"]


def _takes_bool(annotation: Any) -> bool:
    """Whether a field's type admits a boolean (``bool`` somewhere in it, or ``Any``)."""
    if annotation is bool or annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _takes_bool(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_takes_bool(arg) for arg in typing.get_args(annotation))
    return False


class _Boolean:
    """A YAML boolean where a number (or text) is expected: no field type accepts it, so the
    field's own error names the key, and it reads back as the user wrote it."""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "true" if self.value else "false"


def _mark_booleans(value: Any) -> Any:
    if isinstance(value, bool):
        return _Boolean(value)
    if isinstance(value, list):
        return [_mark_booleans(item) for item in value]
    return value


class Strict(BaseModel):
    """A config section: unknown keys are errors, values are frozen once validated, every
    number is finite (``.inf`` and ``.nan`` are refused), and a boolean is never taken for a
    number (YAML's ``true`` is not 1)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        marked = dict(data)
        for name, field in cls.model_fields.items():
            key = field.alias or name
            if key in marked and not _takes_bool(field.annotation):
                marked[key] = _mark_booleans(marked[key])
        return marked
