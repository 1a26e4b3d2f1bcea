"""The coupled Al–Mg model: time of one step and its parts against bare FFT pairs.

A state like NG-50 at 523 K a few seconds into its anneal (Voronoi grains on P order
parameters, β discs on the boundaries, Mg drawn out of α around them) is stepped at the longest
step its kinetics allow; the table shows the step, the pointwise evaluation of the model (the
KKS partition, mobilities, diffusivities), the implicit Mg diffusion step (multigrid-PCG) with
its iterations, and the P + 1 bare r2c + c2r pairs of the spectral fields, measured in the same
process (best of three blocks).

Usage: python benchmarks/al_mg.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

CASES = [((128, 128), 8), ((256, 256), 8), ((64, 64, 64), 20)]


def _state(shape: tuple[int, ...], components: int):
    import phasefield as pf
    from phasefield.backend import get_backend
    from phasefield.grid import Grid
    from phasefield.models import build_model
    from phasefield.simulation.runner import initial_fields
    from phasefield.spectral import SpectralSpace
    from phasefield.timestepping import make_stepper

    spacing = 3e-9
    grains = max(2, int(np.prod([n * spacing / 50e-9 for n in shape])))
    config = pf.load_config(
        {
            "name": "bench",
            "backend": "numpy",
            "grid": {"shape": list(shape), "spacing": spacing},
            "time": {"dt": 1.0, "end": 1.0},
            "model": {
                "kind": "al_mg",
                "composition": {"wt_percent": 15.0},
                "temperature": 523.0,
                "order_parameters": components,
                "gb_width": 3 * spacing,
            },
            "initial": {"grains": {"kind": "voronoi", "count": grains}},
        }
    )
    grid = Grid(shape, spacing)
    backend = get_backend("numpy")
    fields = {k: np.asarray(v) for k, v in initial_fields(config, grid, backend).items()}
    rng = np.random.default_rng(1)
    phi = np.zeros(shape)
    mesh = grid.mesh()
    for _ in range(max(4, grains)):
        centre = rng.uniform(0, 1, len(shape)) * np.asarray(grid.lengths)
        r2 = sum(
            ((m - c + L / 2) % L - L / 2) ** 2
            for m, c, L in zip(mesh, centre, grid.lengths, strict=True)
        )
        phi = np.maximum(phi, 0.5 * (1 - np.tanh(2 * (np.sqrt(r2) - 12e-9) / (3 * spacing))))
    fields["phi"] = phi
    fields["eta"] = fields["eta"] * (1 - phi)[None]
    fields["c"] = 0.12 + phi * (0.3886 - 0.12)
    model = build_model(config.model)
    space = SpectralSpace(grid, backend, np.float64)
    stepper = make_stepper("imex_euler", model, space)
    state = stepper.initialise(fields)
    for _ in range(5):  # relax the sharp start
        stepper.step(state, 1.0)
    return model, space, stepper, state


def _timed(function, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        function()
    return (time.perf_counter() - start) / count


def case(shape: tuple[int, ...], components: int, repeats: int) -> dict:
    model, space, stepper, state = _state(shape, components)
    real, spectral = space.empty_real(), space.empty_spectral()
    real[...] = 0.5
    diffusion = stepper.splitting.diffusion["c"]
    terms = model.explicit(state, stepper.layout.work, space)
    problem = terms.diffusion["c"]
    field = state.fields["c"].copy()

    def pair() -> None:
        space.fft.forward(real, spectral)
        space.fft.inverse(spectral, real)

    def step() -> None:
        stepper.step(state, 1.0)

    def evaluate() -> None:
        model.evaluate(state, space)

    def solve() -> None:
        diffusion.advance(field, problem, terms.max_dt)

    best = {name: np.inf for name in ("step", "evaluate", "solve", "pair")}
    before = (diffusion.iterations, diffusion.solves)
    for _ in range(3):
        best["step"] = min(best["step"], _timed(step, repeats))
        best["evaluate"] = min(best["evaluate"], _timed(evaluate, repeats))
        best["solve"] = min(best["solve"], _timed(solve, repeats))
        best["pair"] = min(best["pair"], _timed(pair, repeats * (components + 1)))
    iterations = (diffusion.iterations - before[0]) / max(1, diffusion.solves - before[1])
    return {**{k: v * 1e3 for k, v in best.items()}, "iterations": iterations, "dt": terms.max_dt}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from phasefield.backend import get_backend

    print(f"# al_mg step, {time.strftime('%Y-%m-%d')}, {get_backend('numpy').device}")
    print()
    print(
        "| grid | P | step (ms) | (P+1) FFT pairs (ms) | step / pairs | evaluation (ms) "
        "| Mg diffusion (ms) | PCG iterations | step allowed (s) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for shape, components in CASES[:1] if args.quick else CASES:
        r = case(shape, components, 3 if args.quick else 10)
        pairs = r["pair"] * (components + 1)
        print(
            f"| {'x'.join(map(str, shape))} | {components} | {r['step']:.1f} | {pairs:.1f} | "
            f"{r['step'] / pairs:.2f} | {r['evaluate']:.1f} | {r['solve']:.1f} | "
            f"{r['iterations']:.1f} | {r['dt']:.3g} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
