"""Shared machinery of the benchmark scripts (accuracy map, speed).

Nothing here is part of the package API. It builds, from the package's public pieces:

* :func:`write_library`: an ngspice library with one subcircuit per section count, generated
  from the current SymPy model (``compactmodel.symbolic.lumped.derive`` + ``compactmodel.symbolic.emit.spice_subckt``);
* :class:`LumpedLinear`: the same model as numbers, for exact (matrix-exponential) solutions of
  the *lumped* equations, to separate the section-count error from ngspice's time-step error;
* :class:`ReferenceLinear`: the distributed reference (``compactmodel.verify.reference.state_space``,
  cell-centred finite volumes, independent of the lumped model) propagated exactly with a
  first-order hold, with the port either current-driven or loaded by a resistor in parallel
  with a current source (a Norton source, used for a smooth release);
* exact continuum port impedance (``compactmodel.symbolic.continuum.exact_port_impedance``);
* ngspice decks for AC, DC, charge and release.

All quantities are SI unless stated.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import scipy.linalg as sla
import sympy as sp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in __import__("sys").path:
    __import__("sys").path.insert(0, str(ROOT))

from compactmodel.physics.gate import open_voltage  # noqa: E402

# --------------------------------------------------------------------------------------
# Regimes
# --------------------------------------------------------------------------------------


def spin_density_per_length() -> float:
    """s S_m of the reference device [J s/m] (alpha enters the model as damp = alpha * s S_m)."""
    from compactmodel.devices.presets import reference_device

    dev = reference_device()
    return dev.material.s * dev.geometry.magnet_cross_section


def regime_params(g_ratio: float, alpha: float, rw: float = 1e-3, **extra: float) -> dict[str, float]:
    """Default device with g = g_ratio sqrt(A chi) and damp = alpha s S_m."""
    from compactmodel.core.parameters import defaults, validate

    p = defaults()
    p["gsp"] = g_ratio * math.sqrt(p["stiff"] * p["chi"])
    p["damp"] = alpha * spin_density_per_length()
    p["rw"] = rw
    p.update(extra)
    return validate(p)


def transit_time(p: Mapping[str, float]) -> float:
    """tau_s = L / u [s]."""
    return p["len"] * math.sqrt(p["chi"] / p["stiff"])


def elmore_time(p: Mapping[str, float]) -> float:
    """First moment of the charging step response (g/2 + alpha s L/12) L/A [s] (compactmodel.symbolic.continuum)."""
    return (p["gsp"] / 2 + p["damp"] * p["len"] / 12) * p["len"] / p["stiff"]


def matched_load(p: Mapping[str, float]) -> float:
    """Load resistance whose extraction damping vartheta^2/(rw + R_load) equals sqrt(A chi) [ohm]."""
    r = p["theta"] ** 2 / math.sqrt(p["stiff"] * p["chi"]) - p["rw"]
    if r <= 0:
        raise ValueError("rw too large for a matched load")
    return r


# --------------------------------------------------------------------------------------
# ngspice library for any section count
# --------------------------------------------------------------------------------------


def subckt_name(nseg: int | str) -> str:
    """Subcircuit of a spec: ``"modal"``, ``48`` (graded sections) or ``"u48"`` (uniform sections)."""
    return f"sb_bench_n{nseg}"


def derive_spec(nseg: int | str):
    """The lumped model of a spec: ``"modal"`` (the default network), ``48`` graded sections, ``"u48"`` uniform."""
    from compactmodel.symbolic.lumped import derive

    if nseg == "modal":
        from compactmodel.symbolic.modal import derive as derive_modal

        return derive_modal()
    if isinstance(nseg, str) and nseg.startswith("u"):
        return derive(int(nseg[1:]), mesh="uniform")
    return derive(int(nseg))


def write_library(nsegs: Sequence[int | str], directory: Path | None = None) -> Path:
    """Generate one subcircuit per section-count spec from the current SymPy model into a .lib file."""
    from compactmodel.symbolic.emit import spice_subckt

    text = "* benchmark library: generated from compactmodel.symbolic.lumped (not shipped)\n\n"
    text += "\n".join(spice_subckt(derive_spec(n), subckt_name(n)) for n in sorted(set(nsegs), key=str))
    digest = hashlib.sha1(text.encode()).hexdigest()[:12]
    directory = Path(directory or tempfile.gettempdir())
    path = directory / f"spin_battery_bench_{digest}.lib"
    if not path.exists():
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(text)
        tmp.replace(path)
    return path


def model_fingerprint() -> str:
    """Short hash of the model sources the benchmark measured (derivation, laws, printers, emit, reference)."""
    h = hashlib.sha1()
    for name in ("symbolic/lumped.py", "symbolic/laws.py", "physics/gate.py", "symbolic/printers.py", "symbolic/emit.py",
                 "verify/reference.py", "symbolic/continuum.py"):
        h.update((ROOT / "compactmodel" / name).read_bytes())
    return h.hexdigest()[:12]


def _line(nodes: Sequence[str], p: Mapping[str, float], nseg: int) -> str:
    from compactmodel.sim.deck import instance_line

    return instance_line("X1", tuple(nodes), p, subckt_name(nseg))


def fmt(x: float) -> str:
    return repr(float(x))


def ac_deck(lib: Path, p: Mapping[str, float], nseg: int, f_start: float, f_stop: float, ppd: int) -> str:
    """Port impedance deck (1 A ac into p, gate open): Z(f) = V(p)."""
    return "\n".join([
        "bench: port impedance", f".include {lib}", "Iac 0 p dc 0 ac 1", f"Vg gate 0 {fmt(open_voltage(p['vgon']))}",
        _line(("p", "0", "gate", "wn"), p, nseg), f".ac dec {ppd} {fmt(f_start)} {fmt(f_stop)}", ".end", ""])


def op_deck(lib: Path, p: Mapping[str, float], nseg: int, current: float) -> str:
    """DC operating point with a current into p, gate open."""
    return "\n".join([
        "bench: dc", f".include {lib}", f"Idc 0 p dc {fmt(current)}", f"Vg gate 0 {fmt(open_voltage(p['vgon']))}",
        _line(("p", "0", "gate", "wn"), p, nseg), ".op", ".end", ""])


TRAN_OPTIONS = ".options reltol=1e-5 abstol=1e-15 vntol=1e-9 chgtol=1e-20"


def charge_deck(lib: Path, p: Mapping[str, float], nseg: int, current: float, t_ramp: float,
                t_end: float, tmax: float, options: str = TRAN_OPTIONS) -> str:
    """Gate open, current ramped 0 -> current over t_ramp into p, empty battery at t = 0."""
    return "\n".join([
        "bench: charge", f".include {lib}", f"Ich 0 p pwl(0 0 {fmt(t_ramp)} {fmt(current)})",
        f"Vg gate 0 {fmt(open_voltage(p['vgon']))}", _line(("p", "0", "gate", "wn"), p, nseg), options,
        f".tran {fmt(tmax / 10)} {fmt(t_end)} 0 {fmt(tmax)}", ".end", ""])


def release_deck(lib: Path, p: Mapping[str, float], nseg: int, source: float, r_load: float, t_ramp: float,
                 t_end: float, tmax: float, options: str = TRAN_OPTIONS) -> str:
    """Gate open, load r_load across the port in parallel with a current source ramped source -> 0.

    The battery starts charged in the steady state of that Norton source (wn0 set accordingly).
    """
    i_port = source * r_load / (r_load + p["rw"])
    q = dict(p)
    q["wn0"] = p["theta"] * i_port * p["len"] / (2 * math.pi * p["stiff"])
    return "\n".join([
        "bench: release", f".include {lib}", f"Isrc 0 p pwl(0 {fmt(source)} {fmt(t_ramp)} 0)",
        f"Rload p 0 {fmt(r_load)}", f"Vg gate 0 {fmt(open_voltage(p['vgon']))}", _line(("p", "0", "gate", "wn"), q, nseg), options,
        f".tran {fmt(tmax / 10)} {fmt(t_end)} 0 {fmt(tmax)}", ".end", ""])


# --------------------------------------------------------------------------------------
# Exact continuum impedance
# --------------------------------------------------------------------------------------


def exact_zm(p: Mapping[str, float], f: np.ndarray) -> np.ndarray:
    """Z(f) - R of the continuum model (eqs. 1, 2, 5, 6), from compactmodel.symbolic.continuum [ohm]."""
    from compactmodel.symbolic import continuum

    return continuum.spin_impedance(p, f)


# --------------------------------------------------------------------------------------
# Exact solutions of linear time-invariant systems with a first-order-hold drive
# --------------------------------------------------------------------------------------


def _expm_balanced(a: np.ndarray) -> np.ndarray:
    ab, (scale, _) = sla.matrix_balance(a, permute=False, separate=True)
    return (scale[:, None] * sla.expm(ab)) / scale[None, :]


def propagate_pwl(m: np.ndarray, b: np.ndarray, y0: np.ndarray, drive_t: Sequence[float], drive_v: Sequence[float],
                  segments: Sequence[tuple[float, float, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Exact solution of y' = m y + b u(t), u piecewise linear through (drive_t, drive_v), u const after.

    ``segments`` = [(t_start, t_stop, n_steps), ...] contiguous from 0; every drive corner must be
    a node. Returns (t, Y) with Y of shape (len(y0), len(t)).
    """
    n = len(y0)
    ma = np.zeros((n + 2, n + 2))
    ma[:n, :n] = m
    ma[:n, n] = b
    ma[n, n + 1] = 1.0
    dt_t = np.asarray(drive_t, float)
    dt_v = np.asarray(drive_v, float)

    def slope(t0: float, t1: float) -> float:
        tm = 0.5 * (t0 + t1)
        j = np.searchsorted(dt_t, tm) - 1
        if j < 0 or j >= len(dt_t) - 1:
            return 0.0
        return (dt_v[j + 1] - dt_v[j]) / (dt_t[j + 1] - dt_t[j])

    def value(t: float) -> float:
        return float(np.interp(t, dt_t, dt_v))

    cache: dict[float, np.ndarray] = {}
    ts = [0.0]
    ys = [np.asarray(y0, float)]
    z = np.concatenate((y0, [value(0.0), 0.0]))
    for (t_a, t_b, k) in segments:
        if abs(t_a - ts[-1]) > 1e-9 * max(t_b, 1e-30):
            raise ValueError("segments must be contiguous")
        dt = (t_b - t_a) / k
        key = round(dt, 30)
        if key not in cache:
            cache[key] = _expm_balanced(ma * dt)
        e = cache[key]
        for i in range(k):
            t0 = t_a + i * dt
            t1 = t0 + dt
            z[n] = value(t0)
            z[n + 1] = slope(t0, t1)
            z = e @ z
            ts.append(t1)
            ys.append(z[:n].copy())
    return np.array(ts), np.array(ys).T


def default_segments(t_ramp: float, t_end: float, fine_dt: float, coarse_steps: int = 2000,
                     fine_until: float | None = None) -> list[tuple[float, float, int]]:
    """Nodes: [0, t_ramp] and up to ``fine_until`` at ~fine_dt, the rest in ``coarse_steps`` steps."""
    k0 = max(1, int(round(t_ramp / fine_dt)))
    dt = t_ramp / k0
    t1 = min(t_end, fine_until if fine_until is not None else t_end)
    k1 = max(1, int(round((t1 - t_ramp) / dt)))
    t1 = t_ramp + k1 * dt
    segs = [(0.0, t_ramp, k0), (t_ramp, t1, k1)]
    if t_end > t1 * (1 + 1e-12):
        segs.append((t1, t_end, coarse_steps))
    return segs


# --------------------------------------------------------------------------------------
# Distributed reference as a linear system
# --------------------------------------------------------------------------------------


@dataclass
class ReferenceLinear:
    """compactmodel.verify.reference's discretised loop (gate open) with a current or Norton-source port."""

    params: dict[str, float]
    n_cells: int
    r_load: float | None = None

    def __post_init__(self) -> None:
        from compactmodel.verify import reference as ref

        self.ss = ref.state_space(self.params, self.n_cells, "open")
        ss, p = self.ss, self.params
        m = ss.matrix.toarray()
        b = np.asarray(ss.b, float)
        if self.r_load is None:
            self.m, self.b = m, b
        else:
            # V = rw I + theta (v_b0 - v_bL), I = I_s - V / R_load, v_b = rows y + feed I
            rows, feed = ss.vb_rows, ss.vb_feed
            den = self.r_load + p["rw"] + p["theta"] * (feed[0] - feed[1])
            a = -p["theta"] * (rows[0] - rows[1]) / den
            beta = self.r_load / den
            self.m = m + np.outer(b, a)
            self.b = b * beta

    def steady_state(self, twist: float) -> np.ndarray:
        from compactmodel.verify import reference as ref

        return ref.twisted_state(self.params, twist, self.n_cells).y

    def run(self, y0: np.ndarray, drive_t, drive_v, segments):
        t, y = propagate_pwl(self.m, self.b, y0, drive_t, drive_v, segments)
        return t, self.ss.twist(y), self.ss.twist_energy(y) + self.ss.kinetic_energy(y)


# --------------------------------------------------------------------------------------
# The lumped model as numbers (one lambdify per section count, parameters as arguments)
# --------------------------------------------------------------------------------------


class LumpedLinear:
    """Numeric form of compactmodel.symbolic.lumped.derive(nseg): tau_s dz/dt = f(z, vpn, vg, T).

    At a fixed gate the model is linear except for the phase slips, which are linear for small
    twists; :meth:`jacobians` linearises exactly (chain rule through the intermediates,
    ``compactmodel.symbolic.numeric.NumericModel``) around the empty loop at ``TEMPERATURE``.
    """

    TEMPERATURE = 300.15

    def __init__(self, nseg: int | str):
        from compactmodel.symbolic.numeric import NumericModel

        self.num = NumericModel(derive_spec(nseg))
        model = self.num.model
        self.model = model
        self.nseg = nseg
        self.nz = len(model.states)
        zs = model.state_symbols()
        self._rows = [self.num._partial_functions(model.rhs[z]) for z in zs]
        self._rows_f = [self.num.function(model.rhs[z]) for z in zs]
        self._current = self.num._partial_functions(model.port_current)
        self._current_f = self.num.function(model.port_current)
        self._phys = {k: self.num.function(v) for k, v in model.physical.items()}
        self._init = sp.lambdify(list(model.params.values()), [st.initial for st in model.states], "numpy")
        self._mass = sp.lambdify(self.num.consts, [st.mass for st in model.states], "numpy")
        self._winding = sp.lambdify(model.state_symbols(), model.winding, "numpy")
        self._base = {sym: i for i, sym in enumerate(self.num.base)}

    def tau(self, p) -> float:
        consts = self.num.constants(p)
        return consts[self.num.consts.index(self.model.tau)]

    def initial(self, p) -> np.ndarray:
        return np.array([float(v) for v in self._init(*[float(p[s.name]) for s in self.model.params.values()])])

    def _env(self, p, vpn, vg, z):
        return self.num.environment(self.num.constants(p), {"vpn": vpn, "vg": vg, "temp": self.TEMPERATURE}, list(z))

    def mass(self, p) -> np.ndarray:
        """The mass of each state in  m tau_s dz/dt = f."""
        return np.array([float(m) for m in self._mass(*self.num.constants(p))])

    def twist(self, z: np.ndarray) -> np.ndarray:
        """The wire's twist Theta [rad] of states z (rows: states, columns: time points)."""
        return 2 * math.pi * np.asarray(self._winding(*z), dtype=float)

    def jacobians(self, p, vg: float):
        """(Fz, Fv, Iz, Iv, f0, i0): f = f0 + Fz z + Fv vpn, I_port = i0 + Iz z + Iv vpn around z = 0."""
        env = self._env(p, 0.0, vg, np.zeros(self.nz))
        jf = self.num.jacobian(None, env, self._rows)
        ji = self.num.jacobian(None, env, [self._current])[0]
        zcols = [self._base[z] for z in self.model.state_symbols()]
        vcol = self._base[self.model.inputs["vpn"]]
        f0 = np.array([float(f(*env)) for f in self._rows_f])
        i0 = float(self._current_f(*env))
        return jf[:, zcols], jf[:, vcol], ji[zcols], ji[vcol], f0, i0

    def system(self, p, mode: str, r_load: float | None = None):
        """(M, b) of dz/dt = M z + b I_s for mode 'current' (I_port = I_s) or 'norton' (load || source)."""
        fz, fv, iz, iv, f0, i0 = self.jacobians(p, open_voltage(p["vgon"]))
        if np.max(np.abs(f0)) > 0 or abs(i0) > 0:
            raise AssertionError("lumped model not homogeneous at the open gate")
        tau = self.tau(p)
        if mode == "current":  # Iz z + Iv vpn = I_s
            m = fz - np.outer(fv, iz) / iv
            b = fv / iv
        elif mode == "norton":  # vpn = R_l (I_s - Iz z - Iv vpn)
            den = 1.0 + r_load * iv
            m = fz - np.outer(fv, r_load * iz / den)
            b = fv * r_load / den
        else:
            raise ValueError(mode)
        mass = self.mass(p)[:, None]
        return m / tau / mass, b / tau / mass[:, 0]

    def energies(self, p, vpn: np.ndarray, vg: np.ndarray, states: np.ndarray) -> dict[str, np.ndarray]:
        vpn = np.asarray(vpn, float)
        env = self.num.environment(self.num.constants(p), {"vpn": vpn, "vg": np.asarray(vg, float),
                                                           "temp": np.full_like(vpn, self.TEMPERATURE)}, list(states))
        out = {}
        for k, fn in self._phys.items():
            out[k] = np.broadcast_to(np.asarray(fn(*env), float), vpn.shape).copy()
        out["stored_energy"] = out["twist_energy"] + out["gate_energy"] + out["kinetic_energy"]
        return out

    def state_names(self) -> list[str]:
        return [st.name for st in self.model.states]
