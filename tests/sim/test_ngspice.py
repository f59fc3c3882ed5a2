"""The generated subcircuit in ngspice: charge (eq. 7), storage, release (energy), AC vs exact Z(s).

Storage against the phase-slip rate law (Arrhenius, long decay) is in tests/test_phase_slips.py.
"""

import numpy as np
import pytest

from compactmodel.symbolic import continuum
from compactmodel.sim.energy import release_balance
from compactmodel.sim.deck import ChargeStoreRelease, ac_deck, instance_line
from compactmodel.library import library_path
from compactmodel.sim.ngspice import run_netlist
from compactmodel.core.parameters import defaults, validate
from compactmodel.physics.phase_slips import net_slip_rate
from compactmodel.physics.scales import device_scales


def _steady_winding(p, current):
    """Eq. (7) times L over 2 pi: vartheta I L / (2 pi A)."""
    return p["theta"] * current * p["len"] / (2 * np.pi * p["stiff"])


@pytest.fixture(scope="module")
def protocol_run():
    p = defaults()
    deck = ChargeStoreRelease(current=0.3e-3, t_charge=5e-9, t_ramp=0.2e-9, t_release=20e-9, t_stop=30e-9, r_load=1e3)
    vec = run_netlist(deck.netlist(p))
    return p, deck, vec


def test_charge_settles_to_eq7(protocol_run):
    p, deck, vec = protocol_run
    t, wn = np.real(vec["time"]), np.real(vec["wn"])
    expected = _steady_winding(p, deck.current)
    got = np.interp(deck.t_charge, t, wn)
    assert got == pytest.approx(expected, rel=1e-3)


def test_storage_holds_the_winding(protocol_run):
    """Gate closed, current off: the wire keeps L/(L+lgate) of the charged winding and holds it.

    At 0.55 of the Landau limit the slip rate law gives ~500 net slips/s: 7e-6 turns in 14 ns,
    seen on the slip probe at the rate of the law (ngspice's default temperature, 27 C).
    """
    p, deck, vec = protocol_run
    t, wn = np.real(vec["time"]), np.real(vec["wn"])
    times = deck.times()
    w_settled = np.interp(times["hold_start"] + 5e-9, t, wn)  # the redistribution into the gate has rung down
    share = p["len"] / (p["len"] + p["lgate"])
    assert w_settled == pytest.approx(share * _steady_winding(p, deck.current), rel=1e-4)
    assert abs(np.interp(times["release"], t, wn) / w_settled - 1) < 1e-5
    # the slip probe: while charging through the open gate, one (raising) slip under the gate per
    # turn the contacts wind in; during storage none
    slips = np.real(vec["x1.nslip"])
    assert np.interp(deck.t_charge, t, slips) == pytest.approx(-np.interp(deck.t_charge, t, wn), rel=1e-3)
    t_a, t_b = times["hold_start"] + 5e-9, times["release"]
    rate = (np.interp(t_b, t, slips) - np.interp(t_a, t, slips)) / (t_b - t_a)
    density = 2 * np.pi * np.interp(t_b, t, wn) / p["len"]
    assert rate == pytest.approx(float(net_slip_rate(p, density, temperature=300.15)), rel=0.02)


def test_release_energy_balance(protocol_run):
    """Energy stored at release = delivered to the load + every loss (+ what is left), within 1 %.

    The gate's own work on the gated section (its stiffness falls as the VCMA removes the
    anisotropy) is part of the account and stays below that section's share of the energy.
    """
    p, deck, vec = protocol_run
    t = np.real(vec["time"])
    times = deck.times()
    p_load = np.real(vec["p"] - vec["pn"]) ** 2 * np.real(vec["ld"]) / deck.r_load
    acc = release_balance(vec, p, times["release"], p_load)
    print({k: f"{v:.4e}" for k, v in acc.items()})
    # the ring's energy for the wire winding seen at V(wn): A (2 pi wn)^2 (L + lgate) / 2 L^2
    wn = np.interp(times["release"], t, np.real(vec["wn"]))
    ring = p["stiff"] * (2 * np.pi * wn) ** 2 * (p["len"] + p["lgate"]) / (2 * p["len"] ** 2)
    assert acc["stored"] == pytest.approx(ring, rel=1e-3, abs=0)
    assert acc["delivered"] > 0
    # the opening gate takes back at most the energy of the gated section, lgate/(L + lgate) of the ring's
    assert -acc["gate_work"] < 1.05 * p["lgate"] / (p["len"] + p["lgate"]) * acc["stored"]
    assert acc["balance"] == pytest.approx(1.0, abs=0.01)


def test_release_energy_balance_when_extraction_matters():
    """A low-loss device (large spin Hall angle, 16 ohm wires): a large share reaches the load,
    so the balance checks the spin-motive force path, not only the magnetic losses."""
    p = validate(theta=3.3e-15, rw=16.0)
    current = 0.5 * device_scales(p).landau_current
    deck = ChargeStoreRelease(current=current, t_release=20e-9, t_stop=30e-9, r_load=16.0)
    vec = run_netlist(deck.netlist(p))
    p_load = np.real(vec["p"] - vec["pn"]) ** 2 * np.real(vec["ld"]) / deck.r_load
    acc = release_balance(vec, p, deck.times()["release"], p_load)
    print({k: f"{v:.4e}" for k, v in acc.items()})
    assert acc["delivered"] > 0.1 * acc["stored"]
    assert acc["balance"] == pytest.approx(1.0, abs=0.01)


def test_start_from_charged_state_with_gate_closed():
    """wn0 sets the stored winding at t = 0 with the gate closed; it holds, then releases.

    5 windings in 1 um is 0.44 of the Landau limit: ~0.03 slips/s by the rate law.
    """
    p = validate(wn0=5.0)
    lines = [
        "start charged",
        f".include {library_path()}",
        f"Vg gate 0 pwl(0 0 5n 0 5.2n {1.2 * p['vgon']!r})",
        "Rload p 0 1k",
        instance_line("X1", ("p", "0", "gate", "wn"), p),
        ".tran 1p 15n 0 10p",
        ".end",
    ]
    vec = run_netlist("\n".join(lines) + "\n")
    t, wn = np.real(vec["time"]), np.real(vec["wn"])
    assert wn[0] == pytest.approx(5.0, rel=1e-9)
    assert np.interp(4.9e-9, t, wn) == pytest.approx(5.0, rel=1e-6)
    assert abs(wn[-1]) < 0.01 * 5.0  # released once the gate opened


@pytest.mark.parametrize("vgate", [-0.5, 0.0, 0.5, 1.0, 1.2])
def test_dc_operating_point_is_the_relaxed_state(vgate):
    """DC OP with 0.3 mA: the infinite-time state of the model, found at every gate voltage.

    At DC the slips have had infinite time. Gate open (V >= vgon): the gate carries no spin
    current, so the wire holds eq. (7). Gate closed: the spin current circulates and the wire
    and gate slip rates balance, a smaller winding. In both cases the ngspice solution solves
    the SymPy state equations (evaluated in Python) to 1e-8.
    """
    from compactmodel.sim.energy import state_function

    p = defaults()
    current = 0.3e-3
    lines = [
        "op",
        f".include {library_path()}",
        f"I1 0 p dc {current!r}",
        f"Vg gate 0 {vgate * p['vgon']!r}",
        instance_line("X1", ("p", "0", "gate", "wn"), p),
        ".op",
        ".end",
    ]
    vec = run_netlist("\n".join(lines) + "\n")
    f, _, _, twin = state_function(p)
    z = np.array([np.real(vec["x1." + name][0]) for name in twin.STATES])
    vpn = float(np.real(vec["p"][0]))
    assert np.max(np.abs(f(z, vpn, vgate * p["vgon"]))) < 1e-8
    wn = float(np.real(vec["wn"][0]))
    if vgate >= 1.0:
        assert wn == pytest.approx(_steady_winding(p, current), rel=1e-6)
    else:
        assert 0.1 * _steady_winding(p, current) < wn < _steady_winding(p, current)


def _ac_error(p, subckt="spin_battery", library=None):
    u = np.sqrt(p["stiff"] / p["chi"])
    f_max = u / (2 * p["len"])
    vec = run_netlist(ac_deck(p, f_max / 1e4, f_max, 50, subckt, library))
    f = np.real(vec["frequency"])
    zm = vec["p"] - p["rw"]
    exact = continuum.spin_impedance(p, f)
    return np.max(np.abs(zm / exact - 1)), f


#: Spin density x cross-section of the reference device [J s/m] (materials.reference_device):
#: damp = alpha * S_SPIN.
S_SPIN = 1.953e-21


@pytest.mark.parametrize("alpha", [1e-4, 1e-1])
@pytest.mark.parametrize("damping", [0.1, 1.0, 10.0])
def test_ac_port_impedance_matches_distributed_line(damping, alpha):
    """Default subcircuit vs the exact distributed Z(s) (eqs. 1, 2, 5, 6) up to u/(2L): within 1 %.

    The corners of the accuracy map: weak and strong contact damping g/sqrt(A chi) = 0.1, 10,
    with Gilbert damping alpha = 1e-4 (spin waves) and 0.1 (diffusive, skin depth ~ L/30 at u/2L).
    """
    p = defaults()
    p["rw"] = 1e-3
    p["gsp"] = damping * np.sqrt(p["stiff"] * p["chi"])
    p["damp"] = alpha * S_SPIN
    err, f = _ac_error(p)
    assert f[-1] == pytest.approx(np.sqrt(p["stiff"] / p["chi"]) / (2 * p["len"]), rel=1e-6)
    assert err < 0.01


def _uniform_library(tmp_path, nsegs):
    from compactmodel.symbolic.emit import spice_subckt
    from compactmodel.symbolic.lumped import derive

    path = tmp_path / "uniform.lib"
    path.write_text("\n".join(spice_subckt(derive(k, mesh="uniform"), f"uniform_n{k}") for k in nsegs))
    return path


def test_ac_error_falls_with_section_count(tmp_path):
    """Uniform sections converge at second order: halving h divides the error by ~4."""
    p = defaults()
    p["rw"] = 1e-3
    p["gsp"] = 0.3 * np.sqrt(p["stiff"] * p["chi"])
    nsegs = (4, 8, 16, 32)
    lib = _uniform_library(tmp_path, nsegs)
    errors = [_ac_error(p, f"uniform_n{k}", lib)[0] for k in nsegs]
    print("max |Z/Z_exact - 1| for uniform nseg 4, 8, 16, 32:", ["%.2e" % e for e in errors])
    assert all(b < a for a, b in zip(errors, errors[1:]))
    assert 3.0 < errors[1] / errors[2] < 5.0 and 3.0 < errors[2] / errors[3] < 5.0


def test_graded_sections_resolve_the_diffusive_skin(tmp_path):
    """Strong Gilbert damping (alpha = 0.1): graded sections beat uniform ones 10x at equal count (48)."""
    DEFAULT_NSEG = 48  # the shipped sectioned cross-check model spin_battery_n48

    p = defaults()
    p["rw"] = 1e-3
    p["gsp"] = 0.1 * np.sqrt(p["stiff"] * p["chi"])
    p["damp"] = 0.1 * S_SPIN
    lib = _uniform_library(tmp_path, (DEFAULT_NSEG,))
    uniform = _ac_error(p, f"uniform_n{DEFAULT_NSEG}", lib)[0]
    graded = _ac_error(p, f"spin_battery_n{DEFAULT_NSEG}")[0]
    print(f"nseg {DEFAULT_NSEG}: uniform {uniform:.3e}, graded {graded:.3e}")
    assert uniform > 0.02 and graded < 0.01 and uniform / graded > 10
