"""MkDocs hook: links to repository files outside ``docs/``, as the included files write them.

The pages include Markdown files that live elsewhere in the repository (the al_mg model's
README, ``materials/README.md``, ``benchmarks/RESULTS.md``, ...), whose relative links point at
repository files. A link to a file that the site publishes as a page becomes a link to that
page; a link to another file that exists in the repository becomes its path in code font (the
site does not publish source files); a link to a file that does not exist is left alone, so that
``mkdocs build --strict`` fails on it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

#: Repository files that are included as pages -> the page (relative to docs/).
PAGES = {
    "README.md": "index.md",
    "CHANGELOG.md": "changelog.md",
    "CONTRIBUTING.md": "contributing.md",
    "benchmarks/RESULTS.md": "benchmarks.md",
    "materials/README.md": "materials.md",
    "phasefield/models/al_mg/README.md": "theory/al_mg.md",
}

_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~)")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    docs_dir = Path(config["docs_dir"]).resolve()
    root = docs_dir.parent
    page_dir = posixpath.dirname(page.file.src_uri)
    out, fenced = [], False
    for line in markdown.splitlines(keepends=True):
        if _FENCE.match(line.lstrip()):
            fenced = not fenced
        if not fenced:
            line = _LINK.sub(lambda m: _rewrite(m, page_dir, root), line)
        out.append(line)
    return "".join(out)


def _rewrite(match: re.Match[str], page_dir: str, root: Path) -> str:
    text, target = match["text"], match["target"]
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "/")):
        return match[0]
    path, _, anchor = target.partition("#")
    within_docs = posixpath.normpath(posixpath.join(page_dir, path))
    if not within_docs.startswith("../"):
        return match[0]
    in_repository = posixpath.normpath(posixpath.join("docs", within_docs))
    if in_repository in PAGES:
        relative = posixpath.relpath(PAGES[in_repository], page_dir or ".")
        return f"[{text}]({relative}{'#' + anchor if anchor else ''})"
    if (root / in_repository).exists():
        code = f"`{in_repository}`"
        return text if text.strip("`") == in_repository else f"{text} ({code})"
    return match[0]
