"""The modal (Foster) network of the spin line: exact where it claims to be, passive, and the
right size; checked against the continuum's port impedances (eqs. 1-6)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from compactmodel.core.parameters import defaults
from compactmodel.symbolic import continuum, modal
from compactmodel.symbolic.numeric import NumericModel
from compactmodel.symbolic.symbols import A, L, alpha_s, chi, g, s

#: the 20 regimes of the accuracy map: g / sqrt(A chi) x alpha (damp = alpha * s S_m of the reference device)
G_RATIOS = (0.1, 0.3, 1.0, 3.0, 10.0)
ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1)
S_SPIN = 1.953e-21


def _network_impedance(parity: str, p: dict, w: np.ndarray) -> np.ndarray:
    """tau/Omega of the network (spin capacitor, tanks, tail, remainder, pumping) at s = i w  [J s/rad]."""
    stiff, length, chi_, damp, gsp = p["stiff"], p["len"], p["chi"], p["damp"], p["gsp"]
    sv = 1j * w
    z = gsp / 2 + (stiff / (length * sv) if parity == "odd" else 0)
    for c in modal.mode_coefficients(parity):
        c = float(c)
        cap, ind, res = length / (2 * stiff), chi_ * length * c, damp * length * c
        z = z + 1 / (sv * cap + 1 / (sv * ind + res))
    tail = modal.tail_constants(parity)
    for b, r in zip(tail["b"], tail["r"]):
        b, r = float(b), float(r)
        res, cap = r * damp * length, length / (stiff * r * b)
        z = z + res / (1 + sv * res * cap)
    s1 = float(tail["S1"])
    return z + sv * chi_ * length * s1 + damp * length * (s1 - sum(float(r) for r in tail["r"]))


def _exact(parity: str, p: dict, w: np.ndarray) -> np.ndarray:
    expr = continuum.spin_port_impedances()[parity]
    k = continuum.spin_port_impedances()["k"]
    f = sp.lambdify(s, expr.subs(sp.Symbol("k", positive=True), k).subs(
        {A: p["stiff"], L: p["len"], chi: p["chi"], alpha_s: p["damp"], g: p["gsp"]}), "numpy")
    return f(1j * w)


@pytest.mark.parametrize("parity", ["odd", "even"])
@pytest.mark.parametrize("alpha", ALPHAS)
def test_network_is_within_1_percent_of_the_exact_spin_port_up_to_u_over_2L(parity, alpha):
    """Every regime of the accuracy map: |Z_net / Z_exact - 1| < 1e-2 for f <= u/2L, < 1e-3 at 1e-4 u/L."""
    for ratio in G_RATIOS:
        p = defaults()
        p["gsp"] = ratio * np.sqrt(p["stiff"] * p["chi"])
        p["damp"] = alpha * S_SPIN
        u = np.sqrt(p["stiff"] / p["chi"])
        w = 2 * np.pi * np.geomspace(1e-4 * u / p["len"], u / (2 * p["len"]), 300)
        err = np.abs(_network_impedance(parity, p, w) / _exact(parity, p, w) - 1)
        assert err.max() < 1e-2, (ratio, err.max())
        assert err[0] < 1e-3, (ratio, err[0])


@pytest.mark.parametrize("parity", ["odd", "even"])
def test_tanks_are_the_partial_fractions_of_the_exact_impedance(parity):
    """With thousands of exact tanks (and the exact remainder) the network is the continuum's Z: 1e-6."""
    p = defaults()
    u = np.sqrt(p["stiff"] / p["chi"])
    w = 2 * np.pi * np.geomspace(1e-3, 2.0, 50) * u / p["len"]
    stiff, length, chi_, damp, gsp = p["stiff"], p["len"], p["chi"], p["damp"], p["gsp"]
    sv = 1j * w
    z = gsp / 2 + (stiff / (length * sv) if parity == "odd" else 0)
    cs = [float(c) for c in modal.mode_coefficients(parity, 4000)]
    for c in cs:
        z = z + 1 / (sv * length / (2 * stiff) + 1 / (sv * chi_ * length * c + damp * length * c))
    s1 = (1 / 12 if parity == "odd" else 1 / 4) - sum(cs)
    z = z + (sv * chi_ + damp) * length * s1  # the quasi-static rest of the sum
    assert np.max(np.abs(z / _exact(parity, p, w) - 1)) < 1e-6


@pytest.mark.parametrize("parity", ["odd", "even"])
def test_moments_of_the_tail_are_exact(parity):
    """DC resistance (alpha s L/12 odd, alpha s L/4 even) and second moment sum r_k / b_k = S2, for every zeta."""
    t = modal.tail_constants(parity)
    s2 = sum(r / b for r, b in zip(t["r"], t["b"]))
    assert sp.simplify(s2 - t["S2"]) == 0
    cs = modal.mode_coefficients(parity)
    assert sp.simplify(sum(cs) + t["S1"] - (sp.Rational(1, 12) if parity == "odd" else sp.Rational(1, 4))) == 0
    # passivity by construction: every element is non-negative
    assert all(float(r) > 0 for r in t["r"]) and float(t["S1"] - sum(t["r"])) > 0


@pytest.mark.parametrize("zeta", [0.0, 1e-3, 1.0, 1e3, 1e5])
@pytest.mark.parametrize("parity", ["odd", "even"])
def test_network_is_positive_real(parity, zeta):
    """Re Z(i w) >= 0 from 1e-6 to 1e6 u/L, from no damping to zeta = 1e5."""
    p = defaults()
    p["damp"] = zeta * np.sqrt(p["stiff"] * p["chi"]) / p["len"]
    u = np.sqrt(p["stiff"] / p["chi"])
    w = np.geomspace(1e-6, 1e6, 4000) * u / p["len"]
    assert np.min(_network_impedance(parity, p, w).real) >= -1e-12 * np.max(np.abs(_network_impedance(parity, p, w)))


def test_the_battery_has_at_most_20_states_and_the_loop_the_even_pattern_too():
    bat, loop = modal.derive(), modal.derive(four_terminal=True)
    assert len(bat.states) == 20
    assert len(loop.states) == 20 + 2 * modal.N_MODES + 3 + 1
    assert {st.name for st in bat.states} <= {st.name for st in loop.states}


@pytest.mark.parametrize("four", [False, True])
def test_power_balance_of_the_modal_equations(four):
    """dE/dt = sum over ports of I x spin-motive force - pumping - Gilbert - slip power, at random
    states, gate voltages and temperatures (the gate fixed): 1e-9 of the terms."""
    model = modal.derive(four)
    num = NumericModel(model)
    zs = model.state_symbols()
    energy = sum(model.physical[k] for k in ("twist_energy", "gate_energy", "kinetic_energy"))
    for sym, expr in reversed(model.intermediates):
        energy = energy.subs(sym, expr)
    grad = [num.function(sp.diff(energy, z)) for z in zs]
    rows = [num.function(model.rhs[z] / st.mass) for z, st in zip(zs, model.states)]
    inflow = num.function(sp.Add(*[port.current * port.emf for port in model.ports]))
    losses = [num.function(model.physical[k]) for k in ("pumping_power", "gilbert_power", "slip_power")]
    p = defaults() if not four else {**{k: v for k, v in defaults().items() if k != "rw"}, "rw1": 800.0, "rw2": 800.0}
    consts = num.constants(p)
    tau = consts[num.consts.index(model.tau)]
    rng = np.random.default_rng(4)
    for _ in range(4):
        inputs = {key: float(rng.uniform(-1e-3, 1e-3)) for key in model.inputs}
        inputs.update(vg=float(rng.uniform(0, 1)) * p["vgon"], temp=float(rng.uniform(250, 400)))
        z = rng.uniform(-0.3, 0.3, len(zs))
        env = num.environment(consts, inputs, list(z))
        terms = [float(gr(*env)) * float(f(*env)) / tau for gr, f in zip(grad, rows)]
        loss = [float(f(*env)) for f in losses]
        scale = sum(map(abs, terms)) + abs(float(inflow(*env))) + sum(map(abs, loss))
        assert abs(sum(terms) - (float(inflow(*env)) - sum(loss))) <= 1e-9 * scale
