"""Thermally activated phase slips: the rate law, retention and the Landau limit (numerical).

The stored twist of the closed loop decays only through phase slips: somewhere along the
ring the order parameter climbs out of the easy plane over a pole and 2 pi of twist is
removed (Kim, Takei & Tserkovnyak, PRB 92, 220409(R) (2015); Sonin, Adv. Phys. 59, 181
(2010); the magnetic analogue of Langer-Ambegaokar-McCumber-Halperin).

The barrier of a slip that lowers the winding density k of a long wire is derived in SymPy
by :func:`compactmodel.symbolic.barrier.derive_barrier` from the free energy with the
easy-plane anisotropy K n_z^2:

    B(k) = E0 [ sqrt(1 - nu^2) - nu arccos(nu) ],   E0 = 2 sqrt(2 A kani),  nu = k/k_c,

with k_c = sqrt(2 kani/A) the **Landau limit** (:mod:`compactmodel.physics.scales`). Each slip
releases the energy 2 pi A k (spin current times 2 pi). Writing the even function
E_m(k) = E0 [sqrt(1-nu^2) + nu arcsin(nu)], the barriers of a slip that lowers and one that
raises the winding are E_m -/+ pi A k, and the net rate is

    Gamma = f_att (l/xi) [ exp(-(E_m - pi A k)/k_B T) - exp(-(E_m + pi A k)/k_B T) ],

two exponentials of non-positive arguments (no overflowing sinh), analytic at k = 0, with
f_att the attempt frequency per nucleation length xi = 1/k_c (parameter ``fatt``) and l the
length where slips can nucleate. Under the gate the anisotropy is K_g = K s^2 (voltage-
controlled, :mod:`compactmodel.physics.gate`); the same law holds with E0 -> E0 s and
k_c -> k_c s. In dimensionless form (energies in E0, winding density in k_c) the even barrier
is h(nu, s^2) = s g(nu/s), g(x) = sqrt(1-x^2) + x arcsin(x), continued linearly, g = pi |x|/2,
beyond the Landau limit (where the lowering barrier is then exactly 0).

**Finite ring.** In a closed ring a slip also re-twists the rest of the ring: the slip's saddle
turns the in-plane angle by 2 theta across its core, and the ring, of compliance
C = L/A + 1/k_g (wire and gated link in series), takes the opposite twist at the energy
(2 theta)^2 / (2 C), in E0 = 2 A k_c units theta^2/ring with ring = C A k_c. The barrier of a channel with local
Landau limit s is then

    B_down = max over theta of  s sin theta - nu theta + theta^2/ring,     B_up(nu) = B_down(-nu),

(the saddle condition nu/s = cos theta + 2 theta/(s ring); ring -> inf gives the bulk law above;
:mod:`compactmodel.symbolic.gate_derivation` derives the ring term, and ``docs/spin_chain.md``
table (c) checks it on a discrete spin chain). dB/dnu = -theta, so the barrier stays C1 where it
vanishes. The angle is evaluated at one fixed-point step of the saddle condition from the guess
pi/2 - b u (:func:`saddle_arguments`), which leaves the barrier within 0.4 % of the
self-consistent one for ring >= 18 (0.02 % at the reference device's 72), where it exceeds
3 k_B T.

The circuit form of the same law (what the netlists carry) is in
:mod:`compactmodel.symbolic.laws`; this module is its numerical twin for Python-side figures
(retention, rating, stochastic storage): :func:`slip_barriers` equals the SymPy law to round-off.
"""

from __future__ import annotations

import math
import warnings
from typing import Mapping

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq

from ..core.constants import K_B, YEAR
from ..core.parameters import ParameterError, validate
from .gate import anisotropy_ratio_value
from .scales import device_scales, landau_winding_density, spin_wave_speed
from .stochastic import simulate_slips

__all__ = [
    "barrier_formula",
    "even_barrier",
    "saddle_angle",
    "saddle_arguments",
    "slip_barriers",
    "ring_compliance",
    "SADDLE_SWITCH",
    "SADDLE_GUESS_SLOPE",
    "EPS_BARRIER",
    "lowering_barrier",
    "ring_slip_rates",
    "net_slip_rate",
    "retention_time",
    "max_retained_winding_density",
    "warn_if_past_landau",
    "ring_rate_functions",
    "stochastic_storage",
    "attempt_frequency",
    "LandauLimitWarning",
    "ATTEMPT_BARRIER_KT",
]

class LandauLimitWarning(UserWarning):
    """A charge would push the winding density past the Landau limit sqrt(2 K / A_ex)."""


def barrier_formula(nu: float | np.ndarray) -> np.ndarray:
    """Lowering barrier B/E0 = sqrt(1-nu^2) - nu arccos(nu) of a long wire at nu = |k|/k_c  [-].

    1 at nu = 0, vanishing as (1 - nu^2)^(3/2) / (3 nu) at the Landau limit, 0 beyond it.
    """
    x = np.clip(np.abs(np.asarray(nu, dtype=float)), 0.0, 1.0)
    return np.sqrt(1.0 - x**2) - x * np.arccos(x)


def even_barrier(nu: float | np.ndarray, s2: float | np.ndarray = 1.0) -> np.ndarray:
    """h(nu, s^2) = s g(nu/s): the even part of the barrier, in E0  [-] (exact, numpy)."""
    nu = np.abs(np.asarray(nu, dtype=float))
    s = np.sqrt(np.maximum(np.asarray(s2, dtype=float), 0.0))
    inside = nu < s
    x = np.where(inside, nu / np.where(s > 0, s, 1.0), 1.0)
    return np.where(inside, s * np.sqrt(1.0 - x**2) + nu * np.arcsin(x), 0.5 * math.pi * nu)


#: Where :func:`saddle_angle` leaves arccos(u): |u| = SADDLE_SWITCH, where arccos has the slope
#: -1/sqrt(1 - u^2) = -22.4 and the bulk barrier is 5e-5 E0 (4e-3 k_B T at x0 = 85).
SADDLE_SWITCH = 0.999

#: Slope b of the first guess theta_0 = pi/2 - b u of the saddle angle (:func:`saddle_arguments`),
#: chosen by measurement: with b = 1.25 the barrier is within 0.4 % of the self-consistent one for
#: ring >= 18, 0.09 % for 35, 0.02 % for 72, where it exceeds 3 k_B T at x0 = 85.
SADDLE_GUESS_SLOPE = 1.25

#: Floor of s^2 = K_g/K in the gate's slip law (the open gate has s -> 0): its local Landau limit
#: stays >= 1e-6, so the barriers stay finite and smooth where the open gate's twist crosses 0.
EPS_BARRIER = 1e-6


def saddle_angle(u: float | np.ndarray) -> np.ndarray:
    """Half phase jump theta of a slip saddle at u (~ nu/s)  [rad]: arccos(u) for |u| <= SADDLE_SWITCH,
    continued C1 by theta_s/(1 + m (|u| - u_s)/theta_s) (pi minus that for u < 0), m = 1/sqrt(1 - u_s^2)."""
    u = np.asarray(u, dtype=float)
    us = SADDLE_SWITCH
    ts, m = math.acos(us), 1.0 / math.sqrt(1.0 - us * us)
    outer = ts / (1.0 + m * (np.maximum(np.abs(u), us) - us) / ts)
    return np.where(u > us, outer, np.where(u < -us, math.pi - outer, np.arccos(np.clip(u, -1.0, 1.0))))


def saddle_arguments(nu: float | np.ndarray, s: float, ring: float) -> tuple[np.ndarray, np.ndarray]:
    """(u_down, u_up): one fixed-point step of the saddle condition u = cos theta + 2 theta/(s ring) from
    the guess theta_0 = pi/2 - b u (b = SADDLE_GUESS_SLOPE), for the lowering and the raising slip  [-]."""
    u = np.asarray(nu, dtype=float) / s
    d = s * ring
    b = SADDLE_GUESS_SLOPE
    return u - (math.pi - 2 * b * u) / d, -u - (math.pi + 2 * b * u) / d


def slip_barriers(nu: float | np.ndarray, s: float, ring: float) -> tuple[np.ndarray, np.ndarray]:
    """(B_down, B_up)/E0 of a slip channel with local Landau limit s in a closed ring of compliance
    ``ring`` = C A k_c  [-]: s sin theta -/+ nu theta + theta^2/ring at the saddle angles of
    :func:`saddle_arguments` (the numpy twin of :func:`compactmodel.symbolic.laws.slip_barriers`)."""
    nu = np.asarray(nu, dtype=float)
    out = []
    for sign, v in zip((1.0, -1.0), saddle_arguments(nu, s, ring)):
        theta = saddle_angle(v)
        out.append(s * np.sin(theta) - sign * nu * theta + theta**2 / ring)
    return out[0], out[1]


def _gate_kappa(p: Mapping[str, float], v_gate: float) -> float:
    """K_g/K under the gate, floored at EPS_BARRIER^2 as the circuit floors it (``kap``): the gate's local
    Landau limit squared, and its link stiffness over A/lgate  [-]."""
    return max(anisotropy_ratio_value(v_gate, p["vgon"]), 0.0) + EPS_BARRIER**2


def ring_compliance(params: Mapping[str, float] | None, temperature: float = 300.15, v_gate: float = 0.0) -> float:
    """Compliance of the closed ring C = len/A + 1/k_g times A k_c(T)  [-].

    len k_c + lgate k_c / kappa with kappa = k_g/(A/lgate) = K_g/K of the gate law, floored at
    EPS_BARRIER^2 (an open gate takes any twist: ring -> inf). A slip whose core turns the phase by
    2 theta re-twists the rest of the ring at the energy theta^2/ring E0 (:func:`slip_barriers`).
    """
    p = validate(params)
    kc = device_scales(p, temperature).landau_winding_density
    return kc * (p["len"] + p["lgate"] / _gate_kappa(p, v_gate))


def lowering_barrier(params: Mapping[str, float] | None, winding_density: float, temperature: float = 300.15) -> float:
    """B(k) of a slip that lowers the winding, bulk wire  [J]."""
    sc = device_scales(params, temperature)
    return sc.barrier * float(barrier_formula(winding_density / sc.landau_winding_density))


def ring_slip_rates(params: Mapping[str, float] | None, winding_density: float | np.ndarray,
                    temperature: float = 300.15, v_gate: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(lowering, raising) slip rates of the closed ring at a uniform winding density  [1/s].

    The wire (length len, anisotropy K) and the gated section (lgate, anisotropy K s^2(V_g))
    carry the same persistent spin current, hence the same winding density. Attempt rate
    fatt per nucleation length 1/k_c(tnom) in both; barriers :func:`slip_barriers` with the ring's
    compliance :func:`ring_compliance` (the finite-ring term).
    """
    p = validate(params)
    sc = device_scales(p, temperature)
    k = np.asarray(winding_density, dtype=float)
    kc0 = math.sqrt(2.0 * p["kani"] / p["stiff"])
    x0 = sc.barrier_kt
    nu = k / sc.landau_winding_density
    down = np.zeros_like(nu)
    up = np.zeros_like(nu)
    ring = ring_compliance(p, temperature, v_gate)
    s_gate = math.sqrt(_gate_kappa(p, v_gate))
    for length, s in ((p["len"], 1.0), (p["lgate"], s_gate)):
        b_down, b_up = slip_barriers(nu, s, ring)
        attempts = p["fatt"] * length * kc0
        down = down + attempts * np.exp(-x0 * b_down)
        up = up + attempts * np.exp(-x0 * b_up)
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
    p = validate(params)
    kc = device_scales(p, temperature).landau_winding_density

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
    u = spin_wave_speed(stiff, chi)
    k_c = landau_winding_density(stiff, kani)
    return u * k_c / (2.0 * math.pi) * 4.0 * math.sqrt(barrier_kt / (2.0 * math.pi))


def warn_if_past_landau(params: Mapping[str, float] | None, current: float, temperature: float = 300.15,
                        stacklevel: int = 3) -> bool:
    """Warn (:class:`LandauLimitWarning`) if a DC charging ``current`` [A] would wind the wire past
    the Landau limit (eq. 7: k = vartheta I / A). Returns True if it warned."""
    i_l = device_scales(params, temperature).landau_current
    if abs(current) > i_l:
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
    deterministic leakage of the compact model. Returns :class:`compactmodel.physics.stochastic.SlipRuns`
    (``net_slips`` = net number of phase slips since t = 0, per run and time).
    """
    down, up = ring_rate_functions(params, temperature, v_gate)
    return simulate_slips(down, up, windings, t_end, n_runs=n_runs, seed=seed, t_eval=t_eval)
