"""Thermally activated phase slips: the barrier derived from the free energy, and the rate law.

The stored twist of the closed loop decays only through phase slips: somewhere along the
ring the order parameter climbs out of the easy plane over a pole and 2 pi of twist is
removed (Kim, Takei & Tserkovnyak, PRB 92, 220409(R) (2015); Sonin, Adv. Phys. 59, 181
(2010); the magnetic analogue of Langer-Ambegaokar-McCumber-Halperin).

Free energy (eq. 3 of the paper for the in-plane part, plus the easy-plane anisotropy K with
energy K n_z^2; n = (sin t cos p, sin t sin p, cos t), u = cos t, cross-section S):

    E = S int dx [ (A_ex/2) (u'^2/(1-u^2) + (1-u^2) p'^2) + K u^2 ].

A long wire carrying the winding density k is a reservoir of spin current A_ex S k, so the
slip's saddle point is that of G = E - A_ex S k (phase difference). :func:`derive_barrier`
does the derivation in SymPy:

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

Each slip releases the energy 2 pi A k (spin current times 2 pi). Writing the even function
E_m(k) = E0 [sqrt(1-nu^2) + nu arcsin(nu)], the barriers of a slip that lowers and one that
raises the winding are E_m -/+ pi A k (:func:`derive_barrier` checks B = E_m - pi A k), and the
net rate is

    Gamma = f_att (l/xi) [ exp(-(E_m - pi A k)/k_B T) - exp(-(E_m + pi A k)/k_B T) ],

two exponentials of non-positive arguments (no overflowing sinh), analytic at k = 0, with
f_att the attempt frequency per nucleation length xi = 1/k_c (parameter ``fatt``) and l the
length where slips can nucleate. Under the gate the anisotropy is K_g = K s^2 (voltage-
controlled, :mod:`compactmodel.gate`); the same law holds with E0 -> E0 s and k_c -> k_c s.
In dimensionless form (energies in E0, winding density in k_c) the even barrier is
h(nu, s^2) = s g(nu/s), g(x) = sqrt(1-x^2) + x arcsin(x), continued linearly,
g = pi |x|/2, beyond the Landau limit (where the lowering barrier is then exactly 0).

For the circuit printers h is written as  c + nu atan(nu/c),  c^2 a smooth max(s^2 - nu^2, 0)
of width eps = 1e-6: equal to h within ~eps (:func:`circuit_barrier`), with no division by s
(the open gate has s -> 0), smooth everywhere, and with derivative terms that cancel instead
of diverging at the Landau limit.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Mapping

import numpy as np
import sympy as sp

from .parameters import ParameterError, validate

__all__ = [
    "K_B",
    "EPS_BARRIER",
    "derive_barrier",
    "barrier_formula",
    "even_barrier",
    "circuit_barrier",
    "net_rate_expr",
    "anisotropy_factor",
    "landau_winding_density",
    "barrier_scale",
    "lowering_barrier",
    "ring_slip_rates",
    "net_slip_rate",
    "retention_time",
    "max_retained_winding_density",
    "landau_current",
    "warn_if_past_landau",
    "ring_rate_functions",
    "stochastic_storage",
    "attempt_frequency",
    "LandauLimitWarning",
]

#: Boltzmann constant [J/K] (exact, SI 2019).
K_B = 1.380649e-23

#: Regularisation of the circuit form of the barrier (in units of the Landau winding density).
EPS_BARRIER = 1e-6

#: Width of the smooth max(s^2 - nu^2, 0) in the circuit form of the barrier [-].
SOFT_WIDTH = 1e-8

YEAR = 365.25 * 86400.0


class LandauLimitWarning(UserWarning):
    """A charge would push the winding density past the Landau limit sqrt(2 K / A_ex)."""


# ------------------------------------------------------------------------------ derivation
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
        from scipy.integrate import quad

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


def barrier_formula(nu: float | np.ndarray) -> np.ndarray:
    """Lowering barrier B/E0 = sqrt(1-nu^2) - nu arccos(nu) for 0 <= nu <= 1, 0 beyond  [-]."""
    x = np.clip(np.abs(np.asarray(nu, dtype=float)), 0.0, 1.0)
    return np.sqrt(1.0 - x**2) - x * np.arccos(x)


def even_barrier(nu: float | np.ndarray, s2: float | np.ndarray = 1.0) -> np.ndarray:
    """h(nu, s^2) = s g(nu/s): the even part of the barrier, in E0  [-] (exact, numpy)."""
    nu = np.abs(np.asarray(nu, dtype=float))
    s = np.sqrt(np.maximum(np.asarray(s2, dtype=float), 0.0))
    inside = nu < s
    x = np.where(inside, nu / np.where(s > 0, s, 1.0), 1.0)
    return np.where(inside, s * np.sqrt(1.0 - x**2) + nu * np.arcsin(x), 0.5 * math.pi * nu)


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
    from .gate import softplus

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


# ------------------------------------------------------------------------- numeric physics
def anisotropy_factor(params: Mapping[str, float], temperature: float) -> float:
    """K(T)/K(tnom) = 1 + tcani (T + dtemp - tnom), floored at 1e-3  [-]."""
    t_dev = temperature + params["dtemp"]
    return max(1.0 + params["tcani"] * (t_dev - params["tnom"]), 1e-3)


def landau_winding_density(params: Mapping[str, float] | None = None, temperature: float = 300.15) -> float:
    """Landau limit k_c = sqrt(2 kani / stiff) at the device temperature  [rad/m]."""
    p = validate(params)
    temperature = _check_temperature(temperature)
    return math.sqrt(2.0 * p["kani"] * anisotropy_factor(p, temperature) / p["stiff"])


def barrier_scale(params: Mapping[str, float] | None = None, temperature: float = 300.15) -> float:
    """E0 = 2 sqrt(2 stiff kani): the barrier at zero winding  [J]."""
    p = validate(params)
    return 2.0 * math.sqrt(2.0 * p["stiff"] * p["kani"] * anisotropy_factor(p, temperature))


def lowering_barrier(params: Mapping[str, float] | None, winding_density: float, temperature: float = 300.15) -> float:
    """B(k) of a slip that lowers the winding, bulk wire  [J]."""
    p = validate(params)
    nu = winding_density / landau_winding_density(p, temperature)
    return barrier_scale(p, temperature) * float(barrier_formula(nu))


def _check_temperature(temperature: float) -> float:
    if isinstance(temperature, bool) or not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and 1.0 <= temperature <= 2000.0):
        raise ParameterError(f"temperature = {temperature!r} K: allowed range [1, 2000] K")
    return float(temperature)


def ring_slip_rates(params: Mapping[str, float] | None, winding_density: float | np.ndarray,
                    temperature: float = 300.15, v_gate: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(lowering, raising) slip rates of the closed ring at a uniform winding density  [1/s].

    The wire (length len, anisotropy K) and the gated section (lgate, anisotropy K s^2(V_g))
    carry the same persistent spin current, hence the same winding density. Attempt rate
    fatt per nucleation length 1/k_c(tnom) in both.
    """
    from .gate import anisotropy_ratio_value

    p = validate(params)
    t = _check_temperature(temperature)
    k = np.asarray(winding_density, dtype=float)
    kc = landau_winding_density(p, t)
    kc0 = math.sqrt(2.0 * p["kani"] / p["stiff"])
    x0 = barrier_scale(p, t) / (K_B * (t + p["dtemp"]))
    nu = k / kc
    down = np.zeros_like(nu)
    up = np.zeros_like(nu)
    for length, s2 in ((p["len"], 1.0), (p["lgate"], anisotropy_ratio_value(v_gate, p["vgon"]))):
        h = even_barrier(nu, s2)
        attempts = p["fatt"] * length * kc0
        down = down + attempts * np.exp(-x0 * (h - 0.5 * math.pi * nu))
        up = up + attempts * np.exp(-x0 * (h + 0.5 * math.pi * nu))
    return down, up


def net_slip_rate(params: Mapping[str, float] | None, winding_density: float | np.ndarray,
                  temperature: float = 300.15, v_gate: float = 0.0) -> np.ndarray:
    """Net rate at which the ring loses windings at a uniform winding density  [1/s]."""
    down, up = ring_slip_rates(params, winding_density, temperature, v_gate)
    return down - up


def _ring_length(p: Mapping[str, float]) -> float:
    return p["len"] + p["lgate"]


def retention_time(params: Mapping[str, float] | None, winding_density: float, temperature: float = 300.15,
                   v_gate: float = 0.0, loss: float = 0.1) -> float:
    """Time for the stored winding to fall by the fraction ``loss`` (default 10 %)  [s].

    Integrates the deterministic rate law dW/dt = -Gamma(W), W = k (len + lgate)/2 pi, as
    t = int dW / Gamma(W) from (1 - loss) W0 to W0 (adaptive quadrature in ln W). Returns
    inf if the rate underflows (no measurable leakage).
    """
    from scipy.integrate import quad

    p = validate(params)
    if not (0.0 < loss < 1.0):
        raise ParameterError(f"loss = {loss!r}: allowed range (0, 1)")
    if not (math.isfinite(winding_density) and winding_density > 0.0):
        raise ParameterError(f"winding_density = {winding_density!r} rad/m: allowed range (0, inf)")
    ring = _ring_length(p)
    w0 = winding_density * ring / (2.0 * math.pi)

    def inv_rate(log_w: float) -> float:
        w = math.exp(log_w)
        g = float(net_slip_rate(p, 2.0 * math.pi * w / ring, temperature, v_gate))
        return w / g if g > 0.0 else math.inf

    lo, hi = math.log((1.0 - loss) * w0), math.log(w0)
    if not math.isfinite(inv_rate(lo)):
        return math.inf
    return quad(inv_rate, lo, hi, limit=200)[0]


def max_retained_winding_density(params: Mapping[str, float] | None, t_retention: float = 10 * YEAR,
                                 temperature: float = 300.15, v_gate: float = 0.0, loss: float = 0.1) -> float:
    """Largest uniform winding density whose ``retention_time`` is at least ``t_retention``  [rad/m]."""
    from scipy.optimize import brentq

    p = validate(params)
    kc = landau_winding_density(p, temperature)

    def f(nu: float) -> float:
        t = retention_time(p, nu * kc, temperature, v_gate, loss)
        return (math.log(t) if math.isfinite(t) else 800.0) - math.log(t_retention)

    lo, hi = 1e-4, 0.999
    if f(lo) < 0:
        return 0.0
    if f(hi) > 0:
        return hi * kc
    return brentq(f, lo, hi, xtol=1e-10) * kc


#: Barrier, in k_B T, at which the default attempt frequency is evaluated (the 10-year scale).
ATTEMPT_BARRIER_KT = 48.0


def attempt_frequency(stiff: float, chi: float, kani: float, barrier_kt: float = ATTEMPT_BARRIER_KT) -> float:
    """Attempt frequency per nucleation length 1/k_c (the ``fatt`` parameter)  [Hz].

    Langer's estimate for an inertial (antiferromagnetic) wire at weak damping: the unstable
    mode of the saddle (the wall tilting out of its plane) grows at u k_c, and the zero mode of
    the slip's position and the two poles it can pass add 4 sqrt(B/(2 pi k_B T)) per length 1/k_c:
    f_att = (u k_c / 2 pi) 4 sqrt(B/(2 pi k_B T)), with u = sqrt(stiff/chi), k_c = sqrt(2 kani/stiff).
    The weak sqrt(B) dependence is frozen at ``barrier_kt`` (48 k_B T, where retention is
    ~10 years), so f_att is a constant. For a ferromagnet the growth rate scales with the
    Gilbert damping instead; pass the resulting value explicitly.
    """
    u = math.sqrt(stiff / chi)
    k_c = math.sqrt(2.0 * kani / stiff)
    return u * k_c / (2.0 * math.pi) * 4.0 * math.sqrt(barrier_kt / (2.0 * math.pi))


def warn_if_past_landau(params: Mapping[str, float] | None, current: float, temperature: float = 300.15,
                        stacklevel: int = 3) -> bool:
    """Warn (:class:`LandauLimitWarning`) if a DC charging ``current`` [A] would wind the wire past
    the Landau limit (eq. 7: k = vartheta I / A). Returns True if it warned."""
    i_l = landau_current(params, temperature)
    if abs(current) > i_l:
        import warnings

        warnings.warn(
            LandauLimitWarning(
                f"charging current {current:.4g} A winds the wire to {abs(current) / i_l:.3g} x its Landau limit "
                f"(Landau current {i_l:.4g} A at {temperature:g} K): the twist unwinds by phase slips "
                "instead of storing more energy"
            ),
            stacklevel=stacklevel,
        )
        return True
    return False


def ring_rate_functions(params: Mapping[str, float] | None, temperature: float = 300.15, v_gate: float = 0.0):
    """(rate_down(W), rate_up(W)) [1/s] of a closed ring holding W windings (uniform density)."""
    p = validate(params)
    ring = _ring_length(p)

    def down(w):
        return ring_slip_rates(p, 2.0 * math.pi * np.asarray(w, dtype=float) / ring, temperature, v_gate)[0]

    def up(w):
        return ring_slip_rates(p, 2.0 * math.pi * np.asarray(w, dtype=float) / ring, temperature, v_gate)[1]

    return down, up


def stochastic_storage(params: Mapping[str, float] | None, windings: int, t_end: float, *, n_runs: int = 1000,
                       seed: int | None = None, temperature: float = 300.15, v_gate: float = 0.0, t_eval=None):
    """Storage with few windings: phase slips as a seeded Poisson (jump) process  (gate closed).

    Each slip changes the ring's winding by -1 (rate Gamma_down) or +1 (Gamma_up), the rates of
    :func:`ring_slip_rates` at the current winding; so the mean slip rate equals the
    deterministic leakage of the compact model. Returns :class:`compactmodel.stochastic.SlipRuns`
    (``net_slips`` = net number of phase slips since t = 0, per run and time).
    """
    from .stochastic import simulate_slips

    down, up = ring_rate_functions(params, temperature, v_gate)
    return simulate_slips(down, up, windings, t_end, n_runs=n_runs, seed=seed, t_eval=t_eval)


def landau_current(params: Mapping[str, float] | None = None, temperature: float = 300.15) -> float:
    """Charging current whose steady winding density vartheta I / A (eq. 7) is the Landau limit  [A]."""
    p = validate(params)
    return p["stiff"] * landau_winding_density(p, temperature) / p["theta"]
