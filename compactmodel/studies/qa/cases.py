"""QA matrix, part 4: one case (an analysis of a set at one nseg and temperature), its outputs and
its tolerance comparison."""

from __future__ import annotations

import math
import time
from typing import Mapping

import numpy as np

from ...sim.stepping import converge_tmax
from .decks import (AC_REPORT, STEP_HALVINGS, STEP_RTOL, TRAN_TMAX, dc_deck, impedance_deck, transient_deck,
                    transient_protocol)
from .runner import CONVERGED, TIMEOUTS, NgspiceProcess, classify, runner, runner_verdict, summary_log
from .sampling import QASet

__all__ = ["TIGHT_OPTIONS", "TOLERANCE_LIMIT", "ANALYSES", "deck_for", "run_case", "transient_case", "compare_outputs",
           "strip_arrays"]

#: ngspice's defaults are reltol=1e-3 abstol=1e-12 vntol=1e-6: these are 1000x tighter.
TIGHT_OPTIONS = "reltol=1e-6 abstol=1e-15 vntol=1e-9"
#: Tolerance-sensitivity limit of the issue: relative change of any output under 0.5 %.
TOLERANCE_LIMIT = 5e-3
#: The analyses of every set.
ANALYSES = ("dc_open", "dc_closed", "ac", "tran")


def deck_for(analysis: str, qs: QASet, nseg: int, temp_c: float, options: str, library,
              tmax_fraction: float = TRAN_TMAX) -> str:
    if analysis == "dc_open":
        return dc_deck(qs, nseg, temp_c, True, options, library)
    if analysis == "dc_closed":
        return dc_deck(qs, nseg, temp_c, False, options, library)
    if analysis == "ac":
        return impedance_deck(qs, nseg, temp_c, options, library)
    if analysis == "tran":
        return transient_deck(qs, nseg, temp_c, options, library, tmax_fraction)
    raise ValueError(analysis)


def _outputs(analysis: str, qs: QASet, vec: Mapping[str, np.ndarray]) -> dict:
    """Key outputs (scalars) and the waveforms the tolerance comparison needs (keys starting with '_')."""
    if analysis.startswith("dc"):
        return {"wn": float(np.real(vec["wn"][0])), "vp": float(np.real(vec["p"][0]))}
    if analysis == "ac":
        f = np.real(vec["frequency"])
        z = np.asarray(vec["p"], dtype=complex)
        mag = np.interp(np.log(np.array(AC_REPORT) / qs.tau), np.log(f), np.abs(z))
        return {"absz": [float(m) for m in mag], "_f": f, "_z": z}
    t = np.real(vec["time"])
    wn = np.real(vec["wn"])
    vpn = np.real(vec["p"]) - np.real(vec["pn"])
    times = transient_protocol(qs).times()
    late = (t >= 0.5 * times["gate_close"]) & (t <= times["gate_close"])
    return {
        "wn_charged": float(np.interp(times["gate_close"], t, wn)),
        "wn_stored": float(np.interp(times["release"], t, wn)),
        "wn_end": float(wn[-1]),
        "vp_max": float(np.max(np.abs(vpn))),
        # peak-to-peak winding over the second half of the charge, relative to its largest |value|:
        # how much the weakly damped spin waves still ring when the gate closes
        "ringing": float(np.ptp(wn[late]) / max(np.max(np.abs(wn[late])), 1e-300)) if np.any(late) else 0.0,
        "t_end": float(t[-1]),
        "points": int(len(t)),
        "_t": t, "_wn": wn, "_vpn": vpn,
    }


def _finite(out: Mapping) -> bool:
    for v in out.values():
        arr = np.asarray(v)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            return False
    return True


def run_case(qs: QASet, analysis: str, nseg: int, temp_c: float, options: str = "", library=None,
             ng: NgspiceProcess | None = None, tmax_fraction: float = TRAN_TMAX) -> dict:
    """One ngspice run of :func:`raw_run` in the :class:`NgspiceProcess`.

    Returns ``{"ok", "status", "runner_ok", "error", "seconds", "out", "deck"}``: ``status`` is
    :func:`classify`'s verdict (or ``timeout``), ``ok`` = converged (status in
    :data:`CONVERGED`) with finite outputs (a transient must reach its end); ``runner_ok`` is
    what :func:`compactmodel.sim.ngspice.run_netlist` would have said. The deck is kept when not ok.
    """
    deck = deck_for(analysis, qs, nseg, temp_c, options, library, tmax_fraction)
    kind = {"dc_open": "op", "dc_closed": "op", "ac": "ac", "tran": "tran"}[analysis]
    expect = {"op": ("wn", "p"), "ac": ("frequency", "p"), "tran": ("time", "wn", "p", "pn")}[kind]
    timeout = TIMEOUTS[kind] * (10 if options else 1)
    t0 = time.perf_counter()
    rec = {"analysis": analysis, "nseg": nseg, "temp": temp_c, "options": options, "ok": False, "status": None,
           "runner_ok": False, "error": None, "out": {}}
    if analysis == "tran":
        rec["tmax_fraction"] = tmax_fraction
    try:
        res = (ng or runner()).run(deck, timeout)
        rec["status"] = classify(res, expect)
        rec["runner_ok"] = runner_verdict(res)
        if rec["status"] != "direct":
            rec["log"] = summary_log(res["log"])
        if rec["status"] in CONVERGED:
            out = _outputs(analysis, qs, res["vectors"])
            if not _finite(out):
                rec["error"] = "non-finite output"
            elif analysis == "tran" and out["t_end"] < transient_protocol(qs).t_stop * (1 - 1e-9):
                rec["error"] = f"transient stopped at {out['t_end']:.4g} s"
            else:
                rec["ok"] = True
            rec["out"] = out
        else:
            rec["error"] = f"{rec['status']}: {summary_log(res['log']) or res.get('raised')}"
    except Exception as exc:  # noqa: BLE001 - timeout, dead child, or anything else: a failed run
        rec["status"] = "timeout" if "timeout" in str(exc) else "failed"
        rec["error"] = f"{type(exc).__name__}: {exc}"[:600]
    rec["seconds"] = time.perf_counter() - t0
    if not rec["ok"]:
        rec["deck"] = deck
    return rec


class _RunFailed(Exception):
    def __init__(self, rec: dict):
        super().__init__(rec.get("error"))
        self.rec = rec


def _transient_waves(rec: dict) -> dict:
    out = rec["out"]
    return {"time": out["_t"], "wn": out["_wn"], "vpn": out["_vpn"]}


def transient_case(qs: QASet, nseg: int, temp_c: float, options: str = "", library=None,
                   ng: NgspiceProcess | None = None, tmax_fraction: float | None = None) -> dict:
    """The QA transient at a converged time step.

    With ``tmax_fraction`` None: :func:`compactmodel.sim.stepping.converge_tmax` from
    :data:`TRAN_TMAX` tau_s, halving until V(wn) and V(p,n) move by under :data:`STEP_RTOL`
    (every run at ``options``). The record is the finest run's, plus ``step_history``
    ([tmax / tau_s, change] per halving), ``step_converged`` and ``step_runs`` (runs made, all
    of which converged if the record is ok). With a number: one run at that step.
    """
    if tmax_fraction is not None:
        return run_case(qs, "tran", nseg, temp_c, options, library, ng, tmax_fraction)
    runs = []

    def run(tmax: float) -> dict:
        rec = run_case(qs, "tran", nseg, temp_c, options, library, ng, tmax / qs.tau)
        runs.append(rec)
        if not rec["ok"]:
            raise _RunFailed(rec)
        return rec

    try:
        conv = converge_tmax(run, TRAN_TMAX * qs.tau, signals=("wn", "vpn"), waveforms=_transient_waves,
                             rtol=STEP_RTOL, max_halvings=STEP_HALVINGS)
    except _RunFailed as failed:
        rec = failed.rec
        rec["step_converged"] = False
    else:
        rec = conv.result
        rec["step_converged"] = conv.converged
        rec["step_history"] = [[t / qs.tau, c] for t, c in conv.history]
    rec["step_runs"] = len(runs)
    rec["seconds"] = sum(r["seconds"] for r in runs)
    return rec


def _scaled_max_diff(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max |b|: the difference relative to the scale of the signal."""
    scale = float(np.max(np.abs(b)))
    if scale == 0.0:
        return 0.0 if float(np.max(np.abs(a))) == 0.0 else math.inf
    return float(np.max(np.abs(a - b))) / scale


def compare_outputs(analysis: str, default: Mapping, tight: Mapping) -> dict[str, float]:
    """Relative change of each output from default to tight tolerances (the tight run is the reference).

    * DC: |x_d - x_t| / |x_t| for V(wn) and V(p) (both well away from zero: a DC current flows).
    * AC: max over frequency of |Z_d - Z_t| / max |Z_t| (complex: phase errors count too).
    * transient: V(wn) and V(p,n) at the default run's time points against the tight run
      (denser, linearly interpolated): max |difference| / max |V| of that waveform, so a
      zero crossing is measured against the swing, not against zero; and the stored winding
      (at release) relative to the charged winding.
    """
    if analysis.startswith("dc"):
        return {k: _scaled_max_diff(np.array([default[k]]), np.array([tight[k]])) for k in ("wn", "vp")}
    if analysis == "ac":
        lf = np.log(default["_f"])
        zt = np.interp(lf, np.log(tight["_f"]), tight["_z"].real) + 1j * np.interp(lf, np.log(tight["_f"]), tight["_z"].imag)
        return {"z": _scaled_max_diff(default["_z"], zt)}
    td, tt = default["_t"], tight["_t"]
    out = {}
    for key, name in (("_wn", "wn"), ("_vpn", "vpn")):
        out[name] = _scaled_max_diff(default[key], np.interp(td, tt, tight[key])) if np.max(np.abs(tight[key])) > 0 else 0.0
    out["wn_stored"] = abs(default["wn_stored"] - tight["wn_stored"]) / max(abs(tight["wn_charged"]), abs(tight["wn_stored"]), 1e-300)
    return out


def strip_arrays(rec: dict) -> dict:
    """Drop the arrays (keys starting with '_') so a record is small and JSON-serialisable."""
    rec = dict(rec)
    rec["out"] = {k: v for k, v in rec.get("out", {}).items() if not k.startswith("_")}
    return rec
