"""Gate-controlled leakage element: the section under the gate that closes the loop.

The gated section (length ``lgate``) links the far contact (x = L) back to the near one
(x = 0). Its state is the twist theta_g across it. Two smooth functions of the gate
voltage describe it:

* ``link_stiffness``  k_g(V_g) [J/rad]: spin current carried per radian of twist. It is
  A/lgate with the gate at 0 V (the loop is closed: a persistent spin current can flow)
  and exactly 0 at and above ``vgon`` (the loop is open).
* ``relaxation_rate`` gamma(V_g) [1/s]: rate at which phase slips under the gate relax
  theta_g (d theta_g/dt = ... - gamma theta_g). The stored winding of the closed ring
  decays through these slips; gamma at 0 V is set by the retention time ``tret``, and
  with the gate fully open the twist under it relaxes in ``topen``.

This module is deliberately small and self-contained so that a physical phase-slip law
(voltage-controlled anisotropy, thermal activation) can replace it without touching the
rest of the model.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["gate_drive", "opening", "slip_opening", "stiffness_opening", "link_stiffness", "relaxation_rate", "closed_relaxation_rate"]


def gate_drive(v_gate: sp.Expr, vgon: sp.Expr) -> sp.Expr:
    """Normalised gate drive y = clamp(V_g / vgon, 0, 1)  [-]."""
    return sp.Min(sp.Max(v_gate / vgon, 0), 1)


def opening(y: sp.Expr) -> sp.Expr:
    """Fraction of the gate that is open, 0 at y = 0 and 1 at y = 1  [-].

    The quintic 'smootherstep' 6y^5 - 15y^4 + 10y^3: its first and second derivatives
    vanish at both ends, so the clamp in :func:`gate_drive` adds no kink (C2 in V_g).
    """
    return y**3 * (10 - 15 * y + 6 * y**2)


def link_stiffness(closed_stiffness: sp.Expr, open_fraction: sp.Expr) -> sp.Expr:
    """k_g = k_g0 (1 - open fraction), k_g0 = A / lgate with the gate closed  [J/rad]."""
    return closed_stiffness * (1 - open_fraction)


def closed_relaxation_rate(length: sp.Expr, lgate: sp.Expr, tret: sp.Expr) -> sp.Expr:
    """gamma at V_g = 0 that makes the stored winding decay as exp(-t/tret)  [1/s].

    Derived, not typed: with the gate closed and no drive, the wire and the gated section
    carry the same persistent spin current, A Theta/L = k_g theta_g, while slips change the
    ring winding: d(Theta + theta_g)/dt = -gamma theta_g. Solving for the decay rate of
    Theta and equating it to 1/tret gives gamma = (1 + L/lgate)/tret.
    """
    A, L, lg, gam, Th = sp.symbols("A L l_g gamma Theta", positive=True)
    kg = A / lg
    theta_g = A * Th / (L * kg)  # equal spin currents
    # d/dt (Theta + theta_g) = (1 + dtheta_g/dTheta) dTheta/dt = -gamma theta_g
    rate = sp.simplify(gam * theta_g / (Th * (1 + sp.diff(theta_g, Th))))  # -dTheta/dt / Theta
    gamma_sol = sp.solve(sp.Eq(rate, 1 / sp.Symbol("tret", positive=True)), gam)[0]
    return gamma_sol.subs({L: length, lg: lgate, sp.Symbol("tret", positive=True): tret})


def slip_opening(y: sp.Expr) -> sp.Expr:
    """Fraction of the phase-slip barrier removed: 0 at y = 0, 1 from y = 1/2 on  [-]."""
    return opening(sp.Min(2 * y, 1))


def stiffness_opening(y: sp.Expr) -> sp.Expr:
    """Fraction of the gated section's supercurrent stiffness removed: 0 up to y = 1/2, 1 at y = 1  [-].

    The gate lowers the easy-plane anisotropy, which sets the slip barrier; the exchange
    stiffness of the gated section does not depend on it. So the slips become free first
    (0 < y < 1/2) and the section stops carrying supercurrent after (1/2 < y < 1): the twist
    under an opening gate relaxes by slips (dissipated, counted as slip power) instead of
    being pushed back onto the gate driver by a softening link.
    """
    return opening(sp.Max(2 * y - 1, 0))


def relaxation_rate(rate_closed: sp.Expr, rate_open: sp.Expr, slip_fraction: sp.Expr) -> sp.Expr:
    """gamma(V_g): log-linear between the closed and open rates  [1/s].

    gamma_closed^(1-f) gamma_open^f (an Arrhenius rate whose barrier falls linearly with f),
    written as an exponential whose argument stays between ln gamma_closed and ln gamma_open
    (no overflow possible).
    """
    return sp.exp((1 - slip_fraction) * sp.log(rate_closed) + slip_fraction * sp.log(rate_open))
