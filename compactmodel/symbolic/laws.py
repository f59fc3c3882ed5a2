"""The gate and phase-slip laws in the form the circuit printers emit (SymPy).

* :func:`anisotropy_ratio`: s^2 = K_g/K under the gate (VCMA), 1 - V/vgon smoothly clamped at 0
  (numerical twin: :func:`compactmodel.physics.gate.anisotropy_ratio_value`);
* :func:`piecewise_barrier`: the even slip barrier h(nu, s^2) in E0, exact (the same function as
  :func:`compactmodel.physics.phase_slips.even_barrier`), as one two-branch ternary;
* :func:`net_rate_from_exponents`: forward minus backward slips per attempt from the two barriers
  in k_B T, each a limited exponential (:func:`limited_exp`).

The subcircuits put the barriers in k_B T on their own nodes (eb = x0 h, ab = x0 pi nu/2, and the
same under the gate), so the rate B-source reads two nodes and holds two exponentials.
"""

from __future__ import annotations

import sympy as sp

from ..physics.gate import GATE_SOFTNESS

__all__ = ["softplus", "anisotropy_ratio", "piecewise_barrier", "limited_exp", "net_rate_from_exponents",
           "EPS_BARRIER", "BRANCH_MARGIN", "EXP_CAP"]

#: Floor of s^2 = K_g/K in the gate barrier (the open gate has s -> 0): the inside branch then
#: spans |nu| < 1e-6, so the barrier nodes stay smooth where the open gate's twist crosses 0.
EPS_BARRIER = 1e-6


def softplus(z: sp.Expr, w: float) -> sp.Expr:
    """Smooth max(z, 0) of width w: w ln(1 + exp(z/w)), written without overflow as
    max(z, 0) + w ln(1 + exp(-|z|/w)) (the two kinks cancel: the derivative is continuous)."""
    return sp.Max(z, 0) + w * sp.log(1 + sp.exp(-sp.Abs(z) / w))


def anisotropy_ratio(v_gate: sp.Expr, vgon: sp.Expr) -> sp.Expr:
    """s^2 = K_g/K under the gate: 1 - V/vgon, smoothly clamped at 0  [-]."""
    w = sp.Float(GATE_SOFTNESS)
    return softplus(1 - v_gate / vgon, w)


#: Relative margin of the inside branch of :func:`piecewise_barrier`: nu^2 < (1 - margin) s^2.
#: At the switch the two branches differ by ~margin^(3/2) s (value) and sqrt(2 margin) (slope).
BRANCH_MARGIN = 1e-12

#: Where :func:`limited_exp` turns from the exponential to its tangent line. At every solution
#: both exponents of a net slip rate are <= 0 (the even barrier is >= pi |nu|/2), so the tangent
#: never acts there. During Newton the barrier nodes are linearised separately: across nu = 0 the
#: linearised pi |nu|/2 turns negative, and a bare exponential reached e^(x0 pi |nu|) (measured: a
#: gate opening on a wound ring stopped with "timestep too small"). A hard cap exp(min(x, 0)) has a
#: zero slope beyond 0, right where an open gate (barrier ~0) operates: Newton stalled there and the
#: open-gate DC point needed gmin stepping (measured, kani = 6.25e-10). The tangent line is C1.
EXP_CAP = 0.0


def piecewise_barrier(nu: sp.Expr, s2: sp.Expr) -> sp.Expr:
    """The even barrier h(nu, s^2) = s g(nu/s) in E0, exact, as two branches  [-].

    Inside the local Landau limit (nu^2 < s^2): sqrt(s^2 - nu^2) + nu asin(nu/s); beyond it the
    barrier is pi |nu|/2 (the odd part cancels it in one direction). The branches meet with equal
    value and slope (C1; the curvature of the exact barrier diverges there). The circuit printers
    write this as one ternary, so a simulator evaluates one branch, not a smooth blend of both
    (measured in ngspice: the blended form c + nu atan(nu/c), c = sqrt(softplus(s^2 - nu^2)),
    was 2/3 of the cost of the whole model). ``s2`` must be > 0 (the gate adds EPS_BARRIER^2).
    """
    inside = sp.sqrt(sp.Max(s2 - nu**2, 0)) + nu * sp.asin(sp.Max(sp.Min(nu / sp.sqrt(s2), 1), -1))
    return sp.Piecewise((inside, nu**2 < (1 - sp.Float(BRANCH_MARGIN)) * s2), (sp.pi * sp.Abs(nu) / 2, True))


def limited_exp(x: sp.Expr) -> sp.Expr:
    """exp(x) for x < EXP_CAP, its tangent line e^C (1 + x - C) beyond (C1, like Verilog-A limexp)  [-]."""
    c = sp.Float(EXP_CAP)
    return sp.Piecewise((sp.exp(x), x < c), (sp.exp(c) * (1 + x - c), True))


def net_rate_from_exponents(forward: sp.Expr, backward: sp.Expr) -> sp.Expr:
    """exp(-forward) - exp(-backward): net slips per attempt from the two barriers in k_B T  [-]."""
    return limited_exp(-forward) - limited_exp(-backward)
