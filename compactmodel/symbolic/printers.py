"""SymPy printers for the two simulator targets.

Both printers walk the *same* SymPy expressions of :class:`compactmodel.symbolic.model.LumpedModel`;
they differ only in how a symbol, a number and a function are spelled:

* :class:`SpicePrinter` writes ngspice B-source / ``.param`` expressions. Parameter-only
  factors are wrapped in ``{...}`` so that ngspice's numparam evaluates them once at
  parse time; node unknowns become ``V(node)``.
* :class:`VerilogAPrinter` writes Verilog-A: reals are printed with a decimal point
  (Verilog-A's ``1/2`` is an *integer* division, = 0), the natural log is ``ln``, and
  node unknowns become ``V(node)``.
"""

from __future__ import annotations

from typing import Mapping

import sympy as sp
from sympy.printing.codeprinter import CodePrinter
from sympy.printing.precedence import precedence

from ..core.formatting import format_real

__all__ = ["SpicePrinter", "VerilogAPrinter", "nested_call"]


def nested_call(func: str, args: list[str]) -> str:
    """``func(func(a, b), c)``: an n-ary min/max as nested two-argument calls."""
    out = args[0]
    for a in args[1:]:
        out = f"{func}({out}, {a})"
    return out


class _BasePrinter(CodePrinter):
    """Shared rules: integer powers as products, exact constants as decimals."""

    printmethod = "_cmprint"
    language = "generic"
    _default_settings = dict(CodePrinter._default_settings, strict=False)

    def __init__(self, nodes: Mapping[sp.Symbol, str] | None = None, **settings):
        # Pin the term order: global printer settings would otherwise leak in (importing lcapy
        # sets order='lex' globally, which changed 1.0 - x*x into -x*x + 1.0 in the netlists).
        settings.setdefault("order", None)
        super().__init__(settings)
        self._nodes = dict(nodes or {})

    def doprint(self, expr, assign_to=None) -> str:  # type: ignore[override]
        """Print one expression (no statements, no assignment)."""
        return self._print(sp.sympify(expr))

    def _format_code(self, lines):
        return lines

    def _get_statement(self, codestring):
        return codestring

    def _get_comment(self, text):
        return text

    def _declare_number_const(self, name, value):
        return f"{name} = {value}"

    # -- atoms
    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr in self._nodes:
            return self._nodes[expr]
        return expr.name

    def _print_Integer(self, expr) -> str:
        return format_real(int(expr))

    def _print_Rational(self, expr) -> str:
        return f"({format_real(int(expr.p))}/{format_real(int(expr.q))})"

    def _print_Float(self, expr) -> str:
        return format_real(float(expr))

    def _print_Pi(self, expr) -> str:
        return format_real(float(sp.pi))

    def _print_Exp1(self, expr) -> str:
        return format_real(float(sp.E))

    # -- operators
    def _print_Pow(self, expr) -> str:
        base, exp = expr.as_base_exp()
        prec = precedence(expr)
        if exp == sp.Rational(1, 2):
            return f"sqrt({self._print(base)})"
        if exp == -sp.Rational(1, 2):
            return f"(1.0/sqrt({self._print(base)}))"
        if exp.is_Integer and 0 < exp <= 6:
            b = self.parenthesize(base, prec)
            # parenthesised: x/(y*y), not x/y*y, when the power stands in a denominator
            return b if exp == 1 else "(" + "*".join([b] * int(exp)) + ")"
        if exp.is_Integer and -6 <= exp < 0:
            b = self.parenthesize(base, prec)
            return f"(1.0/({'*'.join([b] * int(-exp))}))"
        return f"pow({self._print(base)}, {self._print(exp)})"

    def _print_Min(self, expr) -> str:
        return nested_call("min", [self._print(a) for a in expr.args])

    def _print_Max(self, expr) -> str:
        return nested_call("max", [self._print(a) for a in expr.args])

    def _print_exp(self, expr) -> str:
        return f"exp({self._print(expr.args[0])})"

    def _print_log(self, expr) -> str:
        return f"ln({self._print(expr.args[0])})"

    def _print_Abs(self, expr) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr) -> str:
        """``(c1 ? e1 : (c2 ? e2 : e3))``: the same ternary in ngspice and Verilog-A (one branch evaluated)."""
        *branches, (last, cond) = expr.args
        if cond != sp.true:
            raise ValueError(f"cannot print a Piecewise without a default branch for {self.language}: {expr}")
        out = self._print(last)
        for e, c in reversed(branches):
            out = f"({self._print(c)} ? {self._print(e)} : {out})"
        return out

    def _print_sqrt(self, expr) -> str:  # pragma: no cover - sympy prints sqrt as Pow
        return f"sqrt({self._print(expr.args[0])})"

    #: Functions that ngspice and Verilog-A spell as SymPy does (one argument each).
    SAME_SPELLING = frozenset({"sin", "asin", "acos", "atan"})

    def _print_Function(self, expr) -> str:
        name = expr.func.__name__
        if name in self.SAME_SPELLING and len(expr.args) == 1:
            return f"{name}({self._print(expr.args[0])})"
        raise ValueError(f"no {self.language} spelling for function {expr.func}")

    def _print_Relational(self, expr) -> str:
        """``a <= b`` etc. (1 or 0 in an ngspice expression, an integer in Verilog-A): for flags only."""
        if expr.rel_op not in ("<", "<=", ">", ">="):
            raise ValueError(f"cannot print {type(expr).__name__} for {self.language}: {expr}")
        return f"({self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)})"

    def _print_And(self, expr) -> str:
        return "(" + " && ".join(self._print(a) for a in expr.args) + ")"

    def _print_not_supported(self, expr) -> str:
        raise ValueError(f"cannot print {type(expr).__name__} for {self.language}: {expr}")


class SpicePrinter(_BasePrinter):
    """ngspice expressions.

    ``params`` are the symbols numparam knows (instance and derived parameters). In a
    B-source (``braces=True``) every parameter-only factor is printed inside ``{...}``; in a
    ``.func`` body or a ``.param`` line (``braces=False``) parameters are used by name.
    ``calls`` maps intermediate symbols to their ``.func`` call text.
    """

    language = "ngspice"

    def __init__(
        self,
        nodes: Mapping[sp.Symbol, str] | None = None,
        params: set[sp.Symbol] | None = None,
        calls: Mapping[sp.Symbol, str] | None = None,
        braces: bool = True,
        **settings,
    ):
        super().__init__(nodes, **settings)
        self._params = set(params or ())
        self._calls = dict(calls or {})
        self._braces = braces
        self._inside_braces = False
        #: parameter-only expression -> name of the .param that holds it (filled while printing)
        self.coefficients: dict[sp.Expr, str] = {}

    def _is_param_only(self, expr: sp.Expr) -> bool:
        return bool(expr.free_symbols) and expr.free_symbols <= self._params

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr in self._calls:
            return self._calls[expr]
        return super()._print_Symbol(expr)

    def _print(self, expr, **kwargs) -> str:  # type: ignore[override]
        if (
            self._braces
            and not self._inside_braces
            and isinstance(expr, sp.Expr)
            and self._is_param_only(expr)
        ):
            return "{" + self._coefficient_name(expr) + "}"
        return super()._print(expr, **kwargs)

    def _coefficient_name(self, expr: sp.Expr) -> str:
        """Name of a ``.param`` holding ``expr``.

        Coefficients are evaluated once by numparam, never inside a B-source: ngspice's
        B-source division guards small denominators (measured: 2.74e-46/1.34e-49 gave
        2.74e-14), which would silently corrupt quasi-1D values of order 1e-30.
        """
        if expr.is_Symbol:
            return expr.name
        if expr not in self.coefficients:
            self.coefficients[expr] = f"c{len(self.coefficients) + 1}"
        return self.coefficients[expr]

    def _print_Mul(self, expr) -> str:
        if not self._braces or self._inside_braces:
            return super()._print_Mul(expr)
        coeff, rest = [], []
        for a in expr.args:
            (coeff if (a.is_number or self._is_param_only(a)) else rest).append(a)
        if coeff and rest:
            c = sp.Mul(*coeff)
            r_text = "*".join(self.parenthesize(a, precedence(expr)) for a in rest)
            if c == -1:
                return f"-{r_text}"
            return f"{self._print(c)}*{r_text}"
        return super()._print_Mul(expr)


class VerilogAPrinter(_BasePrinter):
    """Verilog-A expressions."""

    language = "Verilog-A"
