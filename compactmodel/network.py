"""The model's linear network as an lcapy circuit: attach a load, get Z(s), transfer functions, step responses.

At a fixed gate voltage and without phase slips the spin battery is a linear network. This
module writes it as an :class:`lcapy.Circuit` in electrical elements (ohm, H, F), built from the
same constants as the generated model (:mod:`compactmodel.symbolic.modal` for the default
``spin_battery``, :func:`compactmodel.symbolic.lumped.section_fractions` for a sectioned line)::

    from compactmodel.network import spin_network

    cct = spin_network(gate="open")          # the reference device; numeric element values
    cct.impedance("p", 0)                    # Z(s) of the port p-0 (rw + the spin line)
    cct.add("RL p 0 100")                    # attach a load ...
    cct.add("I1 p 0 step 1e-4")              # ... and a current step into p (lcapy: I1 p 0 drives
                                             # the current into p; SPICE writes it I1 0 p)
    cct.RL.V(s)                              # the load voltage, s-domain

Nodes: ``p`` (port +), ``0`` (port - and ground), ``m`` (behind ``Rw``, across the spin line).

How it is drawn. The line answers a torque tau = vartheta I with the twist rate Omega, and its
spin-motive force is vartheta Omega (reciprocity): the port sees Z(s) = rw + vartheta^2 / Z_spin(s)
with Z_spin = tau/Omega the series loop of :mod:`compactmodel.symbolic.modal` (pumping g/2, the
spin capacitor L/A, seven mode tanks, three RC tail tanks, a series remainder). Scaled by
vartheta^2 this dual is a parallel network of ordinary elements between ``m`` and ``0``:

* ``Lt`` = vartheta^2 L/A, the spin capacitor (the port inductance). Its current is the torque
  over vartheta, so the stored winding is I(Lt) vartheta L/(2 pi A) turns (:func:`winding_per_ampere`);
* ``Rp`` = 2 vartheta^2/g, spin pumping into both contacts;
* mode j = 1..7: ``Lj`` = vartheta^2 L/2A in series with ``Cj`` = chi L c_j/vartheta^2 || ``Rj`` =
  vartheta^2/(alpha_s L c_j), c_j = 1/(2 j^2 pi^2) (the j-th clamped mode);
* tail k = 1..3: ``Ruk`` = vartheta^2/(r_k alpha_s L) in series with ``Luk`` = vartheta^2 L/(A b_k r_k);
* remainder: ``Cr`` = chi L S1/vartheta^2 || ``Rr`` = vartheta^2/(alpha_s L (S1 - sum r_k));
* gate closed (or at a voltage): ``Lg`` = vartheta^2 lgate/(A K_g/K), the gated section's
  stiffness, across the line; with the gate open it is absent (the loop is open).

With ``nseg=N`` the line is instead N graded sections in the transmission-line picture
(``tests/symbolic/test_symbolic.py``), scaled the same way and coupled by a 1:1 ideal transformer
``TF1``: node rates l0..lN, section inductors ``Lsk`` = vartheta^2 h_k/A, node capacitors ``Cj`` =
chi w_j/vartheta^2 and resistors ``Rj`` = vartheta^2/(alpha_s w_j [+ g at the contacts]).

Accuracy: the modal network is the shipped model's, within 1 % of the exact line up to u/2L
(README, accuracy map); tested here against
:func:`compactmodel.symbolic.continuum.spin_impedance`. Phase slips, the ring-winding leak, the
temperature laws and the smooth gate switching are not in it (they are nonlinear).

``symbolic=True`` writes the element values in the symbols of :mod:`compactmodel.symbolic.symbols`
(``A chi alpha_s g vartheta R L``, and ``l_g`` for ``lgate``); lcapy's own symbols carry
assumptions, so substitute by name (``expr.subs({"L": 1e-6})``), not with SymPy symbols.
Symbolic time-domain responses of more than one section can take very long in lcapy: take
s-domain results and evaluate them numerically. Numeric values are rounded to ``digits``
significant digits (default 10) because lcapy computes with exact rationals.

lcapy is imported inside :func:`spin_network` only: importing it changes SymPy's global
printing order, and the package's core import stays fast.

What it may import: :mod:`compactmodel.symbolic`, :mod:`compactmodel.physics`,
:mod:`compactmodel.core`, SymPy and (inside functions) lcapy.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import sympy as sp

from .core.parameters import ParameterError, check_nseg, validate
from .physics.gate import anisotropy_ratio_value
from .symbolic import modal
from .symbolic.lumped import section_fractions
from .symbolic.symbols import PARAMETER_SYMBOLS, A, L, R, alpha_s, chi, g, vartheta

__all__ = ["spin_network", "netlist", "winding_per_ampere", "SYMBOLS", "GATE_STATES"]

#: Symbol of the gated section's length ``lgate`` in symbolic networks.
l_g = sp.Symbol("l_g", positive=True)
#: Instance parameter -> the symbol used in ``symbolic=True`` networks.
SYMBOLS: dict[str, sp.Symbol] = {**PARAMETER_SYMBOLS, "lgate": l_g}
#: Named gate states (a number is a gate voltage [V]).
GATE_STATES = ("open", "closed")


def _gate_ratio(gate: object, vgon: float) -> float | None:
    """K_g/K under the gate, or None for an open loop (no link)."""
    if isinstance(gate, str):
        if gate == "open":
            return None
        if gate == "closed":
            return 1.0
        raise ParameterError(f"gate = {gate!r}: use 'open', 'closed' or a gate voltage in V")
    if isinstance(gate, bool) or not isinstance(gate, (int, float)) or not math.isfinite(gate):
        raise ParameterError(f"gate = {gate!r}: use 'open', 'closed' or a finite gate voltage in V")
    return anisotropy_ratio_value(float(gate), vgon)


def _elements(nseg: int | None, ratio: float | None) -> list[tuple[str, str, str, sp.Expr]]:
    """(name, node+, node-, value expression in the physics symbols) of every element."""
    th2 = vartheta**2
    out: list[tuple[str, str, str, sp.Expr]] = [("Rw", "p", "m", R)]
    if nseg is None:
        out += [("Lt", "m", "0", th2 * L / A), ("Rp", "m", "0", 2 * th2 / g)]
        for j, c in enumerate(modal.mode_coefficients("odd"), start=1):
            out += [(f"L{j}", "m", f"t{j}", th2 * L / (2 * A)), (f"C{j}", f"t{j}", "0", chi * L * c / th2),
                    (f"R{j}", f"t{j}", "0", th2 / (alpha_s * L * c))]
        tail = modal.tail_constants("odd")
        for k, (b, r) in enumerate(zip(tail["b"], tail["r"]), start=1):
            out += [(f"Ru{k}", "m", f"u{k}", th2 / (r * alpha_s * L)), (f"Lu{k}", f"u{k}", "0", th2 * L / (A * b * r))]
        s1 = tail["S1"]
        out += [("Cr", "m", "0", chi * L * s1 / th2), ("Rr", "m", "0", th2 / (alpha_s * L * (s1 - sp.Add(*tail["r"]))))]
    else:
        frac = section_fractions(nseg)
        weight = [frac[0] / 2] + [(frac[j - 1] + frac[j]) / 2 for j in range(1, nseg)] + [frac[-1] / 2]
        out.append(("TF1", f"l0 l{nseg}", "m 0", sp.Integer(1)))  # nodes of both sides (ratio 1)
        for j, w in enumerate(weight):
            drag = alpha_s * L * w + (g if j in (0, nseg) else 0)
            out += [(f"C{j}", f"l{j}", "0", chi * L * w / th2), (f"R{j}", f"l{j}", "0", th2 / drag)]
        for k, h in enumerate(frac, start=1):
            out.append((f"Ls{k}", f"l{k - 1}", f"l{k}", th2 * L * h / A))
    if ratio is not None:
        out.append(("Lg", "m", "0", th2 * l_g / (A * (sp.Integer(1) if ratio == 1.0 else sp.Float(ratio)))))
    return out


def netlist(params: Mapping[str, object] | None = None, *, gate: object = "open", nseg: int | None = None,
            symbolic: bool = False, digits: int = 10, **overrides: object) -> str:
    """The lcapy netlist text of :func:`spin_network` (same arguments)."""
    p = validate(params, **overrides)
    ratio = _gate_ratio(gate, p["vgon"])
    if nseg is not None:
        nseg = check_nseg(nseg)
    if not isinstance(symbolic, bool):
        raise ParameterError(f"symbolic must be True or False, got {symbolic!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 3 <= digits <= 17:
        raise ParameterError(f"digits = {digits!r}: an integer from 3 to 17 (significant digits of numeric values)")
    values = {sym: p[name] for name, sym in SYMBOLS.items()}
    lines, skip = [], set()
    for name, plus, minus, expr in _elements(nseg, ratio):
        if name.startswith("TF"):
            lines.append(f"{name} {plus} {minus} 1")
        elif symbolic:
            lines.append(f"{name} {plus} {minus} {{{sp.sstr(expr)}}}")
        elif name not in skip:
            value = complex(expr.subs(values)) if expr.subs(values).is_finite else math.inf
            if not math.isfinite(value.real if isinstance(value, complex) else value):
                # an infinite element is an open branch: a resistor of zero conductance (damp = 0),
                # and with it the tail inductor in series; the gate link of a fully open gate
                skip.add(name.replace("Ru", "Lu"))
                continue
            lines.append(f"{name} {plus} {minus} {value.real:.{digits}g}")
    return "\n".join(lines) + "\n"


def spin_network(params: Mapping[str, object] | None = None, *, gate: object = "open", nseg: int | None = None,
                 symbolic: bool = False, digits: int = 10, **overrides: object) -> Any:
    """The spin battery's linear network as an :class:`lcapy.Circuit` (port ``p``-``0``).

    ``params`` / ``overrides``: instance parameters (validated; defaults: the reference device).
    ``gate``: ``"open"`` (charge/release: no gate link), ``"closed"`` (0 V: storage) or a gate
    voltage [V] (the link's stiffness K_g/K from the VCMA law). ``nseg``: ``None`` for the shipped
    modal network (20 states), or a number of graded sections. ``symbolic``: element values in
    symbols instead of numbers. Raises :class:`ParameterError` for a bad value.
    """
    text = netlist(params, gate=gate, nseg=nseg, symbolic=symbolic, digits=digits, **overrides)
    try:
        from lcapy import Circuit
    except ImportError as exc:  # pragma: no cover - lcapy is a dependency
        raise ImportError(f"compactmodel.network needs lcapy (pip install lcapy): {exc}") from None
    return Circuit(text)


def winding_per_ampere(params: Mapping[str, object] | None = None, **overrides: object) -> float:
    """Turns of stored winding per ampere in ``Lt`` of the modal network, vartheta L/(2 pi A)  [1/A]."""
    p = validate(params, **overrides)
    return p["theta"] * p["len"] / (2 * math.pi * p["stiff"])
