"""Grain growth against sharp-interface results: boundary energy and width, shrinking grains,
triple junctions, von Neumann–Mullins."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from phasefield import load_config
from phasefield.backend import get_backend
from phasefield.grid import Grid
from phasefield.models.grain_growth import GrainGrowth
from phasefield.spectral import SpectralSpace
from phasefield.timestepping import make_stepper

SIGMA, WIDTH, MOBILITY = 0.8, 4.0, 1.5


def model(order_parameters, stabilization=0.0, **extra):
    return GrainGrowth(
        order_parameters, SIGMA, WIDTH, MOBILITY, stabilization=stabilization, **extra
    )


def evolve(backend, grid, gg, eta, dt, steps, every=None, observe=None, scheme="imex_euler"):
    space = SpectralSpace(grid, backend, np.float64)
    stepper = make_stepper(scheme, gg, space)
    state = stepper.initialise({"eta": eta})
    record = []
    for step in range(steps):
        stepper.step(state, dt)
        if every and (step + 1) % every == 0 and observe:
            record.append((state.time, observe(backend.to_host(state.fields["eta"]))))
    return state, space, record


def test_flat_boundary_has_the_stated_energy_and_width(backend):
    grid = Grid((512,), 0.25)
    gg = model(2)
    x = grid.coordinates(0)
    length = grid.lengths[0]
    inside = ((x > length / 4) & (x < 3 * length / 4)).astype(float)
    state, space, _ = evolve(
        backend, grid, gg, np.stack([inside, 1 - inside]), 0.1 * gg.relaxation_time, 1500
    )
    energy = gg.scalars(state, space)["free_energy"]
    assert energy == pytest.approx(2 * SIGMA, rel=0.01)  # two boundaries
    spectrum = backend.to_host(state.spectral["eta"])[0]
    k = grid.broadcast_wavevector(0, odd=True)
    slope = np.fft.irfft(1j * k * spectrum, n=grid.shape[0]) * grid.size
    assert 1 / np.max(np.abs(slope)) == pytest.approx(WIDTH, rel=0.05)


def _circle(grid, radius):
    x, y = grid.mesh()
    centre = [length / 2 for length in grid.lengths]
    r = np.sqrt((x - centre[0]) ** 2 + (y - centre[1]) ** 2)
    inside = 0.5 * (1 - np.tanh(2 * (r - radius) / WIDTH))
    return np.stack([inside, 1 - inside])


def shrink_rate(backend, gg, eta, grid, dt, steps, every, scheme="imex_euler"):
    """Slope of (grain measure) in time over the middle of the shrinkage."""
    cell = grid.cell_volume
    _, _, record = evolve(
        backend, grid, gg, eta, dt, steps, every, lambda e: e[0].sum() * cell, scheme
    )
    times, measures = np.array(record).T
    start = measures[0]
    keep = (measures < 0.85 * start) & (measures > 0.45 * start)
    assert keep.sum() >= 5
    return np.polyfit(times[keep], measures[keep], 1)[0]


def test_a_shrinking_circle_follows_the_curvature_law(backend):
    """R² = R0² − 2 μ σ t, i.e. dA/dt = −2π μ σ, within 2 %, for R0 = 8 boundary widths."""
    grid = Grid((128, 128))
    gg = model(2)
    dt = 0.02 * gg.relaxation_time
    rate = shrink_rate(backend, gg, _circle(grid, 8 * WIDTH), grid, dt, 5200, 100)
    assert rate == pytest.approx(-2 * math.pi * MOBILITY * SIGMA, rel=0.02)


def _shipped_grain_configs():
    root = Path(__file__).resolve().parents[2] / "runs"
    paths = sorted([*root.glob("*.yaml"), *root.glob("seed/*.yaml")])
    configs = []
    for path in paths:
        data = yaml.safe_load(path.read_text())
        if isinstance(data.get("model"), dict) and data["model"].get("kind") == "grain_growth":
            configs.append(path)
    return configs


@pytest.mark.parametrize("path", _shipped_grain_configs(), ids=lambda p: p.stem)
def test_boundaries_move_at_the_right_speed_at_every_shipped_step(path):
    """A shrinking circle with the config's boundary (σ, ℓ, μ, spacing), its step and its
    scheme shrinks within 1 % of the rate at a step fifty times finer: the time-stepping error
    of the boundary velocity (IMEX Euler is 41 % slow at half a relaxation time; SBDF2, the
    grain model's default, 0.13 %)."""
    config = load_config(path)
    keys = config.model
    gg = GrainGrowth(2, keys.gb_energy, keys.gb_width, keys.gb_mobility)
    spacing = config.grid.spacings[0]
    radius = 8 * keys.gb_width
    cells = 2 * math.ceil(1.4 * radius / spacing)
    grid = Grid((cells, cells), spacing)
    x, y = grid.mesh()
    r = np.hypot(x - grid.lengths[0] / 2, y - grid.lengths[1] / 2)
    inside = 0.5 * (1 - np.tanh(2 * (r - radius) / keys.gb_width))
    eta = np.stack([inside, 1 - inside])
    backend = get_backend("numpy")
    duration = 0.6 * radius**2 / (2 * keys.gb_mobility * keys.gb_energy)  # to 40 % of the area
    fine = config.time.dt / 50

    def rate(dt):
        steps = math.ceil(duration / dt)
        return shrink_rate(
            backend, gg, eta, grid, dt, steps, max(1, steps // 40), config.time.scheme
        )

    assert rate(config.time.dt) == pytest.approx(rate(fine), rel=0.01)


def test_a_local_mobility_factor_scales_the_shrinkage(backend):
    """The variable-mobility form with a uniform factor λ moves boundaries λ times as fast."""
    grid = Grid((96, 96))
    eta = _circle(grid, 6 * WIDTH)
    dt = 0.02 * model(2).relaxation_time
    constant = shrink_rate(backend, model(2), eta, grid, dt, 1500, 50)
    half = backend.asarray(np.full(grid.shape, 0.5))
    slowed = shrink_rate(backend, model(2, mobility_factor=half), eta, grid, dt, 3000, 100)
    assert slowed / constant == pytest.approx(0.5, rel=0.01)


def junction_angles(eta, grid, inner, outer):
    """Angles (degrees, sorted) between the three boundaries at each triple junction.

    A junction is a local peak of the third-largest order parameter. Each boundary's direction
    is the principal axis of its mid-line cells (the two largest order parameters are its two
    grains and nearly equal) at distances between ``inner`` and ``outer`` from the junction,
    oriented away from it.
    """
    order = np.argsort(eta, axis=0)
    first, second = order[-1], order[-2]
    third_value = np.take_along_axis(eta, order[-3:-2], axis=0)[0]
    shape = np.array(grid.shape)
    coords = np.stack(np.meshgrid(*(np.arange(n) for n in grid.shape), indexing="ij"), axis=-1)
    candidates = np.argwhere(third_value > 0.2)
    candidates = candidates[np.argsort(-third_value[tuple(candidates.T)])]
    junctions: list[np.ndarray] = []
    result = []
    for point in candidates:

        def offset(to, point=point):
            return (to - point + shape / 2) % shape - shape / 2

        if any(np.linalg.norm(offset(other)) < 3 * WIDTH for other in junctions):
            continue
        junctions.append(point)
        grains = sorted({int(order[-k][tuple(point)]) for k in (1, 2, 3)})
        offsets = offset(coords)
        distance = np.linalg.norm(offsets, axis=-1)
        ring = (distance > inner) & (distance < outer)
        directions = []
        for i, j in ((grains[0], grains[1]), (grains[1], grains[2]), (grains[0], grains[2])):
            pair = ((first == i) & (second == j)) | ((first == j) & (second == i))
            points = offsets[ring & pair & (np.abs(eta[i] - eta[j]) < 0.5)]
            # the boundary's line (principal axis), pointing away from the junction
            centre = points.mean(axis=0)
            axis = np.linalg.svd(points - centre, full_matrices=False)[2][0]
            directions.append(axis if axis @ centre > 0 else -axis)
        result.append(
            sorted(
                math.degrees(math.acos(np.clip(directions[p] @ directions[q], -1, 1)))
                for p, q in ((0, 1), (1, 2), (0, 2))
            )
        )
    return np.array(result)


def test_a_relaxed_brick_wall_has_120_degree_junctions(backend):
    """A brick wall (T-junctions, 90°/90°/180°) relaxes to a honeycomb with 120° junctions."""
    width, height = 64, 56
    grid = Grid((2 * height, 3 * width))
    rows, columns = np.meshgrid(np.arange(grid.shape[0]), np.arange(grid.shape[1]), indexing="ij")
    row = rows // height
    brick = ((columns + row * width // 2) // width) % 3
    ids = row * 3 + brick
    eta = np.stack([(ids == g).astype(float) for g in range(6)])
    gg = model(6, stabilization=6 * SIGMA / WIDTH)
    state, _, _ = evolve(backend, grid, gg, eta, 0.25 * gg.relaxation_time, 3000)
    angles = junction_angles(backend.to_host(state.fields["eta"]), grid, 2 * WIDTH, 5 * WIDTH)
    assert len(angles) == 12  # six hexagons, two junctions each
    np.testing.assert_allclose(angles, 120.0, atol=2.0)


def polygon_grains(grid, sides, circumradius):
    """A regular ``sides``-gon (grain 0) in the middle, ringed by ``sides`` wedge grains that
    each share one of its edges and meet their neighbours along rays through its corners."""
    x, y = grid.mesh()
    cx, cy = (length / 2 for length in grid.lengths)
    r = np.hypot(x - cx, y - cy)
    phi = np.arctan2(y - cy, x - cx) % (2 * np.pi)
    sector = np.floor(phi / (2 * np.pi / sides)).astype(int) % sides
    middle = (sector + 0.5) * 2 * np.pi / sides
    inside = r * np.cos(phi - middle) <= circumradius * np.cos(np.pi / sides)
    ids = np.where(inside, 0, sector + 1)
    return np.stack([(ids == g).astype(float) for g in range(sides + 1)])


@pytest.mark.parametrize("sides", [4, 8])
def test_von_neumann_mullins(backend, sides):
    """dA/dt = (π/3) μ σ (n − 6) for an n-sided grain, within 5 %."""
    grid = Grid((160, 160))
    gg = model(sides + 1)
    dt = 0.05 * gg.relaxation_time
    eta = polygon_grains(grid, sides, 8 * WIDTH)
    _, _, record = evolve(backend, grid, gg, eta, dt, 3600, 100, lambda e: e[0].sum())
    times, areas = np.array(record).T
    settled = times > times[-1] / 3  # after the corners have relaxed to 120°
    rate = np.polyfit(times[settled], areas[settled], 1)[0]
    assert rate == pytest.approx(math.pi / 3 * MOBILITY * SIGMA * (sides - 6), rel=0.05)


@pytest.mark.slow
def test_a_shrinking_sphere_follows_the_curvature_law(backend):
    """R² = R0² − 4 μ σ t in 3-D, i.e. d(R²)/dt = −4 μ σ, within 2 %, for R0 = 8 widths."""
    width = 3.0
    grid = Grid((72, 72, 72))
    gg = GrainGrowth(2, SIGMA, width, MOBILITY)
    x, y, z = grid.mesh()
    r = np.sqrt((x - 36) ** 2 + (y - 36) ** 2 + (z - 36) ** 2)
    inside = 0.5 * (1 - np.tanh(2 * (r - 8 * width) / width))
    eta = np.stack([inside, 1 - inside])
    dt = 0.02 * gg.relaxation_time

    def radius_squared(e):
        return (3 * e[0].sum() / (4 * math.pi)) ** (2 / 3)

    _, _, record = evolve(backend, grid, gg, eta, dt, 3400, 100, radius_squared)
    times, squares = np.array(record).T
    keep = (squares < 0.85 * squares[0]) & (squares > 0.45 * squares[0])
    assert keep.sum() >= 5
    rate = np.polyfit(times[keep], squares[keep], 1)[0]
    assert rate == pytest.approx(-4 * MOBILITY * SIGMA, rel=0.02)


@pytest.mark.parametrize("scheme", ["imex_euler", "sbdf2"])
def test_componentwise_and_batched_steps_give_the_same_trajectory(rng, scheme):
    """The CPU step evaluates, transforms and updates one order parameter at a time from the
    state as it was (pyFFTW, per component); the batched step (numpy.fft, and the array
    kernels CuPy uses) evaluates every order parameter first. Both are the same scheme."""
    from phasefield.backend import get_backend
    from phasefield.grains.voronoi import voronoi_ids

    grid = Grid((64, 64))
    ids = voronoi_ids(grid, 24, rng)
    eta = np.stack([(ids % 6 == c).astype(float) for c in range(6)])
    gg = model(6, stabilization=6 * SIGMA / WIDTH)
    runs = {}
    for label, backend in {
        "componentwise": get_backend("numpy"),
        "batched": get_backend("numpy", fft="numpy"),
        "array kernels": get_backend("numpy", fft="numpy", kernels="array"),
    }.items():
        space = SpectralSpace(grid, backend, np.float64)
        stepper = make_stepper(scheme, gg, space)
        assert stepper.layout.componentwise == (label == "componentwise")
        state = stepper.initialise({"eta": eta})
        for _ in range(60):
            stepper.step(state, 2.0)
        runs[label] = backend.to_host(state.fields["eta"])
    assert np.max(np.abs(runs["componentwise"] - eta)) > 0.1  # the boundaries relaxed
    for label in ("batched", "array kernels"):
        np.testing.assert_allclose(runs["componentwise"], runs[label], rtol=0, atol=1e-11)


def test_lanes_step_order_parameters_side_by_side_exactly(rng, monkeypatch):
    """On two threads the order parameters are stepped in two lanes (own buffers, single-
    threaded plans, serial kernels): the trajectory is that of one lane to rounding, a rerun
    repeats it bit for bit, and a remap's resynchronisation through the lanes leaves every
    field the inverse transform of its spectrum."""
    from phasefield.backend import get_backend
    from phasefield.grains.voronoi import voronoi_ids

    grid = Grid((256, 128))  # 32768 points: the smallest grid stepped in lanes
    ids = voronoi_ids(grid, 40, rng)
    eta = np.stack([(ids % 5 == c).astype(float) for c in range(5)])
    gg = model(5, stabilization=6 * SIGMA / WIDTH)
    runs = []
    for lanes in (1, 2, 2):
        backend = get_backend("numpy")
        monkeypatch.setattr(backend, "threads", lanes)
        space = SpectralSpace(grid, backend, np.float64)
        stepper = make_stepper("imex_euler", gg, space)
        assert stepper.layout.lanes["eta"].count == lanes
        state = stepper.initialise({"eta": eta})
        for _ in range(30):
            stepper.step(state, 2.0)
        state.fields["eta"][[1, 3]] *= 0.5  # what a remap does: change fields, then resync
        stepper.resynchronise(state, "eta", [1, 3])
        for _ in range(10):
            stepper.step(state, 2.0)
        runs.append(state.fields["eta"].copy())
        rebuilt = np.fft.irfftn(state.spectral["eta"], s=grid.shape, axes=(1, 2), norm="forward")
        np.testing.assert_allclose(state.fields["eta"], rebuilt, rtol=0, atol=1e-13)
    assert np.max(np.abs(runs[0] - eta)) > 0.1
    np.testing.assert_allclose(runs[1], runs[0], rtol=0, atol=1e-11)
    np.testing.assert_array_equal(runs[2], runs[1])


@pytest.mark.parametrize("scheme", ["imex_euler", "sbdf2"])
def test_a_stale_spectrum_is_derived_from_the_real_field_when_read(rng, scheme):
    """IMEX Euler combined in real space steps the real values only and leaves the spectra
    stale (SBDF2 reads its spectral history and keeps them): reading one gives the transform
    of the real field, the kept mean modes are those of the last step, and reading changes
    nothing that follows, also after a remap-like change resynchronised between steps."""
    from phasefield.grains.voronoi import voronoi_ids

    grid = Grid((64, 64))
    ids = voronoi_ids(grid, 20, rng)
    eta = np.stack([(ids % 4 == c).astype(float) for c in range(4)])
    gg = model(4, stabilization=6 * SIGMA / WIDTH)
    runs = []
    for read in (False, True):
        space = SpectralSpace(grid, get_backend("numpy"), np.float64)
        stepper = make_stepper(scheme, gg, space)
        state = stepper.initialise({"eta": eta})
        for step in range(10):
            if step == 5:
                state.fields["eta"][2] *= 0.5
                stepper.resynchronise(state, "eta", [2])
            stepper.step(state, 2.0)
            assert state.spectral.is_stale("eta") == (scheme == "imex_euler")
            if read:
                kept = state.spectral.buffer("eta")[:, 0, 0].copy()
                derived = state.spectral["eta"]
                assert not state.spectral.is_stale("eta")
                expected = np.fft.rfftn(state.fields["eta"], axes=(1, 2), norm="forward")
                np.testing.assert_allclose(derived, expected, rtol=0, atol=1e-15)
                np.testing.assert_allclose(kept, derived[:, 0, 0], rtol=0, atol=1e-15)
        runs.append(state.fields["eta"].copy())
    assert np.max(np.abs(runs[0] - eta)) > 0.1
    np.testing.assert_array_equal(runs[1], runs[0])
