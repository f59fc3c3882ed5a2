"""Distributed reference solver for the spin-texture battery (method of lines).

An independent, grid-refinable solution of the continuum model of Tserkovnyak & Xiao,
PRL 121, 127701 (2018), used to measure how far the compact model is from the physics.
It shares nothing with :mod:`compactmodel.symbolic.lumped` / :mod:`compactmodel.symbolic.numeric` except
the parameter table (:func:`compactmodel.core.parameters.validate`).

Physics (quasi-1D, SI units; the paper's equation numbers)
-----------------------------------------------------------
* bulk, eqs. (1), (2), (5):  chi d_t^2 phi = A d_x^2 phi - alpha_s d_t phi   on 0 < x < L,
  with spin current I_s = -A d_x phi [J] (eq. 2) and spin density rho_s = chi d_t phi (eq. 5);
* contacts, eq. (6):  -A d_x phi = -g d_t phi + vartheta I   at x = 0,
                      -A d_x phi = +g d_t phi + vartheta I   at x = L;
* electrical port:    V = R I + vartheta (d_t phi(0) - d_t phi(L))   [V]
  (the spin-motive force reciprocal to the torque; the power vartheta I (phi_t(0) - phi_t(L))
  flows from the circuit into the magnet);
* gate closed: the gated section of length ``lgate`` (stiffness A) joins x = L back to
  x = 0 and is modelled as one spring of stiffness k_g = A / lgate [J/rad] with twist
  theta_g: it carries the spin current k_g theta_g out of x = L and into x = 0, and
  d theta_g/dt = phi_t(L) - phi_t(0) - gamma theta_g, gamma the small-twist limit of the
  phase-slip law under the gate (:func:`linear_slip_rate`, or ``slip_rate``). The
  reference is linear: the Arrhenius slip law itself, and slips in the wire, are not in it.
  Gate open: k_g = 0 (no spin current through the gate).

Discretisation (cell-centred finite volumes)
--------------------------------------------
N cells of width h = L/N; the unknowns are the cell-centre angles phi_i and rates
v_i = d_t phi_i (i = 1..N, centres at (i - 1/2) h) plus two *massless boundary nodes*
phi_b0 = phi(0), phi_bL = phi(L) that carry the contact conditions. Face fluxes (spin
currents in +x) are F_{i+1/2} = (A/h)(phi_i - phi_{i+1}) between cells and
F_{1/2} = (2A/h)(phi_b0 - phi_1), F_{N+1/2} = (2A/h)(phi_N - phi_bL) through the half
cells at the walls. Each cell balances its spin (eq. 1 integrated over the cell):

    h (chi dv_i/dt + alpha_s v_i) = F_{i-1/2} - F_{i+1/2},

and eq. (6) is imposed as the boundary flux: F_{1/2} = -g v_b0 + vartheta I + k_g theta_g,
F_{N+1/2} = +g v_bL + vartheta I + k_g theta_g, which fixes the boundary rates v_b0, v_bL
algebraically (with a resistive load the port current I = -vartheta (v_b0 - v_bL)/(R + R_load)
is solved together with them). This is second order in h (measured in the tests) and
is *not* the vertex-centred lumped-mass FE ladder of the compact model: there the
inertia sits on the N + 1 vertices (chi h/2 on the contact vertices); here it sits on
the N cell centres, the contacts carry no inertia, and the wall springs are half cells.
The discrete energy

    E = sum_faces k_f (phi_left - phi_right)^2 / 2 + sum_i h chi v_i^2 / 2 + k_g theta_g^2 / 2

obeys an exact discrete balance (electrical power in = dE/dt + losses), so the energy
bookkeeping below closes to rounding.

Time integration
----------------
The system is linear at fixed drive: y' = M y + b I(t). The drive is held first-order
(piecewise linear between output nodes; exact for piecewise-constant and piecewise-linear
drives, O(dt^2) for a smooth callable) by augmenting the state with (I, dI/dt), and each
step is the exact matrix exponential. The cumulative dissipated energies are quadratic
forms of the step's starting state, int_0^dt z^T Q z = z0^T W z0 with
W = int_0^dt exp(Ma^T t) Q exp(Ma t) dt, obtained by Gauss-Legendre quadrature on a tiny
sub-step followed by doubling (W(2d) = W(d) + E(d)^T W(d) E(d)), so even the sub-picosecond
boundary transients of a step drive are integrated exactly.

Limitation: like any full-system exponential, a slow slip rate gamma is only resolved when
it is well above eps * ||M|| (~1e-3 /s at the defaults); a RuntimeWarning is issued when
t_end is too long for that (e.g. a 10-year hold). Use it for transients, not retention.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Literal, Mapping, Sequence, Union

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sps
import scipy.sparse.linalg as spla

from ..core.parameters import validate
from ..physics import scales

__all__ = [
    "Gate",
    "Drive",
    "StateSpace",
    "State",
    "ReferenceResult",
    "state_space",
    "rest_state",
    "twisted_state",
    "simulate",
    "port_impedance",
]

Gate = Literal["open", "closed"]
#: Port current drive [A]: a constant, a piecewise-constant list of ``(t_start, I)`` pairs
#: (I = I_j for t_j <= t < t_{j+1}, 0 before the first), or a callable I(t).
Drive = Union[float, Sequence[tuple[float, float]], Callable[[float], float]]

_EPS = np.finfo(float).eps


# ----------------------------------------------------------------------------- layout
def _n_state(n_cells: int) -> int:
    """Size of the state vector [phi_1..phi_N, phi_b0, phi_bL, v_1..v_N, theta_g]."""
    return 2 * n_cells + 3


@dataclass(frozen=True)
class _Layout:
    """Positions in the state vector."""

    phi: slice  #: cell-centre angles phi_1..phi_N
    b0: int  #: boundary node phi(0)
    bL: int  #: boundary node phi(L)
    v: slice  #: cell-centre rates v_1..v_N
    tg: int  #: gate twist theta_g


def _idx(n_cells: int) -> _Layout:
    """Layout of [phi_1..phi_N, phi_b0, phi_bL, v_1..v_N, theta_g]."""
    n = n_cells
    return _Layout(phi=slice(0, n), b0=n, bL=n + 1, v=slice(n + 2, 2 * n + 2), tg=2 * n + 2)


# ------------------------------------------------------------------------ state space
@dataclass(frozen=True)
class StateSpace:
    """The discretised loop as a linear system y' = M y + b I  (SI units).

    ``y`` = [phi_1..phi_N (rad), phi_b0, phi_bL (rad), v_1..v_N (rad/s), theta_g (rad)].
    In current-source mode ``I`` [A] is the input; with a resistive load (``r_load``) the
    input is absent (b = 0) and I = ``current_row`` @ y.
    """

    params: dict[str, float]
    n_cells: int
    gate: Gate
    r_load: float | None
    matrix: sps.csr_matrix  #: M [1/s]
    b: np.ndarray  #: input column [rad/(s A)]; zero with a load
    vb_rows: np.ndarray  #: (2, n): boundary rates v_b0, v_bL = vb_rows @ y + vb_feed I [rad/s]
    vb_feed: np.ndarray  #: (2,) direct feedthrough of I into the boundary rates [rad/(s A)]
    current_row: np.ndarray | None  #: load mode: I = current_row @ y [A]
    face_springs: np.ndarray  #: (N+1,) k_f [J/rad] of the faces 1/2 .. N+1/2
    face_diff: sps.csr_matrix  #: (N+1, n): phi_left - phi_right of every face [rad]
    k_gate: float  #: k_g [J/rad]
    gamma: float  #: relaxation rate of theta_g [1/s]

    @property
    def size(self) -> int:
        return _n_state(self.n_cells)

    @property
    def h(self) -> float:
        """Cell width [m]."""
        return self.params["len"] / self.n_cells

    def twist(self, y: np.ndarray) -> np.ndarray:
        """Theta = phi(0) - phi(L)  [rad] (y may be (n,) or (n, K))."""
        ix = _idx(self.n_cells)
        return y[ix.b0] - y[ix.bL]

    def twist_energy(self, y: np.ndarray) -> np.ndarray:
        """Discrete int A (d_x phi)^2 / 2 dx  [J] (eqs. 3, 11)."""
        d = self.face_diff @ y
        return 0.5 * np.tensordot(self.face_springs, d * d, axes=1)

    def kinetic_energy(self, y: np.ndarray) -> np.ndarray:
        """Discrete int chi (d_t phi)^2 / 2 dx = int rho_s^2 / 2 chi  [J] (eqs. 3, 5)."""
        v = y[_idx(self.n_cells).v]
        return 0.5 * self.h * self.params["chi"] * np.sum(v * v, axis=0)

    def gate_energy(self, y: np.ndarray) -> np.ndarray:
        """k_g theta_g^2 / 2  [J], the twist energy of the gated section."""
        return 0.5 * self.k_gate * y[_idx(self.n_cells).tg] ** 2


def _check_gate(gate: str) -> Gate:
    if gate not in ("open", "closed"):
        raise ValueError(f"gate must be 'open' or 'closed', got {gate!r}")
    return gate  # type: ignore[return-value]


def _check_cells(n_cells: object) -> int:
    if isinstance(n_cells, bool) or not isinstance(n_cells, (int, np.integer)) or n_cells < 1:
        raise ValueError(f"n_cells must be a positive integer, got {n_cells!r}")
    return int(n_cells)


def linear_slip_rate(params: Mapping[str, float] | None = None, gate: Gate = "closed", temperature: float = 300.15) -> float:
    """Relaxation rate gamma of a small gate twist by phase slips under the gate  [1/s].

    The small-twist limit of the rate law of :mod:`compactmodel.physics.phase_slips`:
    d theta_g/dt = -2 pi Gamma_gate ~ -gamma theta_g with
    gamma = 4 pi fatt x0 theta_0 exp(-x0 B_0) (k_c(tnom)/k_c(T)), x0 = E0/k_B T, where B_0 (in E0) and
    theta_0 are the barrier and the saddle's half phase jump at zero torque in the closed ring:
    s cos theta_0 + 2 theta_0/ring = 0, B_0 = s sin theta_0 + theta_0^2/ring (ring = C A k_c, the ring's
    compliance; dB/dnu = -theta_0), solved here by root-finding, not with the circuit's one-step form.
    s^2 = K_g/K (s = 1 closed: B_0 = 1 + pi^2/(4 ring) to first order, theta_0 = pi/2 + O(1/ring);
    s = 0 open: B_0 = 0, theta_0 = pi/2).
    """
    from scipy.optimize import brentq

    from ..physics.phase_slips import ring_compliance

    p = validate(params)
    sc = scales.device_scales(p, temperature)
    x0 = sc.barrier_kt
    kc0 = scales.landau_winding_density(p["stiff"], p["kani"])
    if gate == "closed":
        ring = ring_compliance(p, temperature, 0.0)
        theta0 = brentq(lambda t: math.cos(t) + 2.0 * t / ring, math.pi / 2, math.pi, xtol=1e-15)
        b0 = math.sin(theta0) + theta0**2 / ring
    else:
        theta0, b0 = math.pi / 2, 0.0
    return 4.0 * math.pi * p["fatt"] * x0 * theta0 * math.exp(-x0 * b0) * kc0 / sc.landau_winding_density


def _gate_constants(p: Mapping[str, float], gate: Gate, slip_rate: float | None = None) -> tuple[float, float]:
    """(k_g [J/rad], gamma [1/s]) of the gated section (``slip_rate`` overrides gamma)."""
    gamma = linear_slip_rate(p, gate) if slip_rate is None else float(slip_rate)
    if not (math.isfinite(gamma) and gamma >= 0.0):
        raise ValueError(f"slip_rate = {slip_rate!r} 1/s: allowed range [0, inf)")
    return (p["stiff"] / p["lgate"] if gate == "closed" else 0.0), gamma


def _faces(p: Mapping[str, float], n_cells: int) -> tuple[np.ndarray, sps.csr_matrix]:
    """Face springs k_f [J/rad] and the face-difference operator (phi_left - phi_right)."""
    n, ix = n_cells, _idx(n_cells)
    h = p["len"] / n
    k = np.full(n + 1, p["stiff"] / h)
    k[0] = k[-1] = 2.0 * p["stiff"] / h  # half cells at the contacts
    left = np.concatenate(([ix.b0], np.arange(n)))
    right = np.concatenate((np.arange(n), [ix.bL]))
    rows = np.arange(n + 1)
    d = sps.csr_matrix(
        (np.concatenate((np.ones(n + 1), -np.ones(n + 1))), (np.concatenate((rows, rows)), np.concatenate((left, right)))),
        shape=(n + 1, _n_state(n)),
    )
    return k, d


def _boundary_rates(p: Mapping[str, float], n_cells: int, k_gate: float, face_springs: np.ndarray,
                    face_diff: sps.csr_matrix, r_load: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Solve eq. (6) for the boundary rates: v_b = rows @ y + feed I.

    Contact x = 0:  F_{1/2}   = -g v_b0 + vartheta I + k_g theta_g
    Contact x = L:  F_{N+1/2} = +g v_bL + vartheta I + k_g theta_g
    With a load, I = -vartheta (v_b0 - v_bL) / (R + R_load) is eliminated here too.
    """
    n = _n_state(n_cells)
    tg = _idx(n_cells).tg
    flux0 = face_springs[0] * face_diff[0].toarray().ravel()
    fluxL = face_springs[-1] * face_diff[-1].toarray().ravel()
    jg = np.zeros(n)
    jg[tg] = k_gate
    rhs_y = np.vstack((jg - flux0, fluxL - jg))
    rhs_i = np.array([p["theta"], -p["theta"]])
    gm = p["gsp"] * np.eye(2)
    if r_load is not None:
        c = p["theta"] ** 2 / (p["rw"] + r_load)
        gm = gm + c * np.array([[1.0, -1.0], [-1.0, 1.0]])
        rhs_i = np.zeros(2)
    inv = np.linalg.inv(gm)
    return inv @ rhs_y, inv @ rhs_i


def state_space(params: Mapping[str, float] | None = None, n_cells: int = 64, gate: Gate = "open",
                r_load: float | None = None, slip_rate: float | None = None) -> StateSpace:
    """Assemble the cell-centred finite-volume model (eqs. 1, 2, 5, 6) as y' = M y + b I.

    ``r_load`` [ohm]: None for a current-source port, else a resistor across the port.
    ``slip_rate`` [1/s]: relaxation rate gamma of the gate twist (default: :func:`linear_slip_rate`).
    """
    p = validate(params)
    n_cells, gate = _check_cells(n_cells), _check_gate(gate)
    if r_load is not None and not (math.isfinite(r_load) and r_load >= 0.0):
        raise ValueError(f"r_load must be a finite resistance >= 0 ohm, got {r_load!r}")
    n, ix, h = _n_state(n_cells), _idx(n_cells), p["len"] / n_cells
    kg, gamma = _gate_constants(p, gate, slip_rate)
    ks, dface = _faces(p, n_cells)
    vb_rows, vb_feed = _boundary_rates(p, n_cells, kg, ks, dface, r_load)

    phi_rows = sps.csr_matrix((np.ones(n_cells), (np.arange(n_cells), np.arange(ix.v.start, ix.v.stop))),
                              shape=(n_cells, n))  # d phi_i / dt = v_i
    flux = sps.diags(ks) @ dface  # (N+1, n): face spin currents F_f = k_f (phi_left - phi_right)
    damping = sps.csr_matrix((np.full(n_cells, p["damp"] / p["chi"]),
                              (np.arange(n_cells), np.arange(ix.v.start, ix.v.stop))), shape=(n_cells, n))
    v_rows = (flux[:-1] - flux[1:]) / (h * p["chi"]) - damping  # h chi v' = F_{i-1/2} - F_{i+1/2} - h alpha_s v
    tg_row = vb_rows[1] - vb_rows[0]
    tg_row[ix.tg] -= gamma  # theta_g' = v_bL - v_b0 - gamma theta_g
    m = sps.vstack([phi_rows, sps.csr_matrix(vb_rows), v_rows, sps.csr_matrix(tg_row[None, :])], format="csr")
    b = np.zeros(n)
    b[ix.b0], b[ix.bL] = vb_feed
    b[ix.tg] = vb_feed[1] - vb_feed[0]
    current_row = None
    if r_load is not None:
        current_row = -p["theta"] * (vb_rows[0] - vb_rows[1]) / (p["rw"] + r_load)
    return StateSpace(p, n_cells, gate, r_load, m, b, vb_rows, vb_feed, current_row, ks, dface, kg, gamma)


# ---------------------------------------------------------------------------- states
@dataclass(frozen=True)
class State:
    """A discrete state: y = [phi_1..phi_N, phi_b0, phi_bL, v_1..v_N, theta_g] (rad, rad/s)."""

    y: np.ndarray

    @property
    def n_cells(self) -> int:
        return (len(self.y) - 3) // 2

    @property
    def phi(self) -> np.ndarray:
        """Cell-centre angles [rad]."""
        return self.y[_idx(self.n_cells).phi]

    @property
    def velocity(self) -> np.ndarray:
        """Cell-centre rates d_t phi [rad/s]."""
        return self.y[_idx(self.n_cells).v]

    @property
    def twist(self) -> float:
        """phi(0) - phi(L)  [rad]."""
        ix = _idx(self.n_cells)
        return float(self.y[ix.b0] - self.y[ix.bL])

    @property
    def gate_twist(self) -> float:
        """theta_g  [rad]."""
        return float(self.y[_idx(self.n_cells).tg])


def rest_state(n_cells: int) -> State:
    """The untwisted loop at rest."""
    return State(np.zeros(_n_state(_check_cells(n_cells))))


def twisted_state(params: Mapping[str, float] | None, twist: float, n_cells: int,
                  gate_twist: float = 0.0) -> State:
    """A static uniform twist phi(x) = twist (1/2 - x/L)  [rad], all rates zero.

    This is the exact discrete steady state under the DC current I = A twist/(vartheta L)
    (eq. 7). For a closed ring in equilibrium pass gate_twist = twist * lgate / L (equal
    spin currents A twist/L = k_g theta_g in the wire and under the gate).
    """
    p = validate(params)
    n_cells = _check_cells(n_cells)
    ix, h = _idx(n_cells), p["len"] / n_cells
    y = np.zeros(_n_state(n_cells))
    x = (np.arange(n_cells) + 0.5) * h
    y[ix.phi] = twist * (0.5 - x / p["len"])
    y[ix.b0], y[ix.bL] = 0.5 * twist, -0.5 * twist
    y[ix.tg] = gate_twist
    return State(y)


# ----------------------------------------------------------------------------- drives
def _drive_pieces(current: Drive, t_end: float) -> tuple[np.ndarray, Callable[[float, float], tuple[float, float]]]:
    """Breakpoints in (0, t_end) and a map (t0, t1) -> (I(t0+) [A], dI/dt [A/s]) on that interval."""
    if callable(current):
        f = current

        def interval(t0: float, t1: float) -> tuple[float, float]:
            i0, i1 = float(f(t0)), float(f(t1))
            return i0, (i1 - i0) / (t1 - t0)

        return np.empty(0), interval
    if isinstance(current, (int, float, np.floating, np.integer)):
        value = float(current)
        return np.empty(0), lambda t0, t1: (value, 0.0)
    pairs = sorted((float(t), float(i)) for t, i in current)
    times = np.array([t for t, _ in pairs])
    values = np.array([i for _, i in pairs])

    def interval(t0: float, t1: float) -> tuple[float, float]:
        j = np.searchsorted(times, 0.5 * (t0 + t1), side="right") - 1
        return (float(values[j]) if j >= 0 else 0.0), 0.0

    inner = times[(times > 0.0) & (times < t_end)]
    return inner, interval


def _time_nodes(t_end: float, n_steps: int, breaks: np.ndarray) -> np.ndarray:
    """Uniform output nodes plus the drive's breakpoints not already on a node (sorted)."""
    grid = np.linspace(0.0, t_end, n_steps + 1)
    tol = 1e-12 * t_end
    extra = [b for b in breaks if np.min(np.abs(grid - b)) > tol]
    return np.union1d(grid, extra)


# ------------------------------------------------------------------------ propagators
def _augmented(ss: StateSpace) -> np.ndarray:
    """Ma for z = [y, I, dI/dt]: y' = M y + b I, I' = dI/dt, (dI/dt)' = 0."""
    n = ss.size
    ma = np.zeros((n + 2, n + 2))
    ma[:n, :n] = ss.matrix.toarray()
    ma[:n, n] = ss.b
    ma[n, n + 1] = 1.0
    return ma


def _current_row_aug(ss: StateSpace) -> np.ndarray:
    """I as a functional of z = [y, I, dI/dt]  [A]."""
    n = ss.size
    r = np.zeros(n + 2)
    if ss.current_row is None:
        r[n] = 1.0
    else:
        r[:n] = ss.current_row
    return r


def _vb_rows_aug(ss: StateSpace) -> np.ndarray:
    """(v_b0, v_bL) as functionals of z  [rad/s]."""
    n = ss.size
    rows = np.zeros((2, n + 2))
    rows[:, :n] = ss.vb_rows
    rows[:, n] = ss.vb_feed
    return rows


def _power_forms(ss: StateSpace) -> dict[str, np.ndarray]:
    """Quadratic forms Q (power P = z^T Q z [W]) needed for the energy balance.

    Only forms that are not identically zero are returned: ``gilbert`` (int alpha_s phi_t^2),
    ``pumping`` (g (v_b0^2 + v_bL^2)), ``slip`` (gamma k_g theta_g^2, gate closed),
    ``current_sq`` (I^2 [A^2]; Joule = R I^2, load = R_load I^2) and, with a current
    source, ``spin_power`` (vartheta I (v_b0 - v_bL), the power into the magnet).
    """
    p, n = ss.params, ss.size
    ix = _idx(ss.n_cells)
    cur = _current_row_aug(ss)
    vb = _vb_rows_aug(ss)
    q: dict[str, np.ndarray] = {}
    if p["damp"] > 0.0:
        gil = np.zeros(n + 2)
        gil[ix.v] = ss.h * p["damp"]
        q["gilbert"] = np.diag(gil)
    q["pumping"] = p["gsp"] * (np.outer(vb[0], vb[0]) + np.outer(vb[1], vb[1]))
    if ss.k_gate > 0.0:
        slip = np.zeros((n + 2, n + 2))
        slip[ix.tg, ix.tg] = ss.gamma * ss.k_gate
        q["slip"] = slip
    q["current_sq"] = np.outer(cur, cur)
    if ss.r_load is None:
        cross = np.outer(cur, p["theta"] * (vb[0] - vb[1]))
        q["spin_power"] = 0.5 * (cross + cross.T)
    return q


def _energy_series(ss: StateSpace, raw: Mapping[str, np.ndarray], n_nodes: int) -> dict[str, np.ndarray]:
    """Cumulative Joule, pumping, Gilbert, slip, load and electrical-input energies [J]."""
    zero = np.zeros(n_nodes)
    i2 = raw.get("current_sq", zero)
    return {
        "joule": ss.params["rw"] * i2,
        "pumping": raw.get("pumping", zero),
        "gilbert": raw.get("gilbert", zero),
        "slip": raw.get("slip", zero),
        "load": (ss.r_load or 0.0) * i2,
        "electrical_in": ss.params["rw"] * i2 + raw.get("spin_power", zero) if ss.r_load is None else zero,
    }


def _flush(a: np.ndarray) -> np.ndarray:
    """Zero entries below 1e-200 (of O(1) balanced quantities): subnormals make BLAS crawl."""
    a[np.abs(a) < _TINY] = 0.0
    return a


_TINY = 1e-200


def _gauss_gramians(mb: np.ndarray, qbs: Sequence[np.ndarray], delta: float) -> list[np.ndarray]:
    """int_0^delta exp(Mb^T t) Q exp(Mb t) dt for small ||Mb delta|| (8-point Gauss-Legendre, error ~ 0.5^16/16!)."""
    x, w = np.polynomial.legendre.leggauss(8)
    taus, weights = 0.5 * delta * (x + 1.0), 0.5 * delta * w
    out = [np.zeros_like(q) for q in qbs]
    for tau, wt in zip(taus, weights):
        e = _flush(sla.expm(mb * tau))
        for k, q in enumerate(qbs):
            out[k] += wt * (e.T @ q @ e)
    return [_flush(o) for o in out]


def _propagators(ma: np.ndarray, forms: Sequence[np.ndarray], dt: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """Exact step map E = exp(Ma dt) and energy Gramians W_k = int_0^dt exp(Ma^T t) Q_k exp(Ma t) dt.

    Balanced (diagonal similarity), then Gauss-Legendre on dt/2^k with ||Mb dt/2^k||_1 <= 1/4,
    then k doublings W(2d) = W(d) + E(d)^T W(d) E(d), E(2d) = E(d)^2. Each Q is normalised
    to unit max-norm in the balanced frame during the computation.
    """
    mb, (scale, _) = sla.matrix_balance(ma, permute=False, separate=True)
    qbs = [scale[:, None] * q * scale[None, :] for q in forms]
    qmax = [float(np.abs(q).max()) or 1.0 for q in qbs]
    qbs = [q / m for q, m in zip(qbs, qmax)]
    norm = np.linalg.norm(mb, 1)
    k = max(0, math.ceil(math.log2(max(norm * dt / 0.25, 1.0))))
    delta = dt / 2**k
    e = _flush(sla.expm(mb * delta))
    ws = _gauss_gramians(mb, qbs, delta)
    for _ in range(k):
        ws = [_flush(w + e.T @ w @ e) for w in ws]
        e = _flush(e @ e)
    e_si = (scale[:, None] * e) / scale[None, :]
    ws_si = [m * w / scale[:, None] / scale[None, :] for w, m in zip(ws, qmax)]
    return e_si, ws_si


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True)
class ReferenceResult:
    """Time series of one reference run (SI units). Energies are cumulative from t = 0.

    Port quantities at a node are right limits (the drive value of the step that starts
    there), except at the last node. ``electrical_in`` is the energy supplied by the
    current source, int V I dt (zero with a load: the load's energy is ``load``).
    """

    time: np.ndarray  #: [s]
    twist: np.ndarray  #: Theta = phi(0) - phi(L) [rad]
    gate_twist: np.ndarray  #: theta_g [rad]
    voltage: np.ndarray  #: port voltage V [V]
    current: np.ndarray  #: port current I [A] (into the port)
    twist_energy: np.ndarray  #: int A (d_x phi)^2 / 2 [J]
    kinetic_energy: np.ndarray  #: int chi (d_t phi)^2 / 2 [J]
    gate_energy: np.ndarray  #: k_g theta_g^2 / 2 [J]
    joule: np.ndarray  #: int R I^2 dt [J]
    pumping: np.ndarray  #: int g (phi_t(0)^2 + phi_t(L)^2) dt [J]
    gilbert: np.ndarray  #: int int alpha_s phi_t^2 dx dt [J]
    slip: np.ndarray  #: int gamma k_g theta_g^2 dt [J]
    load: np.ndarray  #: int R_load I^2 dt [J] (energy delivered)
    electrical_in: np.ndarray  #: int V I dt from the current source [J]
    final: State
    n_cells: int
    gate: Gate
    r_load: float | None
    params: dict[str, float] = field(repr=False)

    @property
    def winding(self) -> np.ndarray:
        """Theta / 2 pi  [-]."""
        return self.twist / (2.0 * math.pi)

    @property
    def ring_winding(self) -> np.ndarray:
        """(Theta + theta_g) / 2 pi  [-], the winding of the closed ring."""
        return (self.twist + self.gate_twist) / (2.0 * math.pi)

    @property
    def stored(self) -> np.ndarray:
        """Twist + kinetic + gate-section energy  [J]."""
        return self.twist_energy + self.kinetic_energy + self.gate_energy

    @property
    def losses(self) -> np.ndarray:
        """Joule + spin pumping + Gilbert + slip  [J] (the load is not a loss)."""
        return self.joule + self.pumping + self.gilbert + self.slip

    @property
    def balance_error(self) -> np.ndarray:
        """electrical_in - (stored - stored[0]) - losses - load  [J] (zero up to rounding)."""
        return self.electrical_in - (self.stored - self.stored[0]) - self.losses - self.load


_ENERGY_KEYS = ("joule", "pumping", "gilbert", "slip", "load", "electrical_in")


def _check_run(t_end: float, n_steps: int, current: Drive, r_load: float | None) -> None:
    if not (math.isfinite(t_end) and t_end > 0.0):
        raise ValueError(f"t_end must be a positive time in s, got {t_end!r}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}")
    if r_load is not None and not (isinstance(current, (int, float)) and current == 0.0):
        raise ValueError("give either a current drive or a resistive load, not both")


def _warn_if_unresolved(ma: np.ndarray, t_end: float, gamma: float) -> None:
    """Warn when rounding (~eps ||M||) can swamp the slow decay over t_end."""
    mb, _ = sla.matrix_balance(ma, permute=False, separate=True)
    floor = _EPS * np.linalg.norm(mb, 1)
    if floor * t_end > 1e-4:
        warnings.warn(
            f"t_end = {t_end:.3g} s is too long for the exact exponential: rounding perturbs rates by "
            f"~{floor:.2g} 1/s (slip rate {gamma:.2g} 1/s); results are not reliable",
            RuntimeWarning,
            stacklevel=3,
        )


def _march(ss: StateSpace, y0: np.ndarray, t: np.ndarray, interval: Callable[[float, float], tuple[float, float]],
           energies: bool) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Step the exact propagators over the nodes t; return node states, node currents, energies."""
    n, steps = ss.size, len(t) - 1
    ma = _augmented(ss)
    forms = _power_forms(ss) if energies else {}
    dts = np.diff(t)
    keys = np.round(dts / dts.max(), 9)
    uniq, inv = np.unique(keys, return_inverse=True)
    props = [_propagators(ma, list(forms.values()), float(dts[inv == j][0])) for j in range(len(uniq))]
    ys = np.empty((n, steps + 1))
    zs = np.empty((n + 2, steps))
    ys[:, 0] = y0
    drive_end = 0.0
    for k in range(steps):
        pk, qk = interval(t[k], t[k + 1])
        zs[:, k] = np.concatenate((ys[:, k], (pk, qk)))
        ys[:, k + 1] = props[inv[k]][0][:n] @ zs[:, k]
        drive_end = pk + qk * dts[k]
    inc = {key: np.zeros(steps) for key in forms}
    for j in range(len(uniq)):
        sel = inv == j
        for key, w in zip(forms, props[j][1]):
            zsel = zs[:, sel]
            inc[key][sel] = np.einsum("ij,ij->j", zsel, w @ zsel)
    cumulative = {key: np.concatenate(([0.0], np.cumsum(v))) for key, v in inc.items()}
    drive = np.concatenate((zs[n], [drive_end]))
    return ys, drive, (_energy_series(ss, cumulative, steps + 1) if energies else {})


#: Time integrators of :func:`simulate`: exact exponentials or a scipy stiff integrator.
METHODS = ("expm", "BDF", "Radau")


def _drive_value(current: Drive) -> Callable[[float], float]:
    """I(t) [A] of a drive (piecewise constant: right-continuous at the breakpoints)."""
    if callable(current):
        return lambda t: float(current(t))
    if isinstance(current, (int, float, np.floating, np.integer)):
        value = float(current)
        return lambda t: value
    pairs = sorted((float(t), float(i)) for t, i in current)
    times = np.array([t for t, _ in pairs])
    values = np.array([i for _, i in pairs])

    def value_at(t: float) -> float:
        j = np.searchsorted(times, t, side="right") - 1
        return float(values[j]) if j >= 0 else 0.0

    return value_at


def _integrate(ss: StateSpace, y0: np.ndarray, t: np.ndarray, current: Drive, breaks: np.ndarray,
               method: str, rtol: float) -> tuple[np.ndarray, np.ndarray]:
    """Method of lines with a scipy stiff integrator (piece by piece between drive breakpoints)."""
    from scipy.integrate import solve_ivp

    drive = _drive_value(current)
    m, b = ss.matrix, ss.b
    edges = np.union1d([t[0], t[-1]], breaks)
    ys = np.empty((ss.size, len(t)))
    ys[:, 0] = y0
    y = y0
    scale = np.maximum(np.abs(y0), 1e-12)
    for t0, t1 in zip(edges[:-1], edges[1:]):
        sel = (t > t0) & (t <= t1)
        mid = 0.5 * (t0 + t1)
        if callable(current):
            fun = lambda tt, yy: m @ yy + b * drive(tt)  # noqa: E731
        else:  # piecewise constant: one value per piece
            fun = lambda tt, yy, i=drive(mid): m @ yy + b * i  # noqa: E731
        t_eval = t[sel] if sel.any() and t[sel][-1] == t1 else np.append(t[sel], t1)
        sol = solve_ivp(fun, (t0, t1), y, method=method, t_eval=t_eval,
                        jac=m, rtol=rtol, atol=rtol * 1e-3 * max(scale.max(), 1e-9))
        if not sol.success:
            raise RuntimeError(f"reference integrator {method} failed: {sol.message}")
        ys[:, sel] = sol.y[:, : int(sel.sum())]
        y = sol.y[:, -1]
    return ys, np.array([drive(tt) for tt in t])


def simulate(params: Mapping[str, float] | None = None, *, t_end: float, current: Drive = 0.0,
             r_load: float | None = None, gate: Gate = "open", n_cells: int = 64, n_steps: int = 400,
             initial: State | None = None, energies: bool = True, method: str = "expm",
             rtol: float = 1e-6, slip_rate: float | None = None) -> ReferenceResult:
    """Run the distributed reference from ``initial`` (default: at rest) over [0, t_end] s.

    Parameters
    ----------
    params: instance parameters (see :mod:`compactmodel.core.parameters`); defaults fill the rest.
    current: port current drive [A] (a :data:`Drive`); exact for piecewise-constant and
        piecewise-linear drives, first-order hold at the nodes for a callable.
    r_load: resistor across the port [ohm] instead of a current source (discharge:
        I = -V / R_load = -vartheta (phi_t(0) - phi_t(L)) / (R + R_load)).
    gate: ``"open"`` (contacts as in eq. 6) or ``"closed"`` (ring through the gated section).
    n_cells: number of finite-volume cells (grid size; second-order convergence).
    n_steps: number of uniform output intervals (breakpoints of the drive are added).
    energies: compute the cumulative dissipated energies (the bulk of the cost; ``expm`` only).
    method: ``"expm"`` (exact matrix exponentials: the default, exact in time for
        piecewise-linear drives) or a scipy stiff integrator ``"BDF"`` or ``"Radau"``
        (generic method of lines, any drive; tolerance ``rtol``; no energies).

    Cost: dense exponentials of size 2 n_cells + 5, so n_cells up to a few hundred
    (n_cells = 256 with energies: ~1.5 s per distinct step length on 2 cores); each
    drive breakpoint off the uniform grid adds up to two step lengths.
    """
    _check_run(t_end, n_steps, current, r_load)
    if method not in METHODS:
        raise ValueError(f"method = {method!r}: allowed values are {', '.join(METHODS)}")
    if not (isinstance(rtol, (int, float)) and 1e-13 <= rtol <= 1e-1):
        raise ValueError(f"rtol = {rtol!r}: allowed range [1e-13, 0.1]")
    ss = state_space(params, n_cells, gate, r_load, slip_rate)
    y0 = rest_state(ss.n_cells).y if initial is None else np.asarray(initial.y, dtype=float)
    if y0.shape != (ss.size,):
        raise ValueError(f"initial state has {y0.size} entries, expected {ss.size} for n_cells = {ss.n_cells}")
    breaks, interval = _drive_pieces(current, t_end)
    t = _time_nodes(t_end, int(n_steps), breaks)
    if method != "expm":
        if r_load is not None:
            raise ValueError(f"method = {method!r} supports a current drive only (r_load: use method='expm')")
        ys, drive = _integrate(ss, y0, t, current, breaks, method, float(rtol))
        return _result(ss, t, ys, drive, {})
    _warn_if_unresolved(_augmented(ss), t_end, ss.gamma)
    ys, drive, cum = _march(ss, y0, t, interval, energies)
    return _result(ss, t, ys, drive, cum)


def _result(ss: StateSpace, t: np.ndarray, ys: np.ndarray, drive: np.ndarray,
            cum: Mapping[str, np.ndarray]) -> ReferenceResult:
    """Port quantities and energies at the nodes."""
    p = ss.params
    i_port = drive if ss.current_row is None else ss.current_row @ ys
    vb = ss.vb_rows @ ys + np.outer(ss.vb_feed, i_port)
    if ss.r_load is None:
        v_port = p["rw"] * i_port + p["theta"] * (vb[0] - vb[1])
    else:
        v_port = -ss.r_load * i_port
    nan = np.full(len(t), np.nan)
    e = {key: cum.get(key, nan) for key in _ENERGY_KEYS}
    return ReferenceResult(
        time=t,
        twist=ss.twist(ys),
        gate_twist=ys[_idx(ss.n_cells).tg],
        voltage=v_port,
        current=i_port,
        twist_energy=ss.twist_energy(ys),
        kinetic_energy=ss.kinetic_energy(ys),
        gate_energy=ss.gate_energy(ys),
        final=State(ys[:, -1].copy()),
        n_cells=ss.n_cells,
        gate=ss.gate,
        r_load=ss.r_load,
        params=dict(p),
        **e,
    )


# -------------------------------------------------------------------------- impedance
def port_impedance(params: Mapping[str, float] | None, freqs: Sequence[float] | np.ndarray,
                   *, n_cells: int = 256, gate: Gate = "open", slip_rate: float | None = None) -> np.ndarray:
    """Exact small-signal port impedance Z(f) = V/I  [ohm] of the discretised loop.

    Z = R + vartheta (v_b0 - v_bL)/I from the Laplace-transformed discrete system at
    s = 2 pi i f (a sparse linear solve per frequency). At f = 0 the discretised magnet is
    an inductance, so Z(0) = R exactly. Compare with the continuum closed form
    Z = R + 2 vartheta^2 / (g + (A k/s) coth(k L/2)), A k^2 = chi s^2 + alpha_s s.
    """
    ss = state_space(params, n_cells, gate, slip_rate=slip_rate)
    p = ss.params
    f = np.atleast_1d(np.asarray(freqs, dtype=float))
    # similarity scaling of the rates by the cell transit rate keeps the pencil well scaled
    ix = _idx(ss.n_cells)
    d = np.ones(ss.size)
    d[ix.v] = scales.spin_wave_speed(p["stiff"], p["chi"]) / ss.h
    dm = sps.diags(d)
    m = (sps.diags(1.0 / d) @ ss.matrix @ dm).tocsc()
    b = ss.b / d
    out = (ss.vb_rows[0] - ss.vb_rows[1]) * d
    feed = ss.vb_feed[0] - ss.vb_feed[1]
    eye = sps.identity(ss.size, format="csc")
    z = np.empty(f.shape, dtype=complex)
    for k, fk in enumerate(f):
        if fk == 0.0:
            z[k] = p["rw"]
            continue
        x = spla.spsolve(2j * math.pi * fk * eye - m, b.astype(complex))
        z[k] = p["rw"] + p["theta"] * (out @ x + feed)
    return z
