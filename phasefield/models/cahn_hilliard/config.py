"""Keys of ``model: {kind: cahn_hilliard}``."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ...schema import Strict
from ..keys import ModelKeys

__all__ = ["CahnHilliardConfig", "DoubleWellConfig"]


class DoubleWellConfig(Strict):
    """``f(c) = height (c - c_alpha)² (c_beta - c)²``."""

    kind: Literal["double_well"] = "double_well"
    height: PositiveFloat = Field(description="barrier scale h of the double well")
    c_alpha: float = Field(description="composition of the first well")
    c_beta: float = Field(description="composition of the second well")

    @model_validator(mode="after")
    def _ordered(self) -> DoubleWellConfig:
        if not self.c_beta > self.c_alpha:
            raise ValueError(
                f"c_beta ({self.c_beta}) must be greater than c_alpha ({self.c_alpha})"
            )
        return self


class CahnHilliardConfig(ModelKeys):
    """Cahn–Hilliard: ``∂c/∂t = ∇·(M(c)∇μ)``, ``μ = f'(c) − κ∇²c``."""

    fields: ClassVar[tuple[str, ...]] = ("c",)

    kind: Literal["cahn_hilliard"]
    mobility: PositiveFloat = Field(description="M, or M0 when mobility_form is c(1-c)")
    mobility_form: Literal["constant", "c(1-c)"] = Field(
        "constant", description="constant M, or M(c) = M0 c(1-c) (clipped at 0 outside [0, 1])"
    )
    kappa: PositiveFloat = Field(description="gradient energy coefficient")
    free_energy: DoubleWellConfig
    stabilization: Literal["auto"] | NonNegativeFloat = Field(
        "auto",
        description="linear stabilisation s (units of f''); auto = max|f''|/2 between the wells, "
        "which makes the scheme energy-stable for any dt; 0 switches it off",
    )
    mobility_stabilization: Literal["auto"] | PositiveFloat = Field(
        "auto",
        description="Zhu et al. constant A for mobility_form c(1-c); auto = the largest "
        "mobility, M0/4",
    )

    @field_validator("mobility_stabilization")
    @classmethod
    def _zhu_constant_needs_variable_mobility(
        cls, value: Literal["auto"] | float, info: ValidationInfo
    ) -> Literal["auto"] | float:
        if info.data.get("mobility_form") == "constant" and value != "auto":
            raise ValueError("only used with mobility_form: c(1-c); remove it")
        return value
