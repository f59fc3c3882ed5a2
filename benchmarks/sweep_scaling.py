"""Sweep scaling: the same ngspice sweep on 1 and on 2 Dask workers, timed side by side.

The sweep is a process-variability Monte Carlo of the reference device with the simulated
round trip (``compactmodel.studies.variability``: charge, close the gate, release into R; nseg 16;
one co-simulated ngspice protocol per case). For each worker count a ``LocalCluster`` of
single-threaded worker processes is started and every worker runs one warm-up case (a case
of another seed) before the clock starts, so process start-up, imports and the per-process
SymPy model build are excluded. The timed part is :func:`compactmodel.studies.sweeps.run_sweep`
end to end: submission, the simulations, the part files and the exported table.

Prints simulations per second and the speedup from 1 to 2 workers (target >= 1.8x), checks
that both runs give the same table, and writes ``docs/sweep_scaling.md``.

    python benchmarks/sweep_scaling.py [--n 40] [--repeats 1] [--out docs/sweep_scaling.md]

The speedup needs two idle cores: the script prints the load average before and after, because
other processes on the machine compete for them; it also prints the CPU time the worker
processes got (psutil), which shows when they were starved.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from compactmodel.studies.sweeps import run_sweep  # noqa: E402
from compactmodel.studies.variability import ProcessSpread, sample, variability_task  # noqa: E402

PRESET = "reference_device"
SEED = 2024
WARMUP_SEED = 999


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time [s] consumed so far by the processes ``pids``."""
    import psutil

    total = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system
    return total


def timed_run(n_workers: int, sweep, warmup_inputs: dict, workdir: Path, tag: str) -> tuple[float, float, pd.DataFrame]:
    """(wall time [s], CPU time of the worker processes [s]) of run_sweep on a warm LocalCluster
    of ``n_workers`` processes, and the table."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.wait_for_workers(n_workers)
        workers = list(client.scheduler_info()["workers"])
        warm = [client.submit(variability_task, warmup_inputs, workers=[w], allow_other_workers=False, pure=False)
                for w in workers]
        client.gather(warm)
        pids = list(client.run(os.getpid).values())
        out = workdir / f"{tag}.csv"
        cpu0 = _cpu_seconds(pids)
        t0 = time.perf_counter()
        table = run_sweep(sweep, variability_task, out, scheduler=client, progress=False)
        wall = time.perf_counter() - t0
        cpu = _cpu_seconds(pids) - cpu0
    assert table.attrs["stats"]["computed"] == len(sweep), table.attrs["stats"]
    return wall, cpu, table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="simulations in the sweep")
    ap.add_argument("--nseg", type=int, default=16, help="sections of the simulated subcircuit")
    ap.add_argument("--repeats", type=int, default=1, help="alternate 1/2-worker runs this many times; best of each")
    ap.add_argument("--out", default=str(ROOT / "docs" / "sweep_scaling.md"))
    a = ap.parse_args(argv)

    sweep = sample(PRESET, ProcessSpread(), a.n, seed=SEED, simulate=True, nseg=a.nseg)
    warmup = dict(sample(PRESET, ProcessSpread(), 1, seed=WARMUP_SEED, simulate=True, nseg=a.nseg)[0].inputs)
    load_before = _load()
    runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    tables: dict[int, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory(prefix="sweep_scaling_") as tmp:
        for r in range(a.repeats):
            for w in (1, 2):
                wall, cpu, table = timed_run(w, sweep, warmup, Path(tmp), f"w{w}_r{r}")
                runs[w].append((wall, cpu))
                tables[w] = table
                print(f"repeat {r + 1}: {w} worker(s): {a.n} simulations in {wall:.2f} s = {a.n / wall:.2f} sims/s; "
                      f"worker CPU {cpu:.1f} s = {cpu / (w * wall):.0%} of {w} core(s)", flush=True)
    load_after = _load()
    identical = tables[1].equals(tables[2])
    (t1, c1), (t2, c2) = min(runs[1]), min(runs[2])
    u1, u2 = c1 / t1, c2 / (2 * t2)
    speedup = t1 / t2
    verdict = "meets" if speedup >= 1.8 else "misses"
    lines = [
        f"1 worker : {t1:7.2f} s  {a.n / t1:6.2f} sims/s  worker CPU {c1:6.1f} s ({u1:.0%} of 1 core)",
        f"2 workers: {t2:7.2f} s  {a.n / t2:6.2f} sims/s  worker CPU {c2:6.1f} s ({u2:.0%} of 2 cores)",
        f"speedup 1 -> 2 workers: {speedup:.2f}x ({verdict} the 1.8x target); tables identical: {identical}",
        f"load average (1, 5, 15 min) before: {load_before}; after: {load_after}; CPUs: {os.cpu_count()}",
    ]
    print("\n".join(lines))

    doc = f"""# Sweep scaling (1 vs 2 Dask workers)

Written by `python benchmarks/sweep_scaling.py --n {a.n} --nseg {a.nseg} --repeats {a.repeats}`
on {_dt.date.today().isoformat()}.

The sweep: {a.n} cases of the process-variability Monte Carlo of `{PRESET}`
(`compactmodel.studies.variability.sample(..., simulate=True, nseg={a.nseg})`, seed {SEED}); each case
computes the 10-year rating, the retention and eq. (9), and co-simulates one
charge -> close gate -> release protocol in ngspice. Each worker count gets its own
`LocalCluster` of single-threaded worker processes; every worker runs one warm-up case
first (start-up, imports and the per-process SymPy model build are not timed). The timed
part is `run_sweep` end to end (submission, simulations, part files, exported table).
Best of {a.repeats} alternating run(s) per worker count.

| workers | wall time [s] | simulations/s | worker CPU time [s] | CPU share of the cores |
|--------:|--------------:|--------------:|--------------------:|-----------------------:|
| 1 | {t1:.2f} | {a.n / t1:.2f} | {c1:.1f} | {u1:.0%} |
| 2 | {t2:.2f} | {a.n / t2:.2f} | {c2:.1f} | {u2:.0%} |

**Speedup 1 -> 2 workers: {speedup:.2f}x** ({verdict} the 1.8x target). Both runs give the
same table: {identical}.

Machine: {os.cpu_count()} CPUs ({_cpu_model()}), Python {platform.python_version()}.
Load average (1, 5, 15 min) before the runs: {load_before}; after: {load_after}. The
"CPU share" column is the CPU time the worker processes got divided by (wall time x workers):
below ~95 % other processes on the machine were taking the cores, and the speedup measures
that contention rather than the sweep machinery.
"""
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(doc)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
