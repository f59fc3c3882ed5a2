"""DC operating points of a spin battery with the gate open and closed (PySpice Circuit API).

The same job as ``closed_gate_op.cir``. With the gate open a DC current I winds the wire to
eq. (7), theta I len/(2 pi stiff) turns. With the gate closed the relaxed ring (DC: slips have
had infinite time) of a device whose slip barrier is hundreds of k_B T stays empty, so the
wire winds only against the gate link: eq. (7) x lgate/(len + lgate); with no current it is
empty, whatever wn0 says. The device is the default one with a 100x larger anisotropy
(kani = 6.25e-10 J/m, ~850 k_B T).

    python examples/closed_gate_op.py [--out DIR] [--current AMPS]

Writes ``DIR/closed_gate_op.csv`` (gate voltage, winding) from a .dc sweep of the gate.
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path

import numpy as np
from PySpice.Spice.Netlist import Circuit

from compactmodel import library_path
from compactmodel.core.parameters import validate
from compactmodel.physics.gate import open_voltage

logging.getLogger("PySpice").setLevel(logging.CRITICAL)


def operating_point(params: dict, current: float, v_gate: float) -> dict[str, float]:
    c = Circuit("spin battery: operating point")
    c.include(str(library_path()))
    c.I("dc", c.gnd, "p", current)
    c.V("g", "gate", c.gnd, v_gate)
    c.X("1", "spin_battery", "p", c.gnd, "gate", "wn", **params)
    op = c.simulator(temperature=27, nominal_temperature=27).operating_point()
    return {k: float(np.asarray(op[k])[0]) for k in ("p", "wn")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("."), help="output folder (default: the current one)")
    ap.add_argument("--current", type=float, default=0.1e-3, help="DC current into p [A] (default 1e-4)")
    ns = ap.parse_args(argv)
    if not (math.isfinite(ns.current) and abs(ns.current) <= 1e-3):
        ap.error(f"--current {ns.current}: use a current within +-1 mA (the Landau current of this device is 1.7 mA)")
    params = validate({"kani": 6.25e-10, "wn0": 2.0})
    v_open = open_voltage(params["vgon"])
    eq7 = params["theta"] * ns.current * params["len"] / (2 * math.pi * params["stiff"])
    share = params["lgate"] / (params["len"] + params["lgate"])

    gate_open = operating_point(params, ns.current, v_open)
    gate_closed = operating_point(params, ns.current, 0.0)
    empty = operating_point(params, 0.0, 0.0)
    print(f"gate open,   {ns.current * 1e3:g} mA: winding {gate_open['wn']:.6g} turns (eq. 7: {eq7:.6g}), "
          f"V(p) = {gate_open['p']:.6g} V (rw I = {params['rw'] * ns.current:.6g} V)")
    print(f"gate closed, {ns.current * 1e3:g} mA: winding {gate_closed['wn']:.6g} turns "
          f"(eq. 7 x lgate/(len + lgate): {eq7 * share:.6g})")
    print(f"gate closed, no current: winding {empty['wn']:.3g} turns (wn0 = {params['wn0']:g} does not enter DC)")

    c = Circuit("spin battery: gate sweep")
    c.include(str(library_path()))
    c.I("dc", c.gnd, "p", ns.current)
    c.V("g", "gate", c.gnd, 0)
    c.X("1", "spin_battery", "p", c.gnd, "gate", "wn", **params)
    sweep = c.simulator(temperature=27, nominal_temperature=27).dc(Vg=slice(0, v_open, 0.025))
    vg = np.asarray(sweep.sweep, dtype=float)
    wn = np.asarray(sweep["wn"], dtype=float)
    ns.out.mkdir(parents=True, exist_ok=True)
    data = ns.out / "closed_gate_op.csv"
    np.savetxt(data, np.column_stack([vg, wn]), delimiter=",", header="gate_V,winding_turns", comments="")
    print(f"data: {data}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
