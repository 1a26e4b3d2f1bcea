"""MkDocs hook: the config reference, generated from the config's JSON Schema at build time.

A page that holds the marker ``<!-- phasefield:config-reference -->`` gets, in its place, one
table per section of the config (top-level keys, each model's keys, each initial condition's
keys) rendered from :func:`phasefield.config.config_schema`, the schema that ``phasefield schema``
prints. The keys, types, defaults and descriptions therefore come from the pydantic models
themselves and cannot drift from the code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

MARKER = "<!-- phasefield:config-reference -->"

Schema = Mapping[str, Any]


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if MARKER not in markdown:
        return markdown
    from phasefield.config import config_schema  # imported here: only this page needs it

    return markdown.replace(MARKER, render(config_schema()))


def render(schema: Schema) -> str:
    """The whole reference: top-level keys, then one section per model and initial kind."""
    defs: Mapping[str, Schema] = schema.get("$defs", {})
    properties = dict(schema["properties"])
    model = properties.pop("model")
    initial = properties.pop("initial")
    general = {**schema, "properties": properties}
    lines = ["## Top-level keys {#top-level-keys}", ""]
    lines += _table(_rows(general, "", defs))
    lines += ["", "## Models {#models}", ""]
    lines.append(
        "`model.kind` selects the model; each model's keys go under `model:`. "
        "Its physics is on its theory page."
    )
    for kind, ref in sorted(model["discriminator"]["mapping"].items()):
        target = _deref(ref, defs)
        lines += ["", f"### `model: {{kind: {kind}}}` {{#model-{kind}}}", ""]
        if target.get("description"):
            lines += [_cell(target["description"]), ""]
        lines += _table(_rows(target, "model.", defs, skip=frozenset({"kind"})))
    lines += ["", "## Initial conditions {#initial-conditions}", ""]
    lines.append(
        "`initial` maps each field (or `grains`) to one initial condition; `kind` selects it."
    )
    mapping = initial["additionalProperties"]["discriminator"]["mapping"]
    for kind, ref in sorted(mapping.items()):
        target = _deref(ref, defs)
        lines += ["", f"### `{{kind: {kind}}}` {{#initial-{kind}}}", ""]
        if target.get("description"):
            lines += [_cell(target["description"]), ""]
        lines += _table(_rows(target, "initial.<field>.", defs, skip=frozenset({"kind"})))
    return "\n".join(lines) + "\n"


def _table(rows: Iterator[tuple[str, str, str, str]]) -> list[str]:
    lines = ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    lines += [f"| {key} | {kind} | {default} | {text} |" for key, kind, default, text in rows]
    return lines


def _rows(
    node: Schema, prefix: str, defs: Mapping[str, Schema], skip: frozenset[str] = frozenset()
) -> Iterator[tuple[str, str, str, str]]:
    """One row per key of an object; nested objects are flattened into dotted keys."""
    required = set(node.get("required", ()))
    for name, prop in node.get("properties", {}).items():
        if name in skip:
            continue
        key = prefix + name
        objects = [o for o in _alternatives(prop, defs) if "properties" in o]
        others = [o for o in _alternatives(prop, defs) if "properties" not in o]
        scalar_others = [o for o in others if o.get("type") != "null"]
        if not objects or scalar_others:
            if name in required:
                default = "required"
            elif "default" in prop:
                default = f"`{_value(prop['default'])}`"
            else:
                default = "none"
            yield f"`{key}`", _type(prop, defs), default, _cell(prop.get("description", ""))
        for target in objects:
            if name in required and not scalar_others:
                yield f"`{key}`", "section", "required", _cell(prop.get("description", ""))
            yield from _rows(target, key + ".", defs)


def _alternatives(prop: Schema, defs: Mapping[str, Schema]) -> list[Schema]:
    if "$ref" in prop:
        return [_deref(prop["$ref"], defs)]
    if "anyOf" in prop:
        return [alt for option in prop["anyOf"] for alt in _alternatives(option, defs)]
    return [prop]


def _deref(ref: str, defs: Mapping[str, Schema]) -> Schema:
    return defs[ref.rsplit("/", 1)[-1]]


def _type(prop: Schema, defs: Mapping[str, Schema]) -> str:
    """A short human reading of a schema: `number > 0`, `list of number`, `auto` \\| `on`."""
    if "$ref" in prop:
        target = _deref(prop["$ref"], defs)
        keys = ", ".join(target.get("properties", {}))
        return f"`{{{keys}}}`" if keys else "object"
    if "anyOf" in prop:
        return " or ".join(_type(option, defs) for option in prop["anyOf"])
    if "const" in prop:
        return f"`{_value(prop['const'])}`"
    if "enum" in prop:
        return " \\| ".join(f"`{_value(v)}`" for v in prop["enum"])
    kind = prop.get("type", "any")
    if kind == "array":
        items = prop.get("items") or {}
        text = f"list of {_type(items, defs)}" if items else "list"
        lo, hi = prop.get("minItems"), prop.get("maxItems")
        if lo is not None and lo == hi:
            text += f" ({lo} entries)"
        elif lo is not None or hi is not None:
            text += f" ({lo if lo is not None else 0}–{hi if hi is not None else '…'} entries)"
        return text
    if kind == "object":
        values = prop.get("additionalProperties")
        return f"mapping of string to {_type(values, defs)}" if values else "mapping"
    bounds = [
        f"{symbol} {_value(prop[key])}"
        for key, symbol in (
            ("exclusiveMinimum", ">"),
            ("minimum", "≥"),
            ("exclusiveMaximum", "<"),
            ("maximum", "≤"),
        )
        if key in prop
    ]
    return " ".join([str(kind), ", ".join(bounds)]).strip()


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {_value(v)}" for k, v in value.items() if v is not None)
        return "{" + inner + "}"
    return json.dumps(value)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")
