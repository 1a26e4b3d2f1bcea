"""The seed's anneals from the shipped sweep (runs/seed/sweep.yaml), as the sweep defines them:
the fast members here, the long ones marked slow. Each checks an observation of Xu et al.,
Science 373, 683 (2021) that the model must reach from its kinetics alone."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import phasefield as pf
from phasefield.models.al_mg.report import anneal_row
from phasefield.report import format_table
from phasefield.sweep import load_sweep

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ROOT / "runs" / "seed" / "sweep.yaml"
R = 8.314462618  # J/(mol K)
A_2D = 0.74  # d<d>^2/dt = a mu sigma, this solver's 2-D normal growth (materials/fits)


def mean_field_rate(temperature, fraction):
    """d(d²)/dt = a μ(T) σ s(f, T) (m²/s), hand-computed from materials/al_mg.yaml's numbers
    (read as YAML, not through the code under test)."""
    material = yaml.safe_load((ROOT / "materials" / "al_mg.yaml").read_text())
    law = material["kinetics"]["boundary_mobility"]
    mobility = float(law["prefactor"]["value"]) * math.exp(
        -float(law["activation_energy"]["value"]) / (R * temperature)
    )
    sigma = float(material["interfaces"]["grain_boundary_energy"]["value"])
    barrier = float(material["schwarz"]["suppression_energy"]["value"])
    return A_2D * mobility * sigma * math.exp(-fraction * barrier / (R * temperature))


def run_member(name, folder):
    """Run the sweep's member ``name`` into ``folder``; its report row."""
    members = {m.name: m for m in load_sweep(SWEEP).members}
    store = folder / f"{name}.zarr"
    pf.run(members[name].config, out=store, progress=False)
    return anneal_row(pf.open_run(store), store)


def test_the_sweep_holds_the_seeds_anneals():
    members = {m.name: m.config for m in load_sweep(SWEEP).members}
    temperatures = [373, 423, 483, 523, 573, 623, 673, 723, 760]
    for alloy in ("sc8", "ng50"):
        for t in temperatures:
            config = members[f"{alloy}_{t}K_1h"]
            assert config.model.temperature == t
            assert config.tags["anneal_time"] == 3600.0
    assert members["ng50_483K_6h"].tags["anneal_time"] == 6 * 3600.0
    assert members["sc8_483K_48h"].time.end == 48 * 3600.0
    # the alloys differ only in grain size and the as-prepared Schwarz fraction
    sc8, ng50 = members["sc8_523K_1h"], members["ng50_523K_1h"]
    assert sc8.model.composition == ng50.model.composition
    assert sc8.model.material == ng50.model.material
    assert "f_schwarz" in sc8.initial and "f_schwarz" not in ng50.initial


@pytest.mark.parametrize("temperature", [373, 523, 673])
def test_sc8_keeps_its_mg_and_its_grains_for_an_hour(tmp_path, temperature):
    """SC-8, 1 h (predictions: no number of the material was fitted to these anneals): no β
    (fraction < 1e-3) and Mg stays in α; the grains grow no faster than the Schwarz-suppressed
    boundaries allow, d² − d0² ≤ 2 a μ σ s(1, T) t (hand-computed from the material file: at
    673 K 4.9e-18 m², against the 36e-18 m² of the seed's 8 → 10 nm, a prediction the model
    misses). A Schwarz factor applied with half its exponent (s × 1e6 at 673 K) fails it."""
    row = run_member(f"sc8_{temperature}K_1h", tmp_path)
    assert row.grain_size_from == "simulated" and row.simulated_time == 3600.0
    assert row.precipitate_fraction < 1e-3
    assert row.mg_in_alpha_wt == pytest.approx(15.0, rel=1e-6)
    increment = (row.grain_size_nm**2 - row.grain_size_initial_nm**2) * 1e-18
    assert increment <= 2 * mean_field_rate(temperature, 1.0) * 3600.0


def test_sc8_is_unchanged_after_48_hours_at_483K(tmp_path):
    """A prediction (held out of the Schwarz fit): 48 h at 483 K leave SC-8's grains and Mg as
    they were; the increment d² − d0² is below the suppressed boundaries' a μ σ s t (5e-23 m²)
    with room for the start's relaxation (1e-19 m², a tenth of a nanometre on 8.8 nm), and far
    below the 36e-18 m² by which SC-8 would reach the seed's limit of 10 nm."""
    row = run_member("sc8_483K_48h", tmp_path)
    assert row.simulated_time == 48 * 3600.0
    increment = (row.grain_size_nm**2 - row.grain_size_initial_nm**2) * 1e-18
    assert increment <= max(2 * mean_field_rate(483.0, 1.0) * 48 * 3600.0, 1e-19)
    assert row.grain_size_nm < 10.0
    assert row.precipitate_fraction < 1e-3


@pytest.mark.slow
def test_ng50_precipitates_beta_and_drains_alpha_towards_the_solvus_at_523K(tmp_path):
    """NG-50 at 523 K (a prediction): β on the boundaries, and the Mg left in α falls towards
    the solvus (6.02 wt%; never more than 0.05 below it) and has lost at least three quarters of
    its excess over the solvus (below 8.25 wt%) within 10 s; the seed finds about 6 wt% after
    1 h. The sweep's member on a quarter of its domain (64 grains)."""
    member = {m.name: m for m in load_sweep(SWEEP).members}["ng50_523K_1h"]
    data = member.config.model_dump(mode="json")
    data["grid"]["shape"] = [128, 128]
    data["initial"]["grains"]["count"] = 64
    data["time"].update(end=10.0, dt=1.0)
    data["output"] = {"every": 1.0, "fields": ["grain_id"]}
    run = pf.run(data, out=tmp_path / "ng50.zarr", progress=False)
    mg = run["c_matrix"].values
    # falls, but not strictly: when a sub-grid class is promoted to a resolved particle, the
    # α average takes in the new particle's diffuse edge and rises by up to 0.17 wt% (measured;
    # a gap of the α measure, not of the Mg balance, which tests/test_al_mg_runs.py checks)
    assert np.all(np.diff(mg) < 0.25)
    assert np.all(mg[3:] < mg[1])
    solvus = 6.02  # wt%, materials/README.md (tested against pycalphad in tests/thermo)
    assert mg[-1] > solvus - 0.05
    assert mg[-1] < solvus + 0.25 * (15.0 - solvus)
    beta = run["precipitate_fraction"].values + run["subgrid_fraction"].values
    assert beta[-1] > 0.2  # resolved and below the grid


@pytest.mark.slow
def test_across_boundary_diffusivity_contrast_at_723K(tmp_path):
    """At 723 K (single α): no β in NG-50, and NG-50's grains grow at the rate of ordinary
    boundaries, d(d²)/dt = a μ σ (hand-computed from the material file, within 35 %: the
    window's Voronoi start and the measured 2-D constant a), so that the NG-50 / SC-8 ratio of
    apparent diffusivities is the model's prediction (the boundary mobility is estimated
    without the seed; printed, and reported by phasefield report against the seed's 5.1e7)."""
    ng = run_member("ng50_723K_1h", tmp_path)
    sc = run_member("sc8_723K_1h", tmp_path)
    print(format_table([ng, sc]))
    print(
        f"NG-50 / SC-8 apparent diffusivity: {ng.apparent_diffusivity / sc.apparent_diffusivity:.3g}"
    )
    assert ng.precipitate_fraction < 1e-3
    assert ng.growth_constant == pytest.approx(mean_field_rate(723.0, 0.0), rel=0.35)
    assert sc.apparent_diffusivity > 0


def test_the_growth_constant_is_exact_for_parabolic_growth():
    """k of d² = d0² + k t from the second half of the saves."""
    from phasefield.models.al_mg.report import _growth_constant

    times = np.linspace(0.0, 2.0, 9)
    sizes = np.sqrt(4e-16 + 3e-16 * times)
    assert _growth_constant(times, sizes) == pytest.approx(3e-16, rel=1e-10)


def test_the_3d_sweep_mirrors_the_2d_one():
    flat = {m.name: m.config for m in load_sweep(SWEEP).members}
    cubes = {
        m.name.removesuffix("_3d"): m.config
        for m in load_sweep(SWEEP.with_name("sweep_3d.yaml")).members
    }
    assert cubes.keys() == flat.keys()
    for name, config in cubes.items():
        assert len(config.grid.shape) == 3
        assert config.model.temperature == flat[name].model.temperature
        assert config.time.end == flat[name].time.end
        assert config.tags == flat[name].tags
