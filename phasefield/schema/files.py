"""Input files read with clear errors: YAML with a size limit and no repeated keys.

A config or material file is small; one that is not (a stray data file passed by mistake) is
refused before it is read. A key written twice in one mapping is refused with both lines, where
plain YAML would silently keep the last.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

__all__ = ["MAX_INPUT_BYTES", "read_yaml", "read_yaml_mapping"]

#: The largest YAML input file read (configs, sweeps, materials are a few kB).
MAX_INPUT_BYTES = 1 << 20


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key repeated within one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base loader says so
                break
            if first is not None:
                raise _DuplicateKey(
                    problem=f"the key '{key}' appears twice (first at line {first.line + 1}); "
                    "give each key once",
                    problem_mark=key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path``.

    Raises
    ------
    ConfigError
        A missing file, a folder, a file over :data:`MAX_INPUT_BYTES`, unreadable or
        malformed YAML, or a key repeated in a mapping; the message names the file (and the
        line where it can).
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError([f"{path}: no such file"])
    if path.is_dir():
        raise ConfigError([f"{path}: is a folder; give a YAML file"])
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ConfigError(
                [
                    f"{path}: {size / 2**20:.1f} MiB is too large for a YAML input file (at most "
                    f"{MAX_INPUT_BYTES / 2**20:.0f} MiB); is it the right file?"
                ]
            )
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([f"{path}: cannot be read ({err})"]) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError([f"{path}: malformed YAML{where}: {problem}"]) from None


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """A YAML file whose top level is a mapping (a config, a sweep, a material)."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(
            [f"{path}: expected a mapping of keys at the top level, got {type(data).__name__}"]
        )
    return data
