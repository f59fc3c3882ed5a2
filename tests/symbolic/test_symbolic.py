"""Closed forms derived by SymPy against the paper's equations (7)-(9) and the exact Z(s)."""

import numpy as np
import pytest
import sympy as sp

from compactmodel.symbolic import continuum
from compactmodel.sim.energy import current_driven_system, state_function
from compactmodel.symbolic.numeric import numeric_twin
from compactmodel.physics.gate import open_voltage
from compactmodel.symbolic.lumped import derive
from compactmodel.core.parameters import defaults
from compactmodel.symbolic.symbols import A, I, L, R, alpha_s, chi, g, s, vartheta


def test_eq7_winding_density_is_vartheta_I_over_A():
    assert sp.simplify(continuum.winding_density() - vartheta * I / A) == 0


def test_eq8_stored_energy():
    assert sp.simplify(continuum.stored_energy() - (vartheta * I) ** 2 * L / (2 * A)) == 0


def test_eq9_efficiency_prefactor_is_one_half():
    paper = vartheta**2 / (R * sp.sqrt(A * chi))  # eq. (9), numerical factors dropped
    assert sp.simplify(continuum.charging_efficiency() / paper) == sp.Rational(1, 2)


def test_spin_wave_speed_and_line_impedance():
    assert sp.simplify(continuum.spin_wave_speed() - sp.sqrt(A / chi)) == 0
    assert sp.simplify(continuum.spin_line_impedance() - 1 / sp.sqrt(A * chi)) == 0


def test_low_frequency_limit_of_exact_impedance():
    assert sp.simplify(continuum.low_frequency_impedance(2) - (R + s * vartheta**2 * L / A)) == 0
    assert sp.simplify(continuum.port_inductance() - vartheta**2 * L / A) == 0


def _twist_step_response(p, nseg, t):
    """Twist [rad] after a 1 mA current step at t = 0 (gate open), by exact matrix exponentials."""
    J, b, tau, twin = current_driven_system(p, numeric_twin(nseg))
    current = 1e-3
    # tau z' = J z + b I  ->  z(t) = J^-1 (expm(J t/tau) - 1) b I
    w, V = np.linalg.eig(J / tau)
    coef = np.linalg.solve(V, b * current / tau)
    z = np.real(V @ (coef[:, None] * np.expm1(np.outer(w, t)) / w[:, None]))
    return 2 * np.pi * z[: twin.NSEG].sum(axis=0)


def test_elmore_time_matches_first_moment_of_simulated_step():
    """elmore_charging_time() (from the exact Z) vs the first moment of a simulated step response."""
    p = defaults()
    u = np.sqrt(p["stiff"] / p["chi"])
    t = np.linspace(0, 40 * p["len"] / u, 40001)
    twist = _twist_step_response(p, 64, t)
    final = p["theta"] * 1e-3 * p["len"] / p["stiff"]
    moment = np.trapezoid(1 - twist / final, t)
    values = {A: p["stiff"], L: p["len"], g: p["gsp"], alpha_s: p["damp"]}
    expected = float(continuum.elmore_charging_time().subs(values))
    assert moment == pytest.approx(expected, rel=2e-3, abs=0)


def test_matched_contacts_charge_in_one_transit_time():
    """charging_time(): with g = sqrt(A chi) and no bulk damping the twist ramps to eq. (7) in L/u."""
    p = defaults()
    p["gsp"] = float(np.sqrt(p["stiff"] * p["chi"]))
    p["damp"] = 0.0
    t_charge = float(continuum.charging_time().subs({L: p["len"], A: p["stiff"], chi: p["chi"]}))
    t = np.array([0.5, 1.05, 1.5]) * t_charge
    frac = _twist_step_response(p, 128, t) / (p["theta"] * 1e-3 * p["len"] / p["stiff"])
    assert frac[0] == pytest.approx(0.5, abs=0.01)  # a linear ramp ...
    assert frac[1] == pytest.approx(1.0, abs=0.01)  # ... complete after one transit
    assert frac[2] == pytest.approx(1.0, abs=0.01)  # and no reflection comes back


@pytest.mark.parametrize("nseg", [1, 3, 32])
def test_lumped_static_twist_and_energy_equal_eqs_7_and_8(nseg):
    """The sectioned model's DC state under a current is exactly eq. (7); its energy eq. (8)."""
    p = defaults()
    f, ipn, tau, twin = state_function(p, numeric_twin(nseg))
    model = derive(nseg)
    current = 2e-3
    n = twin.NSEG
    emf_scale = twin.constants(p)["emf_scale"]
    # f is linear in z at fixed gate voltage: solve f(z) = 0 with the current source
    size = len(twin.STATES)

    def g_(z):
        vpn = p["rw"] * current + emf_scale * (z[n + 1] - z[-1])
        return f(z, vpn, open_voltage(p["vgon"]))

    J = np.column_stack([g_(np.eye(size)[k]) - g_(np.zeros(size)) for k in range(size)])
    z = np.linalg.solve(J, -g_(np.zeros(size)))
    twist = 2 * np.pi * z[:n].sum()
    assert twist == pytest.approx(p["theta"] * current * p["len"] / p["stiff"], rel=1e-12)
    lengths = p["len"] * np.array([float(w) for w in model.fractions])  # section lengths [m]
    energy = np.sum(p["stiff"] / lengths * (2 * np.pi * z[:n]) ** 2) / 2
    assert energy == pytest.approx((p["theta"] * current) ** 2 * p["len"] / (2 * p["stiff"]), rel=1e-12, abs=0)


def _lumped_impedance(nseg, values=None):
    """Z(s) of the derived state equations with the gate open (symbolic).

    The transit-time scale tau_s is kept as a free symbol T: Z must not depend on it, and
    everything stays rational so that equality is decided by polynomial cancellation.
    """
    model = derive(nseg)
    P = model.params
    T = sp.Symbol("T", positive=True)
    named = {sym: expr for sym, expr in model.derived}
    named[model.tau] = T
    named[sp.Symbol("emf_scale", positive=True)] = 2 * sp.pi * P["theta"] / T
    zs = [z for z in model.state_symbols() if z.name != "wr"]  # nothing depends on the ring winding with the gate open
    gate_open = {sym: 0 for sym, _ in model.intermediates if sym.name == "kgate"}
    ipn = [sym for sym, _ in model.intermediates if sym.name == "ipn"][0]
    ipn_expr = dict(model.intermediates)[ipn]
    names = {P["stiff"]: A, P["chi"]: chi, P["damp"]: alpha_s, P["gsp"]: g, P["theta"]: vartheta, P["rw"]: R, P["len"]: L}
    exact = {P[k]: v for k, v in (values or {}).items()}
    rhs = [model.rhs[z].subs(gate_open).subs(ipn, ipn_expr).subs(named).subs(exact) for z in zs]
    i_port = ipn_expr.subs(named).subs(exact)
    vpn = model.inputs["vpn"]
    J = sp.Matrix([[sp.diff(r, z) for z in zs] for r in rhs])
    b = sp.Matrix([sp.diff(r, vpn) for r in rhs])
    sol = (s * T * sp.eye(len(zs)) - J).LUsolve(b)  # state response per volt of V(p,n)
    y = sp.diff(i_port, vpn) + sum(sp.diff(i_port, z) * sol[k] for k, z in enumerate(zs))
    return sp.cancel(sp.together(1 / y)).subs(names)


def _lcapy_impedance(nseg):
    """The same network drawn as a circuit in lcapy (transmission-line picture).

    Node voltages are rotation rates, inductors the section compliances h/A, capacitors the
    node inertias chi h_j, resistors 1/(alpha s h_j [+ g]); an ideal transformer of ratio
    1/vartheta couples the electrical port (spin-Hall torque and spin-motive force).
    """
    from lcapy import Circuit

    from compactmodel.symbolic.lumped import section_fractions

    frac = section_fractions(nseg)  # the graded mesh of the shipped model, exact rationals
    node = [frac[0] / 2] + [(frac[j - 1] + frac[j]) / 2 for j in range(1, nseg)] + [frac[-1] / 2]
    lines = ["P1 1 0", "Rw 1 2 R", "TF1 m0 m%d 2 0 {1/vartheta}" % nseg]
    for j in range(nseg + 1):
        w = f"({node[j]})"
        drag = f"alpha_s*L*{w}" + (" + g" if j in (0, nseg) else "")
        lines.append(f"C{j} m{j} 0 {{chi*L*{w}}}")
        lines.append(f"G{j} m{j} 0 {{1/({drag})}}".replace("G", "Rg", 1))
    for k in range(1, nseg + 1):
        lines.append(f"L{k} m{k - 1} m{k} {{L*({frac[k - 1]})/A}}")
    Z = Circuit("\n".join(lines)).impedance(1, 0).sympy
    by_name = {str(x): x for x in (A, chi, alpha_s, g, vartheta, R, L, s)}
    return Z.subs({sym: by_name[str(sym)] for sym in Z.free_symbols if str(sym) in by_name})


def test_lcapy_network_impedance_equals_sympy_model_symbolically():
    """One section: the lcapy network's symbolic Z(s) is identical to the derived model's."""
    z_model = _lumped_impedance(1)
    z_lcapy = _lcapy_impedance(1)
    assert sp.Symbol("T", positive=True) not in z_model.free_symbols  # independent of the scaling
    assert sp.cancel(sp.together(z_model - z_lcapy)) == 0


@pytest.mark.parametrize("nseg", [2, 3])
def test_lcapy_network_impedance_equals_sympy_model_exactly_at_rational_points(nseg):
    """More sections: exact rational arithmetic at random rational parameters and s."""
    import random

    rnd = random.Random(nseg)
    z_lcapy = _lcapy_impedance(nseg)
    for _ in range(2):
        vals = {k: sp.Rational(rnd.randint(1, 40), rnd.randint(1, 40)) for k in ("stiff", "chi", "damp", "gsp", "theta", "rw", "len")}
        s_val = sp.Rational(rnd.randint(1, 30), 7) + sp.I * sp.Rational(rnd.randint(1, 30), 11)
        z_model = _lumped_impedance(nseg, vals).subs(s, s_val)
        sym = {A: vals["stiff"], chi: vals["chi"], alpha_s: vals["damp"], g: vals["gsp"], vartheta: vals["theta"], R: vals["rw"], L: vals["len"], s: s_val}
        assert sp.nsimplify(sp.expand(z_model - z_lcapy.subs(sym))) == 0


def test_lumped_impedance_nseg1_low_frequency_is_port_inductance():
    z = _lumped_impedance(1)
    assert sp.cancel(sp.series(z, s, 0, 2).removeO() - (R + s * vartheta**2 * L / A)) == 0


@pytest.mark.parametrize("nseg", [1, 4, 8])
def test_power_balance_of_the_derived_equations(nseg):
    """d/dt(stored energy) = vartheta I dTheta/dt (power from the port) - pumping - Gilbert - slip power.

    Exact identity of the derived state equations at fixed gate voltage (no gate work),
    checked at random states, gate voltages and temperatures: the spin-motive force is
    reciprocal to the torque, and each phase slip removes 2 pi x the local spin current.
    """
    from compactmodel.symbolic.numeric import NumericModel

    model = derive(nseg)
    num = NumericModel(model)
    zs = model.state_symbols()
    energy = sum(model.physical[k] for k in ("twist_energy", "gate_energy", "kinetic_energy"))
    for sym, expr in reversed(model.intermediates):  # the gate twist is wr - sum(tw): expand before d/dz
        energy = energy.subs(sym, expr)
    grad = [num.function(sp.diff(energy, z)) for z in zs]  # energies: quadratic in the states
    rows = [num.function(model.rhs[z]) for z in zs]
    current = num.function(model.port_current)
    losses_f = [num.function(model.physical[k]) for k in ("pumping_power", "gilbert_power", "slip_power")]
    rng = np.random.default_rng(nseg)
    p = defaults()
    consts = num.constants(p)
    tau = consts[num.consts.index(model.tau)]
    slip_share = []
    for _ in range(5):
        vg = float(rng.uniform(0, 1)) * p["vgon"]
        vpn = float(rng.uniform(-1, 1))
        temp = float(rng.uniform(250, 400))
        z = rng.uniform(-0.3, 0.3, len(zs))  # the gate twist up to ~2.6 x its Landau limit: slips matter
        env = num.environment(consts, {"vpn": vpn, "vg": vg, "temp": temp}, list(z))
        terms = [float(g(*env)) * float(f(*env)) / tau for g, f in zip(grad, rows)]
        dE = sum(terms)
        ipn = float(current(*env))
        emf = vpn - p["rw"] * ipn  # V(p,n) = rw I + spin-motive force
        losses = [float(f(*env)) for f in losses_f]
        slip_share.append(abs(losses[2]) / sum(map(abs, losses)))
        scale = sum(map(abs, terms)) + abs(ipn * emf) + sum(map(abs, losses))  # size of what cancels
        assert abs(dE - (ipn * emf - sum(losses))) <= 1e-9 * scale
    assert max(slip_share) > 1e-3  # the slip power takes part in the balance
