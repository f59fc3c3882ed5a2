"""Charging time and efficiency from the actual charge dynamics (issue 12, item 5).

Eq. (9) takes the charge to last L/u, the transit time of a spin wave. That holds for
impedance-matched contacts without bulk damping (the twist ramps to eq. (7) in exactly L/u).
Underdamped contacts ring for many transits before the twist settles, and overdamped contacts or
strong Gilbert damping charge as a slow exponential, several L/u long. Here the charge is the
constant-current step response of the shipped model's linear(ised) state equations at the open
gate (:func:`compactmodel.sim.energy.current_driven_system`), solved exactly by eigen-decomposition:

* ``settling_time``: the last time the twist is more than ``tol`` (default 1 %) away from its
  final value eq. (7), theta I L / A (the winding a charge is "done" at) [s];
* ``efficiency``: the stored energy over the electrical energy of a constant-current charge of that
  length, E / (R I^2 t + 2E), E = (theta I)^2 L / 2A (eq. 8) (the torque's work is 2E);
* ``first_moment``: int (1 - Theta/Theta_inf) dt [s] (equals (g/2 + alpha s L/12) L/A);
  ``eq9_efficiency``: eq. (9) with its prefactor, for comparison with the paper.

The linear model holds below the Landau limit at the open gate (phase slips linearised).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
from scipy.optimize import brentq

from ..core.parameters import is_real, validate
from ..physics import scales
from ..physics.gate import open_voltage
from .energy import DEFAULT_TEMPERATURE, Model, current_driven_system

__all__ = ["ChargeDynamics", "charge_dynamics", "DEFAULT_TOLERANCE"]

#: Distance from eq. (7) at which a charge counts as done: the operating-point criterion of issue 12.
DEFAULT_TOLERANCE = 0.01


@dataclass(frozen=True)
class ChargeDynamics:
    """The constant-current charge of one battery at the open gate (SI units)."""

    transit_time: float  #: L/u [s]
    settling_time: float  #: last time |Theta/Theta_inf - 1| > tol [s]
    first_moment: float  #: int_0^inf (1 - Theta/Theta_inf) dt [s]
    efficiency: float  #: E / (R I^2 settling_time + 2E) [-]
    eq9_efficiency: float  #: eq. (9) with its prefactor, theta^2 / (2 R sqrt(A chi)) [-]
    tolerance: float  #: the tol of settling_time [-]


def charge_dynamics(params: Mapping[str, float] | None = None, tol: float = DEFAULT_TOLERANCE,
                    model: Model = "spin_battery") -> ChargeDynamics:
    """Settling time, first moment and efficiency of a constant-current charge (module docstring)."""
    if not (is_real(tol) and 1e-6 <= tol <= 0.5):
        raise ValueError(f"tol={tol!r} is out of range: the allowed range is [1e-6, 0.5] (a fraction of eq. (7))")
    p = validate(params)
    J, b, tau, twin = current_driven_system(p, model)
    lam, vec = np.linalg.eig(J / tau)
    coef = np.linalg.solve(vec, b / tau)  # per ampere
    c = twin.constants(p)
    size = len(twin.STATES)

    def wire_winding(z: list[float]) -> float:  # V(ws): the wire's winding [turns], linear in the states
        inputs = {"vpn": 0.0, "vg": open_voltage(p["vgon"]), "temp": DEFAULT_TEMPERATURE}
        return float(twin.intermediates(c, inputs, z)["wsum"])

    w0 = wire_winding([0.0] * size)
    row = np.array([wire_winding(list(np.eye(size)[k])) - w0 for k in range(size)])
    weights = (row @ vec) * coef  # Theta(t)/(2 pi) per ampere = sum_k weights_k (exp(lam_k t) - 1)/lam_k
    final = float(np.real(-np.sum(weights / lam)))

    def deviation(t: float) -> float:
        theta = float(np.real(np.sum(weights * np.expm1(lam * t) / lam)))
        return theta / final - 1.0

    excited = np.abs(weights / lam) > 1e-9 * abs(final)
    slowest = float(np.min(-lam.real[excited]))
    fastest = float(np.max(np.abs(lam[excited])))
    t_max = math.log(1e3 / tol) / slowest * 3
    n = int(min(4e5, max(2e4, 40 * fastest * t_max / (2 * math.pi))))
    t = np.linspace(0.0, t_max, n)
    dev = np.real((np.expm1(np.outer(t, lam)) / lam) @ weights) / final - 1.0
    outside = np.nonzero(np.abs(dev) > tol)[0]
    k = int(outside[-1])
    if k + 1 >= n:
        raise RuntimeError("the charge did not settle within the solved window")
    sign = math.copysign(1.0, dev[k])
    settle = brentq(lambda s: sign * deviation(s) - tol, t[k], t[k + 1], xtol=1e-6 * t[1])
    first = float(np.real(np.sum(weights / lam**2)) / final)  # int (1 - Theta/Theta_inf) dt
    eta = p["theta"] ** 2 * p["len"] / (2.0 * p["stiff"] * p["rw"] * settle)
    return ChargeDynamics(
        transit_time=scales.transit_time(p["len"], p["stiff"], p["chi"]),
        settling_time=settle, first_moment=first, efficiency=eta / (1.0 + 2.0 * eta),
        eq9_efficiency=scales.eq9_efficiency(p["theta"], p["rw"], p["stiff"], p["chi"]), tolerance=float(tol))
