"""Cahn–Hilliard against analytic results: dispersion, conservation, equilibrium, convergence, BM1a."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from phasefield.backend import get_backend
from phasefield.config import load_config
from phasefield.grid import Grid
from phasefield.models.cahn_hilliard import CahnHilliard, DoubleWell
from phasefield.models.registry import build_model
from phasefield.simulation.loop import step_toward
from phasefield.simulation.prepare import initial_fields
from phasefield.spectral import SpectralSpace
from phasefield.timestepping import StepControl, make_stepper

WELL = DoubleWell(height=5.0, c_alpha=0.3, c_beta=0.7)  # PFHub benchmark 1
BM1A_F0 = 319.0433  # PFHub BM1a initial free energy (continuum integral over [0, 200]^2)
BM1A_CONFIG = Path(__file__).parents[2] / "runs" / "pfhub_bm1a.yaml"


def make(grid, backend, model, dtype=np.float64, scheme="imex_euler"):
    space = SpectralSpace(grid, backend, dtype)
    return space, make_stepper(scheme, model, space)


def trajectory(backend, grid, model, c0, steps, dt, scheme="imex_euler"):
    """Final field and scalars after ``steps`` steps of ``dt`` from ``c0``."""
    space, stepper = make(grid, backend, model, scheme=scheme)
    state = stepper.initialise({"c": c0})
    for _ in range(steps):
        stepper.step(state, dt)
    return backend.to_host(state.fields["c"]), model.scalars(state, space)


def measured_growth_rate(backend, model, c0=0.5, mode=3, n=64, dt=0.002, end=4.0):
    """Growth rate of a tiny cosine mode along x, from its amplitude after ``end``."""
    grid = Grid((n, n))
    _space, stepper = make(grid, backend, model)
    x, y = grid.mesh()
    amplitude = 1e-7
    state = stepper.initialise({"c": c0 + amplitude * np.cos(2 * np.pi * mode * x / n) + 0 * y})
    for _ in range(round(end / dt)):
        stepper.step(state, dt)
    grown = abs(backend.to_host(state.spectral["c"])[mode, 0]) * 2  # cos = two half-amplitude modes
    return math.log(grown / amplitude) / end, 2 * np.pi * mode / n


def bm1a_initial(grid):
    x, y = grid.mesh()
    return 0.5 + 0.01 * (
        np.cos(0.105 * x) * np.cos(0.11 * y)
        + (np.cos(0.13 * x) * np.cos(0.087 * y)) ** 2
        + np.cos(0.025 * x - 0.15 * y) * np.cos(0.07 * x - 0.02 * y)
    )


def amplification(model, k2, dt, c0):
    """The scheme's exact linear amplification factor around a uniform c0."""
    m, s, kappa = model.mobility, model.stabilization, model.kappa
    fpp = model.free_energy.curvature(c0)
    return (1 + dt * m * s * k2 - dt * m * k2 * fpp) / (1 + dt * m * (kappa * k2**2 + s * k2))


@pytest.mark.parametrize("stabilization", [0.0, 0.8])
def test_every_mode_is_amplified_by_the_schemes_factor(backend, rng, stabilization):
    grid = Grid((48, 40), (1.0, 1.25))
    model = CahnHilliard(5.0, 2.0, WELL, stabilization=stabilization)
    _space, stepper = make(grid, backend, model)
    c0 = 0.5  # f''' = 0 here, so the first nonlinear correction is cubic in the amplitude
    state = stepper.initialise({"c": c0 + 1e-7 * rng.standard_normal(grid.shape)})
    before = backend.to_host(state.spectral["c"]).copy()
    dt = 0.7
    stepper.step(state, dt)
    after = backend.to_host(state.spectral["c"])
    expected = amplification(model, grid.wavenumber_squared(), dt, c0) * before
    scale = np.abs(before).max()
    assert np.max(np.abs(after - expected)) <= 1e-10 * scale


def test_small_mode_grows_at_the_linear_dispersion_rate(backend):
    """σ(k) = −M k² (f''(c0) + κ k²), measured over many small steps, within 1 %."""
    model = CahnHilliard(5.0, 2.0, WELL, stabilization=0.0)
    measured, k = measured_growth_rate(backend, model)
    sigma = -model.mobility * k**2 * (WELL.curvature(0.5) + model.kappa * k**2)
    assert measured == pytest.approx(sigma, rel=0.01)


@pytest.mark.parametrize("mobility_form", ["constant", "c(1-c)"])
def test_mass_is_conserved_and_energy_never_rises(backend, rng, mobility_form):
    grid = Grid((64, 64))
    model = CahnHilliard(
        5.0,
        2.0,
        WELL,
        mobility_form=mobility_form,
        stabilization=WELL.max_curvature / 2,
        mobility_stabilization=5.0 / 4,
    )
    space, stepper = make(grid, backend, model)
    state = stepper.initialise({"c": 0.5 + 0.02 * rng.uniform(-1, 1, grid.shape)})
    mass0 = model.scalars(state, space)["c_mean"]
    energies = [model.scalars(state, space)["free_energy"]]
    for _ in range(40):
        for _ in range(10):
            stepper.step(state, 1.0)
        scalars = model.scalars(state, space)
        energies.append(scalars["free_energy"])
        assert scalars["c_mean"] == pytest.approx(mass0, rel=1e-12, abs=0)
    assert energies[-1] < 0.6 * energies[0]  # it did decompose
    assert np.all(np.diff(energies) <= 1e-12 * energies[0])


def test_equilibrium_interface_is_the_tanh_profile_with_its_energy(backend):
    """Two flat interfaces relax to c = (a+b)/2 ± (b−a)/2 tanh(x/ℓ) with energy 2σ."""
    kappa = 2.0
    grid = Grid((256,), 0.25)
    length = grid.lengths[0]
    model = CahnHilliard(5.0, kappa, WELL, stabilization=WELL.max_curvature / 2)
    space, stepper = make(grid, backend, model)
    x = grid.coordinates(0)
    middle, half = 0.5, 0.2
    step_profile = middle + half * np.where((x > length / 4) & (x < 3 * length / 4), 1.0, -1.0)
    state = stepper.initialise({"c": step_profile})
    for _ in range(3000):
        stepper.step(state, 2.0)
    c = backend.to_host(state.fields["c"])
    width = WELL.interface_width(kappa)
    rising = slice(int(length / 4 / 0.25) - 40, int(length / 4 / 0.25) + 40)
    # locate the interface by interpolating the crossing of the middle value
    xs, cs = x[rising], c[rising]
    i = np.nonzero(np.diff(np.sign(cs - middle)))[0][0]
    x0 = xs[i] + (middle - cs[i]) / (cs[i + 1] - cs[i]) * (xs[i + 1] - xs[i])
    analytic = middle + half * np.tanh((xs - x0) / width)
    assert np.max(np.abs(cs - analytic)) < 1e-6
    sigma = WELL.interface_energy(kappa)
    assert model.scalars(state, space)["free_energy"] == pytest.approx(2 * sigma, rel=1e-6)


@pytest.mark.parametrize(
    ("scheme", "order", "ratios"),
    [
        ("imex_euler", 1, (1.0,)),
        ("sbdf2", 2, (1.0,)),
        # steps alternating 2/3 and 4/3 of dt (ω = 2 and 1/2): the variable-step form keeps order 2
        ("sbdf2", 2, (2 / 3, 4 / 3)),
    ],
    ids=["imex_euler", "sbdf2", "sbdf2-variable-steps"],
)
def test_convergence_in_dt_has_the_schemes_order(backend, scheme, order, ratios):
    grid = Grid((64, 64))
    model = CahnHilliard(5.0, 2.0, WELL, stabilization=WELL.max_curvature / 2)
    x, y = grid.mesh()
    c0 = (
        0.5
        + 0.05 * np.cos(2 * np.pi * 2 * x / 64) * np.cos(2 * np.pi * 3 * y / 64)
        + 0.03 * np.sin(2 * np.pi * x / 64)
    )
    end = 8.0
    results = []
    for dt in (0.2, 0.1, 0.05, 0.025, 0.0125):
        _space, stepper = make(grid, backend, model, scheme=scheme)
        state = stepper.initialise({"c": c0})
        for _ in range(round(end / dt / len(ratios))):
            for ratio in ratios:
                stepper.step(state, ratio * dt)
        assert state.time == pytest.approx(end, rel=1e-12)
        results.append(backend.to_host(state.fields["c"]).copy())
    differences = [np.sqrt(np.mean((a - b) ** 2)) for a, b in itertools.pairwise(results)]
    orders = [math.log2(d1 / d2) for d1, d2 in itertools.pairwise(differences)]
    # Richardson: successive differences shrink by 2^p; p -> order as dt -> 0
    assert all(abs(measured - order) < 0.1 * order for measured in orders[-2:]), orders
    assert abs(orders[-1] - order) < abs(orders[0] - order), orders


def test_sbdf2_takes_an_euler_step_first_and_after_the_state_changed(backend, rng):
    """With no history (the start, or after the field was changed outside the scheme) SBDF2 is
    IMEX Euler; with one, it is not."""
    grid = Grid((32, 32))
    model = CahnHilliard(5.0, 2.0, WELL, stabilization=0.8)
    c0 = 0.5 + 0.05 * rng.uniform(-1, 1, grid.shape)
    c1 = 0.5 + 0.05 * rng.uniform(-1, 1, grid.shape)
    _space, euler = make(grid, backend, model)
    _space, sbdf2 = make(grid, backend, model, scheme="sbdf2")
    reference, state = euler.initialise({"c": c0}), sbdf2.initialise({"c": c0})
    for stepper, current in ((euler, reference), (sbdf2, state)):
        stepper.step(current, 0.5)
    same = backend.to_host(state.fields["c"])  # the same formula, summed in another order
    np.testing.assert_allclose(same, backend.to_host(reference.fields["c"]), rtol=0, atol=1e-14)
    sbdf2.step(state, 0.5)  # a second-order step, from the history of the first
    for current, stepper in ((reference, euler), (state, sbdf2)):
        current.fields["c"][...] = backend.asarray(c1)
        stepper.resynchronise(current, "c")
    for stepper, current in ((euler, reference), (sbdf2, state)):
        stepper.step(current, 0.5)
    same = backend.to_host(state.fields["c"])  # the same formula, summed in another order
    np.testing.assert_allclose(same, backend.to_host(reference.fields["c"]), rtol=0, atol=1e-14)
    sbdf2.step(state, 0.5)
    euler.step(reference, 0.5)
    assert np.max(np.abs(backend.to_host(state.fields["c"]) - reference.fields["c"])) > 1e-6


def test_adaptive_steps_meet_the_analytic_decay_to_their_tolerance(backend):
    """A small cosine mode outside the spinodal decays at the linear rate
    ``-M k² (f''(c0) + κ k²)``; stepped by SBDF2 with step-size control from a short first
    step, the amplitude at the end follows it, closer the tighter the tolerance, and the steps
    grow as the mode fades."""
    n, mode, amplitude, c0 = 64, 3, 1e-3, 0.2
    grid = Grid((n, n))
    model = CahnHilliard(5.0, 2.0, WELL, stabilization=WELL.max_curvature / 2)
    k = 2 * np.pi * mode / n
    rate = -model.mobility * k**2 * (WELL.curvature(c0) + model.kappa * k**2)
    end = 5 / abs(rate)  # e^-5
    x, y = grid.mesh()
    errors, counts = [], []
    for tolerance in (1e-8, 1e-9):
        _space, stepper = make(grid, backend, model, scheme="sbdf2")
        stepper.control = StepControl(tolerance)
        state = stepper.initialise({"c": c0 + amplitude * np.cos(k * x) + 0 * y})
        landed, steps = False, []
        while not landed:
            request, landed = step_toward(stepper.proposed_dt(state, 1e-4), end - state.time, 2)
            steps.append(stepper.step(state, request))
        grown = abs(backend.to_host(state.spectral["c"])[mode, 0]) * 2
        errors.append(abs(grown / (amplitude * math.exp(rate * end)) - 1))
        counts.append(len(steps))
        assert max(steps) > 20 * steps[0]
    assert errors[1] < 1e-3, errors
    assert errors[1] < errors[0] / 5, errors  # ten times tighter: at least five times closer
    assert counts[1] > counts[0]


def test_bm1a_initial_free_energy_and_decay(backend):
    grid = Grid((200, 200), 1.0)
    model = CahnHilliard(5.0, 2.0, WELL, stabilization=WELL.max_curvature / 2)
    space, stepper = make(grid, backend, model)
    state = stepper.initialise({"c": bm1a_initial(grid)})
    energies = [model.scalars(state, space)["free_energy"]]
    assert energies[0] == pytest.approx(BM1A_F0, rel=1e-3)
    for _ in range(20):
        for _ in range(10):
            stepper.step(state, 1.0)
        energies.append(model.scalars(state, space)["free_energy"])
    assert np.all(np.diff(energies) < 0)


def test_bm1a_initial_bulk_and_gradient_energies_each_match_a_quadrature(backend):
    """F(0) of the shipped BM1a run, part by part, against sums computed here with NumPy alone
    from the benchmark's definition (rho = 5, c_alpha = 0.3, c_beta = 0.7, kappa = 2; the
    cosine initial condition; the 200 x 200 box, on the config's cells), each to 1e-6.

    Bulk: ``Σ rho (c - c_alpha)² (c_beta - c)²`` over the cells times the cell area.

    Gradient: ``kappa/2 ∫|∇c|²`` of the grid values, by ``numpy.fft.fft2`` and Parseval,
    ``kappa/2 · h²/N · Σ_k |k|² |ĉ_k|²`` with ``k = 2π fftfreq(n, h)`` (the Nyquist mode
    keeps ``|k|² = (π/h)²``, as in the scheme's Laplacian, so this is the energy whose gradient
    flow the solver computes). The analytic gradient of the cosines is not usable: their
    wavenumbers (0.105, 0.11, ...) are not multiples of 2π/200, so the periodic grid field jumps
    across the box edge, and that seam holds most of the gradient energy the solver sees, the
    more the finer the cells (about 0.16/h against the analytic interior's 0.071: the part is
    0.23 at h = 1, 0.72 at h = 0.25). The gradient part is under 0.3 % of F(0), so the total
    alone, against the continuum 319.0433, cannot tell whether kappa is in it at all.
    """
    config = load_config(BM1A_CONFIG)
    grid = config.grid.grid
    model = build_model(config.model)
    space, stepper = make(grid, backend, model)
    state = stepper.initialise(initial_fields(config, grid, backend))
    scalars = model.scalars(state, space)

    n, h = grid.shape[0], grid.spacing[0]
    rho, c_alpha, c_beta, kappa = 5.0, 0.3, 0.7, 2.0
    x = h * np.arange(n)[:, None]
    y = h * np.arange(n)[None, :]
    c = 0.5 + 0.01 * (
        np.cos(0.105 * x) * np.cos(0.11 * y)
        + (np.cos(0.13 * x) * np.cos(0.087 * y)) ** 2
        + np.cos(0.025 * x - 0.15 * y) * np.cos(0.07 * x - 0.02 * y)
    )
    bulk = np.sum(rho * (c - c_alpha) ** 2 * (c_beta - c) ** 2) * h**2
    k = 2 * np.pi * np.fft.fftfreq(n, d=h)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    gradient = kappa / 2 * np.sum(k2 * np.abs(np.fft.fft2(c)) ** 2) * h**2 / c.size

    assert grid.shape == (n, n) and grid.spacing == (h, h) and n * h == 200.0
    np.testing.assert_allclose(backend.to_host(state.fields["c"]), c, rtol=0, atol=1e-14)
    assert scalars["free_energy_bulk"] == pytest.approx(bulk, rel=1e-6)
    assert scalars["free_energy_gradient"] == pytest.approx(gradient, rel=1e-6)
    assert scalars["free_energy"] == pytest.approx(bulk + gradient, rel=1e-12)


def test_pyfftw_and_numpy_fft_give_the_same_trajectory(rng):
    grid = Grid((64, 48))
    model = CahnHilliard(5.0, 2.0, WELL, stabilization=0.8)
    c0 = 0.5 + 0.02 * rng.uniform(-1, 1, grid.shape)
    (fftw, _), (reference, _) = (
        trajectory(get_backend("numpy", fft=engine), grid, model, c0, 300, 0.5)
        for engine in ("pyfftw", "numpy")
    )
    assert np.max(np.abs(fftw - reference)) < 1e-10
    assert np.std(fftw) > 0.05  # far from the initial state: the comparison is not trivial


@pytest.mark.parametrize("scheme", ["imex_euler", "sbdf2"])
@pytest.mark.parametrize("mobility_form", ["constant", "c(1-c)"])
def test_array_kernels_follow_the_compiled_ones(rng, mobility_form, scheme):
    """The CuPy code path (array operations) and the Numba path give the same trajectory."""
    grid = Grid((32, 40))
    model = CahnHilliard(
        5.0, 2.0, WELL, mobility_form=mobility_form, stabilization=0.8, mobility_stabilization=1.25
    )
    c0 = 0.5 + 0.02 * rng.uniform(-1, 1, grid.shape)
    (compiled, compiled_scalars), (arrays, array_scalars) = (
        trajectory(get_backend("numpy", kernels=kernels), grid, model, c0, 100, 0.5, scheme)
        for kernels in ("numba", "array")
    )
    assert np.max(np.abs(compiled - arrays)) < 1e-12
    assert compiled_scalars["free_energy"] == pytest.approx(array_scalars["free_energy"], rel=1e-12)


def test_variable_mobility_grows_at_the_rate_of_the_local_mobility(backend):
    """Linearised around c0, M(c) = M0 c(1−c) acts as the constant M0 c0(1−c0)."""
    c0 = 0.5
    model = CahnHilliard(
        5.0, 2.0, WELL, mobility_form="c(1-c)", stabilization=0.0, mobility_stabilization=1.25
    )
    measured, k = measured_growth_rate(backend, model, c0=c0)
    effective = model.mobility * c0 * (1 - c0)
    sigma = -effective * k**2 * (WELL.curvature(c0) + model.kappa * k**2)
    assert measured == pytest.approx(sigma, rel=0.01)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_and_three_dimensions_conserve_mass(backend, rng, dtype):
    for shape in ((128,), (16, 16, 16)):
        grid = Grid(shape)
        model = CahnHilliard(5.0, 2.0, WELL, stabilization=0.8)
        space, stepper = make(grid, backend, model, dtype)
        state = stepper.initialise({"c": 0.5 + 0.02 * rng.uniform(-1, 1, shape)})
        mass0 = space.mean(state.fields["c"])
        for _ in range(50):
            stepper.step(state, 0.5)
        tolerance = 1e-12 if dtype == np.float64 else 1e-6
        assert space.mean(state.fields["c"]) == pytest.approx(mass0, rel=tolerance)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_and_cpu_trajectories_agree_to_round_off(rng, dtype):
    """CuPy (cuFFT, fused kernels) and NumPy (pyFFTW, Numba) over 100 steps of spinodal
    decomposition agree as closely as round-off allows. Spinodal growth amplifies any
    difference, so the yardstick is measured on the same trajectory: the CPU run against itself
    from a start perturbed by one rounding error per point. Backends round differently in every
    step, not only the first, and later differences are amplified less; 30 such gaps bound it."""
    from phasefield.backend import available_backends, get_backend

    if "cupy" not in available_backends():
        pytest.skip("cupy backend not usable here")
    grid = Grid((64, 64))
    model = CahnHilliard(5.0, 2.0, WELL, stabilization=0.8)
    c0 = (0.5 + 0.02 * rng.uniform(-1, 1, grid.shape)).astype(dtype)
    eps = np.finfo(dtype).eps
    perturbed = (c0 * (1 + eps * rng.uniform(-1, 1, grid.shape))).astype(dtype)

    def run(name, start):
        backend = get_backend(name)
        _space, stepper = make(grid, backend, model, dtype)
        state = stepper.initialise({"c": start})
        for _ in range(100):
            stepper.step(state, 0.5)
        return backend.to_host(state.fields["c"])

    cpu, gpu, yardstick = run("numpy", c0), run("cupy", c0), run("numpy", perturbed)
    round_off = np.max(np.abs(yardstick - cpu)) + eps
    assert np.max(np.abs(gpu - cpu)) <= 30 * round_off
    assert np.max(np.abs(cpu - c0)) > 0.1  # the run went far from its start
