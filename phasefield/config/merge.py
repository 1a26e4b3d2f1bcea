"""Changing a config's mapping before it is validated: dotted keys (``--set time.end=100``, a
sweep member's ``set:``) and, for files, the ``base:`` a config inherits from.

Everything here works on plain mappings read from YAML; validation comes afterwards, so a key
set here that the config does not know is refused by it like any other unknown key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from ..schema import ConfigError
from .bases import BASE_KEY

__all__ = ["apply_settings", "parse_settings", "set_dotted"]


def _key_parts(key: str) -> list[str]:
    parts = key.split(".")
    if not key or any(not part.strip() for part in parts):
        raise ConfigError([f"{key!r}: not a key path; give keys joined by dots (time.end)"])
    return parts


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Replace ``a.b.c`` in nested mappings, creating the levels that are missing.

    Raises
    ------
    ConfigError
        The path is empty, names ``base`` (read before any key is set), or passes through a
        value that is not a mapping (``grid.shape.x`` where ``grid.shape`` is a list).
    """
    parts = _key_parts(key)
    if parts == [BASE_KEY]:
        raise ConfigError(
            [f"{key}: the base is read before keys are set; write base: in the config file"]
        )
    node = data
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            above = ".".join(parts[: depth + 1])
            raise ConfigError(
                [f"{key}: {above} is {_kind_of(child)}, not a mapping of keys; set {above} itself"]
            )
        node = child
    node[parts[-1]] = value


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


def apply_settings(data: dict[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` (copied where it changes) with every dotted key of ``settings`` set,
    in order."""
    result = _copy_mappings(data)
    for key, value in settings.items():
        set_dotted(result, key, value)
    return result


def _copy_mappings(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy_mappings(item) for key, item in value.items()}
    return value


def parse_settings(assignments: Iterable[str]) -> dict[str, Any]:
    """``KEY.PATH=VALUE`` strings (the command line's ``--set``) as a mapping of dotted keys to
    values, each value read as YAML (``100``, ``[64, 64]``, ``450 degC``, ``null``).

    Raises
    ------
    ConfigError
        One line per assignment without ``=``, with an empty key or with a value that is not
        YAML.
    """
    settings: dict[str, Any] = {}
    problems: list[str] = []
    for text in assignments:
        key, equals, raw = text.partition("=")
        key = key.strip()
        if not equals or not key:
            problems.append(
                f"--set {text}: expected KEY.PATH=VALUE (e.g. --set time.end=100 or "
                "--set grid.shape=[64,64])"
            )
            continue
        try:
            _key_parts(key)
        except ConfigError as err:
            problems += [f"--set {line}" for line in err.problems]
            continue
        try:
            settings[key] = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError as err:
            problem = getattr(err, "problem", None) or str(err)
            problems.append(f"--set {key}: cannot read {raw!r} as a YAML value ({problem})")
    if problems:
        raise ConfigError(problems)
    return settings
