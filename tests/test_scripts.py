"""The repository's scripts (benchmarks, material fits) import what they use: a moved or
renamed module breaks them here, not when someone next runs one."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(
    [*ROOT.glob("benchmarks/*.py"), *ROOT.glob("benchmarks/device/*.py")]
    + list(ROOT.glob("materials/fits/*.py")),
    key=str,
)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_script_imports(path, monkeypatch):
    """Loading the module runs its imports (and nothing else: scripts run under __main__)."""
    monkeypatch.syspath_prepend(str(path.parent))
    spec = importlib.util.spec_from_file_location(f"_script_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    # the imports a script makes inside its functions: every `from phasefield... import ...`
    for line in path.read_text().splitlines():
        text = line.strip()
        if (
            text.startswith("from phasefield")
            and " import " in text
            and text.endswith(")") is False
        ):
            package, names = text[5:].split(" import ", 1)
            imported = importlib.import_module(package.strip())
            for name in names.replace("(", "").split(","):
                name = name.split(" as ")[0].strip()
                if name:
                    assert hasattr(imported, name), f"{path.name}: {package} has no {name}"
