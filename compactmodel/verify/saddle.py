"""Numerical phase-slip barrier of a current-biased easy-plane wire (saddle-point search).

Checks the analytic barrier

    B(k) = E0 [sqrt(1 - nu^2) - nu arccos(nu)],   nu = k / k_c,   E0 = 2 sqrt(2 A kani),

by finding the saddle point of a discretised quasi-1D easy-plane magnet.

Model (SI units). Unit order parameter n = (sin t cos p, sin t sin p, cos t); energy

    E = integral dx [ (A/2) (t'^2 + sin^2 t p'^2) + kani cos^2 t ]          [J]

with A = A_ex S [J m] and kani = K S [J/m]. The uniform twisted state t = pi/2, p = k x is
metastable below the Landau limit k_c = sqrt(2 kani / A) = 1/xi. In the long-wire limit
the rest of the wire is a spin-current reservoir, so the barrier is the saddle point of

    G = E - A k (p(x_right) - p(x_left))                                     [J]

on an open wire (free ends), measured from the uniform twisted state.

Discretisation: N sites at spacing h, angles (t_i, p_i) unconstrained reals,

    G = sum_i (A/h)(1 - n_i . n_{i+1}) + sum_i h kani cos^2 t_i - A k (p_{N-1} - p_0),

with p unwrapped. Internally lengths are in xi = sqrt(A / (2 kani)) and energies in
A/xi = sqrt(2 A kani) = E0/2, so that

    g = G / (A/xi) = sum (1/hh)(1 - n_i . n_{i+1}) + (hh/2) sum cos^2 t_i - nu (p_{N-1} - p_0),

hh = h/xi. Barriers are returned in J and in units of E0 (B/E0 = delta g / 2).

Method: a constrained-minimisation ("drag") string along the slip path. The reaction
coordinate is m = n_z = cos t_c at the centre site c. For m from 0 up to ``m_max`` G is
minimised over all other angles (L-BFGS-B, analytic gradient, each image warm-started from
the previous one), giving G_min(m). The barrier is max_m G_min(m) - G_min(0).

Shape of G_min(m): away from the centre the constrained minimum obeys the free
Euler-Lagrange equation with the uniform state at both ends, i.e. it is the saddle
("bounce") profile with its top cut off at height m. The constrained branch therefore ends
at the saddle's own centre value m*, with the constraint force dg/dt_c vanishing there like
sqrt(m* - m); for m > m* the relaxation falls through the slip (with the unwrapped phase the
current-biased G is unbounded below: every further 2 pi of slipped twist lowers it by
2 pi A k). The maximum of G_min is thus the end of the branch, located by bisection between
the last image that stays on the branch and the first that falls through (a bounded scalar
search on -G_min(m) is ill-suited: G_min has a square-root edge there, not a smooth peak;
an interior maximum, not expected for this model, is reported as an error).

Verification: the full gradient of G at the maximum, including the d/dt_c component the
constraint held fixed, is compared with the constraint force scale along the path. The
configuration is then polished by Newton's method on grad G = 0 with every angle free (the
global phase does not enter the bond-twist variables used internally) and the Hessian
spectrum there is inspected: a first-order saddle has exactly one negative eigenvalue, plus
the near-zero translation mode of the slip (lifted only by the lattice and the wire ends).

Performance: each L-BFGS-B iteration is dominated by small BLAS calls; with multi-threaded
OpenBLAS on a loaded machine these become much slower (seen: ~40x). Setting
OPENBLAS_NUM_THREADS=1 before numpy/scipy are imported gives ~0.5 s per barrier at
h = xi/8, L = 40 xi.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from ..physics import phase_slips
from ..physics.scales import barrier_scale, healing_length

__all__ = [
    "barrier_formula",
    "reduced_energy",
    "reduced_energy_gradient",
    "SaddleResult",
    "slip_barrier",
]


def barrier_formula(nu: float) -> float:
    """The analytic barrier this module checks, B/E0 at one winding density 0 <= nu <= 1  [-]
    (:func:`compactmodel.physics.phase_slips.barrier_formula`; ValueError outside [0, 1])."""
    if not (isinstance(nu, (int, float)) and 0.0 <= nu <= 1.0):
        raise ValueError(f"nu must satisfy 0 <= nu <= 1, got nu = {nu!r}")
    return float(phase_slips.barrier_formula(nu))


# ---------------------------------------------------------------------------------------
# Dimensionless lattice functional g and its gradient
# ---------------------------------------------------------------------------------------
#
# Internally the phases enter through the bond twists d_i = p_{i+1} - p_i: the functional
# is local in them (the Legendre term is -nu sum_i d_i), the global phase drops out, and the
# long-wavelength phase modes of the free wire, which make the Hessian in the p_i
# ill-conditioned (condition number ~ (L/h)^2), become local. This is what keeps each
# L-BFGS relaxation short.


def _energy_td(t: np.ndarray, d: np.ndarray, nu: float, hh: float) -> float:
    """g(t, d) with d_i = p_{i+1} - p_i  [-]."""
    st, ct = np.sin(t), np.cos(t)
    dot = st[:-1] * st[1:] * np.cos(d) + ct[:-1] * ct[1:]
    return float(np.sum(1.0 - dot) / hh + 0.5 * hh * np.sum(ct * ct) - nu * np.sum(d))


def _gradient_td(t: np.ndarray, d: np.ndarray, nu: float, hh: float) -> tuple[np.ndarray, np.ndarray]:
    """(dg/dt, dg/dd) of :func:`_energy_td`  [1/rad]."""
    st, ct = np.sin(t), np.cos(t)
    cd = np.cos(d)
    inv = 1.0 / hh
    gt = -hh * ct * st  # anisotropy (hh/2) cos^2 t
    # bond (i, i+1) contributes -(1/hh) [s_i s_{i+1} cos d_i + c_i c_{i+1}]
    gt[:-1] -= inv * (ct[:-1] * st[1:] * cd - st[:-1] * ct[1:])
    gt[1:] -= inv * (st[:-1] * ct[1:] * cd - ct[:-1] * st[1:])
    gd = inv * st[:-1] * st[1:] * np.sin(d) - nu
    return gt, gd


def reduced_energy(t: np.ndarray, p: np.ndarray, nu: float, hh: float) -> float:
    """g = G/(A/xi) of the open chain (see module docstring)  [-].

    ``t``, ``p``: polar and unwrapped azimuthal angles of the N sites [rad]; ``hh`` = h/xi;
    ``nu`` = k xi.
    """
    return _energy_td(np.asarray(t, float), np.diff(np.asarray(p, float)), nu, hh)


def reduced_energy_gradient(t: np.ndarray, p: np.ndarray, nu: float, hh: float) -> tuple[np.ndarray, np.ndarray]:
    """(dg/dt, dg/dp) of :func:`reduced_energy`  [1/rad]."""
    gt, gd = _gradient_td(np.asarray(t, float), np.diff(np.asarray(p, float)), nu, hh)
    gp = np.zeros(len(gt))
    gp[1:] += gd
    gp[:-1] -= gd
    return gt, gp


# ---------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaddleResult:
    """Outcome of :func:`slip_barrier`. Dimensionless gradients are of g = G/(A/xi) [1/rad].

    Attributes
    ----------
    nu:               winding density over the Landau limit, k / k_c  [-]
    barrier:          max_m G_min(m) - G_min(0) from the drag path  [J]
    barrier_over_e0:  the same in units of E0 = 2 sqrt(2 A kani)  [-]
    formula_over_e0:  analytic prediction :func:`barrier_formula` (nu)  [-]
    m_star:           reaction coordinate n_z(centre) at the maximum of the path  [-]
    grad_norm:        max |dg/dq| at the path maximum over all variables q = (t_i, d_i),
                      d_i = p_{i+1} - p_i the bond twists (stationary in p <=> in d)  [-]
    grad_tc:          |dg/dt_c| there (the component the constraint held fixed)  [-]
    force_scale:      max over the path of |dg/dt_c| (the constraint force)  [-]
    grad_ratio:       grad_norm / force_scale: stationarity figure of merit  [-]
    saddle_barrier_over_e0: barrier of the Newton-polished stationary point / E0  [-]
    saddle_m:         n_z at the centre of the polished stationary point  [-]
    saddle_grad_norm: max |dg/dq| at the polished point  [-]
    n_unstable:       number of Hessian eigenvalues there below -1e-4 |lowest eigenvalue|
                      (1 for a first-order saddle; the threshold keeps the near-zero
                      translation mode out of the count)
    hessian_low:      the three lowest Hessian eigenvalues there, variables (t_i, d_i)  [-]
    n_sites:          number of lattice sites N
    h_over_xi:        lattice spacing in healing lengths  [-]
    length_over_xi:   wire length (N - 1) h in healing lengths  [-]
    path_m:           reaction coordinate m = cos t_c of the images kept on the branch  [-]
    path_g:           G_min(m) - G_min(0) at those images  [J]
    x:                site positions, centre at 0  [m]
    theta, phi:       polar / unwrapped azimuthal angles of the polished saddle  [rad]
    """

    nu: float
    barrier: float
    barrier_over_e0: float
    formula_over_e0: float
    m_star: float
    grad_norm: float
    grad_tc: float
    force_scale: float
    grad_ratio: float
    saddle_barrier_over_e0: float
    saddle_m: float
    saddle_grad_norm: float
    n_unstable: int
    hessian_low: tuple[float, float, float]
    n_sites: int
    h_over_xi: float
    length_over_xi: float
    path_m: np.ndarray = field(repr=False)
    path_g: np.ndarray = field(repr=False)
    x: np.ndarray = field(repr=False)
    theta: np.ndarray = field(repr=False)
    phi: np.ndarray = field(repr=False)

    @property
    def relative_error(self) -> float:
        """(numerical - formula) / formula for the drag-path barrier  [-]."""
        return self.barrier_over_e0 / self.formula_over_e0 - 1.0


# ---------------------------------------------------------------------------------------
# Open chain with the centre polar angle held fixed
# ---------------------------------------------------------------------------------------


class _SlipCompleted(Exception):
    """A constrained relaxation fell through the slip (G dropped below the uniform state)."""


class _Chain:
    """Variables q = [t_0..t_{N-1}, d_0..d_{N-2}] (d_i = p_{i+1} - p_i); the drag fixes t_c."""

    def __init__(self, n_sites: int, nu: float, hh: float) -> None:
        self.n = n_sites
        self.c = n_sites // 2
        self.nu = nu
        self.hh = hh
        self.free = np.ones(2 * n_sites - 1, dtype=bool)
        self.free[self.c] = False
        self.floor = -math.inf  # relaxations going below this have slipped

    def energy_gradient(self, q: np.ndarray) -> tuple[float, np.ndarray]:
        t, d = q[: self.n], q[self.n :]
        gt, gd = _gradient_td(t, d, self.nu, self.hh)
        return _energy_td(t, d, self.nu, self.hh), np.concatenate([gt, gd])

    def gradient(self, q: np.ndarray) -> np.ndarray:
        return self.energy_gradient(q)[1]

    def angles(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(t, p) of the sites, with the phase of the centre site set to 0  [rad]."""
        p = np.concatenate([[0.0], np.cumsum(q[self.n :])])
        return q[: self.n].copy(), p - p[self.c]

    def relax(self, q0: np.ndarray, tc: float, gtol: float) -> tuple[float, np.ndarray]:
        """Minimise g over all variables but t_c = ``tc``; returns (g_min, full vector q).

        Raises :class:`_SlipCompleted` if the iterates fall below ``self.floor``.
        """
        q = q0.copy()
        q[self.c] = tc

        def fun(y: np.ndarray) -> tuple[float, np.ndarray]:
            q[self.free] = y
            g, grad = self.energy_gradient(q)
            return g, grad[self.free]

        def stop(intermediate_result) -> None:  # noqa: ANN001 (scipy OptimizeResult)
            if intermediate_result.fun < self.floor:
                raise StopIteration

        res = minimize(
            fun,
            q[self.free],
            jac=True,
            method="L-BFGS-B",
            callback=stop,
            options={"maxiter": 20000, "maxcor": 10, "ftol": 1e-15, "gtol": gtol},
        )
        if res.fun < self.floor:
            raise _SlipCompleted
        q[self.free] = res.x
        return float(res.fun), q

    # --- Newton polish on grad g = 0 with every angle free ------------------------------

    def hessian(self, q: np.ndarray, step: float = 1e-5) -> np.ndarray:
        """Dense Hessian of g in q by central differences of the analytic gradient  [1/rad^2].

        t_i couples only to t_{i-1..i+1}, d_{i-1}, d_i and d_i only to t_i, t_{i+1}, so
        variables three sites apart are perturbed together (2 x 3 colours x 2 signs).
        """
        n, nd = self.n, self.n - 1
        hess = np.zeros((n + nd, n + nd))

        def rows(col: int) -> np.ndarray:
            if col < n:  # t_i
                i = col
                ts = np.arange(max(i - 1, 0), min(i + 2, n))
                ds = np.arange(max(i - 1, 0), min(i + 1, nd))
            else:  # d_i
                i = col - n
                ts, ds = np.array([i, i + 1]), np.array([i])
            return np.concatenate([ts, n + ds])

        for block, size in ((0, n), (n, nd)):
            for colour in range(3):
                cols = block + np.arange(colour, size, 3)
                dq = np.zeros(n + nd)
                dq[cols] = step
                diff = (self.gradient(q + dq) - self.gradient(q - dq)) / (2.0 * step)
                for col in cols:
                    r = rows(col)
                    hess[r, col] = diff[r]
        return 0.5 * (hess + hess.T)

    def newton(self, q: np.ndarray, tol: float = 1e-10, max_iter: int = 30) -> np.ndarray:
        """Newton iteration to a stationary point of g near ``q`` (no constraint)."""
        q = q.copy()
        for _ in range(max_iter):
            grad = self.gradient(q)
            if np.max(np.abs(grad)) < tol:
                break
            q -= np.linalg.solve(self.hessian(q), grad)
        return q


def _check_positive(name: str, value: float, unit: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0 {unit}, got {name} = {value!r}")


def slip_barrier(
    stiff: float,
    kani: float,
    winding_density: float,
    *,
    h_over_xi: float = 1.0 / 8.0,
    length_over_xi: float = 40.0,
    n_path: int = 20,
    m_max: float = 0.99,
    m_tol: float = 1e-7,
    gtol: float = 1e-9,
) -> SaddleResult:
    """Phase-slip barrier of the current-biased open wire from a constrained-minimisation path.

    Parameters
    ----------
    stiff:            quasi-1D exchange stiffness A = A_ex S  [J m], > 0
    kani:             quasi-1D easy-plane anisotropy K S  [J/m], > 0
    winding_density:  twist k of the metastable state  [rad/m]; nu = |k| sqrt(A/(2 kani))
                      must satisfy 0 < nu < 1
    h_over_xi:        lattice spacing in healing lengths, 0 < h/xi <= 0.5
    length_over_xi:   wire length in healing lengths, >= 10 (rounded up to an even number
                      of bonds, so that the centre site is the middle one)
    n_path:           number of equally spaced images m = cos t_c in [0, m_max] of the coarse
                      path (the path stops at the first image past the saddle), >= 5
    m_max:            last image, 0 < m_max < 1 (must lie beyond the saddle's m*)
    m_tol:            bracket width at which the end of the branch is located, > 0
    gtol:             projected-gradient tolerance of L-BFGS-B in units of A/xi, > 0

    Returns a :class:`SaddleResult`; ``barrier`` is in J.

    Raises ``ValueError`` for out-of-range inputs and ``RuntimeError`` if the path does not
    pass the saddle within (0, m_max] (then raise ``m_max``; needed for small nu, where
    m* = sqrt(1 - nu^2) approaches 1, and there the slip core, of width ~ nu xi, also needs
    a finer grid).

    Discretisation error is O(h^2): about -0.13 %, -0.25 %, -0.59 % of the formula at
    nu = 0.3, 0.5, 0.7 with h = xi/8, and it grows towards the Landau limit (-5 % at
    nu = 0.95), where B ~ (1 - nu^2)^(3/2) amplifies the O(h^2) shift of the lattice's
    Landau limit.
    """
    _check_positive("stiff", stiff, "[J m]")
    _check_positive("kani", kani, "[J/m]")
    if not (isinstance(winding_density, (int, float)) and math.isfinite(winding_density)):
        raise ValueError(f"winding_density must be a finite number [rad/m], got winding_density = {winding_density!r}")
    xi = healing_length(stiff, kani)
    nu = abs(winding_density) * xi
    if not (0.0 < nu < 1.0):
        raise ValueError(
            f"winding_density must satisfy 0 < nu = |k| sqrt(A/(2 kani)) < 1, i.e. 0 < |k| < k_c = "
            f"{1.0 / xi:.6g} rad/m (Landau limit); got winding_density = {winding_density!r} (nu = {nu:.6g})"
        )
    if not (isinstance(h_over_xi, (int, float)) and 0.0 < h_over_xi <= 0.5):
        raise ValueError(f"h_over_xi must satisfy 0 < h_over_xi <= 0.5, got h_over_xi = {h_over_xi!r}")
    if not (isinstance(length_over_xi, (int, float)) and math.isfinite(length_over_xi) and length_over_xi >= 10.0):
        raise ValueError(f"length_over_xi must be >= 10, got length_over_xi = {length_over_xi!r}")
    if not (isinstance(n_path, (int, np.integer)) and not isinstance(n_path, bool) and n_path >= 5):
        raise ValueError(f"n_path must be an integer >= 5, got n_path = {n_path!r}")
    if not (isinstance(m_max, (int, float)) and 0.0 < m_max < 1.0):
        raise ValueError(f"m_max must satisfy 0 < m_max < 1, got m_max = {m_max!r}")
    if not (isinstance(m_tol, (int, float)) and 0.0 < m_tol < m_max / n_path):
        raise ValueError(f"m_tol must satisfy 0 < m_tol < m_max / n_path, got m_tol = {m_tol!r}")
    if not (isinstance(gtol, (int, float)) and gtol > 0):
        raise ValueError(f"gtol must be > 0, got gtol = {gtol!r}")

    hh = float(h_over_xi)
    n_bonds = int(math.ceil(length_over_xi / hh - 1e-9))
    n_bonds += n_bonds % 2
    n_sites = n_bonds + 1
    chain = _Chain(n_sites, nu, hh)
    x = (np.arange(n_sites) - chain.c) * hh

    # m = 0: the uniform twisted state (discrete twist per bond arcsin(nu hh), relaxed here)
    q = np.concatenate([np.full(n_sites, 0.5 * np.pi), np.full(n_sites - 1, nu * hh)])
    g0, q = chain.relax(q, 0.5 * np.pi, gtol)
    chain.floor = g0 - 0.1  # G_min(m) >= G_min(0) on the branch; a slip drops G by ~2 pi nu

    # coarse drag path, stopped at the first image that falls through the slip
    ms: list[float] = []
    gs: list[float] = []
    forces: list[float] = []
    images: list[np.ndarray] = []
    m_fell: float | None = None
    for m in np.linspace(0.0, m_max, n_path):
        try:
            g, q = chain.relax(q, math.acos(m), gtol)
        except _SlipCompleted:
            m_fell = float(m)
            break
        ms.append(float(m))
        gs.append(g - g0)
        forces.append(float(chain.gradient(q)[chain.c]))
        images.append(q)
    if m_fell is None:
        raise RuntimeError(
            f"the drag path did not pass the saddle within m <= m_max = {m_max} for nu = {nu:.4g}; raise m_max"
        )
    if int(np.argmax(gs)) != len(gs) - 1:
        raise RuntimeError(
            f"G_min(m) has an interior maximum for nu = {nu:.4g}: the constrained branch did not end at "
            "the saddle as expected for this model (refine h_over_xi or n_path)"
        )

    # the branch ends at the saddle: bisect between the last image on it and the first off it
    lo, hi = ms[-1], m_fell
    g_lo, q_lo = gs[-1], images[-1]
    while hi - lo > m_tol:
        mid = 0.5 * (lo + hi)
        try:
            g, q = chain.relax(q_lo, math.acos(mid), gtol)
        except _SlipCompleted:
            hi = mid
            continue
        if g - g0 < g_lo:  # left the (monotonically rising) branch without slipping
            hi = mid
            continue
        lo, g_lo, q_lo = mid, g - g0, q
        ms.append(mid)
        gs.append(g_lo)
    m_star, dg, q_star = lo, g_lo, q_lo

    grad = chain.gradient(q_star)
    grad_norm = float(np.max(np.abs(grad)))
    force_scale = float(np.max(np.abs(forces)))

    # Newton polish with every angle free, and the Hessian spectrum at the stationary point
    q_sad = chain.newton(q_star)
    g_sad, grad_sad = chain.energy_gradient(q_sad)
    eig = np.linalg.eigvalsh(chain.hessian(q_sad))
    eig_tol = 1e-4 * abs(float(eig[0]))

    theta, phi = chain.angles(q_sad)
    order = np.argsort(ms)
    e_unit = math.sqrt(2.0 * stiff * kani)  # A/xi  [J]
    return SaddleResult(
        nu=nu,
        barrier=dg * e_unit,
        barrier_over_e0=0.5 * dg,
        formula_over_e0=barrier_formula(nu),
        m_star=m_star,
        grad_norm=grad_norm,
        grad_tc=float(abs(grad[chain.c])),
        force_scale=force_scale,
        grad_ratio=grad_norm / force_scale,
        saddle_barrier_over_e0=0.5 * (g_sad - g0),
        saddle_m=float(math.cos(q_sad[chain.c])),
        saddle_grad_norm=float(np.max(np.abs(grad_sad))),
        n_unstable=int(np.sum(eig < -eig_tol)),
        hessian_low=(float(eig[0]), float(eig[1]), float(eig[2])),
        n_sites=n_sites,
        h_over_xi=hh,
        length_over_xi=n_bonds * hh,
        path_m=np.asarray(ms)[order],
        path_g=np.asarray(gs)[order] * e_unit,
        x=x * xi,
        theta=theta,
        phi=phi,
    )
