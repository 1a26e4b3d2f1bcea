"""Reports across runs (``phasefield report``): a table, a CSV and PNG figures, made by the
report hook of the stores' model (:class:`~phasefield.models.spec.ReportHook`; for ``al_mg``
the seed's anneals, :mod:`phasefield.models.al_mg.report`)."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .dims import TIME
from .models.registry import MODELS, spec_of
from .models.spec import ReportHook
from .simulation.store import StoreError, is_store, open_grids, open_run

__all__ = ["format_table", "report", "resolve_stores", "table_notes"]


def resolve_stores(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Path], list[str]]:
    """Stores named by ``paths`` (stores, or sweep files whose member stores exist), and a note
    for each sweep member that has no store yet."""
    from .sweep import load_sweep

    stores: list[Path] = []
    notes: list[str] = []
    for item in map(Path, paths):
        if item.suffix in (".yaml", ".yml") and item.is_file():
            sweep = load_sweep(item)
            for member in sweep.members:
                if member.store.exists():
                    stores.append(member.store)
                else:
                    notes.append(f"{member.name}: not run yet ({member.store})")
        elif is_store(item):
            stores.append(item)
        elif not item.exists():
            raise StoreError(f"{item}: no such store or sweep file")
        else:
            raise StoreError(f"{item}: neither a phasefield store nor a sweep file (.yaml)")
    if not stores:
        raise StoreError("no stores to report on: run the sweep first (phasefield sweep FILE)")
    return stores, notes


def _model_of(stores: Sequence[Path]) -> str:
    models = {str(open_run(s).attrs.get("model")): s for s in stores}
    if len(models) > 1:
        listing = ", ".join(f"{m} ({s})" for m, s in models.items())
        raise StoreError(
            f"the stores come from different models ({listing}); report one model at a time"
        )
    return next(iter(models))


def _hook(model: str) -> ReportHook:
    hook = spec_of(model).report if model in MODELS else None
    if hook is None:
        reported = ", ".join(kind for kind, spec in MODELS.items() if spec.report is not None)
        raise StoreError(
            f"report tabulates {reported} anneals; these stores are {model} runs "
            "(phasefield summary and phasefield grains show their series)"
        )
    return hook


def _opened(path: Path) -> Any:
    dataset = open_run(path)
    if dataset.sizes.get(TIME, 0) == 0:
        raise StoreError(f"{path}: the store holds no saves yet")
    return dataset


def _last_grid(path: Path) -> Any:
    """The dataset holding a store's last save with its fields: of a run that regrids, its
    last grid's (:func:`~phasefield.open_grids`); else the whole store."""
    return open_grids(path)[-1]


def _hook_of(rows: Sequence[Any]) -> ReportHook:
    for spec in MODELS.values():
        if spec.report is not None and isinstance(rows[0], spec.report.row_type):
            return spec.report
    raise TypeError(f"no report makes rows of type {type(rows[0]).__name__}")


def format_table(rows: Sequence[Any]) -> str:
    """The rows of a report as an aligned text table (by the hook whose rows they are)."""
    return _hook_of(rows).table(rows)


def table_notes(rows: Sequence[Any]) -> list[str]:
    """What the rows' hook says under the table (e.g. which values are derived)."""
    return _hook_of(rows).notes(rows)


def _write_csv(rows: Sequence[Any], path: Path) -> None:
    with path.open("w", newline="") as handle:
        names = list(asdict(rows[0]))
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))


def report(
    paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str] | None = None
) -> tuple[list[Any], list[Path], list[str]]:
    """Build the report of ``paths`` (stores or sweep files) and write it to ``out``.

    Returns
    -------
    rows, files, notes
        The table's rows (in the hook's order), the CSV and PNG files written, and notes on
        sweep members without a store.

    Raises
    ------
    StoreError
        No stores, something that is not a store, stores of different models, or a model
        without a report.
    """
    stores, notes = resolve_stores(paths)
    hook = _hook(_model_of(stores))
    rows = hook.rows([(store, _opened(store)) for store in stores])
    folder = Path(out) if out is not None else stores[0].parent / "report"
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"--out {folder}: exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "report.csv"
    _write_csv(rows, csv_path)
    files = [csv_path, *hook.figures(rows, folder, _last_grid)]
    return rows, files, notes
