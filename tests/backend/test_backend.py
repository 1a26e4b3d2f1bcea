from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from phasefield.backend import available_backends, get_backend
from phasefield.expression import parse_expression
from phasefield.grid import Grid
from phasefield.spectral import SpectralSpace


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32,), (16, 12), (8, 6, 10)])
def test_transforms_are_the_unnormalised_real_fft(backend, dtype, shape, rng):
    space = SpectralSpace(Grid(shape), backend, dtype)
    real, spectral = space.empty_real(), space.empty_spectral()
    fft = space.plan(real, spectral)
    u = rng.standard_normal(shape).astype(dtype)
    real[...] = backend.asarray(u)
    fft.forward(real, spectral)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(
        backend.to_host(spectral), np.fft.rfftn(u), atol=tolerance * np.sqrt(u.size) * 4
    )
    fft.inverse(spectral, real)
    np.testing.assert_allclose(
        backend.to_host(real), u * u.size, rtol=tolerance * 10, atol=tolerance * u.size
    )


def test_pyfftw_and_numpy_fft_agree(rng):
    u = rng.standard_normal((24, 20))
    results = []
    for engine in ("pyfftw", "numpy"):
        backend = get_backend("numpy", fft=engine)
        space = SpectralSpace(Grid(u.shape), backend, np.float64)
        out = space.empty_spectral()
        space.transform(backend.asarray(u), out)
        results.append(out.copy())
    np.testing.assert_allclose(results[0], results[1], atol=1e-15)


def test_wisdom_is_cached_so_a_second_process_does_not_plan(tmp_path):
    """A new process finds the plan in the on-disk wisdom (FFTW_WISDOM_ONLY fails without it)."""
    script = """
import os, numpy as np
from phasefield.backend import get_backend
from phasefield.grid import Grid
from phasefield.spectral import SpectralSpace
space = SpectralSpace(Grid((48, 40)), get_backend("numpy"), np.float64)
space.plan(space.empty_real(), space.empty_spectral())
"""
    env = {"PHASEFIELD_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert list(tmp_path.glob("fftw-wisdom-*.npz"))
    second = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "PHASEFIELD_FFTW_PLANNER": "FFTW_WISDOM_ONLY"},
        capture_output=True,
        text=True,
    )
    assert second.returncode == 0, second.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    third = subprocess.run(
        [sys.executable, "-c", script],
        env={
            "PHASEFIELD_CACHE_DIR": str(empty),
            "PATH": "/usr/bin:/bin",
            "PHASEFIELD_FFTW_PLANNER": "FFTW_WISDOM_ONLY",
        },
        capture_output=True,
        text=True,
    )
    assert third.returncode != 0  # without the cached wisdom the same call would have to plan


@pytest.mark.parametrize("kernels", ["numba", "array"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pointwise_kernels_match_array_evaluation(kernels, dtype, rng):
    backend = get_backend("numpy", kernels=kernels)
    expression = parse_expression(
        "2*h*(c-a)*(b-c)*(a+b-2*c) + where(c > a, sqrt(abs(c)), exp(-c))", ["c", "h", "a", "b"]
    )
    c = backend.asarray(rng.uniform(0, 1, (64, 64)), dtype)
    out = backend.empty(c.shape, dtype)
    backend.evaluate(expression, out, {"c": c, "h": 5.0, "a": 0.3, "b": 0.7})
    expected = expression.evaluate(np, {"c": c.astype(np.float64), "h": 5.0, "a": 0.3, "b": 0.7})
    # float32 output: one rounding of a value whose terms are at most max|expected| in size
    scale = np.abs(expected).max()
    tolerance = 2 * np.finfo(dtype).eps * scale * 8
    np.testing.assert_allclose(out, expected, rtol=0, atol=tolerance)
    total = backend.reduce_sum(expression, {"c": c, "h": 5.0, "a": 0.3, "b": 0.7})
    assert total == pytest.approx(expected.sum(), rel=1e-12 if dtype == np.float64 else 1e-6)


def test_large_arrays_take_the_parallel_kernel(rng):
    backend = get_backend("numpy")
    expression = parse_expression("u*u - 1", ["u"])
    u = rng.standard_normal(1 << 17)
    out = backend.empty(u.shape, np.float64)
    backend.evaluate(expression, out, {"u": u})
    np.testing.assert_array_equal(out, u * u - 1)


def test_unknown_or_unusable_backends_are_reported():
    from phasefield.backend import BackendError, get_backend

    with pytest.raises(BackendError, match="unknown backend"):
        get_backend("torch")
    if "cupy" not in available_backends():
        with pytest.raises(BackendError, match="not usable"):
            get_backend("cupy")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5, 24, 20), (3, 70, 600)])  # the second takes the parallel loop
def test_stack_kernels_sum_over_components_then_write_each(dtype, shape, rng):
    """Moelans' explicit term: per point S = sum_j u_j^2, then u^3 - u + 2 g u (S - u^2)."""
    stack = rng.uniform(-0.1, 1.1, shape).astype(dtype)
    weight = rng.uniform(0.5, 2.0, shape[1:]).astype(dtype)
    term = parse_expression("w*(u**3 - u + 2*g*u*(S - u**2))", ["u", "S", "w", "g"])
    sums = {"S": parse_expression("u**2", ["u"])}
    wide = stack.astype(np.float64)
    total = (wide**2).sum(axis=0)
    expected = weight * (wide**3 - wide + 2 * 1.5 * wide * (total - wide**2))
    energy = parse_expression("w*(S*S - Q)", ["S", "Q", "w"])
    energy_sums = {"S": parse_expression("u**2", ["u"]), "Q": parse_expression("u**4", ["u"])}
    expected_energy = float(np.sum(weight * (total**2 - (wide**4).sum(axis=0))))
    for kernels in ("numba", "array"):
        backend = get_backend("numpy", kernels=kernels)
        out = backend.empty(shape, dtype)
        backend.evaluate_stack(term, out, {"u": stack}, sums, {"w": weight, "g": 1.5})
        tolerance = 1e-12 if dtype == np.float64 else 2e-5
        np.testing.assert_allclose(out, expected, rtol=tolerance, atol=tolerance)
        got = backend.reduce_stack(energy, {"u": stack}, energy_sums, {"w": weight})
        assert got == pytest.approx(expected_energy, rel=1e-10 if dtype == np.float64 else 1e-5)
        squares = backend.empty(shape[1:], dtype)
        backend.sum_components(sums["S"], squares, {"u": stack})
        np.testing.assert_allclose(squares, total, rtol=tolerance, atol=tolerance)


def test_kernels_run_serially_inside_one_thread(rng):
    """Inside ``one_thread`` (a lane's thread) a kernel takes its serial loop, with the same
    result as the parallel one."""
    from phasefield.backend import kernels

    expression = parse_expression("u*u - 1", ["u"])
    u = rng.uniform(size=(300, 300))
    kernel = kernels.compile_elementwise(expression, ["u"], [])
    calls = []
    serial = kernel.serial
    kernel.serial = lambda *args: calls.append(1) or serial(*args)
    parallel_out, serial_out = np.empty_like(u), np.empty_like(u)
    kernel(parallel_out, u)
    assert not calls  # large enough for the parallel loop
    with get_backend("numpy").one_thread():
        kernel(serial_out, u)
    assert calls == [1]
    kernel(parallel_out, u)
    assert calls == [1]  # the context ended
    np.testing.assert_array_equal(serial_out, parallel_out)


def test_an_asynchronous_copy_holds_the_array_as_it_was(backend, rng):
    """A save's copy to the host is started, then the field changes (the next steps): the copy
    still gives the values at the time it was started (on CuPy: a device snapshot copied on
    its own stream)."""
    values = rng.standard_normal((3, 64, 48))
    array = backend.asarray(values)
    copies = []
    for _ in range(3):
        copies.append((backend.to_host_async(array), backend.to_host(array)))
        array *= 2.0  # work queued after the copy started
        array += 1.0
    for pending, expected in copies:
        np.testing.assert_array_equal(pending(), expected)
    assert not np.array_equal(copies[0][1], copies[-1][1])
