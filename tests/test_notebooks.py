"""Every notebook runs top to bottom (shrunk with PHASEFIELD_NOTEBOOK_SMALL=1)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def _listing(folder: Path) -> set[Path]:
    """Every file under ``folder`` (checkpoints of a Jupyter session excepted)."""
    return {p for p in folder.rglob("*") if ".ipynb_checkpoints" not in p.parts}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("PHASEFIELD_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PHASEFIELD_ROOT", str(Path(__file__).parents[1]))
    monkeypatch.setenv("PHASEFIELD_NOTEBOOK_OUT", str(tmp_path / "out"))
    before = _listing(path.parent)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},  # run where a user opens it
    )
    client.execute()
    assert _listing(path.parent) == before, "the notebook wrote into the repository"
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    stores = {
        "01_quickstart": ["quickstart.zarr"],
        "02_grain_growth": ["grains.zarr"],
        "03_schwarz_vs_nanograined": ["notebook/sc8_523K.zarr", "notebook/report/report.csv"],
    }[path.stem]
    for store in stores:
        assert os.path.exists(tmp_path / "out" / store), store
