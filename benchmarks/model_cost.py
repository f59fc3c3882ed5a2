#!/usr/bin/env python
"""What the model costs a designer: size, cost per accepted point against the linear floor, instances.

    python benchmarks/model_cost.py          # prints the figures, writes docs/model_cost.{md,json} (~2 min)
    python benchmarks/model_cost.py --quick  # one repetition, 1 and 10 instances (a smoke run)

Measured in plain ``ngspice -b`` subprocesses (no Python in the loop), every figure from ngspice's
own ``rusage all`` report:

* **size**: internal states (capacitors of the subcircuit), MNA equations and non-zeros of the
  circuit matrix, for the modal default ``spin_battery`` and the sectioned ``spin_battery_n48``;
* **cost per accepted point**: ``Transient analysis time / Accepted timepoints`` on a charge of the
  reference device (gate open, 0.1 mA with 2 L/u edges, 10 L/u), against the **linear floor**: the
  same subcircuit with its nonlinear B-sources (gate law, slip rates, gate link) replaced by linear
  G elements on the same nodes (same states, same matrix size; the difference is what the
  nonlinear elements cost);
* **instances**: 1, 10, 100 batteries, each with its own current source, in one deck; wall time
  of the whole ``ngspice -b`` run.

Every comparison is paired: the decks being compared run alternately in the same loop, and the
medians over the repetitions are reported with their ratio.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from compactmodel.core.parameters import defaults  # noqa: E402
from compactmodel.library import library_path  # noqa: E402
from compactmodel.physics.gate import open_voltage  # noqa: E402
from compactmodel.physics.scales import transit_time  # noqa: E402
from compactmodel.sim.deck import instance_line  # noqa: E402

MODELS = ("spin_battery", "spin_battery_n48")
F = repr


def subckt_text(name: str) -> str:
    """The ``.subckt name ... .ends name`` block of the shipped library."""
    text = library_path().read_text()
    m = re.search(rf"^\.subckt {name} .*?^\.ends {name}[ \t]*$", text, re.S | re.M)
    return m.group(0)


def linear_floor(name: str) -> tuple[str, str]:
    """(subcircuit text, its name): ``name`` with every B-source replaced by a linear G element.

    ``B_x n 0 I = expr`` becomes ``G_x n 0 c 0 1e-3`` on the first node the expression reads
    (V(c) or V(c, d)), or a 0 A current source if it reads none: same nodes, same states.
    """
    floor = f"{name}_floor"
    out = []
    for line in subckt_text(name).splitlines():
        if line.startswith(".subckt ") or line.startswith(".ends "):
            line = line.replace(name, floor, 1)
        m = re.match(r"B_(\S+) (\S+) (\S+) I = (.*)$", line)
        if m:
            ctrl = re.search(r"V\((\w+)(?:,\s*(\w+))?\)", m.group(4))
            if ctrl:
                line = f"G_{m.group(1)}_lin {m.group(2)} {m.group(3)} {ctrl.group(1)} {ctrl.group(2) or 0} 1e-3"
            else:
                line = f"I_{m.group(1)}_lin {m.group(2)} {m.group(3)} 0"
        out.append(line)
    return "\n".join(out) + "\n", floor


def deck(subckt: str, instances: int, *, library: Path, t_end: float, edge: float, current: float = 0.1e-3) -> str:
    """A charge of ``instances`` batteries, each with its own ramped current source; gate open."""
    p = defaults()
    lines = [f"* model cost: {instances} x {subckt}", f".include {library}", f"Vg gate 0 {F(open_voltage(p['vgon']))}"]
    for k in range(instances):
        lines.append(f"I{k} 0 p{k} pwl(0 0 {F(edge)} {F(current)})")
        lines.append(instance_line(f"X{k}", (f"p{k}", "0", "gate", f"wn{k}"), p, subckt))
    lines += [f".tran {F(t_end / 200)} {F(t_end)}", ".control", "run", "rusage all", ".endc", ".end", ""]
    return "\n".join(lines)


_RUSAGE = {"equations": r"Circuit Equations = (\d+)", "nonzeros": r"Circuit total non-zeroes = (\d+)",
           "accepted": r"Accepted timepoints = (\d+)", "rejected": r"Rejected timepoints = (\d+)",
           "tran_time": r"Transient analysis time = ([0-9.eE+-]+)", "iterations": r"Transient iterations = (\d+)"}


def run(deck_text: str, timeout: float = 600.0) -> dict:
    """Run a deck in ``ngspice -b``; ngspice's rusage figures and the wall time of the process."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "deck.cir"
        path.write_text(deck_text)
        t0 = time.perf_counter()
        proc = subprocess.run(["ngspice", "-b", str(path)], capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t0
    out = proc.stdout + proc.stderr
    res = {"wall": wall}
    for key, pattern in _RUSAGE.items():
        m = re.search(pattern, out)
        if m is None:
            raise RuntimeError(f"ngspice did not report {key!r}:\n{out[-2000:]}")
        res[key] = float(m.group(1))
    return res


def paired(decks: dict[str, str], repeat: int) -> dict[str, dict]:
    """Run the decks alternately ``repeat`` times; per deck the median of each figure (and all walls)."""
    runs: dict[str, list[dict]] = {k: [] for k in decks}
    for _ in range(repeat):
        for key, text in decks.items():
            runs[key].append(run(text))
    out = {}
    for key, rs in runs.items():
        med = {f: statistics.median(r[f] for r in rs) for f in rs[0]}
        med["us_per_point"] = statistics.median(r["tran_time"] / r["accepted"] * 1e6 for r in rs)
        med["walls"] = [r["wall"] for r in rs]
        out[key] = med
    return out


def states_of(name: str) -> int:
    """Internal states of a subcircuit: its capacitors (one per state, m tau_s dV/dt = f)."""
    return sum(1 for line in subckt_text(name).splitlines() if line.startswith("C_"))


def measure(repeat: int = 5, repeat_instances: int = 3, verbose: bool = True,
            instance_counts: tuple[int, ...] = (1, 10, 100)) -> dict:
    say = print if verbose else (lambda *a, **k: None)
    p = defaults()
    tau = transit_time(p["len"], p["stiff"], p["chi"])
    t_end, edge = 10 * tau, 2 * tau
    with tempfile.TemporaryDirectory() as d:
        lib = Path(d) / "cost.lib"
        floors = {name: linear_floor(name) for name in MODELS}
        lib.write_text(library_path().read_text() + "\n" + "\n".join(text for text, _ in floors.values()))
        say(f"(a) model cost: charge of the reference device, gate open, 0.1 mA with {edge * 1e9:.2f} ns edges, "
            f"{t_end * 1e9:.2f} ns (10 L/u); ngspice -b, rusage; paired, median of {repeat}")
        single = {}
        for name in MODELS:
            single[name] = deck(name, 1, library=lib, t_end=t_end, edge=edge)
            single[floors[name][1]] = deck(floors[name][1], 1, library=lib, t_end=t_end, edge=edge)
        one = paired(single, repeat)
        size = {}
        for name in MODELS:
            m, f = one[name], one[floors[name][1]]
            size[name] = {"states": states_of(name), "equations": int(m["equations"]), "nonzeros": int(m["nonzeros"]),
                          "accepted": int(m["accepted"]), "rejected": int(m["rejected"]),
                          "us_per_point": m["us_per_point"], "floor_us_per_point": f["us_per_point"],
                          "floor_accepted": int(f["accepted"]), "ratio_to_floor": m["us_per_point"] / f["us_per_point"],
                          "tran_time": m["tran_time"], "wall": m["wall"]}
            s = size[name]
            say(f"  {name:18s} states {s['states']:3d}, MNA {s['equations']:3d} equations, {s['nonzeros']:4d} non-zeros; "
                f"{s['accepted']} accepted points, {s['us_per_point']:.1f} us/point; linear floor {s['floor_us_per_point']:.1f} "
                f"us/point -> {s['ratio_to_floor']:.2f}x")
        inst = {}
        for n in instance_counts:
            decks = {name: deck(name, n, library=lib, t_end=t_end, edge=edge) for name in MODELS}
            r = paired(decks, repeat_instances if n == 100 else repeat)
            inst[n] = {name: {"wall": r[name]["wall"], "tran_time": r[name]["tran_time"], "accepted": int(r[name]["accepted"]),
                              "walls": r[name]["walls"]} for name in MODELS}
            ratio = r[MODELS[1]]["wall"] / r[MODELS[0]]["wall"]
            inst[n]["ratio"] = ratio
            say(f"  {n:3d} instance(s): {MODELS[0]} {r[MODELS[0]]['wall']:.3f} s, {MODELS[1]} {r[MODELS[1]]['wall']:.3f} s "
                f"(wall, whole ngspice run) -> {ratio:.1f}x")
    return {"transient": {"t_end": t_end, "edge": edge, "current": 0.1e-3}, "repeat": repeat,
            "repeat_instances": repeat_instances, "size": size, "instances": inst}


def render(a: dict) -> list[str]:
    """Markdown lines of part (a)."""
    m0, m1 = MODELS
    s0, s1 = a["size"][m0], a["size"][m1]
    tr = a["transient"]
    out = [
        "## (a) What the model costs in a circuit",
        "",
        f"Charge of the reference device (package defaults), gate open, {tr['current'] * 1e3:g} mA with "
        f"{tr['edge'] * 1e9:.2f} ns edges (2 L/u), {tr['t_end'] * 1e9:.2f} ns (10 L/u), ngspice default options, in plain "
        "`ngspice -b` (figures from ngspice's `rusage all`). Cost per point = transient analysis time / accepted time "
        "points. The **linear floor** is the same subcircuit with its B-sources (gate law, slip rates, gate link) replaced "
        "by linear G elements on the same nodes: same states, same matrix. Paired: the decks compared run alternately, "
        f"medians of {a['repeat']} runs ({a['repeat_instances']} for 100 instances).",
        "",
        "| model | internal states | MNA equations | matrix non-zeros | accepted points | us per point | linear floor (us per point) | model / floor |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in a["size"].items():
        out.append(f"| `{name}` | {s['states']} | {s['equations']} | {s['nonzeros']} | {s['accepted']} | {s['us_per_point']:.1f} | "
                   f"{s['floor_us_per_point']:.1f} | {s['ratio_to_floor']:.2f} |")
    out += ["", f"Instances (each battery with its own current source; wall time of the whole `ngspice -b` run, parsing "
            "included):", "", f"| instances | `{m0}` (s) | `{m1}` (s) | ratio |", "|---|---|---|---|"]
    for n, row in a["instances"].items():
        out.append(f"| {n} | {row[m0]['wall']:.3f} | {row[m1]['wall']:.3f} | {row['ratio']:.1f}x |")
    inst = {int(n): row for n, row in a["instances"].items()}
    top = max(inst)
    out += ["", f"* {top} instances: the modal default is **{inst[top]['ratio']:.1f}x** faster than the 48-section model "
            "(target at 100 instances: >= 50x).",
            f"* Cost per point of the default: **{s0['ratio_to_floor']:.2f}x** its linear floor (target <= 2x); the nonlinear "
            f"elements cost {s0['us_per_point'] - s0['floor_us_per_point']:.1f} us per point. The 48-section model: "
            f"{s1['ratio_to_floor']:.2f}x its floor.", ""]
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", type=Path, default=ROOT / "docs", help="where model_cost.md/.json go (default: docs/)")
    ap.add_argument("--quick", action="store_true", help="one repetition, 1 and 10 instances")
    ns = ap.parse_args(argv)
    data = measure(repeat=1, repeat_instances=1, instance_counts=(1, 10)) if ns.quick else measure()
    data["command"] = "python benchmarks/model_cost.py" + (" --quick" if ns.quick else "")
    data["date"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    ns.out_dir.mkdir(parents=True, exist_ok=True)
    (ns.out_dir / "model_cost.json").write_text(json.dumps(data, indent=1, default=float) + "\n")
    text = ["# Model cost", "",
            f"Command: `{data['command']}` (run on {data['date']}, ngspice 39). Written by that command; the figures are "
            "also in `model_cost.json`.", ""] + render(data)
    (ns.out_dir / "model_cost.md").write_text("\n".join(text) + "\n")
    print("\n".join(render(data)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
