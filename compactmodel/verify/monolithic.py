"""Monolithic reference for the co-simulation: battery + logic load in one scipy solve.

The same coupled equations the co-simulation splits between ngspice and Python are
integrated here together by one implicit solver (scipy Radau) with no lag between them:

* battery cell (the model's numeric twin, ``sim.energy.state_function``):  tau_s dz/dt = f(z, v_cell, v_gate)
* array behind an ideal transformer:  V = n_series v_cell,  I_array = n_parallel i_cell
* write path (heavy-metal strip with SMR):  I_strip = ld(t) V / R_strip(m_y),  I_array = -I_strip
  (i_cell is affine in v_cell, so this algebraic loop is solved exactly at each evaluation)
* free layer (``devices.sot_mtj.SotLlg``):  dm/dt = LLG(m, bridge * I_strip)
* write driver: when a write completes (target * m_y >= threshold with the cell trapped in
  the target well, energy below the saddle) the H-bridge reverses,
  as in :mod:`compactmodel.sim.simulation` (a terminal event restarts the solver).

Inputs ramp like the protocol engine's release step: gate 0 -> open voltage and load
0 -> 1 linearly over ``edge``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy.integrate import solve_ivp

from ..core.parameters import validate
from ..devices.sot_mtj import SotLlg, SotMtjParameters, energy_density
from ..physics.gate import open_voltage
from ..library import subckt_name
from ..sim.energy import state_function

__all__ = ["ReleaseSolution", "solve_release"]


@dataclass
class ReleaseSolution:
    """Dense outputs of :func:`solve_release` (SI)."""

    t: np.ndarray  #: time [s]
    m: np.ndarray  #: magnetization, shape (3, n)
    strip_current: np.ndarray  #: current into the strip [A]
    load_energy: float  #: energy delivered to the strip over the run [J]
    write_times: list[float]  #: completion time of each write [s]
    crossing_times: list[float]  #: times at which m_y crosses 0 [s]


def solve_release(params: Mapping[str, float], cell: SotMtjParameters, z0: Sequence[float], m0: Sequence[float],
                  t_end: float, *, n_series: int = 1, n_parallel: int = 1, nseg: int | None = None, edge: float = 0.2e-9,
                  bridge: int = 1, write_threshold: float = 0.9, temperature: float = 300.15,
                  rtol: float = 1e-8, max_step: float = 2e-12) -> ReleaseSolution:
    """Release a stored cell state ``z0`` (model state order) into the SOT-MTJ write path.

    ``m0``: initial magnetization; ``bridge``: initial H-bridge sign (+1/-1). Returns the
    switching events and the energy drawn by the strip.
    """
    p = validate(params)
    f, ipn, tau, twin = state_function(p, subckt_name(nseg), temperature)
    llg = SotLlg.from_parameters(cell)
    vopen = open_voltage(p["vgon"])
    n = len(twin.STATES)

    def inputs(t: float) -> tuple[float, float]:
        x = min(max(t / edge, 0.0), 1.0)
        return vopen * x, x

    def port(z: np.ndarray, m_y: float, t: float) -> tuple[float, float, float]:
        vg, ld = inputs(t)
        b = ipn(z, 0.0, vg)
        a = ipn(z, 1.0, vg) - b
        g_load = ld / cell.strip_resistance(m_y)  # [S]
        v_cell = -n_parallel * b / (n_parallel * a + n_series * g_load)
        i_strip = g_load * n_series * v_cell
        return v_cell, vg, i_strip

    state = {"bridge": int(bridge), "target": -1 if m0[1] >= 0 else 1}

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        z, m = y[:n], y[n:]
        v_cell, vg, i_strip = port(z, m[1], t)
        dz = f(z, v_cell, vg) / tau
        dm = llg.llg_rhs_array(m, state["bridge"] * i_strip)
        return np.concatenate([dz, dm])

    def written(t: float, y: np.ndarray) -> float:
        # on the target side beyond the threshold and trapped there (energy below the saddle, 0)
        mx, my, mz = y[n], y[n + 1], y[n + 2]
        trapped = -energy_density(cell, mx, my, mz) / cell.hk
        return min(state["target"] * my - write_threshold, trapped)

    written.terminal = True
    written.direction = 1

    def crossing(t: float, y: np.ndarray) -> float:
        return y[n + 1]

    y = np.concatenate([np.asarray(z0, float), np.asarray(m0, float)])
    t0 = 0.0
    ts, ys, writes, crossings = [], [], [], []
    bounds = [edge, t_end] if edge < t_end else [t_end]
    while t0 < t_end:
        t_stop = next(b for b in bounds if b > t0)
        sol = solve_ivp(rhs, (t0, t_stop), y, method="Radau", rtol=rtol, atol=1e-10, max_step=max_step,
                        events=(written, crossing), dense_output=False)
        if sol.status < 0:
            raise RuntimeError(f"monolithic reference failed at t = {t0:.4g} s: {sol.message}")
        ts.append(sol.t)
        ys.append(sol.y)
        crossings += [float(x) for x in sol.t_events[1]]
        y, t0 = sol.y[:, -1].copy(), float(sol.t[-1])
        if sol.status == 1:  # a write completed: the driver reverses the current
            writes.append(t0)
            state["target"], state["bridge"] = -state["target"], -state["bridge"]
            norm = np.linalg.norm(y[n:])
            y[n:] /= norm
    t = np.concatenate(ts)
    Y = np.concatenate(ys, axis=1)
    ports = np.array([port(Y[:n, k], Y[n + 1, k], t[k]) for k in range(len(t))])
    v, i_strip = n_series * ports[:, 0], ports[:, 2]
    energy = float(np.trapezoid(v * i_strip, t))
    return ReleaseSolution(t=t, m=Y[n:], strip_current=i_strip, load_energy=energy, write_times=writes,
                           crossing_times=sorted(set(crossings)))
