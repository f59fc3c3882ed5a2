"""Exact continuum reference for the gate link: quadrature of the stationary states of a
current-biased easy-plane wire with a gated section (independent of :mod:`compactmodel.physics.gate_link`).

Physics (SI, quasi-1D). Energy per length, theta the angle out of the easy plane, p the in-plane angle,
A [J m] the stiffness, kani(x) [J/m] the anisotropy (K in the wire, K_g in the gate |x| < l/2):

    e = (A/2)(theta'^2 + cos^2 theta p'^2) + kani(x) sin^2 theta.

Under a spin-current bias J [J] (the torque carried by the ring), G = int e dx - J (p(+inf) - p(-inf)).
Eliminating p (p' = J/(A cos^2 theta)) leaves, relative to the uniform twist,

    G_rel = int [(A/2) theta'^2 + kani sin^2 theta - (J^2/2A) tan^2 theta] dx,

whose stationary states are orbits of a one-dimensional mechanics problem: outside the gate
(1/2) theta'^2 = W_1(theta) on a decaying tail, inside (1/2) theta'^2 = W_g(theta) + C. Everything
below is quadrature of these first integrals (scipy ``quad`` and ``brentq``), no discretisation.

Units used here: lengths in xi = 1/k_c = sqrt(A/2K), energies in A k_c = E0/2 internally, J in
A k_c (so J = nu), g = K_g/K, lam = l/xi. The public results (:func:`barrier`, :func:`stiffness`,
:func:`zero_current_barrier`) are in E0 = 2 sqrt(2 A K), A/l and radians as documented. Internally the
code writes th = pi/2 - t for the polar angle t (so ``th`` is the angle out of the plane):

    G_rel = int [th'^2/2 + W(th, x)] dx,   W = (g(x) sin^2 th - nu^2 tan^2 th)/2,  g(x) = 1 outside.

What it computes: the buckling threshold (:func:`threshold_g`), the zero-current pole saddle
(:func:`pole_state`) and buckled minimum (:func:`buckled_zero`), the stationary states at a current
(:func:`state_at`), the lowering barrier and the saddle's extra phase (:func:`barrier`), the small-twist
stiffness (:func:`stiffness`) and the bulk law (:func:`bulk_barrier`). The gate sits in an infinite
wire (no finite-ring term; add A delta^2/(2 C_ring) for a ring). Cost: ~0.05-0.5 s per (g, lam, nu).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq

HALF_PI = 0.5 * math.pi
SCAN_N = 160


def W(th: float, g: float, nu: float) -> float:
    """Potential of the reduced mechanics problem, (g sin^2 th - nu^2 tan^2 th)/2  [A k_c / xi]."""
    c = math.cos(th)
    s2 = math.sin(th) ** 2
    return 0.5 * s2 * (g - nu * nu / (c * c))


def dW(th: float, g: float, nu: float) -> float:
    """dW/dth."""
    s, c = math.sin(th), math.cos(th)
    return g * s * c - nu * nu * s / c ** 3


def tail_energy(cb: float, nu: float) -> float:
    """int_0^{th_b} sqrt(2 W_1) dth, cb = cos th_b >= nu  [A k_c]."""
    a = math.sqrt(max(cb * cb - nu * nu, 0.0))
    if nu == 0.0:
        return 1.0 - cb
    return math.sqrt(1 - nu * nu) - nu * math.acos(nu) - a + nu * math.acos(min(nu / cb, 1.0))


def tail_tan2(cb: float, nu: float) -> float:
    """int tan^2 th dx over one tail (excess compliance)  [xi]."""
    if nu == 0.0:
        return 1.0 / cb - 1.0
    return (math.acos(nu) - math.acos(min(nu / cb, 1.0))) / nu


# ------------------------------------------------------------------ even orbits (turning at th0)
def _even_parts(th0, g, nu):
    """For an even orbit with centre th0: (th_b, C). None if not admissible."""
    C = -W(th0, g, nu)
    if C < 0:
        return None
    if g >= 1.0:
        return None
    sb2 = 2 * C / (1 - g)
    if sb2 >= math.sin(th0) ** 2:
        return None
    return math.asin(math.sqrt(sb2)), C


def theta0_of_C(C, g, nu):
    """Centre amplitude of the even orbit with interior constant C: W_g(th0) = -C on the falling branch."""
    lo, hi = even_range(g, nu)
    f = lambda th: W(th, g, nu) + C
    # W_g falls monotonically from >= 0 at lo to -inf at pi/2 (nu>0) or to g/2 (nu=0)
    top = HALF_PI if nu > 0 else HALF_PI
    if nu == 0.0:
        if g >= 0 or C >= -0.5 * g:
            return None
        return math.asin(math.sqrt(2 * C / (-g)))
    a, b = lo, top - 1e-15
    if f(a) < 0:
        return None
    # bracket: f(b) -> -inf
    return brentq(f, a, b, xtol=1e-15, rtol=1e-15)


def _integrate(fun, thb, th0, w0, g, nu):
    """int_{thb}^{th0} fun(th) / sqrt(2 (W(th) - w0)) dth, split for the two end singularities."""
    opts = dict(limit=500, epsabs=1e-14, epsrel=1e-11)
    thm = max(0.5 * th0, thb) if thb < 0.5 * th0 else thb
    total = 0.0
    D = th0 - thm

    def ke(th):
        return W(th, g, nu) - w0

    def f_top(s):  # th = th0 - D s^2
        th = th0 - D * s * s
        k = ke(th)
        if s == 0.0 or k <= 0.0:
            slope = -dW(th0, g, nu)
            return 2 * D / math.sqrt(2 * max(slope, 1e-300) * D) * fun(th0)
        return 2 * D * s / math.sqrt(2 * k) * fun(th)

    total += quad(f_top, 0.0, 1.0, **opts)[0]
    if thm > thb:
        def f_low(t):  # th = exp(t)
            th = math.exp(t)
            return th / math.sqrt(2 * ke(th)) * fun(th)
        total += quad(f_low, math.log(thb), math.log(thm), **opts)[0]
    return total


def even_integrals(th0, g, nu, what=("X",), C=None):
    """Half-length X, interior energy (both halves), interior int tan^2 (both halves).

    If C is given it is used exactly (w0 = -C), th0 being its root (precision for tiny C)."""
    if C is None:
        parts = _even_parts(th0, g, nu)
        if parts is None:
            return None
        thb, C = parts
    else:
        if g >= 1.0:
            return None
        sb2 = 2 * C / (1 - g)
        if sb2 >= math.sin(th0) ** 2:
            return None
        thb = math.asin(math.sqrt(sb2))
    w0 = -C
    out = {"thb": thb, "C": C}
    if "X" in what:
        out["X"] = _integrate(lambda th: 1.0, thb, th0, w0, g, nu)
    if "E" in what:
        out["Ein"] = 2 * _integrate(lambda th: 2 * W(th, g, nu) - w0, thb, th0, w0, g, nu)
    if "T" in what:
        out["Tin"] = 2 * _integrate(lambda th: math.tan(th) ** 2, thb, th0, w0, g, nu)
    return out


def even_energy(th0, g, nu, C=None):
    r = even_integrals(th0, g, nu, ("X", "E", "T"), C=C)
    cb = math.cos(r["thb"])
    E = r["Ein"] + 2 * tail_energy(cb, nu)
    T = r["Tin"] + 2 * tail_tan2(cb, nu)
    return dict(E=E, Tan2=T, X=r["X"], th0=th0, thb=r["thb"], C=r["C"])


def even_range(g, nu):
    th_t = math.acos(nu)
    if g > 0:
        th_lo = math.acos(min(1.0, nu / math.sqrt(g)))
    else:
        th_lo = 0.0
    return th_lo, th_t


def C_max(g, nu):
    return -W(math.acos(nu), g, nu)


def X_of_logC(z, g, nu):
    C = math.exp(z)
    th0 = theta0_of_C(C, g, nu)
    if th0 is None:
        return None, None
    r = even_integrals(th0, g, nu, C=C)
    if r is None or th0 - r["thb"] < 1e-9:
        return 0.0, th0  # at the top end the orbit shrinks to the bulk turning point
    return r["X"], th0


def _X_of_C(C, g, nu):
    th0 = theta0_of_C(C, g, nu)
    if th0 is None:
        return None, None
    r = even_integrals(th0, g, nu, C=C)
    if r is None or th0 - r["thb"] < 1e-9:
        return 0.0, th0
    return r["X"], th0


def even_roots(g: float, nu: float, lam: float, n: int | None = None) -> tuple[list, tuple | None]:
    """All (th0, C) of even stationary orbits with half-length lam/2.

    Scan in C over (C_max e^zmin, C_max): log-spaced towards both ends. Small-amplitude orbits
    (g <= 0, C -> 0) are cut at C ~ 1e-10 C_max, where X has reached its linear limit."""
    if n is None:
        n = SCAN_N
    cm = C_max(g, nu)
    if cm <= 0:
        return [], None
    zmin = -40.0 if g > 0 else -23.0
    zl = np.linspace(zmin, math.log(0.5), n)
    zh = np.linspace(math.log(0.5), -34.0 if nu == 0 else -20.0, n)
    # one continuous parameter t in [0, 2n-2]: t <= n-1 -> C = cm e^{z_l(t)};
    # t >= n-1 -> C = cm (1 - e^{z_h(t-n+1)}); both give cm/2 at t = n-1
    def C_of(t):
        if t <= n - 1:
            return cm * math.exp(np.interp(t, np.arange(n), zl))
        return cm * (1.0 - math.exp(np.interp(t - (n - 1), np.arange(n), zh)))
    ts = np.arange(2 * n - 1, dtype=float)
    xs = []
    for t in ts:
        X, _ = _X_of_C(C_of(t), g, nu)
        xs.append(np.nan if X is None else X - 0.5 * lam)
    xs = np.array(xs)
    Cs = np.array([C_of(t) for t in ts])
    roots = []
    # refine local maxima of X(C) (folds): two close roots can hide inside one scan interval
    from scipy.optimize import minimize_scalar
    ts_l, xs_l = list(ts), list(xs)
    for i in range(1, len(ts) - 1):
        if np.isfinite(xs[i - 1]) and np.isfinite(xs[i]) and np.isfinite(xs[i + 1]) and xs[i] >= xs[i - 1] and xs[i] >= xs[i + 1] and xs[i] < 0:
            fneg = lambda t: -(_X_of_C(C_of(t), g, nu)[0] or 0.0)
            rr = minimize_scalar(fneg, bounds=(ts[i - 1], ts[i + 1]), method="bounded", options=dict(xatol=1e-10))
            if -rr.fun - 0.5 * lam > 0:
                ts_l.append(rr.x)
                xs_l.append(-rr.fun - 0.5 * lam)
    order = np.argsort(ts_l)
    ts = np.array(ts_l)[order]
    xs = np.array(xs_l)[order]
    for i in range(len(ts) - 1):
        a, b = xs[i], xs[i + 1]
        if np.isfinite(a) and np.isfinite(b) and a * b < 0:
            f = lambda t: _X_of_C(C_of(t), g, nu)[0] - 0.5 * lam
            t = brentq(f, ts[i], ts[i + 1], xtol=1e-13, rtol=1e-15)
            C = C_of(t)
            roots.append((theta0_of_C(C, g, nu), C))
    return roots, (Cs, xs)


# ------------------------------------------------------------------ nu = 0 states
def pole_state(g: float, lam: float) -> dict:
    """nu = 0 saddle: odd orbit through the pole (th = pi/2 at the centre). Energy [A k_c]."""
    Cmin = max(0.0, -0.5 * g)
    Cmax = 0.5 * (1 - g)

    def parts(C):
        thb = math.asin(math.sqrt(min(2 * C / (1 - g), 1.0)))
        f = lambda th: 1.0 / math.sqrt(g * math.sin(th) ** 2 + 2 * C)
        X = quad(f, thb, HALF_PI, limit=400, epsabs=1e-13, epsrel=1e-12)[0]
        return thb, X

    def h(z):  # C = Cmin + (Cmax - Cmin) z
        return parts(Cmin + (Cmax - Cmin) * z)[1] - 0.5 * lam

    z = brentq(h, 1e-15, 1 - 1e-15, xtol=1e-15, rtol=1e-14)
    C = Cmin + (Cmax - Cmin) * z
    thb, X = parts(C)
    fE = lambda th: (g * math.sin(th) ** 2 + C) / math.sqrt(g * math.sin(th) ** 2 + 2 * C)
    Ein = 2 * quad(fE, thb, HALF_PI, limit=400, epsabs=1e-13, epsrel=1e-12)[0]
    return dict(E=Ein + 2 * tail_energy(math.cos(thb), 0.0), thb=thb, C=C)


def buckled_zero(g: float, lam: float) -> dict | None:
    """nu = 0 tilted minimum (g < threshold). Returns dict or None if in-plane is stable."""
    if g >= 0:
        return None
    roots, _ = even_roots(g, 0.0, lam, n=200)
    if not roots:
        return None
    th0, C = min(roots)
    return even_energy(th0, g, 0.0, C=C)


def threshold_g(lam: float, nu: float = 0.0) -> float:
    """Buckling threshold g_th(lam, nu): Q tan(Q lam/2) = sqrt(1-nu^2), Q^2 = nu^2 - g."""
    r = math.sqrt(1 - nu * nu)
    # Q in (0, pi/lam)
    Q = brentq(lambda Q: Q * math.tan(0.5 * Q * lam) - r, 1e-12, math.pi / lam * (1 - 1e-12))
    return nu * nu - Q * Q


# ------------------------------------------------------------------ barrier and stiffness
def state_at(g: float, lam: float, nu: float) -> tuple[dict | None, dict | None]:
    """Stationary states at current nu: returns (minimum dict, saddle dict) in A k_c units.

    The minimum is the uniform state (E = 0, Tan2 = 0) unless a tilted even orbit exists on the
    rising branch. The saddle is the even orbit of largest th0 (closest to the pole)."""
    if nu == 0.0:
        sad = pole_state(g, lam)
        mn = buckled_zero(g, lam)
        if mn is None:
            mn = dict(E=0.0, Tan2=0.0, th0=0.0)
        return mn, sad
    roots, _ = even_roots(g, nu, lam)
    if not roots:
        return None, None
    roots = sorted(roots)
    sad = even_energy(roots[-1][0], g, nu, C=roots[-1][1])
    if len(roots) >= 2:
        mn = even_energy(roots[0][0], g, nu, C=roots[0][1])
    else:
        mn = dict(E=0.0, Tan2=0.0, th0=0.0)
    return mn, sad


def barrier(g: float, lam: float, nu: float) -> tuple[float, float, tuple | None]:
    """Lowering barrier B/E0 and the saddle's extra phase delta (rel. to the minimum) at current nu."""
    mn, sad = state_at(g, lam, nu)
    if sad is None:
        return 0.0, 0.0, None
    B = 0.5 * (sad["E"] - mn["E"])
    delta = nu * (sad["Tan2"] - mn["Tan2"]) if nu > 0 else math.pi
    return B, delta, (mn, sad)


def stiffness(g: float, lam: float) -> tuple[float, dict | None]:
    """Small-twist stiffness k_g in units of A/l (= lam / (lam + int tan^2))."""
    mn = buckled_zero(g, lam)
    if mn is None:
        return 1.0, None
    return lam / (lam + mn["Tan2"]), mn


def bulk_barrier(nu: float) -> float:
    """Bulk wire law sqrt(1 - nu^2) - nu arccos(nu)  [E0]."""
    return math.sqrt(1 - nu * nu) - nu * math.acos(nu)


def zero_current_barrier(g: float, lam: float) -> float:
    """B(J = 0)/E0 of the gate link: the pole saddle relative to the (possibly buckled) minimum  [-]."""
    return barrier(g, lam, 0.0)[0]


def critical_torque(g: float, lam: float, lo: float = 1e-4, hi: float = 0.9999, tol: float = 2e-3) -> float:
    """nu_c: the smallest torque at which no lowering barrier is left (bisection on existence, ~10 s)  [-]."""
    def has_barrier(nu: float) -> bool:
        B, _, _ = barrier(g, lam, nu)
        return B > 1e-9
    if not has_barrier(lo):
        return 0.0
    if has_barrier(hi):
        return 1.0
    a, b = lo, hi
    while b - a > tol:
        m = 0.5 * (a + b)
        a, b = (m, b) if has_barrier(m) else (a, m)
    return 0.5 * (a + b)
