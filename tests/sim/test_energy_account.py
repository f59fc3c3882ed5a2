"""Energy accounts that cannot blow up silently (issue 16, item 3).

Each protocol step is refined (tighter reltol, then smaller steps: ``simulation.REFINEMENTS``) until its account
closes to ``BALANCE_TARGET`` of the energy through the magnet; the gate work is a Stieltjes sum bounded by its
physical limit. The benchmark ``benchmarks/energy_balance.py`` runs the presets and 200 seeded variations; this
runs the presets that failed before and a seeded subset."""

from __future__ import annotations

import math
import warnings

import numpy as np

import compactmodel.sim.simulation as simulation
from compactmodel.devices.presets import PRESETS, preset_parameters
from compactmodel.physics import scales
from compactmodel.sim.loads import ResistorLoad
from compactmodel.sim.simulation import EnergyBalanceWarning, Simulation

VARIED = ("len", "stiff", "chi", "damp", "gsp", "theta", "rw", "kani")


def _protocol(p) -> list[str]:
    """Set from the device's own Landau current and transit time (as in benchmarks/energy_balance.py)."""
    t = max(scales.transit_time(p["len"], p["stiff"], p["chi"]), 0.1e-9)
    return [f"Charge at {0.3 * scales.device_scales(p, 300.15).landau_current:.9g} A for {12 * t:.9g} s", "Close gate", f"Hold for {10 * t:.9g} s",
            f"Release into {p['rw']:.9g} ohm for {20 * t:.9g} s"]


def _run(p):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = Simulation(_protocol(p), params=p, load=ResistorLoad(p["rw"]), t_retention=1.0).solve()
    return res, [w for w in caught if issubclass(w.category, EnergyBalanceWarning)]


def test_afm_pt_closes_its_account_to_1e_3_at_the_defaults(monkeypatch):
    """Issue 16: afm_pt closed only to 1e-2 at the defaults (slip power under-resolved at reltol = 1e-3); measured
    here: 1.1e-2 with every step run once, within 1e-3 as shipped."""
    p = dict(preset_parameters("afm_pt"))
    res, caught = _run(p)
    assert abs(res.cycle_summaries()[0]["balance_error"]) <= 1e-3 and not caught
    monkeypatch.setattr(simulation, "REFINEMENTS", simulation.REFINEMENTS[:1])
    once, _ = _run(p)
    assert abs(once.cycle_summaries()[0]["balance_error"]) > 3e-3


def test_a_seeded_subset_of_random_variations_closes_to_1e_3():
    """Factors 0.5-2 (log-uniform, seed 7) on the main parameters of each preset in turn."""
    rng = np.random.default_rng(7)
    names = list(PRESETS)
    for k in range(4):
        p = dict(preset_parameters(names[k % len(names)]))
        for key, f in zip(VARIED, np.exp(rng.uniform(math.log(0.5), math.log(2.0), len(VARIED)))):
            p[key] *= float(f)
        res, caught = _run(p)
        err = res.cycle_summaries()[0]["balance_error"]
        assert abs(err) <= 1e-3 and not caught, (names[k % len(names)], err)


def test_the_gate_work_stays_within_its_physical_bound():
    """|W_gate| <= (kgate0/2) x total variation of k_g/k_g0 x max theta_g^2 in every step (it once read 1e7 x that)."""
    res, _ = _run(dict(preset_parameters("yig_pt")))
    rows = res.step_summaries()
    assert any(abs(r["gate_work"]) > 0 for r in rows)
    for r in rows:
        assert abs(r["gate_work"]) <= r["gate_work_bound"] * (1 + 1e-12), r


def test_an_account_that_cannot_close_warns_with_the_step_and_what_to_do(monkeypatch):
    monkeypatch.setattr(simulation, "BALANCE_TARGET", 1e-12)
    _, caught = _run(dict(preset_parameters("reference_device")))
    assert caught
    msg = str(caught[0].message)
    assert msg.startswith("step 1 ('Charge at") and "target 1e-12" in msg and "pass a smaller tmax" in msg
