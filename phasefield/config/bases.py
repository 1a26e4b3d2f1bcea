"""``base: other.yaml``: a run config that inherits from another.

The base is read first (its own ``base:`` first of all: chains are allowed), then the config's
keys are merged into it: mappings key by key, anything else (numbers, text, lists, ``null``)
replaced whole. So a config states only what differs from its base, and ``--set`` comes last::

    base (and its bases) < the file < --set

A ``base:`` path is relative to the folder of the file that names it, and so are the relative
paths a base writes (``output.path``, ``initial.<field>.path`` and a ``model.material`` file):
a base and its data files can live in a folder of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..schema import ConfigError
from ..schema.files import read_yaml_mapping

__all__ = ["BASE_KEY", "deep_merge", "read_config_mapping", "resolve_bases"]

#: The key naming the config a config inherits from.
BASE_KEY = "base"

_MATERIAL_SUFFIXES = (".yaml", ".yml")


def deep_merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` merged in: mappings merged key by key, anything else replaced.

    A mapping that names another ``kind`` than the base's (``initial.c: {kind: file, ...}``
    over ``{kind: uniform, value: ..., noise: ...}``, another ``model.kind``) replaces it whole:
    the base's keys belong to the other kind."""
    merged = dict(base)
    for key, value in changes.items():
        below = merged.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(below, Mapping)
            and value.get("kind", below.get("kind")) == below.get("kind")
        ):
            merged[key] = deep_merge(below, value)
        else:
            merged[key] = value
    return merged


def read_config_mapping(path: str | Path) -> dict[str, Any]:
    """A config file's mapping with its ``base:`` chain merged in (not yet validated).

    Raises
    ------
    ConfigError
        The file or a base is missing, malformed or not a mapping, or the bases form a cycle;
        the message names the files.
    """
    path = Path(path)
    return resolve_bases(read_yaml_mapping(path), path.resolve().parent, path, ())


def resolve_bases(
    data: dict[str, Any], folder: Path, origin: Path | None, chain: tuple[Path, ...]
) -> dict[str, Any]:
    """``data`` (read from ``origin``, or a dict when None, its paths relative to ``folder``)
    with its ``base:`` chain merged in; ``chain`` holds the files that led here."""
    if BASE_KEY not in data:
        return data
    data = dict(data)
    name = data.pop(BASE_KEY)
    where = f"{origin}: {BASE_KEY}" if origin is not None else BASE_KEY
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(
            [f"{where}: give the file of the config this one inherits from (got {name!r})"]
        )
    base_path = Path(name).expanduser()
    if not base_path.is_absolute():
        base_path = folder / base_path
    here = (origin.resolve(),) if origin is not None else ()
    visited = chain + here
    if base_path.resolve() in visited:
        loop = " -> ".join(str(p) for p in (*visited, base_path.resolve()))
        raise ConfigError([f"{where}: {name} makes a cycle of bases ({loop}); remove one base"])
    if not base_path.is_file():
        raise ConfigError([f"{where}: {name}: no such file ({base_path})"])
    try:
        base = read_yaml_mapping(base_path)
    except ConfigError as err:
        raise ConfigError([f"{where}: {line}" for line in err.problems]) from None
    base_folder = base_path.resolve().parent
    base = resolve_bases(base, base_folder, base_path, visited)
    return deep_merge(_absolute_paths(base, base_folder), data)


def _is_file_key(keys: tuple[str, ...], value: str) -> bool:
    """Whether the value at ``keys`` is a file path: ``output.path``, ``initial.<field>.path``
    or a material file (``model.material`` ending in .yaml)."""
    if keys == ("output", "path"):
        return True
    if len(keys) == 3 and keys[0] == "initial" and keys[2] == "path":
        return True
    return keys == ("model", "material") and value.endswith(_MATERIAL_SUFFIXES)


def _absolute_paths(data: Any, folder: Path, keys: tuple[str, ...] = ()) -> Any:
    """``data`` with every relative file path made absolute from ``folder``, the folder of the
    file that wrote it."""
    if isinstance(data, dict):
        return {k: _absolute_paths(v, folder, (*keys, str(k))) for k, v in data.items()}
    if (
        isinstance(data, str)
        and _is_file_key(keys, data)
        and not Path(data).expanduser().is_absolute()
    ):
        return str(folder / data)
    return data
