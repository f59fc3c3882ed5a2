"""The reduced spin line: the modal (Foster) network of the paper's line, with a fixed-pole diffusive tail.

Seen from its contacts, the line of eqs. (1)-(6) answers a torque tau applied in the odd
pattern (+tau at x = 0, -tau at x = L; the series contacts of ``spin_battery``) with the twist
rate Omega = d_t Theta, and one in the even pattern (both ends alike; only the four-terminal
``spin_loop`` drives it) with Omega_e = d_t phi(0) + d_t phi(L)
(:func:`compactmodel.symbolic.continuum.spin_port_impedances`):

    tau/Omega   = g/2 + (A k/2s) coth(kL/2) = g/2 + A/(L s) + sum_n T_n(s),
    tau_e/Omega_e = g/2 + (A k/2s) tanh(kL/2) =        sum_m T_m(s),         A k^2 = chi s^2 + alpha s s,

by the partial fractions coth z = 1/z + sum 2z/(z^2 + n^2 pi^2) and tanh z = sum 2z/(z^2 + (m pi/2)^2)
(m odd). Each term T_j is a tank, a capacitor L/(2A) in parallel with an inductor chi L c_j and
a resistor alpha s L c_j in series (c_j = 2/w_j^2, w_j = 2 n pi or m pi: the normalised
frequency of the line's j-th clamped mode). So the line is a series loop of passive elements
whose energies are the physical ones: the spin capacitor L/A holds the exchange energy of the
uniform twist A Theta^2/2L (eq. 8) and its charge is the twist; each tank's capacitor holds the
exchange energy, its inductor the kinetic (chi) energy and its resistor dissipates the Gilbert
loss of one mode; g/2 in series is the spin pumping into both contacts.

The model keeps the first :data:`N_MODES` modes exactly. The rest is a tail that depends on s
only through y = p (p + zeta), p = s L/u, zeta = alpha s L / sqrt(A chi): its resistive part
is a diffusion that no few modes resolve when the damping is strong. It is replaced by
:data:`TAIL_POLES` RC tanks at fixed normalised poles b_k (resistance r_k alpha s L, time
constant zeta tau_s / b_k) and a series remainder (inductance chi L S1, resistance
alpha s L (S1 - sum r_k)), S1 = sum_{j>N} c_j. The numbers b_k, r_k were fitted once (minimax of
the tail's relative error over f <= u/2L and zeta = 1e-2 .. 2e4, :mod:`compactmodel.studies.tail_fit`),
under three exact constraints that hold for every zeta: the DC resistance (alpha s L/12 odd,
alpha s L/4 even: the first moment of a charge, and the Takei-Tserkovnyak drag), the inductance,
and the second moment, sum r_k/b_k = S2 = sum_{j>N} 2/w_j^4 (which fixes r_1). Every element
is non-negative for every parameter set, so the model is passive by construction.

States (odd loop, ``spin_battery``): the twist tw, 7 x (tank torque, tank rate), 3 tail rates, the
loop rate om and the ring winding wr: 20. The four-terminal loop adds the even loop's 7 x 2 + 3 + 1.
Scaling: twists and windings in turns, rates in turns per transit time tau_s = L/u, torques in
units of 2 pi A/L (the torque of one turn of uniform twist).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ..core.parameters import LOOP_PARAMETERS, PARAMETERS, ParameterError
from .model import LumpedModel, Port, State, base_derived, device_laws, param_symbols

__all__ = ["derive", "N_MODES", "TAIL_POLES", "clamped_frequencies", "mode_coefficients", "tail_constants"]

#: Exact modes kept in each loop.
N_MODES = 7

#: Fitted tail poles b_k (normalised: time constant zeta tau_s / b_k) and resistances r_k (in
#: alpha s L), k = 2, 3; r_1 follows from the second moment (:func:`tail_constants`).
TAIL_POLES = {
    "odd": ((sp.Integer(3262), sp.Integer(12380), sp.Integer(70350)), (sp.Rational("0.002266"), sp.Rational("0.001236"))),
    "even": ((sp.Integer(2888), sp.Integer(11470), sp.Integer(67380)), (sp.Rational("0.002418"), sp.Rational("0.001274"))),
}


def clamped_frequencies(parity: str, count: int) -> list[sp.Expr]:
    """Normalised frequencies w_j (omega tau_s) of the first ``count`` clamped modes of a loop."""
    if parity == "odd":
        return [2 * n * sp.pi for n in range(1, count + 1)]
    return [(2 * k - 1) * sp.pi for k in range(1, count + 1)]


def mode_coefficients(parity: str, count: int = N_MODES) -> list[sp.Expr]:
    """c_j = 2/w_j^2: tank j has the inductance chi L c_j and the resistance alpha s L c_j."""
    return [2 / w**2 for w in clamped_frequencies(parity, count)]


def tail_constants(parity: str, count: int = N_MODES) -> dict[str, object]:
    """S1, S2 of the dropped modes (exact) and the tail's (b_k, r_k), r_1 = b_1 (S2 - sum_{k>1} r_k/b_k)."""
    if parity == "odd":
        s1_all, s2_all = sp.Rational(1, 12), sp.Rational(1, 720)  # sum 1/(2 n^2 pi^2), sum 1/(8 n^4 pi^4)
    else:
        s1_all, s2_all = sp.Rational(1, 4), sp.Rational(1, 48)  # sum 2/(m^2 pi^2), sum 2/(m^4 pi^4), m odd
    ws = clamped_frequencies(parity, count)
    s1 = s1_all - sum(2 / w**2 for w in ws)
    s2 = s2_all - sum(2 / w**4 for w in ws)
    bs, rest = TAIL_POLES[parity]
    r1 = bs[0] * (s2 - sum(r / b for r, b in zip(rest, bs[1:])))
    return {"S1": s1, "S2": s2, "b": bs, "r": (r1, *rest)}


def _loop(parity: str, P, derived_syms, om, tau_s):
    """States, right-hand-side terms and energies of one loop (odd or even) of the network.

    Returns (states, rhs, loop_torque, energies) where loop_torque is the sum of the element
    torques the loop rate works against (in units of 2 pi A/L), except the spin capacitor,
    pumping and the drive (added by the caller).
    """
    zeta = derived_syms["zeta"]
    tag = "" if parity == "odd" else "e"
    cs = mode_coefficients(parity)
    tail = tail_constants(parity)
    A, L, chi, a_s = P["stiff"], P["len"], P["chi"], P["damp"]
    two_pi2 = 2 * sp.pi**2
    states, rhs, torque = [], {}, []
    e_cap, e_kin, p_gil = [], [], []
    for j, c in enumerate(cs, start=1):
        x, y = sp.symbols(f"x{tag}{j} y{tag}{j}", real=True)
        states += [State(f"x{tag}{j}", x, f"torque of mode tank {j} of the {parity} loop [2 pi stiff/len]", sp.Integer(0)),
                   State(f"y{tag}{j}", y, f"rate of mode tank {j} of the {parity} loop [turns per transit time]", sp.Integer(0))]
        rhs[x] = 2 * (om - y)  # capacitor L/(2A): tau dx/dt = 2 (om - y)
        rhs[y] = x / c - zeta * y  # inductor chi L c, resistor alpha s L c
        torque.append(x)
        e_cap.append(sp.pi**2 * A * x**2 / L)
        e_kin.append(two_pi2 * chi * L * c * y**2 / tau_s**2)
        p_gil.append(4 * sp.pi**2 * a_s * L * c * y**2 / tau_s**2)
    for k, (b, r) in enumerate(zip(tail["b"], tail["r"]), start=1):
        y = sp.Symbol(f"q{tag}{k}", real=True)
        states.append(State(f"q{tag}{k}", y, f"resistor rate of tail tank {k} of the {parity} loop [turns per transit time]",
                            sp.Integer(0), mass=zeta / b))
        rhs[y] = om - y  # (zeta/b) tau dq/dt = om - q
        torque.append(r * zeta * y)
        e_cap.append(two_pi2 * A * r * zeta**2 * y**2 / (L * b))
        p_gil.append(4 * sp.pi**2 * a_s * L * r * y**2 / tau_s**2)
    s1 = tail["S1"]
    torque.append(zeta * (s1 - sum(tail["r"])) * om)  # series remainder: resistance
    e_kin.append(two_pi2 * chi * L * s1 * om**2 / tau_s**2)  # ... and inductance (the loop rate's mass)
    p_gil.append(4 * sp.pi**2 * a_s * L * (s1 - sum(tail["r"])) * om**2 / tau_s**2)
    return states, rhs, torque, {"cap": e_cap, "kin": e_kin, "gilbert": p_gil, "S1": s1}


def derive(four_terminal: bool = False) -> LumpedModel:
    """The modal model: ``spin_battery`` (two terminals, 20 states) or ``spin_loop`` (four terminals)."""
    if not isinstance(four_terminal, bool):
        raise ParameterError(f"four_terminal must be True or False, got {four_terminal!r}")
    return _derive(four_terminal)


@lru_cache(maxsize=None)
def _derive(four_terminal: bool) -> LumpedModel:
    P = param_symbols(LOOP_PARAMETERS if four_terminal else PARAMETERS)
    A, L, chi, a_s, g, th = (P[k] for k in ("stiff", "len", "chi", "damp", "gsp", "theta"))
    derived = base_derived(P)
    tau_s, emf_scale = (sym for sym, _ in derived)
    zeta, gam, tq, klen = sp.symbols("zeta gam tq klen", nonnegative=True)
    derived += [
        (zeta, a_s * L / sp.sqrt(A * chi)),  # Gilbert damping over one transit: alpha s L / sqrt(A chi) [-]
        (gam, g / (2 * sp.sqrt(A * chi))),  # spin pumping g/2 in units of sqrt(A chi) [-]
        (tq, th * L / (2 * sp.pi * A)),  # torque of 1 A, in units of 2 pi A/L [1/A]
        (klen, L / A),  # a stiffness [J/rad] in units of A/L [rad/J]
    ]
    syms = {"zeta": zeta}
    vg = sp.Symbol("vg", real=True)
    temp = sp.Symbol("temp", positive=True)
    tw, om, wr = sp.symbols("tw om wr", real=True)
    dev = device_laws(P, tau_s, tw, wr, vg, temp)
    derived += dev.derived
    intermediates = list(dev.intermediates)

    odd_states, odd_rhs, odd_torque, odd_e = _loop("odd", P, syms, om, tau_s)
    if four_terminal:
        ome = sp.Symbol("ome", real=True)
        ev_states, ev_rhs, ev_torque, ev_e = _loop("even", P, syms, ome, tau_s)
        v1, v2, ip1, ip2 = sp.symbols("v1 v2 ip1 ip2", real=True)
        half = emf_scale / 2
        ports = [Port("p1", "n1", v1, ip1, "rw1", half * (om + ome)), Port("p2", "n2", v2, ip2, "rw2", half * (om - ome))]
        drive_odd, drive_even = tq * (ip1 + ip2) / 2, tq * (ip1 - ip2) / 2
    else:
        vpn, ipn = sp.symbols("vpn ipn", real=True)
        ports = [Port("p", "n", vpn, ipn, "rw", emf_scale * om)]
        drive_odd = tq * ipn
    intermediates += [(port.current, (port.voltage - port.emf) / P[port.resistance]) for port in ports]

    # the loop rate: S1 tau dom/dt = drive - pumping - spin capacitor + gate link - tanks - tail - remainder
    rhs = {tw: om - dev.sb}  # the spin capacitor's charge is the twist; wire slips discharge it
    rhs.update(odd_rhs)
    rhs[om] = drive_odd - gam * om - tw + klen * dev.kgate * dev.tgate - sp.Add(*odd_torque)
    rhs[wr] = -(dev.sb + dev.sg) - dev.gleak * wr  # the ring winding changes only through slips (+ the leak)
    states = [State("tw", tw, "twist of the wire Theta / 2pi (the spin capacitor's charge) [turns]", P["wn0"])]
    states += odd_states
    states.append(State("om", om, "twist rate of the loop x tau_s / 2pi [turns per transit time]", sp.Integer(0),
                        mass=odd_e["S1"]))
    states.append(State("wr", wr, "winding of the closed ring (wire + gated section) [turns]", dev.wr_start))
    cap, kin, gil = list(odd_e["cap"]), list(odd_e["kin"]), list(odd_e["gilbert"])
    rates2 = om**2
    if four_terminal:
        rhs.update(ev_rhs)
        rhs[ome] = drive_even - gam * ome - sp.Add(*ev_torque)
        states += ev_states
        states.append(State("ome", ome, "even-pattern rate d_t phi(0) + d_t phi(L) x tau_s / 2pi [turns per transit time]",
                            sp.Integer(0), mass=ev_e["S1"]))
        cap += ev_e["cap"]
        kin += ev_e["kin"]
        gil += ev_e["gilbert"]
        rates2 = om**2 + ome**2
    rhs = {st.symbol: sp.expand(rhs[st.symbol]) for st in states}
    two_pi = 2 * sp.pi
    physical = {
        "twist_energy": 2 * sp.pi**2 * A * tw**2 / L + sp.Add(*cap),
        "gate_energy": dev.kgate * (two_pi * dev.tgate) ** 2 / 2,
        "kinetic_energy": sp.Add(*kin),
        "pumping_power": g / 2 * (two_pi / tau_s) ** 2 * rates2,
        "gilbert_power": sp.Add(*gil),
        # each slip removes 2 pi of twist against the local torque: wire (A Theta/L), gate (k_g theta_g)
        "slip_power": (A * two_pi * tw / L) * two_pi * dev.sb / tau_s + dev.kgate * two_pi * dev.tgate * two_pi * dev.sg / tau_s,
        "joule_power": sp.Add(*[P[port.resistance] * port.current**2 for port in ports]),
        "twist": two_pi * tw,
        "gate_twist": two_pi * dev.tgate,
        "gate_stiffness": dev.kgate,
    }
    model = LumpedModel(
        nseg=N_MODES,
        params=P,
        derived=derived,
        inputs={**{port.voltage.name: port.voltage for port in ports}, "vg": vg, "temp": temp},
        intermediates=intermediates,
        states=states,
        rhs=rhs,
        port_current=None if four_terminal else ports[0].current,
        winding=tw,
        physical=physical,
        ports=ports,
        four_terminal=four_terminal,
        probes=dev.probes(),
        flags=dev.flags,
        kind="modal",
        description=f"modal network: spin capacitor, {N_MODES} exact modes, 3 RC tail tanks, series remainder"
        + (" (odd and even loops)" if four_terminal else ""),
    )
    return model
