"""The package list in pyproject.toml names every package, and the material files ship."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_package_and_the_data(tmp_path):
    """Packages are found, not listed (a new model package needs no entry): the wheel holds
    every package of the source tree, the bundled materials (through the link
    phasefield/materials_data -> materials), py.typed and the al_mg README, and no fit
    scripts or caches."""
    assert (ROOT / "phasefield" / "materials_data").resolve() == (ROOT / "materials").resolve()
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {
        str(init.parent.relative_to(ROOT))
        for init in (ROOT / "phasefield").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert packages and all(f"{package}/__init__.py" in names for package in packages)
    assert "phasefield/materials_data/al_mg.yaml" in names
    assert "phasefield/py.typed" in names
    assert "phasefield/models/al_mg/README.md" in names
    assert not [name for name in names if "/fits/" in name or "__pycache__" in name]


def test_the_bundled_materials_are_found():
    from phasefield.materials import available_materials, load_material

    assert "al_mg" in available_materials()
    assert load_material("al_mg").name == "al_mg"


def test_the_installed_package_finds_its_bundled_materials(tmp_path):
    """Outside the source tree (where notebooks, Dask workers and users run), the bundled
    material resolves from the installed package."""

    code = "from phasefield.materials import material_path; print(material_path('al_mg'))"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PHASEFIELD_MATERIALS")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).is_file()
