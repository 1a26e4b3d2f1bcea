"""Reports across runs: the seed paper's Fig. 2-4 quantities as a table, a CSV and PNG figures.

For ``al_mg`` stores each row is one anneal (Xu et al., Science 373, 683 (2021),
doi:10.1126/science.abh0700): alloy, temperature, simulated time, mean grain size, β fraction,
Mg left in α, α lattice parameter (Vegard) and the apparent across-boundary diffusivity.

Grain size at the anneal time
    A run may simulate less than the anneal it stands for (``tags.anneal_time``, seconds): the
    grains of NG-50 grow from 50 nm to microns, further than one grid resolves (MODELLING.md,
    "the scale gap"). Its grain size at the anneal time is then *derived*, not simulated: the
    parabolic law d² = d0² + k t with the rate constant k fitted (least squares of d² against t)
    over the saves of the second half of the simulated time. The table says which (``d from``).

Apparent across-boundary diffusivity
    As the seed estimates it, "in terms of the measured increment in average grain sizes":
    ``D_app = C (d² − d0²) / t`` at the anneal time. The constant C = 0.675 is the seed's own
    pair for SC-8 at 723 K (8 → 12 nm in 1 h reported as 1.5e-20 m²/s; MODELLING.md), so the
    numbers are on the seed's scale; ratios between alloys do not depend on C.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import yaml

from .store import TIME, StoreError, open_run
from .tables import aligned

__all__ = ["APPARENT_DIFFUSIVITY_FACTOR", "AnnealRow", "anneal_row", "report", "resolve_stores"]

#: C of D_app = C (d² − d0²) / t: the seed's SC-8 pair, 1.5e-20 m²/s for 8 → 12 nm in 3600 s.
APPARENT_DIFFUSIVITY_FACTOR = 1.5e-20 / ((12e-9**2 - 8e-9**2) / 3600.0)


@dataclass(frozen=True)
class AnnealRow:
    """One anneal of the report (SI units except where the name says nm or wt%)."""

    alloy: str
    temperature: float
    simulated_time: float
    anneal_time: float
    grain_size_initial_nm: float
    grain_size_nm: float
    grain_size_from: str  # "simulated" or "derived"
    growth_constant: float  # k of d² − d0² = k t, m²/s
    precipitate_fraction: float
    mg_in_alpha_wt: float
    lattice_parameter_nm: float
    apparent_diffusivity: float  # m²/s
    name: str
    store: str
    status: str  # the run's status: "complete", or "running" for a run still going or stopped


def _tags(dataset: xr.Dataset) -> dict[str, Any]:
    config = yaml.safe_load(dataset.attrs.get("config", "")) or {}
    return dict(config.get("tags") or {})


def _growth_constant(times: np.ndarray, sizes: np.ndarray) -> float:
    """k of d² = d0² + k t, least squares over the saves of the second half of the run."""
    if times.size < 2 or times[-1] <= 0:
        return 0.0
    late = times >= 0.5 * times[-1]
    if late.sum() < 2:
        late = np.zeros_like(late)
        late[-2:] = True
    slope = np.polyfit(times[late], sizes[late] ** 2, 1)[0]
    return float(slope)


def anneal_row(path: str | os.PathLike[str]) -> AnnealRow:
    """The report's row for one ``al_mg`` store."""
    dataset = open_run(Path(path))
    if dataset.sizes.get(TIME, 0) == 0:
        raise StoreError(f"{path}: the store holds no saves yet")
    tags = _tags(dataset)
    times = dataset[TIME].values.astype(float)
    sizes = dataset["mean_grain_size"].values.astype(float)
    end = float(times[-1])
    anneal = float(tags.get("anneal_time", end))
    d0, d_end = float(sizes[0]), float(sizes[-1])
    k = _growth_constant(times, sizes)
    if anneal > end * (1 + 1e-9):
        size, source = math.sqrt(max(d0**2 + max(k, 0.0) * anneal, 0.0)), "derived"
    else:
        size, source = d_end, "simulated"
    d_app = APPARENT_DIFFUSIVITY_FACTOR * (size**2 - d0**2) / anneal if anneal > 0 else 0.0
    last = dataset.isel({TIME: -1})
    return AnnealRow(
        alloy=str(tags.get("alloy", dataset.attrs.get("name", Path(path).stem))),
        temperature=float(last["temperature"]),
        simulated_time=end,
        anneal_time=anneal,
        grain_size_initial_nm=d0 * 1e9,
        grain_size_nm=size * 1e9,
        grain_size_from=source,
        growth_constant=k,
        precipitate_fraction=float(last["precipitate_fraction"]),
        mg_in_alpha_wt=float(last["c_matrix"]),
        lattice_parameter_nm=float(last["lattice_parameter"]) * 1e9,
        apparent_diffusivity=d_app,
        name=str(dataset.attrs.get("name", "")),
        store=str(path),
        status=str(dataset.attrs.get("status", "unknown")),
    )


def resolve_stores(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Path], list[str]]:
    """Stores named by ``paths`` (stores, or sweep files whose member stores exist), and a note
    for each sweep member that has no store yet."""
    from .store import is_store
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


_COLUMNS = (
    ("alloy", "alloy", "{}"),
    ("T [K]", "temperature", "{:.0f}"),
    ("t sim [s]", "simulated_time", "{:.4g}"),
    ("anneal [h]", "anneal_time", "{:.3g}"),
    ("d0 [nm]", "grain_size_initial_nm", "{:.1f}"),
    ("d [nm]", "grain_size_nm", "{:.4g}"),
    ("d from", "grain_size_from", "{}"),
    ("beta fraction", "precipitate_fraction", "{:.3g}"),
    ("Mg in alpha [wt%]", "mg_in_alpha_wt", "{:.2f}"),
    ("a_alpha [nm]", "lattice_parameter_nm", "{:.5f}"),
    ("D_app [m^2/s]", "apparent_diffusivity", "{:.2g}"),
    ("run", "status", "{}"),
)


def format_table(rows: Sequence[AnnealRow]) -> str:
    """The rows as an aligned text table."""
    cells = []
    for row in rows:
        values = asdict(row)
        values["anneal_time"] = values["anneal_time"] / 3600.0
        cells.append([fmt.format(values[key]) for _, key, fmt in _COLUMNS])
    return "\n".join(aligned([title for title, _, _ in _COLUMNS], cells))


def _write_csv(rows: Sequence[AnnealRow], path: Path) -> None:
    with path.open("w", newline="") as handle:
        names = list(asdict(rows[0]))
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))


def report(
    paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str] | None = None
) -> tuple[list[AnnealRow], list[Path], list[str]]:
    """Build the report of ``paths`` (stores or sweep files) and write it to ``out``.

    Returns
    -------
    rows, files, notes
        The table's rows (sorted by alloy, then temperature, then anneal time), the CSV and PNG
        files written, and notes on sweep members without a store.

    Raises
    ------
    StoreError
        No stores, something that is not a store, or stores of different models.
    """
    from .plots import report_figures

    stores, notes = resolve_stores(paths)
    model = _model_of(stores)
    if model != "al_mg":
        raise StoreError(
            f"report tabulates al_mg anneals; these stores are {model} runs "
            "(phasefield summary and phasefield grains show their series)"
        )
    rows = sorted(
        (anneal_row(s) for s in stores),
        key=lambda r: (r.alloy, r.temperature, r.anneal_time, r.name),
    )
    folder = Path(out) if out is not None else stores[0].parent / "report"
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"--out {folder}: exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "report.csv"
    _write_csv(rows, csv_path)
    files = [csv_path, *report_figures(rows, folder)]
    return rows, files, notes
