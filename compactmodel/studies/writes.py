"""How many logic writes does one full charge power?  ``python -m compactmodel.studies.writes``

For each preset: charge the battery to its rated full charge (capacity.rating: the winding
kept 90 % for 10 years), then release it into the default SOT-MTJ logic cell
(:class:`compactmodel.sim.loads.LogicLoad`), co-simulated, and count the completed writes.

* one cell: writes per full charge, and the energy ratio E_full / E_write, where E_write is
  the energy the write path draws for one write at 3 I_c0 (the cell's macrospin switching
  time at that current, ``devices.sot_mtj.switching_time``);
* the smallest array (n_series x n_parallel identical cells) whose full charge completes one
  write: searched over the array size for a few load-matching ratios
  R_array / R_strip = (n_series rw / n_parallel) / R0, each run a co-simulated release.

Writes ``docs/writes.md`` and prints the table.
"""

from __future__ import annotations

import argparse

import math
from dataclasses import dataclass
from pathlib import Path

from ..devices.presets import afm_pt, paper_idealized, reference_device, yig_pt
from ..devices.sot_mtj import switching_time
from ..physics.capacity import rating
from ..sim.loads import LogicLoad
from ..sim.simulation import Simulation

__all__ = ["WriteBudget", "write_budget", "main"]

RELEASE_TIME = 5e-9  #: release window [s]; the loop's ringing has decayed long before (ns)
MATCH_RATIOS = (0.25, 1.0, 4.0)


@dataclass
class WriteBudget:
    preset: str
    full_energy: float  #: rated energy of one cell [J]
    write_energy: float  #: energy of one write at 3 I_c0 [J]
    writes_single: int  #: writes completed by one cell's full charge
    n_series: int  #: smallest array that completes one write
    n_parallel: int
    writes_array: int  #: writes completed by that array's full charge
    delivered_array: float  #: energy the array delivered to the write path [J]

    @property
    def energy_ratio(self) -> float:
        return self.full_energy / self.write_energy


def _writes(params: dict, n_series: int, n_parallel: int, nseg: int | None) -> tuple[int, float]:
    r = rating(params)
    p = dict(params, wn0=r.winding)
    res = Simulation([f"Release into load for {RELEASE_TIME * 1e9:g} ns"], params=p, load=LogicLoad(),
                     n_series=n_series, n_parallel=n_parallel, nseg=nseg).solve()
    c = res.cycle_summaries()[0]
    return int(c["writes"]), float(c["delivered"])


def write_budget(name: str, device, nseg: int | None = None) -> WriteBudget:
    params = device.instance_parameters()
    load = LogicLoad()
    cell = load.cell
    i_write = 3 * cell.critical_current()
    t_write = switching_time(cell, i_write, 100e-9)
    e_write = i_write**2 * cell.r0 * t_write
    single, _ = _writes(params, 1, 1, nseg)
    best = None
    for ratio in MATCH_RATIOS:
        # n_series rw / n_parallel = ratio R0; grow the array geometrically, then bisect
        def counts(scale: float) -> tuple[int, int]:
            ns = max(1, round(scale))
            npar = max(1, round(ns * params["rw"] / (ratio * cell.r0)))
            return ns, npar

        lo, hi = 1.0, None
        scale = 1.0
        while hi is None and scale < 1e8:
            if _writes(params, *counts(scale), nseg)[0] >= 1:
                hi = scale
            else:
                lo, scale = scale, scale * 4
        if hi is None:
            continue
        while hi / lo > 1.15:
            mid = math.sqrt(lo * hi)
            if _writes(params, *counts(mid), nseg)[0] >= 1:
                hi = mid
            else:
                lo = mid
        ns, npar = counts(hi)
        if best is None or ns * npar < best[0] * best[1]:
            best = (ns, npar)
    if best is None:
        return WriteBudget(name, rating(params).energy, e_write, single, 0, 0, 0, 0.0)
    writes, delivered = _writes(params, *best, nseg)
    return WriteBudget(name, rating(params).energy, e_write, single, best[0], best[1], writes, delivered)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m compactmodel.studies.writes",
                                 description="Logic writes per full charge for every preset (co-simulated; ~2 min): "
                                 "prints the table and writes writes.md.")
    ap.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                    help="folder for writes.md (default: the current one; the repository's copy is docs/)")
    ns = ap.parse_args(argv)
    if ns.out.exists() and not ns.out.is_dir():
        ap.error(f"--out {str(ns.out)!r} is not a folder")
    rows = []
    for name, factory in (("reference_device", reference_device), ("paper_idealized", paper_idealized),
                          ("yig_pt", yig_pt), ("afm_pt", afm_pt)):
        b = write_budget(name, factory())
        rows.append(b)
        print(f"{name}: full charge {b.full_energy:.3e} J, write {b.write_energy:.3e} J, one cell: {b.writes_single} writes "
              f"(energy ratio {b.energy_ratio:.2e}); one write needs {b.n_series} x {b.n_parallel} = "
              f"{b.n_series * b.n_parallel:.3e} cells ({b.writes_array} writes, {b.delivered_array:.3e} J delivered)")
    lines = [
        "# Logic writes per full charge (generated by `python -m compactmodel.studies.writes`)",
        "",
        "Full charge: the rated winding (kept 90 % for 10 years at 300 K). Load: the default SOT-MTJ cell",
        "(`compactmodel.devices.sot_mtj`, I_c0 = 34.5 uA, strip 1 kohm). E_write: 3 I_c0 for its macrospin switching time.",
        f"Release window {RELEASE_TIME * 1e9:g} ns, co-simulated with the default (modal) model; array searched over "
        f"R_array/R_strip in {MATCH_RATIOS} (to within 15 % in size).",
        "",
        "| preset | full charge [J] | E_write [J] | writes, one cell | E_full/E_write | array for one write (series x parallel) | cells | writes of that array |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for b in rows:
        lines.append(f"| {b.preset} | {b.full_energy:.3e} | {b.write_energy:.3e} | {b.writes_single} | {b.energy_ratio:.2e} | "
                     f"{b.n_series} x {b.n_parallel} | {b.n_series * b.n_parallel:.2e} | {b.writes_array} |")
    ns.out.mkdir(parents=True, exist_ok=True)
    out = ns.out / "writes.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
