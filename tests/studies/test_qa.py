"""CI subset of the QA matrix (compactmodel.studies.qa; the full matrix is benchmarks/qa_matrix.py).

20 random physical parameter sets (seed 2026, the first 20 of the full matrix) x the modal default, nseg 4, 48
x -40/27/125 C: DC with the gate open and AC on all 9 (nseg, T) pairs, the closed-gate DC and
the charge -> store -> release transient on one rotating pair per set, tolerance sensitivity on
every set (tight options 1000x), Verilog-A continuity (one rotating sweep per set, all seven
covered) and ngspice .dc continuity on every 4th set. Two worker processes, each with its own
ngspice. ``pytest -s tests/test_qa.py`` prints the matrix.

Every transient runs at a converged largest step (``qa.transient_case``: tmax halved from
tau_s/50 until the waveforms move by under 0.2 %): weakly damped devices ring for thousands of
periods and need it, and the tolerance comparison uses the same step.

Convergence is read from ngspice's own log (``qa.classify``); ``run_netlist`` must accept every
run counted as converged (it used to reject those found by gmin/source stepping).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from compactmodel.core.parameters import PARAMETERS
from compactmodel.studies import qa

pytestmark = pytest.mark.slow  # long study: 'bash run tests -m "not slow"' skips it

N_SETS = 20
SEED = 2026
CI_NSEGS = ("modal", 4, 48)
#: Verilog-A Jacobian vs finite differences of its residuals (relative to the row's scale).
FD_LIMIT = 1e-6


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    lib = qa.write_library(tmp_path_factory.mktemp("qa") / "spin_battery_n4.lib", (4,))
    config = qa.QAConfig(grid=qa.full_grid(CI_NSEGS), dc_closed_per_set=1, tran_per_set=1, tight_every=1,
                         tight_nsegs=("modal", 4), va_per_set=1, subckt_every=4, subckt_nseg="modal", library=str(lib))
    sets = qa.sample_parameter_sets(N_SETS, SEED)
    records = qa.run_matrix(sets, config, processes=2)
    summary = qa.summarize(records)
    _print(summary)
    return sets, records, summary


def _print(s):
    print(f"\nQA matrix, CI subset: {s['sets']} sets, nseg {CI_NSEGS}, {qa.TEMPERATURES_C} C, worker time {s['cpu_seconds']:.0f} s")
    for a in qa.ANALYSES:
        c = s["convergence"].get(a)
        if c:
            per = "  ".join(f"n{k}: {s['convergence'][f'{a} | nseg {k}']['ok']}/{s['convergence'][f'{a} | nseg {k}']['runs']}"
                            for k in CI_NSEGS if f"{a} | nseg {k}" in s["convergence"])
            print(f"  converged {a:9s} {c['ok']:3d}/{c['runs']:3d}  {c['status']}  [{per}]")
    st = s["stepping"]
    print(f"  step convergence: {st['converged']}/{st['transients']} transients in {st['runs']} runs, final {st['final_tmax']}")
    for a, t in s["tolerance"].items():
        print(f"  tolerance {a:9s} n {t['n']:2d}  max {t['max']:.2g}  p99 {t['p99']:.2g}  over 0.5 %: {t['over_limit']}")
    for g, d in s["tolerance_tran"].items():
        if d["rel"].get("n"):
            print(f"  tolerance tran {g:8s} n {d['rel']['n']:2d}  max {d['rel']['max']:.2g}  (V(wn) {d['wn']['max']:.2g}, "
                  f"V(p,n) {d['vpn']['max']:.2g}, stored {d['wn_stored']['max']:.2g})")
    for name, v in s["va"].items():
        print(f"  VA   {name:52s} {v['ok']}/{v['n']} continuous, max jump {v['refined_max']:.1e}, FD max {v['fd_max']:.1e}")
    for name, v in s["subckt"].items():
        print(f"  .dc  {name:52s} converged {v['converged']}/{v['n'] - v['skipped']}, judged {v['judged']}, no kink {v['ok']}, "
              f"max kink {v['refined_max']:.2g}")


# ------------------------------------------------------------------------------ sampler


def test_sampler_is_seeded_physical_and_inside_the_documented_ranges():
    a, b = qa.sample_parameter_sets(30, SEED), qa.sample_parameter_sets(30, SEED)
    assert [s.params for s in a] == [s.params for s in b]
    assert [s.params for s in qa.sample_parameter_sets(5, SEED)] == [s.params for s in a[:5]]  # prefix-stable
    assert [s.params for s in qa.sample_parameter_sets(5, SEED + 1)] != [s.params for s in a[:5]]
    box = qa.physical_box()
    by_name = {p.name: p for p in PARAMETERS}
    for s in a:
        for name, value in s.params.items():
            assert by_name[name].contains(value), name
        for name, (lo, hi) in box.items():
            assert lo <= s.params[name] <= hi, name
        assert qa.LGATE_FRACTION[0] <= s.params["lgate"] / s.params["len"] <= qa.LGATE_FRACTION[1]
        assert s.params["wn0"] == 0.0 and s.params["dtemp"] == 0.0
        assert 1e2 <= math.sqrt(s.params["stiff"] / s.params["chi"]) <= 1e5
        assert s.current > 0 and s.tau > 0


def test_box_contains_the_presets_and_matches_the_docstring_table():
    from compactmodel.devices.presets import PRESETS

    box = qa.physical_box()
    for f in PRESETS.values():
        p = f().instance_parameters()
        for name, (lo, hi) in box.items():
            assert lo <= p[name] <= hi, (f.__name__, name)
    table = dict(re.findall(r"^(\w+)\s+([0-9.e+-]+ \.\. [0-9.e+-]+)", qa.__doc__, re.M))
    for name, (lo, hi) in box.items():
        doc_lo, doc_hi = (float(x) for x in table[name].split(" .. "))
        assert doc_lo == pytest.approx(lo, rel=2e-3) and doc_hi == pytest.approx(hi, rel=2e-3), name


# ------------------------------------------------------------------------------ the checkers can fail


def test_jump_checker_flags_a_derivative_jump_and_passes_smooth_steep_functions():
    xs = np.linspace(-1, 1, 101) + 0.0037
    kink = qa.derivative_jumps(lambda x: np.array([[math.copysign(1.0, x - 0.3137), x * x]]), xs)
    assert not kink.ok and kink.refined > 0.9 and abs(kink.location - 0.3137) < 1e-9
    # the softplus the model uses (width 1e-8): steep but continuous derivative
    w = 1e-8
    soft = qa.derivative_jumps(lambda x: np.array([0.5 * (1 + math.tanh((x - 0.3137) / (2 * w)))]), xs)
    assert soft.ok and soft.coarse > 0.9  # looks like a jump on the grid, is not one
    smooth = qa.derivative_jumps(lambda x: np.array([math.sin(3 * x), math.exp(x)]), xs)
    assert smooth.ok and smooth.refined < 1e-6


def test_kink_checker_on_sampled_curves():
    def sampler(f, noise=0.0):
        rng = np.random.default_rng(1)

        def run(a, b, n):
            x = np.linspace(a, b, n)
            return x, f(x) * (1 + noise * rng.standard_normal(n))

        return run

    kinked = qa.sampled_kinks(sampler(lambda x: np.abs(x - 0.123) + x ** 2), -1, 1)
    assert not kinked.ok and kinked.refined > 0.2  # slope change 2 of a max slope ~3, split over two points
    smooth = qa.sampled_kinks(sampler(lambda x: np.tanh(5 * x) + 2), -1, 1)
    assert smooth.ok
    noisy = qa.sampled_kinks(sampler(lambda x: np.tanh(5 * x) + 2, 1e-12), -1, 1)
    assert noisy.ok  # solver noise grows as the sweep is refined; the minimum over levels ignores it


def test_tolerance_metric_is_relative_to_the_signal_scale():
    t = np.linspace(0, 10, 2001)
    ref = {"_t": t, "_wn": np.sin(t), "_vpn": np.cos(t), "wn_stored": 0.5, "wn_charged": 1.0}
    same = qa.compare_outputs("tran", ref, ref)
    assert max(same.values()) == 0.0
    # a 0.1 % phase shift: pointwise it is 100 % near the zero crossings, against the swing 0.1 %
    shifted = dict(ref, _t=t, _wn=np.sin(t + 1e-3), _vpn=np.cos(t + 1e-3))
    d = qa.compare_outputs("tran", shifted, ref)
    assert 5e-4 < d["wn"] < 1.5e-3 and 5e-4 < d["vpn"] < 1.5e-3
    scaled = dict(ref, _wn=1.01 * np.sin(t))
    assert qa.compare_outputs("tran", scaled, ref)["wn"] == pytest.approx(0.01, rel=1e-3)
    assert qa.compare_outputs("dc_open", {"wn": 1.002, "vp": 2.0}, {"wn": 1.0, "vp": 2.0})["wn"] == pytest.approx(2e-3)


def test_classify_reads_ngspice_logs():
    vec = {"wn": np.array([1.0]), "p": np.array([0.1])}
    assert qa.classify({"vectors": vec, "log": []}) == "direct"
    assert qa.classify({"vectors": vec, "log": ["Note: Starting dynamic gmin stepping", "Note: Dynamic gmin stepping completed"]}) == "gmin"
    assert qa.classify({"vectors": vec, "log": ["Warning: singular matrix:  check nodes x1.lg and x1.wr", "Note: Transient op started",
                                               "Note: Transient op finished successfully"]}) == "optran"
    assert qa.classify({"vectors": {}, "log": []}) == "failed"
    assert qa.classify({"vectors": vec, "log": ["Error: Timestep too small"]}) == "failed"
    assert qa.runner_verdict({"vectors": vec, "log": [], "raised": None})
    assert not qa.runner_verdict({"vectors": vec, "log": [], "raised": "NgSpiceCommandError: Command 'run' failed"})


# ------------------------------------------------------------------------------ the CI matrix


def _runs(records, analysis):
    return [r for rec in records for r in rec["runs"] if r["analysis"] == analysis]


def test_matrix_covers_every_nseg_and_temperature(matrix):
    sets, records, s = matrix
    assert len(records) == N_SETS and not s["crashes"]
    for a in qa.ANALYSES:
        pairs = {(r["nseg"], r["temp"]) for r in _runs(records, a)}
        assert {k for k, _ in pairs} == set(CI_NSEGS), a
        assert {t for _, t in pairs} == set(qa.TEMPERATURES_C), a
    assert set(s["va"]) == set(qa.VA_SWEEPS)


@pytest.mark.parametrize("analysis", ["dc_open", "ac", "tran"])
def test_converges_100_percent(matrix, analysis):
    runs = _runs(matrix[1], analysis)
    bad = [(r["nseg"], r["temp"], r["status"], r["error"]) for r in runs if not r["ok"]]
    assert runs and not bad


def test_closed_gate_dc_converges_100_percent_without_aids(matrix):
    """Barriers from a few to ~5e4 k_B T: the ring-winding leak (model.RING_LEAK_TIME) keeps the
    closed-gate DC row regular where exp(-E/k_B T) underflows (it used to fail above ~740 k_B T)."""
    from compactmodel.core.constants import K_B
    from compactmodel.physics.scales import device_scales

    runs = [(rec, r) for rec in matrix[1] for r in rec["runs"] if r["analysis"] == "dc_closed"]
    bad = [(rec["index"], r["nseg"], r["temp"], r["status"]) for rec, r in runs if not (r["ok"] and r["status"] == "direct")]
    assert runs and not bad, f"{len(bad)}/{len(runs)} closed-gate DC operating points need aids or fail: {bad[:5]}"
    barriers = [device_scales(rec["params"], 273.15 + r["temp"]).barrier / (K_B * (273.15 + r["temp"])) for rec, r in runs]
    assert min(barriers) < 300 and max(barriers) > 1000  # both sides of the old failure threshold are covered


def _closed_gate_op(params, wn0, current=0.0, temp_c=27.0, library=None):
    from compactmodel.sim.ngspice import run_netlist
    from compactmodel.sim.deck import instance_line
    from compactmodel.library import library_path

    deck = "\n".join(["closed gate .op", f".include {library or library_path()}", f"I1 0 p dc {current!r}", "Vg gate 0 0",
                      instance_line("X1", ("p", "0", "gate", "wn"), dict(params, wn0=wn0), "spin_battery_n8"),
                      f".temp {temp_c!r}", ".op", ".end", ""])
    out = run_netlist(deck)
    return float(out["wn"][0]), float(out["x1.wr"][0])


def test_closed_gate_dc_with_frozen_slips_is_the_empty_ring_shunted_by_the_gate_link():
    """yig_pt (barrier ~2000 k_B T, no slip in 1e20 s): the ring stays empty, so the closed gate
    link carries the circulating spin current and shunts the wire: its winding is eq. (7)'s
    vartheta I L / (2 pi A) times lgate / (L + lgate) (wire stiffness A/L in series with A/lgate,
    wound in opposite senses). The stored wn0 does not enter: DC is the relaxed state."""
    from compactmodel.devices.presets import yig_pt
    from compactmodel.physics.scales import device_scales

    p = yig_pt().instance_parameters()
    current = 0.3 * device_scales(p).landau_current
    eq7 = p["theta"] * current * p["len"] / (2 * math.pi * p["stiff"])
    wn, wr = _closed_gate_op(p, 3.0, current)
    assert abs(wr) < 1e-9
    assert wn == pytest.approx(eq7 * p["lgate"] / (p["len"] + p["lgate"]), rel=1e-6)
    assert _closed_gate_op(p, 3.0, 0.0) == (pytest.approx(0.0, abs=1e-12), pytest.approx(0.0, abs=1e-12))


@pytest.fixture(scope="module")
def slower_leak_library(tmp_path_factory):
    """The nseg 8 subcircuit derived with a 1e10 x slower ring leak (1e30 s)."""
    import sympy as sp

    from compactmodel.symbolic import lumped, model
    from compactmodel.symbolic.emit import spice_subckt

    saved = model.RING_LEAK_TIME
    model.RING_LEAK_TIME = sp.Float(1e30)
    lumped._derive.cache_clear()
    try:
        text = spice_subckt(lumped.derive(8), "spin_battery_n8")
    finally:
        model.RING_LEAK_TIME = saved
        lumped._derive.cache_clear()
    path = tmp_path_factory.mktemp("leak") / "spin_battery_n8_leak1e30.lib"
    path.write_text(text)
    return path


@pytest.mark.parametrize("temp_c", [27.0, 125.0])
def test_closed_gate_dc_does_not_depend_on_the_leak_where_slips_are_faster(slower_leak_library, temp_c):
    """Reference device (85 k_B T at 27 C) charging through a closed gate: DC is where wire and
    gate slips balance (a ring winding of ~1.4 turns), the same with a 1e10 x weaker leak. At -40 C
    the balance is slower than the leak's 1e20 s and the leak does decide (documented)."""
    from compactmodel.devices.presets import reference_device
    from compactmodel.physics.scales import device_scales

    p = reference_device().instance_parameters()
    current = 0.3 * device_scales(p).landau_current
    wn, wr = _closed_gate_op(p, 0.0, current, temp_c)
    wn_slow, wr_slow = _closed_gate_op(p, 0.0, current, temp_c, library=slower_leak_library)
    assert wr > 1.0  # the slips' balance, far from the empty ring
    assert wr == pytest.approx(wr_slow, rel=1e-4) and wn == pytest.approx(wn_slow, rel=1e-4)


@pytest.mark.parametrize(
    "stderr, accepted",
    [
        ("Note: Starting dynamic gmin stepping\nNote: Dynamic gmin stepping completed", True),
        ("Warning: Dynamic gmin stepping failed\nNote: Starting source stepping\nNote: Source stepping completed", True),
        ("Warning: singular matrix\nNote: Transient op started\nNote: Transient op finished successfully", False),
        ("Note: Starting dynamic gmin stepping\nNote: Dynamic gmin stepping completed\nError: timestep too small", False),
        ("Note: Starting dynamic gmin stepping\nWarning: Dynamic gmin stepping failed", False),
    ],
)
def test_run_netlist_accepts_only_operating_points_found_by_stepping(stderr, accepted):
    """PySpice raises on any ngspice note; run_netlist accepts gmin/source stepping that completed
    (ngspice converged), never the transient-op fallback or an error."""
    from compactmodel.sim.ngspice import _converged_by_stepping

    class FakeSession:
        stdout = ""
        last_plot = "op1"

    ng = FakeSession()
    ng.stderr = stderr
    assert _converged_by_stepping(ng) is accepted


def test_run_netlist_accepts_every_converged_run(matrix):
    rejected = [(rec["index"], r["analysis"], r["nseg"], r["temp"], r["status"]) for rec in matrix[1] for r in rec["runs"]
                if r["ok"] and not qa.runner_accepts(r["status"], r.get("log") or "", r["status"] != "direct")]
    assert not rejected


def test_run_netlist_returns_an_operating_point_converged_by_gmin_stepping():
    """A real deck solved through gmin stepping (set 8 of the matrix: closed gate, nseg 4, 125 C,
    with ``.options noopiter``, which sends ngspice straight to gmin stepping; PySpice flags
    its notes as errors): ngspice converges, so must run_netlist."""
    from compactmodel.sim.ngspice import run_netlist

    s = qa.sample_parameter_sets(9, SEED)[8]
    deck = qa.dc_deck(s, 4, 125.0, gate_open=False, options="noopiter")
    assert qa.classify(qa.runner().run(deck, 30), ("wn", "p")) == "gmin"
    assert np.isfinite(run_netlist(deck)["wn"][0])


def test_tolerance_sensitivity_dc_and_ac_under_half_a_percent(matrix):
    s = matrix[2]["tolerance"]
    for a in ("dc_open", "ac"):
        assert s[a]["n"] == N_SETS and s[a]["max"] < qa.TOLERANCE_LIMIT, (a, s[a])
    if "dc_closed" in s:
        assert s["dc_closed"]["max"] < qa.TOLERANCE_LIMIT


def test_tolerance_sensitivity_of_settled_transients_under_half_a_percent(matrix):
    settled = matrix[2]["tolerance_tran"]["settled"]
    assert settled["rel"]["n"] >= 3
    assert settled["rel"]["max"] < qa.TOLERANCE_LIMIT, settled


def test_tolerance_sensitivity_of_ringing_transients_under_half_a_percent(matrix):
    """Weakly damped devices (spin waves still ringing when the gate closes), at their converged step."""
    ringing = matrix[2]["tolerance_tran"]["ringing"]
    assert ringing["rel"]["n"] >= 3 and ringing["rel"]["max"] < qa.TOLERANCE_LIMIT, ringing


def test_every_transient_reaches_a_converged_step(matrix):
    """Step convergence (compactmodel.sim.stepping): each QA transient's last halving moved V(wn)
    and V(p,n) by under STEP_RTOL; some sets need halvings (else the check would be idle)."""
    runs = _runs(matrix[1], "tran")
    assert runs and all(r["step_converged"] for r in runs), [(r["nseg"], r.get("step_history")) for r in runs if not r["step_converged"]]
    assert all(r["step_history"][-1][1] <= qa.STEP_RTOL for r in runs)
    assert max(len(r["step_history"]) for r in runs) >= 3


def test_verilog_a_derivatives_continuous_and_equal_to_finite_differences(matrix):
    for name, v in matrix[2]["va"].items():
        assert v["ok"] == v["n"] and v["refined_max"] < qa.JUMP_LIMIT, (name, v)
        assert v["fd_max"] < FD_LIMIT, (name, v)
    assert not matrix[2]["va_errors"]


def test_subcircuit_dc_sweeps_have_no_kinks(matrix):
    """Judged: sweeps of sets whose closed-gate DC is well posed (its .op converges without aids)."""
    s = matrix[2]["subckt"]
    assert s["current through zero, gate open"]["converged"] == s["current through zero, gate open"]["n"]
    for name, v in s.items():
        assert v["ok"] == v["judged"], (name, v)
    assert sum(v["judged"] for v in s.values()) >= 6
