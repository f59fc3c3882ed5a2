"""The paper's closed forms, collected from the SymPy derivations, and their rendering.

Nothing is typed in here: every expression is taken from :mod:`compactmodel.symbolic.continuum`
(eqs. 7-9 of Tserkovnyak & Xiao, PRL 121, 127701 (2018), derived from eqs. 1-6) or from
:func:`compactmodel.symbolic.barrier.derive_barrier` (Landau limit and phase-slip barrier), or is
obtained from them by substitution (eq. 8 in terms of the winding density, the energy at the
Landau limit, eq. 9 with its numerical prefactor dropped as the paper prints it).

Symbols (SI units, see :mod:`compactmodel.symbolic.symbols`): quasi-1D stiffness ``A`` [J m],
susceptibility ``chi`` [J s^2/m], torque per ampere ``vartheta`` [V s], circuit resistance
``R`` [ohm], loop length ``L`` [m], current ``I`` [A]; bulk stiffness ``A_ex`` [J/m],
easy-plane anisotropy ``K`` [J/m^3] (energy K n_z^2), magnet cross-section ``S`` [m^2].

:func:`render` prints them with explicit printer settings (``order=None``, the SymPy
default term order, and an explicit ``use_unicode``), so global printer settings such as
the ``order='lex'`` that importing lcapy installs cannot change the output.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping, NamedTuple

import sympy as sp

from ..core.parameters import ParameterError
from . import continuum as c
from .barrier import derive_barrier
from .symbols import PARAMETER_SYMBOLS, A, I, vartheta

__all__ = ["ClosedForm", "closed_forms", "evaluate", "render", "FORMATS"]

#: Output formats of :func:`render`.
FORMATS: tuple[str, ...] = ("text", "latex")

#: Printer settings passed explicitly on every call (never taken from the global settings).
_ORDER: dict[str, object] = {"order": None}


class ClosedForm(NamedTuple):
    """One closed form: ``expr`` (SymPy), ``description`` (with its SI unit), ``label``
    (the paper's equation, e.g. ``"eq. (8)"``), and ``lhs`` (the symbol it defines)."""

    expr: sp.Expr
    description: str
    label: str
    lhs: sp.Symbol | None = None


def _drop_numeric_prefactor(expr: sp.Expr) -> sp.Expr:
    """``expr`` without its overall rational factor (the paper's '~', numerical factors dropped)."""
    coeff, rest = expr.as_coeff_Mul()
    return rest if coeff.is_Rational else expr


@lru_cache(maxsize=None)
def _continuum_forms() -> dict[str, ClosedForm]:
    """Closed forms of the continuum model (eqs. 7-9), from :mod:`compactmodel.symbolic.continuum`."""
    rho = sp.Symbol("rho", positive=True)  # winding density [rad/m]
    energy = c.stored_energy()
    # eq. (8) in terms of the winding density: eliminate I with eq. (7), rho = vartheta I / A
    i_of_rho = sp.solve(sp.Eq(c.winding_density(), rho), I)
    if len(i_of_rho) != 1:
        raise RuntimeError(f"eq. (7) should fix the current uniquely, got {i_of_rho}")
    energy_rho = sp.simplify(energy.subs(I, i_of_rho[0]))
    eta = c.charging_efficiency()
    return {
        "winding_density": ClosedForm(
            c.winding_density(), "steady winding density rho = -d_x phi under a dc current I [rad/m]",
            "eq. (7)", rho),
        "stored_twist": ClosedForm(
            c.stored_twist(), "steady twist Theta = phi(0) - phi(L) [rad] (eq. 7 over the loop)",
            "eq. (7)", sp.Symbol("Theta")),
        "stored_energy": ClosedForm(
            energy, "stored energy of the steady twist at the current I [J]", "eq. (8)", sp.Symbol("E")),
        "stored_energy_winding": ClosedForm(
            energy_rho, "stored energy at winding density rho [J] (eq. 8 with eq. 7; eq. 11 times L)",
            "eqs. (8), (11)", sp.Symbol("E")),
        "port_inductance": ClosedForm(
            c.port_inductance(), "low-frequency inductance of the electrical port, dE/d(I^2/2) [H]",
            "eq. (8)", sp.Symbol("L_port")),
        "spin_wave_speed": ClosedForm(
            c.spin_wave_speed(), "spin-wave speed of eqs. (1), (5) [m/s]", "text after eq. (8)", sp.Symbol("u")),
        "charging_time": ClosedForm(
            c.charging_time(), "charging time L/u [s] (exact for matched contacts g = sqrt(A chi), no bulk damping)",
            "text after eq. (8)", sp.Symbol("t_c")),
        "charging_efficiency": ClosedForm(
            eta, "charging efficiency E/Q, Q = R I^2 L/u the Joule heat of one charging time [-], with its prefactor",
            "eq. (9)", sp.Symbol("eta")),
        "charging_efficiency_scaling": ClosedForm(
            _drop_numeric_prefactor(eta), "charging efficiency as the paper prints it (numerical factors dropped) [-]",
            "eq. (9)", sp.Symbol("eta_9")),
    }


@lru_cache(maxsize=None)
def _phase_slip_forms() -> dict[str, ClosedForm]:
    """Landau limit and phase-slip barrier, from :func:`compactmodel.symbolic.barrier.derive_barrier`."""
    d = derive_barrier()
    A_ex, S = d["A_ex"], d["S"]
    k_c = d["landau_limit"]
    rho = sp.Symbol("rho", positive=True)
    energy_rho = _continuum_forms()["stored_energy_winding"].expr
    landau_energy = sp.simplify(energy_rho.subs(rho, k_c).subs(A, A_ex * S))  # quasi-1D A = A_ex S
    e0 = sp.Symbol("E_0", positive=True)
    return {
        "landau_limit": ClosedForm(
            k_c, "Landau limit of the winding density (barrier of a phase slip vanishes) [rad/m]",
            "Landau criterion (text after eq. 11)", sp.Symbol("k_c")),
        "landau_energy": ClosedForm(
            landau_energy, "stored energy at the Landau limit, eq. (8) at rho = k_c, A = A_ex S [J]",
            "eq. (8) at the Landau criterion", sp.Symbol("E_c")),
        "barrier_scale": ClosedForm(
            d["e0"], "phase-slip barrier at zero winding [J]", "phase-slip barrier (phase_slips.derive_barrier)", e0),
        "phase_slip_barrier": ClosedForm(
            e0 * d["barrier_nu"], "barrier of a slip that lowers the winding, nu = k/k_c [J]",
            "phase-slip barrier (phase_slips.derive_barrier)", sp.Symbol("B")),
    }


def closed_forms(include_phase_slips: bool = True) -> dict[str, ClosedForm]:
    """Key -> :class:`ClosedForm` ``(expr, description, label, lhs)``; unpacks as a tuple.

    Keys: ``winding_density`` (eq. 7), ``stored_twist`` (eq. 7), ``stored_energy`` (eq. 8),
    ``stored_energy_winding`` (eqs. 8, 11), ``port_inductance`` (eq. 8),
    ``spin_wave_speed`` and ``charging_time`` (text after eq. 8), ``charging_efficiency``
    (eq. 9 with its prefactor) and ``charging_efficiency_scaling`` (eq. 9 as printed);
    with ``include_phase_slips`` also ``landau_limit``, ``landau_energy``,
    ``barrier_scale`` and ``phase_slip_barrier`` (about 1 s more of SymPy).
    """
    out = dict(_continuum_forms())
    if include_phase_slips:
        out.update(_phase_slip_forms())
    return out


def evaluate(key: str, params: Mapping[str, float], **extra: float) -> float:
    """Numerical value of a continuum closed form for instance parameters ``params``.

    ``params`` maps instance-parameter names (``len``, ``stiff``, ``chi``, ``theta``, ``rw``, ...)
    to SI values; ``extra`` gives further symbols by name (e.g. ``I=1e-3``). Raises
    :class:`compactmodel.core.parameters.ParameterError` naming any symbol left without a value.
    """
    forms = _continuum_forms()
    if key not in forms:
        raise ParameterError(f"unknown closed form {key!r}; known: {', '.join(forms)}")
    expr = forms[key].expr
    subs = {sym: float(params[name]) for name, sym in PARAMETER_SYMBOLS.items() if name in params}
    by_name = {str(sym): sym for sym in expr.free_symbols}
    for name, value in extra.items():
        if name in by_name:
            subs[by_name[name]] = float(value)
    missing = sorted(str(sym) for sym in expr.free_symbols if sym not in subs)
    if missing:
        raise ParameterError(f"closed form {key!r} needs a value for {', '.join(missing)}")
    return float(expr.subs(subs))


def render(fmt: str = "text", *, unicode: bool = True, include_phase_slips: bool = True) -> str:
    """The closed forms as text (``sympy.pretty``) or LaTeX (``sympy.latex``); each names its equation.

    ``fmt`` is ``"text"`` or ``"latex"``. Printer settings are passed explicitly, so the
    output does not depend on global SymPy printer settings.
    """
    if fmt not in FORMATS:
        raise ParameterError(f"format {fmt!r} is not supported; allowed formats: {', '.join(FORMATS)}")
    forms = closed_forms(include_phase_slips)
    head = "closed forms of Tserkovnyak & Xiao, PRL 121, 127701 (2018), derived in SymPy (SI units)"
    lines: list[str] = []
    if fmt == "latex":
        lines.append(f"% {head}")
        for key, form in forms.items():
            lhs = sp.latex(form.lhs, **_ORDER)
            rhs = sp.latex(form.expr, **_ORDER)
            lines.append(f"% {form.label}: {form.description} ({key})")
            lines.append(rf"\[ {lhs} = {rhs} \qquad \text{{{form.label}}} \]")
    else:
        lines.append(head)
        for key, form in forms.items():
            lines.append("")
            lines.append(f"{form.label} -- {form.description} ({key})")
            expr = form.expr.xreplace({vartheta: sp.Symbol("\u03d1", positive=True)}) if unicode else form.expr
            eq = sp.Eq(form.lhs, expr, evaluate=False)
            pretty = sp.pretty(eq, use_unicode=unicode, wrap_line=False, **_ORDER)
            lines.extend("    " + ln for ln in pretty.splitlines())
    return "\n".join(lines) + "\n"
