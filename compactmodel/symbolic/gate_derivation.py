"""The gated section as a link of the ring, derived in SymPy (issue 12, items 1, 2 and 4).

Continuum energy per length (A [J m] stiffness, kani(x) [J/m] anisotropy: K in the wire, K_g in the
gate |x| < l/2), with n = (cos th cos p, cos th sin p, sin th), th the angle out of the easy plane:

    e = (A/2)(th'^2 + cos^2 th p'^2) + kani(x) sin^2 th,

and the current-biased functional G = int e dx - J [p] (J [J]: the spin current, a torque, carried by
the ring). Dimensionless units where stated: x in xi = 1/k_c = sqrt(A/2K), energies in E0 = 2 sqrt(2AK)
(= 2 A k_c), J in A k_c (J = nu), g = K_g/K, lam = l k_c, Lam = L k_c (the wire's length).

Each function derives one step and checks it (``assert``) as it goes; each returns SymPy expressions:

* :func:`reduce_phase` - p eliminated: G_rel density (A/2) th'^2 + kani sin^2 th - (J^2/2A) tan^2 th, and
  dG_rel/dJ = -delta (the state's extra phase, Hellmann-Feynman).
* :func:`square_well_threshold` - in-plane stability of the gate: Q tan(Q l/2) = kappa (dimensionless
  Q tan(Q lam/2) = sqrt(1 - nu^2), Q^2 = nu^2 - g, so g_th = nu^2 - Q^2; at nu = 0, Q tan(Q lam/2) = 1),
  with the series of y tan y = a for small and large a.
* :func:`zero_current_barrier_short_gate` - b0 = 1 - (1-g) lam/4 + ... of a short gate (pole state).
* :func:`zero_current_barrier_long_gate` - b0 = pi^2/(4 (lam + 2)) of a long isotropic gate.
* :func:`deep_buckled_gate` - the weak link beyond the threshold: k_g/(A k_c) = 8 q e^{-q lam}/(q + sqrt(1+q^2))^2,
  Josephson barrier 2 k_g [sqrt(1-i^2) - i arccos(i)].
* :func:`landau_expansion_at_threshold` - the buckling is supercritical (numerically, one lam).
* :func:`finite_ring` - a slip in a ring of compliance C = L/A + 1/k_g costs A delta^2/(2C) more than in a
  reservoir; in E0: delta^2/(4 (Lam + lam/kappa)); bulk delta = 2 arccos(nu).
* :func:`growth_rates` - growth rate of the unstable mode, gamma = 2 kappa/(as + sqrt(as^2 + 4 chi kappa)),
  and the Poeschl-Teller eigenvalue -3 m^2 of the near-Landau-limit saddle.

The closed forms built on these (with fitted bridges where no closed form exists) are
:mod:`compactmodel.physics.gate_link`; ``tests/symbolic/test_gate_derivation.py`` holds the two against
each other. The exact continuum numbers are :mod:`compactmodel.verify.gate_continuum`.
"""

from __future__ import annotations

import math

import sympy as sp

__all__ = ["A", "K", "Kg", "J", "l", "L", "x", "g", "lam", "nu", "Lam", "reduce_phase", "square_well_threshold",
           "threshold_equation", "zero_current_barrier_short_gate", "zero_current_barrier_long_gate", "deep_buckled_gate",
           "landau_expansion_at_threshold", "finite_ring", "growth_rates", "bulk_barrier", "bulk_phase_jump"]

A, K, Kg, J, l, L = sp.symbols("A K K_g J l L", positive=True)
x = sp.Symbol("x", real=True)
#: Dimensionless symbols: g = K_g/K, lam = l k_c, nu = J/(A k_c), Lam = L k_c.
g = sp.Symbol("g", real=True)
lam, Lam = sp.symbols("lam Lam", positive=True)
nu = sp.Symbol("nu", nonnegative=True)


# --------------------------------------------------------------------------------- reduced phase
def reduce_phase() -> sp.Expr:
    """G_rel density [J/m] after eliminating p' = J/(A cos^2 th), relative to the uniform twist J/A:

        (A/2) th'^2 + kani sin^2 th - (J^2/2A) tan^2 th,

    checked with d/dJ of it = -(p' - J/A) (so dG_rel/dJ = -delta, the state's extra phase)."""
    th, dth, dp, kani = sp.symbols("theta dtheta dp kani", real=True)
    e = A / 2 * (dth**2 + sp.cos(th) ** 2 * dp**2) + kani * sp.sin(th) ** 2 - J * dp
    pp = sp.solve(sp.diff(e, dp), dp)[0]
    assert sp.simplify(pp - J / (A * sp.cos(th) ** 2)) == 0
    rel = sp.simplify(e.subs(dp, pp) - e.subs({th: 0, dth: 0, dp: J / A}))
    target = A / 2 * dth**2 + kani * sp.sin(th) ** 2 - J**2 / (2 * A) * sp.tan(th) ** 2
    assert sp.simplify(sp.expand_trig(rel - target)) == 0
    assert sp.simplify(sp.diff(target, J) + (pp - J / A)) == 0
    return target


# ------------------------------------------------------------------------------ buckling threshold
def square_well_threshold() -> dict:
    """Zero mode of the second variation about the in-plane state with twist k = J/A:

        -A u'' + (2 kani - A k^2) u = 0,

    inside u = cos(Q x), Q^2 = k^2 - 2K_g/A; outside u ~ exp(-kappa |x|), kappa^2 = 2K/A - k^2; matching
    u'/u at x = l/2: Q tan(Q l/2) = kappa (the in-plane state is stable while Q tan(Q l/2) < kappa).

    Returns dict(condition = kappa - Q tan(Q l/2) (dimensional), dimensionless = :func:`threshold_equation`,
    small_a = y^2(a) to O(a^4), large_a = y(a) to O(1/a^3) for y tan y = a)."""
    k, Q, kap = sp.symbols("k Q kappa", positive=True)
    kani = sp.Symbol("kani")
    lin = sp.series(kani * sp.sin(x) ** 2 - A * k**2 / 2 * sp.tan(x) ** 2, x, 0, 3).removeO()
    assert sp.simplify(lin - (kani - A * k**2 / 2) * x**2) == 0
    u_in, u_out = sp.cos(Q * x), sp.exp(-kap * x)
    ode = lambda u, kn: -A * sp.diff(u, x, 2) + (2 * kn - A * k**2) * u  # noqa: E731
    assert sp.simplify(ode(u_in, Kg).subs(Q, sp.sqrt(k**2 - 2 * Kg / A))) == 0
    assert sp.simplify(ode(u_out, K).subs(kap, sp.sqrt(2 * K / A - k**2))) == 0
    cond = sp.simplify((sp.diff(u_in, x) / u_in - sp.diff(u_out, x) / u_out).subs(x, l / 2))
    assert sp.simplify(cond - (kap - Q * sp.tan(Q * l / 2))) == 0
    # y tan y = a: small a, y^2 = a - a^2/3 + ...; large a, y = pi/2 (1 - 1/a + ...)
    y, a = sp.symbols("y a", positive=True)
    ser = sp.series(y * sp.tan(y), y, 0, 8).removeO()
    c1, c2, c3 = sp.symbols("c1 c2 c3")
    Y2 = a + c1 * a**2 + c2 * a**3 + c3 * a**4
    eq = sp.expand(sp.series(ser.subs(y, sp.sqrt(Y2)), a, 0, 5).removeO() - a)
    sol = sp.solve([eq.coeff(a, 2), eq.coeff(a, 3), eq.coeff(a, 4)], [c1, c2, c3], dict=True)[0]
    small = sp.expand(Y2.subs(sol))
    assert small.coeff(a, 1) == 1 and small.coeff(a, 2) == sp.Rational(-1, 3)
    inv = sp.Symbol("inv", positive=True)  # 1/a
    d1, d2, d3 = sp.symbols("d1 d2 d3")
    E_ = d1 * inv + d2 * inv**2 + d3 * inv**3
    ex = sp.expand(sp.series(((sp.pi / 2 - E_) * (1 / E_ - E_ / 3 - E_**3 / 45)) * inv - 1, inv, 0, 3).removeO())
    sol2: dict = {}
    for i, d in zip((0, 1, 2), (d1, d2, d3)):
        sol2[d] = sp.solve(ex.coeff(inv, i).subs(sol2), d)[0]
    assert sp.simplify(sol2[d1] - sp.pi / 2) == 0 and sp.simplify(sol2[d2] + sp.pi / 2) == 0
    large = sp.simplify(sp.pi / 2 - E_.subs(sol2)).subs(inv, 1 / a)
    return dict(condition=kap - Q * sp.tan(Q * l / 2), dimensionless=threshold_equation(), small_a=small, large_a=large)


def threshold_equation() -> dict:
    """The threshold in dimensionless form (x in xi, k = nu k_c): Q tan(Q lam/2) - sqrt(1 - nu^2) = 0,
    g_th = nu^2 - Q^2. Returns dict(Q = the symbol, equation, g_th) (the equation is checked to be the
    dimensional condition with Q -> Q k_c, l -> lam/k_c, k -> nu k_c, K_g -> g K)."""
    Q = sp.Symbol("Q", positive=True)
    eq = Q * sp.tan(Q * lam / 2) - sp.sqrt(1 - nu**2)
    kc = sp.sqrt(2 * K / A)
    Qd, kap, k = sp.symbols("Q_d kappa k", positive=True)
    dim = (Qd * sp.tan(Qd * l / 2) - kap).subs(kap, sp.sqrt(2 * K / A - k**2))
    dim = dim.subs({Qd: Q * kc, l: lam / kc, k: nu * kc})
    assert sp.simplify(dim / kc - eq) == 0
    # Q^2 = k^2 - 2K_g/A in units of k_c^2
    assert sp.simplify(((nu * kc) ** 2 - 2 * g * K / A) / kc**2 - (nu**2 - g)) == 0
    return dict(Q=Q, equation=eq, g_th=nu**2 - Q**2)


# ----------------------------------------------------------------------------- zero-current barrier
def zero_current_barrier_short_gate(order: int = 3) -> sp.Expr:
    """b0 = B(J=0)/E0 of a short gate as a series in lam (to lam^order), from the exact pole state
    (the odd orbit through the pole): tails 2 (1 - cos th_b), interior (1/2) th'^2 = (g/2) sin^2 th + C,
    C = (1-g) sin^2 th_b/2; with psi = pi/2 - th the half length is
    int_0^psi_b dpsi/sqrt(g cos^2 psi + (1-g) cos^2 psi_b) = lam/2. Leading terms 1 - (1-g) lam/4."""
    pb, psi = sp.symbols("psi_b psi", real=True)
    C = (1 - g) * sp.cos(pb) ** 2 / 2
    ke2 = g * sp.cos(psi) ** 2 + 2 * C  # th'^2
    n = 2 * order + 2
    t = sp.Symbol("t", positive=True)
    eps = sp.Symbol("epsilon", positive=True)
    sub = {psi: eps * t, pb: eps}
    fX = sp.series((1 / sp.sqrt(ke2)).subs(sub), eps, 0, n).removeO()
    X = sp.expand(sp.integrate(sp.expand(fX) * eps, (t, 0, 1)))
    fE = sp.series(((g * sp.cos(psi) ** 2 + C) / sp.sqrt(ke2)).subs(sub), eps, 0, n).removeO()
    Ein = 2 * sp.expand(sp.integrate(sp.expand(fE) * eps, (t, 0, 1)))
    Etail = 2 * sp.series(1 - sp.sin(eps), eps, 0, n + 1).removeO()
    Etot = sp.expand(Ein + Etail)
    cs = sp.symbols(f"a1:{n}")
    eps_l = sum(cs[i] * lam ** (i + 1) for i in range(n - 1))
    eqs = sp.expand(sp.series(X.subs(eps, eps_l) - lam / 2, lam, 0, n).removeO())
    sol: dict = {}
    for i in range(n - 1):
        sol[cs[i]] = sp.simplify(sp.solve(eqs.coeff(lam, i + 1).subs(sol), cs[i])[0])
    b0 = sp.expand(sp.simplify(sp.series(Etot.subs(eps, eps_l.subs(sol)) / 2, lam, 0, order + 1).removeO()))
    assert sp.simplify(b0.coeff(lam, 0) - 1) == 0
    assert sp.simplify(b0.coeff(lam, 1) + (1 - g) / 4) == 0
    return b0


def zero_current_barrier_long_gate() -> sp.Expr:
    """b0 of a long isotropic gate (g = 0, lam >> 1): the interior turns by pi/2 - th_b on each side
    through the pole (exchange 2 (pi/2 - th_b)^2/lam in A k_c), each wire tail costs th_b^2/2 (quadratic
    tails); minimised over th_b: b0 = pi^2/(4 (lam + 2)) in E0, th_b = pi/(lam + 2)."""
    tb = sp.Symbol("theta_b", positive=True)
    E = 2 * (sp.pi / 2 - tb) ** 2 / lam + tb**2
    tbs = sp.solve(sp.diff(E, tb), tb)[0]
    b0 = sp.simplify(E.subs(tb, tbs) / 2)
    assert sp.simplify(b0 - sp.pi**2 / (4 * (lam + 2))) == 0
    assert sp.simplify(tbs - sp.pi / (lam + 2)) == 0
    return b0


# ------------------------------------------------------------------------------------ weak link
def deep_buckled_gate() -> dict:
    """Easy-axis gate far beyond the threshold (q = sqrt(-g), q lam >> 1): two walls at the gate edges
    (psi = pi/2 - th small inside), tan(psi/2) = exp(q(x - x0)) + exp(-q(x + x0)); at the edge the
    matching gives tan psi_b = 1/q, tan(psi_b/2) = 1/(q + sqrt(1 + q^2)), the centre amplitude
    psi0 = 4 tan(psi_b/2) exp(-q lam/2), the excess compliance 2/(q psi0^2), hence

        k_g/(A k_c) = 8 q exp(-q lam)/(q + sqrt(1 + q^2))^2,

    and a sinusoidal current-phase relation (Josephson weak link E_J = k_g): B0 = 2 k_g,
    B_down = 2 k_g [sqrt(1 - i^2) - i arccos(i)], i = J/k_g. Returns dict(kg_over_Akc, josephson_barrier,
    q, i, E_J)."""
    q = sp.Symbol("q", positive=True)
    pb = sp.atan(1 / q)
    for qv in (0.3, 1.0, 2.7):
        assert abs(float((sp.tan(pb / 2) - 1 / (q + sp.sqrt(1 + q**2))).subs(q, qv))) < 1e-14
        assert abs(float((sp.cos(pb) ** 2 - q**2 * sp.sin(pb) ** 2).subs(q, qv))) < 1e-14
    X = sp.Symbol("X", real=True)
    wall = 2 * sp.atan(sp.exp(q * X))
    assert sp.simplify(sp.diff(wall, X) - q * sp.sin(wall)) == 0
    kg = 8 * q * sp.exp(-q * lam) / (q + sp.sqrt(1 + q**2)) ** 2
    phi, EJ, i = sp.symbols("phi E_J i", positive=True)
    U = -EJ * sp.cos(phi) - i * EJ * phi
    B = sp.simplify(U.subs(phi, sp.pi - sp.asin(i)) - U.subs(phi, sp.asin(i)))
    closed = 2 * EJ * (sp.sqrt(1 - i**2) - i * sp.acos(i))
    for iv in (0.1, 0.5, 0.9):
        assert abs(float((B - closed).subs({EJ: 1.3, i: iv}))) < 1e-12
    assert sp.simplify(sp.diff(U, phi, 2).subs({phi: 0, i: 0}) - EJ) == 0
    return dict(kg_over_Akc=kg, josephson_barrier=closed, q=q, i=i, E_J=EJ)


def landau_expansion_at_threshold(lam_value: float) -> dict:
    """Amplitude (Landau) expansion of the zero-current buckling at one lam (numerical quadrature):
    G(a) = (a^2/2)(g - g_th) I2 + beta a^4, beta = (|g_th| I4_gate - I4_wire)/6 (units A k_c, xi) with the
    threshold mode u = cos(Q x) inside, cos(Q lam/2) exp(-(|x| - lam/2)) outside; beta > 0: supercritical
    (continuous) buckling; slope S of k_g/(A/l) = 1 - S (g_th - g). Returns floats."""
    lamv = sp.nsimplify(lam_value)
    Qs = sp.Symbol("Q", positive=True)
    Qv = sp.nsolve(Qs * sp.tan(Qs * lamv / 2) - 1, Qs, (1e-9, math.pi / lam_value * (1 - 1e-12)), solver="bisect")
    gth = -(Qv**2)
    c = sp.cos(Qv * lamv / 2)
    I2 = 2 * sp.Integral(sp.cos(Qv * x) ** 2, (x, 0, lamv / 2)).evalf(30)
    I4g = 2 * sp.Integral(sp.cos(Qv * x) ** 4, (x, 0, lamv / 2)).evalf(30)
    I2w, I4w = c**2, c**4 / 2
    beta = (-gth * I4g - I4w) / 6
    S = I2 * (I2 + I2w) / (4 * beta * lamv)
    return dict(g_th=float(gth), beta=float(beta), slope=float(S), supercritical=bool(beta > 0))


# ----------------------------------------------------------------------------------- finite ring
def bulk_barrier() -> sp.Expr:
    """Bulk wire barrier sqrt(1 - nu^2) - nu arccos(nu) in E0 (:mod:`compactmodel.symbolic.barrier`)."""
    return sp.sqrt(1 - nu**2) - nu * sp.acos(nu)


def bulk_phase_jump() -> sp.Expr:
    """delta = -dB/dJ of the bulk saddle = 2 arccos(nu)  [rad] (J = nu A k_c, B in E0 = 2 A k_c)."""
    delta = sp.simplify(-sp.diff(2 * bulk_barrier(), nu))  # dB[J]/dJ = (E0/(A k_c)) dB[E0]/dnu = 2 dB/dnu
    assert sp.simplify(delta - 2 * sp.acos(nu)) == 0
    return delta


def finite_ring() -> dict:
    """A slip in a ring rather than a current reservoir. The core of a stationary state with extra phase
    delta has energy F(delta) (current-biased: G(J) = F(delta_J) - J delta_J, F'(delta_J) = J). In a ring
    of compliance c (twist per torque) holding the total phase Phi = J c the rest of the ring carries
    Phi - delta, so E(delta) = F(delta) + (Phi - delta)^2/(2c) - Phi^2/(2c), stationary in delta:

        E_saddle = G(J) + delta_J^2/(2c) + O(1/c^2),   c = L/A + 1/k_g = (L + l/kappa)/A.

    In E0 = 2 A k_c: delta^2/(4 (Lam + lam/kappa)) (``ring_E0``). A bulk wire slip has delta = 2 arccos(nu).
    Returns dict(correction = delta^2 eps/2 with eps = 1/c, ring_E0, delta, kappa, delta_bulk)."""
    F0, F2, F3, d0, c_ = sp.symbols("F0 F2 F3 delta0 c", positive=True)
    Jv, hh = sp.symbols("J_v h", real=True)
    F = F0 + Jv * hh + F2 * hh**2 / 2 + F3 * hh**3 / 6  # F(delta0 + h), F'(delta0) = J
    Phi = Jv * c_
    eps = sp.Symbol("epsilon", positive=True)  # 1/c
    E = sp.expand((F + (Phi - d0 - hh) ** 2 / (2 * c_) - Phi**2 / (2 * c_)).subs(c_, 1 / eps))
    h1, h2 = sp.symbols("h1 h2")
    hs = h1 * eps + h2 * eps**2
    dE = sp.expand(sp.series(sp.diff(E, hh).subs(hh, hs), eps, 0, 3).removeO())
    sol = sp.solve([dE.coeff(eps, 1), dE.coeff(eps, 2)], [h1, h2], dict=True)[0]
    Es = sp.series(E.subs(hh, hs.subs(sol)), eps, 0, 2).removeO()
    corr = sp.simplify(sp.expand(Es - (F0 - Jv * d0)))
    assert sp.simplify(corr - d0**2 * eps / 2) == 0, corr
    # in E0 units with the ring's compliance c = L/A + l/(kappa A)
    delta, kappa = sp.symbols("delta kappa", positive=True)
    kc = sp.sqrt(2 * K / A)
    E0 = 2 * sp.sqrt(2 * A * K)
    c_ring = L / A + l / (kappa * A)
    ring = sp.simplify((delta**2 / (2 * c_ring) / E0).subs({L: Lam / kc, l: lam / kc}))
    ring_E0 = delta**2 / (4 * (Lam + lam / kappa))
    assert sp.simplify(ring - ring_E0) == 0
    # the raising slip: E_m = B + pi nu/2 (E0 units) is even in nu for the bulk wire
    Em = bulk_barrier() + sp.pi * nu / 2
    nu_r = sp.Symbol("nu_r", real=True)
    assert sp.simplify((Em.subs(nu, nu_r) - Em.subs(nu, -nu_r)).rewrite(sp.asin)) == 0
    return dict(correction=corr, ring_E0=ring_E0, delta=delta, kappa=kappa, delta_bulk=bulk_phase_jump())


# ---------------------------------------------------------------------------------- growth rates
def growth_rates() -> dict:
    """Growth of the out-of-plane mode beyond the Landau limit: chi th_tt + as th_t = A th'' - (2K - A k^2) th;
    the q = 0 mode grows at gamma with chi gamma^2 + as gamma = kappa_c, kappa_c = 2K (nu^2 - 1):

        gamma = 2 kappa_c / (as + sqrt(as^2 + 4 chi kappa_c))   (rationalised root),

    inertial limit sqrt(kappa_c/chi), damped limit kappa_c/as. Below the limit the near-Landau saddle
    th ~ sech(m x) (Poeschl-Teller, m^2 = k_c^2 (1 - nu^2)) has the unstable eigenvalue -3 m^2.
    Returns dict(gamma, curvature = kappa_c symbol, chi, alpha_s, pt_eigenvalue = -3 m^2, m)."""
    chi, as_, kap = sp.symbols("chi alpha_s kappa_c", positive=True)
    root = 2 * kap / (as_ + sp.sqrt(as_**2 + 4 * chi * kap))
    assert sp.simplify(chi * root**2 + as_ * root - kap) == 0
    assert sp.simplify(sp.limit(root, as_, 0) - sp.sqrt(kap / chi)) == 0
    assert sp.simplify(sp.limit(root, chi, 0) - kap / as_) == 0
    m = sp.Symbol("m", positive=True)
    f = sp.sech(m * x) ** 2
    op = -sp.diff(f, x, 2) + m**2 * (1 - 6 * sp.sech(m * x) ** 2) * f
    assert sp.simplify((op + 3 * m**2 * f).rewrite(sp.exp)) == 0
    cq = sp.Symbol("c", positive=True)
    thb = m / sp.sqrt(2 * cq) * sp.sech(m * x)  # bounce of W = m^2 th^2/2 - c th^4
    assert sp.simplify((sp.diff(thb, x, 2) - m**2 * thb + 4 * cq * thb**3).rewrite(sp.exp)) == 0
    assert sp.simplify(12 * cq * thb**2 - 6 * m**2 * sp.sech(m * x) ** 2) == 0
    return dict(gamma=root, curvature=kap, chi=chi, alpha_s=as_, pt_eigenvalue=-3 * m**2, m=m)
