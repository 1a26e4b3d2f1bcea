"""Keys of ``model: {kind: allen_cahn}``."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat

from ..keys import ModelKeys

__all__ = ["AllenCahnConfig"]


class AllenCahnConfig(ModelKeys):
    """Allen–Cahn: ``∂φ/∂t = −L (f'(φ) − κ∇²φ)``, ``f = Wφ²(1−φ)² + Δφ²(3−2φ)``."""

    fields: ClassVar[tuple[str, ...]] = ("phi",)

    kind: Literal["allen_cahn"]
    mobility: PositiveFloat = Field(description="L")
    kappa: PositiveFloat = Field(description="gradient energy coefficient κ")
    height: PositiveFloat = Field(description="W of the double well W φ²(1−φ)²")
    tilt: float = Field(0.0, description="Δ = f(1) − f(0); negative: φ = 1 grows")
    stabilization: Literal["auto"] | NonNegativeFloat = Field(
        "auto", description="linear stabilisation s; auto = max|f''|/2, stable for any dt"
    )
