"""The package list in pyproject.toml names every package, the material files ship, and the
distribution carries its own name (not the unrelated `phasefield` on the package index) and
the one version."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import yaml

from phasefield.distribution import DISTRIBUTION, VERSION

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
    assert wheel.name.startswith(f"phasefield_spectral-{VERSION}-")
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    metadata = archive.read(f"phasefield_spectral-{VERSION}.dist-info/METADATA").decode()
    assert f"\nName: {DISTRIBUTION}\n" in metadata and f"\nVersion: {VERSION}\n" in metadata
    entry_points = archive.read(f"phasefield_spectral-{VERSION}.dist-info/entry_points.txt")
    assert "phasefield = phasefield.cli:main" in entry_points.decode()  # the command's name stays
    packages = {
        str(init.parent.relative_to(ROOT))
        for init in (ROOT / "phasefield").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert packages and all(f"{package}/__init__.py" in names for package in packages)
    assert "phasefield/materials_data/al_mg.yaml" in names
    assert "phasefield/materials_data/observations/xu2021.yaml" in names  # its fit targets
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

    code = (
        "from phasefield.materials import load_material, material_path; "
        "assert load_material('al_mg').observation_set() is not None; "
        "print(material_path('al_mg'))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PHASEFIELD_MATERIALS")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).is_file()


def test_the_version_is_written_once_and_the_citation_repeats_it():
    import phasefield

    assert phasefield.__version__ == VERSION
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "phasefield.distribution.VERSION"}
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(citation["version"]) == VERSION


def test_the_distribution_name_is_free_of_the_unrelated_phasefield():
    """`phasefield` on the package index is another project: pyproject names ours."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION != "phasefield"
    assert f"{DISTRIBUTION}[test]" in project["optional-dependencies"]["dev"]
    assert project["scripts"] == {"phasefield": "phasefield.cli:main"}


#: An install command that names the unrelated `phasefield` distribution: `pip install phasefield`,
#: `pip install 'phasefield[gpu]'`, `pip install "phasefield>=1"`, ... (not `phasefield-spectral`).
_OTHER_PROJECT = re.compile(r"pip install\s+(-\S+\s+)*['\"]?phasefield(?![-_\w]|\.\w)")


def test_no_message_points_at_the_other_projects_package():
    assert _OTHER_PROJECT.search("CuPy is not installed (pip install 'phasefield[gpu]')")
    assert _OTHER_PROJECT.search("pip install -U phasefield")
    assert _OTHER_PROJECT.search("To use a GPU, run pip install phasefield.")
    assert not _OTHER_PROJECT.search(f"pip install '{DISTRIBUTION}[gpu]'")
    assert not _OTHER_PROJECT.search('pip install ".[gpu]"')
    sources = [
        path
        for path in (ROOT / "phasefield").rglob("*")
        if path.suffix in (".py", ".md", ".yaml") and "__pycache__" not in path.parts
    ]
    assert len(sources) > 50
    offending = [
        str(path.relative_to(ROOT))
        for path in sources
        if _OTHER_PROJECT.search(path.read_text(encoding="utf-8"))
    ]
    assert offending == []


def test_the_gpu_hint_names_a_clone_and_this_distribution():
    from phasefield.distribution import GPU_INSTALL

    assert 'pip install ".[gpu]"' in GPU_INSTALL
    assert f"pip install '{DISTRIBUTION}[gpu]'" in GPU_INSTALL
