"""What every reduced model of the loop shares: the containers the printers read, and the device laws.

A model (:class:`LumpedModel`) is a set of scaled unknowns z with  m tau_s dz/dt = f(z, inputs),
m a per-state mass (1 unless stated), plus named intermediates (the gate law, the phase-slip
rates, the port currents), energies and probes. Two representations of the spin line are
derived from the paper's equations: the graded finite-element sections of
:mod:`compactmodel.symbolic.lumped` and the modal (Foster) network of
:mod:`compactmodel.symbolic.modal`. Both attach the same device laws, :func:`device_laws`:

* the temperature law of the anisotropy, K(T) = K (1 + tcani (T - tnom)), floored at 1e-3;
* the gate (VCMA): s^2 = K_g/K under the gated section and its stiffness (:mod:`.laws`);
* the phase slips of the wire (at its mean winding density) and of the gated section (at its
  twist), thermally activated net rates (:mod:`.laws`), each removing one turn; each slip's
  barrier includes the energy of re-twisting the rest of the closed ring (finite-ring term);
* the ring winding wr (wire + gated section), which changes only through slips, with a leak
  of time constant :data:`RING_LEAK_TIME` towards the empty ring that keeps the closed-gate DC
  operating point regular where the slip rates underflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..core.constants import K_B
from ..core.parameters import PARAMETERS
from ..physics.scales import ANISOTROPY_FLOOR
from . import laws

__all__ = ["State", "Probe", "Flag", "RANGE_FLAG_BIT", "Port", "LumpedModel", "param_symbols", "base_derived", "device_laws", "DeviceLaws",
           "RING_LEAK_TIME"]

#: Time constant [s] of a leak of the closed ring's winding towards the empty ring: 1e20 s,
#: ~3e12 years, so a 10-year hold loses 3e-12 of its winding to it (slips lose far more).
#: It exists for the DC operating point: with the gate closed the ring winding changes only
#: through slips, at a rate ~ exp(-E/k_B T) that underflows above ~745 k_B T, and without
#: the leak the closed-gate DC point is singular there.
RING_LEAK_TIME = sp.Float(1e20)


def param_symbols(table=PARAMETERS) -> dict[str, sp.Symbol]:
    """Instance-parameter name -> SymPy symbol of the same name (as printed)."""
    out = {}
    for p in table:
        if p.lower > 0 or (p.lower == 0 and not p.lower_open and p.name != "wn0"):
            out[p.name] = sp.Symbol(p.name, nonnegative=True) if p.lower == 0 else sp.Symbol(p.name, positive=True)
        else:
            out[p.name] = sp.Symbol(p.name, real=True)
    return out


@dataclass(frozen=True)
class State:
    """One internal unknown: node name, symbol, physical meaning of 1 V, initial value, and its
    mass m in  m tau_s dz/dt = f  (a parameter expression, 1 for most states)."""

    name: str
    symbol: sp.Symbol
    meaning: str
    initial: sp.Expr
    mass: sp.Expr = sp.Integer(1)


@dataclass(frozen=True)
class Probe:
    """An output node for users to probe: V(<subckt>.<name>) = expr."""

    name: str
    symbol: sp.Symbol
    description: str


@dataclass(frozen=True)
class Flag:
    """A condition under which the model's physics does not hold, reported by the model itself.

    The ngspice subcircuit sums ``bit`` x (condition) on its probe node ``flag`` (0: all fine); the
    Verilog-A module stops at its initial step with ``$fatal`` for a ``static`` flag (one that depends
    on parameters and temperature only) and reports a dynamic one with ``$strobe`` while it holds.
    ``message`` is a printf format filled with ``args`` (expressions of the model's symbols)."""

    name: str
    bit: int
    condition: sp.Basic
    summary: str  #: the condition in the subcircuit's terms (node and parameter names)
    message: str
    args: tuple[sp.Expr, ...] = ()
    static: bool = False


#: Bit of the subcircuit's ``flag`` node set when an instance parameter is outside its range (ngspice
#: only: Verilog-A simulators refuse such a value from the parameter's ``from`` range).
RANGE_FLAG_BIT = 16


@dataclass(frozen=True)
class Port:
    """An electrical port: pins, the symbol of V(pos,neg), the port current (into pos), its wire
    resistance and its spin-motive force (an expression of the states) [V]."""

    pos: str
    neg: str
    voltage: sp.Symbol
    current: sp.Symbol
    resistance: str
    emf: sp.Expr = sp.Integer(0)


@dataclass
class LumpedModel:
    """A reduced model of the loop, ready for the printers.

    Attributes
    ----------
    nseg : number of sections (sectioned models) or of exact modes (modal models).
    kind : ``"sectioned"`` or ``"modal"``.
    params : instance-parameter symbols.
    derived : ordered (symbol, expression) definitions depending on parameters only; the first
        is tau_s.
    inputs : port voltages (``vpn``, or ``v1``/``v2``), ``vg`` (V(gate)), ``temp`` symbols.
    intermediates : ordered (symbol, expression) definitions depending on inputs/states.
    states : internal unknowns, in node order.
    rhs : state symbol -> f, with  m tau_s dz/dt = f (m: the state's mass).
    port_current : current entering p and leaving n [A] (two-terminal models).
    winding : V(wn) = stored winding Theta / 2 pi of the wire [-].
    physical : energies [J] and powers [W] in terms of the unknowns (for post-processing).
    fractions : section lengths / L (sectioned models).
    """

    nseg: int
    params: dict[str, sp.Symbol]
    derived: list[tuple[sp.Symbol, sp.Expr]]
    inputs: dict[str, sp.Symbol]
    intermediates: list[tuple[sp.Symbol, sp.Expr]]
    states: list[State]
    rhs: dict[sp.Symbol, sp.Expr]
    port_current: sp.Expr | None
    winding: sp.Expr
    physical: dict[str, sp.Expr] = field(default_factory=dict)
    ports: list[Port] = field(default_factory=list)
    four_terminal: bool = False
    fractions: tuple[sp.Rational, ...] = ()
    mesh: str = "graded"
    probes: list[Probe] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    kind: str = "sectioned"
    description: str = ""

    @property
    def pins(self) -> list[str]:
        return [pin for port in self.ports for pin in (port.pos, port.neg)] + ["gate", "wn"]

    @property
    def tau(self) -> sp.Symbol:
        return self.derived[0][0]

    def state_symbols(self) -> list[sp.Symbol]:
        return [st.symbol for st in self.states]

    def substitute_all(self, expr: sp.Expr, numeric: dict[str, float] | None = None) -> sp.Expr:
        """Replace intermediates, then derived symbols, then (optionally) parameter values."""
        for sym, val in reversed(self.intermediates):
            expr = expr.subs(sym, val)
        for sym, val in reversed(self.derived):
            expr = expr.subs(sym, val)
        if numeric is not None:
            expr = expr.subs({self.params[k]: v for k, v in numeric.items()})
        return expr


def base_derived(P: dict[str, sp.Symbol]) -> list[tuple[sp.Symbol, sp.Expr]]:
    """tau_s = L/u [s] (first: the time scale of every state equation) and emf_scale = 2 pi
    vartheta/tau_s [V per turn per transit time]: the spin-motive force of one unit of scaled rate."""
    tau_s, emf_scale = sp.symbols("tau_s emf_scale", positive=True)
    return [(tau_s, P["len"] * sp.sqrt(P["chi"] / P["stiff"])), (emf_scale, 2 * sp.pi * P["theta"] / tau_s)]


@dataclass
class DeviceLaws:
    """The device laws attached to a spin line (:func:`device_laws`): their derived parameters and
    intermediates, and the symbols a model uses in its equations and energies."""

    derived: list[tuple[sp.Symbol, sp.Expr]]
    intermediates: list[tuple[sp.Symbol, sp.Expr]]
    wsum: sp.Symbol  #: winding of the wire [turns]
    tgate: sp.Symbol  #: twist of the gated section [turns]
    sg2: sp.Symbol  #: K_g/K under the gate [-]
    kgate: sp.Symbol  #: stiffness of the gated section [J/rad]
    nub: sp.Symbol  #: winding density of the wire / its Landau limit [-]
    sb: sp.Symbol  #: net slips in the wire per transit time [-]
    sg: sp.Symbol  #: net slips under the gate per transit time [-]
    nslip: sp.Symbol  #: net phase slips since t = 0 [-]
    wr_start: sp.Expr  #: ring winding at t = 0 [turns]
    gleak: sp.Symbol  #: leak of the ring winding per transit time [-]
    flags: list[Flag] = field(default_factory=list)  #: where the laws stop holding (:class:`Flag`)

    def probes(self) -> list[Probe]:
        return [
            Probe("lnd", self.nub, "winding density of the wire / its Landau limit sqrt(2 kani/stiff) [-] (> 1: past the Landau limit)"),
            Probe("nslip", self.nslip, "net number of phase slips since t = 0 (wire and gate; positive: winding lost) [-]"),
        ]


def device_laws(P: dict[str, sp.Symbol], tau_s: sp.Symbol, wire_winding: sp.Expr, wr: sp.Symbol, vg: sp.Symbol,
                temp: sp.Symbol) -> DeviceLaws:
    """The gate, temperature and phase-slip laws for a wire holding ``wire_winding`` turns in a ring
    holding ``wr`` turns, at gate voltage ``vg`` [V] and circuit temperature ``temp`` [K]."""
    L, Aq = P["len"], P["stiff"]
    kgate0, kc0, tb0, cnub, cnug, rb, rg, gleak, rk0, lk0 = sp.symbols("kgate0 kc0 tb0 cnub cnug rb rg gleak rk0 lk0",
                                                                       positive=True)
    derived = [
        (kgate0, Aq / P["lgate"]),  # closed-gate link stiffness [J/rad]
        (kc0, sp.sqrt(2 * P["kani"] / Aq)),  # Landau winding density at tnom [rad/m]
        (tb0, 2 * sp.sqrt(2 * Aq * P["kani"]) / sp.Float(K_B)),  # slip barrier at zero winding / k_B [K]
        (cnub, 2 * sp.pi / (L * kc0)),  # wire winding -> winding density / Landau limit
        (cnug, 2 * sp.pi / (P["lgate"] * kc0)),  # gate twist (turns) -> the same
        (rb, tau_s * P["fatt"] * L * kc0),  # slip attempts in the wire per transit time
        (rg, tau_s * P["fatt"] * P["lgate"] * kc0),  # ... under the gate
        (gleak, tau_s / RING_LEAK_TIME),  # leak of the ring winding, per transit time
        (rk0, L * kc0),  # wire length in healing lengths at tnom (the finite-ring term)
        (lk0, P["lgate"] * kc0),  # gated length in healing lengths at tnom
    ]
    tdev, fani, xb, wsum, tgate, sg2, kgate, nub, nug, sb, sgs, nslip = sp.symbols(
        "tdev fani xb wsum tgate sg2 kgate nub nug sb sg nsl", real=True
    )
    kap, sgl, rq = sp.symbols("kap sgl rq", positive=True)
    # node quantities: >= 0 at a solution, not at every Newton iterate; a sign assumption here would
    # let SymPy drop a branch of the limited exponentials (it did, with positive barrier symbols)
    bdb, bub, bdg, bug = sp.symbols("bdb bub bdg bug", real=True)
    udb, uub, wdg, wug = sp.symbols("udb uub wdg wug", real=True)  # ~cos of the slip saddles' angles (x s)
    ring = rk0 / rq  # compliance of the closed ring (L/A + 1/k_g) x A k_c(T) [-]
    gshift = sp.sqrt(kap) / (sp.sqrt(fani) * (rk0 * kap + lk0))  # 1/(s ring) of the gate channel, no division by s
    wire_args = laws.saddle_arguments(nub, sp.Integer(1), ring)  # (lowering, raising) slip of the wire
    gate_args = laws.saddle_arguments(nug, sp.sqrt(kap), ring, shift=gshift)  # ... and under the gate
    wr_start = P["wn0"] * (1 + P["lgate"] / L)  # ring winding at t = 0 (wire and gate at one density)
    intermediates = [
        (tdev, temp + P["dtemp"]),  # device temperature [K]
        (fani, sp.Max(1 + P["tcani"] * (tdev - P["tnom"]), sp.Float(ANISOTROPY_FLOOR))),  # K(T)/K(tnom)
        (xb, tb0 * sp.sqrt(fani) / tdev),  # barrier at zero winding / k_B T
        (wsum, wire_winding),  # winding of the wire (x = 0 .. L)
        (tgate, wr - wsum),  # twist of the gated section [turns]
        (sg2, laws.anisotropy_ratio(vg, P["vgon"])),  # K_g / K under the gate (VCMA)
        (kgate, kgate0 * sg2),  # supercurrent stiffness of the gated section [J/rad]
        (nub, cnub * wsum / sp.sqrt(fani)),  # winding density of the wire / Landau limit
        (nug, cnug * tgate / sp.sqrt(fani)),  # winding density under the gate / Landau limit
        (kap, sp.Max(sg2, 0) + sp.Float(laws.EPS_BARRIER) ** 2),  # K_g/K floored: the gate's local Landau limit squared
        (sgl, sp.sqrt(kap)),  # the gate's local Landau limit s = sqrt(K_g/K) (>= EPS_BARRIER) [-]
        # the ring's compliance C = L/A + 1/k_g in 1/(A k_c(T)) is rk0/rq: rq = L k_c0 / (C A k_c(T)) in (0, 1/sqrt(fani)]
        (rq, kap / (sp.sqrt(fani) * (kap + lk0 / rk0))),
        (udb, wire_args[0]),  # ~cos of the saddle angle of a wire slip lowering
        (uub, wire_args[1]),  # ... raising the winding
        # the same under the gate, scaled by s (the nodes wdg, wug = s u_down, s u_up, in the wire's Landau units): an
        # open gate has s ~ 1e-6, and a node holding nug/s amplified the Newton noise of nug a million times (measured:
        # open-gate DC points needed gmin stepping); the division by s happens inside the barrier's B-source
        (wdg, sp.expand(sp.sqrt(kap) * gate_args[0])),
        (wug, sp.expand(sp.sqrt(kap) * gate_args[1])),
        # barriers in k_B T (measured: as nodes in E0, with x0 in the rate B-source, 7 of 180 open-gate DC points of the
        # QA grid needed gmin stepping; in k_B T, 1 of 180)
        (bdb, xb * laws.saddle_barrier(udb, nub, sp.Integer(1), ring)),  # wire slip lowering the winding
        (bub, xb * laws.saddle_barrier(uub, -nub, sp.Integer(1), ring)),  # ... raising it
        (bdg, xb * laws.saddle_barrier(wdg, nug, sgl, ring, scaled=True)),  # the same under the gate
        (bug, xb * laws.saddle_barrier(wug, -nug, sgl, ring, scaled=True)),
        (sb, rb * laws.net_rate_from_exponents(bdb, bub)),  # net slips in the wire per tau_s (|sb| <~ rb)
        (sgs, rg * laws.net_rate_from_exponents(bdg, bug)),  # net slips under the gate per tau_s (|sg| <~ rg)
        (nslip, wr_start - wr),  # net phase slips since t = 0
    ]
    t_dev = temp + P["dtemp"]
    k_ratio = 1 + P["tcani"] * (t_dev - P["tnom"])
    flags = [
        Flag("temperature", 1, sp.Le(t_dev, 0), "T = temperature + dtemp <= 0 K",
             "device temperature T = temperature + dtemp = %g K is not above 0 K: no thermal slip law (and no battery) there",
             (t_dev,), static=True),
        Flag("anisotropy", 2, sp.Le(k_ratio, sp.Float(ANISOTROPY_FLOOR)), "K(T)/K(tnom) = 1 + tcani (T - tnom) <= 1e-3",
             "K(T)/K(tnom) = 1 + tcani (T - tnom) = %g at T = %g K: the anisotropy has vanished (the model holds it at 1e-3); "
             "check tcani, tnom, dtemp and the temperature", (k_ratio, t_dev), static=True),
        Flag("landau_wire", 4, sp.Gt(sp.Abs(nub), 1), "|V(lnd)| > 1, the wire past its Landau limit",
             "winding density of the wire = %g x its Landau limit: past it the texture slips deterministically, the thermal slip "
             "law does not apply and the winding cannot be stored", (nub,)),
        Flag("landau_gate", 8, sp.And(sp.Gt(sg2, sp.Rational(1, 2)), sp.Gt(nug * nug, sg2)),
             "V(gk) > 1/2 and V(lg)^2 > V(gk), the closed gated section past its Landau limit sqrt(K_g/K)",
             "winding density of the closed gated section = %g x the wire's Landau limit, past its own (sqrt(K_g/K) = %g): it "
             "slips deterministically", (nug, sp.sqrt(sp.Abs(sg2)))),
    ]
    return DeviceLaws(derived, intermediates, wsum, tgate, sg2, kgate, nub, sb, sgs, nslip, wr_start, gleak, flags)
