"""The coupled Al–Mg model against its thermodynamics and its transport law: equilibrium and the
lever rule, dissolution above the solvus, the critical size, the effective diffusivity across
boundaries and the Schwarz factor on diffusion and on boundary motion."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import erfc

from phasefield.grid import Grid
from phasefield.materials import load_material
from phasefield.models.al_mg import AlMg
from phasefield.models.al_mg.temperature import TemperatureProgramme
from phasefield.spectral import SpectralSpace
from phasefield.thermo.composition import Composition
from phasefield.thermo.equilibrium import alpha_beta, nucleation_driving_force
from phasefield.timestepping import make_stepper

MATERIAL = load_material("al_mg")
COMPOSITION = Composition.of(MATERIAL)
X15 = float(COMPOSITION.mole_fraction(15.0))


def slow_boundaries(factor: float) -> object:
    """The material with boundaries ``factor`` times less mobile: tests of diffusion and of
    precipitates in a fixed grain structure need no fast boundary kinetics (which would set the
    step)."""
    kinetics = MATERIAL.kinetics
    mobility = kinetics.boundary_mobility
    prefactor = replace_value(mobility.prefactor, mobility.prefactor.value / factor)
    return MATERIAL.model_copy(
        update={
            "kinetics": kinetics.model_copy(
                update={"boundary_mobility": mobility.model_copy(update={"prefactor": prefactor})}
            )
        }
    )


def replace_value(quantity, value):
    return quantity.model_copy(update={"value": value})


def build(backend, grid, fields, temperature=523.0, material=MATERIAL, width=4e-9, **options):
    model = AlMg(2, material, TemperatureProgramme.constant(temperature), width, **options)
    space = SpectralSpace(grid, backend, np.float64)
    stepper = make_stepper("imex_euler", model, space)
    defaults = {"f_schwarz": np.zeros(grid.shape)}
    state = stepper.initialise({**defaults, **fields})
    return model, space, stepper, state


def advance(stepper, state, until, dt_max, every=None, observe=None):
    record = []
    next_record = 0.0
    while state.time < until * (1 - 1e-12):
        stepper.step(state, min(dt_max, until - state.time))
        if observe is not None and state.time >= next_record:
            record.append((state.time, observe(state)))
            next_record = state.time + every
    return record


def disc(grid, radius, width):
    x, y = grid.mesh()
    centre = [length / 2 for length in grid.lengths]
    r = np.sqrt((x - centre[0]) ** 2 + (y - centre[1]) ** 2)
    return 0.5 * (1 - np.tanh(2 * (r - radius) / width))


def precipitate(phi, c_inside, c_outside):
    """A single grain (order parameter 0) with β where ``phi`` is 1."""
    eta = np.stack([1 - phi, np.zeros_like(phi)])
    return {"eta": eta, "phi": phi, "c": c_outside + phi * (c_inside - c_outside)}


def test_precipitation_reaches_equilibrium_and_the_lever_rule(backend):
    """1-D, 523 K, Al-15 wt% Mg with a β slab: α and β reach the common-tangent compositions and
    β the lever-rule fraction (the issue asks 5 %; this holds them to 1 %)."""
    grid = Grid((96,), 1e-9)
    x = grid.coordinates(0)
    phi = 0.5 * (1 - np.tanh(2 * (np.abs(x - grid.lengths[0] / 2) - 12e-9) / 4e-9))
    fields = precipitate(phi, 0.3886, X15)
    fields["c"] += X15 - fields["c"].mean()  # the alloy's Mg content
    # equilibrium does not depend on how fast the interface or the step: both are coarse here
    model, space, stepper, state = build(backend, grid, fields, interface_kinetics=4.0, safety=0.4)
    advance(stepper, state, 600.0, 5.0)
    equilibrium = alpha_beta(model.phases(523.0), X15)
    values = model.evaluate(state, space)
    h = backend.to_host(values["h"])
    c_alpha = backend.to_host(values["c_alpha"])[h < 1e-6]
    c = backend.to_host(state.fields["c"])
    assert np.ptp(c_alpha) < 1e-4 * equilibrium.x_alpha  # the matrix is uniform
    assert c_alpha.mean() == pytest.approx(equilibrium.x_alpha, rel=0.01)
    assert c[h > 1 - 1e-6].mean() == pytest.approx(equilibrium.x_beta, rel=0.01)
    scalars = model.scalars(state, space)
    assert scalars["precipitate_fraction"] == pytest.approx(equilibrium.beta_fraction, rel=0.01)
    assert scalars["c_matrix"] == pytest.approx(
        float(COMPOSITION.weight_percent(equilibrium.x_alpha)), rel=0.01
    )


def test_a_particle_dissolves_above_the_solvus(backend):
    """A β disc in Al-15 wt% Mg at 723 K (single α there) dissolves completely."""
    grid = Grid((64, 64), 1e-9)
    fields = precipitate(disc(grid, 12e-9, 4e-9), 0.3886, X15)
    model, space, stepper, state = build(backend, grid, fields, temperature=723.0, safety=0.4)
    record = advance(
        stepper, state, 0.03, 1e-3, 1e-3, lambda s: model.scalars(s, space)["precipitate_fraction"]
    )
    fractions = np.array([value for _, value in record])
    assert fractions[0] > 0.05
    assert np.all(np.diff(fractions) <= 1e-9)
    assert fractions[-1] < 1e-4
    c = backend.to_host(state.fields["c"])
    assert np.ptp(c) < 0.01 * c.mean()  # and its Mg spreads out


def test_above_the_critical_size_a_particle_grows_below_it_shrinks(backend):
    """523 K, in α supersaturated so that the 2-D critical radius σ_p V_m / Δg is 10 nm (the
    diffuse α/β interface has the material's energy σ_p): a disc of 20 nm grows, one of 6 nm
    shrinks."""
    probe = AlMg(2, MATERIAL, TemperatureProgramme.constant(523.0), 4e-9)
    phases = probe.phases(523.0)
    wanted = probe.sigma_p * probe.molar_volume / 10e-9
    matrix = brentq(
        lambda x: nucleation_driving_force(phases, x) - wanted, phases.beta.x_alpha, 0.3
    )
    grid = Grid((128, 128), 1e-9)
    changes = {}
    for radius in (6e-9, 20e-9):
        fields = precipitate(disc(grid, radius, 4e-9), 0.3886, matrix)
        model, space, stepper, state = build(backend, grid, fields, safety=0.4)
        before = model.scalars(state, space)["precipitate_fraction"]
        advance(stepper, state, 3.0, 0.1)
        changes[radius] = model.scalars(state, space)["precipitate_fraction"] - before
    assert changes[20e-9] > 0
    assert changes[6e-9] < 0


def test_the_critical_nucleus_of_al_15mg_at_523K(backend):
    """PFHub benchmark 8 in this model's chemistry: in Al-15 wt% Mg at 523 K a β disc of 1.05 r*
    grows and one of 0.95 r* dissolves, r* = σ_p V_m / Δg (2-D) computed here from the
    parallel-tangent driving force, on a grid that resolves the interface (ℓ = r*/9)."""
    probe = AlMg(2, MATERIAL, TemperatureProgramme.constant(523.0), 4e-9)
    phases = probe.phases(523.0)
    alpha, beta = phases.alpha, phases.beta
    step = 1e-7
    slope = (alpha.energy(X15 + step) - alpha.energy(X15 - step)) / (2 * step)
    x_b = beta.x0 + (slope - beta.slope) / beta.stiffness
    driving = alpha.energy(X15) + slope * (x_b - X15) - beta.energy(x_b)
    critical = probe.sigma_p * probe.molar_volume / driving
    width = critical / 9
    grid = Grid((128, 128), width / 4)  # a box of 3.6 r*
    changes = {}
    for factor in (0.95, 1.05):
        fields = precipitate(disc(grid, factor * critical, width), x_b, X15)
        model, space, stepper, state = build(backend, grid, fields, width=width, safety=0.4)
        before = model.scalars(state, space)["precipitate_fraction"]
        relaxation = 0.5 * width**2 / model.kinetics(523.0).lattice_diffusivity
        advance(stepper, state, 20 * relaxation, relaxation)
        changes[factor] = model.scalars(state, space)["precipitate_fraction"] - before
    assert changes[1.05] > 0
    assert changes[0.95] < 0


def test_a_beta_layer_thickens_as_zener_says(backend):
    """A flat β layer in Al-15 wt% Mg at 523 K thickens by diffusion in α as s = λ√(Dt), with λ
    from Zener's planar solution (√π/2) λ e^{λ²/4} erfc(λ/2) = Ω, Ω = (x∞ - x_e)/(x_β - x_e)
    (Zener, J. Appl. Phys. 20, 950 (1949)), within 3 %. The layer starts as that solution at
    s0 = 2ℓ (the erfc profile in α), so the fit of s² against t over the last three quarters
    measures λ²D."""
    temperature, width = 523.0, 1e-9
    grid = Grid((512,), 0.5e-9)
    x = grid.coordinates(0)
    r = np.abs(x - grid.lengths[0] / 2)
    probe = AlMg(2, MATERIAL, TemperatureProgramme.constant(temperature), width)
    phases = probe.phases(temperature)
    x_e, x_beta = phases.beta.x_alpha, phases.beta.x0
    diffusivity = probe.kinetics(temperature).lattice_diffusivity
    omega = (X15 - x_e) / (x_beta - x_e)
    zener = brentq(
        lambda lam: math.sqrt(math.pi) / 2 * lam * math.exp(lam * lam / 4) * erfc(lam / 2) - omega,
        1e-3,
        5.0,
    )
    start = 2e-9
    t0 = start**2 / (zener**2 * diffusivity)
    matrix = X15 - (X15 - x_e) * erfc(r / (2 * math.sqrt(diffusivity * t0))) / erfc(zener / 2)
    phi = 0.5 * (1 - np.tanh(2 * (r - start) / width))
    fields = {
        "eta": np.stack([1 - phi, np.zeros_like(phi)]),
        "phi": phi,
        "c": matrix + phi * (x_beta - matrix),
    }
    model, space, stepper, state = build(
        backend, grid, fields, temperature=temperature, width=width, safety=0.4
    )
    end = ((6e-9) ** 2 - start**2) / (zener**2 * diffusivity)
    half_length = grid.lengths[0] / 2
    record = advance(
        stepper,
        state,
        end,
        end / 50,
        every=end / 40,
        observe=lambda s: model.scalars(s, space)["precipitate_fraction"] * half_length,
    )
    times = np.array([t for t, _ in record])
    thickness = np.array([s for _, s in record])
    late = times > end / 4
    slope = np.polyfit(times[late], thickness[late] ** 2, 1)[0]
    assert thickness[-1] > 2.5 * start  # it grew
    assert math.sqrt(slope / diffusivity) == pytest.approx(zener, rel=0.03)


def bamboo(grid, grains, width):
    """1-D grains of equal size on two alternating order parameters, relaxed tanh boundaries."""
    x = grid.coordinates(0)
    size = grid.lengths[0] / grains
    phase = (x % (2 * size)) / size  # 0..2 over a pair of grains
    first = np.where(phase < 1, 1.0, 0.0)
    # boundaries at multiples of size: smooth profiles
    distance = np.minimum(x % size, size - x % size)
    inner = 0.5 * (1 + np.tanh(2 * distance / width))
    eta0 = np.where(first > 0, inner, 1 - inner)
    return np.stack([eta0, 1 - eta0])


def mode_decay(backend, schwarz, dt, steps):
    grid = Grid((640,), 1e-9)
    eta = bamboo(grid, 32, 4e-9)
    x = grid.coordinates(0)
    c0 = float(COMPOSITION.mole_fraction(2.0))  # single α at 523 K
    k = 2 * np.pi / grid.lengths[0]
    fields = {
        "eta": eta,
        "phi": np.zeros(grid.shape),
        "c": c0 + 1e-5 * np.cos(k * x),
        "f_schwarz": np.full(grid.shape, schwarz),
    }
    material = slow_boundaries(1e12)
    model, space, stepper, state = build(backend, grid, fields, material=material)
    amplitudes = []
    for _ in range(steps):
        taken = stepper.step(state, dt)
        assert taken == dt
        c = backend.to_host(state.fields["c"])
        amplitudes.append(abs(np.fft.rfft(c)[1]))
    # implicit Euler: the slowest mode decays by 1/(1 + dt λ) per step; λ = D_eff k_h²
    factor = amplitudes[-1] / amplitudes[-2]
    rate = (1 / factor - 1) / dt
    k2 = (2 - 2 * math.cos(k * grid.spacing[0])) / grid.spacing[0] ** 2
    diffusivity = backend.to_host(model.evaluate(state, space)["diffusivity"])
    harmonic = 1 / np.mean(1 / diffusivity)
    return rate / k2, harmonic, model


def test_transport_across_boundaries_is_the_harmonic_mean_of_the_law(backend):
    """A 1-D stack of 32 grains (20 nm, boundaries of 4 nm at 523 K, boundary core diffusivity
    some 3e3 times the lattice's): a long-wavelength Mg profile decays with the series (harmonic)
    mean of the local diffusivity D(x) of the law, within 2 %; with a Schwarz fraction of 1 the
    transport drops by exactly the law's factor exp(-ΔQ_S/(R T))."""
    measured, predicted, model = mode_decay(backend, 0.0, 2.0, 40)
    assert measured == pytest.approx(predicted, rel=0.02, abs=0)
    lattice = model.kinetics(523.0).lattice_diffusivity
    assert 1.05 * lattice < predicted < 2.0 * lattice  # boundaries help a little in series
    factor = model.suppression_factor(1.0, 523.0)
    suppressed, predicted_suppressed, _ = mode_decay(backend, 1.0, 2.0 / factor, 40)
    assert suppressed == pytest.approx(predicted_suppressed, rel=0.02, abs=0)
    assert suppressed / measured == pytest.approx(factor, rel=0.02, abs=0)


def shrink_rate(backend, schwarz):
    width, radius = 3e-9, 24e-9
    grid = Grid((72, 72), 1e-9)
    inside = disc(grid, radius, width)
    fields = {
        "eta": np.stack([inside, 1 - inside]),
        "phi": np.zeros(grid.shape),
        "c": np.full(grid.shape, float(COMPOSITION.mole_fraction(2.0))),
        "f_schwarz": np.full(grid.shape, schwarz),
    }
    model, _, stepper, state = build(backend, grid, fields, width=width)
    mu_sigma = model.material.kinetics.boundary_mobility.at(523.0) * model.sigma_gb
    rate = mu_sigma * model.suppression_factor(schwarz, 523.0)
    duration = 0.3 * radius**2 / (2 * rate)  # shrinks to ~84 % of its radius
    record = advance(
        stepper,
        state,
        duration,
        math.inf,
        duration / 15,
        lambda s: float(backend.to_host(s.fields["eta"])[0].sum()) * grid.cell_volume,
    )
    times, areas = np.array(record).T
    keep = times > 0.2 * duration
    return np.polyfit(times[keep], areas[keep], 1)[0], mu_sigma, model


def test_a_schwarz_boundary_moves_slower_by_the_stated_factor(backend):
    """A shrinking circular grain (R0 = 8 widths) follows dA/dt = -2π μ σ (within 5 %: the
    first-order step at the default safety 0.1 slows boundaries by about 4 %), and with a
    Schwarz fraction of 1 it shrinks exp(-ΔQ_S/(R T)) times slower, within 2 %."""
    ordinary, mu_sigma, model = shrink_rate(backend, 0.0)
    assert ordinary == pytest.approx(-2 * math.pi * mu_sigma, rel=0.05, abs=0)
    schwarz, _, _ = shrink_rate(backend, 1.0)
    assert schwarz / ordinary == pytest.approx(
        model.suppression_factor(1.0, 523.0), rel=0.02, abs=0
    )
