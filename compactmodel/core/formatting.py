"""How numbers are written into netlists, Verilog-A and messages."""

from __future__ import annotations

import math

__all__ = ["format_real", "fmt_bound"]


def format_real(value: float) -> str:
    """Shortest round-tripping decimal for a real, always with a '.' or exponent.

    (Verilog-A reads ``1/2`` as an integer division; a decimal point keeps every literal real.)
    """
    text = repr(float(value))
    if "e" not in text and "." not in text and "inf" not in text and "nan" not in text:
        text += ".0"
    return text


def fmt_bound(x: float) -> str:
    """A range bound as text: ``inf``/``-inf`` or 6 significant digits."""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.6g}"
