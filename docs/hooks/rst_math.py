"""Griffe extension: the reStructuredText math of the docstrings, as the docs' MathJax reads it.

The models' numpydoc docstrings state their equations in ``.. math::`` blocks and
``:math:`...``` roles (rendered by Sphinx-style tools and readable in ``help()``); mkdocstrings
renders Markdown, so each block becomes a ``$$ ... $$`` block and each role ``$...$`` for
pymdownx.arithmatex.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":math:`([^`]+)`")


def rst_math_to_markdown(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(".. math::"):
            indent = len(line) - len(stripped)
            body = [stripped[len(".. math::") :].strip()]
            i += 1
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                body.append(lines[i].strip())
                i += 1
            while body and not body[-1]:
                body.pop()
            pad = " " * indent
            out += ["", pad + "$$", *(pad + b for b in body if b), pad + "$$", ""]
            continue
        out.append(_ROLE.sub(r"$\1$", line))
        i += 1
    return "\n".join(out)


class RstMath(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_math_to_markdown(obj.docstring.value)
