"""QA matrix, part 7: statistics of a matrix run (:func:`summarize`)."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np

from .cases import TOLERANCE_LIMIT
from .runner import runner_accepts

__all__ = ["RINGING_SETTLED", "summarize"]

def _pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def _stats(values: Sequence[float]) -> dict:
    v = np.asarray(values, dtype=float)
    if not len(v):
        return {"n": 0}
    return {"n": int(len(v)), "max": float(np.max(v)), "p99": _pct(v, 99), "p90": _pct(v, 90), "median": _pct(v, 50),
            "over_limit": int(np.sum(v > TOLERANCE_LIMIT))}


#: A transient counts as settled when the winding's peak-to-peak over the second half of the
#: charge is below this fraction of its value (``ringing`` output): the spin waves have died out.
RINGING_SETTLED = 0.01


def summarize(records: Sequence[dict]) -> dict:
    """Counts and statistics of a matrix run (JSON-serialisable).

    ``convergence[key]``: runs, converged (``ok``), the :func:`classify` status counts and how
    many ``run_netlist`` would have accepted, for each analysis and per nseg / temperature.
    ``tolerance``: statistics of the relative change under :data:`TIGHT_OPTIONS` per analysis;
    transients also split into settled and ringing (:data:`RINGING_SETTLED`) and per metric.
    ``stepping``: the transients' step convergence (:func:`transient_case`): runs made, how
    many converged, the final largest steps and the largest first and last changes.
    """
    conv: dict[str, dict] = {}
    failures = []
    for rec in records:
        for r in rec.get("runs", []):
            for key in (r["analysis"], f"{r['analysis']} | nseg {r['nseg']}", f"{r['analysis']} | {r['temp']:g} C"):
                c = conv.setdefault(key, {"runs": 0, "ok": 0, "runner_ok": 0, "status": {}, "sets": set(), "failed_sets": set()})
                c["runs"] += 1
                c["ok"] += bool(r["ok"])
                c["runner_ok"] += runner_accepts(r.get("status"), r.get("log") or "", r.get("status") != "direct")
                c["status"][r.get("status")] = c["status"].get(r.get("status"), 0) + 1
                c["sets"].add(rec["index"])
                if not r["ok"]:
                    c["failed_sets"].add(rec["index"])
            if not r["ok"]:
                failures.append({"set": rec["index"], "analysis": r["analysis"], "nseg": r["nseg"], "temp": r["temp"],
                                 "status": r.get("status"), "error": r["error"], "seconds": r["seconds"], "deck": r.get("deck")})
    for c in conv.values():
        c["sets"], c["failed_sets"] = len(c["sets"]), len(c["failed_sets"])
    tol: dict[str, list] = {}
    tol_fail, tran_detail = [], []
    for rec in records:
        for t in rec.get("tolerance", []):
            if t["ok"]:
                tol.setdefault(t["analysis"], []).append(t["rel"])
                if t["analysis"] == "tran":
                    tran_detail.append({"set": rec["index"], "nseg": t["nseg"], "temp": t["temp"], "rel": t["rel"],
                                        "ringing": t.get("ringing"), **t["metrics"]})
            else:
                tol_fail.append({"set": rec["index"], **{k: t[k] for k in ("analysis", "nseg", "temp")}, "error": t.get("error")})
    tol_stats = {a: _stats(v) for a, v in tol.items()}
    settled = [d for d in tran_detail if d["ringing"] is not None and d["ringing"] < RINGING_SETTLED]
    ringing = [d for d in tran_detail if d not in settled]
    tran_stats = {group: {m: _stats([d[m] for d in rows]) for m in ("rel", "wn", "vpn", "wn_stored")}
                  for group, rows in (("settled", settled), ("ringing", ringing))}
    va: dict[str, dict] = {}
    for rec in records:
        for name, s in ((rec.get("va") or {}).get("sweeps") or {}).items():
            d = va.setdefault(name, {"n": 0, "ok": 0, "refined": [], "coarse": [], "fd_max": [], "fd_p99": [], "bad": []})
            d["n"] += 1
            d["ok"] += bool(s["ok"])
            if not s["ok"]:
                d["bad"].append(rec["index"])
            for k in ("refined", "coarse", "fd_max", "fd_p99"):
                d[k].append(s[k])
    va_stats = {name: {"n": d["n"], "ok": d["ok"], "refined_max": float(np.max(d["refined"])),
                       "refined_p99": _pct(d["refined"], 99), "coarse_max": float(np.max(d["coarse"])),
                       "fd_max": float(np.max(d["fd_max"])), "fd_p99": _pct(d["fd_p99"], 99), "failed_sets": d["bad"][:20]}
                for name, d in va.items()}
    sub: dict[str, dict] = {}
    for rec in records:
        for name, s in (rec.get("subckt") or {}).items():
            d = sub.setdefault(name, {"n": 0, "skipped": 0, "converged": 0, "judged": 0, "ok": 0, "aids": 0, "refined": [],
                                      "bad": [], "failed": [], "fallback": []})
            d["n"] += 1
            d["skipped"] += bool(s.get("skipped"))
            if s["converged"]:
                d["converged"] += 1
                d["aids"] += bool(s.get("aids"))
                if s.get("fallback"):
                    d["fallback"].append(rec["index"])
                if s.get("judged", True):
                    d["judged"] += 1
                    d["ok"] += bool(s["ok"])
                    d["refined"].append(s["refined"])
                    if not s["ok"]:
                        d["bad"].append(rec["index"])
            elif not s.get("skipped"):
                d["failed"].append({"set": rec["index"], "error": s.get("error"), "deck": s.get("deck")})
    sub_stats = {name: {"n": d["n"], "skipped": d["skipped"], "converged": d["converged"], "judged": d["judged"], "ok": d["ok"],
                        "with_aids": d["aids"], "refined_max": float(np.max(d["refined"])) if d["refined"] else float("nan"),
                        "refined_p99": _pct(d["refined"], 99), "kink_sets": d["bad"][:20], "failures": d["failed"][:10],
                        "fallback_sets": d["fallback"]}
                 for name, d in sub.items()}
    steps = [r for rec in records for r in rec.get("runs", []) if r["analysis"] == "tran" and "step_runs" in r]
    finals = Counter(round(1 / r["tmax_fraction"]) for r in steps if r["ok"])
    stepping = {
        "transients": len(steps),
        "runs": int(sum(r["step_runs"] for r in steps)),
        "converged": sum(1 for r in steps if r.get("step_converged")),
        "failed": sum(1 for r in steps if not r["ok"]),
        "final_tmax": {f"tau_s/{k}": n for k, n in sorted(finals.items())},
        "last_change_max": max((r["step_history"][-1][1] for r in steps if r.get("step_history")), default=0.0),
        "first_change_max": max((r["step_history"][0][1] for r in steps if r.get("step_history")), default=0.0),
    }
    return {
        "sets": len(records),
        "crashes": [rec["index"] for rec in records if "crash" in rec],
        "stepping": stepping,
        "sets_all_converged": sum(1 for rec in records if rec.get("runs") and all(r["ok"] for r in rec["runs"])),
        "convergence": conv,
        "failures": failures,
        "tolerance": tol_stats,
        "tolerance_tran": tran_stats,
        "tolerance_failures": tol_fail,
        "tran_tolerance": tran_detail,
        "va": va_stats,
        "va_errors": [rec["index"] for rec in records if (rec.get("va") or {}).get("error")],
        "subckt": sub_stats,
        "cpu_seconds": float(sum(rec.get("seconds", 0.0) for rec in records)),
    }
