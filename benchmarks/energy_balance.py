"""Issue 16, item 3: does the energy account close at the default settings, for every preset and for
seeded random variations of them?

    python benchmarks/energy_balance.py [--n 200] [--seed 1] [--jobs 2] [--out docs/]

Each case is a preset with its main parameters (len, stiff, chi, damp, gsp, theta, rw, kani) multiplied
by independent log-uniform factors in [0.5, 2] (the presets themselves are the first cases, factor 1).
Every case runs the same protocol, set from its own Landau current and transit time L/u, through
:class:`compactmodel.sim.simulation.Simulation` at its defaults: charge at 0.3 of the Landau current for 12
transits, close the gate, hold for 10 transits, release into R = rw for 20 transits (``t_retention`` = 1 s: the rated
energy, which only scales the SOC, exists for every case; some variations keep no winding for 10 years). It prints, and writes to
``--out/energy_balance.md``, each cycle's ``balance_error`` (the residual of energy in = change of stored +
losses + delivered - gate work, relative to the energy through the magnet) and the gate work against its
physical bound (step summaries' ``gate_work_bound``), with the worst cases; the same cases run without the
automatic refinement side by side give its cost and what it buys.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from compactmodel.devices.presets import PRESETS, preset_parameters  # noqa: E402
from compactmodel.sim.simulation import REFINEMENTS  # noqa: E402

VARIED = ("len", "stiff", "chi", "damp", "gsp", "theta", "rw", "kani")
LIMIT = 1e-3


def cases(n: int, seed: int) -> list[tuple[str, str, dict[str, float]]]:
    """(label, preset, parameters): the presets, then ``n`` seeded variations (presets in turn)."""
    rng = np.random.default_rng(seed)
    names = list(PRESETS)
    out = [(name, name, dict(preset_parameters(name))) for name in names]
    for k in range(n):
        name = names[k % len(names)]
        p = dict(preset_parameters(name))
        factors = np.exp(rng.uniform(math.log(0.5), math.log(2.0), len(VARIED)))
        for key, f in zip(VARIED, factors):
            p[key] *= float(f)
        out.append((f"{name}#{k}", name, p))
    return out


def protocol(p: dict[str, float]) -> list[str]:
    from compactmodel.physics import scales

    transit = scales.transit_time(p["len"], p["stiff"], p["chi"])
    current = 0.3 * scales.device_scales(p, 300.15).landau_current
    t = max(transit, 0.1e-9)  # every step at least 1 ns: longer than the 0.2 ns ramps of the gate and current
    return [f"Charge at {current:.9g} A for {12 * t:.9g} s", "Close gate", f"Hold for {10 * t:.9g} s",
            f"Release into {p['rw']:.9g} ohm for {20 * t:.9g} s"]


def run_case(case: tuple[str, str, dict[str, float]], refine: bool = True) -> dict:
    """One case; ``refine=False`` runs every step once at the defaults (the account as it was before refinement)."""
    import compactmodel.sim.simulation as simulation
    from compactmodel.sim.loads import ResistorLoad
    from compactmodel.sim.simulation import Simulation

    simulation.REFINEMENTS = REFINEMENTS if refine else REFINEMENTS[:1]
    label, preset, p = case
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = Simulation(protocol(p), params=p, load=ResistorLoad(p["rw"]), t_retention=1.0).solve()
        c = res.cycle_summaries()[0]
        rows = res.step_summaries()
        bound = sum(r["gate_work_bound"] for r in rows)
        return {"label": label, "preset": preset, "balance_error": c["balance_error"], "gate_work": c["gate_work"],
                "gate_bound": bound, "stored_peak": c["stored_peak"], "points": sum(r["points"] for r in rows),
                "warnings": sorted({w.category.__name__ for w in caught}), "seconds": time.perf_counter() - t0, "error": ""}
    except Exception as err:  # a failing case is a result of the benchmark, not a crash of it
        return {"label": label, "preset": preset, "balance_error": math.nan, "gate_work": math.nan, "gate_bound": math.nan,
                "stored_peak": math.nan, "points": 0, "warnings": [], "seconds": time.perf_counter() - t0,
                "error": f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"}


def _summary(rows: list[dict]) -> str:
    err = np.array([abs(r["balance_error"]) for r in rows])
    ok = np.isfinite(err)
    return (f"{int(np.sum(err[ok] <= LIMIT))} of {len(rows)} within {LIMIT:g} (failed to run: {int(np.sum(~ok))}); median "
            f"{np.median(err[ok]):.2e}, 95th percentile {np.percentile(err[ok], 95):.2e}, worst {np.max(err[ok]):.2e}; "
            f"{sum(r['points'] for r in rows)} time points, {sum(r['seconds'] for r in rows):.0f} s of run time")


def report(rows: list[dict], plain: list[dict], seconds: float, n: int, seed: int) -> str:
    err = np.array([abs(r["balance_error"]) for r in rows])
    ok = np.isfinite(err)
    lines = ["# Energy balance at the default settings (issue 16, item 3)", "",
             f"Written by `benchmarks/energy_balance.py --n {n} --seed {seed}` ({seconds:.0f} s). "
             f"{len(rows)} cases: the {len(PRESETS)} presets and {n} seeded variations (len, stiff, chi, damp, gsp, theta, "
             "rw, kani each x a log-uniform factor in [0.5, 2]). Protocol from each case's own Landau current and transit time "
             "L/u: charge at 0.3 of the Landau current for 12 transits, close the gate, hold 10 transits, release into "
             "R = rw for 20 transits. |balance error| = |energy in - change of stored - losses - delivered + gate work| "
             "/ energy through the magnet.", "",
             f"- as shipped (each step refined until its account closes to `BALANCE_TARGET`): {_summary(rows)}",
             f"- every step once at the defaults (no refinement), side by side in the same run: {_summary(plain)}",
             f"- cost of the refinement: {sum(r['points'] for r in rows) / max(sum(r['points'] for r in plain), 1):.2f} x the "
             f"time points, {sum(r['seconds'] for r in rows) / max(sum(r['seconds'] for r in plain), 1e-9):.2f} x the run time",
             f"- |gate work| / its physical bound: worst {max(abs(r['gate_work']) / max(r['gate_bound'], 1e-300) for r in rows if ok.any()):.3g}",
             "", "| preset | cases | within 1e-3 | worst |balance error| | worst case |", "|---|---|---|---|---|"]
    for name in PRESETS:
        sub = [r for r in rows if r["preset"] == name and math.isfinite(r["balance_error"])]
        if sub:
            worst = max(sub, key=lambda r: abs(r["balance_error"]))
            lines.append(f"| {name} | {len(sub)} | {sum(abs(r['balance_error']) <= LIMIT for r in sub)} | "
                         f"{abs(worst['balance_error']):.2e} | {worst['label']} |")
    lines += ["", "Worst ten:", "", "| case | balance error | gate work [J] | bound [J] | points | warnings | error |",
              "|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: -abs(r["balance_error"]) if math.isfinite(r["balance_error"]) else -math.inf)[:10]:
        lines.append(f"| {r['label']} | {r['balance_error']:.2e} | {r['gate_work']:.3e} | {r['gate_bound']:.3e} | {r['points']} | "
                     f"{', '.join(r['warnings'])} | {r['error']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200, help="seeded random variations (default 200)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="folder for energy_balance.md (default: print only)")
    args = ap.parse_args(argv)
    from tqdm import tqdm

    todo = cases(args.n, args.seed)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(tqdm(pool.map(run_case, todo), total=len(todo), desc="shipped", file=sys.stderr))
        plain = list(tqdm(pool.map(run_case, todo, [False] * len(todo)), total=len(todo), desc="no refinement", file=sys.stderr))
    text = report(rows, plain, time.perf_counter() - t0, args.n, args.seed)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "energy_balance.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
