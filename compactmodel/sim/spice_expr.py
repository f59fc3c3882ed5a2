"""A small, safe evaluator of ngspice parameter expressions (for checking decks before ngspice runs them).

Numbers with SPICE scale suffixes (``2u``, ``1.5meg``, ``10k``), ``+ - * / **`` (and ngspice's ``^``),
parentheses, names of ``.param`` values, ``pi``, and a few functions (``sqrt exp log ln log10 abs min
max pow sin cos tan atan sinh cosh tanh floor ceil sgn``). The text is parsed with :mod:`ast` and only
these nodes are evaluated: never ``eval``. Anything else (an unknown function, a comparison, a
ternary, ``temper``, a name defined nowhere) raises :class:`Unknowable`: its value is only known
inside ngspice.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from typing import Callable, Mapping

__all__ = ["Unknowable", "spice_number", "evaluate", "strip_expression"]


class Unknowable(ValueError):
    """The expression's value cannot be known outside ngspice (or it is not an expression at all)."""


_SCALE = {"t": 1e12, "g": 1e9, "meg": 1e6, "k": 1e3, "m": 1e-3, "mil": 25.4e-6, "u": 1e-6, "n": 1e-9,
          "p": 1e-12, "f": 1e-15, "a": 1e-18}
#: A number at the start of a token, its suffix and any trailing letters (ngspice ignores them: ``1uF``).
_NUMBER = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)(meg|mil|[tgkmunpfa])?[a-z]*$", re.I)
#: A number inside an expression (not part of a name such as ``x1``), with optional suffix letters.
_INNER_NUMBER = re.compile(r"(?<![\w.])((?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)([a-z]+)?(?![\w.])", re.I)


def spice_number(text: str) -> float | None:
    """``"2u"`` -> 2e-6, ``"-1"`` -> -1.0, ``"1uF"`` -> 1e-6; None for anything that is not one number."""
    m = _NUMBER.match(text.strip())
    if not m:
        return None
    return float(m.group(1)) * _SCALE.get((m.group(2) or "").lower(), 1.0)


def _suffix_value(digits: str, letters: str | None) -> str:
    scale = 1.0
    if letters:
        low = letters.lower()
        if low.startswith("meg"):
            scale = 1e6
        elif low.startswith("mil"):
            scale = 25.4e-6
        elif low[0] in _SCALE:
            scale = _SCALE[low[0]]
        # other letters (units such as 'V', 'ohm') are ignored by ngspice
    return repr(float(digits) * scale)


def strip_expression(text: str) -> str:
    """``{L*2}`` / ``'L*2'`` / ``"L*2"`` -> ``L*2`` (one level of braces or quotes)."""
    text = text.strip()
    while len(text) >= 2 and ((text[0] == "{" and text[-1] == "}") or (text[0] == text[-1] and text[0] in "'\"")):
        text = text[1:-1].strip()
    return text


def _sgn(x: float) -> float:
    return (x > 0) - (x < 0)


_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "ln": math.log, "log10": math.log10, "abs": abs,
    "min": min, "max": max, "pow": math.pow, "pwr": lambda x, y: math.copysign(abs(x) ** y, x),
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "atan": math.atan, "sinh": math.sinh,
    "cosh": math.cosh, "tanh": math.tanh, "floor": math.floor, "ceil": math.ceil, "sgn": _sgn,
}
_CONSTANTS = {"pi": math.pi}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def evaluate(text: str, names: Callable[[str], float] | Mapping[str, float] | None = None) -> float:
    """The value of an ngspice expression ``text`` (braces/quotes allowed around it).

    ``names``: the value of a parameter name (lower case), a mapping or a function that raises
    :class:`Unknowable` (or ``KeyError``) for an unknown name. Raises :class:`Unknowable` for
    anything this evaluator does not understand or cannot compute (e.g. a division by zero: ngspice
    reports that itself).
    """
    body = strip_expression(text)
    if not body:
        raise Unknowable("empty expression")
    plain = spice_number(body)
    if plain is not None:
        return plain
    if len(body) > 2000:
        raise Unknowable("expression too long")
    py = _INNER_NUMBER.sub(lambda m: _suffix_value(m.group(1), m.group(2)), body).replace("^", "**")
    try:
        tree = ast.parse(py.lower(), mode="eval")
    except (SyntaxError, ValueError) as exc:
        raise Unknowable(f"cannot parse {body!r}") from exc
    if callable(names):
        lookup = names
    else:
        table = {k.lower(): v for k, v in (names or {}).items()}

        def lookup(name: str) -> float:
            return table[name]

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 1e4:
                raise Unknowable("exponent too large")
            return float(_BINARY[type(node.op)](left, right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](ev(node.operand))
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            try:
                return float(lookup(node.id))
            except KeyError:
                raise Unknowable(f"unknown name {node.id!r}") from None
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
                and not node.keywords and node.args):
            return float(_FUNCTIONS[node.func.id](*(ev(a) for a in node.args)))
        raise Unknowable(f"unsupported expression {ast.dump(node)[:60]}")

    try:
        value = ev(tree)
    except Unknowable:
        raise
    except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:  # 1/0, sqrt(-1), overflow, ...
        raise Unknowable(f"cannot compute {body!r}: {exc}") from None
    if isinstance(value, complex):
        raise Unknowable(f"complex value of {body!r}")
    return float(value)
