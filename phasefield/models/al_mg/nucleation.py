"""β precipitation on and below the grid: nuclei at the critical size, sub-grid growth by the
Mg that diffusion brings, promotion to phase-field particles that take exactly that Mg.

Every ``every_steps`` steps an event (:class:`PrecipitationHandler`):

1. **Sub-grid growth.** Each class of the population (:mod:`.population`) grows or shrinks by
   the Zener law with its Gibbs–Thomson interface composition (:mod:`phasefield.thermo.growth`),
   the far-field composition and diffusivity those of its cell. The Mg it gains comes out of
   its own cell's ``c``, and what a shrinking class gives back (in proportion to its volume
   lost) goes into that cell; per event a cell moves at most to the interface composition of
   its classes (local equilibrium at the particles), so that beyond that the diffusion of
   ``c`` brings the Mg they gather. The sink acts at events, not within the diffusion step:
   where steps are long against the time Mg takes to cross a cell, the particles gather less
   than a sink held at the interface composition all along would.
   A class whose cell has become resolved β (``h > 1/2``) is held as it is until β leaves.
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

Mg is conserved exactly (to round-off): the field's ``Σ c V`` and the population's ``Σ mg``
exchange equal amounts at every step of the event.
"""

from __future__ import annotations

import math
import time as wallclock
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...backend import Backend
from ...grid import Grid
from ...handler import Cadence, Handler, RunContext, since_last
from ...materials import BOLTZMANN
from ...thermo.growth import interface_composition, zener_radius
from ...thermo.nucleation import transient_integral
from .population import Population, sphere_volume

__all__ = [
    "PrecipitationHandler",
    "PrecipitationSettings",
    "cell_volume",
    "insert_particle",
    "take_mg",
]

#: Most of its excess over the solvus a cell gives to one nucleus.
_MOST_TAKEN = 0.5
#: Particles below this radius (m) have dissolved (about half an Al lattice parameter).
_SMALLEST = 2e-10


def _share(available: np.ndarray, asked: np.ndarray) -> np.ndarray:
    """The share of what was asked that is available (1 where all of it is)."""
    return np.where(asked > 0, np.minimum(1.0, available / np.maximum(asked, 1e-300)), 0.0)


def cell_volume(grid: Grid) -> float:
    """The volume a cell stands for (m³): 2-D and 1-D cells are a cube of the smallest spacing
    deep."""
    return grid.cell_volume * min(grid.spacing) ** (3 - grid.ndim)


def _window(grid: Grid, centre: tuple[int, ...], reach: float) -> tuple[tuple[Any, ...], Any]:
    """Periodic index arrays of a box ``reach`` (m) around ``centre`` and the distances (m) of
    its cells from the centre (host arrays)."""
    indices, offsets = [], []
    for axis, (n, h) in enumerate(zip(grid.shape, grid.spacing, strict=True)):
        half = min(int(np.ceil(reach / h)), (n - 1) // 2)
        steps = np.arange(-half, half + 1)
        indices.append((centre[axis] + steps) % n)
        offsets.append(steps * h)
    mesh = np.meshgrid(*offsets, indexing="ij", sparse=True)
    distance = np.sqrt(sum(m * m for m in mesh))
    return tuple(indices), distance


def take_mg(
    c: Any,
    phi: Any,
    grid: Grid,
    centre: tuple[int, ...],
    amount: float,
    floor: float,
    reach: float,
    backend: Backend,
) -> bool:
    """Take ``amount`` of Mg (mole fraction × m³) from the α cells (``phi < 1/2``) of ``c``
    within ``reach`` of ``centre``, in proportion to their excess over ``floor``, none giving
    more than half of it. Returns False (and takes nothing) where they hold too little."""
    xp = backend.xp
    index, distance = _window(grid, centre, reach)
    box = tuple(xp.asarray(i) for i in np.ix_(*index))
    old = c[box].astype(xp.float64)
    near = xp.asarray(distance <= reach) & (phi[box] < 0.5)
    excess = xp.where(near, xp.maximum(old - floor, 0.0), 0.0)
    available = float(xp.sum(excess)) * cell_volume(grid)
    if not available * _MOST_TAKEN >= amount or amount <= 0:
        return False
    c[box] = (old - excess * (amount / available)).astype(c.dtype)
    return True


def insert_particle(
    fields: dict[str, Any],
    centre: tuple[int, ...],
    mg: float,
    largest: float,
    width: float,
    x_beta: float,
    grid: Grid,
    backend: Backend,
) -> float | None:
    """Insert a resolved β particle holding exactly ``mg`` (mole fraction × m³) into ``fields``
    (``eta``, ``phi``, ``c`` on the device) in place; returns its radius, or None where β is
    already within reach or ``mg`` would need a radius above ``largest`` (the caller sizes it
    to twice what ``mg`` fills)."""
    xp = backend.xp
    index, distance = _window(grid, centre, largest + 2 * width)
    box = tuple(xp.asarray(i) for i in np.ix_(*index))
    phi = fields["phi"]
    old_phi = phi[box]
    r = xp.asarray(distance)
    c = fields["c"]
    old_c = c[box].astype(xp.float64)
    volume = cell_volume(grid)

    def profile(radius: float) -> Any:
        inside = 0.5 * (1.0 - xp.tanh(2.0 * (r - radius) / width))
        return xp.where(r < radius + 2 * width, inside, 0.0)

    def held(radius: float) -> float:
        return float(xp.sum(profile(radius) * (x_beta - old_c))) * volume

    if held(largest) < mg:
        return None
    low, high = 0.0, largest
    for _ in range(60):
        middle = 0.5 * (low + high)
        if held(middle) < mg:
            low = middle
        else:
            high = middle
    radius = high
    p = profile(radius)
    if bool(xp.any(old_phi[r < radius + 2 * width] > 0.1)):
        return None
    new_c = old_c + p * (x_beta - old_c)
    remainder = mg - float(xp.sum(new_c - old_c)) * volume
    middle_cell = tuple(len(i) // 2 for i in index)
    new_c[middle_cell] += remainder / volume
    c[box] = new_c.astype(c.dtype)
    phi[box] = xp.maximum(old_phi, p.astype(phi.dtype))
    eta = fields["eta"]
    keep = (1.0 - p).astype(eta.dtype)
    for component in range(eta.shape[0]):
        eta[component][box] = eta[component][box] * keep
    return radius


def _ball(radius: float, grid: Grid) -> float:
    """Volume (m³) of a resolved particle of ``radius``: a sphere, a disc a cell deep, a slab."""
    depth = min(grid.spacing)
    volumes: dict[int, float] = {
        3: float(sphere_volume(radius)),
        2: math.pi * radius**2 * depth,
        1: 2.0 * radius * depth * depth,
    }
    return volumes[grid.ndim]


def _extent(volume: float, grid: Grid) -> float:
    """Radius (m) of a resolved particle of ``volume`` (the inverse of :func:`_ball`)."""
    depth = min(grid.spacing)
    if grid.ndim == 3:
        return float(np.cbrt(volume / (4.0 * math.pi / 3.0)))
    if grid.ndim == 2:
        return math.sqrt(volume / (math.pi * depth))
    return volume / (2.0 * depth * depth)


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
            self._grow(run, population, environment, now - start)
            formed = self._nucleate(run, population, environment, start, now)
            self._promote(run, population, environment)
        population.to_extras(run.extras)
        return formed

    # ---- the three parts of an event ---------------------------------------------------------

    def _count(self, run: RunContext, key: str, add: int) -> None:
        run.extras[key] = np.int64(int(run.extras.get(key, 0)) + add)

    def _grow(self, run: RunContext, population: Population, env: Any, dt: float) -> None:
        if not len(population):
            return
        space, state = run.space, run.state
        backend, xp, grid = space.backend, space.xp, space.grid
        volume = cell_volume(grid)
        c = state.fields["c"]
        flat = c.reshape(-1)
        cells = xp.asarray(population.cell)
        far = backend.to_host(env.c_alpha.reshape(-1)[cells]).astype(np.float64)
        diffusivity = backend.to_host(env.diffusivity.reshape(-1)[cells]).astype(np.float64)
        beta = backend.to_host(env.h.reshape(-1)[cells])
        here = backend.to_host(flat[cells]).astype(np.float64)
        x_beta = env.phases.beta.x0
        # classes that resolved β has reached are held as they are (inside β, where they
        # neither grow nor dissolve) until it leaves them
        held = beta > 0.5
        interface = interface_composition(
            env.phases, population.radius, env.sigma_p, env.molar_volume_beta
        )
        radius = zener_radius(population.radius, diffusivity, far, interface, x_beta, dt)
        growing = ~held & (radius > population.radius)
        shrinking = ~held & (radius < population.radius)
        # what the Zener law asks of the cell: Mg taken (growth) or given back (shrinking,
        # in proportion to the volume lost)
        wanted = np.where(
            growing,
            population.number
            * (sphere_volume(radius) - sphere_volume(population.radius))
            * (x_beta - far),
            0.0,
        )
        lost = 1.0 - np.minimum(radius / population.radius, 1.0) ** 3
        returned = np.where(shrinking, population.mg * lost, 0.0)
        # what the cell can give or take: at most all the way to the interface composition of
        # its classes (local equilibrium at the particles), so that the diffusion of c brings
        # what they gather
        unique, inverse = np.unique(population.cell, return_inverse=True)
        level = np.bincount(inverse, weights=here, minlength=len(unique)) / np.bincount(inverse)
        lowest = np.full(len(unique), np.inf)
        np.minimum.at(lowest, inverse, np.where(growing, interface, np.inf))
        highest = np.full(len(unique), -np.inf)
        np.maximum.at(highest, inverse, np.where(shrinking, interface, -np.inf))
        supply = np.maximum(level - lowest, 0.0) * volume
        room = np.maximum(highest - level, 0.0) * volume
        taken = wanted * _share(supply, np.bincount(inverse, wanted, len(unique)))[inverse]
        given = returned * _share(room, np.bincount(inverse, returned, len(unique)))[inverse]
        kept = np.where(population.mg > 0, 1.0 - given / np.maximum(population.mg, 1e-300), 1.0)
        grown = sphere_volume(population.radius) + taken / (population.number * (x_beta - far))
        radius = np.where(
            growing,
            np.cbrt(grown / (4.0 * math.pi / 3.0)),
            np.where(
                shrinking, population.radius * np.cbrt(np.maximum(kept, 0.0)), population.radius
            ),
        )
        dissolved = shrinking & (radius < _SMALLEST)
        given = np.where(dissolved, population.mg, given)
        change = given - taken  # into the cells
        population.mg = population.mg - change
        population.radius = radius
        delta = np.bincount(inverse, weights=change, minlength=len(unique)) / volume
        index = xp.asarray(unique)
        flat[index] = (flat[index].astype(xp.float64) + xp.asarray(delta)).astype(c.dtype)
        self._count(run, "dissolved", int(np.count_nonzero(dissolved)))
        population.retain(~dissolved)

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
                population.add(cell, radius, mg, self.settings.classes)
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
        needed = _ball(radius, grid) * (x_beta - far.astype(np.float64))
        ready = np.flatnonzero(population.mg >= needed)
        promoted = np.zeros(len(population), bool)
        for entry in ready:
            centre = tuple(
                int(i) for i in np.unravel_index(int(population.cell[entry]), grid.shape)
            )
            # room for a particle of twice the size its Mg fills (a nucleus of a 2-D run at a
            # high temperature may hold more than a particle of ``radius``)
            holds = _extent(float(population.mg[entry]) / (x_beta - float(far[entry])), grid)
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
