"""Every model kind, one line each: ``model.kind`` -> :class:`~phasefield.models.spec.ModelSpec`.

A model is one package under :mod:`phasefield.models` whose ``SPEC`` says what it is (its
keys, how to build it, its initial fields, handlers, analyses, report); this registry is the
only place that lists them, and nothing else in the package asks which model it has.
"""

from __future__ import annotations

import importlib

from .base import SpectralModel
from .keys import ModelKeys
from .spec import ModelSpec

__all__ = ["MODELS", "build_model", "spec_of"]


def _spec(package: str) -> ModelSpec:
    spec = importlib.import_module(f"{__package__}.{package}").SPEC
    assert isinstance(spec, ModelSpec), f"{package}.SPEC is not a ModelSpec"
    return spec


#: The models, by kind, in the order configs and messages list them.
MODELS: dict[str, ModelSpec] = {
    spec.kind: spec
    for spec in (
        _spec("cahn_hilliard"),
        _spec("grain_growth"),
        _spec("al_mg"),
        _spec("allen_cahn"),
    )
}


def spec_of(kind: str) -> ModelSpec:
    """The spec of model ``kind``."""
    try:
        return MODELS[kind]
    except KeyError:
        raise ValueError(f"unknown model kind {kind!r}: use one of {', '.join(MODELS)}") from None


def build_model(keys: ModelKeys) -> SpectralModel:
    """The model the keys of a config's ``model:`` section describe, with every ``auto``
    resolved to a number."""
    return spec_of(keys.kind).build(keys)
