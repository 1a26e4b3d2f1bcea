"""The package list in pyproject.toml names every package, and the material files ship."""

from __future__ import annotations

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
