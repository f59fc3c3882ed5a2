"""Small-signal port impedance Z(f) of a spin battery with the gate open (PySpice Circuit API).

The same job as ``port_ac.cir``: 1 A ac into p, so V(p) is Z(f). At low frequency the port
is rw in series with the inductance theta^2 len/stiff (``compactmodel.physics.scales.port_inductance``).

    python examples/port_ac.py [--out DIR] [--len METRES]

Writes ``DIR/port_ac.csv`` (frequency, Re Z, Im Z) up to u/2len, the band in which the model
is accurate to 1 %, and prints rw, the port inductance and Z at the band edge.
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
from compactmodel.physics.gate import open_voltage
from compactmodel.physics.scales import port_inductance, spin_wave_speed

logging.getLogger("PySpice").setLevel(logging.CRITICAL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("."), help="output folder (default: the current one)")
    ap.add_argument("--len", type=float, default=1e-6, help="loop length [m] (default 1e-6)")
    ns = ap.parse_args(argv)
    try:
        params = validate({"len": ns.len})
    except ParameterError as err:
        ap.error(str(err))

    f_band = spin_wave_speed(params["stiff"], params["chi"]) / (2 * params["len"])  # u / 2 len
    c = Circuit("spin battery: port impedance")
    c.include(str(library_path()))
    c.I("ac", c.gnd, "p", "dc 0 ac 1")
    c.V("g", "gate", c.gnd, open_voltage(params["vgon"]))  # the loop open
    c.X("1", "spin_battery", "p", c.gnd, "gate", "wn", **params)
    sim = c.simulator(temperature=27, nominal_temperature=27)
    ac = sim.ac(start_frequency=1e6, stop_frequency=f_band, number_of_points=20, variation="dec")
    f = np.asarray(ac.frequency, dtype=float)
    z = np.asarray(ac["p"], dtype=complex)

    l_port = z.imag[0] / (2 * math.pi * f[0])
    ns.out.mkdir(parents=True, exist_ok=True)
    data = ns.out / "port_ac.csv"
    np.savetxt(data, np.column_stack([f, z.real, z.imag]), delimiter=",", header="frequency_Hz,re_Z_ohm,im_Z_ohm",
               comments="")
    print(f"Re Z at {f[0]:.3g} Hz: {z.real[0]:.6g} ohm (rw = {params['rw']:g} ohm)")
    print(f"port inductance Im Z/omega: {l_port:.5e} H (theta^2 len/stiff = "
          f"{port_inductance(params['theta'], params['len'], params['stiff']):.5e} H)")
    print(f"Z - rw at u/2len = {f[-1]:.4g} Hz: {z[-1] - params['rw']:.4g} ohm")
    print(f"data: {data}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
