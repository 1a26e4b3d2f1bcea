"""``model: {kind: al_mg}``: the coupled Al–Mg model of grains, Mg, β-Al3Mg2 and the
Schwarz-structure fraction. Its equations, keys and sources are in this package's README.md.

Modules: ``model`` (the model and its equations), ``fields`` (its pointwise fields),
``terms`` (their expressions), ``schwarz`` (the Schwarz law and its handler),
``environment`` (what β nucleation sees), ``nucleation`` (β nucleation, sub-grid growth and
promotion), ``population`` (the sub-grid size classes), ``placement`` (β placed on the grid),
``solidus`` (the solidus watch), ``handlers`` (all of a run's handlers), ``temperature`` (the
temperature programme), ``config`` (the keys), ``describe`` (what ``validate`` prints),
``report`` and ``figures`` (the anneal report)."""

from __future__ import annotations

from ..spec import ModelSpec
from .build import analyses, build, initial
from .config import AlMgConfig
from .describe import describe
from .handlers import handlers
from .model import AlMg, AlMgKinetics
from .report import ANNEAL_REPORT

__all__ = ["SPEC", "AlMg", "AlMgConfig", "AlMgKinetics", "build"]


SPEC = ModelSpec(
    kind="al_mg",
    keys=AlMgConfig,
    build=build,
    initial=initial,
    handlers=handlers,
    analyses=analyses,
    describe=describe,
    report=ANNEAL_REPORT,
)
