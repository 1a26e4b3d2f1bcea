"""Validated configs: YAML (or a dict) in, a frozen :class:`RunConfig` out."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..schema import ConfigError, format_validation_error
from ..schema.files import read_yaml_mapping
from .bases import BASE_KEY, read_config_mapping, resolve_bases
from .merge import apply_settings, parse_settings, set_dotted
from .run import MODEL_FIELDS, RegridConfig, RunConfig, TileConfig, unit_context

__all__ = [
    "MODEL_FIELDS",
    "ConfigError",
    "RegridConfig",
    "RunConfig",
    "TileConfig",
    "config_schema",
    "load_config",
    "parse_settings",
    "read_config_mapping",
    "read_mapping",
    "set_dotted",
    "to_yaml",
]


def read_mapping(path: Path) -> dict[str, Any]:
    """A YAML file whose top level is a mapping (a config, a sweep), with clear errors."""
    return read_yaml_mapping(path)


def load_config(
    source: str | os.PathLike[str] | dict[str, Any] | RunConfig,
    overrides: dict[str, Any] | None = None,
    *,
    base_dir: str | os.PathLike[str] | None = None,
) -> RunConfig:
    """Validate a config given as a YAML file path, a dict, or an existing :class:`RunConfig`.

    Parameters
    ----------
    source : path, dict or RunConfig
        Relative paths inside a file are taken relative to the file's folder; inside a dict,
        relative to ``base_dir``. A ``base: other.yaml`` key inherits from another config
        (see :mod:`phasefield.config.bases`): its keys, deep-merged, come first, then the
        source's, then ``overrides``.
    overrides : dict, optional
        Keys to replace before validation, top-level (``backend``) or dotted
        (``{"time.end": 100, "model.temperature": "450 degC"}``), set in order; the command
        line's ``--set``, ``--backend``, ``--precision`` and ``--out`` (given as
        ``output_path``) come here. A key the config does not know is refused by validation.
    base_dir : path, optional
        The folder relative paths of a dict are taken from (default: the current folder).

    Raises
    ------
    ConfigError
        With one ``key.path: problem`` line per problem (prefixed with the file for a file).
    """
    if isinstance(source, RunConfig):
        if not overrides:
            return source
        source = source.model_dump(mode="json", exclude_none=True)
    prefix = ""
    if isinstance(source, dict):
        base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        data: Any = resolve_bases(source, base_dir, None, ())
    else:
        path = Path(source)
        data = read_config_mapping(path)
        base_dir = path.resolve().parent
        prefix = f"{path}: "
    if not isinstance(data, dict):
        raise ConfigError(
            [f"expected a mapping of keys at the top level, got {type(data).__name__}"]
        )
    settings = {
        ("output.path" if key == "output_path" else key): (
            str(value) if key == "output_path" else value
        )
        for key, value in (overrides or {}).items()
    }
    try:
        data = apply_settings(data, settings)
    except ConfigError as err:
        raise ConfigError([prefix + line for line in err.problems]) from None
    try:
        return RunConfig.model_validate(data, context={"base_dir": base_dir, **unit_context(data)})
    except ValidationError as err:
        raise ConfigError(
            [prefix + line for line in format_validation_error(err, data, RunConfig)]
        ) from None


def to_yaml(config: RunConfig) -> str:
    """The resolved config as YAML (absolute paths, defaults filled in)."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)


def config_schema() -> dict[str, Any]:
    """JSON Schema of the config, for editors."""
    schema = RunConfig.model_json_schema()
    schema["title"] = "phasefield run config"
    schema["properties"] = {
        BASE_KEY: {
            "type": "string",
            "description": "a config this one inherits from (relative to this file's folder); "
            "its keys are merged under this file's",
        },
        **schema["properties"],
    }
    return schema
