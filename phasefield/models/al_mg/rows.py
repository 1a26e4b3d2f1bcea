"""The rows of the Al–Mg report: one anneal each (:mod:`phasefield.models.al_mg.report` makes
them from stores, :func:`read_rows` reads them back from a report's ``report.csv``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from pathlib import Path

__all__ = ["AnnealRow", "read_rows"]


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
    precipitate_fraction: float  # β volume fraction: resolved plus sub-grid
    mg_in_alpha_wt: float
    lattice_parameter_nm: float
    apparent_diffusivity: float  # m²/s
    name: str
    store: str
    status: str  # the run's status: "complete", or "running" for a run still going or stopped
    material: str = "al_mg"  # the run's model.material: a bundled name or a material file


def read_rows(path: Path) -> list[AnnealRow]:
    """The rows of a report's ``report.csv`` (as :func:`phasefield.report.report` writes it)."""
    floats = {f.name for f in fields(AnnealRow) if f.type == "float"}
    with Path(path).open(newline="") as handle:
        return [
            AnnealRow(**{k: float(v) if k in floats else v for k, v in line.items()})  # type: ignore[arg-type]
            for line in csv.DictReader(handle)
        ]
