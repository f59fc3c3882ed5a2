"""Storage of a charged spin battery at several temperatures (PySpice Circuit API).

The same job as ``temperature_sweep.cir``: the reference device starts at ``--wn0`` turns with
the gate closed and stores for ``--hold`` seconds at each circuit temperature. The winding leaks
only through thermally activated phase slips, at the rate of
``compactmodel.physics.phase_slips.net_slip_rate`` (the law the subcircuit carries).

    python examples/temperature_sweep.py [--out DIR] [--celsius T ...] [--wn0 TURNS] [--hold SECONDS]

Writes ``DIR/temperature_sweep.csv`` (temperature, winding at the end, fraction lost).
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path

import numpy as np
from PySpice.Spice.Netlist import Circuit

from compactmodel import library_path
from compactmodel.core.parameters import ParameterError, validate

logging.getLogger("PySpice").setLevel(logging.CRITICAL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("."), help="output folder (default: the current one)")
    ap.add_argument("--celsius", type=float, nargs="+", default=[-40.0, 27.0, 85.0, 125.0],
                    help="circuit temperatures [C] (default -40 27 85 125)")
    ap.add_argument("--wn0", type=float, default=5.6, help="stored winding at the start [turns] (default 5.6)")
    ap.add_argument("--hold", type=float, default=1e-3, help="storage time [s] (default 1e-3)")
    ns = ap.parse_args(argv)
    if not all(-273.15 < t < 1000 for t in ns.celsius):
        ap.error(f"--celsius {ns.celsius}: temperatures must be above -273.15 C and below 1000 C")
    if not (math.isfinite(ns.hold) and 0 < ns.hold <= 1.0):
        ap.error(f"--hold {ns.hold}: must be in (0, 1] s")
    try:
        params = validate({"wn0": ns.wn0})
    except ParameterError as err:
        ap.error(str(err))

    c = Circuit("spin battery: storage")
    c.include(str(library_path()))
    c.V("g", "gate", c.gnd, 0)            # the gate closed: storage
    c.R("l", "p", c.gnd, 1e3)             # a load on the port (no current flows while the gate is closed)
    c.X("1", "spin_battery", "p", c.gnd, "gate", "wn", **params)
    rows = []
    for tc in ns.celsius:
        sim = c.simulator(temperature=tc, nominal_temperature=27)
        tr = sim.transient(step_time=ns.hold / 1000, end_time=ns.hold, max_time=ns.hold / 100)
        wn = np.asarray(tr["wn"], dtype=float)
        rows.append((tc, wn[0], wn[-1], 1 - wn[-1] / wn[0]))
        print(f"{tc:7.2f} C: winding {wn[0]:.6g} -> {wn[-1]:.6g} turns after {ns.hold:g} s (lost {rows[-1][3]:.3g})")
    ns.out.mkdir(parents=True, exist_ok=True)
    data = ns.out / "temperature_sweep.csv"
    np.savetxt(data, np.array(rows), delimiter=",", header="temperature_C,winding_start_turns,winding_end_turns,loss",
               comments="")
    print(f"data: {data}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
