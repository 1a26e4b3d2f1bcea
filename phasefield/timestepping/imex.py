"""One multistep IMEX stepper for every scheme of :mod:`~phasefield.timestepping.schemes`.

A step evaluates the model's explicit terms, transforms them, applies the scheme's update
(:mod:`~phasefield.timestepping.update`) and transforms back, in the layout of
:mod:`~phasefield.timestepping.layout`; conserved fields follow by implicit diffusion
(:mod:`~phasefield.timestepping.splitting`). One step costs one forward and one inverse real
FFT per field, plus the model's own transforms when its explicit term lives in Fourier space.
When the model's kinetics limit the step, the stepper takes the shorter one.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..expression import Expression, parse_expression
from ..models.base import ComponentTerm, KPolynomial, SpectralModel, StepTerms
from ..spectral import SpectralSpace
from ..state import Spectra, State
from .base import Stepper
from .control import StepControl
from .lanes import Lane
from .layout import FieldLayout
from .schemes import SCHEMES, Coefficients, Scheme
from .splitting import ConservedSplitting
from .update import scale_spectrum, spectral_update

__all__ = ["MultistepIMEX", "make_stepper"]


def make_stepper(
    scheme: str, model: SpectralModel, space: SpectralSpace, control: StepControl | None = None
) -> Stepper:
    """The stepper of ``scheme`` (a name in :data:`~phasefield.timestepping.schemes.SCHEMES`)
    for ``model`` on ``space``, with step-size ``control``."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme '{scheme}': use one of {', '.join(SCHEMES)}")
    return MultistepIMEX(SCHEMES[scheme], model, space, control)


def _constant(polynomial: np.ndarray) -> bool:
    """Whether an operator's polynomial in ``k²`` is a constant."""
    return not np.any(np.asarray(polynomial)[1:])


@functools.lru_cache(maxsize=64)
def _combined(expression: Expression, variable: str) -> Expression:
    """``_keep·u + _gain·N``: the explicit part of an IMEX step in real space, in one pass."""
    names = expression.names | {variable, "_keep", "_gain"}
    return parse_expression(f"_keep*{variable} + _gain*({expression.source})", names)


class MultistepIMEX(Stepper):
    """Steps a model with a multistep IMEX scheme (see the module docstring).

    A scheme with earlier steps (``levels > 0``) keeps per spectral field ``û^{n-h}`` and
    ``E^{n-h}`` in :attr:`State.history` (checkpointed, so a resumed run is bit-identical),
    with the last step's length. A step after the state was changed outside the scheme
    (:meth:`resynchronise`, e.g. a grain remap) starts the history again. Fields solved by
    implicit diffusion are split from the rest at first order, so only first-order schemes
    step models with conserved fields.
    """

    def __init__(
        self,
        scheme: Scheme,
        model: SpectralModel,
        space: SpectralSpace,
        control: StepControl | None = None,
    ) -> None:
        if control is not None and not scheme.controllable:
            raise ValueError(f"{scheme.name} has no step-size control: use sbdf2")
        if model.conserved_fields and scheme.order > ConservedSplitting.order:
            raise ValueError(
                f"{scheme.name} is order {scheme.order} only for fields stepped in Fourier "
                f"space; {type(model).__name__} steps {', '.join(model.conserved_fields)} by "
                "implicit diffusion: use imex_euler"
            )
        super().__init__(model, space, control)
        self.scheme = scheme
        self.order = scheme.order
        self.controllable = scheme.controllable
        self.layout = FieldLayout(model, space)
        self.splitting = ConservedSplitting(model, space)
        self._factor: tuple[tuple, Any] | None = None
        self._operators = {
            name: (
                model.implicit_operator(name).array,
                model.explicit_operator(name).array,
                model.explicit_multiplier(name).array,
            )
            for name in model.spectral_fields
        }
        self._history: dict[str, Any] = {}
        self._history_names = {name: self._history_keys(name) for name in model.spectral_fields}
        for name in model.spectral_fields:
            for key in self._history_names[name]:
                buffer = space.empty_spectral(self.layout.components[name])
                buffer[...] = 0
                self._history[key] = buffer
        # Σ w |û_scheme − û_Euler|² of the last step, per field, or per component of a stack
        # stepped in lanes (summed in component order after the step: deterministic)
        self._estimates: dict[str, list[float]] = {}

    def _history_keys(self, name: str) -> list[str]:
        """Keys of a field's history in :attr:`State.history`: ``previous.{name}`` and
        ``explicit.{name}`` for the step before, ``previous{h}.{name}`` further back."""
        levels = range(1, self.scheme.levels + 1)
        tags = ["" if h == 1 else str(h) for h in levels]
        return [f"previous{t}.{name}" for t in tags] + [f"explicit{t}.{name}" for t in tags]

    # ---- states ------------------------------------------------------------------------------

    def _state(self, time: float, step: int, rng: np.random.Generator) -> State:
        layout = self.layout
        state = State(
            dict(layout.fields), Spectra(layout.spectral, layout.refresh), time, step, rng
        )
        if self.scheme.levels:
            state.history = dict(self._history)
            state.history["dt"] = 0.0  # no earlier step: the next one starts the history
        return state

    def initialise(
        self,
        fields: dict[str, Any],
        time: float = 0.0,
        step: int = 0,
        rng: np.random.Generator | None = None,
    ) -> State:
        layout = self.layout
        for name, values in fields.items():
            self.space.backend.copy_into(layout.fields[name], values)
            if name not in layout.spectral:
                continue
            self.space.transform(layout.fields[name], layout.spectral[name])
            # Start from the field the spectrum represents, as every later step does.
            layout.rebuild(name)
        return self._state(time, step, rng if rng is not None else np.random.default_rng(0))

    def restore(
        self,
        spectral: dict[str, np.ndarray],
        time: float,
        step: int,
        rng: np.random.Generator,
        real: dict[str, np.ndarray] | None = None,
        history: dict[str, np.ndarray] | None = None,
    ) -> State:
        layout, backend = self.layout, self.space.backend
        for name, values in spectral.items():
            backend.copy_into(layout.spectral[name], values)
            layout.rebuild(name)
        state = self._state(time, step, rng)
        for name, values in (real or {}).items():
            backend.copy_into(layout.fields[name], values)
            if name in layout.spectral and name not in spectral:  # checkpointed by real values
                self.resynchronise(state, name)
        if self.scheme.levels and history and all(key in history for key in state.history):
            for key, buffer in self._history.items():
                backend.copy_into(buffer, history[key])
            state.history["dt"] = float(history["dt"])
            if "next_dt" in history:
                state.history["next_dt"] = float(history["next_dt"])
        return state

    def resynchronise(self, state: State, name: str, components: list[int] | None = None) -> None:
        """Recompute ``spectral[name]`` after its real field (the listed ``components`` of a
        stack, default all) was changed in place, e.g. by a remap; the real field is then
        rebuilt from the spectrum, as after every step, and the history starts again.

        A stack whose step is combined in real space (:meth:`_component_task`) reads nothing
        but its real values: its spectrum is only marked stale (derived when read).
        """
        state.revision += 1
        if self.scheme.levels:
            state.history["dt"] = 0.0  # the history no longer belongs to this state
        layout = self.layout
        if self._steps_from_real_values(name):
            state.spectral.stale(name)
            return
        state.spectral.derive(name)  # first, when stale: only some components may change
        state.spectral.kept(name)
        if name not in layout.lanes:
            layout.refresh(name)
            layout.rebuild(name)
            return
        fields, spectral = state.fields[name], state.spectral[name]
        forward = layout.forward(name)

        def resynchronise(lane: Lane, component: int) -> None:
            forward(lane, component)
            lane.spectral[...] = spectral[component]
            lane.fft.inverse(lane.spectral, fields[component])

        layout.run(name, resynchronise, components)

    def proposed_dt(self, state: State, dt: float) -> float:
        """With step-size control, the step it chose after the last one (``dt`` first)."""
        if self.control is None:
            return dt
        return float(state.history.get("next_dt", dt))

    # ---- the step ----------------------------------------------------------------------------

    def step(self, state: State, dt: float) -> float:
        space, layout = self.space, self.layout
        component_terms = None
        if layout.componentwise:
            component_terms, terms = self.model.component_terms(state, space), StepTerms()
        else:
            terms = self.model.explicit(state, layout.work, space) or StepTerms()
        if terms.max_dt is not None and terms.max_dt < dt:
            dt = terms.max_dt
        coefficients = self.scheme.coefficients(dt, state.history.get("dt", 0.0))
        if self.control is not None:
            self._estimates = {name: [math.nan] * layout.components[name] for name in layout.lanes}
        operators = terms.operators or {}
        for name in self.model.spectral_fields:
            field_operators = operators.get(name, self._operators[name])
            if name in layout.lanes:
                term = None if component_terms is None else component_terms[name]
                task = self._component_task(state, name, term, dt, coefficients, field_operators)
                layout.run(name, task)
                if self._in_real_space(term, field_operators):
                    state.spectral.stale(name)
                else:
                    state.spectral.kept(name)
                continue
            transforms = space.transforms(layout.components[name])
            work = layout.work_for(name)
            if layout.fourier:
                scale = 1.0
            else:
                scale = space.scale
                transforms.forward(layout.work[name], work)
            self._update(state, name, None, work, dt, scale, coefficients, field_operators)
            transforms.inverse(work, state.fields[name])
            state.spectral.kept(name)
        self.splitting.advance(state, terms, dt)
        state.time += dt
        state.step += 1
        state.revision += 1
        if self.scheme.levels:
            self._close_history(state, dt)
        return dt

    def _close_history(self, state: State, taken: float) -> None:
        """Record the step taken and, with step-size control, choose the next one."""
        state.history["dt"] = taken
        if self.control is None:
            return
        totals = [sum(shares) for shares in self._estimates.values()]
        if totals and not any(map(math.isnan, totals)):  # estimated: vs Euler's step
            state.history["next_dt"] = self.control.next_dt(taken, math.sqrt(max(totals)))
        else:  # a first-order step (start, restart) has no estimate: go on with this step
            state.history["next_dt"] = max(taken, state.history.get("next_dt", taken))

    def _update(
        self,
        state: State,
        name: str,
        component: int | None,
        work: Any,
        dt: float,
        scale: float,
        coefficients: Coefficients,
        operators: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> None:
        """The spectral update of field ``name`` (or of one ``component`` of its stack) from
        the transformed explicit term in ``work``, written to the state and to ``work``."""
        arrays = [state.spectral[name], *(state.history[k] for k in self._history_names[name])]
        if component is not None:
            arrays = [array[component] for array in arrays]
        estimated = self.control is not None and coefficients.estimated
        squares = spectral_update(
            self.space.backend,
            coefficients,
            arrays[0],
            work,
            arrays[1:],
            self.space.k2_axes,
            dt,
            scale,
            operators,
            self.space.weights if estimated else None,
        )
        if squares is not None:  # the mean square per component, summed over a stack
            share = squares / self.layout.components[name]
            if component is None:
                self._estimates[name] = [share]
            else:  # lanes write their own entries
                self._estimates[name][component] = share

    def _component_task(
        self,
        state: State,
        name: str,
        term: ComponentTerm | None,
        dt: float,
        coefficients: Coefficients,
        operators: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> Callable[[Lane, int], None]:
        """The step of one component of a stack, as run in a lane: its explicit term (from
        ``term``, evaluated now from the state as it was, else already in the work stack),
        forward transform, spectral update and inverse transform.

        When ``S`` and ``K`` are constants ``s`` and ``K₀`` and the scheme keeps no earlier
        steps, the explicit part is formed in real space by the same pass that evaluates
        ``N``, and the update in Fourier space is one multiplication,

        .. math:: \\hat u^{n+1} = \\frac{\\mathcal F\\big[(\\alpha_0
                  + \\Delta t\\,\\gamma_0 s)\\,u^n + \\Delta t\\,\\gamma_0 K_0\\,N(u^n)\\big]}
                  {a + \\Delta t\\,L(k^2)},

        the scheme's update (:mod:`~phasefield.timestepping.update`) with the factors applied
        in real space: equal because ``û^n`` is the transform of ``u^n`` (the fields are
        rebuilt from their spectra every step). The factor ``1/(a + Δt L)`` is kept while
        ``Δt``, ``a`` and ``L`` stay the same, so the update reads no ``k²`` and divides
        nothing.
        Such a step reads the real values only, and does not write the state's spectrum
        (marked stale by :meth:`step`; derived when read) except its mean modes, the blow-up
        guard's witness: the spectrum's copy is saved.
        """
        space, backend = self.space, self.space.backend
        fields = state.fields[name]
        implicit, explicit_linear, multiplier = operators

        if not self._in_real_space(term, operators):
            state.spectral.derive(name)  # now, not from inside a lane
            work = self.layout.work[name]

            def general(lane: Lane, c: int) -> None:
                if term is None:  # N of every component is in the work stack
                    source = work[c]
                else:
                    values = {term.variable: term.stack[c], **term.shared}
                    source = backend.evaluate(term.expression, lane.real, values)
                lane.fft.forward(source, lane.spectral)
                self._update(
                    state, name, c, lane.spectral, dt, space.scale, coefficients, operators
                )
                lane.fft.inverse(lane.spectral, fields[c])

            return general
        assert term is not None  # (as _in_real_space checked)
        combined = _combined(term.expression, term.variable)
        dt_gamma = dt * coefficients.gamma[0]
        shared = {
            **term.shared,
            "_keep": coefficients.alpha[0] + dt_gamma * float(explicit_linear[0]),
            "_gain": dt_gamma * float(multiplier[0]),
        }
        factor = self._implicit_factor(dt, coefficients.implicit, implicit)
        spectral = state.spectral.buffer(name)

        def in_real_space(lane: Lane, c: int) -> None:
            backend.evaluate(combined, lane.real, {term.variable: term.stack[c], **shared})
            lane.fft.forward(lane.real, lane.spectral)
            scale_spectrum(backend, lane.spectral, factor)
            spectral[c].reshape(-1)[:1] = lane.spectral.reshape(-1)[:1]
            lane.fft.inverse(lane.spectral, fields[c])

        return in_real_space

    def _in_real_space(self, term: ComponentTerm | None, operators: tuple[np.ndarray, ...]) -> bool:
        """Whether a componentwise step with this ``term`` and these operators is combined in
        real space."""
        return term is not None and self._combines(operators[1], operators[2])

    def _combines(self, explicit_linear: np.ndarray, multiplier: np.ndarray) -> bool:
        """Whether a componentwise step with these ``S`` and ``K`` is combined in real space:
        a one-step scheme (history lives in Fourier space) with constant ``S`` and ``K``."""
        return not self.scheme.levels and _constant(explicit_linear) and _constant(multiplier)

    def _steps_from_real_values(self, name: str) -> bool:
        """Whether a step of field ``name`` reads its real values only (not its spectrum)."""
        _, explicit_linear, multiplier = self._operators[name]
        return (
            self.layout.componentwise
            and name in self.layout.lanes
            and self._combines(explicit_linear, multiplier)
        )

    def _implicit_factor(self, dt: float, a: float, implicit: np.ndarray) -> Any:
        """``s / (a + Δt L(k²))`` (``s`` the transform's normalisation), kept while ``Δt``,
        ``a`` and ``L`` stay the same."""
        key = (float(dt), float(a), tuple(float(c) for c in implicit))
        if self._factor is None or self._factor[0] != key:
            space = self.space
            operator = KPolynomial(key[2])(space.k2)
            self._factor = (key, space.scale / (key[1] + key[0] * operator))
        return self._factor[1]
