"""Smoke tests of the benchmark scripts (benchmarks/): they run and give sane numbers. No timings asserted."""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_common as bc  # noqa: E402

pytestmark = pytest.mark.slow  # long study: 'bash run tests -m "not slow"' skips it


def test_reference_propagation_matches_reference_simulate():
    """The benchmarks' exact propagation of reference.state_space equals reference.simulate (charge and load)."""
    from compactmodel.verify import reference as ref

    p = bc.regime_params(1.0, 1e-4)
    tr, current = 20e-12, 1e-4
    rl = bc.ReferenceLinear(p, 32)
    t, tw, _ = rl.run(np.zeros(rl.ss.size), [0, tr], [0, current], [(0, tr, 4)])
    r = ref.simulate(p, t_end=tr, current=lambda s: current * min(s / tr, 1), n_cells=32, n_steps=4, energies=False)
    assert tw[-1] == pytest.approx(r.twist[-1], rel=1e-10)
    r_load = bc.matched_load(p)
    rn = bc.ReferenceLinear(p, 32, r_load=r_load)
    y0 = rn.steady_state(1.0)
    _, tw, en = rn.run(y0, [0, 1], [0, 0], [(0, 1e-9, 50)])
    r = ref.simulate(p, t_end=1e-9, r_load=r_load, n_cells=32, n_steps=50, initial=ref.State(y0), energies=False)
    assert np.max(np.abs(tw - r.twist)) < 1e-10
    assert np.max(np.abs(en - (r.twist_energy + r.kinetic_energy))) < 1e-10 * en[0]


def test_lumped_linear_reaches_eq7():
    """The numeric lumped system (from lumped.derive) charges to eq. (7) exactly."""
    p = bc.regime_params(1.0, 1e-3)
    ll = bc.LumpedLinear(4)
    m, b = ll.system(p, "current")
    _, z = bc.propagate_pwl(m, b, np.zeros(ll.nz), [0, 20e-12], [0, 1e-4], [(0, 20e-12, 2), (20e-12, 200e-9, 200)])
    twist = 2 * math.pi * z[:4, -1].sum()
    assert twist == pytest.approx(p["theta"] * 1e-4 * p["len"] / p["stiff"], rel=1e-9)


def test_accuracy_map_quick(tmp_path):
    import accuracy_map

    nd = str(accuracy_map.DEFAULT_NSEG)
    assert accuracy_map.main(["--quick", "--jobs", "1", "--out-dir", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "accuracy_map.json").read_text())
    assert (tmp_path / "accuracy_map.md").read_text().startswith("# Accuracy map")
    assert (tmp_path / "accuracy_map.png").stat().st_size > 10_000
    for r in data["results"]:
        assert "failed" not in r
        ac = r["ac"]
        assert all(ac[n]["dc"] < 1e-9 for n in ac)  # eq. (7) exact for any nseg, graded or uniform
        assert ac["8"]["ac_half"] > ac[nd]["ac_half"]  # converges
        for ramp in ("fast", "band"):
            for kind in ("charge", "release"):
                d = r["transients"][ramp][kind]
                assert d["lumped"][nd] < d["lumped"]["4"]
                assert d["ngspice_tight"]["err"] < 0.05
    # the default model is within 1 % up to u/(2L) in both regimes (the target of the full map)
    for r in data["results"]:
        assert r["ac"][nd]["ac_half"] < 0.01
        assert r["transients"]["band"]["charge"]["lumped"][nd] < 0.01


def test_paper_numbers():
    import speed

    c = speed.part_c(verbose=False)
    assert c["specific_energy_eq11_Wh_per_kg"] == pytest.approx(117.7, rel=1e-2)
    assert c["specific_energy_J_per_site_Wh_per_kg"] == pytest.approx(235.4, rel=1e-2)
    assert c["u_J1eV"] == pytest.approx(c["aJ_over_hbar_J1eV"], rel=1e-12)
    assert c["eq10_numerical_factor"] == "1/(16*pi)"
    ex = c["eq10_exponents"]
    assert [round(v, 2) for v in ex.values()] == [2.0, -1.0, -1.0, -1.0, 2.0, 1.0]


def test_model_cost_quick(tmp_path):
    """benchmarks/model_cost.py --quick writes its page; the sizes it reports are the library's own."""
    import model_cost

    assert model_cost.main(["--quick", "--out-dir", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "model_cost.json").read_text())
    size = data["size"]
    # the modal default carries one capacitor per state and far fewer than the 48-section model
    assert size["spin_battery"]["states"] == model_cost.states_of("spin_battery") <= 20
    assert size["spin_battery_n48"]["states"] > 2 * size["spin_battery"]["states"]
    assert size["spin_battery"]["equations"] < size["spin_battery_n48"]["equations"]
    # the floor has the same states and matrix: only the B-sources differ, so it takes the same time points to 5 %
    for s in size.values():
        assert s["floor_accepted"] == pytest.approx(s["accepted"], rel=0.05)
    assert set(data["instances"]) == {"1", "10"}
    assert (tmp_path / "model_cost.md").read_text().startswith("# Model cost")


def test_speed_part_b_runs():
    """benchmarks/speed.py part (b) runs (it broke once, unnoticed, when landau_current moved) and its figures hold:
    the short-hold protocol closes its release energy account, and a quiescent RC steps at ngspice's sqrt(trtol) cap."""
    import speed

    out = speed.part_b(verbose=False)
    assert out["short_hold_check"]["release_balance"] == pytest.approx(1.0, abs=1e-3)
    # 1e5 s of a quiescent RC at the default trtol = 7: steps of at most sqrt(7) = 2.65 s; trtol = 1e12 lifts the cap
    rc = out["rc_quiescent_1e5s"]
    assert rc["default"]["largest_step"] == pytest.approx(math.sqrt(7.0), rel=0.01)
    assert rc["default"]["points"] >= 1e5 / math.sqrt(7.0)
    assert rc["trtol=1e12"]["points"] < rc["default"]["points"] / 100
