"""PFHub benchmark 1a in phasefield and in py-pde: time to solution at equal accuracy.

Both codes solve the same Cahn–Hilliard problem (Jokisaari et al., Comput. Mater. Sci. 126, 139
(2017), doi:10.1016/j.commatsci.2016.09.022): a periodic 200 × 200 square with dx = 1,
``f = ρ (c − cα)² (cβ − c)²`` with ρ = 5, cα = 0.3, cβ = 0.7, κ = 2, M = 5, and the benchmark's
initial condition, to ``t = --end`` (1000 by default).

- phasefield on the Fourier-spectral grid (stabilisation s = max f''/2), three ways: IMEX
  Euler at fixed steps, SBDF2 at fixed steps, and SBDF2 with step-size control (from a first
  step ``--first-dt``), each from its cheapest setting down until it meets the tightest
  accuracy asked; the error is against phasefield's own fine-step reference (SBDF2 at
  ``--reference-dt``).
- py-pde: a custom ``PDE`` with the same free energy, ``5*laplace(f'(c) - 2*laplace(c))``, on its
  fastest explicit path (compiled with Numba, ``EulerSolver``), at the largest stable step
  (a fraction ``--pypde-safety`` of the explicit limit ``2 / (M (κ λ² + f''max λ))`` with
  ``λ = 8/dx²`` the largest eigenvalue of its 5-point Laplacian). Its accuracy is measured the
  same way against its own reference at half that step; the free energy is evaluated with
  the same finite-difference gradient as its Laplacian (central differences, periodic).

The table gives, for each accuracy in ``--accuracies`` and for py-pde's own (its stability
limit makes it that accurate whatever is asked), the fastest run of each way that meets it,
and its speed-up over py-pde (whose run at its stability limit is its fastest at any of them).

Each code is compared with its own reference because their spatial discretisations differ
(spectral against second-order finite differences); the table also shows how far apart the two
references are. Compilation is excluded from the wall times (each code first runs a few steps).

Usage: python benchmarks/vs_pypde.py [--end 1000] [--accuracies 1e-2 1e-3] [--backends numpy cupy]
Prints a Markdown table. Needs ``pip install py-pde`` (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

RHO, C_ALPHA, C_BETA, KAPPA, MOBILITY, LENGTH = 5.0, 0.3, 0.7, 2.0, 5.0, 200
CURVATURE_MAX = 2 * RHO * (C_BETA - C_ALPHA) ** 2  # max f'' over [cα, cβ] (at the wells)


def initial(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.5 + 0.01 * (
        np.cos(0.105 * x) * np.cos(0.11 * y)
        + (np.cos(0.13 * x) * np.cos(0.087 * y)) ** 2
        + np.cos(0.025 * x - 0.15 * y) * np.cos(0.07 * x - 0.02 * y)
    )


def samples(end: float) -> list[float]:
    """Sample times: a decade apart from 1 up to ``end``, and ``end``."""
    times = [10.0**k for k in range(int(math.log10(end)) + 1) if 10.0**k < end]
    return [*times, end]


# ---- phasefield --------------------------------------------------------------------------------


def phasefield_run(
    backend_name: str,
    dt: float,
    times: list[float],
    scheme: str = "sbdf2",
    tolerance: float | None = None,
) -> tuple[list[float], float, int]:
    """Free energies at ``times``, the wall time of the stepping (compilation excluded) and
    the number of steps; with ``tolerance``, steps are chosen by the step-size control from
    a first step ``dt``."""
    from phasefield.backend import get_backend
    from phasefield.grid import Grid
    from phasefield.models.cahn_hilliard import CahnHilliard, DoubleWell
    from phasefield.simulation.loop import step_toward
    from phasefield.spectral import SpectralSpace
    from phasefield.timestepping import StepControl, make_stepper

    backend = get_backend(backend_name)
    grid = Grid((LENGTH, LENGTH), 1.0)
    model = CahnHilliard(
        MOBILITY,
        KAPPA,
        DoubleWell(RHO, C_ALPHA, C_BETA),
        stabilization=CURVATURE_MAX / 2,
    )
    space = SpectralSpace(grid, backend, np.float64)
    control = None if tolerance is None else StepControl(tolerance)
    stepper = make_stepper(scheme, model, space, control)
    x, y = grid.mesh()
    start = initial(x, y)
    stepper.step(stepper.initialise({"c": start}), dt)  # compile and plan
    state = stepper.initialise({"c": start})
    backend.synchronize()
    energies, wall = [], 0.0
    for target in times:
        clock = time.perf_counter()
        landed = False
        while not landed:
            proposal = stepper.proposed_dt(state, dt)
            request, landed = step_toward(proposal, target - state.time, stepper.order)
            stepper.step(state, request)
        state.time = target
        backend.synchronize()
        wall += time.perf_counter() - clock
        energies.append(model.scalars(state, space)["free_energy"])
    return energies, wall, state.step


# ---- py-pde ------------------------------------------------------------------------------------


def _fd_energy(c: np.ndarray) -> float:
    """The discrete free energy of py-pde's scheme: bulk plus κ/2 |∇c|² by forward differences
    (whose sum of squares is the energy its 5-point Laplacian is the gradient of)."""
    bulk = RHO * (c - C_ALPHA) ** 2 * (C_BETA - c) ** 2
    gradient = (np.roll(c, -1, 0) - c) ** 2 + (np.roll(c, -1, 1) - c) ** 2
    return float(np.sum(bulk + 0.5 * KAPPA * gradient))


def pypde_stable_dt(safety: float) -> float:
    """A fraction of explicit Euler's limit for the linearised 5-point scheme."""
    largest = 8.0  # largest eigenvalue of -Δ_h with dx = 1 in 2-D
    return safety * 2.0 / (MOBILITY * largest * (KAPPA * largest + CURVATURE_MAX))


def pypde_run(dt: float, times: list[float]) -> tuple[list[float], float]:
    import warnings

    import pde

    grid = pde.CartesianGrid([[0, LENGTH], [0, LENGTH]], [LENGTH, LENGTH], periodic=True)
    x, y = grid.cell_coords[..., 0] - 0.5, grid.cell_coords[..., 1] - 0.5  # nodes at 0, 1, ...
    derivative = f"{2 * RHO}*(c - {C_ALPHA})*({C_BETA} - c)*({C_ALPHA + C_BETA} - 2*c)"
    equation = pde.PDE({"c": f"{MOBILITY}*laplace({derivative} - {KAPPA}*laplace(c))"})
    field = pde.ScalarField(grid, initial(x, y))
    solver = pde.EulerSolver if hasattr(pde, "EulerSolver") else pde.ExplicitSolver
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stepper = solver(equation, backend="numba").make_stepper(field, dt=dt)
        stepper(field.copy(), 0.0, 10 * dt)  # compile
    state, now, energies, wall = field.copy(), 0.0, [], 0.0
    for target in times:
        clock = time.perf_counter()
        now = stepper(state, now, target)
        wall += time.perf_counter() - clock
        energies.append(_fd_energy(state.data))
    return energies, wall


# ---- comparison --------------------------------------------------------------------------------


def error(energies: list[float], reference: list[float]) -> float:
    return max(abs(a - b) / abs(b) for a, b in zip(energies, reference, strict=True))


#: phasefield's ways to step, each tried from its cheapest setting to its most accurate:
#: (label, scheme, fixed steps or None, step-size tolerances or None)
FAMILIES = (
    ("IMEX Euler, fixed dt", "imex_euler", (0.1, 0.05, 0.02), None),
    ("SBDF2, fixed dt", "sbdf2", (0.5, 0.2, 0.1, 0.05, 0.02), None),
    ("SBDF2, adaptive dt", "sbdf2", None, (1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6)),
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--end", type=float, default=1000.0)
    parser.add_argument("--accuracies", type=float, nargs="+", default=[1e-2, 1e-3])
    parser.add_argument("--reference-dt", type=float, default=0.01)
    parser.add_argument("--first-dt", type=float, default=0.01, help="adaptive runs' first step")
    parser.add_argument("--pypde-safety", type=float, default=0.9)
    parser.add_argument("--backends", nargs="+", default=None)
    args = parser.parse_args()

    from phasefield.backend import available_backends, get_backend

    times = samples(args.end)
    print(f"# PFHub BM1a to t = {args.end:g}, {time.strftime('%Y-%m-%d')}")
    print(f"# sample times {times}; accuracy: max relative error of F over them")
    print()

    dt = pypde_stable_dt(args.pypde_safety)
    energies, pypde_wall = pypde_run(dt, times)
    half, half_wall = pypde_run(dt / 2, times)
    # first order: F(dt) - F(0) ≈ 2 (F(dt) - F(dt/2)); report that estimate
    pypde_error = 2 * error(energies, half)
    pypde_steps = round(args.end / dt)
    targets = sorted({*args.accuracies, pypde_error}, reverse=True)

    rows = []
    for name in args.backends or available_backends():
        device = get_backend(name).device
        reference, reference_wall, _ = phasefield_run(name, args.reference_dt, times)
        print(
            f"<!-- phasefield ({device}): SBDF2 reference dt {args.reference_dt}, "
            f"{reference_wall:.1f} s; runs tried:"
        )
        for label, scheme, dts, tolerances in FAMILIES:
            settings = [(d, None) for d in dts] if dts else [(args.first_dt, t) for t in tolerances]
            tried = []
            for step, tolerance in settings:
                series, wall, steps = phasefield_run(name, step, times, scheme, tolerance)
                err = error(series, reference)
                setting = f"dt {step:g}" if tolerance is None else f"tolerance {tolerance:g}"
                tried.append((setting, steps, err, wall, series[-1]))
                print(f"     {label}, {setting}: {steps} steps, error {err:.2e}, {wall:.2f} s")
                if err <= min(targets):
                    break
            rows.append((f"phasefield {label} ({device})", tried))
        print("-->")
        print(
            f"References at t = {args.end:g}: phasefield F = {reference[-1]:.3f}, "
            f"py-pde F = {half[-1]:.3f} (dt/2, {half_wall:.1f} s); they differ by "
            f"{abs(reference[-1] - half[-1]) / half[-1]:.1%} (spatial discretisation)."
        )
        print()

    print("| accuracy | code | setting | steps | error of F | wall (s) | speed-up over py-pde |")
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: |")
    for target in targets:
        met = "" if pypde_error <= target else " (not met)"
        print(
            f"| {target:.1e} | py-pde (numba Euler, dx = 1){met} | dt {dt:.4g} | {pypde_steps} "
            f"| {pypde_error:.1e} | {pypde_wall:.2f} | 1.0 |"
        )
        for label, tried in rows:
            good = [run for run in tried if run[2] <= target]
            if not good:
                print(f"| {target:.1e} | {label} | not met by the settings tried | | | | |")
                continue
            setting, steps, err, wall, _ = min(good, key=lambda run: run[3])
            print(
                f"| {target:.1e} | {label} | {setting} | {steps} | {err:.1e} | {wall:.2f} "
                f"| {pypde_wall / wall:.1f} |"
            )


if __name__ == "__main__":
    main()
