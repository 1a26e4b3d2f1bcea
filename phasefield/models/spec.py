"""What the rest of the package knows of a model kind: one :class:`ModelSpec` per model,
gathered by :mod:`phasefield.models.registry`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..backend import Backend
from ..grid import Grid
from ..handler import Handler, RunContext
from .base import SpectralModel
from .keys import ModelKeys

__all__ = ["Analysis", "ModelSpec", "ReportHook", "Start"]


@dataclass(frozen=True)
class Start:
    """What a model's initial fields are built from."""

    keys: Any  # the model's keys (a ModelKeys subclass)
    initial: Mapping[str, Any]  # field -> validated initial condition
    grid: Grid
    backend: Backend
    seed: int
    dtype: np.dtype


class Analysis(Protocol):
    """Something derived at every save (grain ids and statistics): fields, scalars and series
    (``name -> (dims, values)``), with state kept in the run's checkpointed extras."""

    @property
    def coords(self) -> Mapping[str, np.ndarray]:
        """Coordinates of the dims its series use."""
        ...

    def restore(self, extras: dict[str, Any], backend: Backend) -> None: ...

    def analyse(
        self, run: RunContext
    ) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, Any]]: ...


class ReportHook(Protocol):
    """A table (and figures) across stores of one model (``phasefield report``)."""

    @property
    def row_type(self) -> type:
        """The class of its rows (dataclasses: the CSV has one column per field)."""
        ...

    def rows(self, datasets: Sequence[tuple[Path, Any]]) -> list[Any]:
        """One row per ``(path, dataset)``, in the table's order."""
        ...

    def table(self, rows: Sequence[Any]) -> str: ...

    def notes(self, rows: Sequence[Any]) -> list[str]:
        """Lines printed under the table."""
        ...

    def figures(
        self, rows: Sequence[Any], folder: Path, open_store: Callable[[Path], Any]
    ) -> list[Path]: ...


def _none(*args: Any) -> list[Any]:
    return []


@dataclass(frozen=True)
class ModelSpec:
    """One model kind.

    Attributes
    ----------
    kind : str
        The ``model.kind`` of configs.
    keys : type of ModelKeys
        The ``model:`` section (pydantic, with a ``kind`` literal).
    build : callable
        ``build(keys) -> SpectralModel``, every ``auto`` resolved to a number.
    initial : callable
        ``initial(start: Start) -> {field: values}``: every stepped field at ``t = 0`` (host
        arrays, or device arrays for stacks built on the device).
    handlers : callable
        ``handlers(keys, dt, grid) -> [Handler]``: the model's own handlers (remapping,
        nucleation, ...), called around the steps after the blow-up guard.
    analyses : callable
        ``analyses(keys) -> [Analysis]``: what is derived at every save.
    describe : callable
        ``describe(keys, dt, spacing) -> [str]``: lines ``phasefield validate`` prints.
    report : ReportHook, optional
        The model's table across runs (``phasefield report``).
    """

    kind: str
    keys: type[ModelKeys]
    build: Callable[[Any], SpectralModel]
    initial: Callable[[Start], dict[str, Any]]
    handlers: Callable[[Any, float, Grid], list[Handler]] = _none
    analyses: Callable[[Any], list[Analysis]] = _none
    describe: Callable[[Any, float, tuple[float, ...]], list[str]] = _none
    report: ReportHook | None = field(default=None)
