"""Config errors as users read them: one line per problem, naming the key path."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["ConfigError", "format_validation_error"]


class ConfigError(ValueError):
    """Bad input: a config, argument or file that cannot be used. ``problems`` has one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


#: Labels pydantic gives the members of a plain union (never keys of a phasefield config).
_UNION_LABEL = re.compile(
    r"^([A-Z]\w*|float|int|str|bool|none|(literal|list|tuple|dict|function-\w+|is-instance|"
    r"lax-or-strict|json-or-python|nullable)\[.*|constrained-\w+)$"
)


def _key_path(location: Iterable[int | str], data: Any) -> str:
    """Dotted key path, without the labels pydantic adds for unions.

    A discriminated union adds its tag (``initial.c.uniform.value``); a plain union adds the
    member's type (``model.stabilization.constrained-float``). Walking the input alongside the
    location tells them apart from real keys.
    """
    parts: list[str] = []
    node = data
    tag_skipped = False
    for item in location:
        if isinstance(node, dict) and node.get("kind") == item and not tag_skipped:
            tag_skipped = True
            continue
        if not isinstance(node, dict | list):
            continue  # a union member's label below a scalar value
        if (
            isinstance(node, dict)
            and isinstance(item, str)
            and item not in node
            and _UNION_LABEL.match(item)
        ):
            continue  # a union member's label below a mapping
        parts.append(f"[{item}]" if isinstance(item, int) else str(item))
        tag_skipped = False
        if isinstance(node, dict):
            node = node.get(item)
        else:
            node = node[item] if isinstance(item, int) and item < len(node) else None
    return ".".join(parts).replace(".[", "[")


def _members(annotation: Any) -> list[Any]:
    """The types an annotation may take: Annotated, unions and ``None`` unwrapped."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [member for arg in typing.get_args(annotation) for member in _members(arg)]
    return [] if annotation is type(None) else [annotation]


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _key_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _tags(model: type[BaseModel]) -> tuple[Any, ...]:
    """The values of the ``kind`` that tells a model apart in a discriminated union."""
    field = model.model_fields.get("kind")
    if field is None or typing.get_origin(field.annotation) is not typing.Literal:
        return ()
    return typing.get_args(field.annotation)


def _step(kinds: list[Any], item: int | str) -> list[Any]:
    """The types found one step down ``item`` of a pydantic error location from ``kinds``."""
    below: list[Any] = []
    for kind in kinds:
        if _is_model(kind) and isinstance(item, str) and item in kind.model_fields:
            below += _members(kind.model_fields[item].annotation)
        elif typing.get_origin(kind) in (list, dict, tuple):
            args = typing.get_args(kind)
            if typing.get_origin(kind) is tuple and isinstance(item, int) and item < len(args):
                below += _members(args[item])
            elif args:
                below += _members(args[-1])
    if below:
        return below
    labelled = [k for k in kinds if _is_model(k) and (item == k.__name__ or item in _tags(k))]
    return labelled or kinds  # a union's label: narrow to its member, or skip it


def _suggestion(model: type[BaseModel] | None, location: Sequence[int | str]) -> str:
    """``; did you mean 'end'?`` for an unknown key at ``location``, from the names the
    section at that place allows; empty when none is close."""
    if model is None or not location or not isinstance(location[-1], str):
        return ""
    kinds: list[Any] = [model]
    for item in location[:-1]:
        kinds = _step(kinds, item)
    names = sorted({name for kind in kinds if _is_model(kind) for name in _key_names(kind)})
    close = difflib.get_close_matches(location[-1], names, n=2, cutoff=0.6)
    return "; did you mean " + " or ".join(repr(name) for name in close) + "?" if close else ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: dict[str, Any], model: type[BaseModel] | None = None) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "extra_forbidden":
        suggestion = _suggestion(model, error["loc"])
        if suggestion:
            return "unknown key" + suggestion
        return "unknown key (check its spelling; `phasefield schema` lists the keys)"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return (
            f"unknown kind {context.get('tag')!r}; expected one of {context.get('expected_tags')}"
        )
    if kind == "union_tag_not_found":
        return "required key is missing"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": ("greater than", "gt"),
            "greater_than_equal": ("at least", "ge"),
            "less_than": ("less than", "lt"),
            "less_than_equal": ("at most", "le"),
        }[kind]
        bound = context.get(words[1])
        bound = f"{bound:g}" if isinstance(bound, int | float) else bound
        return f"must be {words[0]} {bound} (got {_short(error.get('input'))})"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        return message[len("Value error, ") :]
    if message.startswith("Input should be"):
        message = "must be" + message[len("Input should be") :]
    if "input" in error and kind not in ("dict_type", "model_type"):
        message += f" (got {_short(error['input'])})"
    return message


def format_validation_error(
    error: ValidationError, data: Any, model: type[BaseModel] | None = None
) -> list[str]:
    """One ``key.path: what is wrong`` line per problem in a pydantic ``ValidationError``.

    Where a union (``"auto"`` or a number) rejects a value once per member, the messages are
    joined into one line for the key. Given the ``model`` that was validated, an unknown key
    is followed by the allowed names of its section that are close to it (``time.ned:
    unknown key; did you mean 'end'?``).
    """
    by_path: dict[str, list[str]] = {}
    mismatches: dict[str, list[str]] = {}
    for item in error.errors(include_url=False):
        path = _key_path(item["loc"], data)
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path = f"{path}.kind" if path else "kind"
        message = _message(dict(item), model)
        if not path:
            # Whole-config checks already name their keys, one problem per line.
            for line in message.splitlines():
                by_path.setdefault(line, [])
            continue
        messages = by_path.setdefault(path, [])
        if item["type"].endswith(("_type", "_parsing")):
            mismatches.setdefault(path, [])
            if message not in mismatches[path]:
                mismatches[path].append(message)
            continue
        if message not in messages:
            messages.append(message)
    for path, messages in mismatches.items():
        deeper = any(other.startswith(f"{path}.") and by_path[other] for other in by_path)
        if not by_path[path] and not deeper:  # no union member got further: say what it takes
            by_path[path] = messages
    lines = []
    for path, messages in by_path.items():
        if not messages:
            if path not in mismatches:  # a whole-config line, stored as its own key
                lines.append(path)
            continue
        own = [m for m in messages if m.startswith((f"{path}.", f"{path}:"))]
        rest = [m for m in messages if m not in own]
        lines += own  # a section's check that already names its keys
        if rest:
            lines.append(f"{path}: {'; or '.join(rest)}")
    return lines


def _dedupe(lines: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for line in lines:
        if line not in seen:
            seen.add(line)
            out.append(line)
    return out
