"""What ``phasefield summary`` and ``phasefield grains`` print: a store's scalar series and its
grain statistics per save, as aligned tables (with units) or JSON."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from .tables import aligned

__all__ = ["grain_rows", "print_grains", "print_summary", "summary_rows"]


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.10g}" if math.isfinite(value) else str(value)
    return str(value)


def summary_rows(dataset: Any) -> tuple[list[str], list[list[Any]]]:
    """Column names and rows of the scalar series of a store."""
    from .dims import TIME

    if TIME not in dataset.variables:  # the first save never completed
        return [TIME], []
    names = [name for name, variable in dataset.data_vars.items() if variable.dims == (TIME,)]
    order = ["step"] + sorted(name for name in names if name != "step")
    columns = [TIME] + [name for name in order if name in names]
    table = {TIME: dataset[TIME].values}
    for name in columns[1:]:
        table[name] = dataset[name].values
    rows = [[table[column][i].item() for column in columns] for i in range(dataset.sizes[TIME])]
    return columns, rows


def print_summary(path: Path, as_json: bool = False, out: Any = None) -> None:
    from .simulation.store import open_run

    out = out or sys.stdout
    dataset = open_run(path)
    columns, rows = summary_rows(dataset)
    attrs = dataset.attrs
    if as_json:
        json.dump(
            {
                "store": str(path),
                "name": attrs.get("name"),
                "model": attrs.get("model"),
                "status": attrs.get("status"),
                "backend": attrs.get("backend"),
                "precision": attrs.get("precision"),
                "series": {column: [row[i] for row in rows] for i, column in enumerate(columns)},
            },
            out,
            indent=1,
        )
        out.write("\n")
        return
    units = {name: dataset[name].attrs.get("units") for name in columns if name in dataset}
    print(
        f"{path}: {attrs.get('name')} ({attrs.get('model')}), status {attrs.get('status')}, "
        f"{len(rows)} saves, {attrs.get('backend')} {attrs.get('precision')}",
        file=out,
    )
    header = [f"{c} [{units[c]}]" if units.get(c) not in (None, "", "1") else c for c in columns]
    cells = [[_format_value(value) for value in row] for row in rows]
    for line in aligned(header, cells):
        print(line, file=out)


def grain_rows(dataset: Any) -> tuple[list[str], list[list[Any]]]:
    """Per-save grain statistics of a store: count, mean size, mean neighbour count and the
    spread of the size distribution (standard deviation of d / <d>)."""
    from .dims import TIME
    from .simulation.store import StoreError

    if "grain_count" not in dataset:
        raise StoreError("the store has no grain statistics (not a grain model run)")
    columns = [TIME, "step", "grain_count", "mean_grain_size", "mean_neighbours", "size_spread"]
    sizes = dataset["grain_size_distribution"].values
    centres = dataset["size_bin"].values
    neighbours = dataset["neighbour_distribution"].values
    counts = dataset["neighbours"].values
    rows = []
    for i in range(dataset.sizes[TIME]):
        total = max(int(sizes[i].sum()), 1)
        mean = float((sizes[i] * centres).sum() / total)
        spread = math.sqrt(max(float((sizes[i] * (centres - mean) ** 2).sum() / total), 0.0))
        rows.append(
            [
                float(dataset[TIME].values[i]),
                int(dataset["step"].values[i]),
                int(dataset["grain_count"].values[i]),
                float(dataset["mean_grain_size"].values[i]),
                float((neighbours[i] * counts).sum() / max(int(neighbours[i].sum()), 1)),
                spread,
            ]
        )
    return columns, rows


def print_grains(path: Path, as_json: bool = False) -> None:
    from .simulation.store import open_run

    dataset = open_run(path)
    columns, rows = grain_rows(dataset)
    if as_json:
        json.dump(
            {
                "store": str(path),
                "series": {c: [r[i] for r in rows] for i, c in enumerate(columns)},
                "size_bin": dataset["size_bin"].values.tolist(),
                "grain_size_distribution": dataset["grain_size_distribution"].values.tolist(),
                "neighbours": dataset["neighbours"].values.tolist(),
                "neighbour_distribution": dataset["neighbour_distribution"].values.tolist(),
            },
            sys.stdout,
            indent=1,
        )
        sys.stdout.write("\n")
        return
    unit = dataset["mean_grain_size"].attrs.get("units")
    shown = unit not in (None, "", "1")  # dimensionless: no unit
    header = [f"{c} [{unit}]" if c == "mean_grain_size" and shown else c for c in columns]
    cells = [[_format_value(v) for v in row] for row in rows]
    print(f"{path}: {len(rows)} saves", file=sys.stdout)
    for line in aligned(header, cells):
        print(line)
