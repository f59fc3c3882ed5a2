"""QA matrix, part 3: how a run ended (:func:`classify`), what ``run_netlist`` would have said, and the
process-wide ngspice child (:class:`compactmodel.sim.process.NgspiceProcess`)."""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from ...sim.process import NgspiceProcess, runner

__all__ = ["TIMEOUTS", "CONVERGED", "classify", "runner_accepts", "runner_verdict", "NgspiceProcess", "runner",
           "summary_log"]

#: Wall-clock limits of one ngspice run [s] (x10 with the tight options). A converging .op/.ac
#: of this model takes < 0.1 s; a failing one goes through gmin stepping, source stepping and
#: ngspice 39's transient-op fallback (10 us of simulated time), measured at 0.05 to 75 s, and
#: still fails. Past the limit the run counts as not converged ("timeout") and the ngspice
#: process is replaced.
TIMEOUTS = {"op": 3.0, "ac": 3.0, "dc": 10.0, "tran": 120.0}

#: How a run ended (:func:`classify`). The first three count as converged.
CONVERGED = ("direct", "gmin", "source")
#: Phrases in ngspice's log that end an analysis without a valid result.
_FATAL = ("timestep too small", "simulation(s) aborted", "simulation aborted", "doanalyses", "transient op failed",
          "dc solution failed")


def classify(res: Mapping, expect: Sequence[str] = ("wn",)) -> str:
    """``direct`` (Newton converged on its own), ``gmin`` / ``source`` (converged through gmin or
    source stepping, ngspice's standard aids), ``optran`` (only ngspice 39's last-resort
    transient-op produced an operating point: a pseudo-transient over 10 us, not a solution of
    the DC equations), or ``failed`` (no result, a fatal message, or missing vectors)."""
    low = [ln.lower() for ln in res.get("log", [])]
    if not res.get("vectors") or any(k not in res["vectors"] for k in expect):
        return "failed"
    if any(p in ln for ln in low for p in _FATAL):
        return "failed"
    if any("transient op started" in ln for ln in low):
        return "optran"
    if any("source stepping completed" in ln for ln in low):
        return "source"
    if any("gmin stepping completed" in ln for ln in low):
        return "gmin"
    return "direct"


def runner_accepts(status: str | None, log_text: str, raised: bool = True) -> bool:
    """Would :func:`compactmodel.sim.ngspice.run_netlist` return this run (True) or raise (False)?

    Mirrors :func:`compactmodel.sim.ngspice.run_netlist`: a run PySpice did not flag is accepted unless ngspice's log reports a
    singular matrix, a too-small time step or an abort; a flagged one only if gmin/source
    stepping completed and nothing worse (an error, the transient-op fallback) followed.
    """
    if status in (None, "timeout", "failed"):
        return False
    text = log_text.lower()
    if raised:
        completed = status in ("gmin", "source") or "stepping completed" in text  # (classify saw the whole log)
        if not completed or any(
                bad in text for bad in ("timestep too small", "aborted", "cannot recover", "optran", "transient op", "error")):
            return False
    return not any(bad in text for bad in ("timestep too small", "singular matrix", "simulation(s) aborted"))


def runner_verdict(res: Mapping) -> bool:
    """:func:`runner_accepts` of a :func:`raw_run` result."""
    return runner_accepts(classify(res), "\n".join(res.get("log", [])), bool(res.get("raised")))


def summary_log(log: Sequence[str]) -> str:
    """The informative lines of an ngspice log (notes on convergence aids, warnings, errors), deduplicated."""
    keep = []
    for ln in log:
        s = re.sub(r"Trying gmin =\s*\S+\s*", "", ln).strip()
        if s and s not in keep and any(w in s.lower() for w in ("error", "warning", "stepping", "transient op", "aborted", "singular", "too small")):
            keep.append(s)
    return "; ".join(keep)[:1500]
