"""Numerical post-processing of the lumped model: energies, powers, state equations.

The expressions come from :mod:`compactmodel.lumped` (the same SymPy source as the
netlists); here they are turned into numpy functions of simulator vectors.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np
import sympy as sp

from .gate import open_voltage
from .lumped import DEFAULT_NSEG, LumpedModel, derive
from .parameters import validate

__all__ = ["NumericModel", "numeric_model", "energy_terms", "release_balance", "state_function", "stored_energy", "current_driven_system"]


#: Circuit temperature used when none is given [K] (ngspice's default, 27 C).
DEFAULT_TEMPERATURE = 300.15


class NumericModel:
    """The lumped model as numpy functions of (parameters, inputs, states).

    Intermediates are evaluated in order (each a small lambdified function of the parameters,
    the inputs, the states and the earlier intermediates), so the slip and gate laws are never
    expanded into one giant expression. :meth:`jacobian` applies the chain rule through the
    intermediates with their symbolic partial derivatives (exact, no finite differences).
    """

    def __init__(self, model: LumpedModel):
        self.model = model
        self.params = list(model.params.values())
        self.derived = [sym for sym, _ in model.derived]
        self._derived_f = [sp.lambdify(self.params + self.derived[:i], expr, modules="numpy") for i, (_, expr) in enumerate(model.derived)]
        self.base = list(model.inputs.values()) + model.state_symbols()
        self.consts = self.params + self.derived
        known = list(self.base)
        self.steps = []
        for sym, expr in model.intermediates:
            self.steps.append((sym, expr, sp.lambdify(self.consts + known, expr, modules="numpy")))
            known.append(sym)
        self.known = known
        self.args = self.consts + known
        self._partials: dict | None = None

    def constants(self, values: Mapping[str, float]) -> list[float]:
        """Parameter and derived-parameter values, in ``self.consts`` order."""
        out = [float(values[sym.name]) for sym in self.params]
        for f in self._derived_f:
            out.append(float(f(*out)))
        return out

    def function(self, expr: sp.Expr):
        """numpy function of the full argument list (``self.args``) for an expression."""
        return sp.lambdify(self.args, sp.sympify(expr), modules="numpy")

    def environment(self, consts: Sequence[float], inputs: Mapping[str, np.ndarray | float], states: Sequence) -> list:
        """Values of ``self.args``: constants, inputs, states and every intermediate."""
        vals = list(consts) + [inputs[name] for name in self.model.inputs] + list(states)
        for _, _, f in self.steps:
            vals.append(f(*vals))
        return vals

    def _partial_functions(self, expr: sp.Expr):
        expr = sp.sympify(expr)
        return [(x, sp.lambdify(self.args, sp.diff(expr, x), modules="numpy")) for x in self.known if x in expr.free_symbols]

    def jacobian(self, exprs: Sequence[sp.Expr] | None, env: Sequence[float], partials=None,
                 magnitudes: bool = False):
        """d(exprs)/d(inputs, states) at one point (scalar env), shape (len(exprs), len(self.base)).

        With ``magnitudes=True`` also returns the same chain rule on absolute values (the
        size of the terms each derivative is summed from: the scale of its rounding error).
        """
        if self._partials is None:
            self._partials = [self._partial_functions(expr) for _, expr, _ in self.steps]
        n = len(self.base)
        total: dict[sp.Symbol, np.ndarray] = {sym: np.eye(n)[i] for i, sym in enumerate(self.base)}
        size: dict[sp.Symbol, np.ndarray] = {sym: np.eye(n)[i] for i, sym in enumerate(self.base)}
        for (sym, _, _), parts in zip(self.steps, self._partials):
            d, m = np.zeros(n), np.zeros(n)
            for x, f in parts:
                v = float(f(*env))
                d = d + v * total[x]
                m = m + abs(v) * size[x]
            total[sym], size[sym] = d, m
        rows = partials if partials is not None else [self._partial_functions(e) for e in exprs]
        out, mag = np.zeros((len(rows), n)), np.zeros((len(rows), n))
        for i, parts in enumerate(rows):
            for x, f in parts:
                v = float(f(*env))
                out[i] += v * total[x]
                mag[i] += abs(v) * size[x]
        return (out, mag) if magnitudes else out


@lru_cache(maxsize=8)
def numeric_model(nseg: int = DEFAULT_NSEG, four_terminal: bool = False) -> NumericModel:
    """Cached :class:`NumericModel` of ``derive(nseg, four_terminal)``."""
    return NumericModel(derive(nseg, four_terminal))


@lru_cache(maxsize=8)
def _physical_functions(nseg: int) -> dict:
    num = numeric_model(nseg)
    return {name: num.function(expr) for name, expr in num.model.physical.items()}


def energy_terms(vectors: Mapping[str, np.ndarray], params: Mapping[str, float] | None = None, nseg: int = DEFAULT_NSEG, prefix: str = "x1.", port: tuple[str, str] = ("p", "pn"), gate: str = "gate", temperature: float = DEFAULT_TEMPERATURE) -> dict[str, np.ndarray]:
    """Energies [J] and powers [W] along a simulated waveform.

    ``vectors`` are ngspice results containing the internal nodes of instance ``prefix``,
    the port nodes and the gate node; ``temperature`` [K] is the circuit temperature of the
    run. Returns twist/gate/kinetic energy, stored (their sum), pumping/Gilbert/slip/Joule
    power and the twist [rad].
    """
    values = validate(params or {})
    num, funcs = numeric_model(nseg), _physical_functions(nseg)
    model = num.model

    def node(name: str) -> np.ndarray:
        return np.real(vectors[name]) if name in vectors else np.zeros_like(np.real(vectors["time"]))

    vpn = node(port[0]) - node(port[1])
    vg = node(gate)
    states = [np.real(vectors[prefix + st.name]) for st in model.states]
    env = num.environment(num.constants(values), {"vpn": vpn, "vg": vg, "temp": np.full_like(vpn, temperature)}, states)
    out = {name: np.broadcast_to(np.asarray(f(*env), dtype=float), vpn.shape).copy() for name, f in funcs.items()}
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


@lru_cache(maxsize=8)
def _state_functions(nseg: int):
    """Lambdified right-hand sides and port current, once per nseg (parameters are arguments)."""
    num = numeric_model(nseg)
    model = num.model
    return [num.function(model.rhs[z]) for z in model.state_symbols()], num.function(model.port_current)


def state_function(params: Mapping[str, float] | None = None, nseg: int = DEFAULT_NSEG, temperature: float = DEFAULT_TEMPERATURE):
    """Numpy right-hand side ``f(z, vpn, vg)`` of  tau_s dz/dt = f, plus ``tau_s`` and the port current.

    Returns ``(f, ipn, tau_s, model)``; ``f`` maps a state vector (model.states order) to
    an array, ``ipn(z, vpn, vg)`` gives the port current [A]; both at ``temperature`` [K].
    """
    values = validate(params or {})
    num = numeric_model(nseg)
    model = num.model
    rows, current = _state_functions(nseg)
    consts = num.constants(values)

    def env(z, vpn, vg):
        return num.environment(consts, {"vpn": vpn, "vg": vg, "temp": temperature}, list(np.asarray(z, dtype=float)))

    def f(z, vpn, vg):
        e = env(z, vpn, vg)
        return np.array([float(r(*e)) for r in rows])

    def ipn(z, vpn, vg):
        return float(current(*env(z, vpn, vg)))

    tau = consts[num.consts.index(model.tau)]
    return f, ipn, tau, model


def current_driven_system(params: Mapping[str, float] | None = None, nseg: int = DEFAULT_NSEG, v_gate: float | None = None):
    """Linear(ised) state equations of the battery driven by a current source at a fixed gate voltage.

    With a current I forced into p the port current is I whatever V(p,n) is, so
    tau_s dz/dt = J z + b I exactly. Returns ``(J, b, tau_s, model)``; ``J`` is
    (n_states x n_states), ``b`` per ampere. ``v_gate`` defaults to ``vgon`` (loop open).
    """
    values = validate(params or {})
    f, ipn, tau, model = state_function(values, nseg)
    vg = open_voltage(values["vgon"]) if v_gate is None else v_gate
    emf_scale = float(model.substitute_all(sp.Symbol("emf_scale", positive=True), values))
    n = model.nseg
    size = len(model.states)

    def drive(z: np.ndarray, current: float) -> np.ndarray:
        vpn = values["rw"] * current + emf_scale * (z[n + 1] - z[-1])
        return f(z, vpn, vg)

    # the loop is linear at a fixed gate except for the phase slips, which are linear for
    # small twists: finite differences of size eps around the empty loop give the exact J, b
    eps = 1e-7
    f0 = drive(np.zeros(size), 0.0)
    J = np.column_stack([(drive(eps * np.eye(size)[k], 0.0) - f0) / eps for k in range(size)])
    b = (drive(np.zeros(size), eps) - f0) / eps
    return J, b, tau, model
