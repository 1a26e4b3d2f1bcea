"""The report's anneals held against the seed's observations, each value with its role.

The roles follow the validation protocol (materials/README.md, "Fits and predictions"):

``fit target``
    The observation a fitted number of the material names in its ``fit_targets``: the model
    reproduces it because it was fitted to it, so it is never counted as reproduced.
``derived``
    The value shown for the anneal time was not simulated to it: a grain size extrapolated from
    the simulated window (``d from = derived``), the apparent diffusivity computed from such a
    size, or a β fraction or Mg content at the window's end (``t sim`` short of the anneal).
``prediction``
    Everything else the model gives: compared with the observation, matched or not.

The roles are computed from the material file's ``fit_targets`` and the observation file it
names (:mod:`phasefield.observations`), never written by hand.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...observations import Observation, ObservationSet
from .rows import AnnealRow

__all__ = [
    "DERIVED",
    "FIT_TARGET",
    "PREDICTION",
    "Comparison",
    "cell_role",
    "compare",
    "comparison_markdown",
    "role_counts",
    "write_comparison",
]

FIT_TARGET, PREDICTION, DERIVED = "fit target", "prediction", "derived"

#: Observation quantity -> the report row's attribute (in the observation's unit).
ROW_VALUES = {
    "grain_size": "grain_size_nm",
    "beta_fraction": "precipitate_fraction",
    "mg_in_alpha": "mg_in_alpha_wt",
    "apparent_diffusivity": "apparent_diffusivity",
}


#: How the comparison names the observed quantities.
QUANTITY_NAMES = {
    "grain_size": "grain size",
    "beta_fraction": "β fraction",
    "mg_in_alpha": "Mg in α",
    "apparent_diffusivity": "apparent diffusivity",
    "diffusivity_ratio": "apparent diffusivity ratio",
}


def _is_derived(row: AnnealRow, quantity: str) -> bool:
    """Whether a row's ``quantity`` for the anneal time was not simulated to that time."""
    if quantity in ("grain_size", "apparent_diffusivity"):
        return row.grain_size_from == "derived"
    return row.simulated_time < row.anneal_time * (1 - 1e-9)


def _fitted(
    quantity: str,
    alloy: str,
    temperature: float,
    anneal: float,
    observations: ObservationSet | None,
    targets: Mapping[str, Sequence[str]],
) -> tuple[str, ...]:
    """The material keys fitted to the observation of ``quantity`` after this anneal; an
    apparent diffusivity, computed from the grain size, shares the grain size's."""
    if observations is None:
        return ()
    keys: list[str] = []
    related = ("grain_size",) if quantity == "apparent_diffusivity" else ()
    for name in (quantity, *related):
        seen = observations.matching(name, alloy, temperature, anneal)
        if seen is not None:
            keys += [k for k in targets.get(seen.id, ()) if k not in keys]
    return tuple(keys)


def cell_role(
    row: AnnealRow,
    quantity: str,
    observations: ObservationSet | None,
    targets: Mapping[str, Sequence[str]],
) -> str:
    """The role of one value of a report row (``quantity``: a key of :data:`ROW_VALUES`)."""
    where = (row.alloy, row.temperature, row.anneal_time)
    if _fitted(quantity, *where, observations, targets):
        return FIT_TARGET
    return DERIVED if _is_derived(row, quantity) else PREDICTION


@dataclass(frozen=True)
class Comparison:
    """One observation and what the model gives for it (``None``: no run stands for it)."""

    observation: Observation
    model_value: float | None
    role: str
    agrees: bool | None
    fitted: tuple[str, ...]  # the material keys fitted to this observation

    @property
    def verdict(self) -> str:
        """``✓`` / ``✗`` for predictions and derived values; a fit target is never ticked."""
        if self.model_value is None:
            return "not run"
        if self.role == FIT_TARGET:
            return "fit target (" + ", ".join(self.fitted) + ")"
        mark = "✓" if self.agrees else "✗"
        return f"{mark} (derived)" if self.role == DERIVED else mark


def _rows_for(rows: Sequence[AnnealRow], observation: Observation) -> list[AnnealRow]:
    alloys = (observation.alloy or "").split("/")
    found = []
    for alloy in alloys:
        match = [
            r
            for r in rows
            if r.alloy == alloy and observation.concerns(alloy, r.temperature, r.anneal_time)
        ]
        if not match:
            return []
        found.append(match[0])
    return found


def compare(
    rows: Sequence[AnnealRow],
    observations: ObservationSet,
    targets: Mapping[str, Sequence[str]],
) -> list[Comparison]:
    """Every observation of an anneal (alloy, temperature and anneal time given) against the
    rows; ``targets``: observation id -> the material keys fitted to it."""
    out = []
    for observation in observations:
        if observation.alloy is None or observation.anneal is None:
            continue  # not an anneal's result (e.g. a phase-diagram range): no report cell
        if observation.quantity not in (*ROW_VALUES, "diffusivity_ratio"):
            continue
        fitted = tuple(targets.get(observation.id, ()))
        if observation.quantity == "apparent_diffusivity":
            where = (observation.alloy, observation.temperature or 0.0, observation.anneal)
            fitted = _fitted(observation.quantity, *where, observations, targets)
        matched = _rows_for(rows, observation)
        if not matched:
            out.append(Comparison(observation, None, PREDICTION, None, fitted))
            continue
        if observation.quantity == "diffusivity_ratio":
            first, second = (r.apparent_diffusivity for r in matched)
            value = first / second if second > 0 else float("inf")
            derived = any(_is_derived(r, "apparent_diffusivity") for r in matched)
        else:
            value = float(getattr(matched[0], ROW_VALUES[observation.quantity]))
            derived = _is_derived(matched[0], observation.quantity)
        role = FIT_TARGET if fitted else DERIVED if derived else PREDICTION
        out.append(Comparison(observation, value, role, observation.agrees(value), fitted))
    return out


def role_counts(comparisons: Sequence[Comparison]) -> str:
    """``12 predictions (7 agree with the observation), 2 fit targets, 5 derived, 1 not run``."""
    run = [c for c in comparisons if c.model_value is not None]
    predictions = [c for c in run if c.role == PREDICTION]
    agree = sum(bool(c.agrees) for c in predictions)
    derived = [c for c in run if c.role == DERIVED]
    fits = sum(c.role == FIT_TARGET for c in run)
    missing = len(comparisons) - len(run)
    return (
        f"{len(predictions)} predictions ({agree} agree with the observation), "
        f"{fits} fit targets, {len(derived)} derived "
        f"({sum(bool(c.agrees) for c in derived)} agree), {missing} not run"
    )


def _model_text(comparison: Comparison) -> str:
    if comparison.model_value is None:
        return "—"
    unit = "" if comparison.observation.unit == "1" else f" {comparison.observation.unit}"
    return f"{comparison.model_value:.3g}{unit}"


def comparison_markdown(comparisons: Sequence[Comparison]) -> str:
    """The comparison as a Markdown table (one row per observation), with the counts under it."""
    lines = [
        "| observation | the seed observes | the model gives | role | agrees |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in comparisons:
        o = c.observation
        hours = (o.anneal or 0.0) / 3600
        name = QUANTITY_NAMES.get(o.quantity, o.quantity)
        what = f"{o.alloy}, {o.temperature or 0.0:.0f} K, {hours:.3g} h: {name}"
        seen = f"{o.describe()} ({o.figure.split(';')[0].split(' (')[0].split(':')[0]})"
        lines.append(f"| {what} | {seen} | {_model_text(c)} | {c.role} | {c.verdict} |")
    lines += ["", role_counts(comparisons)]
    return "\n".join(lines) + "\n"


def write_comparison(comparisons: Sequence[Comparison], folder: Path) -> list[Path]:
    """``comparison.csv`` and ``comparison.md`` in ``folder``."""
    table = folder / "comparison.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["observation", "observed", "model", "role", "agrees", "fitted"])
        for c in comparisons:
            writer.writerow(
                [
                    c.observation.id,
                    c.observation.describe(),
                    "" if c.model_value is None else f"{c.model_value:.6g}",
                    c.role,
                    "" if c.agrees is None else str(c.agrees).lower(),
                    " ".join(c.fitted),
                ]
            )
    text = folder / "comparison.md"
    text.write_text(comparison_markdown(comparisons))
    return [table, text]
