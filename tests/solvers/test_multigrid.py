"""The implicit finite-volume diffusion solver: against a direct sparse solve, the same on both
kernel paths, contrast-robust, and exactly conservative."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sparse
import scipy.sparse.linalg as linalg
from scipy.spatial import cKDTree

from phasefield.backend import get_backend
from phasefield.grid import Grid
from phasefield.models.base import DiffusionProblem, Sink
from phasefield.solvers import MultigridSolver
from phasefield.solvers.diffusion import DiffusionStep
from phasefield.spectral import SpectralSpace


def _matrix(coefficient, capacity, dt, spacing):
    """``χ - dt ∇·(M∇)`` with harmonic face means, assembled as a sparse matrix."""
    shape = coefficient.shape
    size = coefficient.size
    index = np.arange(size).reshape(shape)
    rows, cols, values = [], [], []
    diagonal = capacity.reshape(-1).astype(float).copy()
    for axis, h in enumerate(spacing):
        there = np.roll(coefficient, -1, axis)
        face = dt / h**2 * 2 * coefficient * there / (coefficient + there)
        neighbour = np.roll(index, -1, axis)
        rows += [index.ravel(), neighbour.ravel()]
        cols += [neighbour.ravel(), index.ravel()]
        values += [-face.ravel(), -face.ravel()]
        diagonal += face.ravel() + np.roll(face, 1, axis).ravel()
    matrix = sparse.coo_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size)
    )
    return (matrix + sparse.diags(diagonal)).tocsc()


@pytest.mark.parametrize("shape", [(64,), (48, 40), (16, 12, 8)])
@pytest.mark.parametrize("compiled", [True, False])
def test_solves_the_variable_coefficient_problem(rng, shape, compiled):
    """Coefficients contrasting by 1e4 (a boundary network's worth), capacities varying by 10."""
    spacing = (2e-9,) * len(shape)
    coefficient = 1e-17 * (1 + 1e4 * (rng.uniform(size=shape) > 0.85))
    capacity = rng.uniform(1, 10, size=shape)
    dt = 30 * spacing[0] ** 2 / 1e-17
    rhs = rng.standard_normal(shape)
    solver = MultigridSolver(shape, spacing, np, compiled)
    solver.prepare(coefficient, dt, capacity)
    out = np.zeros(shape)
    report = solver.solve(rhs, out, rtol=1e-11, max_iterations=300)
    assert report.converged
    exact = linalg.spsolve(_matrix(coefficient, capacity, dt, spacing), rhs.ravel())
    assert np.abs(out.ravel() - exact).max() < 1e-9 * np.abs(exact).max()


def test_iterations_barely_depend_on_the_contrast(rng):
    """Fast paths along a network of diffuse grain boundaries (the sech⁴ indicator of the
    models, about three cells wide) of 1e2–1e6 times the lattice diffusivity, at steps of 1e3
    lattice diffusion times of a cell."""
    size = 96
    seeds = rng.uniform(0, size, (30, 2))
    tree = cKDTree(seeds, boxsize=size)
    points = np.stack(np.meshgrid(np.arange(size), np.arange(size), indexing="ij"), -1)
    distances, _ = tree.query(points.reshape(-1, 2) + 0.5, k=2)
    gap = (distances[:, 1] - distances[:, 0]).reshape(size, size) / 2
    boundary = np.cosh(2 * gap / 3.0) ** -4.0
    grid = Grid((size, size), 1.0)
    counts = []
    for contrast in (1e2, 1e4, 1e6):
        coefficient = 1.0 + (contrast - 1) * boundary
        solver = MultigridSolver(grid.shape, grid.spacing, np, compiled=True)
        solver.prepare(coefficient, 1e3)
        report = solver.solve(rng.standard_normal(grid.shape), np.zeros(grid.shape), rtol=1e-8)
        assert report.converged
        counts.append(report.iterations)
    assert max(counts) <= 40, counts


@pytest.mark.parametrize("kernels", ["numba", "array"])
def test_the_step_conserves_whatever_the_tolerance(rng, kernels):
    """The field moves by flux divergences only: its sum is unchanged to round-off."""
    grid = Grid((40, 36), 1e-9)
    space = SpectralSpace(grid, get_backend("numpy", kernels=kernels), np.float64)
    step = DiffusionStep(space)
    field = rng.uniform(0.1, 0.3, grid.shape)
    total = field.sum()
    for _ in range(20):
        problem = DiffusionProblem(
            potential=rng.standard_normal(grid.shape) * 1e3,
            mobility=1e-25 * (1 + 1e3 * (rng.uniform(size=grid.shape) > 0.8)),
            capacity=rng.uniform(1e-10, 1e-9, grid.shape),
        )
        step.advance(field, problem, 1.0, exchange=rng.standard_normal(grid.shape) * 1e-3)
    assert abs(field.sum() - total) < 1e-13 * total


def test_a_linear_step_is_backward_euler(rng):
    """For a constant capacity and coefficient the step is exactly implicit Euler: a Fourier
    mode decays by 1 / (1 + dt D k²) per step (D = M/χ), the finite-volume k² being
    (2 - 2 cos kh)/h²."""
    grid = Grid((64,), 1.0)
    space = SpectralSpace(grid, get_backend("numpy"), np.float64)
    step = DiffusionStep(space)
    x = grid.coordinates(0)
    k = 2 * np.pi * 3 / 64
    capacity, mobility = 2.0, 0.5
    field = 1.0 + 0.01 * np.cos(k * x)
    dt = 7.0
    problem = DiffusionProblem(field / capacity, np.full(64, mobility), np.full(64, capacity))
    step.advance(field, problem, dt)
    k2 = 2 - 2 * np.cos(k)
    factor = 1 / (1 + dt * mobility / capacity * k2)
    assert np.allclose(field, 1.0 + 0.01 * factor * np.cos(k * x), atol=1e-12)


def test_a_sink_is_taken_implicitly_and_exactly_accounted(rng):
    """A linear sink k (c - x_s) with a uniform field and no transport is backward Euler,
    c' = (c + Δt k x_s)/(1 + Δt k), even at Δt k = 50 (no overshoot below x_s); with transport
    and a sink in some cells, the field's loss equals what the sink records, to round-off."""
    grid = Grid((16, 16), 1e-9)
    space = SpectralSpace(grid, get_backend("numpy"), np.float64)
    step = DiffusionStep(space)
    field = np.full(grid.shape, 0.16)
    capacity = np.full(grid.shape, 2e-9)
    rate, target = np.full(grid.shape, 5e3), np.full(grid.shape, 0.07)
    taken = np.zeros(grid.shape)
    problem = DiffusionProblem(
        field / capacity, np.zeros(grid.shape), capacity, sink=Sink(rate, target, taken)
    )
    step.advance(field, problem, 1e-2)
    expected = (0.16 + 50 * 0.07) / 51
    assert np.allclose(field, expected, rtol=0, atol=1e-12)
    assert np.allclose(taken, 0.16 - expected, rtol=0, atol=1e-12)
    field = rng.uniform(0.1, 0.3, grid.shape)
    before = field.sum()
    some = rng.uniform(size=grid.shape) > 0.7
    problem = DiffusionProblem(
        potential=rng.standard_normal(grid.shape) * 1e3,
        mobility=np.full(grid.shape, 1e-25),
        capacity=rng.uniform(1e-10, 1e-9, grid.shape),
        sink=Sink(np.where(some, 1e4, 0.0), np.full(grid.shape, 0.1), taken),
    )
    step.advance(field, problem, 1e-3)
    assert np.any(taken != 0)
    assert abs(field.sum() + taken.sum() - before) < 1e-13 * before
