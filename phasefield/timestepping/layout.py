"""Where a step's work happens: the buffers of one run's fields and how each field is
transformed, as one batched call or component by component in lanes. Separate from the
scheme: any scheme's update runs in the same layout.

Per field: the real field, its spectrum and a real work array for the explicit term ``N``
(none when the model writes ``N`` over the field,
:attr:`~phasefield.models.base.SpectralModel.explicit_in_place`); one spectral work array
shared by all fields (one per field when ``N`` is given in Fourier space). A field of several
components (the order parameters of a grain structure) is a stack along a leading axis. When
each component starts on a SIMD boundary, a stack is stepped component by component (transform,
update, inverse transform) through one-component buffers, which keeps each component's work in
cache and saves memory, in :class:`~phasefield.timestepping.lanes.Lanes` (components side by
side, one per CPU thread); otherwise in one batched call. A model with
:attr:`~phasefield.models.base.SpectralModel.componentwise` terms then also evaluates ``N`` one
component at a time, into a one-component real buffer, just before that component's transform:
each order parameter is read from memory once and written once per step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..models.base import SpectralModel
from ..spectral import SpectralSpace
from .lanes import Lane, Lanes

__all__ = ["FieldLayout"]


class FieldLayout:
    """The buffers, plans and lanes of a model's fields on a space.

    Attributes
    ----------
    fields, spectral : dict of str to array
        The state's real fields and spectra (the stepper's own buffers).
    work : dict of str to array
        Where the model writes ``N`` of each spectral field.
    lanes : dict of str to Lanes
        The stacks stepped component by component.
    componentwise : bool
        Whether stacks are stepped from the model's componentwise terms.
    """

    def __init__(self, model: SpectralModel, space: SpectralSpace) -> None:
        self.space = space
        names = model.spectral_fields
        self.fourier = model.explicit_space == "fourier"
        self.components = {name: model.components(name) for name in model.fields}
        self.fields = {name: space.empty_real(self.components[name]) for name in model.fields}
        self.spectral = {name: space.empty_spectral(self.components[name]) for name in names}
        self.per_component = not self.fourier and space.per_component()
        # a stack stepped one component at a time from the model's componentwise terms: one
        # real work buffer of one component serves all
        self.componentwise = (
            self.per_component
            and model.componentwise
            and any(self.components[name] > 1 for name in names)
        )
        if self.fourier:
            self.work = {name: space.empty_spectral(self.components[name]) for name in names}
        elif self.componentwise:
            single = space.empty_real()
            self.work = {name: single for name in names}
        elif model.explicit_in_place:
            self.work = {name: self.fields[name] for name in names}
        else:
            self.work = {name: space.empty_real(self.components[name]) for name in names}
        if not self.fourier:
            widest = 1 if self.per_component else max(self.components[name] for name in names)
            self._work_spectral = space.empty_spectral(widest)
        # plan on buffers that are still empty; a stack stepped component by component runs
        # in lanes, one per CPU thread, each with its own one-component buffers and plans
        self.lanes: dict[str, Lanes] = {}
        for name in names:
            work_spectral = self.work_for(name)
            if self.per_component and self.components[name] > 1:
                single = self.work[name] if self.componentwise else space.empty_real()
                self.lanes[name] = Lanes(
                    space, self.components[name], first=(single, work_spectral)
                )
            else:
                space.plan(self.fields[name], work_spectral)

    def work_for(self, name: str) -> Any:
        """The spectral buffer a field's step goes through (a prefix of the shared one)."""
        if self.fourier:
            return self.work[name]
        if self.per_component:
            return self._work_spectral
        components = self.components[name]
        shared = self._work_spectral
        if self.space.components(shared) == components:
            return shared
        return shared[0] if components == 1 else shared[:components]

    def run(self, name: str, task: Callable[[Lane, int], None], components: Any = None) -> None:
        """``task(lane, c)`` for the ``components`` of a stack in lanes (default all)."""
        if components is None:
            components = range(self.components[name])
        self.lanes[name].run(components, task)

    def rebuild(self, name: str) -> None:
        """``fields[name] <- c2r(spectral[name])`` through the work buffer the step uses."""
        if name in self.lanes:
            spectral, fields = self.spectral[name], self.fields[name]

            def rebuild(lane: Lane, component: int) -> None:
                lane.spectral[...] = spectral[component]
                lane.fft.inverse(lane.spectral, fields[component])

            self.run(name, rebuild)
            return
        work = self.work_for(name)
        work[...] = self.spectral[name]
        self.space.transforms(self.components[name]).inverse(work, self.fields[name])

    def refresh(self, name: str) -> None:
        """``spectral[name] <-`` the normalised transform of ``fields[name]``, which is kept
        (a stale spectrum, :class:`~phasefield.state.Spectra`, is derived by this)."""
        if name not in self.lanes:
            self.space.transform(self.fields[name], self.spectral[name])
            return
        self.run(name, self.forward(name))

    def forward(self, name: str) -> Callable[[Lane, int], None]:
        """The lane task writing one component's normalised transform into its spectrum."""
        scale, fields, spectral = self.space.scale, self.fields[name], self.spectral[name]

        def forward(lane: Lane, component: int) -> None:
            lane.fft.forward(fields[component], spectral[component])
            spectral[component] *= scale

        return forward
