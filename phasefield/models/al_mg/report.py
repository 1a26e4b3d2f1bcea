"""The report of Al–Mg anneals: the seed paper's Fig. 2-4 quantities as a table, a CSV and PNG
figures (``phasefield report``).

Each row is one anneal (Xu et al., Science 373, 683 (2021),
doi:10.1126/science.abh0700): alloy, temperature, simulated time, mean grain size, β fraction,
Mg left in α, α lattice parameter (Vegard) and the apparent across-boundary diffusivity.

Grain size at the anneal time
    A run may simulate less than the anneal it stands for (``tags.anneal_time``, seconds): the
    grains of NG-50 grow from 50 nm to microns, further than one grid resolves. Its grain size
    at the anneal time is then *derived*, not simulated: the parabolic law d² = d0² + k t
    with the rate constant k fitted (least squares of d² against t) over the saves of the
    second half of the simulated time. The table says which (``d from``).

Apparent across-boundary diffusivity
    As the seed estimates it, "in terms of the measured increment in average grain sizes":
    ``D_app = C (d² − d0²) / t`` at the anneal time. The constant C = 0.675 is the seed's own
    pair for SC-8 at 723 K (8 → 12 nm in 1 h reported as 1.5e-20 m²/s), so the numbers are on
    the seed's scale; ratios between alloys do not depend on C.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import yaml

from ...dims import TIME
from ...materials import load_material
from ...observations import ObservationSet
from ...schema.errors import ConfigError
from ...tables import aligned
from .comparison import (
    DERIVED,
    FIT_TARGET,
    PREDICTION,
    ROW_VALUES,
    cell_role,
    compare,
    role_counts,
    write_comparison,
)
from .rows import AnnealRow, read_rows

__all__ = [
    "ANNEAL_REPORT",
    "APPARENT_DIFFUSIVITY_FACTOR",
    "AnnealReport",
    "AnnealRow",
    "anneal_row",
    "protocol_of",
    "read_rows",
]


#: C of D_app = C (d² − d0²) / t: the seed's SC-8 pair, 1.5e-20 m²/s for 8 → 12 nm in 3600 s.
APPARENT_DIFFUSIVITY_FACTOR = 1.5e-20 / ((12e-9**2 - 8e-9**2) / 3600.0)


def _config(dataset: xr.Dataset) -> dict[str, Any]:
    return dict(yaml.safe_load(dataset.attrs.get("config", "")) or {})


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


def anneal_row(dataset: xr.Dataset, path: Path) -> AnnealRow:
    """The report's row for one ``al_mg`` store (``dataset``, opened from ``path``), which
    holds at least one save."""
    config = _config(dataset)
    tags = dict(config.get("tags") or {})
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
        precipitate_fraction=float(last["precipitate_fraction"])
        + (float(last["subgrid_fraction"]) if "subgrid_fraction" in last else 0.0),
        mg_in_alpha_wt=float(last["c_matrix"]),
        lattice_parameter_nm=float(last["lattice_parameter"]) * 1e9,
        apparent_diffusivity=d_app,
        name=str(dataset.attrs.get("name", "")),
        store=str(path),
        status=str(dataset.attrs.get("status", "unknown")),
        material=str((config.get("model") or {}).get("material", "al_mg")),
    )


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


#: Columns whose cells carry their role (a letter, :data:`ROLE_LETTERS`): attribute -> quantity.
_ROLE_COLUMNS = {attribute: quantity for quantity, attribute in ROW_VALUES.items()}
ROLE_LETTERS = {FIT_TARGET: "F", PREDICTION: "P", DERIVED: "D"}


def format_table(rows: Sequence[AnnealRow], protocol: Protocol | None = None) -> str:
    """The rows as an aligned text table, each value of the compared quantities followed by its
    role (``F`` fit target, ``P`` prediction, ``D`` derived; :func:`cell_role`)."""
    observations, targets = protocol if protocol is not None else (None, {})
    cells = []
    for row in rows:
        values = asdict(row)
        values["anneal_time"] = values["anneal_time"] / 3600.0
        line = []
        for _, key, fmt in _COLUMNS:
            text = fmt.format(values[key])
            if key in _ROLE_COLUMNS:
                role = cell_role(row, _ROLE_COLUMNS[key], observations, targets)
                text = f"{text} {ROLE_LETTERS[role]}"
            line.append(text)
        cells.append(line)
    return "\n".join(aligned([title for title, _, _ in _COLUMNS], cells))


#: The observations a report compares with and, by observation id, the material keys fitted to
#: each (:meth:`~phasefield.materials.AlMgMaterial.fitted`).
Protocol = tuple[ObservationSet | None, dict[str, list[str]]]


def protocol_of(rows: Sequence[AnnealRow]) -> Protocol:
    """The observations and fit targets of the rows' material (the first row's), or none when
    the material cannot be read or names no observation file."""
    if not rows:
        return None, {}
    try:
        material = load_material(rows[0].material, Path(rows[0].store).parent)
    except ConfigError:
        return None, {}
    targets: dict[str, list[str]] = {}
    for key, ids in material.fitted().items():
        for identifier in ids:
            targets.setdefault(identifier, []).append(key)
    return material.observation_set(), targets


class AnnealReport:
    """The report hook of the Al–Mg model (:class:`~phasefield.models.spec.ReportHook`)."""

    row_type = AnnealRow

    def rows(self, datasets: Sequence[tuple[Path, xr.Dataset]]) -> list[AnnealRow]:
        """One row per store, sorted by alloy, then temperature, then anneal time."""
        return sorted(
            (anneal_row(dataset, path) for path, dataset in datasets),
            key=lambda r: (r.alloy, r.temperature, r.anneal_time, r.name),
        )

    def table(self, rows: Sequence[AnnealRow]) -> str:
        return format_table(rows, protocol_of(rows))

    def notes(self, rows: Sequence[AnnealRow]) -> list[str]:
        lines = [
            "roles: F fit target (a fitted material number was fitted to it), P prediction, "
            "D derived (not simulated to the anneal time)"
        ]
        derived = [r.name for r in rows if r.grain_size_from == "derived"]
        if derived:
            lines.append(
                "d from 'derived': grain size at the anneal time from d^2 = d0^2 + k t, k fitted "
                f"over the simulated time ({len(derived)} runs)"
            )
        observations, targets = protocol_of(rows)
        if observations is not None:
            comparisons = compare(rows, observations, targets)
            lines.append(f"against the observations: {role_counts(comparisons)}")
        return lines

    def figures(
        self, rows: Sequence[AnnealRow], folder: Path, open_store: Callable[[Path], xr.Dataset]
    ) -> list[Path]:
        from .figures import report_figures

        files = report_figures(rows, folder, open_store)
        observations, targets = protocol_of(rows)
        if observations is not None:
            files += write_comparison(compare(rows, observations, targets), folder)
        return files


#: The hook the registry names.
ANNEAL_REPORT = AnnealReport()
