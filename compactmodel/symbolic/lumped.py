"""Lumped (sectioned) spin-capacitor model, derived by Rayleigh-Ritz/Galerkin reduction.

Starting point: the Lagrangian and Rayleigh densities of :mod:`compactmodel.symbolic.continuum`
(eqs. 3-5 plus Gilbert damping) and the contact conditions eq. (6). The order parameter
is expanded in ``nseg`` linear finite elements,

    phi(x, t) = sum_j phi_j(t) N_j(x),    N_j the hat functions on a graded mesh,

whose sections are finest at the two contacts (see :func:`section_fractions`: in the
diffusive, strongly damped regime the field at the port frequency penetrates only a skin
depth ~ L/30 from each contact, and a uniform mesh wastes its sections in the middle);

the exchange energy is integrated exactly and the kinetic (chi) and Gilbert terms by
nodal quadrature (the 'lumped mass' Galerkin method), so every element is a realisable
circuit element. The contacts enter through their virtual work vartheta I (delta phi_0 -
delta phi_N) and the boundary Rayleigh term g (phi_0'^2 + phi_N'^2)/2; the gated section
closing the loop (stiffness k_g(V_gate) = (A/lgate) K_g/K, :mod:`compactmodel.physics.gate`) through
its twist theta_g = phi_N - phi_0 + psi, where psi is the phase removed by slips under the gate.

Phase slips (:mod:`compactmodel.physics.phase_slips`) are rate laws, not forces: each removes 2 pi of
twist where it nucleates, so they enter the first-order twist equations as
d theta_k/dt = ... - 2 pi w_k Gamma_wire (spread over the sections by length, at the wire's
mean winding density) and d theta_g/dt = ... - 2 pi Gamma_gate, with the Arrhenius net rates
at the circuit temperature (``temper`` / ``$temperature``).

SymPy forms the Euler-Lagrange-Rayleigh equations and rewrites them as a first-order
system in the segment twists theta_k = phi_{k-1} - phi_k (the spin-capacitor charges, each
of capacitance h/A; in series L/A), the gate twist theta_g and the node rotation rates
Omega_j = d_t phi_j. The unknowns are scaled to O(1):

    tw_k = theta_k / 2 pi,  wr = (Theta + theta_g) / 2 pi   [windings; wr: the closed ring]
    om_j = Omega_j tau_s / 2 pi                   [windings per transit time tau_s = L/u]

and every state equation is written as  tau_s d z/dt = f(z, V(p,n), V(gate)), which both
printers emit as a KCL at an internal node: capacitance tau_s (F) and a current f (A).
"""

from __future__ import annotations

import random
from functools import lru_cache

import sympy as sp

from ..core.parameters import LOOP_PARAMETERS, PARAMETERS, ParameterError, check_nseg
from .model import RING_LEAK_TIME, LumpedModel, Port, State, base_derived, device_laws, param_symbols

__all__ = ["derive", "section_fractions", "DEFAULT_NSEG", "GRADING_RATIO", "GRADING_CAP", "MESHES"]

#: Section count of the shipped subcircuit and module (chosen with the accuracy map,
#: docs/accuracy_map.md: the smallest graded mesh within 1 % of the exact port impedance up
#: to u/(2L) in every regime of the map, with a margin of about 2).
DEFAULT_NSEG = 48

#: Mesh grading: section k (from either contact) is GRADING_RATIO**k times the first one,
#: capped at GRADING_CAP times it. Exact rationals, so the derivation stays exact.
GRADING_RATIO = sp.Rational(5, 4)
GRADING_CAP = 12

MESHES = ("graded", "uniform")


def section_fractions(nseg: int, mesh: str = "graded") -> tuple[sp.Rational, ...]:
    """Section lengths as fractions of L (exact rationals summing to 1), contact 1 first.

    ``graded``: w_k proportional to min(r^min(k, nseg-1-k), cap) with r = GRADING_RATIO and
    cap = GRADING_CAP, symmetric about the middle; the sections next to the contacts are the
    finest (for nseg = 48: L/397 at the contacts, L/33 in the middle). ``uniform``: L/nseg.
    """
    nseg = check_nseg(nseg)
    if mesh == "uniform":
        weights = [sp.Integer(1)] * nseg
    elif mesh == "graded":
        weights = [sp.Min(GRADING_RATIO ** min(k, nseg - 1 - k), GRADING_CAP) for k in range(nseg)]
    else:
        raise ValueError(f"mesh = {mesh!r}: allowed values are {', '.join(MESHES)}")
    total = sp.Add(*weights)
    return tuple(sp.Rational(w) / total for w in weights)

def _galerkin_equations(nseg: int, four_terminal: bool = False, fractions=None):
    """Euler-Lagrange-Rayleigh equations of the discretised loop (physics symbols).

    Section k has length c_k h with h = L/nseg the mean section length and c_k = nseg w_k.

    Returns (eqs, coords, vel, acc, None, syms) where eqs[j] = 0 is the equation of
    phi_j, written as  m_j phi_j'' = force_j.
    """
    A, chi, a_s, g, th, I, h = sp.symbols("A chi alpha_s g vartheta I h", positive=True)
    kg = sp.Symbol("k_g", nonnegative=True)
    n = nseg + 1
    q = sp.symbols(f"q0:{n}", real=True)  # phi_j
    v = sp.symbols(f"v0:{n}", real=True)  # d_t phi_j
    acc = sp.symbols(f"a0:{n}", real=True)  # d_t^2 phi_j
    psi = sp.Symbol("psi", real=True)

    # one linear element on [0, h] with end values qa, qb (velocities va, vb)
    xi = sp.Symbol("xi", real=True)
    qa, qb, va, vb = sp.symbols("qa qb va vb", real=True)
    shape_a, shape_b = 1 - xi / h, xi / h
    phi_e = qa * shape_a + qb * shape_b
    phidot_e = va * shape_a + vb * shape_b
    exchange_e = sp.integrate(A * sp.diff(phi_e, xi) ** 2 / 2, (xi, 0, h))  # exact
    nodal = lambda f: h / 2 * (f.subs(xi, 0) + f.subs(xi, h))  # noqa: E731 (trapezoid: lumped mass)
    kinetic_e = nodal(chi * phidot_e**2 / 2)
    gilbert_e = nodal(a_s * phidot_e**2 / 2)

    c = [nseg * w for w in (fractions or [sp.Rational(1, nseg)] * nseg)]
    # The Euler-Lagrange-Rayleigh equation of node j collects the derivatives of the elements that
    # touch it: each element's energies are differentiated once (with respect to its own end values)
    # and assembled, rather than differentiating the global sums node by node (O(nseg^2)).
    d_exchange = (sp.diff(exchange_e, qa), sp.diff(exchange_e, qb))
    d_kinetic = (sp.diff(kinetic_e, va, 2), sp.diff(kinetic_e, vb, 2))  # lumped (diagonal) masses
    d_gilbert = (sp.diff(gilbert_e, va), sp.diff(gilbert_e, vb))
    mass = [sp.Integer(0)] * n
    force = [sp.Integer(0)] * n
    for k in range(nseg):
        element = {qa: q[k], qb: q[k + 1], va: v[k], vb: v[k + 1], h: c[k] * h}
        for end, j in ((0, k), (1, k + 1)):
            mass[j] += d_kinetic[end].xreplace(element)
            force[j] -= d_exchange[end].xreplace(element) + d_gilbert[end].xreplace(element)
    force[0] -= g * v[0]  # spin pumping into both contacts, eq. (6): Rayleigh g (v_0^2 + v_N^2)/2
    force[-1] -= g * v[-1]
    theta_g = q[-1] - q[0] + psi  # gated section, energy k_g theta_g^2/2 (psi: phase removed by slips)
    force[0] += kg * theta_g
    force[-1] -= kg * theta_g
    if four_terminal:  # each contact has its own current: I1 into p1 (x = 0), I2 into p2 (x = L)
        I1, I2 = sp.symbols("I1 I2", real=True)
        force[0] += th * I1  # work th (I1 q_0 - I2 q_N): spin-Hall torque, eq. (6)
        force[-1] -= th * I2
    else:  # the two contacts in series carry the same current: work th I (q_0 - q_N)
        I1 = I2 = I
        force[0] += th * I
        force[-1] -= th * I
    eqs = [sp.expand(mass[j] * acc[j] - force[j]) for j in range(n)]
    psi_eq = None  # phase slips are rate laws (compactmodel.physics.phase_slips), added to the twist rates
    syms = dict(A=A, chi=chi, alpha_s=a_s, g=g, vartheta=th, I=I, I1=I1, I2=I2, h=h, k_g=kg, psi=psi)
    return eqs, q, v, acc, psi_eq, syms


def derive(nseg: int = DEFAULT_NSEG, four_terminal: bool = False, mesh: str = "graded") -> LumpedModel:
    """Derive the scaled lumped model with ``nseg`` sections on the ``mesh`` of :func:`section_fractions`.

    ``four_terminal=False``: ``spin_battery`` (p, n: both contacts in series, wire resistance rw).
    ``four_terminal=True``: ``spin_loop`` (p1, n1 at x = 0 and p2, n2 at x = L, wires rw1, rw2);
    wiring n1 to p2 gives back the battery. The arguments are checked before the (cached) derivation.
    """
    nseg = check_nseg(nseg)
    if not isinstance(four_terminal, bool):
        raise ParameterError(f"four_terminal must be True or False, got {four_terminal!r}")
    if mesh not in ("graded", "uniform"):
        raise ParameterError(f"mesh = {mesh!r}: allowed values 'graded', 'uniform'")
    return _derive(nseg, four_terminal, mesh)


@lru_cache(maxsize=None)
def _derive(nseg: int, four_terminal: bool, mesh: str) -> LumpedModel:
    fractions = section_fractions(nseg, mesh)
    P = param_symbols(LOOP_PARAMETERS if four_terminal else PARAMETERS)
    eqs, q, v, acc, psi_eq, S = _galerkin_equations(nseg, four_terminal, fractions)
    n = nseg + 1

    # ---- first-order form in twists and rotation rates (physics symbols) ----
    theta = sp.symbols(f"theta1:{n}", real=True)
    theta_g = sp.Symbol("theta_g", real=True)
    # q_i = q_{i-1} - theta_i; psi = theta_g - q_N + q_0. The equations depend on differences of
    # the q only (a global rotation costs nothing), so the q of equation j are written relative to
    # q_j: q_i = q_j - sum(theta_{j+1..i}) for i > j, q_j + sum(theta_{i+1..j}) for i < j, and q_j cancels.
    def relative(i: int, j: int) -> sp.Expr:
        return q[j] - sum(theta[j:i]) if i > j else q[j] + sum(theta[i:j])

    rates = {}
    for j in range(n):
        e = sp.expand(eqs[j].xreplace({S["psi"]: theta_g - q[-1] + q[0]}))
        e = sp.expand(e.xreplace({q[i]: relative(i, j) for i in range(n) if q[i] in e.free_symbols}))
        assert not set(q) & e.free_symbols, (j, e)  # linear: m_j a_j - force_j(theta, Omega)
        mass = e.coeff(acc[j])
        rates[j] = sp.expand(-(e - mass * acc[j]) / mass)  # d Omega_j / dt
    # ---- named parameters (printed as .param / real) and the device laws ----
    L, Aq, chi, a_s, g, th = P["len"], P["stiff"], P["chi"], P["damp"], P["gsp"], P["theta"]
    derived = base_derived(P)
    tau_s, emf_scale = (sym for sym, _ in derived)
    hseg = sp.Symbol("hseg", positive=True)
    derived.append((hseg, L / nseg))  # mean section length [m]
    vg = sp.Symbol("vg", real=True)
    temp = sp.Symbol("temp", positive=True)  # circuit temperature [K] (temper / $temperature)
    tw = sp.symbols(f"tw1:{n}", real=True)
    tg = sp.Symbol("tg", real=True)
    om = sp.symbols(f"om0:{n}", real=True)
    wr = sp.Symbol("wr", real=True)
    dev = device_laws(P, tau_s, sp.Add(*tw), wr, vg, temp)
    derived += dev.derived
    intermediates = list(dev.intermediates)
    wsum, tgate, kgate, sb, sgs, gleak = dev.wsum, dev.tgate, dev.kgate, dev.sb, dev.sg, dev.gleak
    wn0 = P["wn0"]
    wr_start = dev.wr_start
    if four_terminal:  # each port: V = rw_k I_k + its contact's spin-motive force
        v1, v2, ip1, ip2 = sp.symbols("v1 v2 ip1 ip2", real=True)
        ports = [Port("p1", "n1", v1, ip1, "rw1", emf_scale * om[0]), Port("p2", "n2", v2, ip2, "rw2", -emf_scale * om[-1])]
        intermediates += [(port.current, (port.voltage - port.emf) / P[port.resistance]) for port in ports]
        currents = {S["I1"]: ip1, S["I2"]: ip2}
    else:  # V(p,n) = rw I + vartheta (Omega_0 - Omega_N)
        vpn, ipn = sp.symbols("vpn ipn", real=True)
        ports = [Port("p", "n", vpn, ipn, "rw", emf_scale * (om[0] - om[-1]))]
        intermediates.append((ipn, (vpn - ports[0].emf) / P["rw"]))
        currents = {S["I"]: ipn}

    # ---- scaling: theta = 2 pi tw, Omega = 2 pi om / tau_s ----
    two_pi = 2 * sp.pi
    scale = {theta[k]: two_pi * tw[k] for k in range(nseg)}
    scale[theta_g] = two_pi * tg
    scale.update({v[j]: two_pi * om[j] / tau_s for j in range(n)})
    to_named = {
        S["A"]: Aq,
        S["chi"]: chi,
        S["alpha_s"]: a_s,
        S["g"]: g,
        S["vartheta"]: th,
        **currents,
        S["h"]: hseg,
        S["k_g"]: kgate,
    }

    rhs: dict[sp.Symbol, sp.Expr] = {}
    for k in range(nseg):  # d theta_k/dt = Omega_{k-1} - Omega_k - 2 pi (wire slips, spread by length)
        dtheta = v[k] - v[k + 1]
        rhs[tw[k]] = sp.expand(tau_s * dtheta.xreplace(scale) / two_pi) - fractions[k] * sb
    dtheta_g = v[-1] - v[0]  # d theta_g/dt = Omega_N - Omega_0 - 2 pi (gate slips)
    rhs[tg] = sp.expand(tau_s * dtheta_g.xreplace(scale) / two_pi) - sgs
    for j in range(n):
        f = tau_s * tau_s * rates[j].xreplace(scale).xreplace(to_named) / two_pi
        rhs[om[j]] = _collect(sp.expand(f), [port.current for port in ports] + [kgate] + list(tw) + [tg] + list(om))

    # self-check: the named form equals the derivation in the physics symbols
    _verify_named(rhs, derived, P, S, rates, nseg, tw, tg, om, tau_s, currents)

    # ---- ring winding instead of the gate twist ----
    # The winding of the closed ring, wr = sum(tw) + tg, changes only through slips:
    # tau_s dwr/dt = -(sb + sg). Using wr as the unknown (tg = wr - sum(tw)) makes the DC row
    # of the slow leak a pure multiple of the (tiny) slip rate: a row scale, harmless to LU,
    # instead of a tiny term beside O(1) ones (ill-conditioned).
    rhs_wr = sp.expand(rhs[tg] + sum(rhs[z] for z in tw))
    assert sp.expand(rhs_wr + sb * sum(fractions) + sgs) == 0, rhs_wr
    rhs = {z: (f.xreplace({tg: tgate})) for z, f in rhs.items() if z != tg}
    # The closed ring's winding is conserved up to phase slips, so its DC row is the net slip
    # rate alone, ~ exp(-E/k_B T): for barriers above ~745 k_B T it underflows to 0 and the
    # closed-gate DC operating point is singular (and ill-conditioned well before). A leak
    # towards the empty ring with time constant RING_LEAK_TIME keeps the row regular. DC is
    # the relaxed state (infinite time); with no current that is the empty ring whether slips
    # or the leak get there, so the leak changes nothing; with a current through a closed gate
    # the slips' balance point decides where they are faster than 1e-20 /s, and the ring stays
    # empty where they are slower. Transients lose 3e-12 of the winding to it in 10 years.
    rhs[wr] = -(sb + sgs) - gleak * wr

    states = [State(f"tw{k + 1}", tw[k], f"twist of section {k + 1} / 2pi [winding]", wn0 * fractions[k]) for k in range(nseg)]
    states.append(State("wr", wr, "winding of the closed ring (wire + gated section) [winding]", wr_start))
    states += [State(f"om{j}", om[j], f"rotation rate of node {j} x tau_s / 2pi [winding per transit time]", sp.Integer(0)) for j in range(n)]
    rhs = {st.symbol: rhs[st.symbol] for st in states}

    physical = _energy_expressions(fractions, tw, tgate, om, derived, P, kgate, sb, sgs, ports)
    return LumpedModel(
        nseg=nseg,
        params=P,
        derived=derived,
        inputs={**{port.voltage.name: port.voltage for port in ports}, "vg": vg, "temp": temp},
        intermediates=intermediates,
        states=states,
        rhs=rhs,
        port_current=None if four_terminal else ports[0].current,
        winding=sp.Add(*tw),
        physical=physical,
        ports=ports,
        four_terminal=four_terminal,
        fractions=fractions,
        mesh=mesh,
        probes=dev.probes(),
        flags=dev.flags,
        kind="sectioned",
        description=f"{nseg} graded finite-element sections" if mesh == "graded" else f"{nseg} uniform sections",
    )


def _collect(expr: sp.Expr, variables: list[sp.Symbol]) -> sp.Expr:
    """``expr`` as a sum of coefficient x monomial of ``variables`` (a cheap ``sp.collect`` for expanded sums)."""
    groups: dict[sp.Expr, list[sp.Expr]] = {}
    for term in sp.Add.make_args(expr):
        coeff, mono = term.as_independent(*variables, as_Add=False)
        groups.setdefault(mono, []).append(coeff)
    return sp.Add(*(sp.Add(*coeffs) * mono for mono, coeffs in groups.items()))


def _verify_named(rhs, derived, P, S, rates, nseg, tw, tg, om, tau_s, currents):
    """Random-point check that the printed (named) equations equal the raw derivation."""
    rnd = random.Random(7)
    vals = {P[k]: rnd.uniform(0.5, 2.0) for k in P}
    env = dict(vals)
    for sym, expr in derived:
        env[sym] = float(expr.xreplace(env))
    phys = {
        S["A"]: vals[P["stiff"]],
        S["chi"]: vals[P["chi"]],
        S["alpha_s"]: vals[P["damp"]],
        S["g"]: vals[P["gsp"]],
        S["vartheta"]: vals[P["theta"]],
        S["h"]: vals[P["len"]] / nseg,
        S["k_g"]: 0.37,
    }
    for k, sym in enumerate(currents):
        phys[sym] = 0.61 - 0.2 * k
    zs = {z: rnd.uniform(-1, 1) for z in list(tw) + [tg] + list(om)}
    env_named = dict(env)
    env_named.update({sp.Symbol("kgate", real=True): 0.37})
    env_named.update({named: phys[sym] for sym, named in currents.items()})
    env_named.update(zs)
    tau = env[tau_s]
    two_pi = 2 * float(sp.pi)
    theta_vals = {sp.Symbol(f"theta{k + 1}", real=True): two_pi * zs[tw[k]] for k in range(nseg)}
    theta_vals[sp.Symbol("theta_g", real=True)] = two_pi * zs[tg]
    theta_vals.update({sp.Symbol(f"v{i}", real=True): two_pi * zs[om[i]] / tau for i in range(nseg + 1)})
    theta_vals.update(phys)
    for j in range(nseg + 1):
        want = tau * tau * float(rates[j].xreplace(theta_vals)) / two_pi
        got = float(rhs[om[j]].xreplace(env_named))
        if abs(want - got) > 1e-9 * max(1.0, abs(want)):
            raise AssertionError(f"named equation of om{j} differs from the derivation: {got} vs {want}")


def _energy_expressions(fractions, tw, tg, om, derived, P, kgate, sb, sg, ports) -> dict[str, sp.Expr]:
    """Energies [J] and powers [W] in terms of the scaled unknowns (for post-processing)."""
    d = dict((str(s), s) for s, _ in derived)
    nseg = len(fractions)
    two_pi = 2 * sp.pi
    Om = [two_pi * o / d["tau_s"] for o in om]
    th = [two_pi * t for t in tw]
    thg = two_pi * tg
    hs = [nseg * w * d["hseg"] for w in fractions]  # section lengths [m]
    node_len = [hs[0] / 2] + [(hs[k - 1] + hs[k]) / 2 for k in range(1, nseg)] + [hs[-1] / 2]  # lumped nodal lengths
    masses = [P["chi"] * x for x in node_len]
    drags = [P["damp"] * x for x in node_len]
    return {
        "twist_energy": sp.Add(*[P["stiff"] / hk * x**2 / 2 for hk, x in zip(hs, th)]),
        "gate_energy": kgate * thg**2 / 2,
        "kinetic_energy": sp.Add(*[m * w**2 / 2 for m, w in zip(masses, Om)]),
        "pumping_power": P["gsp"] * (Om[0] ** 2 + Om[-1] ** 2),
        "gilbert_power": sp.Add(*[dr * w**2 for dr, w in zip(drags, Om)]),
        # each slip removes 2 pi of twist where it happens: power = spin current x 2 pi x rate
        "slip_power": sp.Add(*[P["stiff"] / hk * x * two_pi * w * sb / d["tau_s"] for hk, x, w in zip(hs, th, fractions)])
        + kgate * thg * two_pi * sg / d["tau_s"],
        "joule_power": sp.Add(*[P[port.resistance] * port.current**2 for port in ports]),
        "twist": sp.Add(*th),
        "gate_twist": thg,
        "gate_stiffness": kgate,
    }
