"""Charge -> store -> release of one spin battery, built with PySpice's Circuit API
and the package's helper ``compactmodel.sim.pyspice.add_spin_battery``.

The same job as ``charge_store_release.cir``: the reference device (default parameters) is
charged at its rated current (``compactmodel.physics.capacity.rating``) with the gate open,
the gate closes, the current is switched off, the winding is held, and then the gate opens
into a resistive load.

    python examples/charge_store_release.py [--out DIR] [--load OHMS]

Writes ``DIR/charge_store_release.csv`` (time, port voltage, gate voltage, winding) and prints
the winding after the charge, during the hold and at the end, and the energies.
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path

import numpy as np
from PySpice.Spice.Netlist import Circuit

from compactmodel.core.parameters import validate
from compactmodel.physics.capacity import rating
from compactmodel.physics.gate import open_voltage
from compactmodel.sim.pyspice import add_spin_battery

logging.getLogger("PySpice").setLevel(logging.CRITICAL)  # "Unsupported Ngspice version 39" is harmless


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("."), help="output folder (default: the current one)")
    ap.add_argument("--load", type=float, default=1e3, help="load resistance at the release [ohm] (default 1000)")
    ns = ap.parse_args(argv)
    if not (math.isfinite(ns.load) and ns.load > 0):
        ap.error(f"--load {ns.load}: must be a positive resistance in ohm")

    params = validate({})                 # the reference device; validate() checks names and ranges
    full = rating(params)                 # rated full charge: current and winding (eq. 7)
    current, v_open = full.current, open_voltage(params["vgon"])
    t_close, t_off, t_release, t_stop, ramp = 5e-9, 5.4e-9, 20e-9, 30e-9, 0.2e-9

    c = Circuit("spin battery: charge, store, release")
    c.PieceWiseLinearCurrentSource("ch", c.gnd, "p", values=[(0, 0), (ramp, current), (t_off, current),
                                                              (t_off + ramp, 0)])
    c.V("sns", "n", c.gnd, 0)             # ammeter of the port current
    c.PieceWiseLinearVoltageSource("g", "gate", c.gnd, values=[(0, v_open), (t_close, v_open), (t_close + ramp, 0),
                                                                (t_release, 0), (t_release + ramp, v_open)])
    c.PieceWiseLinearVoltageSource("ld", "ld", c.gnd, values=[(0, 0), (t_release, 0), (t_release + ramp, 1)])
    c.BehavioralSource("load", "p", "n", current_expression=f"V(p,n)*V(ld)/{ns.load!r}")  # switched load
    # X1 p n gate wn spin_battery <every parameter>: includes the shipped library (package data) once and
    # checks each value against the parameter table (a ParameterError names a bad one)
    add_spin_battery(c, "1", "p", "n", "gate", "wn", params)

    sim = c.simulator(temperature=27, nominal_temperature=27)
    tr = sim.transient(step_time=1e-12, end_time=t_stop, max_time=10e-12)
    t = np.asarray(tr.time, dtype=float)
    v_p, v_g, wn = (np.asarray(tr[k], dtype=float) for k in ("p", "gate", "wn"))
    v_n = np.asarray(tr["n"], dtype=float)

    wn_charged, wn_stored, wn_end = np.interp([t_close, t_release - 0.1e-9, t_stop], t, wn)
    stored = params["stiff"] * (2 * math.pi * wn_stored) ** 2 / (2 * params["len"])  # A Theta^2 / 2 len
    on = t >= t_release
    p_load = (v_p - v_n) ** 2 * np.interp(t, [0, t_release, t_release + ramp], [0, 0, 1]) / ns.load
    delivered = float(np.sum((p_load[on][1:] + p_load[on][:-1]) * np.diff(t[on])) / 2)  # trapezoid rule

    ns.out.mkdir(parents=True, exist_ok=True)
    data = ns.out / "charge_store_release.csv"
    np.savetxt(data, np.column_stack([t, v_p - v_n, v_g, wn]), delimiter=",",
               header="time_s,port_voltage_V,gate_V,winding_turns", comments="")
    print(f"charge at {current * 1e3:.6g} mA (rated), gate open at {v_open:g} V")
    print(f"winding after the charge  {wn_charged:.6g} turns (rated winding, eq. 7: {full.winding:.6g})")
    print(f"winding during the hold   {wn_stored:.6g} turns (x len/(len+lgate) = "
          f"{wn_charged * params['len'] / (params['len'] + params['lgate']):.6g})")
    print(f"winding after the release {wn_end:.3g} turns")
    print(f"stored {stored:.4e} J, delivered to {ns.load:g} ohm {delivered:.4e} J ({delivered / stored:.2e} of it)")
    print(f"data: {data}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
