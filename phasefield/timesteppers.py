"""Semi-implicit (IMEX) Fourier-spectral time steppers, in a registry by name.

A stepper owns the work buffers of one run and advances a :class:`~phasefield.state.State` in
place; it knows nothing of a model's physics beyond what
:class:`~phasefield.models.base.SpectralModel` declares. One step costs one forward and one
inverse real FFT per field, plus the model's own transforms when its explicit term lives in
Fourier space.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .expression import Expression, parse_expression
from .lanes import Lane, Lanes
from .models.base import ComponentTerm, KPolynomial, SpectralModel, StepTerms
from .solvers.diffusion import DiffusionStep
from .spectral import SpectralSpace
from .state import Spectra, State

__all__ = [
    "SBDF2",
    "SCHEMES",
    "ImexEuler",
    "StepControl",
    "Stepper",
    "make_stepper",
    "register_scheme",
]


@dataclass(frozen=True)
class StepControl:
    """Step-size control from a local-error estimate, the elementary controller
    ``Δt_new = Δt (safety · tolerance / estimate)^(1/2)`` (Hairer, Nørsett & Wanner, Solving
    ODEs I, §II.4), kept within ``[dt_min, dt_max]`` and within ``growth`` and
    ``1/shrink`` of the step before.

    Attributes
    ----------
    tolerance : float
        The root-mean-square local error allowed per step, in the units of the fields.
    dt_min, dt_max : float
        Bounds on the step (``dt_max`` infinite by default).
    growth, shrink : float
        Largest factor a step may grow by, or shrink by, from one to the next.
    safety : float
        Aim this fraction of the tolerance.
    """

    tolerance: float
    dt_min: float = 0.0
    dt_max: float = math.inf
    growth: float = 2.0
    shrink: float = 5.0
    safety: float = 0.8

    def next_dt(self, taken: float, estimate: float) -> float:
        """The step after one of ``taken`` whose local error was ``estimate``."""
        factor = self.growth
        if estimate > 0:
            factor = min(self.growth, math.sqrt(self.safety * self.tolerance / estimate))
        factor = max(factor, 1.0 / self.shrink)
        return min(max(taken * factor, self.dt_min), self.dt_max)


class Stepper(ABC):
    """Advances a state by one step of a model on a spectral space."""

    #: Order of accuracy in the time step.
    order: int

    #: Whether the scheme gives a local-error estimate that a :class:`StepControl` can use.
    controllable: bool = False

    def __init__(
        self, model: SpectralModel, space: SpectralSpace, control: StepControl | None = None
    ) -> None:
        if control is not None and not self.controllable:
            raise ValueError(f"{type(self).__name__} has no step-size control: use sbdf2")
        self.model = model
        self.space = space
        self.control = control

    def proposed_dt(self, state: State, dt: float) -> float:
        """The step to try next: ``dt`` (the configured one), or the step-size control's."""
        return dt

    @abstractmethod
    def initialise(
        self,
        fields: dict[str, Any],
        time: float = 0.0,
        step: int = 0,
        rng: np.random.Generator | None = None,
    ) -> State:
        """A state from real-space fields (they are copied into the stepper's buffers)."""

    @abstractmethod
    def restore(
        self,
        spectral: dict[str, np.ndarray],
        time: float,
        step: int,
        rng: np.random.Generator,
        real: dict[str, np.ndarray] | None = None,
        history: dict[str, np.ndarray] | None = None,
    ) -> State:
        """A state from checkpointed spectra and real values (of the fields kept in real
        space, or stepped from their real values: their spectra are then derived), and the
        scheme's history of earlier steps (:attr:`State.history`); the real fields come back
        bit for bit."""

    @abstractmethod
    def step(self, state: State, dt: float) -> float:
        """Advance ``state`` in place by ``dt`` or, where the model's kinetics require, by less;
        returns the step taken."""

    @abstractmethod
    def resynchronise(self, state: State, name: str, components: list[int] | None = None) -> None:
        """Bring a field's spectrum up to date after its real values (of ``components``,
        default all) were changed in place, e.g. by a remap: recomputed now, or marked
        :meth:`~phasefield.state.Spectra.stale` where the stepper's step reads the real
        values only."""


SCHEMES: dict[str, type[Stepper]] = {}


def register_scheme(name: str) -> Any:
    """Class decorator adding a stepper to :data:`SCHEMES` under ``name``."""

    def register(cls: type[Stepper]) -> type[Stepper]:
        SCHEMES[name] = cls
        return cls

    return register


def make_stepper(
    scheme: str, model: SpectralModel, space: SpectralSpace, control: StepControl | None = None
) -> Stepper:
    """The stepper of ``scheme`` for ``model`` on ``space`` (with step-size ``control``)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme '{scheme}': use one of {', '.join(SCHEMES)}")
    return SCHEMES[scheme](model, space, control)


def _constant(polynomial: np.ndarray) -> bool:
    """Whether an operator's polynomial in ``k²`` is a constant."""
    return not np.any(np.asarray(polynomial)[1:])


@functools.lru_cache(maxsize=64)
def _combined(expression: Expression, variable: str) -> Expression:
    """``_keep·u + _gain·N``: the explicit part of an IMEX step in real space, in one pass."""
    names = expression.names | {variable, "_keep", "_gain"}
    return parse_expression(f"_keep*{variable} + _gain*({expression.source})", names)


@register_scheme("imex_euler")
class ImexEuler(Stepper):
    """First-order IMEX Euler: implicit in ``L``, explicit in ``S`` and ``N``.

    .. math:: \\hat u^{n+1} = \\frac{(1 + \\Delta t\\,S)\\,\\hat u^n
              + \\Delta t\\,K\\,\\widehat{N(u^n)}}{1 + \\Delta t\\,L}

    Buffers: per field the real field, its spectrum and a real work array for ``N`` (none when
    the model writes ``N`` over the field, :attr:`~SpectralModel.explicit_in_place`); one
    spectral work array shared by all fields (one per field when ``N`` is given in Fourier
    space). ``|k|²`` is the only other field-sized array. A field of several components (the
    order parameters of a grain structure) is a stack along a leading axis. When each component
    starts on a SIMD boundary, a stack is stepped component by component (transform, update,
    inverse transform) through one-component buffers, which keeps each component's work in
    cache and saves memory, in :class:`~phasefield.lanes.Lanes` (components side by side, one
    per CPU thread); otherwise in one batched call. A model with
    :attr:`~SpectralModel.componentwise` terms then also evaluates ``N`` one component at a
    time, into a one-component real buffer, just before that component's transform: each
    order parameter is read from memory once and written once per step. With constant ``S``
    and ``K`` the explicit part is then combined in real space and the spectral update is one
    multiplication by ``1/(1 + Δt L)``, kept as one more half-spectrum array.

    Conserved fields the model steps by implicit diffusion are advanced after the spectral
    fields, from the same state (first-order splitting), by :class:`DiffusionStep`; auxiliary
    real-space fields are left to handlers. When the model's kinetics limit the step, the
    stepper takes the shorter one.
    """

    order = 1
    #: Whether a stack with constant ``S`` and ``K`` is combined in real space (see
    #: :meth:`_component_task`); a scheme with history in Fourier space says no.
    combines_in_real_space = True

    def __init__(
        self, model: SpectralModel, space: SpectralSpace, control: StepControl | None = None
    ) -> None:
        super().__init__(model, space, control)
        names = model.spectral_fields
        self._factor: tuple[tuple, Any] | None = None
        self._fourier = model.explicit_space == "fourier"
        self._components = {name: model.components(name) for name in model.fields}
        self.fields = {name: space.empty_real(self._components[name]) for name in model.fields}
        self.spectral = {name: space.empty_spectral(self._components[name]) for name in names}
        self.diffusion = {name: DiffusionStep(space) for name in model.conserved_fields}
        self._per_component = not self._fourier and space.per_component()
        # a stack stepped one component at a time from the model's componentwise terms: one
        # real work buffer of one component serves all
        self._componentwise = (
            self._per_component
            and model.componentwise
            and any(self._components[name] > 1 for name in names)
        )
        if self._fourier:
            self.work = {name: space.empty_spectral(self._components[name]) for name in names}
        elif self._componentwise:
            single = space.empty_real()
            self.work = {name: single for name in names}
        elif model.explicit_in_place:
            self.work = {name: self.fields[name] for name in names}
        else:
            self.work = {name: space.empty_real(self._components[name]) for name in names}
        if not self._fourier:
            widest = 1 if self._per_component else max(self._components[name] for name in names)
            self._work_spectral = space.empty_spectral(widest)
        # plan on buffers that are still empty; a stack stepped component by component runs
        # in lanes, one per CPU thread, each with its own one-component buffers and plans
        self._lanes: dict[str, Lanes] = {}
        for name in names:
            work_spectral = self._work_for(name)
            if self._per_component and self._components[name] > 1:
                single = self.work[name] if self._componentwise else space.empty_real()
                self._lanes[name] = Lanes(
                    space, self._components[name], first=(single, work_spectral)
                )
            else:
                space.plan(self.fields[name], work_spectral)
        self._operators = {
            name: (
                model.implicit_operator(name).array,
                model.explicit_operator(name).array,
                model.explicit_multiplier(name).array,
            )
            for name in names
        }

    def initialise(
        self,
        fields: dict[str, Any],
        time: float = 0.0,
        step: int = 0,
        rng: np.random.Generator | None = None,
    ) -> State:
        for name, values in fields.items():
            self.space.backend.copy_into(self.fields[name], values)
            if name not in self.spectral:
                continue
            self.space.transform(self.fields[name], self.spectral[name])
            # Start from the field the spectrum represents, as every later step does.
            self._rebuild(name)
        return State(
            dict(self.fields),
            Spectra(self.spectral, self._refresh),
            time,
            step,
            rng if rng is not None else np.random.default_rng(0),
        )

    def restore(
        self,
        spectral: dict[str, np.ndarray],
        time: float,
        step: int,
        rng: np.random.Generator,
        real: dict[str, np.ndarray] | None = None,
        history: dict[str, np.ndarray] | None = None,
    ) -> State:
        for name, values in spectral.items():
            self.space.backend.copy_into(self.spectral[name], values)
            self._rebuild(name)
        state = State(dict(self.fields), Spectra(self.spectral, self._refresh), time, step, rng)
        for name, values in (real or {}).items():
            self.space.backend.copy_into(self.fields[name], values)
            if name in self.spectral and name not in spectral:  # checkpointed by real values
                self.resynchronise(state, name)
        return state

    def _work_for(self, name: str) -> Any:
        """The spectral buffer a field's step goes through (a prefix of the shared one)."""
        if self._fourier:
            return self.work[name]
        if self._per_component:
            return self._work_spectral
        components = self._components[name]
        shared = self._work_spectral
        if self.space.components(shared) == components:
            return shared
        return shared[0] if components == 1 else shared[:components]

    def _rebuild(self, name: str) -> None:
        """``fields[name] <- c2r(spectral[name])`` through the work buffer the step uses."""
        if name in self._lanes:
            spectral, fields = self.spectral[name], self.fields[name]

            def rebuild(lane: Lane, component: int) -> None:
                lane.spectral[...] = spectral[component]
                lane.fft.inverse(lane.spectral, fields[component])

            self._lanes[name].run(range(self._components[name]), rebuild)
            return
        work = self._work_for(name)
        work[...] = self.spectral[name]
        self.space.transforms(self._components[name]).inverse(work, self.fields[name])

    def resynchronise(self, state: State, name: str, components: list[int] | None = None) -> None:
        """Recompute ``spectral[name]`` after its real field (the listed ``components`` of a
        stack, default all) was changed in place, e.g. by a remap; the real field is then
        rebuilt from the spectrum, as after every step.

        A stack whose step is combined in real space (:meth:`_component_task`) reads nothing
        but its real values: its spectrum is only marked stale (derived when read).
        """
        state.revision += 1
        if self._steps_from_real_values(name):
            state.spectral.stale(name)
            return
        state.spectral.derive(name)  # first, when stale: only some components may change
        state.spectral.kept(name)
        if name not in self._lanes:
            self._refresh(name)
            self._rebuild(name)
            return
        fields, spectral = state.fields[name], state.spectral[name]
        forward = self._forward(name)

        def resynchronise(lane: Lane, component: int) -> None:
            forward(lane, component)
            lane.spectral[...] = spectral[component]
            lane.fft.inverse(lane.spectral, fields[component])

        if components is None:
            components = list(range(self._components[name]))
        self._lanes[name].run(components, resynchronise)

    def _refresh(self, name: str) -> None:
        """``spectral[name] <-`` the normalised transform of ``fields[name]``, which is kept
        (a stale spectrum, :class:`~phasefield.state.Spectra`, is derived by this)."""
        if name not in self._lanes:
            self.space.transform(self.fields[name], self.spectral[name])
            return
        self._lanes[name].run(range(self._components[name]), self._forward(name))

    def _forward(self, name: str) -> Callable[[Lane, int], None]:
        """The lane task writing one component's normalised transform into its spectrum."""
        scale, fields, spectral = self.space.scale, self.fields[name], self.spectral[name]

        def forward(lane: Lane, component: int) -> None:
            lane.fft.forward(fields[component], spectral[component])
            spectral[component] *= scale

        return forward

    def _update(
        self,
        state: State,
        name: str,
        component: int | None,
        work: Any,
        dt: float,
        scale: float,
        *operators: np.ndarray,
    ) -> None:
        """The spectral update of field ``name`` (or of one ``component`` of its stack) from
        the transformed explicit term in ``work``, written to the state and to ``work``."""
        state_hat = state.spectral[name]
        if component is not None:
            state_hat = state_hat[component]
        self.space.backend.imex_combine(state_hat, work, self.space.k2_axes, dt, scale, *operators)

    def _component_task(
        self,
        state: State,
        name: str,
        term: ComponentTerm | None,
        dt: float,
        operators: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> Callable[[Lane, int], None]:
        """The step of one component of a stack, as run in a lane: its explicit term (from
        ``term``, evaluated now from the state as it was, else already in the work stack),
        forward transform, spectral update and inverse transform.

        When ``S`` and ``K`` are constants ``s`` and ``K₀`` (and the scheme allows,
        :attr:`combines_in_real_space`), the explicit part is formed in real space by the same
        pass that evaluates ``N``, and the update in Fourier space is one multiplication,

        .. math:: \\hat u^{n+1} = \\frac{\\mathcal F\\big[(1 + \\Delta t\\,s)\\,u^n
                  + \\Delta t\\,K_0\\,N(u^n)\\big]}{1 + \\Delta t\\,L(k^2)},

        equal to the general update because ``û^n`` is the transform of ``u^n`` (the fields
        are rebuilt from their spectra every step). The factor ``1/(1 + Δt L)`` is kept while
        ``Δt`` and ``L`` stay the same, so the update reads no ``k²`` and divides nothing.
        Such a step reads the real values only, and does not write the state's spectrum
        (marked stale by :meth:`step`; derived when read) except its mean modes, the blow-up
        guard's witness: the copy would cost 8-17 % of the step.
        """
        space, backend = self.space, self.space.backend
        fields = state.fields[name]
        implicit, explicit_linear, multiplier = operators

        if not self._in_real_space(term, operators):
            state.spectral.derive(name)  # now, not from inside a lane

            def general(lane: Lane, c: int) -> None:
                if term is None:  # N of every component is in the work stack
                    source = self.work[name][c]
                else:
                    values = {term.variable: term.stack[c], **term.shared}
                    source = backend.evaluate(term.expression, lane.real, values)
                lane.fft.forward(source, lane.spectral)
                self._update(state, name, c, lane.spectral, dt, space.scale, *operators)
                lane.fft.inverse(lane.spectral, fields[c])

            return general
        assert term is not None  # (as _in_real_space checked)
        combined = _combined(term.expression, term.variable)
        shared = {
            **term.shared,
            "_keep": 1.0 + dt * float(explicit_linear[0]),
            "_gain": dt * float(multiplier[0]),
        }
        factor = self._implicit_factor(dt, implicit)

        spectral = state.spectral.buffer(name)

        def in_real_space(lane: Lane, c: int) -> None:
            backend.evaluate(combined, lane.real, {term.variable: term.stack[c], **shared})
            lane.fft.forward(lane.real, lane.spectral)
            backend.scale_spectrum(lane.spectral, factor)
            spectral[c].reshape(-1)[:1] = lane.spectral.reshape(-1)[:1]
            lane.fft.inverse(lane.spectral, fields[c])

        return in_real_space

    def _in_real_space(self, term: ComponentTerm | None, operators: tuple[np.ndarray, ...]) -> bool:
        """Whether a componentwise step with this ``term`` and these operators is combined in
        real space."""
        return term is not None and self._combines(operators[1], operators[2])

    def _combines(self, explicit_linear: np.ndarray, multiplier: np.ndarray) -> bool:
        """Whether a componentwise step with these ``S`` and ``K`` is combined in real space."""
        return self.combines_in_real_space and _constant(explicit_linear) and _constant(multiplier)

    def _steps_from_real_values(self, name: str) -> bool:
        """Whether a step of field ``name`` reads its real values only (not its spectrum)."""
        _, explicit_linear, multiplier = self._operators[name]
        return (
            self._componentwise
            and name in self._lanes
            and self._combines(explicit_linear, multiplier)
        )

    def _implicit_factor(self, dt: float, implicit: np.ndarray) -> Any:
        """``s / (1 + Δt L(k²))`` (``s`` the transform's normalisation), kept while ``Δt`` and
        ``L`` stay the same."""
        key = (float(dt), tuple(float(c) for c in implicit))
        if self._factor is None or self._factor[0] != key:
            space = self.space
            operator = KPolynomial(key[1])(space.k2)
            self._factor = (key, space.scale / (1.0 + key[0] * operator))
        return self._factor[1]

    def step(self, state: State, dt: float) -> float:
        space = self.space
        component_terms = None
        if self._componentwise:
            component_terms, terms = self.model.component_terms(state, space), StepTerms()
        else:
            terms = self.model.explicit(state, self.work, space) or StepTerms()
        if terms.max_dt is not None and terms.max_dt < dt:
            dt = terms.max_dt
        operators = terms.operators or {}
        for name in self.model.spectral_fields:
            implicit, explicit_linear, multiplier = operators.get(name, self._operators[name])
            if name in self._lanes:
                term = None if component_terms is None else component_terms[name]
                operator_arrays = (implicit, explicit_linear, multiplier)
                task = self._component_task(state, name, term, dt, operator_arrays)
                self._lanes[name].run(range(self._components[name]), task)
                if self._in_real_space(term, operator_arrays):
                    state.spectral.stale(name)
                else:
                    state.spectral.kept(name)
                continue
            transforms = space.transforms(self._components[name])
            work = self._work_for(name)
            if self._fourier:
                scale = 1.0
            else:
                scale = space.scale
                transforms.forward(self.work[name], work)
            self._update(state, name, None, work, dt, scale, implicit, explicit_linear, multiplier)
            transforms.inverse(work, state.fields[name])
            state.spectral.kept(name)
        for name, solver in self.diffusion.items():
            assert terms.diffusion is not None, f"{type(self.model).__name__} gave no diffusion"
            problem = terms.diffusion[name]
            exchange = None if problem.exchange is None else problem.exchange(state)
            solver.advance(state.fields[name], problem, dt, exchange)
        state.time += dt
        state.step += 1
        state.revision += 1
        return dt


@register_scheme("sbdf2")
class SBDF2(ImexEuler):
    """Second-order semi-implicit backward differentiation (SBDF2, Ascher, Ruuth & Wetton,
    SIAM J. Numer. Anal. 32, 797 (1995), doi:10.1137/0732037), in the variable-step form of
    Wang & Ruuth, J. Comput. Math. 26, 838 (2008): with ``ω = Δt_n / Δt_{n-1}`` and the
    explicit part ``E = S û + K N̂``,

    .. math:: \\tfrac{1+2\\omega}{1+\\omega}\\,\\hat u^{n+1} - (1+\\omega)\\,\\hat u^n
              + \\tfrac{\\omega^2}{1+\\omega}\\,\\hat u^{n-1}
              = \\Delta t_n\\big(-L\\,\\hat u^{n+1} + (1+\\omega)E^n - \\omega E^{n-1}\\big).

    The stabilisation ``s`` then enters as ``s(û^{n+1} - 2û^n + û^{n-1})``, an O(Δt²) term,
    so the scheme stays second order with it (Shen & Yang 2010). Per spectral field it keeps
    two more spectra, ``û^{n-1}`` and ``E^{n-1}`` (:attr:`State.history`, checkpointed, so a
    resumed run is bit-identical). The first step, a step after the state was changed outside
    the scheme (:meth:`resynchronise`, e.g. a grain remap) and a step more than
    :data:`MAX_STEP_RATIO` times the one before are IMEX-Euler steps (``ω = 0``): the
    variable-step formula is zero-stable for ``ω < 1 + √2`` only. Fields solved by implicit
    diffusion would be split from the rest at first order, so models with conserved fields
    are not stepped by it.
    """

    order = 2
    controllable = True
    combines_in_real_space = False
    #: Largest ratio of a step to the one before it that is taken at second order.
    MAX_STEP_RATIO = 2.4

    def __init__(
        self, model: SpectralModel, space: SpectralSpace, control: StepControl | None = None
    ) -> None:
        if model.conserved_fields:
            raise ValueError(
                f"sbdf2 is second order only for fields stepped in Fourier space; "
                f"{type(model).__name__} steps "
                f"{', '.join(model.conserved_fields)} by implicit diffusion: use imex_euler"
            )
        super().__init__(model, space, control)
        self._history: dict[str, Any] = {}
        for name in model.spectral_fields:
            for kind in ("previous", "explicit"):
                buffer = space.empty_spectral(self._components[name])
                buffer[...] = 0
                self._history[f"{kind}.{name}"] = buffer
        # Σ w |û_SBDF2 − û_Euler|² of the last step, per field, or per component of a stack
        # stepped in lanes (summed in component order after the step: deterministic)
        self._estimates: dict[str, list[float]] = {}

    def _start_history(self, state: State) -> State:
        state.history = dict(self._history)
        state.history["dt"] = 0.0  # no earlier step: the next one is an Euler step
        return state

    def initialise(
        self,
        fields: dict[str, Any],
        time: float = 0.0,
        step: int = 0,
        rng: np.random.Generator | None = None,
    ) -> State:
        return self._start_history(super().initialise(fields, time, step, rng))

    def restore(
        self,
        spectral: dict[str, np.ndarray],
        time: float,
        step: int,
        rng: np.random.Generator,
        real: dict[str, np.ndarray] | None = None,
        history: dict[str, np.ndarray] | None = None,
    ) -> State:
        state = self._start_history(super().restore(spectral, time, step, rng, real))
        if history and all(key in history for key in state.history):
            for key, buffer in self._history.items():
                self.space.backend.copy_into(buffer, history[key])
            state.history["dt"] = float(history["dt"])
            if "next_dt" in history:
                state.history["next_dt"] = float(history["next_dt"])
        return state

    def proposed_dt(self, state: State, dt: float) -> float:
        """With step-size control, the step it chose after the last one (``dt`` first)."""
        if self.control is None:
            return dt
        return float(state.history.get("next_dt", dt))

    def resynchronise(self, state: State, name: str, components: list[int] | None = None) -> None:
        super().resynchronise(state, name, components)
        state.history["dt"] = 0.0  # the history no longer belongs to this state

    def step(self, state: State, dt: float) -> float:
        self._estimates.clear()
        for name in self._lanes:
            self._estimates[name] = [math.nan] * self._components[name]
        taken = super().step(state, dt)
        state.history["dt"] = taken
        if self.control is not None:
            totals = [sum(shares) for shares in self._estimates.values()]
            if totals and not any(map(math.isnan, totals)):  # second order: vs Euler's step
                estimate = math.sqrt(max(totals))
                state.history["next_dt"] = self.control.next_dt(taken, estimate)
            else:  # an Euler step (start, restart) has no estimate: go on with this step
                state.history["next_dt"] = max(taken, state.history.get("next_dt", taken))
        return taken

    def _update(
        self,
        state: State,
        name: str,
        component: int | None,
        work: Any,
        dt: float,
        scale: float,
        *operators: np.ndarray,
    ) -> None:
        previous_dt = state.history["dt"]
        omega = dt / previous_dt if previous_dt > 0 else 0.0
        if omega > self.MAX_STEP_RATIO:
            omega = 0.0
        history = state.history
        arrays = [state.spectral[name], history[f"previous.{name}"], history[f"explicit.{name}"]]
        if component is not None:
            arrays = [array[component] for array in arrays]
        state_hat, previous, explicit = arrays
        weights = self.space.weights if self.control is not None and omega > 0 else None
        implicit, explicit_linear, multiplier = operators
        squares = self.space.backend.sbdf2_combine(
            state_hat,
            work,
            previous,
            explicit,
            self.space.k2_axes,
            dt,
            omega,
            scale,
            implicit,
            explicit_linear,
            multiplier,
            weights,
        )
        if squares is not None:  # the mean square per component, summed over a stack
            share = squares / self._components[name]
            if component is None:
                self._estimates[name] = [share]
            else:  # lanes write their own entries
                self._estimates[name][component] = share
