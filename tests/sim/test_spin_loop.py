"""Four-terminal spin loop: nonlocal superfluid spin transport, and the series-wired battery."""

import numpy as np
import pytest
import sympy as sp

from compactmodel.symbolic import continuum
from compactmodel.physics.gate import open_voltage
from compactmodel.sim.deck import ChargeStoreRelease, instance_line
from compactmodel.library import library_path
from compactmodel.sim.ngspice import run_netlist
from compactmodel.core.parameters import LOOP_PARAMETERS, defaults, validate
from compactmodel.core.formatting import format_real
from compactmodel.symbolic.symbols import I, L, alpha_s, g, vartheta


def _loop_line(name, nodes, params):
    values = validate(params, table=LOOP_PARAMETERS)
    return f"{name} {' '.join(nodes)} spin_loop " + " ".join(f"{p.name}={format_real(values[p.name])}" for p in LOOP_PARAMETERS)


def test_takei_tserkovnyak_law_is_algebraic_decay():
    """Derived law: transmitted spin current g vartheta I/(2g + alpha s L) = (vartheta I/2)/(1 + L/L_d), L_d = 2g/alpha s."""
    law = continuum.nonlocal_transport()["transmitted"]
    L_d = 2 * g / alpha_s
    assert sp.simplify(law - (vartheta * I / 2) / (1 + L / L_d)) == 0
    # algebraic: at L >> L_d it falls as 1/L (L * law tends to a constant), not exponentially
    assert sp.limit(L * law, L, sp.oo) == g * vartheta * I / alpha_s


@pytest.mark.parametrize("length", [0.5e-6, 1e-6, 3e-6, 10e-6, 30e-6])
def test_nonlocal_voltage_in_ngspice_follows_the_law(length):
    """DC: drive contact 1, read the open-circuit voltage of contact 2 (nonlocal spin transport)."""
    p = validate({"len": length}, table=LOOP_PARAMETERS)
    current = 0.2e-3
    deck = "\n".join(
        [
            "nonlocal",
            f".include {library_path()}",
            f"I1 0 p1 dc {current!r}",
            f"Vg gate 0 {open_voltage(p['vgon'])!r}",
            _loop_line("X1", ("p1", "0", "p2", "0", "gate", "wn"), p),
            ".op",
            ".end",
        ]
    )
    vec = run_netlist(deck + "\n")
    law = continuum.nonlocal_transport()["nonlocal_voltage"]
    expected = float(law.subs({I: current, vartheta: p["theta"], g: p["gsp"], alpha_s: p["damp"], L: length}))
    assert np.real(vec["p2"][0]) == pytest.approx(expected, rel=0.01, abs=0)
    # the near contact sees rw1 I plus its own spin-motive force vartheta Omega = -V(p2)
    assert np.real(vec["p1"][0]) == pytest.approx(p["rw1"] * current - expected, rel=1e-6, abs=0)


def test_loop_wired_in_series_equals_spin_battery():
    """spin_loop with n1 tied to p2 (rw1 = rw2 = rw/2) reproduces spin_battery through charge, store, release."""
    p = defaults()
    # tight steps: the overshoot of the charge reaches 0.74 of the Landau limit, where the slip
    # rate is exponentially sensitive; with ngspice's default reltol the two circuits' different
    # step sequences alone differ by 2e-4
    deck = ChargeStoreRelease(options="reltol=1e-5")
    battery = run_netlist(deck.netlist(p))
    loop_params = {k: v for k, v in p.items() if k != "rw"}
    loop_params.update(rw1=p["rw"] / 2, rw2=p["rw"] / 2)
    text = deck.netlist(p).replace(
        instance_line("X1", ("p", "pn", "gate", "wn"), p), _loop_line("X1", ("p", "mid", "mid", "pn", "gate", "wn"), loop_params)
    )
    assert "spin_loop" in text
    loop = run_netlist(text)
    grid = np.linspace(0, deck.t_stop, 400)
    wb = np.interp(grid, np.real(battery["time"]), np.real(battery["wn"]))
    wl = np.interp(grid, np.real(loop["time"]), np.real(loop["wn"]))
    assert np.max(np.abs(wb - wl)) < 1e-4 * np.max(np.abs(wb))
    vb = np.interp(grid, np.real(battery["time"]), np.real(battery["p"]))
    vl = np.interp(grid, np.real(loop["time"]), np.real(loop["p"]))
    assert np.max(np.abs(vb - vl)) < 1e-4 * np.max(np.abs(vb))
