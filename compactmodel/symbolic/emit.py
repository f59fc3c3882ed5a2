"""Emit the model library from the SymPy model: ngspice subcircuits, Verilog-A modules, numeric twins.

``python -m compactmodel.symbolic.emit`` rewrites the package data of :mod:`compactmodel.library`
(``spin_battery.lib``, ``spin_battery.va``, ``spin_loop.va`` and the numeric twins
``numeric/<subckt>.py``), the repository's copies ``netlists/spin_battery.lib`` and
``verilog-a/*.va``, and the README's parameter table; ``--check`` only reports whether they are
up to date. The files are committed and a test regenerates them and compares byte for byte.

Every generated model file starts with a stamp line holding the SHA-256 of the rest of the file
(``tail -n +2 FILE | sha256sum`` reproduces it), so a hand edit or a truncated copy is detected
(:func:`compactmodel.library.verify_library`). The generator's inputs (the source of the symbolic,
physics, devices and core layers and the SymPy version) are fingerprinted; when the fingerprint
and the files match the last full run (cached under ``$XDG_CACHE_HOME/compactmodel``), ``emit`` and
``--check`` answer without re-deriving anything. ``--force`` re-derives regardless.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import sympy as sp

from .._version import __version__
from ..core.formatting import format_real
from ..core.parameters import LOOP_PARAMETERS, PARAMETERS, check_nseg
from .codegen import python_module
from . import modal
from .lumped import derive
from .model import RANGE_FLAG_BIT, LumpedModel
from .printers import SpicePrinter, VerilogAPrinter

__all__ = ["spice_subckt", "spice_library", "verilog_a_module", "model_files", "generated_files", "write_generated",
           "generator_fingerprint", "stamped", "main"]

#: Sections of the graded finite-element models ``spin_battery_n<N>`` and ``spin_loop_n<N>`` shipped
#: beside the modal default, for cross-checks (``emit --nseg N`` ships another count instead).
SECTIONED_NSEG = 48

#: The repository root (the package's parent folder in a checkout).
REPO_ROOT = Path(__file__).resolve().parents[2]
#: Package data of compactmodel.library, relative to the repository root.
PACKAGE_LIBRARY = Path("compactmodel") / "library"
LIB_PATH = PACKAGE_LIBRARY / "spin_battery.lib"
VA_PATH = PACKAGE_LIBRARY / "spin_battery.va"
VA_LOOP_PATH = PACKAGE_LIBRARY / "spin_loop.va"
NUMERIC_DIR = PACKAGE_LIBRARY / "numeric"
#: Designers' copies in the repository (identical to the package data).
REPO_COPIES = {LIB_PATH: Path("netlists") / "spin_battery.lib", VA_PATH: Path("verilog-a") / "spin_battery.va",
               VA_LOOP_PATH: Path("verilog-a") / "spin_loop.va"}

#: Conductance that pins the stored twist to ``wn0`` in the initial-condition solve of the
#: Verilog-A module (the analogue of ngspice's ``.ic``); active only in the initial operating
#: point of a transient: analysis("ic") (ngspice's OSDI, Spectre) or analysis("static") together with
#: analysis("tran") (VACASK, which never sets "ic") [S].
IC_PIN_CONDUCTANCE = 1e9

_PURPOSE = (
    "Spin-texture battery (Tserkovnyak & Xiao, PRL 121, 127701 (2018)): an easy-plane magnetic "
    "loop that stores energy in the twist of its order parameter, charged and released through "
    "spin-Hall contacts, with a gate that opens the loop (charge/release) or closes it (storage)."
)
_PINS = (
    ("p, n", "electrical port: the two charging wires in series; with the gate open, current into p winds positive twist"),
    ("gate", "gate voltage w.r.t. ground: 0 V loop closed (storage; negative stiffens it), >= 1.1 vgon loop open (charge/release), smooth between"),
    ("wn", "output: V(wn) = stored winding number Theta/2pi of the wire (1 V per winding), driven by a source"),
)
_LOOP_PINS = (
    ("p1, n1", "contact at x = 0: current into p1 injects spin current vartheta*I1 (winds positive twist)"),
    ("p2, n2", "contact at x = L: current into p2 removes spin current vartheta*I2; n1 wired to p2 gives spin_battery"),
) + _PINS[1:]
_LOOP_PURPOSE = (
    "Four-terminal spin loop: the magnetic loop of the spin-texture battery with its two spin-Hall contacts "
    "brought out separately (nonlocal spin transport; spin_battery is this loop with n1 wired to p2)."
)


def _table(model: LumpedModel):
    return LOOP_PARAMETERS if model.four_terminal else PARAMETERS


def _state_nodes(model: LumpedModel) -> dict[sp.Symbol, str]:
    nodes = {st.symbol: f"V({st.name})" for st in model.states}
    for port in model.ports:
        nodes[port.voltage] = f"V({port.pos},{port.neg})"
    nodes[model.inputs["vg"]] = "V(gate)"
    return nodes


#: How each printer spells the circuit temperature [K].
SPICE_TEMPERATURE = "(temper + 273.15)"
VA_TEMPERATURE = "$temperature"


def _intermediate_args(model: LumpedModel, as_nodes: frozenset = frozenset()) -> dict[sp.Symbol, list[sp.Symbol]]:
    """Inputs/states each intermediate depends on (after expanding earlier intermediates).

    Intermediates in ``as_nodes`` are realised as circuit nodes: they are arguments of later
    intermediates, not expanded into them.
    """
    order = list(model.inputs.values()) + model.state_symbols() + [s for s, _ in model.intermediates if s in as_nodes]
    leaves = set(order)
    reach: dict[sp.Symbol, set[sp.Symbol]] = {}  # the leaves an intermediate's value depends on
    args = {}
    for sym, expr in model.intermediates:
        deps: set[sp.Symbol] = set()
        for x in expr.free_symbols:
            deps |= {x} & leaves if (x in leaves or x not in reach) else reach[x]
        if sym not in as_nodes:
            reach[sym] = deps
        args[sym] = [z for z in order if z in deps]
    return args


#: Intermediates realised as algebraic nodes of the subcircuit. A B-source then reads one
#: node instead of re-evaluating a long expression (measured: three B-sources each inlining
#: the gate law cost 17 us per Newton iteration, 4x the whole linear loop), and the wire's
#: slip rate reaches every section through linear G elements. The probes are nodes too.
#: The slip barriers sit on nodes in k_B T, lowering and raising, in the wire (bdb, bub) and under
#: the gate (bdg, bug), so each rate B-source holds two exponentials of two nodes (measured, paired,
#: with the even/odd barrier nodes of the bulk law: 95 -> 38 us per accepted point). The finite-ring
#: term brings the ring's compliance (rq, O(1)), the gate's local Landau limit (gs) and the saddle
#: angles' arguments (udb, uub in the wire; wdg, wug = s u under the gate, in the wire's Landau units)
#: as nodes; each barrier is one ternary in its argument. Nothing that divides by s is a node: with the
#: gate open s ~ 1e-6, and a node u = nug/s amplified the Newton noise of nug a million times
#: (measured: open-gate DC points needed gmin stepping). The saddle angle is not a node either: the
#: barrier is stationary in it, so its error cancels to first order only inside one expression.
#: Measured cost: 2x the bulk law's per accepted point (docs/model_cost.md); inlining the angle as a
#: blend of nested square roots cost 25x.
_NODE_NAMES = {"wsum": "ws", "sg2": "gk", "nub": "lnd", "nug": "lg", "bdb": "bdb", "bub": "bub", "bdg": "bdg", "bug": "bug",
               "sgl": "gs", "rq": "rq", "udb": "udb", "uub": "uub", "wdg": "wdg", "wug": "wug",
               "sb": "sb", "sg": "sg", "nsl": "nslip"}


def _is_linear(expr: sp.Expr, variables: set[sp.Symbol], params: set[sp.Symbol]) -> bool:
    """True if the expanded ``expr`` is affine in ``variables`` with parameter-only coefficients.

    Term by term: each term of the sum holds at most one variable, to the first power, times
    a factor free of variables (cheaper than building a polynomial).
    """
    if not expr.free_symbols <= variables | params:
        return False
    for term in sp.Add.make_args(expr):
        used = term.free_symbols & variables
        if not used:
            continue
        if len(used) > 1:
            return False
        (x,) = used
        _, dependent = term.as_independent(x, as_Add=False)
        if dependent != x:
            return False
    return True


def _affine_coefficients(model: LumpedModel, expr: sp.Expr, variables: set[sp.Symbol]):
    """({variable: coefficient}, constant) of an expanded affine expression (proved by :func:`_check_split`)."""
    coeffs: dict[sp.Symbol, list[sp.Expr]] = {}
    const = []
    for term in sp.Add.make_args(expr):
        used = term.free_symbols & variables
        if used:
            (x,) = used
            coeffs.setdefault(x, []).append(term.as_independent(x, as_Add=False)[0])
        else:
            const.append(term)
    return {x: sp.Add(*coeffs[x]) for x in _sorted(model, coeffs)}, sp.Add(*const)


def _surely_nonlinear(expr: sp.Expr, variables: set[sp.Symbol]) -> bool:
    """True if ``expr`` applies a function (exp, log, atan, Max, ...) or a non-integer or negative
    power to something that depends on ``variables``: it is then not affine, and expanding it is
    skipped (measured: sp.expand of one gate-link barrier law took 63 s, of the set > 1 h)."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) or (isinstance(node, sp.Pow) and not (node.exp.is_Integer and node.exp > 0)):
            if node.free_symbols & variables:
                return True
    return False


def _linear_split(model: LumpedModel, params: set[sp.Symbol]):
    """Split the model into linear circuit elements plus a few B-sources.

    The variables of the circuit are the inputs, the states and the *node intermediates*
    (``_NODE_NAMES``: algebraic nodes). Every other intermediate is either affine in the
    variables (substituted away) or a nonlinear function (printed as ``.func``). Returns
    ``(substituted, node_rows, rows, port_rows)``:

    * node_rows[sym] = ("linear", coefficients, constant) or ("nonlinear", expression);
    * rows[state] = (coefficients, remainder): f = sum(coefficient * variable) + remainder, the
      remainder holding the terms with a nonlinear (non-node) intermediate;
    * port_rows[port] = coefficients of the port current.
    """
    nodes = [sym for sym, _ in model.intermediates if sym.name in _NODE_NAMES]
    variables = set(model.inputs.values()) | set(model.state_symbols()) | set(nodes)
    substituted: dict[sp.Symbol, sp.Expr] = {}
    nonlinear: set[sp.Symbol] = set()
    node_rows: dict[sp.Symbol, tuple] = {}
    for sym, expr in model.intermediates:
        e = expr.xreplace(substituted)
        linear = False
        if not _surely_nonlinear(e, variables | nonlinear):
            e = sp.expand(e)
            linear = _is_linear(e, variables, params)
        if sym in nodes:
            node_rows[sym] = ("linear", *_affine_coefficients(model, e, variables)) if linear else ("nonlinear", expr)
        elif linear:
            substituted[sym] = e
        else:
            nonlinear.add(sym)
    rows = {}
    for st in model.states:
        lin_terms, rem_terms = [], []
        for term in sp.Add.make_args(sp.expand(model.rhs[st.symbol])):
            linear_term = not (term.free_symbols & nonlinear) and _is_linear(sp.expand(term.xreplace(substituted)), variables, params)
            (lin_terms if linear_term else rem_terms).append(term)
        lin = sp.expand(sp.Add(*lin_terms).xreplace(substituted))
        assert _is_linear(lin, variables, params), (st.name, lin)
        coeffs, const = _affine_coefficients(model, lin, variables)
        assert const == 0, (st.name, const)
        rows[st.symbol] = (coeffs, sp.Add(*rem_terms))
    port_rows = {}
    for port in model.ports:
        coeffs, const = _affine_coefficients(model, substituted[port.current], variables)
        assert const == 0
        port_rows[port] = coeffs
    return substituted, node_rows, rows, port_rows


def _sorted(model: LumpedModel, symbols) -> list[sp.Symbol]:
    order = {s: i for i, s in enumerate(list(model.inputs.values()) + model.state_symbols() + [s for s, _ in model.intermediates])}
    return sorted(symbols, key=lambda s: order[s])


def _param_doc_lines(comment: str, table=PARAMETERS) -> list[str]:
    lines = []
    for p in table:
        lines.append(
            f'{comment} @param {p.name} default={format_real(p.default)} unit="{p.unit}" '
            f'range="{p.range_text()}" desc="{p.description}"'
        )
    return lines


#: What the internal nodes of each kind of model are.
_STATE_NOTE = {
    "sectioned": "Internal nodes are scaled unknowns: tw<k> are section twists and wr the winding of the closed ring, in turns "
                 "(1 V = 2 pi rad); om<j> are node rotation rates in windings per transit time tau_s = len*sqrt(chi/stiff).",
    "modal": "Internal nodes are scaled unknowns of the modal network of the spin line (a series loop: spin capacitor, mode tanks, "
             "diffusive tail, remainder, gate link): tw is the twist of the wire (the spin capacitor's charge) and wr the winding of "
             "the closed ring, in turns (1 V = 2 pi rad); om is the loop's twist rate and y<j>, q<k> the tanks' rates, in turns per "
             "transit time tau_s = len*sqrt(chi/stiff); x<j> are tank torques in units of 2 pi stiff/len.",
}


def _header(comment: str, model: LumpedModel, name: str) -> list[str]:
    wrap = lambda text, indent="": textwrap.wrap(text, 92, initial_indent=f"{comment} {indent}", subsequent_indent=f"{comment} {indent}")  # noqa: E731
    out = [f"{comment} {name}: generated by compactmodel {__version__} from the SymPy model ({model.description}, "
           f"{len(model.states)} internal states). Do not edit."]
    out += wrap(_LOOP_PURPOSE if model.four_terminal else _PURPOSE)
    out.append(f"{comment} Pins:")
    for pin, text in _LOOP_PINS if model.four_terminal else _PINS:
        out += wrap(f"{pin}: {text}", "  ")
    out += wrap(_STATE_NOTE[model.kind] + " Each obeys "
        "m tau_s d/dt V = f (a capacitance m tau_s [F] and a current f [A]). wn0 sets the twist at the start of a "
        "transient (the transient starts from it, not from the DC operating point); DC and AC analyses use the relaxed operating point "
        "(infinite time: with the gate closed and no current, the empty ring; a leak of the ring winding of 1e-20 /s keeps that "
        "point regular where the slip rates underflow)."
    )
    out.append(f"{comment} Parameters (SI units; ranges in Verilog-A 'from' notation):")
    out += _param_doc_lines(comment, _table(model))
    return out


def _flag_description(model: LumpedModel) -> str:
    """What the bits of the ``flag`` probe node mean (0: the model is inside its physics)."""
    bits = [f"{f.bit}: {f.summary}" for f in model.flags]
    bits.append(f"{RANGE_FLAG_BIT}: an instance parameter outside its range")
    return ("bit mask of the conditions where the model's physics does not hold, 0 when it does [-]: " + "; ".join(bits)
            + ". Read it with .meas tran flags MAX V(<instance>.flag)")


def _range_violations(model: LumpedModel) -> str:
    """numparam expression counting the instance parameters outside their ranges."""
    out = []
    for p in _table(model):
        out.append(f"({p.name} {'<=' if p.lower_open else '<'} {format_real(p.lower)})")
        out.append(f"({p.name} {'>=' if p.upper_open else '>'} {format_real(p.upper)})")
    return " + ".join(out)


def spice_subckt(model: LumpedModel, name: str = "spin_battery") -> str:
    """One ``.subckt`` for ``model``.

    At a fixed gate and slip rate the loop is linear, so it is written with linear elements:
    a capacitor tau_s per unknown and voltage-controlled current sources (G) for the coupling
    coefficients. The gate law and the phase-slip rates are B-sources writing algebraic nodes.
    A generator-time check proves that the elements add up to the SymPy equations, row by row.
    """
    params = set(model.params.values()) | {s for s, _ in model.derived}
    substituted, node_rows, rows, port_rows = _linear_split(model, params)
    defs = dict(model.intermediates)
    nodes = _state_nodes(model)
    node_of = {sym: _NODE_NAMES[sym.name] for sym in node_rows}
    nodes.update({sym: f"V({name_})" for sym, name_ in node_of.items()})
    nodes[model.inputs["temp"]] = SPICE_TEMPERATURE
    as_nodes = frozenset(node_of)
    # intermediates the B-sources use (printed as .func), in definition order
    needed: list[sp.Symbol] = []
    exprs = [rem for _, rem in rows.values()] + [row[1] for row in node_rows.values() if row[0] == "nonlinear"]
    stack = [s for e in exprs for s in e.free_symbols if s in defs and s not in as_nodes]
    while stack:
        sym = stack.pop()
        if sym not in needed:
            needed.append(sym)
            stack += [s for s in defs[sym].free_symbols if s in defs and s not in as_nodes]
    needed = _sorted(model, needed)
    args = {s: a for s, a in _intermediate_args(model, as_nodes).items() if s in needed}
    call_spice = {s: f"{s.name}({', '.join(nodes[a] for a in args[s])})" for s in needed}
    call_body = {s: f"{s.name}({', '.join(a.name for a in args[s])})" for s in needed}
    b_print = SpicePrinter(nodes, params, call_spice, braces=True)
    plain = SpicePrinter({}, params, call_body, braces=False)
    pins = {port.voltage: (port.pos, port.neg) for port in model.ports}
    pins[model.inputs["vg"]] = ("gate", "0")

    def ctrl(x: sp.Symbol) -> str:
        return " ".join(pins.get(x, (nodes[x][2:-1], "0")))

    def gain(c: sp.Expr) -> str:
        return format_real(float(c)) if c.is_number else b_print.doprint(c)

    body = ["* electrical port(s): I = (V - spin-motive force) / wire resistance, as G elements"]
    for k, port in enumerate(model.ports, start=1):
        label = "" if len(model.ports) == 1 else str(k)
        for x, c in port_rows[port].items():
            body.append(f"G_port{label}_{ctrl(x).split()[0]} {port.pos} {port.neg} {ctrl(x)} {gain(c)}")
    body.append("* algebraic nodes (1 S to ground): the wire winding, the gate, the slip rates and the probes")
    for sym, row in node_rows.items():
        nd = node_of[sym]
        probe = next((pr for pr in model.probes if pr.symbol == sym), None)
        body.append(f"* {nd}: " + (f"probe, {probe.description}" if probe else f"{sym.name} = {sp.sstr(defs[sym], order='none')}"))
        body.append(f"G_{nd} {nd} 0 {nd} 0 1.0")
        if row[0] == "linear":
            _, coeffs, const = row
            for x, c in coeffs.items():
                body.append(f"G_{nd}_{ctrl(x).split()[0]} 0 {nd} {ctrl(x)} {gain(c)}")
            if const != 0:
                body.append(f"I_{nd} 0 {nd} {{{plain.doprint(const)}}}")
        else:
            body.append(f"B_{nd} {nd} 0 I = {b_print.doprint(-row[1])}")
    if model.flags:
        body.append(f"* flag: probe, {_flag_description(model)}")
        body.append("G_flag flag 0 flag 0 1.0")
        terms = [f"{f.bit}*({b_print.doprint(f.condition)})" for f in model.flags]
        terms.append(f"{RANGE_FLAG_BIT}*({{flag_range}} > 0)")
        body.append(f"B_flag flag 0 I = -({' + '.join(terms)})")
    body.append("* internal unknowns: tau_s dV/dt = f, f = sum of G-element currents (+ a B-source for the gate link)")
    for st in model.states:
        coeffs, rem = rows[st.symbol]
        body.append(f"* {st.name}: {st.meaning}")
        body.append(f"C_{st.name} {st.name} 0 {{{plain.doprint(model.tau * st.mass)}}}")
        for x, c in coeffs.items():
            if x == st.symbol:
                body.append(f"G_{st.name} {st.name} 0 {st.name} 0 {gain(-c)}")
            else:
                body.append(f"G_{st.name}_{ctrl(x).split()[0]} 0 {st.name} {ctrl(x)} {gain(c)}")
        if rem != 0:
            body.append(f"B_{st.name} {st.name} 0 I = {b_print.doprint(sp.expand(-rem))}")
    body.append("* output: stored winding number of the wire (an ideal source)")
    wsum = [s for s in node_rows if s.name == "wsum"]
    if wsum and sp.expand(model.winding - defs[wsum[0]]) == 0:
        body.append(f"E_wn wn 0 {node_of[wsum[0]]} 0 1.0")
    else:
        body.append(f"B_wn wn 0 V = {b_print.doprint(model.winding)}")
    body.append("* start of a transient: the stored twist equals wn0 (wire and gate at one winding density)")
    ics = [f"v({st.name})={{{plain.doprint(st.initial)}}}" for st in model.states if st.initial != 0]
    for i in range(0, len(ics), 6):
        body.append(".ic " + " ".join(ics[i : i + 6]))
    _check_split(model, substituted, node_rows, rows, port_rows)

    lines = _header("*", model, name)
    lines.append(f".subckt {name} {' '.join(model.pins)}")
    lines.append("+ " + " ".join(f"{p.name}={format_real(p.default)}" for p in _table(model)))
    lines.append("* derived parameters")
    for sym, expr in model.derived:
        lines.append(f".param {sym.name}={{{plain.doprint(expr)}}}")
    if model.flags:
        lines.append(f"* instance parameters outside their ranges (bit {RANGE_FLAG_BIT} of the flag node)")
        lines.append(f".param flag_range={{{_range_violations(model)}}}")
    lines.append("* equation coefficients (evaluated once by numparam)")
    for expr, cname in b_print.coefficients.items():
        lines.append(f".param {cname}={{{plain.doprint(expr)}}}")
    lines.append("* gate, temperature and phase-slip laws (functions of node voltages and temper)")
    for sym in needed:
        arglist = ", ".join(a.name for a in args[sym])
        lines.append(f".func {sym.name}({arglist}) {{{plain.doprint(defs[sym])}}}")
    lines += body
    lines.append(f".ends {name}")
    return "\n".join(lines) + "\n"


def _check_split(model: LumpedModel, substituted, node_rows, rows, port_rows, points: int = 1) -> None:
    """Generator-time proof that the element stamps reproduce the SymPy equations.

    Evaluated at a random point (states, inputs and parameters: a structural error agrees there
    by chance with probability zero), every row rebuilt from the element coefficients and B-source
    remainders equals the model's row to 1e-9.
    """
    rnd = random.Random(11)
    for _ in range(points):
        env: dict[sp.Symbol, float] = {}
        for p in _table(model):
            sym = model.params[p.name]
            env[sym] = p.default * rnd.uniform(0.7, 1.3) if p.default != 0 else rnd.uniform(-0.5, 0.5)
        for sym, expr in model.derived:
            env[sym] = float(expr.xreplace(env))
        for sym in list(model.inputs.values()) + model.state_symbols():
            env[sym] = rnd.uniform(-0.5, 0.5)
        env[model.inputs["temp"]] = rnd.uniform(250.0, 400.0)
        env[model.inputs["vg"]] = rnd.uniform(-0.2, 1.2) * env[model.params["vgon"]]
        for sym, expr in model.intermediates:
            env[sym] = float(expr.xreplace(env))

        def value(expr: sp.Expr) -> float:
            return float(sp.sympify(expr).xreplace(env))

        def close(a: float, b: float, what: str) -> None:
            if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
                raise AssertionError(f"linear split: {what} is {a!r} from the elements, {b!r} from the model")

        for st in model.states:
            coeffs, rem = rows[st.symbol]
            rebuilt = sum(value(c) * env[x] for x, c in coeffs.items()) + value(rem)
            close(rebuilt, value(model.rhs[st.symbol]), f"row {st.name}")
        for port, coeffs in port_rows.items():
            close(sum(value(c) * env[x] for x, c in coeffs.items()), env[port.current], f"port current {port.pos}")
        for sym, row in node_rows.items():
            rebuilt = (sum(value(c) * env[x] for x, c in row[1].items()) + value(row[2])) if row[0] == "linear" else value(row[1])
            close(rebuilt, env[sym], f"node {sym}")


def spice_library(nseg: int = SECTIONED_NSEG, models: dict[str, LumpedModel] | None = None) -> str:
    """The library file: every subcircuit of :func:`shipped_models` (or of ``models``, already derived)."""
    parts = [
        "* spin_battery.lib: ngspice library of the spin-texture battery compact model.",
        "* Generated by 'python -m compactmodel.symbolic.emit'. Do not edit: edit the SymPy model instead.",
        "* Usage: .include spin_battery.lib  then  X1 p n gate wn spin_battery len=2u ...",
    ]
    for name, model in (models if models is not None else shipped_models(nseg)).items():
        parts += ["", spice_subckt(model, name)]
    return "\n".join(parts)


def verilog_a_module(model: LumpedModel, name: str = "spin_battery") -> str:
    """The Verilog-A module for ``model``."""
    va_nodes = _state_nodes(model)
    va_nodes[model.inputs["temp"]] = VA_TEMPERATURE
    pr = VerilogAPrinter(va_nodes)
    lines = [f"// {ln[2:]}" if ln.startswith("* ") else ln for ln in _header("//", model, name)]
    port_pins = [pin for port in model.ports for pin in (port.pos, port.neg)]
    lines += ["", '`include "constants.vams"', '`include "disciplines.vams"', "", f"module {name}({', '.join(model.pins)});"]
    lines += [f"    inout {', '.join(port_pins)};", "    input gate;", "    output wn;", f"    electrical {', '.join(model.pins)};"]
    names = [st.name for st in model.states] + [pr_.name for pr_ in model.probes] + (["flag"] if model.flags else [])
    for i in range(0, len(names), 12):
        lines.append("    electrical " + ", ".join(names[i : i + 12]) + ";")
    lines.append("")
    for p in _table(model):
        lines.append(f'    (* units="{p.unit}", desc="{p.description}" *)')
        lines.append(f"    parameter real {p.name} = {format_real(p.default)} from {_va_range(p)};")
    lines.append("")
    lines.append("    real " + ", ".join(s.name for s, _ in model.derived) + ";")
    lines.append("    real " + ", ".join(s.name for s, _ in model.intermediates) + ";")
    lines += ["", "    analog begin"]
    for sym, expr in model.derived:
        lines.append(f"        {sym.name} = {pr.doprint(expr)};")
    for sym, expr in model.intermediates:
        lines.append(f"        {sym.name} = {pr.doprint(expr)};")
    if model.flags:
        lines.append("        // flags: where the laws stop holding. Static ones stop the simulation at its start, dynamic ones")
        lines.append("        // are reported while they hold; all are summed on the probe node flag (as in the ngspice subcircuit)")
        lines.append("        @(initial_step) begin")
        for f in model.flags:
            if f.static:
                args = "".join(f", {pr.doprint(a)}" for a in f.args)
                lines.append(f'            if ({pr.doprint(f.condition)}) $fatal(0, "{name} %M: {f.message}"{args});')
        lines.append("        end")
        for f in model.flags:
            if not f.static:
                args = "".join(f", {pr.doprint(a)}" for a in f.args)
                lines.append(f'        if ({pr.doprint(f.condition)}) $strobe("{name} %M: {f.message}"{args});')
    lines.append("        // electrical port(s): V = wire resistance * I + spin-motive force")
    for port in model.ports:
        lines.append(f"        I({port.pos}, {port.neg}) <+ {pr.doprint(port.current)};")
    lines.append("        // internal unknowns: tau_s d/dt V = f")
    for st in model.states:
        cap = pr.doprint(model.tau * st.mass)
        lines.append(f"        I({st.name}) <+ ddt({cap}*V({st.name})) + ({pr.doprint(sp.expand(-model.rhs[st.symbol]))});")
    lines.append("        // stored winding number")
    lines.append(f"        V(wn) <+ {pr.doprint(model.winding)};")
    lines.append("        // probes")
    for probe in model.probes:
        lines.append(f"        V({probe.name}) <+ {probe.symbol.name};  // {probe.description}")
    if model.flags:
        bits = " + ".join(f"{f.bit}*({pr.doprint(f.condition)})" for f in model.flags)
        lines.append(f"        V(flag) <+ {bits};  // bit mask of the flags above (0: inside the physics)")
    lines.append("        // start of a transient: pin the stored twist to wn0 (its initial operating point only;")
    lines.append('        // VACASK never sets "ic", it solves that point as a static analysis within the transient)')
    lines.append('        if (analysis("ic") || (analysis("static") && analysis("tran"))) begin')
    for st in model.states:
        if st.initial != 0:
            lines.append(f"            I({st.name}) <+ {format_real(IC_PIN_CONDUCTANCE)}*(V({st.name}) - ({pr.doprint(st.initial)}));")
    lines += ["        end", "    end", "endmodule", ""]
    return "\n".join(lines)


def _va_range(p) -> str:
    lo = "(" if p.lower_open else "["
    hi = ")" if p.upper_open else "]"
    return f"{lo}{format_real(p.lower)}:{format_real(p.upper)}{hi}"


def shipped_models(nseg: int = SECTIONED_NSEG, progress: Callable[[str], None] | None = None) -> dict[str, LumpedModel]:
    """Subcircuit name -> model, for every subcircuit the library ships (in library order).

    ``spin_battery`` and ``spin_loop``: the modal models (:mod:`compactmodel.symbolic.modal`);
    ``spin_battery_n<nseg>`` and ``spin_loop_n<nseg>``: the graded finite-element models
    (:mod:`compactmodel.symbolic.lumped`), for cross-checks. ``progress`` (if given) is called
    with one line per model derived.
    """
    nseg = check_nseg(nseg)
    recipes = {
        "spin_battery": lambda: modal.derive(),
        f"spin_battery_n{nseg}": lambda: derive(nseg),
        "spin_loop": lambda: modal.derive(four_terminal=True),
        f"spin_loop_n{nseg}": lambda: derive(nseg, four_terminal=True),
    }
    models = {}
    for i, (name, recipe) in enumerate(recipes.items(), 1):
        models[name] = recipe()
        if progress is not None:
            progress(f"derived {name} ({i}/{len(recipes)})")
    return models


def _numeric_index(models: dict[str, LumpedModel]) -> str:
    rows = "\n".join(f"    {name!r}: {(model.nseg if model.kind == 'sectioned' else model.kind)!r}," for name, model in models.items())
    return ('"""Numeric twins of the shipped subcircuits (generated by \'python -m compactmodel.symbolic.emit\';'
            " do not edit).\n\nOne module per subcircuit; :data:`SUBCKTS` maps each name to its section count"
            " (sectioned models) or to 'modal'.\n\"\"\"\n\n"
            f"SUBCKTS = {{\n{rows}\n}}\n")


def stamped(text: str, comment: str) -> str:
    """``text`` behind a first line holding the SHA-256 of ``text`` (``tail -n +2 FILE | sha256sum``)."""
    return f"{comment} content-sha256: {hashlib.sha256(text.encode()).hexdigest()}\n{text}"


def model_files(nseg: int = SECTIONED_NSEG, progress: Callable[[str], None] | None = None) -> dict[Path, str]:
    """Relative path (from the repository root) -> text of every generated model file.

    The package data of :mod:`compactmodel.library` (library, Verilog-A, numeric twins) and the
    repository's copies of the library and the Verilog-A, each with its content stamp.
    ``progress`` (if given) is called with one line per stage.
    """
    say = progress or (lambda _msg: None)
    models = shipped_models(nseg, progress)
    files = {LIB_PATH: stamped(spice_library(nseg, models), "*")}  # the models derived once, for every file
    say("printed the ngspice library")
    files[VA_PATH] = stamped(verilog_a_module(models["spin_battery"]), "//")
    files[VA_LOOP_PATH] = stamped(verilog_a_module(models["spin_loop"], "spin_loop"), "//")
    say("printed the Verilog-A modules")
    files[NUMERIC_DIR / "__init__.py"] = stamped(_numeric_index(models), "#")
    files.update({NUMERIC_DIR / f"{name}.py": stamped(python_module(model, name), "#") for name, model in models.items()})
    say("printed the numeric twins")
    files.update({copy: files[packaged] for packaged, copy in REPO_COPIES.items()})
    return files


def generated_files(nseg: int = SECTIONED_NSEG, root: Path = REPO_ROOT) -> dict[Path, str]:
    """Every generated file: :func:`model_files` and the README with its parameter table."""
    files = model_files(nseg)
    readme = Path(root) / README_PATH
    if readme.exists():
        files[README_PATH] = readme_with_table(readme.read_text())
    return files


def write_generated(root: Path = REPO_ROOT, nseg: int = SECTIONED_NSEG) -> list[Path]:
    """Write every generated file under ``root``; returns the paths written."""
    written = []
    for rel, text in generated_files(nseg, root).items():
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


#: The layers whose source determines the generated files.
_GENERATOR_LAYERS = ("core", "physics", "devices", "symbolic")


def generator_fingerprint(nseg: int = SECTIONED_NSEG) -> str:
    """SHA-256 of everything the model files depend on: the generator's source, SymPy's version, ``nseg``."""
    package = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(f"sympy {sp.__version__}; nseg {nseg}\n".encode())
    for path in sorted([package / "_version.py"] + [p for layer in _GENERATOR_LAYERS for p in (package / layer).rglob("*.py")]):
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _cache_path(fingerprint: str) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "compactmodel" / "emit" / f"{fingerprint[:32]}.json"


def _file_digests(root: Path, rels) -> dict[str, str | None]:
    out = {}
    for rel in rels:
        path = Path(root) / rel
        out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    return out


def _known_fresh(root: Path, fingerprint: str) -> bool:
    """True if the last full run with this fingerprint produced exactly the files now under ``root``."""
    try:
        cached = json.loads(_cache_path(fingerprint).read_text())
    except (OSError, ValueError):
        return False
    return bool(cached) and _file_digests(root, cached) == cached


def _remember(root: Path, fingerprint: str, rels) -> None:
    path = _cache_path(fingerprint)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(_file_digests(root, rels)))
        tmp.replace(path)
    except OSError:  # a read-only cache only costs the next run a derivation
        pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m compactmodel.symbolic.emit", description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=REPO_ROOT, help="the repository root (package data, netlists/, verilog-a/)")
    ap.add_argument("--nseg", type=int, default=SECTIONED_NSEG, metavar="N",
                    help=f"sections of the cross-check models spin_battery_n<N> and spin_loop_n<N> (default {SECTIONED_NSEG})")
    ap.add_argument("--check", action="store_true", help="only check that the files are up to date")
    ap.add_argument("--force", action="store_true", help="re-derive even when the generator and the files are unchanged")
    ns = ap.parse_args(argv)
    root = Path(ns.root)
    try:
        nseg = check_nseg(ns.nseg)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    readme = root / README_PATH
    readme_text = readme_with_table(readme.read_text()) if readme.exists() else None
    readme_stale = readme_text is not None and readme.read_text() != readme_text
    fingerprint = generator_fingerprint(nseg)
    if not ns.force and _known_fresh(root, fingerprint):
        if ns.check:
            print("stale: README.md" if readme_stale else "up to date (generator unchanged; nothing re-derived)")
            return 1 if readme_stale else 0
        if readme_stale:
            readme.write_text(readme_text)
            print(f"wrote {readme}")
        else:
            print("up to date (generator unchanged; nothing re-derived; --force to regenerate)")
        return 0
    start = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f} s] {msg}", file=sys.stderr, flush=True)

    progress("deriving the models from the symbolic source")
    files = model_files(nseg, progress)
    if ns.check:
        stale = [str(rel) for rel, text in files.items() if not (root / rel).exists() or (root / rel).read_text() != text]
        stale += ["README.md"] * readme_stale
        if not stale:
            _remember(root, fingerprint, files)
        print("stale: " + ", ".join(stale) if stale else "up to date")
        return 1 if stale else 0
    if readme_text is not None:
        files[README_PATH] = readme_text
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
        print(f"wrote {root / rel}")
    _remember(root, fingerprint, [rel for rel in files if rel != README_PATH])
    return 0


README_PATH = Path("README.md")
_TABLE_START = "<!-- parameter-table:start (generated by python -m compactmodel.symbolic.emit) -->"
_TABLE_END = "<!-- parameter-table:end -->"


def parameter_table() -> str:
    """Markdown table of the instance parameters (for the README)."""
    rows = ["| name | unit | default | range | meaning |", "|---|---|---|---|---|"]
    for p in PARAMETERS:
        rows.append(f"| `{p.name}` | {p.unit} | {format_real(p.default)} | `{p.range_text()}` | {p.description} |")
    return "\n".join(rows)


def readme_with_table(text: str) -> str:
    """README text with its generated parameter table refreshed."""
    start, end = text.index(_TABLE_START), text.index(_TABLE_END)
    return text[: start + len(_TABLE_START)] + "\n" + parameter_table() + "\n" + text[end:]


if __name__ == "__main__":
    raise SystemExit(main())
