"""β precipitation on and below the grid: nuclei at the critical size, sub-grid growth by the
Mg that diffusion brings, promotion to phase-field particles that take exactly that Mg.

**Sub-grid growth, every step.** Each class of the population (:mod:`.population`) whose cell
is above its Gibbs–Thomson interface composition ``x_R`` grows by the Mg diffusion brings: the
classes are a linear sink ``k (c - x_s)`` of their cell, ``k = Σ 4π R_i D N_i / V`` (the
quasi-stationary Zener flux, :mod:`phasefield.thermo.growth`; ``D`` the diffusivity of the
cell), ``x_s`` the ``k``-weighted interface composition, which the implicit diffusion step of
``c`` takes in (:class:`~phasefield.solvers.diffusion.Sink`). After the step the handler gives
each growing class its share of what its cell lost, in proportion to ``k_i (ĉ - x_R,i)``;
where the cell fell below the target and took Mg back, the classes give it in proportion to
what they hold, never more. Classes whose cell is below their interface composition give Mg
back at events (below), and a class whose cell has become resolved β (``h > 1/2``) is held as
it is until β leaves.

Every ``every_steps`` steps an event (:class:`PrecipitationHandler`):

1. **Shrinking.** Classes below their interface composition give their cell
   ``k_i (x_R,i - c) Δt`` of Mg (``Δt`` since the last event), no more than they hold and no
   further than their interface composition; one smaller than an atom has dissolved.
2. **Nucleation.** The expected number of nuclei in each cell is ``V ∫ J(t) dt`` (the
   classical rate with its incubation transient, :mod:`phasefield.thermo.nucleation`; ``V``
   the cell's volume, a cube of the smallest spacing on 1-D and 2-D grids); the total is drawn
   from a Poisson distribution and the cells with probability proportional to their
   expectation, from the run's seeded random stream. A nucleus is a sphere of
   ``R₀ = r* + ½√(kT/(πσ_p))`` (the size at which it grows, Kampmann & Wagner 1984), ``r*``
   the critical radius of its cell; its Mg comes from the cells within
   ``max(2R₀ + h, √(Dτ))`` of it (``√(Dτ)`` the distance Mg diffuses in the incubation time,
   ``a²/(r* Z √(8π x̄))``, the same in a grain as on a boundary), in proportion to their excess
   over the flat solvus (none giving more than half), or it does not form.
3. **Promotion.** A class whose Mg fills a resolved particle of radius ``radius`` (the
   smallest the grid resolves, 1.5 boundary widths by default) becomes one: a sphere (a disc in
   2-D, a slab in 1-D) of the diffuse profile :math:`p = \\tfrac12[1 - \\tanh(2(r - R)/\\ell)]`,
   ``phi → max(phi, p)``, the grains giving way by ``(1 - p)``, ``c → c + p(x_β - c)`` out to
   ``R + 2ℓ``, with ``R`` chosen so that the Mg this adds equals the class's Mg (the rounding
   remainder goes into the centre cell). A promotion is refused where β already is within
   ``R + 2ℓ``; the class stays (and is held once that β covers it).

Mg is conserved (to round-off in float64): the field's ``Σ c V`` and the population's
``Σ mg`` exchange equal amounts at every step and event.
"""

from __future__ import annotations

import math
import time as wallclock
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...handler import Cadence, Handler, RunContext, since_last
from ...materials import BOLTZMANN
from ...thermo.growth import capture_rate, interface_composition
from ...thermo.nucleation import transient_integral
from .placement import ball_radius, ball_volume, insert_particle, take_mg
from .population import Population, cell_volume, sphere_volume

__all__ = ["PrecipitationHandler", "PrecipitationSettings"]

#: Particles below this radius (m) have dissolved (about half an Al lattice parameter).
_SMALLEST = 2e-10


@dataclass(frozen=True)
class PrecipitationSettings:
    every_steps: int
    radius: float | None  # of a promoted particle; None: 1.5 boundary widths
    max_per_event: int
    classes: int
    incubation: bool


class PrecipitationHandler(Handler):
    """Sub-grid growth, nucleation and promotion of β every ``every_steps`` steps (see the
    module docstring). The population and the counts live in the run's checkpointed extras,
    so a resumed run continues them exactly."""

    def __init__(self, settings: PrecipitationSettings) -> None:
        self.cadence = Cadence(every_steps=settings.every_steps)
        self.settings = settings

    def start(self, run: RunContext) -> None:
        super().start(run)
        run.extras.setdefault("nucleation_time", np.float64(run.state.time))
        run.extras.setdefault("sink_time", np.float64(run.state.time))
        for name in run.model.SINK_BUFFERS:
            run.space.scratch(name)[...] = 0.0
        self._update_sink(run, Population.from_extras(run.extras))

    def after_step(self, run: RunContext) -> None:
        """Credit what the sink took in this step's diffusion solve to the classes, then act if
        an event is due."""
        self._credit(run)
        super().after_step(run)

    # ---- the sink: growth and dissolution inside the diffusion step --------------------------

    def _rates(
        self, run: RunContext, population: Population, time: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every class's capture rate ``k_i`` (1/s) and interface composition ``x_R,i`` at
        model ``time``."""
        model = run.model
        phases = model.phases(model.temperature(time))
        volume = cell_volume(run.space.grid)
        rate = capture_rate(population.radius, population.diffusivity, population.number, volume)
        interface = interface_composition(
            phases,
            population.radius,
            model.sigma_p,
            model.nucleation_parameters().molar_volume_beta,
        )
        return rate, interface

    def _update_sink(self, run: RunContext, population: Population) -> None:
        """The sink's rate ``k = Σ k_i`` and target ``x_s = Σ k_i x_R,i / k`` in every cell,
        over the classes that grow (their cell above their interface composition; the others
        give Mg back at events, no more than they hold)."""
        space = run.space
        xp = space.xp
        rate_field, target_field, _ = (space.scratch(n) for n in run.model.SINK_BUFFERS)
        rate_field[...] = 0.0
        if not len(population):
            for key in ("sink_classes", "sink_rate", "sink_interface"):
                run.extras[key] = np.zeros(0, bool if key == "sink_classes" else np.float64)
            return
        rate, interface = self._rates(run, population, run.state.time)
        cells = xp.asarray(population.cell)
        level = space.backend.to_host(run.state.fields["c"].reshape(-1)[cells])
        growing = (rate > 0) & (interface < level)
        rate = np.where(growing, rate, 0.0)
        # the step's credit shares by the same k_i and x_R,i
        run.extras["sink_classes"] = growing
        run.extras["sink_rate"] = rate
        run.extras["sink_interface"] = interface
        unique, inverse = np.unique(population.cell, return_inverse=True)
        total = np.bincount(inverse, weights=rate, minlength=len(unique))
        weighted = np.bincount(inverse, weights=rate * interface, minlength=len(unique))
        target = np.where(total > 0, weighted / np.where(total > 0, total, 1.0), 0.0)
        index = xp.asarray(unique)
        rate_field.reshape(-1)[index] = xp.asarray(total)
        target_field.reshape(-1)[index] = xp.asarray(target)

    def _credit(self, run: RunContext) -> None:
        """Share what the sink took from each cell in the last step among its growing classes,
        in proportion to ``k_i (ĉ - x_R,i)`` (``ĉ`` the solve's estimate of the new
        composition); where the cell fell below their target and took Mg back, they give it in
        proportion to what they hold, at most all of it (a class left with nothing, or smaller
        than an atom, has dissolved; the rest of what the cell took is taken back from it)."""
        state, space = run.state, run.space
        then = float(run.extras.get("sink_time", state.time))
        dt = state.time - then
        run.extras["sink_time"] = np.float64(state.time)
        population = Population.from_extras(run.extras)
        growing = np.asarray(run.extras.get("sink_classes", np.zeros(0, bool)), bool)
        if dt <= 0 or not len(population) or not growing.any():
            return
        backend, xp, grid = space.backend, space.xp, space.grid
        rate_field, target_field, taken_field = (space.scratch(n) for n in run.model.SINK_BUFFERS)
        rate = np.asarray(run.extras["sink_rate"], np.float64)  # as the sink was set
        interface = np.asarray(run.extras["sink_interface"], np.float64)
        cells = xp.asarray(population.cell)
        taken = backend.to_host(taken_field.reshape(-1)[cells]).astype(np.float64)
        total = backend.to_host(rate_field.reshape(-1)[cells]).astype(np.float64)
        target = backend.to_host(target_field.reshape(-1)[cells]).astype(np.float64)
        live = growing & (total > 0)
        volume = cell_volume(grid)
        unique, inverse = np.unique(population.cell, return_inverse=True)

        def per_cell(values: np.ndarray) -> np.ndarray:
            return np.bincount(inverse, weights=values, minlength=len(unique))[inverse]

        level = np.where(live, target + taken / (dt * np.where(live, total, 1.0)), 0.0)
        weight = np.where(live, rate * np.maximum(level - interface, 0.0), 0.0)
        weight = np.where(per_cell(weight) > 0, weight, np.where(live, rate, 0.0))
        amount = taken * volume  # what the class's cell lost (each class sees its cell's)
        gained = np.where(
            live & (amount >= 0), amount * weight / np.maximum(per_cell(weight), 1e-300), 0.0
        )
        held = np.where(live, population.mg, 0.0)
        hold = per_cell(held)
        given = np.where(
            live & (amount < 0),
            np.minimum(-amount, hold) * held / np.maximum(hold, 1e-300),
            0.0,
        )
        # Mg the cell took back beyond all its classes held comes out of the cell again
        beyond = np.where(live & (amount < 0), np.maximum(-amount - hold, 0.0), 0.0)
        before = population.mg
        after = before + gained - given
        radius = population.radius * np.cbrt(np.maximum(after, 0.0) / np.maximum(before, 1e-300))
        dissolved = live & ((after <= 0.0) | (radius < _SMALLEST))
        back = np.where(dissolved, np.maximum(after, 0.0), 0.0)
        population.mg = after
        population.radius = np.where(dissolved, population.radius, radius)
        first = np.zeros(len(population), bool)
        first[np.unique(inverse, return_index=True)[1]] = True
        change = back - np.where(first, beyond, 0.0)  # into the cells
        if np.any(change != 0.0):
            delta = np.bincount(inverse, weights=change, minlength=len(unique)) / volume
            flat = state.fields["c"].reshape(-1)
            index = xp.asarray(unique)
            flat[index] = (flat[index].astype(xp.float64) + xp.asarray(delta)).astype(flat.dtype)
        if dissolved.any():
            self._count(run, "dissolved", int(np.count_nonzero(dissolved)))
            population.retain(~dissolved)
        population.to_extras(run.extras)
        self._update_sink(run, population)

    def _shrink(self, run: RunContext, population: Population, dt: float) -> None:
        """Classes whose cell is below their interface composition give Mg back to it, at the
        rate ``k_i (x_R,i - c)`` over the time since the last event, no more than they hold
        and no further than the cell's reaching their interface composition."""
        growing = np.asarray(run.extras.get("sink_classes", np.zeros(len(population), bool)))
        if not len(population) or dt <= 0 or len(growing) != len(population):
            return
        space, state = run.space, run.state
        xp, grid = space.xp, space.grid
        rate, interface = self._rates(run, population, state.time)
        flat = state.fields["c"].reshape(-1)
        level = space.backend.to_host(flat[xp.asarray(population.cell)]).astype(np.float64)
        shrinking = ~growing & (rate > 0) & (interface > level)
        if not shrinking.any():
            return
        volume = cell_volume(grid)
        unique, inverse = np.unique(population.cell, return_inverse=True)
        wanted = np.where(
            shrinking,
            np.minimum(population.mg, dt * rate * (interface - level) * volume),
            0.0,
        )
        top = np.full(len(unique), -np.inf)
        np.maximum.at(top, inverse, np.where(shrinking, interface, -np.inf))
        room = np.maximum(top[inverse] - level, 0.0) * volume
        asked = np.bincount(inverse, weights=wanted, minlength=len(unique))[inverse]
        given = wanted * np.where(asked > room, room / np.maximum(asked, 1e-300), 1.0)
        after = population.mg - given
        radius = population.radius * np.cbrt(
            np.maximum(after, 0.0) / np.maximum(population.mg, 1e-300)
        )
        dissolved = shrinking & (radius < _SMALLEST)
        given = np.where(dissolved, population.mg, given)
        population.mg = population.mg - given
        population.radius = np.where(dissolved, population.radius, radius)
        delta = np.bincount(inverse, weights=given, minlength=len(unique)) / volume
        index = xp.asarray(unique)
        flat[index] = (flat[index].astype(xp.float64) + xp.asarray(delta)).astype(flat.dtype)
        if dissolved.any():
            self._count(run, "dissolved", int(np.count_nonzero(dissolved)))
            population.retain(~dissolved)
            run.extras["sink_classes"] = growing[~dissolved]

    def act(self, run: RunContext) -> None:
        started = wallclock.perf_counter()
        self.event(run)
        run.info["nucleation_seconds"] = run.info.get("nucleation_seconds", 0.0) + (
            wallclock.perf_counter() - started
        )

    def event(self, run: RunContext) -> int:
        """Grow the population, draw and place the nuclei due now and promote what has grown
        to the grid's size; returns how many nuclei formed."""
        start, now = since_last(run, "nucleation_time")
        run.extras["nucleation_time"] = np.float64(now)
        if now <= start:
            return 0
        population = Population.from_extras(run.extras)
        # rates and transients far below one event's worth underflow to 0, as they should
        with np.errstate(under="ignore"):
            environment = run.model.precipitation_environment(run.state, run.space)
            self._hold(population, environment, run.space.backend)
            self._shrink(run, population, now - start)
            formed = self._nucleate(run, population, environment, start, now)
            self._promote(run, population, environment)
        population.to_extras(run.extras)
        self._update_sink(run, population)
        return formed

    # ---- the three parts of an event ---------------------------------------------------------

    def _count(self, run: RunContext, key: str, add: int) -> None:
        run.extras[key] = np.int64(int(run.extras.get(key, 0)) + add)

    def _hold(self, population: Population, env: Any, backend: Any) -> None:
        """Each class takes the diffusivity of its cell now; 0 (held as it is) where resolved
        β covers it."""
        if not len(population):
            return
        cells = backend.xp.asarray(population.cell)
        diffusivity = backend.to_host(env.diffusivity.reshape(-1)[cells]).astype(np.float64)
        beta = backend.to_host(env.h.reshape(-1)[cells])
        population.diffusivity = np.where(beta > 0.5, 0.0, diffusivity)

    def _nucleate(
        self, run: RunContext, population: Population, env: Any, start: float, now: float
    ) -> int:
        space, state = run.space, run.state
        grid, backend, xp = space.grid, space.backend, space.xp
        sites = env.sites
        volume = cell_volume(grid)
        if self.settings.incubation:
            window = transient_integral(sites.incubation, start, now, xp)
        else:
            window = now - start
        expected = (sites.rate * window).reshape(-1).astype(xp.float64) * volume
        cumulative = xp.cumsum(expected)
        total = float(cumulative[-1])
        if not total > 0 or not math.isfinite(total):
            return 0
        count = min(int(state.rng.poisson(min(total, 1e9))), self.settings.max_per_event)
        if count == 0:
            return 0
        draws = xp.asarray(state.rng.uniform(0.0, total, size=count))
        cells = np.minimum(backend.to_host(xp.searchsorted(cumulative, draws)), grid.size - 1)
        kt = BOLTZMANN * env.phases.temperature
        nudge = 0.5 * math.sqrt(kt / (math.pi * env.sigma_p))
        x_beta, solvus = env.phases.beta.x0, env.phases.beta.x_alpha
        formed = 0
        for cell in cells:
            cell = int(cell)
            centre = tuple(int(i) for i in np.unravel_index(cell, grid.shape))
            radius = float(sites.radius.reshape(-1)[cell]) + nudge
            far = float(env.c_alpha.reshape(-1)[cell])
            mg = float(sphere_volume(radius)) * (x_beta - far)
            formation = float(env.diffusivity.reshape(-1)[cell]) * float(
                sites.incubation.reshape(-1)[cell]
            )
            reach = max(2.0 * radius + min(grid.spacing), math.sqrt(formation))
            fields = state.fields
            if take_mg(fields["c"], fields["phi"], grid, centre, mg, solvus, reach, backend):
                diffusivity = float(env.diffusivity.reshape(-1)[cell])
                population.add(cell, radius, mg, diffusivity, self.settings.classes)
                formed += 1
        if formed and not math.isfinite(float(run.extras.get("first_nucleus_time", np.nan))):
            run.extras["first_nucleus_time"] = np.float64(now)
        self._count(run, "nuclei", formed)
        self._count(run, "nucleation_events", 1)
        return formed

    def _promote(self, run: RunContext, population: Population, env: Any) -> None:
        if not len(population):
            return
        space, state, model = run.space, run.state, run.model
        grid, backend = space.grid, space.backend
        width = model.gb_width
        radius = self.settings.radius if self.settings.radius is not None else 1.5 * width
        x_beta = env.phases.beta.x0
        far = backend.to_host(env.c_alpha.reshape(-1)[space.xp.asarray(population.cell)])
        needed = ball_volume(radius, grid) * (x_beta - far.astype(np.float64))
        ready = np.flatnonzero(population.mg >= needed)
        promoted = np.zeros(len(population), bool)
        for entry in ready:
            centre = tuple(
                int(i) for i in np.unravel_index(int(population.cell[entry]), grid.shape)
            )
            # room for a particle of twice the size its Mg fills (a nucleus of a 2-D run at a
            # high temperature may hold more than a particle of ``radius``)
            holds = ball_radius(float(population.mg[entry]) / (x_beta - float(far[entry])), grid)
            placed = insert_particle(
                state.fields,
                centre,
                float(population.mg[entry]),
                2.0 * max(2.0 * radius, holds),
                width,
                x_beta,
                grid,
                backend,
            )
            promoted[entry] = placed is not None
        if promoted.any():
            run.stepper.resynchronise(state, "eta")
            run.stepper.resynchronise(state, "phi")
            population.retain(~promoted)
        self._count(run, "promoted", int(np.count_nonzero(promoted)))
