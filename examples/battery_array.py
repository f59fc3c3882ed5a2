"""An array of spin batteries: strings in series, strings in parallel (PySpice Circuit API).

The same job as ``battery_array.cir``, with the array size as arguments: ``--strings`` parallel strings
of ``--series`` devices each, on one port and one gate line. Every device of a string carries
the string's current I (the strings share the port current equally: equal DC resistance), and
winds to eq. (7), theta I len / (2 pi stiff); once the gate is closed and the current switched
off it keeps len/(len + lgate) of it. The last string is made of devices of growing length
(1, 2, 3, ... um) to show per-instance parameters: their windings grow with the length.

    python examples/battery_array.py [--out DIR] [--series N] [--strings M] [--current AMPS]

Writes ``DIR/battery_array.csv`` (time, port voltage, each winding).
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
from compactmodel.physics.phase_slips import warn_if_past_landau

logging.getLogger("PySpice").setLevel(logging.CRITICAL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("."), help="output folder (default: the current one)")
    ap.add_argument("--series", type=int, default=3, help="devices in series per string (default 3)")
    ap.add_argument("--strings", type=int, default=2, help="strings in parallel (default 2)")
    ap.add_argument("--current", type=float, default=0.3e-3, help="total charging current [A] (default 3e-4)")
    ns = ap.parse_args(argv)
    if not 1 <= ns.series <= 50 or not 1 <= ns.strings <= 50:
        ap.error(f"--series {ns.series} --strings {ns.strings}: each must be 1 to 50")
    if not (math.isfinite(ns.current) and 0 < ns.current <= 10e-3):
        ap.error(f"--current {ns.current}: must be in (0, 0.01] A")
    i_string = ns.current / ns.strings
    t_close, t_off, t_stop, ramp = 12e-9, 12.4e-9, 20e-9, 0.2e-9

    c = Circuit("spin battery array")
    c.include(str(library_path()))
    c.PieceWiseLinearCurrentSource("ch", c.gnd, "p", values=[(0, 0), (0.5e-9, ns.current), (t_off, ns.current),
                                                              (t_off + 0.6e-9, 0)])
    base = validate({})
    v_open = open_voltage(base["vgon"])
    c.PieceWiseLinearVoltageSource("g", "gate", c.gnd, values=[(0, v_open), (t_close, v_open), (t_close + ramp, 0)])
    devices = []  # (winding node, parameters)
    for s in range(ns.strings):
        graded = s == ns.strings - 1 and ns.strings > 1
        for k in range(ns.series):
            params = validate({"len": (k + 1) * 1e-6}) if graded else base
            warn_if_past_landau(params, i_string)
            top = "p" if k == 0 else f"s{s}_{k}"
            bottom = c.gnd if k == ns.series - 1 else f"s{s}_{k + 1}"
            wn = f"w{s}_{k}"
            c.X(f"{s}_{k}", "spin_battery", top, bottom, "gate", wn, **params)
            devices.append((wn, params))
    sim = c.simulator(temperature=27, nominal_temperature=27)
    tr = sim.transient(step_time=2e-12, end_time=t_stop, max_time=20e-12)
    t = np.asarray(tr.time, dtype=float)
    cols = [t, np.asarray(tr["p"], dtype=float)] + [np.asarray(tr[w], dtype=float) for w, _ in devices]

    print(f"{ns.strings} strings x {ns.series} devices, {ns.current * 1e3:g} mA: {i_string * 1e3:g} mA per string; "
          f"V(p) = {np.interp(t_close, t, cols[1]):.6g} V")
    for (w, p), col in zip(devices, cols[2:]):
        eq7 = p["theta"] * i_string * p["len"] / (2 * math.pi * p["stiff"])
        print(f"  {w}: len {p['len'] * 1e6:g} um, winding {np.interp(t_close, t, col):.6g} turns (eq. 7: {eq7:.6g}), "
              f"held {col[-1]:.6g}")
    ns.out.mkdir(parents=True, exist_ok=True)
    data = ns.out / "battery_array.csv"
    header = ",".join(["time_s", "port_voltage_V"] + [f"{w}_turns" for w, _ in devices])
    np.savetxt(data, np.column_stack(cols), delimiter=",", header=header, comments="")
    print(f"data: {data}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
