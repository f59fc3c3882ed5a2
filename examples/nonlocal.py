"""Four-terminal nonlocal spin transport through a spin_loop (PySpice Circuit API).

The same job as ``nonlocal.cir``, for a list of loop lengths: a DC current into contact 1 of
``spin_loop p1 n1 p2 n2 gate wn`` (gate open) and the open-circuit voltage of contact 2. The
law (Takei & Tserkovnyak, PRL 112, 227201 (2014); derived in SymPy by
``compactmodel.symbolic.continuum.nonlocal_transport``) is
V(p2, n2) = -theta Omega, Omega = theta I/(2 gsp + damp len): a nonlocal resistance that decays
algebraically with the length (over L_d = 2 gsp/damp), not exponentially.

    python examples/nonlocal.py [--out DIR] [--current AMPS] [--len METRES ...]

Writes ``DIR/nonlocal.csv`` (length, simulated and predicted nonlocal resistance).
"""

from __future__ import annotations

import argparse
import logging
import math
from pathlib import Path

import numpy as np
from PySpice.Spice.Netlist import Circuit

from compactmodel import library_path
from compactmodel.core.parameters import LOOP_PARAMETERS, ParameterError, validate
from compactmodel.physics.gate import open_voltage

logging.getLogger("PySpice").setLevel(logging.CRITICAL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("."), help="output folder (default: the current one)")
    ap.add_argument("--current", type=float, default=0.2e-3, help="current into contact 1 [A] (default 2e-4)")
    ap.add_argument("--len", type=float, nargs="+", default=[0.5e-6, 1e-6, 3e-6, 10e-6, 30e-6],
                    help="loop lengths [m] (default 0.5, 1, 3, 10, 30 um)")
    ns = ap.parse_args(argv)
    if not (math.isfinite(ns.current) and 0 < abs(ns.current) <= 1e-3):
        ap.error(f"--current {ns.current}: use a nonzero current within +-1 mA")
    try:
        loops = [validate({"len": length}, table=LOOP_PARAMETERS) for length in ns.len]
    except ParameterError as err:
        ap.error(str(err))

    c = Circuit("spin loop: nonlocal transport")
    c.include(str(library_path()))
    c.V("g", "gate", c.gnd, open_voltage(loops[0]["vgon"]))  # the loops open
    # one current through contact 1 of every loop in series; each contact 2 open (its own wire rw2 only)
    c.I("1", c.gnd, "a0", ns.current)
    for k, p in enumerate(loops):
        bottom = c.gnd if k == len(loops) - 1 else f"a{k + 1}"
        c.X(str(k), "spin_loop", f"a{k}", bottom, f"b{k}", c.gnd, "gate", f"wn{k}", **p)
    op = c.simulator(temperature=27, nominal_temperature=27).operating_point()

    rows = []
    g_l = loops[0]["gsp"] * 2 / loops[0]["damp"]
    print(f"I = {ns.current * 1e3:g} mA into contact 1; L_d = 2 gsp/damp = {g_l * 1e6:.3g} um")
    for k, p in enumerate(loops):
        r_sim = float(np.asarray(op[f"b{k}"])[0]) / ns.current
        r_law = -p["theta"] ** 2 / (2 * p["gsp"] + p["damp"] * p["len"])
        rows.append((p["len"], r_sim, r_law))
        print(f"  len {p['len'] * 1e6:6.3g} um: V(p2)/I = {r_sim:.6g} ohm (law {r_law:.6g} ohm)")
    ns.out.mkdir(parents=True, exist_ok=True)
    data = ns.out / "nonlocal.csv"
    np.savetxt(data, np.array(rows), delimiter=",", header="len_m,r_nonlocal_ohm,r_law_ohm", comments="")
    print(f"data: {data}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
