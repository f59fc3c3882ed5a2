"""Numerical post-processing of the lumped model: energies, powers, state equations.

The expressions come from :mod:`compactmodel.lumped` (the same SymPy source as the
netlists); here they are turned into numpy functions of simulator vectors.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np
import sympy as sp

from .lumped import DEFAULT_NSEG, LumpedModel, derive
from .parameters import validate

__all__ = ["energy_terms", "release_balance", "state_function", "stored_energy", "current_driven_system"]


def _args(model: LumpedModel) -> list[sp.Symbol]:
    return [model.inputs["vpn"], model.inputs["vg"]] + model.state_symbols()


@lru_cache(maxsize=32)
def _lambdified(nseg: int, key: tuple[tuple[str, float], ...]):
    model = derive(nseg)
    values = dict(key)
    out = {}
    for name, expr in model.physical.items():
        e = model.substitute_all(expr, values)
        out[name] = sp.lambdify(_args(model), e, modules="numpy")
    return model, out


def energy_terms(vectors: Mapping[str, np.ndarray], params: Mapping[str, float] | None = None, nseg: int = DEFAULT_NSEG, prefix: str = "x1.", port: tuple[str, str] = ("p", "pn"), gate: str = "gate") -> dict[str, np.ndarray]:
    """Energies [J] and powers [W] along a simulated waveform.

    ``vectors`` are ngspice results containing the internal nodes of instance ``prefix``,
    the port nodes and the gate node. Returns twist/gate/kinetic energy, stored (their
    sum), pumping/Gilbert/slip/Joule power and the twist [rad].
    """
    values = validate(params or {})
    model, funcs = _lambdified(nseg, tuple(sorted(values.items())))

    def node(name: str) -> np.ndarray:
        return np.real(vectors[name]) if name in vectors else np.zeros_like(np.real(vectors["time"]))

    vpn = node(port[0]) - node(port[1])
    vg = node(gate)
    states = [np.real(vectors[prefix + st.name]) for st in model.states]
    out = {name: np.broadcast_to(np.asarray(f(vpn, vg, *states), dtype=float), vpn.shape).copy() for name, f in funcs.items()}
    out["stored_energy"] = out["twist_energy"] + out["gate_energy"] + out["kinetic_energy"]
    # power the gate driver puts into the gated section by changing its stiffness:
    # (d k_g/dt) theta_g^2 / 2 (negative while the gate opens on a twisted section)
    t = np.real(vectors["time"]) if "time" in vectors else None
    if t is not None and len(t) > 1:
        out["gate_work_power"] = np.gradient(out["gate_stiffness"], t) * out["gate_twist"] ** 2 / 2
    return out


def release_balance(vectors: Mapping[str, np.ndarray], params: Mapping[str, float] | None, t_start: float, load_power: np.ndarray, **kw) -> dict[str, float]:
    """Energy account from ``t_start`` to the end of a transient [J].

    ``stored`` (at t_start) should equal ``delivered + dissipated + left - gate_work``;
    the returned ``balance`` is that sum divided by ``stored``.
    """
    e = energy_terms(vectors, params, **kw)
    t = np.real(vectors["time"])
    m = t >= t_start
    integ = lambda y: float(np.trapezoid(y[m], t[m]))  # noqa: E731
    out = {
        "stored": float(np.interp(t_start, t, e["stored_energy"])),
        "delivered": integ(load_power),
        "joule": integ(e["joule_power"]),
        "pumping": integ(e["pumping_power"]),
        "gilbert": integ(e["gilbert_power"]),
        "slips": integ(e["slip_power"]),
        "gate_work": integ(e["gate_work_power"]),
        "left": float(e["stored_energy"][-1]),
    }
    out["dissipated"] = out["joule"] + out["pumping"] + out["gilbert"] + out["slips"]
    out["balance"] = (out["delivered"] + out["dissipated"] + out["left"] - out["gate_work"]) / out["stored"]
    return out


def stored_energy(vectors: Mapping[str, np.ndarray], params: Mapping[str, float] | None = None, **kw) -> np.ndarray:
    """Total stored energy (twist + gate link + spin kinetic) [J]."""
    return energy_terms(vectors, params, **kw)["stored_energy"]


def state_function(params: Mapping[str, float] | None = None, nseg: int = DEFAULT_NSEG):
    """Numpy right-hand side ``f(z, vpn, vg)`` of  tau_s dz/dt = f, plus ``tau_s`` and the port current.

    Returns ``(f, ipn, tau_s, model)``; ``f`` maps a state vector (model.states order) to
    an array, ``ipn(z, vpn, vg)`` gives the port current [A].
    """
    values = validate(params or {})
    model = derive(nseg)
    zs = model.state_symbols()
    args = [sp.Matrix(zs), model.inputs["vpn"], model.inputs["vg"]]
    rhs = sp.Matrix([model.substitute_all(model.rhs[z], values) for z in zs])
    f = sp.lambdify(args, rhs, modules="numpy")
    ipn = sp.lambdify(args, model.substitute_all(model.port_current, values), modules="numpy")
    tau = float(model.substitute_all(model.tau, values))
    return (lambda z, vpn, vg: np.asarray(f(z, vpn, vg), dtype=float).ravel()), ipn, tau, model


def current_driven_system(params: Mapping[str, float] | None = None, nseg: int = DEFAULT_NSEG, v_gate: float | None = None):
    """Linear state equations of the battery driven by a current source at a fixed gate voltage.

    With a current I forced into p the port current is I whatever V(p,n) is, so
    tau_s dz/dt = J z + b I exactly. Returns ``(J, b, tau_s, model)``; ``J`` is
    (n_states x n_states), ``b`` per ampere. ``v_gate`` defaults to ``vgon`` (loop open).
    """
    values = validate(params or {})
    f, ipn, tau, model = state_function(values, nseg)
    vg = values["vgon"] if v_gate is None else v_gate
    emf_scale = float(model.substitute_all(sp.Symbol("emf_scale", positive=True), values))
    n = model.nseg
    size = len(model.states)

    def drive(z: np.ndarray, current: float) -> np.ndarray:
        vpn = values["rw"] * current + emf_scale * (z[n + 1] - z[-1])
        return f(z, vpn, vg)

    f0 = drive(np.zeros(size), 0.0)
    J = np.column_stack([drive(np.eye(size)[k], 0.0) - f0 for k in range(size)])
    b = drive(np.zeros(size), 1.0) - f0
    return J, b, tau, model
