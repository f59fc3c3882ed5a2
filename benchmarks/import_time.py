#!/usr/bin/env python
"""Import time of the package and of the simulation path (fresh interpreters, median of 5).

    python benchmarks/import_time.py

Prints the wall time of ``import compactmodel``, of ``from compactmodel import Simulation``
(PySpice, numpy, scipy, no SymPy) and, for comparison, of ``import sympy`` and of the
symbolic model, each in a fresh interpreter, and which heavy packages each one loads.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

CASES = {
    "import compactmodel": "import compactmodel",
    "from compactmodel import Simulation": "from compactmodel import Simulation",
    "from compactmodel import Simulation, LogicLoad; build a Simulation": (
        "from compactmodel import Simulation, LogicLoad; Simulation(['Charge at 0.1 mA for 1 ns'], load=LogicLoad())"),
    "import sympy (for comparison)": "import sympy",
    "import compactmodel.symbolic.lumped (the SymPy model)": "import compactmodel.symbolic.lumped",
}
HEAVY = ("sympy", "lcapy", "dask", "pandas", "pyarrow", "scipy", "numpy", "PySpice", "matplotlib")


def measure(code: str, repeat: int = 5) -> tuple[float, list[str]]:
    probe = ("import time, sys, json; t0 = time.perf_counter()\n" + code +
             "\nprint(json.dumps([time.perf_counter() - t0, sorted({m.split('.')[0] for m in sys.modules})]))")
    times, loaded = [], []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        dt, loaded = json.loads(out.strip().splitlines()[-1])
        times.append(dt)
    return statistics.median(times), [m for m in HEAVY if m in loaded]


def main() -> int:
    print(f"{'what':<70} {'median [s]':>10}  heavy packages loaded")
    for label, code in CASES.items():
        dt, heavy = measure(code)
        print(f"{label:<70} {dt:>10.3f}  {', '.join(heavy) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
