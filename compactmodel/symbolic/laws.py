"""The gate and phase-slip laws in the form the circuit printers emit (SymPy).

* :func:`anisotropy_ratio`: s^2 = K_g/K under the gate (VCMA), 1 - V/vgon smoothly clamped at 0
  (numerical twin: :func:`compactmodel.physics.gate.anisotropy_ratio_value`);
* :func:`circuit_barrier`: the even slip barrier h(nu, s^2) in E0 (exact form:
  :func:`compactmodel.physics.phase_slips.even_barrier`), written as  c + nu atan(nu/c),
  c^2 a smooth max(s^2 - nu^2, 0) of width :data:`SOFT_WIDTH` never below
  :data:`EPS_BARRIER`^2: equal to h within ~eps, with no division by s (the open gate has
  s -> 0), smooth everywhere, and with derivative terms that cancel instead of diverging at
  the Landau limit;
* :func:`net_rate_from_barrier`: forward minus backward slips per attempt, two exponentials of
  non-positive argument (no overflowing sinh).
"""

from __future__ import annotations

import sympy as sp

from ..physics.gate import GATE_SOFTNESS

__all__ = ["softplus", "anisotropy_ratio", "circuit_barrier", "barrier_core", "barrier_from_core",
           "net_rate_from_barrier", "net_rate_expr", "EPS_BARRIER", "SOFT_WIDTH"]

#: Regularisation of the circuit form of the barrier (in units of the Landau winding density).
EPS_BARRIER = 1e-6

#: Width of the smooth max(s^2 - nu^2, 0) in the circuit form of the barrier [-].
SOFT_WIDTH = 1e-8


def softplus(z: sp.Expr, w: float) -> sp.Expr:
    """Smooth max(z, 0) of width w: w ln(1 + exp(z/w)), written without overflow as
    max(z, 0) + w ln(1 + exp(-|z|/w)) (the two kinks cancel: the derivative is continuous)."""
    return sp.Max(z, 0) + w * sp.log(1 + sp.exp(-sp.Abs(z) / w))


def anisotropy_ratio(v_gate: sp.Expr, vgon: sp.Expr) -> sp.Expr:
    """s^2 = K_g/K under the gate: 1 - V/vgon, smoothly clamped at 0  [-]."""
    w = sp.Float(GATE_SOFTNESS)
    return softplus(1 - v_gate / vgon, w)


def circuit_barrier(nu: sp.Expr, s2: sp.Expr, eps: float = EPS_BARRIER) -> sp.Expr:
    """The even barrier h(nu, s^2) in the form the circuit printers emit  [-].

    c + nu atan(nu/c) with c^2 = softplus(s^2 - nu^2, width SOFT_WIDTH) + eps^2: a smooth
    max(s^2 - nu^2, 0), never below eps^2. No division by s, a continuous derivative where the
    winding crosses the local Landau limit (a bare max() there made the derivative jump by up
    to 1/2 and stalled Newton while a gate closed on an untwisted section), and derivative
    terms that grow like nu/c and cancel analytically. Within 1e-4 E0 of the exact h.
    """
    c = barrier_core(nu, s2, eps)
    return barrier_from_core(nu, c)


def barrier_core(nu: sp.Expr, s2: sp.Expr, eps: float = EPS_BARRIER) -> sp.Expr:
    """c = sqrt(softplus(s^2 - nu^2) + eps^2) of :func:`circuit_barrier`  [-]."""
    return sp.sqrt(softplus(s2 - nu**2, SOFT_WIDTH) + sp.Float(eps) ** 2)


def barrier_from_core(nu: sp.Expr, c: sp.Expr) -> sp.Expr:
    """h = c + nu atan(nu/c)  [-]."""
    return c + nu * sp.atan(nu / c)


def net_rate_from_barrier(nu: sp.Expr, h: sp.Expr, x0: sp.Expr) -> sp.Expr:
    """exp(-x0 (h - pi nu/2)) - exp(-x0 (h + pi nu/2))  [-] (h the even barrier in E0)."""
    half = sp.pi * nu / 2
    return sp.exp(-x0 * (h - half)) - sp.exp(-x0 * (h + half))


def net_rate_expr(nu: sp.Expr, s2: sp.Expr, x0: sp.Expr) -> sp.Expr:
    """Net slips per attempt at winding density nu and gate anisotropy s^2  [-].

    :func:`net_rate_from_barrier` of the circuit barrier: with x0 = E0/(k_B T) both exponent
    arguments are <= 0, so nothing overflows.
    """
    return net_rate_from_barrier(nu, circuit_barrier(nu, s2), x0)
