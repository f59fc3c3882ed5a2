"""The gated section as a link of the ring: stiffness, slip barriers and slip rate (closed forms).

The gate (:mod:`compactmodel.physics.gate`) sets the anisotropy of a section of length l to
K_g = K (1 - V/vgon): easy plane for K_g > 0, isotropic at V = vgon, easy axis (K_g < 0) beyond.
Joined to the easy-plane wire, the section is a *link* that carries the ring's spin current
J (a torque [J]) with a twist theta_g and lets windings pass only by phase slips. Derived from
the micromagnetic energy per length (A [J m], K [J/m], theta the angle out of the easy plane)

    e = (A/2)(theta'^2 + cos^2 theta phi'^2) + K(x) sin^2 theta,   K(x) = K (wire), K_g (gate),

(:mod:`compactmodel.symbolic.gate_derivation` derives each step and asymptote in SymPy). In the
dimensionless variables

    g = K_g/K,   lam = l/xi = l k_c,   nu = J/(A k_c),   energies in E0 = 2 sqrt(2 A K),

(xi = 1/k_c = sqrt(A/2K), the wire's healing length; nu = 1 is the wire's Landau limit) the law is:

* **stiffness** kappa = k_g/(A/l): an isotropic or easy-axis section is still an exchange spring
  A/l (kappa = 1) until it *buckles*: its in-plane state becomes unstable at the threshold
  g_th(lam) = -Q^2, Q tan(Q lam/2) = 1 (the square-well zero mode; about -pi^2/lam^2 for long
  gates, -2/lam for short ones). Beyond it the order tilts out of the plane and the link weakens
  to a Josephson-like weak link whose stiffness falls exponentially with the length of the
  easy-axis region (:func:`stiffness`).
* **zero-torque barrier** b0 = B(0)/E0: the pole state of an in-plane gate (a rational fit of its
  energy, exact as lam -> 0 and lam -> inf) bridged, beyond the threshold, to the weak link's
  B0 = 2 k_g (:func:`zero_current_barrier`).
* **critical torque** nu_c, where the barrier vanishes: the larger of the in-plane instability
  under current and the weak link's critical torque b0 (:func:`critical_torque`).
* **barrier vs torque** (:func:`even_barrier`, :func:`lowering_barrier`): the slip that lowers the
  winding has B_down = E_m(nu) - pi nu/2, the one that raises it B_up = E_m + pi nu/2 (it
  releases 2 pi J), E_m even in nu; for g = 1 the bulk law sqrt(1-nu^2) - nu arccos(nu) exactly.
* **finite ring** (:func:`ring_term`): a slip re-twists the rest of the ring by the slip's extra
  phase delta (delta = 2 arccos(nu) in a bulk wire), adding A delta^2/(2 C_ring) with the ring's
  compliance C_ring = L/A + 1/k_g:  delta^2 / (4 (L k_c + lam/kappa)) in E0.
* **rate** (:func:`slip_rate`): Kramers waiting time exp(b)/f plus the duration of a barrier-free
  slip tau_d (:func:`deterministic_time`, the growth time of the saddle's unstable mode):
  Gamma = f exp(-b) / (1 + f tau_d exp(-b)), b = B/k_B T. It is the thermally activated rate
  f exp(-b) wherever b >> ln(f tau_d), and saturates at 1/tau_d where the barrier is gone
  (the deterministic slipping of an open gate). The fraction 1/(1 + f tau_d exp(-b)) of each
  slip's time is spent waiting for activation: the thermally activated share of the rate
  (:func:`thermal_fraction`), which the slip counters use.

Accuracy against the exact continuum solution (quadrature of the stationary states,
:mod:`compactmodel.verify.gate_continuum`) over lam in [0.25, 10], g in [-4, 0.9]: stiffness
within 4 % (1.4 % away from the threshold), zero-torque barrier within 3.3 %, lowering barrier
within 10 % where it exceeds 3 k_B T (0.35 k_B T absolute below), critical torque within 1.5 %
(measured when the coefficients below were fitted; ``tests/verify/test_gate_continuum.py`` re-checks
sample cells against the quadrature, which takes minutes per cell). Independent check on a discrete
classical-spin chain: :mod:`compactmodel.verify.spin_chain`, tables in ``docs/spin_chain.md``.

Every function takes a module ``m``: ``None`` for numpy (floats or arrays), ``sympy`` for the
expressions the circuit printers emit. No branches, no min/max: smooth maxima of stated widths,
exponent arguments that never exceed 0. Assumptions kept: point contacts, a uniform cross-section,
no in-plane shape anisotropy, a sharp gate edge.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["GateLaw", "smooth_max0", "clamp_g", "q_threshold", "buckling_threshold", "stiffness", "zero_current_barrier",
           "critical_torque", "log_stiffness", "log_zero_current_barrier", "log_critical_torque", "nu_lin_sweep", "NU_LIN_SWEEPS", "shape_parameter", "gate_parameters", "even_barrier", "lowering_barrier", "raising_barrier", "phase_jump",
           "bulk_even_barrier", "bulk_phase_jump", "even_barrier_slope", "slip_barriers", "BULK", "ring_term", "growth_rate", "deterministic_time", "slip_rate",
           "thermal_fraction", "limited_barrier", "B_FLOOR", "W_KINK_REL", "W_CORE", "EPS_CORE", "W_POS"]

# ------------------------------------------------------------------------------------ constants
#: Pade approximant of y^2(a), y tan y = a: exact to O(a^2) at a -> 0 and to O(1/a) at a -> inf
#: (largest relative error 0.25 %).
_P1 = (1 - math.pi**2 / 12) / (math.pi**2 / 4 - 2)
_Q1 = _P1 + 1.0 / 3.0
_Q2 = 4 * _P1 / math.pi**2

#: Width of the smooth max rounding the zero-temperature buckling kink, relative to |g_th(lam)|.
W_KINK_REL = 0.02

#: Pole-state energy E_pole(g, lam) = 1 - r (1-g) lam/4, r = N/D rational in lam with coefficients
#: quadratic in z = 1 - g (fitted to the quadrature, lam <= 20; exact r = 1 - lam^2/12 + O(lam^3)).
_POLE = (0.1595731814453895, 0.2208474202247887, -0.00357863516477566,
         -0.02383427391062456, 0.167021871956049, -0.00996330425705481,
         0.01456209332354911, -0.04161029217450925, 0.02616697931915249,
         0.02143951398347516, -0.01864746680424937, 0.0250991647860129,
         0.00150702381699151, -0.00195250241904978, 0.00042008992463295)

#: Exponent of the buckled-gate bridge b0 = (kappa/lam) (lam E_pole(g_c))^(kappa^e) (fitted).
_B0EXP = (0.359614, 0.27322, 0.267458, -0.0727626)

#: Rounding of nu_c = (b0^n + nu_lin^n)^(1/n), n = N_RHO (1 + C_RHO/((1-g)^2 + 1e-4)).
_N_RHO = 14.0
_C_RHO = 0.5
#: Shape of E_m: a = a_max(rho) + (1 - a_max)(1 - exp(-A_SIG (g_+ lam)^2)).
_A_SIG = 0.386
#: Smoothing widths: core c^2 = smooth max(nu_c^2 - nu^2, 0) (width W_CORE, floor EPS_CORE) and
#: the final positive part of the lowering barrier (W_POS, in E0).
W_CORE = 1e-6
EPS_CORE = 1e-6
W_POS = 1e-4


class _Numpy:
    exp, log, sqrt, atan = np.exp, np.log, np.sqrt, np.arctan
    pi = math.pi


def _mod(m):
    return _Numpy if m is None else m


def smooth_max0(t, w, m=None):
    """C-infinity max(t, 0) of width w: (t + sqrt(t^2 + w^2))/2 (algebraic: nothing overflows)."""
    M = _mod(m)
    return (t + M.sqrt(t * t + w * w)) / 2


def clamp_g(g, m=None):
    """Smooth min(g, 1): a gate stiffer than the wire (negative voltage) has the wire's slip law
    (its lowest saddle then sits in the wire next to it)."""
    return 1 - smooth_max0(1 - g, 0.01, m)


# ------------------------------------------------------------------------- buckling threshold
def _ytan_sq(a, m=None):
    """y^2 with y tan y = a, y in (0, pi/2) (Pade, 0.25 %)."""
    return a * (1 + _P1 * a) / (1 + _Q1 * a + _Q2 * a * a)


def q_threshold(lam, nu=0.0, m=None):
    """Q at the in-plane instability of the gate well: Q tan(Q lam/2) = sqrt(1 - nu^2)  [1/xi]."""
    M = _mod(m)
    a = M.sqrt(1 - nu * nu) * lam / 2
    return 2 * M.sqrt(_ytan_sq(a, m)) / lam


def buckling_threshold(lam, nu=0.0, m=None):
    """g_th(lam, nu) = nu^2 - Q^2: the gate buckles out of the plane for K_g/K below it  [-]."""
    return nu * nu - q_threshold(lam, nu, m) ** 2


def _kink_width(qt):
    return W_KINK_REL * qt * qt


# ------------------------------------------------------------------------------------ stiffness
def log_stiffness(g, lam, m=None, qt=None):
    """ln kappa, kappa = k_g/(A/l) the gate link's small-twist stiffness  [-].

    kappa is 1 while the section is in plane; beyond the threshold kappa = lam/(lam + D), D = D(q) -
    D(q_th) the excess compliance of the two walls of the buckled region, D(q) = (q + sqrt(1+q^2))^2
    exp(q lam)/(8 q), q = sqrt(q_th^2 + t), t = smooth max(g_th - g, 0). Written with exponents <= 0;
    the logarithm is what the circuit carries on a node (kappa spans decades; ln kappa is O(1)).
    """
    M = _mod(m)
    if qt is None:
        qt = q_threshold(lam, 0.0, m)
    t = smooth_max0(-qt * qt - g, _kink_width(qt), m)
    q = M.sqrt(qt * qt + t)
    log_r = M.log(q / qt) + 2 * M.log((qt + M.sqrt(1 + qt * qt)) / (q + M.sqrt(1 + q * q))) - (q - qt) * lam
    r = M.exp(log_r)
    d_th = (qt + M.sqrt(1 + qt * qt)) ** 2 * M.exp(qt * lam) / (8 * qt)  # qt lam < pi: bounded
    return M.log(lam) + log_r - M.log(lam * r + d_th * (1 - r))


def stiffness(g, lam, m=None, qt=None):
    """kappa = k_g/(A/l) of the gate link at small twist  [-] (:func:`log_stiffness`)."""
    return _mod(m).exp(log_stiffness(g, lam, m, qt))


# ------------------------------------------------------------------------------------ barriers
def _pole_energy(g, lam):
    """Energy of the zero-torque pole state of an in-plane gate relative to the in-plane state, in E0."""
    p = _POLE
    z = 1 - g
    a1, a2, a3, b3, b4 = (p[3 * i] + p[3 * i + 1] * z + p[3 * i + 2] * z * z for i in range(5))
    num = 1 + a1 * lam + a2 * lam**2 + a3 * lam**3
    den = 1 + a1 * lam + (a2 + 1.0 / 12.0) * lam**2 + b3 * lam**3 + b4 * lam**4
    return 1 - num / den * z * lam / 4


def log_zero_current_barrier(g, lam, m=None, log_kappa=None, qt=None):
    """ln b0, b0 = B(J = 0)/E0  [-]: the pole state of an in-plane gate, bridged beyond the threshold to
    the weak link's 2 k_g: b0 = (kappa/lam) (lam E_pole(g_c))^(kappa^e), g_c = smooth max(g, g_th)."""
    M = _mod(m)
    if qt is None:
        qt = q_threshold(lam, 0.0, m)
    if log_kappa is None:
        log_kappa = log_stiffness(g, lam, m, qt)
    gth = -qt * qt
    gc = gth + smooth_max0(g - gth, _kink_width(qt), m)
    ll = M.log(1 + lam)
    e0, e1, e2, e3 = _B0EXP
    ex = e0 + e1 * ll + (e2 + e3 * ll) * (1 - M.exp(log_kappa))
    base = lam * _pole_energy(gc, lam)
    return log_kappa - M.log(lam) + M.exp(ex * log_kappa) * M.log(base)


def zero_current_barrier(g, lam, m=None, kappa=None, qt=None):
    """b0 = B(J = 0)/E0  [-] (:func:`log_zero_current_barrier`)."""
    M = _mod(m)
    return M.exp(log_zero_current_barrier(g, lam, m, None if kappa is None else M.log(kappa), qt))


def nu_lin_sweep(g, lam, r, m=None):
    """One fixed-point sweep of the in-plane instability under torque (Q tan(Q lam/2) = sqrt(1-nu^2),
    Q^2 = nu^2 - g): from the tangent ratio r = y^2/a of the previous sweep (1 to start) returns
    (nu^2, r) of this sweep  [-]. The circuit printers chain the sweeps through named intermediates."""
    M = _mod(m)
    u = (1 - g) / (r / lam + M.sqrt(r * r / (lam * lam) + 1 - g))
    a = lam * u / 2
    return 1 - u * u, (1 + _P1 * a) / (1 + _Q1 * a + _Q2 * a * a)


#: Fixed-point sweeps of :func:`nu_lin_sweep` after the first (the law's stated accuracy uses 2).
NU_LIN_SWEEPS = 2


def _nu_lin_sq(g, lam, m=None, sweeps=NU_LIN_SWEEPS):
    """nu^2 at the in-plane instability under torque, by ``sweeps`` fixed-point sweeps after the first
    (negative when the gate is buckled at nu = 0)."""
    r = 1.0
    nl = None
    for _ in range(sweeps + 1):
        nl, r = nu_lin_sweep(g, lam, r, m)
    return nl


def log_critical_torque(g, lam, m=None, log_b0=None, nu_lin_sq=None):
    """ln nu_c, nu_c the torque where the gate's lowering barrier vanishes  [-].

    nu_c = (b0^n + nu_lin^n)^(1/n): about the larger of the weak link's b0 and the in-plane
    instability nu_lin, rounded near the threshold; log-sum-exp form with exponents <= 0.
    """
    M = _mod(m)
    if log_b0 is None:
        log_b0 = log_zero_current_barrier(g, lam, m)
    if nu_lin_sq is None:
        nu_lin_sq = _nu_lin_sq(g, lam, m)
    l1 = log_b0
    l2 = M.log(smooth_max0(nu_lin_sq, 1e-3, m)) / 2
    n = _N_RHO * (1 + _C_RHO / ((1 - g) ** 2 + 1e-4))
    top = (l1 + l2) / 2 + M.sqrt(((l1 - l2) / 2) ** 2 + 1e-12)
    return top + M.log(M.exp(n * (l1 - top)) + M.exp(n * (l2 - top))) / n


def critical_torque(g, lam, m=None, kappa=None, b0=None, nu_lin_sq=None):
    """(nu_c, rho = nu_c/b0)  [-] (:func:`log_critical_torque`)."""
    M = _mod(m)
    if kappa is None:
        kappa = stiffness(g, lam, m)
    if b0 is None:
        b0 = zero_current_barrier(g, lam, m, kappa)
    nuc = M.exp(log_critical_torque(g, lam, m, M.log(b0), nu_lin_sq))
    return nuc, nuc / b0


class GateLaw(dict):
    """kappa, b0, nu_c, rho and the shape parameter a of the gate link at (g, lam) (a dict)."""


def shape_parameter(g, lam, rho, m=None):
    """a of :func:`even_barrier`: a_max + (1 - a_max)(1 - exp(-A_SIG (g_+ lam)^2)), a_max = 1 - 3 (1 - 1/rho)
    (long gates with g > 0 are bulk-like, a -> 1); ``g`` already clamped (:func:`clamp_g`)."""
    M = _mod(m)
    amax = 1 - 3 * (1 - 1 / rho)
    gp = smooth_max0(g, 0.02, m)
    return amax + (1 - amax) * (1 - M.exp(-_A_SIG * (gp * lam) ** 2))


def gate_parameters(g, lam, m=None) -> GateLaw:
    """Everything of the gate link that depends on (g, lam) only: kappa, b0, nu_c, rho, shape a."""
    g = clamp_g(g, m)
    kappa = stiffness(g, lam, m)
    b0 = zero_current_barrier(g, lam, m, kappa)
    nuc, rho = critical_torque(g, lam, m, kappa, b0)
    return GateLaw(kappa=kappa, b0=b0, nu_c=nuc, rho=rho, a=shape_parameter(g, lam, rho, m))


def _core(t, m=None):
    """C = sqrt(smooth max(t, 0) + EPS_CORE^2), t = nu_c^2 - nu^2: the core of :func:`even_barrier`  [-]."""
    return _mod(m).sqrt(smooth_max0(t, W_CORE, m) + EPS_CORE**2)


def even_barrier(nu, parts: GateLaw, m=None):
    """E_m(nu) = (B_down + B_up)/2 in E0 (even in nu)  [-]:

        E_m = C + nu atan(nu/C) + (b0 - nu_c) c^3/(1 - a + a c),  c = C/nu_c,
        C^2 = smooth max(nu_c^2 - nu^2, 0) + EPS_CORE^2.

    For b0 = nu_c = 1 (g = 1) the first two terms are the bulk law sqrt(1-nu^2) + nu arcsin(nu).
    """
    M = _mod(m)
    b0, nuc, a = parts["b0"], parts["nu_c"], parts["a"]
    core = _core(nuc * nuc - nu * nu, m)
    c = core / nuc
    return core + nu * M.atan(nu / core) + (b0 - nuc) * c**3 / (1 - a + a * c)


def lowering_barrier(nu, parts: GateLaw, m=None):
    """B_down/E0 = smooth positive part of E_m - pi nu/2  [-] (the slip that lowers the winding)."""
    M = _mod(m)
    return smooth_max0(even_barrier(nu, parts, m) - M.pi * nu / 2, W_POS, m)


def raising_barrier(nu, parts: GateLaw, m=None):
    """B_up/E0 = B_down + pi nu  [-] (the slip that raises the winding releases -2 pi J)."""
    M = _mod(m)
    return lowering_barrier(nu, parts, m) + M.pi * nu


def even_barrier_slope(nu, parts: GateLaw, m=None):
    """dE_m/dnu of :func:`even_barrier` in closed form (the smoothing's derivative kept: exact)  [-].

    The slip saddle's extra phase is delta = pi - 2 dE_m/dnu (:func:`phase_jump`); it enters the
    finite-ring term (:func:`slip_barriers`). Written with no division by a vanishing quantity.
    """
    M = _mod(m)
    b0, nuc, a = parts["b0"], parts["nu_c"], parts["a"]
    t = nuc * nuc - nu * nu
    core = _core(t, m)
    dcore = -nu * (1 + t / M.sqrt(t * t + W_CORE * W_CORE)) / (2 * core)
    c = core / nuc
    den = 1 - a + a * c
    d_shape = (b0 - nuc) * c * c * (3 * den - a * c) / (den * den) * dcore / nuc
    return dcore + M.atan(nu / core) + nu * (core - nu * dcore) / (core * core + nu * nu) + d_shape


def slip_barriers(nu, e_m, slope, ring_k, lam, kappa, m=None):
    """(B_down, B_up)/E0 of one slip channel in a finite ring  [-].

    B_down = E_m - pi nu/2 + R(delta), B_up = E_m + pi nu/2 + R(2 pi - delta), each smoothly
    floored at 0 (width W_POS): ``e_m`` the even barrier and ``slope`` its derivative at the
    torque ``nu``, delta = pi - 2 slope the phase jump of the lowering saddle (that of the raising
    saddle, at -nu, is 2 pi - delta), R = :func:`ring_term` with the ring's compliance
    L/A + 1/k_g (``ring_k`` = L k_c, ``lam`` = l k_c, ``kappa`` = k_g/(A/l)).
    """
    M = _mod(m)
    half = M.pi * nu / 2
    return (smooth_max0(e_m - half + ring_term(M.pi - 2 * slope, ring_k, lam, kappa), W_POS, m),
            smooth_max0(e_m + half + ring_term(M.pi + 2 * slope, ring_k, lam, kappa), W_POS, m))


def phase_jump(nu, parts: GateLaw, m=None):
    """delta = pi - 2 dE_m/dnu [rad]: the extra phase of the gate's slip saddle (:func:`even_barrier_slope`)."""
    return _mod(m).pi - 2 * even_barrier_slope(nu, parts, m)


#: The gate-link parameters of the bulk wire (b0 = nu_c = 1, a = 1): its even barrier is the bulk law.
BULK = GateLaw(b0=1.0, nu_c=1.0, a=1.0)


def bulk_even_barrier(nu, m=None):
    """E_m of the bulk wire, sqrt(1-nu^2) + nu arcsin(nu) (written with the smooth core)  [-]."""
    return even_barrier(nu, BULK, m)


def bulk_phase_jump(nu, m=None):
    """delta = 2 arccos(nu) = pi - 2 arcsin(nu) of a bulk slip, written as pi - 2 atan(nu/c)  [rad]."""
    M = _mod(m)
    return M.pi - 2 * M.atan(nu / _core(1 - nu * nu, m))


def ring_term(delta, ring_k, lam, kappa):
    """Energy of re-twisting the rest of the ring by delta, in E0  [-]:

    A delta^2 / (2 C_ring) / E0 with C_ring = L/A + 1/k_g, i.e. delta^2/(4 (ring_k + lam/kappa)),
    ``ring_k`` = L k_c (the wire length in healing lengths).
    """
    return delta * delta / (4 * (ring_k + lam / kappa))


# ------------------------------------------------------------------------------------ rate law
def growth_rate(curvature, chi, damp, m=None):
    """Growth rate [1/s] of an unstable mode of curvature ``curvature`` [J/m per rad^2]:
    chi gamma^2 + damp gamma = curvature (chi [J s^2/m], damp [J s/m])."""
    M = _mod(m)
    return 2 * curvature / (damp + M.sqrt(damp * damp + 4 * chi * curvature))


def deterministic_time(kani, chi, damp, x0, overdrive=0.0, m=None):
    """Duration of one barrier-free slip, tau_d = 2 pi/gamma  [s].

    gamma: growth rate of the saddle's unstable mode with curvature kappa_eff = smooth max of
    2 kani overdrive (overdrive = nu^2/nu_c^2 - 1, beyond the critical torque) floored at the
    thermal value 6 kani eps_T, eps_T = (3/x0)^(2/3) (where the Landau-limit saddle's barrier
    equals k_B T; its unstable eigenvalue is -6 kani (1 - nu^2)); x0 = E0/k_B T.
    kani [J/m], chi [J s^2/m], damp [J s/m].
    """
    M = _mod(m)
    k_t = 6 * kani * (3 / x0) ** (2.0 / 3.0)
    k_eff = kani * overdrive + M.sqrt((kani * overdrive) ** 2 + k_t * k_t)
    return 2 * M.pi / growth_rate(k_eff, chi, damp, m)


#: Floor of the barrier in a rate's exponent [k_B T] and the width of its rounding: every channel is
#: saturated (rate 1/tau_d to 1 part in 1e40) far above it, and exp(-b) stays below 1e44 for any
#: Newton iterate of the nodes the barrier is built from.
B_FLOOR = 100.0
B_FLOOR_WIDTH = 0.1


def limited_barrier(b, m=None):
    """b, smoothly floored at -B_FLOOR (change < 3e-5 k_B T for b >= 0)  [k_B T]: a limited exponential."""
    return -B_FLOOR + smooth_max0(b + B_FLOOR, B_FLOOR_WIDTH, m)


def slip_rate(b, f, tau_d, m=None):
    """Slips per second of one channel: f exp(-b) / (1 + f tau_d exp(-b))  [1/s].

    b = B/k_B T >= 0, f the attempt rate [1/s] of the channel, tau_d the barrier-free slip time [s]:
    the Kramers rate for b >> ln(f tau_d), 1/(tau_d + 1/f) at b = 0. Exponent argument <= 0.
    """
    M = _mod(m)
    x = M.exp(-limited_barrier(b, m))
    return f * x / (1 + f * tau_d * x)


def thermal_fraction(b, f, tau_d, m=None):
    """Share of :func:`slip_rate` that is thermally activated, 1/(1 + f tau_d exp(-b))  [-]:
    the fraction of each slip's time spent waiting for activation (1 for high barriers, -> 0 for an
    open gate whose windings pass deterministically)."""
    M = _mod(m)
    return 1 / (1 + f * tau_d * M.exp(-limited_barrier(b, m)))
