"""The gate and phase-slip laws in the form the circuit printers emit (SymPy).

* :func:`anisotropy_ratio`: s^2 = K_g/K under the gate (VCMA), 1 - V/vgon smoothly clamped at 0
  (numerical twin: :func:`compactmodel.physics.gate.anisotropy_ratio_value`);
* :func:`slip_barriers`: the barriers (lowering, raising) of a slip channel in a finite ring, in E0,
  with the ring's re-twist energy (the numpy twin :func:`compactmodel.physics.phase_slips.slip_barriers`);
* :func:`net_rate_from_exponents`: forward minus backward slips per attempt from the two barriers
  in k_B T, each a limited exponential (:func:`limited_exp`).

The subcircuits put the barriers in k_B T on their own nodes (bdb, bub in the wire, bdg, bug under the
gate), so each rate B-source reads two nodes and holds two exponentials.
"""

from __future__ import annotations

import sympy as sp

from ..physics.gate import GATE_SOFTNESS
from ..physics.phase_slips import EPS_BARRIER, SADDLE_GUESS_SLOPE, SADDLE_SWITCH

__all__ = ["softplus", "anisotropy_ratio", "saddle_angle", "saddle_arguments", "slip_barrier", "saddle_barrier",
           "slip_barriers", "limited_exp", "net_rate_from_exponents",
           "EPS_BARRIER", "SADDLE_SWITCH", "SADDLE_GUESS_SLOPE", "EXP_CAP"]

def softplus(z: sp.Expr, w: float) -> sp.Expr:
    """Smooth max(z, 0) of width w: w ln(1 + exp(z/w)), written without overflow as
    max(z, 0) + w ln(1 + exp(-|z|/w)) (the two kinks cancel: the derivative is continuous)."""
    return sp.Max(z, 0) + w * sp.log(1 + sp.exp(-sp.Abs(z) / w))


def anisotropy_ratio(v_gate: sp.Expr, vgon: sp.Expr) -> sp.Expr:
    """s^2 = K_g/K under the gate: 1 - V/vgon, smoothly clamped at 0  [-]."""
    w = sp.Float(GATE_SOFTNESS)
    return softplus(1 - v_gate / vgon, w)


#: Where :func:`limited_exp` turns from the exponential to its tangent line. At a solution both
#: exponents of a net slip rate are <= 0 up to the C1 continuation of the saddle angle (beyond the
#: Landau limit the lowering barrier dips below 0 by < 1e-2 s E0 for s ring >= 14, 4e-4 E0 for the
#: reference device's wire), so the tangent acts only where the channel slips deterministically
#: anyway. During Newton the barrier nodes are linearised separately: across nu = 0 the
#: linearised pi |nu|/2 turns negative, and a bare exponential reached e^(x0 pi |nu|) (measured: a
#: gate opening on a wound ring stopped with "timestep too small"). A hard cap exp(min(x, 0)) has a
#: zero slope beyond 0, right where an open gate (barrier ~0) operates: Newton stalled there and the
#: open-gate DC point needed gmin stepping (measured, kani = 6.25e-10). The tangent line is C1.
EXP_CAP = 0.0


def saddle_angle(u: sp.Expr, scale: sp.Expr = sp.Integer(1)) -> sp.Expr:
    """theta(u) = arccos(u), the half phase jump of the bulk slip saddle at u = nu/s, continued past
    the local Landau limit  [rad].

    Inside |u| <= u_s = SADDLE_SWITCH it is arccos(u); beyond, theta_s/(1 + m (u - u_s)/theta_s) (and
    pi minus that for u < -u_s), theta_s = arccos(u_s), m = 1/sqrt(1 - u_s^2): equal value and slope at
    u_s (C1), decreasing to 0 (pi) as the channel slips deterministically. One ternary: the simulator
    evaluates one branch (a smooth blend of arccos written with nested square roots, measured, cost
    15 us per Newton iteration and B-source in ngspice; its derivative trees grow with every nesting).

    With ``scale`` = s > 0 the argument is w = s u (the gate channel, s down to 1e-6): the ternary's
    conditions and outer branches are written without dividing by s, so only arccos(w/s) divides.
    """
    us = sp.Float(SADDLE_SWITCH)
    ts = sp.acos(us)
    m = 1 / sp.sqrt(1 - us**2)

    def outer(v):  # ts / (1 + m (v/scale - us)/ts), multiplied through by scale
        return ts**2 * scale / (ts * scale + m * (v - us * scale))

    return sp.Piecewise((sp.pi - outer(-u), u < -us * scale), (outer(u), u > us * scale), (sp.acos(u / scale), True))


def saddle_arguments(nu: sp.Expr, s: sp.Expr, ring: sp.Expr, *, shift: sp.Expr | None = None) -> tuple[sp.Expr, sp.Expr]:
    """(u_down, u_up): the arguments of :func:`saddle_angle` that give the saddle angles of the two slips
    of a channel with local Landau limit ``s`` (s^2 = K_loc/K) in a closed ring of compliance ``ring``  [-].

    The saddle of the slip that lowers the winding solves u = cos theta + 2 theta/(s ring), u = nu/s
    (:func:`slip_barrier`). One fixed-point step from a first guess theta_0 gives
    theta_1 = arccos(u - 2 theta_0/(s ring)); the guess is the line theta_0 = pi/2 - b u
    (b = :data:`SADDLE_GUESS_SLOPE`), so the argument is linear in nu. Because the barrier is stationary
    in the angle, the guess's error (up to ~0.4 rad near the Landau limit) enters the barrier only
    through (2 dtheta_0/(s ring))^2: the error of one step with the exact arccos guess is no smaller.
    The slip that raises the winding is the lowering one at -nu (guess pi - theta_0).

    ``shift`` (= 1/(s ring)) may be given in a better-conditioned form than the quotient (the
    circuit's gate channel: s -> 1e-6 with the gate open, where ring -> inf).
    """
    u = nu / s
    shift = 1 / (s * ring) if shift is None else shift  # the ring's compliance in the channel's own units, inverted
    b = sp.Float(SADDLE_GUESS_SLOPE)
    return u - (sp.pi - 2 * b * u) * shift, -u - (sp.pi + 2 * b * u) * shift


def slip_barrier(theta: sp.Expr, nu: sp.Expr, s: sp.Expr, ring: sp.Expr) -> sp.Expr:
    """Barrier of the slip whose saddle turns the in-plane angle by 2 theta, in E0  [-].

    A slip through a channel of reduced anisotropy s^2 = K_loc/K at the winding density nu (in the
    wire's Landau limit) passes a saddle whose core turns the in-plane angle by 2 theta; the rest of the ring, of
    compliance ``ring`` = C_ring A k_c (C_ring = L/A + 1/k_g), is re-twisted by the same phase
    (:func:`compactmodel.symbolic.gate_derivation.finite_ring`). In E0 = 2 sqrt(2 A K):

        G(theta) = s sin theta - nu theta + theta^2 / ring,   B_down = max over theta of G,

    dG/dtheta = 0 is the saddle (nu/s = cos theta + 2 theta/(s ring)); for ring -> inf, B_down is the
    bulk law s sqrt(1 - u^2) - nu arccos(u), u = nu/s. B_up(nu) = B_down(-nu). dB/dnu = -theta exactly
    (envelope theorem), so the barrier is C1 even where it vanishes. G is stationary in theta, so an
    approximate angle (:func:`saddle_arguments`) errs only to second order (measured against the
    self-consistent root: < 0.5 % for ring >= 18, 2e-4 for ring = 72, where the barrier exceeds
    3 k_B T at x0 = 85). Beyond the local Landau limit theta -> 0 and B_down -> 0. ``s`` > 0,
    ``ring`` > 0; pass -nu for the raising slip.
    """
    return s * sp.sin(theta) - nu * theta + theta**2 / ring


def saddle_barrier(u: sp.Expr, nu: sp.Expr, s: sp.Expr, ring: sp.Expr, scaled: bool = False) -> sp.Expr:
    """:func:`slip_barrier` at the angle :func:`saddle_angle` (u), as one ternary (one branch evaluated;
    inside the Landau limit sin(arccos u) = sqrt(1 - u^2))  [-]. ``scaled``: ``u`` is given as s u."""
    theta = saddle_angle(u, s) if scaled else saddle_angle(u)
    return sp.piecewise_fold(slip_barrier(theta, nu, s, ring))


def slip_barriers(nu: sp.Expr, s: sp.Expr, ring: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """(B_down, B_up) in E0 of a slip channel in a closed ring: :func:`saddle_barrier` at the
    :func:`saddle_arguments`  [-]."""
    down, up = saddle_arguments(nu, s, ring)
    return saddle_barrier(down, nu, s, ring), saddle_barrier(up, -nu, s, ring)


def limited_exp(x: sp.Expr) -> sp.Expr:
    """exp(x) for x < EXP_CAP, its tangent line e^C (1 + x - C) beyond (C1, like Verilog-A limexp)  [-]."""
    c = sp.Float(EXP_CAP)
    return sp.Piecewise((sp.exp(x), x < c), (sp.exp(c) * (1 + x - c), True))


def net_rate_from_exponents(forward: sp.Expr, backward: sp.Expr) -> sp.Expr:
    """exp(-forward) - exp(-backward): net slips per attempt from the two barriers in k_B T  [-]."""
    return limited_exp(-forward) - limited_exp(-backward)
