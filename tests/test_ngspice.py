"""The generated subcircuit in ngspice: charge (eq. 7), storage (tret), release (energy), AC vs exact Z(s)."""

import numpy as np
import pytest
import sympy as sp

from compactmodel import continuum
from compactmodel.analysis import release_balance
from compactmodel.netlist import ChargeStoreRelease, ac_deck, instance_line, library_path
from compactmodel.ngspice import run_netlist
from compactmodel.parameters import defaults, validate
from compactmodel.symbols import A, L, R, alpha_s, chi, g, s, vartheta


def _steady_winding(p, current):
    """Eq. (7) times L over 2 pi: vartheta I L / (2 pi A)."""
    return p["theta"] * current * p["len"] / (2 * np.pi * p["stiff"])


@pytest.fixture(scope="module")
def protocol_run():
    p = validate(tret=20e-9)
    deck = ChargeStoreRelease(current=0.3e-3, t_charge=5e-9, t_ramp=0.2e-9, t_release=20e-9, t_stop=30e-9, r_load=1e3)
    vec = run_netlist(deck.netlist(p))
    return p, deck, vec


def test_charge_settles_to_eq7(protocol_run):
    p, deck, vec = protocol_run
    t, wn = np.real(vec["time"]), np.real(vec["wn"])
    expected = _steady_winding(p, deck.current)
    got = np.interp(deck.t_charge, t, wn)
    assert got == pytest.approx(expected, rel=1e-3)


def test_storage_decays_as_tret(protocol_run):
    """Gate closed, current off: V(wn) decays as exp(-t/tret) (the law the leakage element is built on)."""
    p, deck, vec = protocol_run
    t, wn = np.real(vec["time"]), np.real(vec["wn"])
    times = deck.times()
    t0 = times["hold_start"]
    w0 = np.interp(t0, t, wn)
    # Once the current is off the persistent spin current flows through the closed gate section:
    # the wire keeps the share L/(L+lgate) of the ring winding, and slips start to act (before,
    # the contacts carried the spin current and the gate section none). Reference: mid-ramp.
    charged = _steady_winding(p, deck.current)
    t_off = times["current_off"] + deck.t_ramp / 2
    share = p["len"] / (p["len"] + p["lgate"])
    assert w0 / charged == pytest.approx(share * np.exp(-(t0 - t_off) / p["tret"]), rel=2e-3)
    for dt in (2e-9, 6e-9, 12e-9):
        assert np.interp(t0 + dt, t, wn) / w0 == pytest.approx(np.exp(-dt / p["tret"]), rel=2e-3)


def test_default_retention_holds_the_winding():
    """With the default tret (10 years) the stored winding holds: the wire keeps L/(L+lgate) of it."""
    p = defaults()
    deck = ChargeStoreRelease(t_release=40e-9, t_stop=40e-9)
    vec = run_netlist(deck.netlist(p))
    t, wn = np.real(vec["time"]), np.real(vec["wn"])
    w_settled = np.interp(20e-9, t, wn)  # after the redistribution into the gate section has rung down
    share = p["len"] / (p["len"] + p["lgate"])
    assert w_settled == pytest.approx(share * _steady_winding(p, deck.current), rel=1e-4)
    assert abs(wn[-1] / w_settled - 1) < 1e-7  # 20 ns of 10-year retention: 6e-17 expected


def test_release_energy_balance(protocol_run):
    """Energy stored at release = delivered to the load + every loss (+ what is left), within 1 %.

    The gate's own work on the twist under it is reported and must stay small (< 0.5 %): the
    slips relax that twist before the gated section softens.
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
    assert abs(acc["gate_work"]) < 0.005 * acc["stored"]
    assert (acc["delivered"] + acc["dissipated"] + acc["left"]) / acc["stored"] == pytest.approx(1.0, abs=0.01)
    assert acc["balance"] == pytest.approx(1.0, abs=0.01)


def test_release_energy_balance_when_extraction_matters():
    """A low-loss device (large spin Hall angle, 16 ohm wires): a large share reaches the load,
    so the balance checks the spin-motive force path, not only the magnetic losses."""
    p = validate(theta=3.3e-15, rw=16.0, tret=20e-9)
    rho_c = 5e7  # Landau limit of the reference wire [rad/m]
    current = 0.8 * rho_c * p["stiff"] / p["theta"]
    deck = ChargeStoreRelease(current=current, t_release=20e-9, t_stop=30e-9, r_load=16.0)
    vec = run_netlist(deck.netlist(p))
    p_load = np.real(vec["p"] - vec["pn"]) ** 2 * np.real(vec["ld"]) / deck.r_load
    acc = release_balance(vec, p, deck.times()["release"], p_load)
    print({k: f"{v:.4e}" for k, v in acc.items()})
    assert acc["delivered"] > 0.1 * acc["stored"]
    assert (acc["delivered"] + acc["dissipated"] + acc["left"]) / acc["stored"] == pytest.approx(1.0, abs=0.01)


def test_start_from_charged_state_with_gate_closed():
    """wn0 sets the stored winding at t = 0 with the gate closed; it holds, then releases."""
    p = validate(wn0=7.5)
    lines = [
        "start charged",
        f".include {library_path()}",
        "Vg gate 0 pwl(0 0 5n 0 5.2n 1)",
        "Rload p 0 1k",
        instance_line("X1", ("p", "0", "gate", "wn"), p),
        ".tran 1p 15n 0 10p",
        ".end",
    ]
    vec = run_netlist("\n".join(lines) + "\n")
    t, wn = np.real(vec["time"]), np.real(vec["wn"])
    assert wn[0] == pytest.approx(7.5, rel=1e-9)
    assert np.interp(4.9e-9, t, wn) == pytest.approx(7.5, rel=1e-6)
    assert abs(wn[-1]) < 0.01 * 7.5  # released once the gate opened


@pytest.mark.parametrize("vgate", [0.0, 0.5, 1.0])
def test_dc_operating_point_is_regular(vgate):
    """DC OP with a current: gate open gives eq. (7); closed or half-open also solves (no singular matrix)."""
    p = defaults()
    lines = [
        "op",
        f".include {library_path()}",
        "I1 0 p dc 0.3m",
        f"Vg gate 0 {vgate}",
        instance_line("X1", ("p", "0", "gate", "wn"), p),
        ".op",
        ".end",
    ]
    vec = run_netlist("\n".join(lines) + "\n")
    # at DC the phase slips have relaxed the gate section: the steady twist is eq. (7) at any gate voltage
    assert np.real(vec["wn"][0]) == pytest.approx(_steady_winding(p, 0.3e-3), rel=1e-9)
    assert np.real(vec["p"][0]) == pytest.approx(p["rw"] * 0.3e-3, rel=1e-9)


def _exact_zm(p, f):
    z = continuum.exact_port_impedance() - R
    zf = sp.lambdify(s, z.subs({A: p["stiff"], chi: p["chi"], alpha_s: p["damp"], g: p["gsp"], vartheta: p["theta"], L: p["len"]}), "numpy")
    return zf(2j * np.pi * f)


def _ac_error(p, subckt="spin_battery", library=None):
    u = np.sqrt(p["stiff"] / p["chi"])
    f_max = u / (2 * p["len"])
    vec = run_netlist(ac_deck(p, f_max / 1e4, f_max, 50, subckt, library))
    f = np.real(vec["frequency"])
    zm = vec["p"] - p["rw"]
    exact = _exact_zm(p, f)
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
    from compactmodel.emit import spice_subckt
    from compactmodel.lumped import derive

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
    """Strong Gilbert damping (alpha = 0.1): the graded default beats uniform sections 10x at equal count."""
    from compactmodel.lumped import DEFAULT_NSEG

    p = defaults()
    p["rw"] = 1e-3
    p["gsp"] = 0.1 * np.sqrt(p["stiff"] * p["chi"])
    p["damp"] = 0.1 * S_SPIN
    lib = _uniform_library(tmp_path, (DEFAULT_NSEG,))
    uniform = _ac_error(p, f"uniform_n{DEFAULT_NSEG}", lib)[0]
    graded = _ac_error(p)[0]
    print(f"nseg {DEFAULT_NSEG}: uniform {uniform:.3e}, graded {graded:.3e}")
    assert uniform > 0.02 and graded < 0.01 and uniform / graded > 10
