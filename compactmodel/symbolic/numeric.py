"""The lumped model as numbers: lambdified functions with exact Jacobians, and numeric twins.

* :class:`NumericModel`: every expression of a :class:`~compactmodel.symbolic.model.LumpedModel`
  as a numpy function of (parameters, inputs, states), with the exact chain-rule Jacobian
  through the intermediates (the tests and the QA matrix hold OpenVAF's Jacobian against it);
* :func:`numeric_twin`: the numeric twin (:mod:`compactmodel.symbolic.codegen`) of a model of
  any section count, built from the generated code itself, for the simulation-side functions
  of :mod:`compactmodel.sim.energy` (the shipped subcircuits' twins are in
  :mod:`compactmodel.library.numeric`).
"""

from __future__ import annotations

from functools import lru_cache
from types import ModuleType
from typing import Mapping, Sequence

import numpy as np
import sympy as sp

from .codegen import python_module
from .lumped import DEFAULT_NSEG, derive
from .model import LumpedModel

__all__ = ["NumericModel", "numeric_model", "numeric_twin"]


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


@lru_cache(maxsize=16)
def numeric_twin(nseg: int = DEFAULT_NSEG, four_terminal: bool = False, mesh: str = "graded") -> ModuleType:
    """Numeric twin of ``derive(nseg, four_terminal, mesh)``: the generated code, compiled in memory.

    The same module text the generator writes for the shipped subcircuits, so a model of any
    section count runs through exactly the code the shipped ones do.
    """
    model = derive(nseg, four_terminal, mesh)
    name = f"spin_{'loop' if four_terminal else 'battery'}_n{nseg}" + ("" if mesh == "graded" else f"_{mesh}")
    module = ModuleType(name, f"numeric twin of {name} (built in memory)")
    exec(compile(python_module(model, name), f"<numeric twin {name}>", "exec"), module.__dict__)  # noqa: S102
    return module
