"""xschem symbols of ``spin_battery`` and ``spin_loop``, generated from the parameter table.

Each symbol has the subcircuit's pins in its port order (``@pinlist`` follows the order of the
pin boxes) and every instance parameter as an attribute whose template value is the default of
:data:`compactmodel.core.parameters.PARAMETERS` (``LOOP_PARAMETERS`` for the loop), so an
instance netlists as ``X<name> p n gate wn spin_battery len=1e-06 stiff=2.5e-27 ...`` and a
designer edits only the values that differ. The library itself is not included by the symbol:
the schematic includes ``spin_battery.lib`` (see ``examples/xschem/charge.sch``).

The committed files (``xschem/*.sym`` at the repository top and ``compactmodel/library/xschem/``
as package data) are this module's output; a test proves it. Regenerate with::

    python -m compactmodel.library.symbols [DIR ...]

What it may import: :mod:`compactmodel.core` and the standard library.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compactmodel.core.parameters import LOOP_PARAMETERS, PARAMETERS

#: subcircuit -> (pins on the left edge, pins on the right edge, parameter table); the port
#: order of the .subckt line is left pins then right pins
SYMBOLS = {
    "spin_battery": (("p", "n"), ("gate", "wn"), PARAMETERS),
    "spin_loop": (("p1", "n1", "p2", "n2"), ("gate", "wn"), LOOP_PARAMETERS),
}

_PITCH = 20  # xschem's default grid is 10; pins sit on multiples of 20


def _value(default: float) -> str:
    return repr(float(default))


def symbol_text(subckt: str) -> str:
    """The ``.sym`` file of ``subckt`` (xschem 2.8 file format)."""
    left, right, table = SYMBOLS[subckt]
    params = " ".join(f"{p.name}=@{p.name}" for p in table)
    defaults = " ".join(f"{p.name}={_value(p.default)}" for p in table)
    rows = max(len(left), len(right))
    half_h = _PITCH * rows // 2 + 10
    w = 60
    lines = [
        "G {type=primitive",
        f'format="X@name @pinlist {subckt} {params}"',
        f'template="name=B1 {defaults}"}}',
        "V {}",
        "S {}",
        "E {}",
    ]
    # the pin boxes first, in port order (this order is @pinlist)
    pins = []
    for side, names in ((-1, left), (1, right)):
        y0 = -_PITCH * (len(names) - 1) // 2
        for i, name in enumerate(names):
            x = side * (w + 20)
            y = y0 + _PITCH * i
            pins.append((name, x, y, side))
    body = []
    for name, x, y, side in pins:
        body.append(f"B 5 {x - 2.5} {y - 2.5} {x + 2.5} {y + 2.5} {{name={name} dir=inout}}")
    for name, x, y, side in pins:
        body.append(f"L 4 {x} {y} {side * w} {y} {{}}")
        tx = side * (w - 5)
        body.append(f"T {{{name}}} {tx} {y - 6} 0 {1 if side > 0 else 0} 0.15 0.15 {{}}")
    body += [
        f"L 4 {-w} {-half_h} {w} {-half_h} {{}}",
        f"L 4 {w} {-half_h} {w} {half_h} {{}}",
        f"L 4 {w} {half_h} {-w} {half_h} {{}}",
        f"L 4 {-w} {half_h} {-w} {-half_h} {{}}",
        f"T {{@name}} {-w} {-half_h - 30} 0 0 0.2 0.2 {{}}",
        f"T {{{subckt}}} {-w} {half_h + 5} 0 0 0.2 0.2 {{}}",
        f"T {{len=@len}} {-w} {half_h + 25} 0 0 0.15 0.15 {{}}",
    ]
    return "\n".join(lines + body) + "\n"


def write_symbols(directory: Path) -> list[Path]:
    """Write ``<subckt>.sym`` for every symbol into ``directory``; return the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for subckt in SYMBOLS:
        path = directory / f"{subckt}.sym"
        path.write_text(symbol_text(subckt))
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m compactmodel.library.symbols",
        description="Write the xschem symbols spin_battery.sym and spin_loop.sym.",
    )
    parser.add_argument("dirs", nargs="*", default=["."], help="destination folders (default: the current one)")
    args = parser.parse_args(argv)
    for d in args.dirs:
        for path in write_symbols(Path(d)):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
