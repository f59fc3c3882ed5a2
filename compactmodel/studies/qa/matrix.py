"""QA matrix, part 6: every check of one parameter set (:func:`qa_set`) and the matrix over many sets,
in worker processes (:func:`run_matrix`)."""

from __future__ import annotations

import multiprocessing as mp
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Callable, Sequence

from tqdm import tqdm

from .cases import ANALYSES, TIGHT_OPTIONS, compare_outputs, run_case, strip_arrays, transient_case
from .continuity import SUBCKT_SWEEPS, VA_SWEEPS, subckt_continuity, va_continuity
from .decks import TRAN_TMAX
from .sampling import TEMPERATURES_C, QASet, full_grid, rotate

__all__ = ["QAConfig", "qa_set", "run_matrix"]

@dataclass
class QAConfig:
    """What :func:`qa_set` runs for each parameter set.

    ``grid``: (nseg, temperature [C]) pairs. ``dc_open`` and ``ac`` run on every pair;
    ``dc_closed`` and ``tran`` on ``*_per_set`` pairs, rotating with the set index so that
    consecutive sets cover the whole grid (None: every pair). On every ``tight_every``-th set,
    ``tight_per_set`` pairs (the set's transient pair if its nseg is in ``tight_nsegs``, else a
    rotating pair with such an nseg) are rerun with :data:`TIGHT_OPTIONS` for all four analyses.
    ``va_per_set`` of :data:`VA_SWEEPS` (rotating; the temperature cycles with the set index)
    run on every set; the ngspice ``.dc`` sweeps (:func:`subckt_continuity`, at ``subckt_nseg``
    and 27 C) on every ``subckt_every``-th set; they are judged for kinks only if that set's
    closed-gate ``.op`` converges there without aids (else the closed-gate DC is ill-posed and
    the gate sweep is recorded for convergence only, the gate-closed current sweep skipped).
    ``library``: the file with the generated section counts (:func:`write_library`).
    """

    grid: tuple = full_grid()
    dc_closed_per_set: int | None = 1
    tran_per_set: int | None = 1
    tight_per_set: int = 1
    tight_every: int = 2
    tight_nsegs: tuple = ("modal", 1, 2, 4, 8, 16)
    va_per_set: int = 1
    va_points: int = 121
    subckt_every: int = 4
    subckt_nseg: int | str = "modal"
    library: str | None = None


def _default_run(qs: QASet, analysis: str, nseg: int, temp_c: float, library) -> dict:
    """An analysis at ngspice's default tolerances (a transient at its converged step)."""
    if analysis == "tran":
        return transient_case(qs, nseg, temp_c, "", library)
    return run_case(qs, analysis, nseg, temp_c, "", library)


def qa_set(qs: QASet, config: QAConfig) -> dict:
    """Run every check of ``config`` on one parameter set; a JSON-serialisable record."""
    t0 = time.perf_counter()
    grid = list(config.grid)
    rec: dict = {"index": qs.index, "params": dict(qs.params), "drive": qs.drive, "current": qs.current, "tau": qs.tau,
                 "runs": [], "tolerance": [], "va": None, "subckt": None}
    closed = grid if config.dc_closed_per_set is None else rotate(grid, qs.index, config.dc_closed_per_set, 0)
    tran = grid if config.tran_per_set is None else rotate(grid, qs.index, config.tran_per_set, 7)
    full: dict = {}
    for nseg, temp in grid:
        for analysis in ANALYSES:
            if (analysis == "dc_closed" and (nseg, temp) not in closed) or (analysis == "tran" and (nseg, temp) not in tran):
                continue
            r = _default_run(qs, analysis, nseg, temp, config.library)
            full[(analysis, nseg, temp)] = r
            rec["runs"].append(strip_arrays(r))
    if config.tight_every and qs.index % config.tight_every == 0:
        candidates = [pt for pt in tran if pt[0] in config.tight_nsegs] or [pt for pt in grid if pt[0] in config.tight_nsegs]
        for nseg, temp in rotate(candidates, qs.index // max(config.tight_every, 1), config.tight_per_set, 3):
            for analysis in ANALYSES:
                base = full.get((analysis, nseg, temp)) or _default_run(qs, analysis, nseg, temp, config.library)
                entry = {"analysis": analysis, "nseg": nseg, "temp": temp, "ok": False, "metrics": {}, "rel": None}
                if not base["ok"]:
                    entry["error"] = "default-tolerance run failed: " + str(base["error"])[:200]
                else:
                    # the transient is compared at the step the default run converged at
                    tight = run_case(qs, analysis, nseg, temp, TIGHT_OPTIONS, config.library,
                                     tmax_fraction=base.get("tmax_fraction", TRAN_TMAX))
                    entry["seconds"] = tight["seconds"]
                    if tight["ok"]:
                        entry["ok"] = True
                        entry["metrics"] = compare_outputs(analysis, base["out"], tight["out"])
                        entry["rel"] = max(entry["metrics"].values())
                        if analysis == "tran":
                            entry["ringing"] = tight["out"]["ringing"]
                    else:
                        entry["error"] = "tight run failed: " + str(tight["error"])[:200]
                rec["tolerance"].append(entry)
    if config.va_per_set:
        t1 = time.perf_counter()
        temp_k = 273.15 + TEMPERATURES_C[qs.index % len(TEMPERATURES_C)]
        names = rotate(list(VA_SWEEPS), qs.index, config.va_per_set, 0)
        try:
            rec["va"] = {"temperature": temp_k, "sweeps": va_continuity(qs.params, temp_k, config.va_points, sweeps=names)}
        except Exception:  # noqa: BLE001
            rec["va"] = {"temperature": temp_k, "error": traceback.format_exc(limit=3)[-800:], "sweeps": {}}
        rec["va"]["seconds"] = time.perf_counter() - t1
    if config.subckt_every and qs.index % config.subckt_every == 0:
        op = full.get(("dc_closed", config.subckt_nseg, 27.0)) or run_case(qs, "dc_closed", config.subckt_nseg, 27.0, "", config.library)
        # a closed-gate .op that needed aids (or failed) would mark a set whose sweeps below ~vgon
        # are history-dependent (each .dc run may land on another point): run but not judged.
        # Since the ring leak (symbolic.model.RING_LEAK_TIME) every closed-gate .op of the matrix is direct.
        well_posed = op["status"] == "direct"
        names = list(SUBCKT_SWEEPS) if well_posed else [n for n in SUBCKT_SWEEPS if n != "current through zero, gate closed"]
        rec["subckt"] = subckt_continuity(qs, config.subckt_nseg, 27.0, config.library, sweeps=names)
        if not well_posed:
            why = f"not judged: the closed-gate .op of this set {op['status']} (ill-posed closed-gate DC)"
            gate = rec["subckt"]["gate 0.9..1.3 vgon"]
            if gate.get("converged"):
                gate.update(judged=False, ok=None, note=why)
            rec["subckt"]["current through zero, gate closed"] = {"converged": False, "ok": None, "skipped": True, "error": "skipped: " + why}
    rec["seconds"] = time.perf_counter() - t0
    return rec



# ------------------------------------------------------------------------------ matrix


def _worker(args):
    qs, config = args
    try:
        return qa_set(qs, config)
    except Exception:  # noqa: BLE001 - a crash of the checker itself is a result too
        return {"index": qs.index, "params": dict(qs.params), "crash": traceback.format_exc()[-1500:], "runs": [], "tolerance": []}


def run_matrix(sets: Sequence[QASet], config: QAConfig, processes: int = 2, progress: bool = False,
               on_result: Callable[[dict], None] | None = None, deadline: float | None = None) -> list[dict]:
    """:func:`qa_set` for every set in ``processes`` spawned worker processes (each with its own
    ngspice child). ``on_result`` sees every record as it arrives. ``deadline`` (a
    ``time.monotonic()`` value): sets not yet started by then are cancelled; the records of the
    sets that ran are returned (in set order)."""
    bar = None
    if progress:
        bar = tqdm(total=len(sets), unit="set", smoothing=0.02)
    results: dict[int, dict] = {}
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=ctx) as pool:
        futures = {pool.submit(_worker, (qs, config)): qs for qs in sets}
        cancelled = False
        try:
            for fut in as_completed(futures):
                if fut.cancelled():
                    continue
                qs = futures[fut]
                try:
                    rec = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker process that died
                    rec = {"index": qs.index, "params": dict(qs.params), "crash": repr(exc), "runs": [], "tolerance": []}
                results[qs.index] = rec
                if on_result is not None:
                    on_result(rec)
                if bar is not None:
                    bar.update(1)
                if deadline is not None and not cancelled and time.monotonic() > deadline:
                    cancelled = True
                    for f in futures:
                        f.cancel()
        except KeyboardInterrupt:
            for f in futures:
                f.cancel()
            raise
    if bar is not None:
        bar.close()
    return [results[qs.index] for qs in sets if qs.index in results]
