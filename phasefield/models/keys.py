"""The ``model:`` section of a run config: what every model's keys declare and check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..schema import Strict, check_field_initial

__all__ = ["ModelKeys"]


class ModelKeys(Strict):
    """Base of every model's keys (a pydantic section with a ``kind`` literal).

    Class attributes say what a run of the model holds; the methods check what only the model
    knows, with messages that name the key (``initial.c: ...``, ``model.gb_width: ...``).
    """

    #: Fields the model steps, in the order they are stepped and stored.
    fields: ClassVar[tuple[str, ...]]
    #: Fields derived from the stepped ones at saves (grain ids).
    derived_fields: ClassVar[tuple[str, ...]] = ()
    #: The name of the leading dimension of a stacked field in the store (``eta`` -> ``op``).
    stack_dims: ClassVar[Mapping[str, str]] = {}
    #: Grid-sized work arrays the model's terms use besides its fields (a memory estimate).
    scratch_fields: ClassVar[int] = 2
    #: Whether the model's numbers are in SI units: then keys declared with a
    #: :class:`~phasefield.schema.Unit` take texts with units (``"0.5 nm"``), converted to it;
    #: a generic model's numbers are in whatever consistent units the user picks, and take none.
    si_units: ClassVar[bool] = False
    #: The time-stepping scheme a config of this model gets without ``time.scheme``: the one
    #: whose error is small at the steps the model's configs take (see the model's README).
    default_scheme: ClassVar[str] = "imex_euler"
    #: How each field moves to a coarser grid (``grid.regrid``): ``profile`` fields (order
    #: parameters) are re-profiled to the doubled width before the spectrum is truncated
    #: (:func:`~phasefield.models.moelans.widened_profile`), the others are truncated only
    #: (a conserved field keeps its mean). Empty: the model cannot regrid.
    regrid_fields: ClassVar[Mapping[str, str]] = {}
    #: The quantity a ``grid.regrid.widths`` trigger compares with the boundary width (a
    #: scalar of the saves), where the model has one.
    regrid_size: ClassVar[str | None] = None

    kind: str

    @property
    def interface_width(self) -> float:
        """The width the model's interfaces are given (a regrid doubles it)."""
        raise NotImplementedError(f"{self.kind} does not regrid")

    def widened(self, factor: float) -> ModelKeys:
        """These keys with every interface ``factor`` times wider (for a grid ``factor``
        times coarser): energies and mobilities are unchanged, so the physics is the same
        and the relaxation time grows by ``factor²``."""
        raise NotImplementedError(f"{self.kind} does not regrid")

    def check_initial(
        self, initial: dict[str, Any], shape: tuple[int, ...], spacing: tuple[float, ...] = ()
    ) -> list[str]:
        """Problems of ``initial`` for this model on a grid of ``shape`` and ``spacing``; by
        default every field needs an initial condition of the grid's shape, and nothing else
        may be given."""
        problems = [
            f"initial: no initial condition for {name}"
            for name in self.fields
            if name not in initial
        ]
        unknown = sorted(set(initial) - set(self.fields))
        if unknown:
            problems.append(
                f"initial: {', '.join(unknown)} is not a field of {self.kind} "
                f"(its fields: {', '.join(self.fields)})"
            )
        for name in self.fields:
            if name in initial:
                problems += check_field_initial(name, initial[name], shape, len(shape))
        return problems

    def components(self, name: str) -> int:
        """How many components field ``name`` stacks (default 1)."""
        return 1

    def check_time(self, scheme: str, order: int, adaptive: bool) -> list[str]:
        """Problems of stepping this model with ``scheme`` (of ``order``), adaptive or not."""
        return []

    def warnings(self, spacing: tuple[float, ...]) -> list[str]:
        """Things that are allowed but probably not meant (printed, never fatal)."""
        return []

    def step_description(self, dt: float) -> str | None:
        """How the model's steps are chosen, where it chooses them (``validate``)."""
        return None
