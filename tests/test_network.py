"""compactmodel.network: the model's linear network in lcapy, against the exact line and the closed forms.

* Gate open, modal network (the shipped default): Z(s) - rw within 1 % of the exact line
  (:func:`compactmodel.symbolic.continuum.spin_impedance`) up to u/2L, the band the README
  promises for the modal model (measured 2.5e-4 for the reference device), and exact at low
  frequency (the port inductance).
* Gate closed, DC: the current splits between the wire's spin capacitor and the gate link as
  lgate : len, so the winding is eq. (7) x lgate/(len + lgate), the closed form the ngspice
  ``.op`` reaches (examples/closed_gate_op).
* The element values alone (nodal analysis in numpy): within 1 % in all 20 regimes of the accuracy
  map (measured worst 9.6e-4 at g/sqrt(A chi) = 0.1, alpha = 0.1).
* Sectioned line: converges towards the exact line with nseg.

lcapy works in exact rationals: one impedance of the modal network takes ~5 s.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

pytest.importorskip("lcapy")

from compactmodel.core.parameters import ParameterError, validate  # noqa: E402
from compactmodel.network import netlist, spin_network, winding_per_ampere  # noqa: E402
from compactmodel.physics.capacity import rating  # noqa: E402
from compactmodel.symbolic import continuum  # noqa: E402


def _numeric(expr) -> tuple[sp.Symbol, sp.Expr]:
    """(s, expression) of an lcapy s-domain result (lcapy's own s symbol)."""
    e = expr.sympy
    (s,) = e.free_symbols
    return s, e


def _at(expr, values: np.ndarray) -> np.ndarray:
    s, e = _numeric(expr)
    return np.asarray(sp.lambdify(s, e, "numpy")(values), dtype=complex)


def _dc(expr_times_s) -> float:
    """lim s -> 0 of an s-domain expression (a rational function; cancelled, then s = 0 exactly)."""
    s, e = _numeric(expr_times_s)
    num, den = sp.fraction(sp.cancel(sp.together(e)))
    return float(num.subs(s, 0) / den.subs(s, 0))


def _band(p, points=40):
    u = math.sqrt(p["stiff"] / p["chi"])
    return np.geomspace(1e-4 * u / p["len"], u / (2 * p["len"]), points)


def test_open_gate_modal_network_matches_the_exact_line_up_to_u_over_2L():
    p = validate({})
    f = _band(p)
    z = _at(spin_network(p).impedance("p", 0), 2j * np.pi * f)
    err = np.abs((z - p["rw"]) / continuum.spin_impedance(p, f) - 1)
    assert err.max() < 1e-2  # the modal model's promise (README accuracy map: worst 8.3e-4 over all regimes)
    assert err.max() < 1e-3  # measured 2.5e-4 for the reference device
    assert err[0] < 1e-6  # low frequency: rw + s vartheta^2 len/stiff, exact
    assert z[0].imag / (2 * np.pi * f[0]) == pytest.approx(p["theta"] ** 2 * p["len"] / p["stiff"], rel=1e-6)


def test_closed_gate_dc_winding_is_the_closed_form():
    """A DC current into the port with the gate closed: winding = eq. (7) x lgate/(len + lgate)."""
    from lcapy import s

    p = validate({})
    current = rating(p).current
    cct = spin_network(p, gate="closed")
    cct.add(f"I1 p 0 step {current!r}")  # lcapy: I1 p 0 drives the current into p
    i_wire = _dc(cct.Lt.I(s) * s)  # final value of the spin capacitor's current
    i_gate = _dc(cct.Lg.I(s) * s)
    share = p["lgate"] / (p["len"] + p["lgate"])
    eq7 = p["theta"] * current * p["len"] / (2 * math.pi * p["stiff"])
    assert i_wire * winding_per_ampere(p) == pytest.approx(eq7 * share, rel=1e-8)
    assert i_wire + i_gate == pytest.approx(current, rel=1e-9)  # the rest of the network carries no DC
    # gate open: the whole current winds the wire to eq. (7), the rated winding at the rated current
    assert current * winding_per_ampere(p) == pytest.approx(rating(p).winding, rel=1e-12)


def test_sectioned_line_converges_to_the_exact_line():
    p = validate({})
    f = _band(p, 30)
    exact = continuum.spin_impedance(p, f)
    errs = []
    for nseg in (4, 8):
        z = _at(spin_network(p, nseg=nseg).impedance("p", 0), 2j * np.pi * f)
        err = np.abs((z - p["rw"]) / exact - 1)
        assert err[0] < 1e-5  # the port inductance is exact for every nseg
        errs.append(err.max())
    assert errs[1] < errs[0] / 2  # second-order convergence (measured 0.227 -> 0.090)
    assert errs[1] < 0.1


def test_a_load_on_the_port_symbolic_one_section():
    """The designer's use: symbolic network, a load across the port, a current step; final value rw || RL."""
    from lcapy import s

    cct = spin_network(nseg=1, symbolic=True)
    cct.add("RL p 0 R_L")
    cct.add("I1 p 0 step I_0")
    v = cct.RL.V(s) * s
    e = v.sympy
    by_name = {str(x): x for x in e.free_symbols}
    final = sp.limit(e, by_name["s"], 0)
    r, rl, i0 = by_name["R"], by_name["R_L"], by_name["I_0"]
    assert sp.simplify(final - i0 * r * rl / (r + rl)) == 0
    z = cct.impedance("p", 0).sympy  # with the load: Z(0) = R || R_L
    zs = {str(x): x for x in z.free_symbols}
    assert sp.simplify(z.subs(zs["s"], 0) - r * rl / (r + rl)) == 0


def test_netlist_values_and_gate_states():
    closed = netlist(gate="closed")
    p = validate({})
    assert "Lg m 0 " in closed and "Lg" not in netlist(gate="open")
    lg = float(next(ln for ln in closed.splitlines() if ln.startswith("Lg")).split()[-1])
    assert lg == pytest.approx(p["theta"] ** 2 * p["lgate"] / p["stiff"], rel=1e-9)
    lt = float(next(ln for ln in closed.splitlines() if ln.startswith("Lt")).split()[-1])
    assert lt == pytest.approx(p["theta"] ** 2 * p["len"] / p["stiff"], rel=1e-9)  # the port inductance
    # a gate voltage half way: the link is softer by K_g/K = 1/2
    half = netlist(gate=0.5 * p["vgon"])
    assert float(next(ln for ln in half.splitlines() if ln.startswith("Lg")).split()[-1]) == pytest.approx(2 * lg, rel=1e-6)
    # no damping: the Gilbert resistors (and the tail tanks) are open branches, left out
    undamped = netlist(damp=0.0)
    assert not any(ln.split()[0] in {"Ru1", "Lu1", "Rr", "R1"} for ln in undamped.splitlines())
    assert "Rp m 0" in undamped and "C1 t1 0" in undamped
    assert "{L*vartheta**2/A}" in netlist(symbolic=True)


@pytest.mark.parametrize("kwargs,message", [
    ({"gate": "half"}, "gate = 'half'"),
    ({"gate": float("nan")}, "gate = nan"),
    ({"nseg": 0}, "nseg = 0"),
    ({"len": -1e-6}, "parameter 'len' = -1e-06 m is outside"),
    ({"lenn": 1e-6}, "did you mean 'len'?"),
    ({"digits": 1}, "digits = 1"),
    ({"symbolic": "yes"}, "symbolic must be True or False"),
])
def test_bad_input_names_the_argument(kwargs, message):
    with pytest.raises(ParameterError) as err:
        netlist(**kwargs)
    assert message in str(err.value)


def _nodal_impedance(text: str, f: np.ndarray) -> np.ndarray:
    """Z between p and 0 of an R/L/C netlist by nodal analysis in numpy (independent of lcapy)."""
    elements = [ln.split() for ln in text.splitlines() if ln.strip()]
    nodes = sorted({n for e in elements for n in e[1:3]} - {"0"})
    index = {n: k for k, n in enumerate(nodes)}
    out = []
    for fk in f:
        sv = 2j * np.pi * fk
        Y = np.zeros((len(nodes), len(nodes)), dtype=complex)
        for name, a, b, value in elements:
            v = float(value)
            y = {"R": 1 / v, "L": 1 / (sv * v), "C": sv * v}[name[0]]
            for n1, n2 in ((a, b), (b, a)):
                if n1 != "0":
                    Y[index[n1], index[n1]] += y
                    if n2 != "0":
                        Y[index[n1], index[n2]] -= y
        rhs = np.zeros(len(nodes), dtype=complex)
        rhs[index["p"]] = 1.0
        out.append(np.linalg.solve(Y, rhs)[index["p"]])
    return np.asarray(out)


@pytest.mark.parametrize("alpha", [1e-4, 1e-3, 1e-2, 1e-1])
def test_modal_netlist_in_every_regime_of_the_accuracy_map(alpha):
    """The element values (not lcapy) in the 20 regimes of the accuracy map, g/sqrt(A chi) = 0.1 .. 10 x
    alpha = 1e-4 .. 0.1: within 1 % of the exact line up to u/2L."""
    s_spin = 1.953e-21  # spin density x cross-section of the reference device (tests/symbolic/test_modal.py)
    base = validate({})
    for ratio in (0.1, 0.3, 1.0, 3.0, 10.0):
        p = validate(base, gsp=ratio * math.sqrt(base["stiff"] * base["chi"]), damp=alpha * s_spin)
        f = _band(p, 60)
        z = _nodal_impedance(netlist(p, digits=15), f)
        err = np.abs((z - p["rw"]) / continuum.spin_impedance(p, f) - 1)
        assert err.max() < 1e-2, (ratio, err.max())
        assert err[0] < 1e-6, (ratio, err[0])
