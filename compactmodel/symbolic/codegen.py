"""Print a :class:`~compactmodel.symbolic.model.LumpedModel` as a Python module (the numeric twin).

The simulation side of the package (:mod:`compactmodel.sim`) evaluates the model's energies,
powers and state equations in Python, for the energy accounts of a run, the ring-down time
of a closed gate and the monolithic reference solve. It must not import SymPy, so the
generator prints the same SymPy expressions the netlists are printed from into a plain
numpy module, one per shipped subcircuit (``compactmodel/library/numeric/<subckt>.py``).
A test evaluates every function against the SymPy expressions at random points.

A generated module provides (``c``: parameter and derived-parameter values by name;
``z``: the state values in :data:`STATES` order; ``v``: the intermediates):

* ``NAME``, ``NSEG``, ``FOUR_TERMINAL``, ``STATES``, ``INPUTS``, ``PARAMETERS`` (names);
* ``constants(p) -> c``: instance parameters plus every derived parameter;
* ``mass(c) -> list``: the mass m of each state in  m tau_s dz/dt = f;
* ``initial(c) -> list``: the state at the start of a transient;
* ``intermediates(c, inputs, z) -> v``: every intermediate (gate law, slip rates, port
  current, ...), ``inputs`` a mapping of :data:`INPUTS` (port voltages, gate voltage, temperature);
* ``rhs(c, v, z) -> list``: the right-hand sides f of m tau_s dz/dt = f;
* ``emf(c, z) -> list``: the spin-motive force of each port [V];
* ``physical(c, v, z) -> dict``: energies [J] and powers [W] (see ``LumpedModel.physical``);
* ``stored_energy_nodes(c, z, ws, gk)``: the stored energy from the state nodes and the
  algebraic nodes V(ws) (wire winding) and V(gk) (gate anisotropy ratio), as a run reads them;
* ``LOSS_TERMS``: each loss power of one cell as ``(coefficient(c), node monomial)`` terms,
  the monomials written in ngspice syntax (``V(x1.om0)*V(x1.om0)``, ``ipncell`` for the port
  current of one cell), for energy-integrator B-sources.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..core.parameters import LOOP_PARAMETERS, PARAMETERS
from .model import LumpedModel
from .printers import SpicePrinter, nested_call

__all__ = ["python_module", "energy_expression", "loss_expressions", "LOSS_KEYS"]

#: Energy-integrator node -> loss power of :attr:`LumpedModel.physical` it integrates.
LOSS_KEYS = {"e_joule": "joule_power", "e_pumping": "pumping_power", "e_gilbert": "gilbert_power",
             "e_slips": "slip_power"}


class _Printer(NumPyPrinter):
    """numpy code with the model's symbols spelled as dictionary / list look-ups."""

    def __init__(self, names: dict[sp.Symbol, str]):
        super().__init__({"fully_qualified_modules": True, "order": None})
        self._names = names

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr in self._names:
            return self._names[expr]
        raise ValueError(f"no Python name for symbol {expr}")

    def _print_Max(self, expr) -> str:
        return nested_call("numpy.maximum", [self._print(a) for a in expr.args])

    def _print_Min(self, expr) -> str:
        return nested_call("numpy.minimum", [self._print(a) for a in expr.args])


def _table(model: LumpedModel):
    return LOOP_PARAMETERS if model.four_terminal else PARAMETERS


def energy_expression(model: LumpedModel) -> tuple[sp.Expr, list[sp.Symbol]]:
    """Stored energy (twist + gate link + spin kinetic) of one cell [J] in terms of the states,
    the wire winding ``wsum`` and the gate anisotropy ratio ``sg2`` (the nodes V(ws), V(gk))."""
    inter = {sym.name: (sym, expr) for sym, expr in model.intermediates}
    e = model.physical["twist_energy"] + model.physical["kinetic_energy"] + model.physical["gate_energy"]
    e = e.xreplace({inter["kgate"][0]: inter["kgate"][1]}).xreplace({inter["tgate"][0]: inter["tgate"][1]})
    return e, model.state_symbols() + [inter["wsum"][0], inter["sg2"][0]]


def loss_expressions(model: LumpedModel) -> dict[str, sp.Expr]:
    """Each loss power of one cell in terms of node-voltage symbols ``V(x1.<node>)`` and ``ipncell``."""
    inter = {sym.name: (sym, expr) for sym, expr in model.intermediates}
    node = {st: sp.Symbol(f"V(x1.{st.name})") for st in model.state_symbols()}
    node.update({inter["wsum"][0]: sp.Symbol("V(x1.ws)"), inter["sg2"][0]: sp.Symbol("V(x1.gk)"),
                 inter["sb"][0]: sp.Symbol("V(x1.sb)"), inter["sg"][0]: sp.Symbol("V(x1.sg)"),
                 inter["ipn"][0]: sp.Symbol("ipncell")})
    out = {}
    for key, name in LOSS_KEYS.items():
        e = model.physical[name]
        e = e.xreplace({inter["kgate"][0]: inter["kgate"][1]}).xreplace({inter["tgate"][0]: inter["tgate"][1]})
        out[key] = e.xreplace(node)
    return out


def python_module(model: LumpedModel, name: str) -> str:
    """Source text of the numeric twin of ``model`` (subcircuit ``name``)."""
    table = _table(model)
    consts = {model.params[p.name]: f"c[{p.name!r}]" for p in table}
    consts.update({sym: f"c[{sym.name!r}]" for sym, _ in model.derived})
    states = {sym: f"z[{k}]" for k, sym in enumerate(model.state_symbols())}
    inputs = {sym: f"inputs[{key!r}]" for key, sym in model.inputs.items()}
    inter_names = {sym: f"v[{sym.name!r}]" for sym, _ in model.intermediates}

    # intermediates are computed into locals first (cheap look-ups), then returned as a dict
    local = {sym: f"_{sym.name}" for sym, _ in model.intermediates}
    pr_const = _Printer(consts)
    pr_inter = _Printer({**consts, **states, **inputs, **local})
    pr_body = _Printer({**consts, **states, **inter_names})

    states_t = tuple(st.name for st in model.states)
    out = [
        f'"""Numeric twin of the subcircuit ``{name}`` ({model.description}).',
        "",
        "Generated by 'python -m compactmodel.symbolic.emit' from the SymPy model",
        "(compactmodel.symbolic.lumped). Do not edit: edit the SymPy model and regenerate.",
        "See compactmodel.symbolic.codegen for what each function returns.",
        '"""',
        "",
        "import numpy",
        "",
        f"NAME = {name!r}",
        f"KIND = {model.kind!r}",
        f"NSEG = {model.nseg}",
        f"FOUR_TERMINAL = {model.four_terminal!r}",
        f"PARAMETERS = {tuple(p.name for p in table)!r}",
        f"INPUTS = {tuple(model.inputs)!r}",
        f"STATES = {states_t!r}",
        "",
        "",
        "def constants(p):",
        '    """Instance parameters ``p`` plus every derived parameter, by name."""',
        "    c = {name: float(p[name]) for name in PARAMETERS}",
    ]
    for sym, expr in model.derived:
        out.append(f"    c[{sym.name!r}] = {pr_const.doprint(expr)}")
    out += ["    return c", "", "", "def mass(c):", '    """The mass m of each state in  m tau_s dz/dt = f, in STATES order."""',
            "    return [" + ", ".join(pr_const.doprint(st.mass) for st in model.states) + "]", "", "", "def initial(c):", '    """State values at the start of a transient (tw, wr from wn0; rates 0)."""',
            "    return [" + ", ".join(pr_const.doprint(st.initial) for st in model.states) + "]", "", "",
            "def intermediates(c, inputs, z):", '    """Every intermediate of the model at the inputs and states."""',
            "    # numpy.select evaluates every branch of a ternary, also where it is not taken (arccos(1.2), 1/0)",
            "    with numpy.errstate(invalid='ignore', divide='ignore'):"]
    for sym, expr in model.intermediates:
        out.append(f"        {local[sym]} = {pr_inter.doprint(expr)}")
    out.append("        return {" + ", ".join(f"{sym.name!r}: {local[sym]}" for sym, _ in model.intermediates) + "}")
    out += ["", "", "def emf(c, z):", '    """Spin-motive force of each port [V] (V = rw I + emf)."""',
            "    return [" + ", ".join(pr_body.doprint(port.emf) for port in model.ports) + "]"]
    out += ["", "", "def rhs(c, v, z):", '    """Right-hand sides f of m tau_s dz/dt = f, in STATES order."""', "    return ["]
    for st in model.states:
        out.append(f"        {pr_body.doprint(model.rhs[st.symbol])},")
    out += ["    ]", "", "", "def physical(c, v, z):", '    """Energies [J] and powers [W] of one cell."""', "    return {"]
    for key, expr in model.physical.items():
        out.append(f"        {key!r}: {pr_body.doprint(expr)},")
    out += ["    }", ""]
    if not model.four_terminal:
        energy, args = energy_expression(model)
        node_names = {**consts, **{sym: f"z[{k}]" for k, sym in enumerate(model.state_symbols())},
                      args[-2]: "ws", args[-1]: "gk"}
        out += ["", "def stored_energy_nodes(c, z, ws, gk):",
                '    """Stored energy of one cell [J] from the state nodes z and the nodes V(ws), V(gk)."""',
                f"    return {_Printer(node_names).doprint(energy)}", ""]
        out += ["", "#: Loss power of one cell per energy-integrator node: (coefficient(c), node monomial) terms.",
                "LOSS_TERMS = {"]
        spice = SpicePrinter(braces=False, order=None)
        const_syms = set(consts)
        for key, expr in loss_expressions(model).items():
            nodes = [x for x in expr.free_symbols if x not in const_syms]
            out.append(f"    {key!r}: (")
            for term in sp.Add.make_args(sp.expand(expr)):
                coeff, mono = term.as_independent(*nodes, as_Add=False)
                out.append(f"        (lambda c: {pr_const.doprint(coeff)}, {spice.doprint(mono)!r}),")
            out.append("    ),")
        out += ["}", ""]
    return "\n".join(out)
