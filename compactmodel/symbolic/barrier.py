"""The phase-slip barrier of a current-biased easy-plane wire, derived in SymPy.

Free energy (eq. 3 of the paper for the in-plane part, plus the easy-plane anisotropy K with
energy K n_z^2; n = (sin t cos p, sin t sin p, cos t), u = cos t, cross-section S):

    E = S int dx [ (A_ex/2) (u'^2/(1-u^2) + (1-u^2) p'^2) + K u^2 ].

A long wire carrying the winding density k is a reservoir of spin current A_ex S k, so the
slip's saddle point is that of G = E - A_ex S k (phase difference). :func:`derive_barrier`
does the derivation:

1. minimising G over p' gives p' = k/(1-u^2) (spin-current conservation);
2. G relative to the uniform twist is S int [ (A_ex/2) u'^2/(1-u^2) + V(u) ] with
   V(u) = K u^2 - (A_ex k^2/2) u^2/(1-u^2);
3. the saddle is the 'bounce' u: 0 -> u_t -> 0 with (A_ex/2) u'^2/(1-u^2) = V(u), so the
   barrier is 2 S int_0^u_t sqrt(2 A_ex V/(1-u^2)) du, V(u_t) = 0;
4. u_t^2 = 1 - nu^2, nu = k/k_c, k_c = sqrt(2K/A_ex): the **Landau limit**, where the
   barrier vanishes;
5. the integral (substitution 1 - u^2 = kappa + w^2, kappa = nu^2) gives

       B(k) = E0 [ sqrt(1 - nu^2) - nu arccos(nu) ],   E0 = 2 S sqrt(2 A_ex K) = 2 sqrt(2 A kani),

   with A = A_ex S (``stiff``) and kani = K S (``kani``). B(0) = E0; B ~ E0 (1-nu^2)^(3/2)/(3 nu)
   at the Landau limit.

Each slip releases the energy 2 pi A k; the barriers of a slip that lowers and one that raises
the winding are E_m -/+ pi A k with the even E_m(k) = E0 [sqrt(1-nu^2) + nu arcsin(nu)]
(checked below). The rate law built on it is :mod:`compactmodel.physics.phase_slips`
(numerical) and :mod:`compactmodel.symbolic.laws` (circuit form).
"""

from __future__ import annotations

import math
from functools import lru_cache

import sympy as sp
from scipy.integrate import quad

__all__ = ["derive_barrier"]


@lru_cache(maxsize=None)
def derive_barrier() -> dict[str, sp.Expr]:
    """SymPy derivation of the phase-slip barrier (steps 1-5 of the module docstring).

    Returns a dict with the symbols and results: ``p_prime`` (step 1), ``potential`` V(u)
    (step 2), ``turning_point`` u_t^2, ``landau_limit`` k_c, ``barrier`` B(k) in terms of
    A_ex, K, S, k, ``barrier_nu`` B/E0 as a function of nu, ``e0``, ``even_barrier_nu``
    E_m/E0 and ``released`` (the energy 2 pi A_ex S k released by one slip).
    Every step is checked (``assert``) as it is done.
    """
    A, K, S, k = sp.symbols("A_ex K S k", positive=True)
    u = sp.Symbol("u", positive=True)
    du, dp = sp.symbols("du dp", real=True)
    density = A / 2 * (du**2 / (1 - u**2) + (1 - u**2) * dp**2) + K * u**2
    legendre = density - A * k * dp  # current-biased: the rest of the wire is a reservoir
    p_prime = sp.solve(sp.diff(legendre, dp), dp)[0]
    assert sp.simplify(p_prime - k / (1 - u**2)) == 0
    g = legendre.subs(dp, p_prime)
    g_rel = sp.simplify(g - g.subs({u: 0, du: 0}))
    potential = K * u**2 - A * k**2 / 2 * u**2 / (1 - u**2)
    assert sp.simplify(g_rel - (A / 2 * du**2 / (1 - u**2) + potential)) == 0
    # turning point V(u_t) = 0, u_t != 0
    ut2 = sp.Symbol("u_t2", positive=True)
    sol = sp.solve(sp.Eq(sp.cancel(potential / u**2).subs(u**2, ut2), 0), ut2)
    assert len(sol) == 1
    turning = sp.simplify(sol[0])
    k_c = sp.sqrt(2 * K / A)
    assert sp.simplify(turning - (1 - k**2 / k_c**2)) == 0  # vanishes at the Landau limit
    # barrier = 2 S int_0^u_t sqrt(2 A V/(1-u^2)) du; with kappa = nu^2, 1 - u^2 = kappa + w^2:
    # sqrt(2 A V/(1-u^2)) du = sqrt(2 A K) u sqrt(1-u^2-kappa)/(1-u^2) du = sqrt(2 A K) w^2/(kappa+w^2) dw
    nu, w = sp.symbols("nu w", positive=True)
    kappa = nu**2
    integrand_u = sp.sqrt(2 * A * potential / (1 - u**2))
    check_u = sp.sqrt(2 * A * K) * u * sp.sqrt(1 - u**2 - kappa) / (1 - u**2)
    for uv, nv in ((0.3, 0.2), (0.5, 0.6), (0.1, 0.9)):  # identity at sample points (nu = k/k_c)
        kv = nv * math.sqrt(2 * 1.3 / 0.7)
        a = complex(integrand_u.subs({A: 0.7, K: 1.3, k: kv, u: uv}).evalf())
        b = complex(check_u.subs({A: 0.7, K: 1.3, nu: nv, u: uv}).evalf())
        assert abs(a - b) < 1e-12 * max(1.0, abs(b)), (a, b)
    # u du = -w dw and u sqrt(1-u^2-kappa) = ... -> per half-bounce: int_0^sqrt(1-kappa) w^2/(kappa+w^2) dw
    # two half-bounces, each sqrt(2 A K) S int w^2/(kappa + w^2) dw: in units of E0 = 2 S sqrt(2 A K)
    barrier_nu = sp.simplify(sp.integrate(w**2 / (kappa + w**2), (w, 0, sp.sqrt(1 - kappa))))
    closed = sp.sqrt(1 - nu**2) - nu * sp.acos(nu)
    for nv in (0.1, 0.5, 0.9):
        assert abs(float((barrier_nu - closed).subs(nu, nv))) < 1e-14
    e0 = 2 * S * sp.sqrt(2 * A * K)
    barrier = (e0 * closed).subs(nu, k / k_c)
    # numerical check of the whole chain: 2 S int_0^u_t integrand du == barrier
    vals = {A: 0.7, K: 1.3, S: 1.1}
    for nv in (0.2, 0.7):
        kv = nv * float(k_c.subs(vals))
        f = sp.lambdify(u, integrand_u.subs(vals).subs(k, kv), "math")
        num = 2 * vals[S] * quad(f, 0, math.sqrt(1 - nv**2))[0]
        assert abs(num / float(barrier.subs(vals).subs(k, kv)) - 1) < 1e-7
    even = sp.sqrt(1 - nu**2) + nu * sp.asin(nu)
    released = 2 * sp.pi * A * S * k
    # lowering barrier = even part - half the released energy (acos = pi/2 - asin)
    assert sp.simplify((e0 * (even - closed)).rewrite(sp.asin).subs(nu, k / k_c) - released / 2) == 0
    return {
        "A_ex": A,
        "K": K,
        "S": S,
        "k": k,
        "nu": nu,
        "p_prime": p_prime,
        "potential": potential,
        "turning_point": turning,
        "landau_limit": k_c,
        "e0": e0,
        "barrier": barrier,
        "barrier_nu": closed,
        "even_barrier_nu": even,
        "released": released,
    }
