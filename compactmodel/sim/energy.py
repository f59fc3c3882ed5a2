"""Energies, powers and state equations along a run, from the model's numeric twin (no SymPy).

Every function takes ``model``: the name of a shipped subcircuit (``"spin_battery"``,
``"spin_battery_n16"``, ...; :func:`compactmodel.library.numeric_model`) or a numeric twin
built for any section count by :func:`compactmodel.symbolic.numeric.numeric_twin`. The twin
holds the same expressions the netlists are printed from (:mod:`compactmodel.symbolic.codegen`).
"""

from __future__ import annotations

from types import ModuleType
from typing import Mapping, Union

import numpy as np

from ..core.parameters import validate
from ..library import numeric_model
from ..physics.gate import open_voltage

__all__ = ["twin", "energy_terms", "release_balance", "stored_energy", "state_function", "current_driven_system",
           "DEFAULT_TEMPERATURE", "Model"]

#: Circuit temperature used when none is given [K] (ngspice's default, 27 C).
DEFAULT_TEMPERATURE = 300.15

#: A shipped subcircuit name or a numeric twin module.
Model = Union[str, ModuleType]


def twin(model: Model = "spin_battery") -> ModuleType:
    """The numeric twin of ``model`` (a shipped subcircuit name, or a twin passed through)."""
    return numeric_model(model) if isinstance(model, str) else model


def energy_terms(vectors: Mapping[str, np.ndarray], params: Mapping[str, float] | None = None,
                 model: Model = "spin_battery", prefix: str = "x1.", port: tuple[str, str] = ("p", "pn"),
                 gate: str = "gate", temperature: float = DEFAULT_TEMPERATURE) -> dict[str, np.ndarray]:
    """Energies [J] and powers [W] of one cell along a simulated waveform.

    ``vectors`` are ngspice results containing the internal nodes of instance ``prefix``,
    the port nodes and the gate node; ``temperature`` [K] is the circuit temperature of the
    run. Returns twist/gate/kinetic energy, stored (their sum), pumping/Gilbert/slip/Joule
    power, the twist [rad] and the power the gate driver puts into the gated section.
    """
    m = twin(model)
    c = m.constants(validate(params))

    def node(name: str) -> np.ndarray:
        return np.real(vectors[name]) if name in vectors else np.zeros_like(np.real(vectors["time"]))

    vpn = node(port[0]) - node(port[1])
    vg = node(gate)
    z = [np.real(vectors[prefix + name]) for name in m.STATES]
    v = m.intermediates(c, {"vpn": vpn, "vg": vg, "temp": np.full_like(vpn, temperature)}, z)
    out = {name: np.broadcast_to(np.asarray(val, dtype=float), vpn.shape).copy()
           for name, val in m.physical(c, v, z).items()}
    out["stored_energy"] = out["twist_energy"] + out["gate_energy"] + out["kinetic_energy"]
    # power the gate driver puts into the gated section by changing its stiffness:
    # (d k_g/dt) theta_g^2 / 2 (negative while the gate opens on a twisted section)
    t = np.real(vectors["time"]) if "time" in vectors else None
    if t is not None and len(t) > 1:
        out["gate_work_power"] = np.gradient(out["gate_stiffness"], t) * out["gate_twist"] ** 2 / 2
    return out


def release_balance(vectors: Mapping[str, np.ndarray], params: Mapping[str, float] | None, t_start: float,
                    load_power: np.ndarray, **kw) -> dict[str, float]:
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
    """Total stored energy (twist + gate link + spin kinetic) of one cell [J]."""
    return energy_terms(vectors, params, **kw)["stored_energy"]


def state_function(params: Mapping[str, float] | None = None, model: Model = "spin_battery",
                   temperature: float = DEFAULT_TEMPERATURE):
    """Numpy right-hand side ``f(z, vpn, vg)`` of  tau_s dz/dt = f, plus the port current, ``tau_s`` and the twin.

    Returns ``(f, ipn, tau_s, twin)``; ``f`` maps a state vector (``twin.STATES`` order) to
    an array (the model's right-hand sides divided by each state's mass), ``ipn(z, vpn, vg)``
    gives the port current [A]; both at ``temperature`` [K].
    """
    m = twin(model)
    c = m.constants(validate(params))
    mass = np.array([float(x) for x in m.mass(c)])

    def evaluate(z, vpn, vg):
        zs = list(np.asarray(z, dtype=float))
        return zs, m.intermediates(c, {"vpn": vpn, "vg": vg, "temp": temperature}, zs)

    def f(z, vpn, vg):
        zs, v = evaluate(z, vpn, vg)
        return np.array([float(r) for r in m.rhs(c, v, zs)]) / mass

    def ipn(z, vpn, vg):
        return float(evaluate(z, vpn, vg)[1]["ipn"])

    return f, ipn, c["tau_s"], m


def current_driven_system(params: Mapping[str, float] | None = None, model: Model = "spin_battery",
                          v_gate: float | None = None):
    """Linear(ised) state equations of the battery driven by a current source at a fixed gate voltage.

    With a current I forced into p the port current is I whatever V(p,n) is, so
    tau_s dz/dt = J z + b I exactly. Returns ``(J, b, tau_s, twin)``; ``J`` is
    (n_states x n_states), ``b`` per ampere. ``v_gate`` defaults to the open voltage.
    """
    values = validate(params)
    f, ipn, tau, m = state_function(values, model)
    vg = open_voltage(values["vgon"]) if v_gate is None else v_gate
    c = m.constants(values)
    size = len(m.STATES)

    def drive(z: np.ndarray, current: float) -> np.ndarray:
        vpn = values["rw"] * current + float(m.emf(c, list(z))[0])  # V = rw I + spin-motive force
        return f(z, vpn, vg)

    # the loop is linear at a fixed gate except for the phase slips, which are linear for
    # small twists: finite differences of size eps around the empty loop give the exact J, b
    eps = 1e-7
    f0 = drive(np.zeros(size), 0.0)
    J = np.column_stack([(drive(eps * np.eye(size)[k], 0.0) - f0) / eps for k in range(size)])
    b = (drive(np.zeros(size), eps) - f0) / eps
    return J, b, tau, m
