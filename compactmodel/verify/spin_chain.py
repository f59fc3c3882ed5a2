"""Discrete classical-spin chain: an independent check of the gate link and the slip laws.

A ring (or open chain) of unit vectors with exchange, per-site anisotropy, Gilbert damping,
spin-Hall contact torques (eq. 6 of Tserkovnyak & Xiao, PRL 121, 127701 (2018)) and spin
pumping. It knows nothing of the compact model: it imports numpy, scipy and the physical
constants of :mod:`compactmodel.core.constants` only, and none of the closed forms of
:mod:`compactmodel.physics` or :mod:`compactmodel.symbolic` (the tests and
``benchmarks/spin_chain_tables.py`` hold the two against each other; issue 12, item 6).

Conventions (SI, quasi-1D: bulk values times the wire's cross-section)
-----------------------------------------------------------------------
* Sites i = 0..N-1 with spacing ``h`` [m], unit vectors ``n[i]`` (array (N, 3)). A ring
  (``periodic=True``) has the bonds (i, i+1 mod N), an open chain the N-1 bonds (i, i+1).
* Energy [J]:  E = sum_bonds (A/h)(1 - n_i.n_j) + sum_i h kani_i (n_i^z)^2, with ``A`` [J m]
  the stiffness (continuum A (d_x phi)^2/2 per length) and ``kani`` [J/m] the anisotropy per
  length (> 0 easy plane xy, < 0 easy axis z). 1 - n_i.n_j is evaluated as |n_i - n_j|^2/2.
  Healing length xi = sqrt(A/2K) = 1/k_c, Landau wave number k_c = sqrt(2K/A), barrier scale
  E0 = 2 sqrt(2 A K).
* Current bias of an open chain (the reservoir limit of a long wire): G = E - J (phi_0 - phi_{N-1}),
  a conservative torque J [J] about +z on site 0 and -J on site N-1.
* In-plane angle phi = atan2(n_y, n_x); winding of a ring = sum of wrapped bond differences
  / 2 pi (phi increasing along i: positive winding). Twist of an open chain phi_0 - phi_{N-1}.
* Dynamics. Site angular momentum S n, S = s_q h [J s] (s_q [J s/m] the spin density per
  length); with H = -dE/dn [J]:  S dn/dt = n x H + T - alpha_i S n x dn/dt, T the contact
  torques, alpha_i the Gilbert damping plus g/S on contact sites (spin pumping g [J s]).
  For small n_z in an easy-plane magnet d phi/dt = (2 kani/s_q) n_z, so the continuum
  susceptibility is chi = s_q^2/(2 K) [J s^2/m] and the spin-wave speed u = sqrt(A/chi).
  Integrated in the explicit Landau-Lifshitz form S (1+alpha^2) dn/dt = F - alpha n x F,
  F = n x H + T, by classical RK4 with renormalisation of |n|.
* Spin-Hall contacts (eq. 6): site ``contacts[0]`` receives T = +vartheta I n x (z x n), site
  ``contacts[1]`` receives -vartheta I n x (z x n) (``theta_i`` = vartheta I [J]); the continuum
  limit is -A d_x phi = -/+ g d_t phi + vartheta I at x = 0, L.
* Statics: Riemannian (Levenberg-Marquardt damped) Newton on the product of spheres, tangent
  basis e1 = (x z/r, y z/r, -r) (polar), e2 = z x n / r (in-plane); the Hessian is banded after
  interleaving the sites (0, N-1, 1, N-2, ...), so solves and lowest eigenvalues cost O(N).
  Hessian eigenvalues are in J/rad^2.
* Phase-slip saddles: constrained minimisation with n_z of one site held (the reaction
  coordinate m); the maximum of the constrained minimum E(m) has zero constraint force and is
  a stationary point, polished by undamped Newton, its Hessian index counted (first-order
  saddle = one negative eigenvalue besides the zero mode of the global rotation).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy.linalg import LinAlgError, eig_banded, solve_banded, solveh_banded
from scipy.optimize import brentq

from ..core.constants import E_CHARGE, HBAR, K_B

__all__ = [
    "REF_A", "REF_K", "REF_SQ", "REF_T", "kc_of", "barrier_scale", "bulk_barrier", "saddle_phase_jump",
    "ring_barrier", "wrap", "normalize", "inplane", "Chain", "make_ring", "twisted_state", "slip_path",
    "find_slip_saddle", "LLG", "unwrap_twist", "RelaxResult", "relax_ring", "GateBarrier", "gate_slip_barriers",
    "wire_slip_barrier", "buckling_threshold", "ChargeResult", "charge_chain", "K_B", "HBAR", "E_CHARGE",
]

#: Stiffness A [J m] (a 1 um antiferromagnetic-insulator wire, as in the compact model's defaults).
REF_A = 2.5e-27
#: Easy-plane anisotropy K [J/m]: k_c = sqrt(2K/A) = 7.071e7 rad/m, xi = 14.14 nm.
REF_K = 6.25e-12
#: Spin density per length s_q [J s/m] of the chain checks (chi = s_q^2/2K = 5e-33 J s^2/m).
REF_SQ = 2.5e-22
#: Temperature [K] at which barriers are quoted in k_B T.
REF_T = 300.0


# ------------------------------------------------------------------------- closed forms (wire)
def kc_of(A: float, K: float) -> float:
    """Landau wave number k_c = sqrt(2K/A)  [rad/m]."""
    return math.sqrt(2.0 * K / A)


def barrier_scale(A: float, K: float) -> float:
    """E0 = 2 sqrt(2 A K)  [J], the zero-current slip barrier of a bulk easy-plane wire."""
    return 2.0 * math.sqrt(2.0 * A * K)


def bulk_barrier(nu, A: float, K: float):
    """Current-biased bulk slip barrier E0 [sqrt(1-nu^2) - nu arccos(nu)]  [J], nu = k/k_c
    (Kim, Takei & Tserkovnyak, PRB 92, 220409 (2015)); a reference the chain is tested against."""
    nu = np.asarray(nu, float)
    return barrier_scale(A, K) * (np.sqrt(1.0 - nu**2) - nu * np.arccos(nu))


def saddle_phase_jump(nu):
    """Extra phase of the bulk slip saddle, delta = 2 arccos(nu) = -dB/dJ  [rad]."""
    return 2.0 * np.arccos(nu)


def ring_barrier(nu: float, L: float, A: float, K: float, selfconsistent: bool = True) -> float:
    """Wire-slip barrier [J] in a closed uniform ring of length L [m] at winding density nu = k/k_c.

    The saddle is a bulk core with extra phase delta on a background twist k' such that
    k' L + delta(k') = k L: Delta E = B_bulk(nu') - A delta(nu')^2/(2L), nu' + delta(nu')/(k_c L) = nu.
    To first order in 1/L this is B_bulk(nu) + A delta(nu)^2/(2L) (``selfconsistent=False``).
    """
    kc = kc_of(A, K)
    if not selfconsistent:
        return float(bulk_barrier(nu, A, K) + A * saddle_phase_jump(nu) ** 2 / (2 * L))
    f = lambda x: x + saddle_phase_jump(x) / (kc * L) - nu  # noqa: E731
    lo = -0.999999
    nup = brentq(f, lo, nu) if f(lo) < 0 else lo
    return float(bulk_barrier(nup, A, K) - A * saddle_phase_jump(nup) ** 2 / (2 * L))


# ------------------------------------------------------------------------------- vectors
def wrap(a):
    """Angles wrapped to (-pi, pi]  [rad]."""
    return np.pi - np.mod(np.pi - a, 2.0 * np.pi)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out


def normalize(n: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length."""
    return n / np.linalg.norm(n, axis=1)[:, None]


def inplane(phi, nz=None) -> np.ndarray:
    """Unit vectors with in-plane angle phi [rad] and z component nz (default 0), shape (N, 3)."""
    phi = np.asarray(phi, float)
    nz = np.zeros_like(phi) if nz is None else np.broadcast_to(nz, phi.shape)
    r = np.sqrt(1.0 - nz**2)
    return np.stack([r * np.cos(phi), r * np.sin(phi), nz], axis=1)


# --------------------------------------------------------------------------------- chain
class Chain:
    """Classical spin chain or ring (energy, gradient, banded Riemannian Hessian, minimisers).

    Parameters
    ----------
    kani: anisotropy per length of each site [J/m] (E = h kani n_z^2 per site), shape (N,).
    h: site spacing [m].  A: stiffness [J m].  periodic: ring (True) or open chain (False).
    J: current bias [J] of an open chain, G = E - J (phi_0 - phi_{N-1}).
    """

    def __init__(self, kani: Sequence[float] | np.ndarray, h: float, A: float, periodic: bool = True, J: float = 0.0):
        self.kani = np.asarray(kani, float).copy()
        self.N = len(self.kani)
        self.h = float(h)
        self.A = float(A)
        self.periodic = bool(periodic)
        self.J = float(J)
        if self.J != 0.0 and self.periodic:
            raise ValueError("a current bias J is defined for open chains only")
        i = np.arange(self.N)
        self.b0, self.b1 = (i, (i + 1) % self.N) if self.periodic else (i[:-1], i[1:])
        self.cJ = self.A / self.h  #: bond coupling A/h [J]
        pos = np.empty(self.N, int)  # interleaved order -> band width 2 sites = 5 coordinates
        half = (self.N + 1) // 2
        pos[:half] = 2 * np.arange(half)
        j = np.arange(self.N - half)
        pos[self.N - 1 - j] = 2 * j + 1
        self.pos = pos
        self.ubw = 5
        self._ref = None

    # ------------------------------------------------------------------ energy
    def phases(self, n: np.ndarray) -> np.ndarray:
        """In-plane angles phi_i  [rad]."""
        return np.arctan2(n[:, 1], n[:, 0])

    def bond_dphi(self, n: np.ndarray) -> np.ndarray:
        """Wrapped phi_{b1} - phi_{b0} over the bonds  [rad]."""
        p = self.phases(n)
        return wrap(p[self.b1] - p[self.b0])

    def winding(self, n: np.ndarray) -> float:
        """Winding number of a ring (or total twist / 2 pi of an open chain)  [-]."""
        return float(self.bond_dphi(n).sum() / (2 * np.pi))

    def end_phase_difference(self, n: np.ndarray) -> float:
        """phi_0 - phi_{N-1} [rad] (inside the minimisers continued from a running reference, so
        it stays continuous when a bond angle passes pi in a slip core)."""
        if self._ref is None:
            return float(-self.bond_dphi(n).sum())
        R, a0, aN = self._ref
        return float(R + wrap(math.atan2(n[0, 1], n[0, 0]) - a0) - wrap(math.atan2(n[-1, 1], n[-1, 0]) - aN))

    def _set_ref(self, n: np.ndarray) -> None:
        if self.J != 0.0:
            R = self.end_phase_difference(n)
            self._ref = (R, math.atan2(n[0, 1], n[0, 0]), math.atan2(n[-1, 1], n[-1, 0]))

    def energy(self, n: np.ndarray) -> float:
        """E [J] (G = E - J (phi_0 - phi_{N-1}) for a current-biased open chain)."""
        d = n[self.b0] - n[self.b1]
        E = 0.5 * self.cJ * np.sum(d * d) + self.h * np.sum(self.kani * n[:, 2] ** 2)
        if self.J != 0.0:
            E -= self.J * self.end_phase_difference(n)
        return float(E)

    def grad(self, n: np.ndarray) -> np.ndarray:
        """Cartesian gradient dE/dn  [J], shape (N, 3)."""
        g = np.empty_like(n)
        g[1:] = n[:-1]
        g[:-1] += n[1:]
        if self.periodic:
            g[0] = n[-1] + n[1]
            g[-1] += n[0]
        else:
            g[0] = n[1]
        g *= -self.cJ
        g[:, 2] += 2.0 * self.h * self.kani * n[:, 2]
        if self.J != 0.0:
            for site, sgn in ((0, -1.0), (self.N - 1, +1.0)):
                x, y = n[site, 0], n[site, 1]
                r2 = x * x + y * y
                g[site, 0] += sgn * self.J * (-y / r2)
                g[site, 1] += sgn * self.J * (x / r2)
        return g

    def field(self, n: np.ndarray) -> np.ndarray:
        """Effective field H = -dE/dn  [J]."""
        return -self.grad(n)

    def max_torque(self, n: np.ndarray) -> float:
        """max_i |n_i x H_i| / (A/h)  [-], the static residual."""
        return float(np.max(np.linalg.norm(_cross(n, self.field(n)), axis=1)) / self.cJ)

    # --------------------------------------------------------------- Riemannian
    @staticmethod
    def tangent_basis(n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Orthonormal tangent basis e1 (polar, keeps phi), e2 = z x n / r (in-plane)."""
        x, y, z = n[:, 0], n[:, 1], n[:, 2]
        r = np.sqrt(x * x + y * y)
        pole = r < 1e-12
        rs = np.where(pole, 1.0, r)
        e1 = np.stack([x * z / rs, y * z / rs, -r], axis=1)
        e2 = np.stack([-y / rs, x / rs, np.zeros_like(x)], axis=1)
        if np.any(pole):
            sgn = np.sign(z[pole])
            e1[pole] = np.stack([sgn, 0 * sgn, 0 * sgn], axis=1)
            e2[pole] = np.stack([0 * sgn, np.ones_like(sgn), 0 * sgn], axis=1)
        return e1, e2

    def rgrad(self, n: np.ndarray, g: np.ndarray | None = None, basis=None) -> np.ndarray:
        """Riemannian gradient in band ordering (length 2N)  [J/rad]."""
        g = self.grad(n) if g is None else g
        e1, e2 = self.tangent_basis(n) if basis is None else basis
        out = np.empty(2 * self.N)
        out[2 * self.pos] = np.sum(g * e1, axis=1)
        out[2 * self.pos + 1] = np.sum(g * e2, axis=1)
        return out

    def hess_band(self, n: np.ndarray, g: np.ndarray | None = None, basis=None, removed: np.ndarray | None = None,
                  circle_sites: Sequence[int] = ()) -> np.ndarray:
        """Riemannian Hessian in symmetric upper band storage (ubw+1, 2N)  [J/rad^2].

        ``removed``: mask (2N,) of frozen coordinates (row/column -> identity). ``circle_sites``:
        sites held on a circle of fixed n_z; their in-plane curvature is -(g . n_perp)/r^2.
        """
        N, u = self.N, self.ubw
        g = self.grad(n) if g is None else g
        e1, e2 = self.tangent_basis(n) if basis is None else basis
        E = (e1, e2)
        rows, cols, vals = [], [], []
        ng = np.sum(n * g, axis=1)
        for a in range(2):  # on-site: anisotropy 2 h kani z z^T minus (n.g) 1
            for b in range(a, 2):
                v = 2 * self.h * self.kani * E[a][:, 2] * E[b][:, 2]
                if a == b:
                    v = v - ng
                    if a == 1 and len(circle_sites):
                        cs = np.asarray(circle_sites)
                        r2 = n[cs, 0] ** 2 + n[cs, 1] ** 2
                        v = v.copy()
                        v[cs] += ng[cs] - (g[cs, 0] * n[cs, 0] + g[cs, 1] * n[cs, 1]) / r2
                rows.append(2 * self.pos + a)
                cols.append(2 * self.pos + b)
                vals.append(v)
        if self.J != 0.0:
            for site, sgn in ((0, -1.0), (N - 1, +1.0)):
                x, y = n[site, 0], n[site, 1]
                r2 = x * x + y * y
                Hc = np.zeros((3, 3))
                Hc[0, 0] = 2 * x * y / r2**2
                Hc[1, 1] = -2 * x * y / r2**2
                Hc[0, 1] = Hc[1, 0] = (y * y - x * x) / r2**2
                Hc *= sgn * self.J
                for a in range(2):
                    for b in range(a, 2):
                        rows.append(np.array([2 * self.pos[site] + a]))
                        cols.append(np.array([2 * self.pos[site] + b]))
                        vals.append(np.array([E[a][site] @ Hc @ E[b][site]]))
        for a in range(2):  # bonds: -(A/h) e_a(i).e_b(j)
            for b in range(2):
                rows.append(2 * self.pos[self.b0] + a)
                cols.append(2 * self.pos[self.b1] + b)
                vals.append(-self.cJ * np.sum(E[a][self.b0] * E[b][self.b1], axis=1))
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        lo, hi = np.minimum(r, c), np.maximum(r, c)
        if removed is not None:
            keep = ~(removed[lo] | removed[hi])
            lo, hi, v = lo[keep], hi[keep], v[keep]
        ab = np.zeros((u + 1, 2 * N))
        np.add.at(ab, (u + lo - hi, hi), v)
        if removed is not None:
            ab[u, removed] = 1.0
        return ab

    def retract(self, n: np.ndarray, d: np.ndarray, basis) -> np.ndarray:
        """n <- normalize(n + a e1 + b e2), d = (a, b) in band ordering."""
        e1, e2 = basis
        return normalize(n + d[2 * self.pos][:, None] * e1 + d[2 * self.pos + 1][:, None] * e2)

    def removed_mask(self, fixed_phase: Sequence[int] = (), fixed_polar: Sequence[int] = ()) -> np.ndarray:
        """Mask of frozen tangent coordinates: in-plane angle (``fixed_phase``) or polar (``fixed_polar``)."""
        m = np.zeros(2 * self.N, bool)
        for s in fixed_polar:
            m[2 * self.pos[s]] = True
        for s in fixed_phase:
            m[2 * self.pos[s] + 1] = True
        return m

    @staticmethod
    def _enforce_nz(n: np.ndarray, fixed_nz: dict[int, float]) -> np.ndarray:
        for site, m in fixed_nz.items():
            r = math.hypot(n[site, 0], n[site, 1])
            f = math.sqrt(max(1 - m * m, 0.0)) / max(r, 1e-300)
            n[site] = (n[site, 0] * f, n[site, 1] * f, m)
        return n

    def minimize(self, n: np.ndarray, fixed_phase: Sequence[int] = (), fixed_nz: dict[int, float] | None = None,
                 gtol: float = 1e-9, maxit: int = 400, max_step: float = 0.5) -> tuple[np.ndarray, dict]:
        """Levenberg-Marquardt damped Riemannian Newton descent to a local minimum.

        ``fixed_phase``: sites whose in-plane angle is held; ``fixed_nz``: {site: m}, n_z held at m.
        Converged when max |Riemannian gradient| < gtol A/h. Returns (n, {E [J], gmax [A/h], it}).
        """
        fixed_nz = {} if fixed_nz is None else fixed_nz
        removed = self.removed_mask(fixed_phase, fixed_polar=tuple(fixed_nz))
        nzs = tuple(fixed_nz)
        scale = self.cJ
        mu = 1e-4 * scale
        n = self._enforce_nz(normalize(np.array(n, float)), fixed_nz)
        self._ref = None
        self._set_ref(n)
        E = self.energy(n)
        gmax = np.inf
        it = 0
        for it in range(maxit):
            g, basis, gr, gmax = self._newton_gradient(n, removed)
            if gmax < gtol * scale:
                break
            ab = self.hess_band(n, g, basis, removed, circle_sites=nzs)
            for _ in range(60):
                abm = ab.copy()
                abm[self.ubw] += mu
                try:
                    d = solveh_banded(abm, -gr)
                except LinAlgError:
                    mu *= 8.0
                    continue
                s = np.max(np.abs(d))
                if s > max_step:
                    d *= max_step / s
                n_new = self._enforce_nz(self.retract(n, d, basis), fixed_nz)
                E_new = self.energy(n_new)
                if E_new <= E + 1e-13 * (abs(E) + scale):
                    n, E = n_new, E_new
                    self._set_ref(n)
                    mu = max(mu / 4.0, 1e-12 * scale)
                    break
                mu *= 8.0
            else:
                break
        self._ref = None
        return n, dict(E=E, gmax=gmax / scale, it=it)

    def _newton_gradient(self, n: np.ndarray, removed: np.ndarray):
        """(Euclidean gradient, tangent basis, Riemannian gradient with the removed coordinates zeroed,
        its largest magnitude) at n: the start of every Newton step."""
        g = self.grad(n)
        basis = self.tangent_basis(n)
        gr = self.rgrad(n, g, basis)
        gr[removed] = 0.0
        return g, basis, gr, float(np.max(np.abs(gr)))

    def stationary(self, n: np.ndarray, pin: Sequence[int] = (), gtol: float = 1e-10, maxit: int = 60,
                   max_step: float = 0.2) -> tuple[np.ndarray, dict]:
        """Undamped Riemannian Newton iteration to a nearby stationary point of any index.

        ``pin``: sites whose in-plane angle is frozen (removes the zero mode of the global rotation).
        """
        removed = self.removed_mask(tuple(pin))
        scale, u = self.cJ, self.ubw
        n = normalize(np.array(n, float))
        gmax = np.inf
        it = 0
        for it in range(maxit):
            g, basis, gr, gmax = self._newton_gradient(n, removed)
            if gmax < gtol * scale:
                break
            ab = self.hess_band(n, g, basis, removed)
            full = np.zeros((2 * u + 1, ab.shape[1]))
            full[: u + 1] = ab
            for k in range(1, u + 1):
                full[u + k, :-k] = ab[u - k, k:]
            d = solve_banded((u, u), full, -gr)
            s = np.max(np.abs(d))
            if s > max_step:
                d *= max_step / s
            n = self.retract(n, d, basis)
        return n, dict(E=self.energy(n), gmax=gmax / scale, it=it)

    def lowest_eigs(self, n: np.ndarray, k: int = 4) -> np.ndarray:
        """The k lowest eigenvalues of the Riemannian Hessian at n  [J/rad^2]."""
        return eig_banded(self.hess_band(n), eigvals_only=True, select="i", select_range=(0, k - 1))

    def hessian_index(self, n: np.ndarray, k: int = 6, rel_tol: float = 1e-7) -> tuple[int, np.ndarray]:
        """(number of negative eigenvalues, lowest eigenvalues); |lambda| < rel_tol A/h counts as zero."""
        w = self.lowest_eigs(n, k)
        return int(np.sum(w < -rel_tol * self.cJ)), w

    def outofplane_lowest(self, phi: np.ndarray) -> float:
        """Lowest eigenvalue [J] of the out-of-plane block d^2E/dm_i dm_j (m = n_z) of the in-plane
        state with angles phi: diagonal sum (A/h) cos(dphi) + 2 h kani, off-diagonal -(A/h)."""
        p = np.asarray(phi, float)
        c = np.cos(p[self.b1] - p[self.b0])
        diag = 2 * self.h * self.kani.copy()
        np.add.at(diag, self.b0, self.cJ * c)
        np.add.at(diag, self.b1, self.cJ * c)
        ab = np.zeros((3, self.N))
        ab[2, self.pos] = diag
        lo = np.minimum(self.pos[self.b0], self.pos[self.b1])
        hi = np.maximum(self.pos[self.b0], self.pos[self.b1])
        np.add.at(ab, (2 + lo - hi, hi), -self.cJ)
        return float(eig_banded(ab, eigvals_only=True, select="i", select_range=(0, 0))[0])


# --------------------------------------------------------------------------- constructors
def make_ring(L_wire: float, lgate: float, h: float, A: float = REF_A, K: float = REF_K,
              Kg: float | None = None) -> tuple[Chain, np.ndarray]:
    """Ring = wire of length L_wire [m] (kani = K) followed by a gate of length lgate (kani = Kg).

    N = round(L_wire/h) + round(lgate/h) sites, the gate on the last ones. Returns (chain, gate mask).
    """
    Ng, Nw = int(round(lgate / h)), int(round(L_wire / h))
    kani = np.full(Nw + Ng, float(K))
    gate = np.zeros(Nw + Ng, bool)
    gate[Nw:] = True
    if Kg is not None:
        kani[gate] = Kg
    return Chain(kani, h, A, periodic=True), gate


def twisted_state(N: int, W: float, noise: float = 0.0, seed: int = 0, phi0: float = 0.0) -> np.ndarray:
    """Uniformly twisted in-plane ring state phi_i = phi0 + 2 pi W i/N, plus Gaussian noise of rms ``noise``."""
    n = inplane(phi0 + 2 * np.pi * W * np.arange(N) / N)
    if noise:
        n = normalize(n + noise * np.random.default_rng(seed).standard_normal(n.shape))
    return n


# ---------------------------------------------------------------------------- phase slips
def slip_path(chain: Chain, n_min: np.ndarray, c: int, nstep: int = 40, m_end: float = 1.0 - 1e-7,
              power: float = 2.0, gtol: float = 1e-9, width: int | None = None, stop_after_max: int = 2,
              ms: np.ndarray | None = None) -> dict:
    """Constrained-minimum path of a phase slip at site c, m = n_z(c) from its value in n_min to m_end.

    Spacing 1 - m = (1 - m0)(1 - s)^power (dense near the pole). Stops two samples past the first
    maximum of E(m) or when the constrained minimum jumps to the next winding sector. Returns a dict
    of arrays m, E [J], W, force = dE/dm [J] and the configurations n.
    """
    n = np.array(n_min, float)
    if n[c, 2] < 0:
        n[:, 2] *= -1.0
    m0 = n[c, 2]
    if ms is None:
        s = np.linspace(0.0, 1.0, nstep + 1)
        ms = np.minimum(1.0 - (1.0 - m0) * (1.0 - s) ** power, m_end)
    Wstart = chain.winding(n)
    if width is None:
        width = max(3, int(round(2.0 * math.sqrt(chain.A / (2 * np.max(np.abs(chain.kani)))) / chain.h)))
    idx = np.arange(chain.N)
    dist = np.minimum(np.abs(idx - c), chain.N - np.abs(idx - c)) if chain.periodic else np.abs(idx - c)
    prof = np.exp(-((dist / width) ** 2))
    out: dict = dict(m=[], E=[], W=[], force=[], n=[])
    for m in ms:
        nz = np.clip(n[:, 2] + (m - n[c, 2]) * prof, -1 + 1e-12, 1 - 1e-12)  # raise a bump around c
        nz[c] = m
        r = np.sqrt((1 - nz**2) / np.maximum(n[:, 0] ** 2 + n[:, 1] ** 2, 1e-300))
        n = np.stack([n[:, 0] * r, n[:, 1] * r, nz], axis=1)
        n, info = chain.minimize(n, fixed_nz={c: m}, gtol=gtol, maxit=150)
        g = chain.grad(n)
        e1, _ = chain.tangent_basis(n)
        out["m"].append(m)
        out["E"].append(info["E"])
        out["W"].append(chain.winding(n))
        out["force"].append(-np.dot(g[c], e1[c]) / math.sqrt(max(1 - m * m, 1e-300)))
        out["n"].append(n.copy())
        fo = out["force"]
        if stop_after_max and len(fo) > stop_after_max + 1 and max(fo[:-stop_after_max]) > 0 \
                and all(x < 0 for x in fo[-stop_after_max:]):
            break
        if abs(out["W"][-1] - Wstart) > 0.5:
            break
    for k in ("m", "E", "W", "force"):
        out[k] = np.array(out[k])
    return out


def find_slip_saddle(chain: Chain, n_min: np.ndarray, c: int, nstep: int = 40, pin: Sequence[int] | None = None,
                     n_bisect: int = 12, power: float = 2.0) -> dict:
    """Phase-slip saddle through site c next to the local minimum n_min.

    Constrained path (:func:`slip_path`), bisection/secant on the zero of dE/dm bracketing its first
    maximum, Newton polish on the full problem (global rotation pinned at a far site), Hessian index.
    Returns dict(E_min, E_sad [J], barrier [J], index, eigs, n_sad, W_min, W_sad, nz_sad, gmax, ok, path).
    """
    N = chain.N
    E0 = chain.energy(n_min)
    path = slip_path(chain, n_min, c, nstep=nstep, power=power)
    W0 = chain.winding(n_min)
    for _ in range(4):  # the sector changed before E(m) turned over: resample the last interval
        f, same = path["force"], np.abs(path["W"] - W0) < 0.5
        fs = f[same]
        if np.any((fs[:-1] > 0) & (fs[1:] <= 0)) or same.all():
            break
        j = int(np.argmin(same)) - 1
        sub = slip_path(chain, path["n"][j], c, ms=np.linspace(path["m"][j], path["m"][j + 1], 17)[1:])
        for key in ("m", "E", "W", "force"):
            path[key] = np.concatenate([path[key][: j + 1], sub[key]])
        path["n"] = path["n"][: j + 1] + sub["n"]
    keep = np.abs(path["W"] - W0) < 0.5
    f = np.where(keep, path["force"], -np.inf)
    sc = np.where((f[:-1] > 0) & (f[1:] <= 0))[0]  # first maximum along the path
    if len(sc):
        j = sc[0]
        k = j if path["E"][j] >= path["E"][j + 1] else j + 1
    else:
        k = int(np.argmax(np.where(keep, path["E"], -np.inf)))
    res: dict = dict(E_min=E0, path=path, W_min=W0)
    n_guess = path["n"][k]
    if 0 < k < len(f) - 1:
        j = k if f[k] * f[k + 1] <= 0 else k - 1
        ma, mb, fa, fb = path["m"][j], path["m"][j + 1], f[j], f[j + 1]
        if not np.isfinite(fb):
            fb = -abs(fa)
        na = path["n"][j]
        best = (path["E"][k], n_guess)
        fscale = max(np.abs(path["force"]).max(), 1e-300)
        for it in range(n_bisect):
            mm = ma - fa * (mb - ma) / (fb - fa) if it % 2 == 0 else 0.5 * (ma + mb)
            if not (min(ma, mb) < mm < max(ma, mb)):
                mm = 0.5 * (ma + mb)
            nz = na[:, 2].copy()
            nz[c] = mm
            r = np.sqrt((1 - nz**2) / (na[:, 0] ** 2 + na[:, 1] ** 2))
            ntry, info = chain.minimize(np.stack([na[:, 0] * r, na[:, 1] * r, nz], axis=1), fixed_nz={c: mm}, gtol=1e-10)
            g = chain.grad(ntry)
            e1, _ = chain.tangent_basis(ntry)
            fm = -np.dot(g[c], e1[c]) / math.sqrt(1 - mm * mm)
            if abs(chain.winding(ntry) - W0) > 0.5:
                mb, fb = mm, -abs(fa)
                continue
            if info["E"] > best[0]:
                best = (info["E"], ntry)
            if fm * fa > 0:
                ma, fa, na = mm, fm, ntry
            else:
                mb, fb = mm, fm
            if abs(mb - ma) < 1e-12 or abs(fm) < 1e-6 * fscale:
                break
        n_guess = best[1]
    if pin is None:
        pin = ((c + N // 2) % N,) if chain.periodic else ()
    n_sad, info = chain.stationary(n_guess, pin=pin)
    nneg, w = chain.hessian_index(n_sad, k=6)
    res.update(E_sad=info["E"], barrier=info["E"] - E0, index=nneg, eigs=w, n_sad=n_sad, gmax=info["gmax"],
               E_path_max=path["E"][k], W_sad=chain.winding(n_sad), nz_sad=float(np.max(np.abs(n_sad[:, 2]))))
    res["ok"] = nneg == 1 and info["gmax"] < 1e-7 and abs(res["W_sad"] - W0) < 0.5 and res["barrier"] > 0
    return res


# -------------------------------------------------------------------------------- dynamics
class LLG:
    """Landau-Lifshitz-Gilbert dynamics of a :class:`Chain` (see the module docstring).

    s_q: spin density per length [J s/m]; alpha: Gilbert damping [-]; g_pump: spin-pumping
    coefficient g [J s] added on the contact sites; theta_i: contact torque vartheta I [J]
    (a number or a function of t [s]); contacts: (site receiving +theta_i, site receiving -theta_i).
    """

    def __init__(self, chain: Chain, s_q: float, alpha: float, g_pump: float = 0.0,
                 theta_i: float | Callable[[float], float] = 0.0, contacts: tuple[int, int] | None = None):
        self.c = chain
        self.s_q = float(s_q)
        self.S = self.s_q * chain.h
        a = np.full(chain.N, float(alpha))
        self.contacts = contacts
        if contacts is not None:
            for s in contacts:
                a[s] += g_pump / self.S
        self.alpha = a
        self._a = a[:, None]
        self._den = (self.S * (1.0 + a * a))[:, None]
        self.theta_i = theta_i

    def torque_amp(self, t: float) -> float:
        """vartheta I at time t  [J]."""
        return float(self.theta_i(t)) if callable(self.theta_i) else float(self.theta_i)

    def rhs(self, t: float, n: np.ndarray) -> np.ndarray:
        """dn/dt  [1/s]."""
        F = _cross(n, self.c.field(n))
        if self.contacts is not None:
            ti = self.torque_amp(t)
            if ti != 0.0:
                for s, sgn in zip(self.contacts, (1.0, -1.0)):
                    F[s] += sgn * ti * (np.array([0.0, 0.0, 1.0]) - n[s, 2] * n[s])
        return (F - self._a * _cross(n, F)) / self._den

    def dt_stable(self, safety: float = 0.5) -> float:
        """RK4 step [s] from the largest spin-wave frequency (4A/h^2 + 2 max|kani|)/s_q."""
        c = self.c
        return safety * 2.8 * self.s_q / (4 * c.A / c.h**2 + 2 * np.max(np.abs(c.kani)))

    def run(self, n: np.ndarray, t_end: float, dt: float | None = None, t0: float = 0.0,
            record_every: int | None = None, callback: Callable | None = None) -> tuple[np.ndarray, float, list]:
        """RK4 with renormalisation from t0 to t_end [s]; ``callback(t, n)`` every ``record_every``
        steps (and at t0). Returns (n, t, records)."""
        dt = self.dt_stable() if dt is None else dt
        nsteps = max(int(math.ceil((t_end - t0) / dt)), 1)
        dt = (t_end - t0) / nsteps
        t = t0
        recs = [callback(t, n)] if callback is not None else []
        for k in range(nsteps):
            k1 = self.rhs(t, n)
            k2 = self.rhs(t + dt / 2, n + dt / 2 * k1)
            k3 = self.rhs(t + dt / 2, n + dt / 2 * k2)
            k4 = self.rhs(t + dt, n + dt * k3)
            n = normalize(n + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4))
            t = t0 + (k + 1) * dt
            if record_every and callback is not None and (k + 1) % record_every == 0:
                recs.append(callback(t, n))
        return n, t, recs


def unwrap_twist(chain: Chain, n: np.ndarray, i0: int = 0, i1: int | None = None) -> float:
    """phi(i0) - phi(i1) as minus the sum of the wrapped bond differences between them  [rad]."""
    i1 = chain.N - 1 if i1 is None else i1
    return float(-np.sum(chain.bond_dphi(n)[i0:i1]))


# ----------------------------------------------------------------------------- experiments
@dataclass
class RelaxResult:
    """Zero-temperature LLG relaxation of a gated ring (:func:`relax_ring`)."""

    Kg_rel: float  #: K_g/K
    lgate: float  #: [m]
    W0: float  #: winding at the start
    W_llg: float  #: winding at the end of the LLG run
    W_final: float  #: winding of the Newton-polished local minimum
    nz_gate: float  #: max |n_z| in the gate at the final minimum (buckling)
    n_neg: int  #: negative Hessian eigenvalues at the final minimum (0: stable)
    t_end: float  #: LLG time [s]
    t_first_slip: float | None  #: time of the first change of the winding [s]
    wall: float  #: wall-clock time [s]
    history: list = field(default_factory=list, repr=False)  #: (t [s], W, max |n_z| gate, torque [A/h])

    @property
    def held(self) -> bool:
        return abs(self.W_final - self.W0) < 0.5


def relax_ring(Kg_rel: float, lgate: float, W: int = 3, L_wire: float = 1e-6, h: float = 2e-9, alpha: float = 0.1,
               A: float = REF_A, K: float = REF_K, s_q: float = REF_SQ, t_min: float = 2e-9, t_max: float = 20e-9,
               chunk: float = 2e-10, torque_tol: float = 1e-5, noise: float = 1e-3, seed: int = 1) -> RelaxResult:
    """Hold or release: LLG relaxation of a ring (wire L_wire + gate lgate with K_g = Kg_rel K) from a
    uniform twist with winding W plus n_z noise, until the torque is below ``torque_tol`` A/h (after at
    least ``t_min``) or ``t_max`` [s]; then Newton polish and Hessian index of the local minimum
    (the LLG continues if it is not stable)."""
    wall = time.time()
    ch, gate = make_ring(L_wire, lgate, h, A, K, Kg=Kg_rel * K)
    rng = np.random.default_rng(seed)
    n = twisted_state(ch.N, W)
    n[:, 2] += noise * rng.standard_normal(ch.N)
    n = normalize(n)
    llg = LLG(ch, s_q, alpha)
    dt = llg.dt_stable(0.5)
    W0 = ch.winding(n)
    t, hist, t_slip = 0.0, [], None
    n_min, nneg, Wll = n, 1, W0
    while t < t_max - 1e-15:
        n, t, _ = llg.run(n, t + chunk, dt=dt, t0=t)
        Wt = ch.winding(n)
        tq = ch.max_torque(n)
        hist.append((t, Wt, float(np.max(np.abs(n[gate, 2]))) if gate.any() else 0.0, tq))
        if t_slip is None and abs(Wt - W0) > 0.5:
            t_slip = t
        if t >= t_min and tq < torque_tol:
            n_min, _ = ch.minimize(n, gtol=1e-10)
            nneg, _ = ch.hessian_index(n_min, k=4)
            Wll = Wt
            if nneg == 0:
                break
    else:
        n_min, _ = ch.minimize(n, gtol=1e-10)
        nneg, _ = ch.hessian_index(n_min, k=4)
        Wll = ch.winding(n)
    return RelaxResult(Kg_rel, lgate, W0, Wll, ch.winding(n_min), float(np.max(np.abs(n_min[gate, 2]))) if gate.any() else 0.0,
                       nneg, t, t_slip, time.time() - wall, hist)


@dataclass
class GateBarrier:
    """Lowering slip barrier through the gate of a ring at winding W (:func:`gate_slip_barriers`)."""

    Kg_rel: float
    lgate: float  #: [m]
    W: int
    L_ring: float  #: [m]
    status: str  #: "ok", "check" (saddle not first order) or "released" (no metastable state with W)
    barrier: float | None = None  #: [J]
    nu: float | None = None  #: spin current at the minimum, J/(A k_c), from a wire bond far from the gate
    index: int | None = None
    nz_gate_min: float = 0.0  #: max |n_z| in the gate at the minimum


def _local_min(ch: Chain, W: int, noise: float = 1e-3, seed: int = 0) -> tuple[np.ndarray, float]:
    n, info = ch.minimize(twisted_state(ch.N, W, noise=noise, seed=seed), gtol=1e-10)
    return n, info["E"]


def gate_slip_barriers(Kg_rel: float, lgate: float, Ws: Sequence[int], L_wire: float = 1e-6, h: float = 2e-9,
                       A: float = REF_A, K: float = REF_K, nstep: int = 40) -> list[GateBarrier]:
    """Barriers of the slip through the gate centre that lowers the winding W -> W-1 (W = 0: the
    symmetric slip to +-1, found from the W = 1 side), by constrained minimisation + Newton."""
    ch, gate = make_ring(L_wire, lgate, h, A, K, Kg=Kg_rel * K)
    gi = np.where(gate)[0]
    c = int(gi[len(gi) // 2]) if len(gi) else ch.N // 2
    kc = kc_of(A, K)
    mins = {}
    for W in sorted(set(list(Ws) + [1])):
        n, E = _local_min(ch, W)
        mins[W] = (n, E, ch.winding(n))
    out, cache = [], {}
    for W in Ws:
        src = 1 if W == 0 else W
        n, E, Wact = mins[src]
        nW = mins[W][0]
        b = int(np.sum(~gate)) // 2  # a wire bond far from the gate: J = (A/h) (n_b x n_b+1)_z
        nu = float(ch.cJ * (nW[b, 0] * nW[b + 1, 1] - nW[b, 1] * nW[b + 1, 0]) / (A * kc))
        row = GateBarrier(Kg_rel, lgate, W, ch.N * h, "released", nu=nu,
                          nz_gate_min=float(np.max(np.abs(nW[gate, 2]))) if len(gi) else 0.0)
        if abs(Wact - src) > 1e-6 or abs(mins[W][2] - W) > 1e-6:
            out.append(row)
            continue
        if src not in cache:
            cache[src] = find_slip_saddle(ch, n, c, nstep=nstep)
        r = cache[src]
        row.barrier = r["E_sad"] - mins[W][1]
        row.index = r["index"]
        row.status = "ok" if r["ok"] else "check"
        out.append(row)
    return out


def wire_slip_barrier(L: float, W: int, h: float = 2e-9, A: float = REF_A, K: float = REF_K, nstep: int = 40) -> dict:
    """Wire slip W -> W-1 in a uniform ring of length L [m]: dict(barrier [J], nu, index, ok)."""
    ch, _ = make_ring(L, 0.0, h, A, K)
    n, _ = ch.minimize(twisted_state(ch.N, W))
    r = find_slip_saddle(ch, n, ch.N // 2, nstep=nstep)
    return dict(L=ch.N * h, W=W, nu=2 * np.pi * W / (ch.N * h) / kc_of(A, K), barrier=r["barrier"], index=r["index"], ok=r["ok"])


def buckling_threshold(lgate: float, h: float, W: int = 0, L_wire: float = 1e-6, A: float = REF_A,
                       K: float = REF_K) -> float:
    """K_g*/K at which the lowest out-of-plane Hessian eigenvalue of the uniformly twisted in-plane
    ring (winding W) vanishes: the gate buckles for K_g below it  [-]."""
    ch, gate = make_ring(L_wire, lgate, h, A, K)
    phi = 2 * np.pi * W * np.arange(ch.N) / ch.N

    def lowest(x: float) -> float:
        ch.kani[gate] = x * K
        return ch.outofplane_lowest(phi)

    return brentq(lowest, -50.0, 1.0, xtol=1e-10)


@dataclass
class ChargeResult:
    """LLG charge between two spin-Hall contacts (:func:`charge_chain`)."""

    t: np.ndarray  #: [s]
    twist: np.ndarray  #: phi(contact 0) - phi(contact 1) [rad]
    nz_max: np.ndarray  #: max |n_z| between the contacts [-]
    N: int
    L: float  #: contact-to-contact length (i1 - i0) h [m]
    theta_i: float  #: vartheta I after the ramp [J]
    transit: float  #: L/u [s]
    wall: float  #: [s]


def charge_chain(nu: float, L: float = 300e-9, h: float = 2e-9, alpha: float = 0.01, g_rel: float = 0.5,
                 ramp: float = 0.5, t_end: float = 6.0, lgate: float = 0.0, Kg_rel: float = 1.0, setback: float = 0.0,
                 A: float = REF_A, K: float = REF_K, s_q: float = REF_SQ, nrec: int = 240) -> ChargeResult:
    """Charge through eq. (6) contacts: the torque vartheta I = nu A k_c is ramped linearly over
    ``ramp`` L/u and held; ``t_end`` in L/u. Spin pumping g = g_rel sqrt(A chi) on the contact sites.

    ``lgate`` = 0: an open chain of N = L/h sites (the ideal open gate, contacts on the end sites);
    else a ring closed through a gate of length lgate with K_g = Kg_rel K: wire segments of length
    ``setback`` [m], the contacts L apart, and the gate; the contacts sit ``setback`` away from the gate
    edges (0: on the first and last wire sites). The twist is phi(first contact) - phi(second contact).
    """
    wall = time.time()
    chi = s_q**2 / (2 * K)
    u = math.sqrt(A / chi)
    tr = L / u
    if lgate > 0:
        nb = int(round(setback / h))
        ch, gate = make_ring(L + 2 * nb * h, lgate, h, A, K, Kg=Kg_rel * K)
        n0, _ = ch.minimize(twisted_state(ch.N, 0, noise=1e-3), gtol=1e-10)
        i0, i1 = nb, int((~gate).sum()) - 1 - nb
    else:
        ch = Chain(np.full(int(round(L / h)), K), h, A, periodic=False)
        n0 = inplane(np.zeros(ch.N))
        i0, i1 = 0, ch.N - 1
    contacts = (i0, i1)
    thetaI = nu * A * kc_of(A, K)
    tramp = ramp * tr
    llg = LLG(ch, s_q, alpha, g_pump=g_rel * math.sqrt(A * chi),
              theta_i=(lambda t: thetaI * min(t / tramp, 1.0)) if tramp > 0 else thetaI, contacts=contacts)
    dt = llg.dt_stable(0.5)
    T = t_end * tr
    nsteps = int(math.ceil(T / dt))
    every = max(1, nsteps // nrec)
    ref = unwrap_twist(ch, n0, i0, i1)
    cb = lambda t, n: (t, unwrap_twist(ch, n, i0, i1) - ref, float(np.max(np.abs(n[i0:i1 + 1, 2]))))  # noqa: E731
    _, _, rec = llg.run(n0, T, dt=T / (every * math.ceil(nsteps / every)), record_every=every, callback=cb)
    a = np.array(rec)
    return ChargeResult(a[:, 0], a[:, 1], a[:, 2], ch.N, (i1 - i0) * h, thetaI, tr, time.time() - wall)
