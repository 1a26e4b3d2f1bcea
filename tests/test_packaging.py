"""The package list in pyproject.toml names every package, and the material files ship."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed():
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set(find_packages(str(ROOT), include=["phasefield*"]))
    assert set(listed["packages"]) == found | {"phasefield.materials_data"}
    assert listed["package-dir"]["phasefield.materials_data"] == "materials"


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
