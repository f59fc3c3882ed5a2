"""QA matrix of the compact model: convergence, tolerance sensitivity and derivative continuity.

In the spirit of the QA run on industry compact models, every check here is repeated over
many random *physical* parameter sets (seeded), several section counts and temperatures:

* (a) DC operating point with a DC charging current, gate open (1.2 ``vgon``) and closed (0 V);
* (b) AC port impedance (gate open, biased by the same DC current);
* (c) a short charge -> store -> release transient (:class:`compactmodel.netlist.ChargeStoreRelease`)
  with its times scaled to the device's transit time tau_s = len sqrt(chi/stiff) and a current
  below the Landau current (:func:`compactmodel.phase_slips.landau_current`), at a converged
  largest step (:func:`transient_case`, :mod:`compactmodel.stepping`);
* (d) circuit temperatures -40, 27 and 125 C (``.temp``);
* (e) nseg 1 and 2 (generated into a temporary library by :func:`write_library`) and the
  shipped 4, 8, 16, 32, 48 (``spin_battery``) and 64.

Each run goes through :class:`NgspiceProcess` (ngspice in a child process, so a run stuck in
ngspice's convergence aids can be ended after :data:`TIMEOUTS`) and records how it ended
(:func:`classify`: converged directly, through gmin or source stepping, only through ngspice
39's transient-op fallback, which is *not* counted as converged, or failed), whether
``compactmodel.ngspice.run_netlist`` would have accepted it, and its key outputs (stored
winding, port voltage, |Z| at a few frequencies). **Tolerance sensitivity** reruns a subset
with :data:`TIGHT_OPTIONS` (reltol, abstol and vntol 1000x tighter than ngspice's defaults)
and compares (:func:`compare_outputs`): every difference is divided by the *scale of the
signal* (the largest |value| of that waveform or spectrum), never pointwise, so zero crossings
of a ringing waveform do not inflate it. **Derivative continuity**:

* (i) Verilog-A, through OpenVAF's front end (``openvaf_py``, :class:`VerilogAModel`): the
  residuals and Jacobian from ``run_init_eval`` along sweeps of V(gate) through the gate
  transition (0.9..1.3 vgon), of the wire twist through zero and through both Landau limits,
  of the gate-section twist likewise, and of V(p,n) through zero port current. The
  Jacobian is compared with central finite differences of the residuals, and
  :func:`derivative_jumps` looks for jumps in every Jacobian entry along the sweep;
* (ii) subcircuit: ngspice ``.dc`` sweeps of V(gate) through the transition and of the port
  current through zero; :func:`sampled_kinks` looks for jumps of the numerical derivative
  of V(wn) and V(p), refining the sweep around the worst point.

A jump is judged by refinement, not by one grid: a discontinuous derivative keeps its jump
however finely it is sampled, a continuous one (even a steep one, such as the 1e-8-wide
soft max of the barrier at the Landau limit) has a difference that shrinks with the step.

Physical parameter box
======================

The documented ranges (:data:`compactmodel.parameters.PARAMETERS`) are validation bounds that
span up to 18 decades; most of that volume is not a device. The sampler draws each quantity
log-uniformly in a box of one decade either side of the span of the four presets
(:data:`compactmodel.materials.PRESETS`), intersected with the documented range
(:func:`physical_box`; a test checks this table against the presets):

=========  ====================  =========================================================
name       box                   rule
=========  ====================  =========================================================
len        1e-07 .. 5e-05 m      presets 1e-6 .. 5e-6, +-1 decade
stiff      2.5e-28 .. 7.4e-25    presets 2.5e-27 .. 7.4e-26 J m, +-1 decade
chi        1.29e-36 .. 2.57e-30  presets 1.29e-35 .. 2.57e-31 J s^2/m, +-1 decade
damp       1.95e-26 .. 2.89e-23  presets 1.95e-25 .. 2.89e-24 J s/m, +-1 decade
gsp        1e-32 .. 5.45e-30     presets 1e-31 .. 5.45e-31 J s, +-1 decade
theta      3.29e-17 .. 3.29e-14  presets 3.29e-16 .. 3.29e-15 V s, +-1 decade
rw         80 .. 1.6e+04 ohm     presets 800 .. 1600, +-1 decade
kani       6.25e-13 .. 6.28e-09  presets 6.25e-12 .. 6.28e-10 J/m, +-1 decade
vgon       1.25 .. 62.8 V        the presets' span (VCMA), not widened
lgate      0.005 .. 0.1 x len    presets 0.01 .. 0.02 of len: a short gated section
fatt       0.1 .. 10 x f_Langer  f_Langer = phase_slips.attempt_frequency(stiff, chi, kani)
tcani      -2e-3 .. 0 1/K        uniform (K falls with T); fani stays in 0.8 .. 1.14
wn0, dtemp 0, tnom 300.15 K      fixed (transients start empty; no self-heating)
=========  ====================  =========================================================

Draws whose derived quantities are not those of a magnet are rejected and redrawn:
spin-wave speed u = sqrt(stiff/chi) in 1e2 .. 1e5 m/s (presets 5.4e2 .. 4.6e4), healing length
sqrt(stiff/kani) in 3 .. 100 nm (presets 8.5 .. 24.5 nm) and len at least 10 healing lengths
(the phase-slip rate law assumes a long wire). The charging current of each set is
``drive`` x the Landau current at 27 C, with ``drive`` uniform in 0.1 .. 0.6.
"""

from __future__ import annotations

import math
import os
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from .gate import open_voltage
from .parameters import PARAMETERS, validate

__all__ = [
    "NSEGS", "SHIPPED_NSEGS", "TEMPERATURES_C", "TIGHT_OPTIONS", "TOLERANCE_LIMIT", "JUMP_LIMIT", "RINGING_SETTLED",
    "physical_box", "preset_span", "sample_parameter_sets", "QASet", "QAConfig", "full_grid", "rotate",
    "write_library", "subckt_for", "dc_deck", "ac_deck", "transient_protocol", "transient_deck", "dc_sweep_deck",
    "NgspiceProcess", "runner", "raw_run", "classify", "runner_accepts", "runner_verdict", "CONVERGED", "run_case", "compare_outputs",
    "derivative_jumps", "JumpResult", "sampled_kinks", "VerilogAModel", "VA_SWEEPS", "va_continuity",
    "SUBCKT_SWEEPS", "subckt_continuity", "qa_set", "run_matrix", "summarize",
]

#: Section counts of the matrix: 1 and 2 are generated (:func:`write_library`), the rest shipped.
NSEGS = (1, 2, 4, 8, 16, 32, 48, 64)
#: Section counts the shipped library defines (48 is ``spin_battery``).
SHIPPED_NSEGS = (4, 8, 16, 32, 48, 64)
#: Circuit temperatures [C].
TEMPERATURES_C = (-40.0, 27.0, 125.0)
#: ngspice's defaults are reltol=1e-3 abstol=1e-12 vntol=1e-6: these are 1000x tighter.
TIGHT_OPTIONS = "reltol=1e-6 abstol=1e-15 vntol=1e-9"
#: Tolerance-sensitivity limit of the issue: relative change of any output under 0.5 %.
TOLERANCE_LIMIT = 5e-3
#: Derivative-continuity limit: a jump left after refinement, relative to the entry's scale.
JUMP_LIMIT = 1e-3

ANALYSES = ("dc_open", "dc_closed", "ac", "tran")

# ------------------------------------------------------------------------------ sampler

#: Parameters sampled log-uniformly in a box of +-1 decade around the presets' span.
_WIDENED = ("len", "stiff", "chi", "damp", "gsp", "theta", "rw", "kani")
#: lgate / len [-]; fatt / attempt_frequency [-]; tcani [1/K] (uniform); drive / Landau current [-].
LGATE_FRACTION = (0.005, 0.1)
FATT_FACTOR = (0.1, 10.0)
TCANI_RANGE = (-2e-3, 0.0)
DRIVE_RANGE = (0.1, 0.6)
#: Acceptance of derived quantities: u [m/s], healing length [m], len / healing length [-].
SPEED_RANGE = (1e2, 1e5)
HEALING_RANGE = (3e-9, 1e-7)
MIN_LENGTH_OVER_HEALING = 10.0


@lru_cache(maxsize=1)
def preset_span() -> dict[str, tuple[float, float]]:
    """(min, max) of every instance parameter over the four material presets."""
    from .materials import PRESETS

    values = [f().instance_parameters() for f in PRESETS.values()]
    return {p.name: (min(v[p.name] for v in values), max(v[p.name] for v in values)) for p in PARAMETERS}


@lru_cache(maxsize=1)
def physical_box() -> dict[str, tuple[float, float]]:
    """The sampling box [lo, hi] of each independently drawn parameter (see module docstring).

    +-1 decade around the presets' span for :data:`_WIDENED`, the span itself for ``vgon``;
    always clipped to the documented range.
    """
    span = preset_span()
    by_name = {p.name: p for p in PARAMETERS}
    box = {}
    for name in _WIDENED + ("vgon",):
        lo, hi = span[name]
        if name != "vgon":
            lo, hi = lo / 10.0, hi * 10.0
        par = by_name[name]
        lo = max(lo, par.lower if par.lower > 0 else lo)
        hi = min(hi, par.upper)
        box[name] = (lo, hi)
    return box


@dataclass(frozen=True)
class QASet:
    """One random device: validated instance parameters and its charging current."""

    index: int
    params: dict
    drive: float  #: charging current / Landau current at 27 C [-]

    @property
    def tau(self) -> float:
        """Transit time tau_s = len sqrt(chi/stiff) [s]."""
        p = self.params
        return p["len"] * math.sqrt(p["chi"] / p["stiff"])

    @property
    def current(self) -> float:
        """DC and charging current [A]."""
        from .phase_slips import landau_current

        return self.drive * landau_current(self.params, 300.15)


def _accept(p: Mapping[str, float]) -> bool:
    u = math.sqrt(p["stiff"] / p["chi"])
    heal = math.sqrt(p["stiff"] / p["kani"])
    return (SPEED_RANGE[0] <= u <= SPEED_RANGE[1] and HEALING_RANGE[0] <= heal <= HEALING_RANGE[1]
            and p["len"] >= MIN_LENGTH_OVER_HEALING * heal)


def sample_parameter_sets(n: int, seed: int = 2026) -> list[QASet]:
    """``n`` random physical parameter sets (reproducible: one ``numpy`` generator per ``seed``).

    Set ``k`` depends only on (``seed``, ``k``), so the first 20 sets of a 1000-set matrix are
    the 20 sets of a 20-set run.
    """
    from .phase_slips import attempt_frequency

    box = physical_box()
    out = []
    for k in range(n):
        rng = np.random.default_rng([seed, k])
        while True:
            p = {name: float(math.exp(rng.uniform(math.log(lo), math.log(hi)))) for name, (lo, hi) in box.items()}
            p["lgate"] = p["len"] * float(math.exp(rng.uniform(*np.log(LGATE_FRACTION))))
            p["fatt"] = attempt_frequency(p["stiff"], p["chi"], p["kani"]) * float(math.exp(rng.uniform(*np.log(FATT_FACTOR))))
            p["tcani"] = float(rng.uniform(*TCANI_RANGE))
            p.update(wn0=0.0, dtemp=0.0, tnom=300.15)
            drive = float(rng.uniform(*DRIVE_RANGE))
            if _accept(p):
                break
        out.append(QASet(k, validate(p), drive))
    return out


# ------------------------------------------------------------------------------ decks


def write_library(path: str | Path, nsegs: Iterable[int] = (1, 2)) -> Path:
    """Generate ``spin_battery_n<k>`` for section counts the shipped library lacks (SymPy, ~0.5 s each)."""
    from .emit import spice_subckt
    from .lumped import derive

    path = Path(path)
    path.write_text("\n".join(spice_subckt(derive(k), f"spin_battery_n{k}") for k in nsegs))
    return path


def subckt_for(nseg: int, library: str | Path | None = None) -> tuple[str, Path]:
    """(subcircuit name, library file) of a section count: shipped, or ``library`` for 1 and 2."""
    from .netlist import library_path

    if nseg == 48:
        return "spin_battery", library_path()
    if nseg in SHIPPED_NSEGS:
        return f"spin_battery_n{nseg}", library_path()
    if library is None:
        raise ValueError(f"nseg {nseg} is not shipped: generate it with write_library() and pass library=")
    return f"spin_battery_n{nseg}", Path(library).resolve()


def _deck(title: str, qs: QASet, nseg: int, temp_c: float, sources: Sequence[str], analysis: str,
          options: str = "", library: str | Path | None = None, gate: float | None = None) -> str:
    from .netlist import instance_line

    name, lib = subckt_for(nseg, library)
    lines = [title, f".include {lib}", *sources]
    if gate is not None:
        lines.append(f"Vg gate 0 {gate!r}")
    lines += [instance_line("X1", ("p", "0", "gate", "wn"), qs.params, name), f".temp {temp_c!r}"]
    if options:
        lines.append(f".options {options}")
    lines += [analysis, ".end", ""]
    return "\n".join(lines)


def dc_deck(qs: QASet, nseg: int, temp_c: float, gate_open: bool, options: str = "", library=None) -> str:
    """``.op`` with the set's DC current into p, gate open (1.2 vgon) or closed (0 V)."""
    vg = open_voltage(qs.params["vgon"]) if gate_open else 0.0
    return _deck(f"qa {qs.index}: dc, gate {'open' if gate_open else 'closed'}", qs, nseg, temp_c,
                 [f"I1 0 p dc {qs.current!r}"], ".op", options, library, vg)


#: AC sweep: 1e-3 .. 1 of 1/tau_s, 10 points per decade; |Z| is reported at these multiples of 1/tau_s.
AC_SPAN = (1e-3, 1.0)
AC_REPORT = (1e-3, 1e-2, 1e-1, 1.0)


def ac_deck(qs: QASet, nseg: int, temp_c: float, options: str = "", library=None) -> str:
    """Port impedance Z(f) = V(p) for 1 A ac, gate open, biased by the set's DC current."""
    f0, f1 = (x / qs.tau for x in AC_SPAN)
    return _deck(f"qa {qs.index}: ac", qs, nseg, temp_c, [f"I1 0 p dc {qs.current!r} ac 1"],
                 f".ac dec 10 {f0!r} {f1!r}", options, library, open_voltage(qs.params["vgon"]))


#: Largest transient time step to start from, in transit times tau_s (the package's own
#: ChargeStoreRelease default is tau_s/23 for the reference device). Each transient halves it
#: (:func:`compactmodel.stepping.converge_tmax`) until V(wn) and V(p,n) change by under
#: :data:`STEP_RTOL` of their swing, at most :data:`STEP_HALVINGS` times.
TRAN_TMAX = 0.02
STEP_RTOL = 2e-3
STEP_HALVINGS = 6


def transient_protocol(qs: QASet, options: str = "", tmax_fraction: float = TRAN_TMAX):
    """Charge 10 tau_s, store to 20 tau_s, release into rw until 30 tau_s (ramps tau_s/2, steps <= tmax_fraction tau_s)."""
    from .netlist import ChargeStoreRelease

    tau = qs.tau
    return ChargeStoreRelease(current=qs.current, t_charge=10 * tau, t_ramp=0.5 * tau, t_release=20 * tau,
                              t_stop=30 * tau, r_load=qs.params["rw"], tmax=tmax_fraction * tau, options=options)


def transient_deck(qs: QASet, nseg: int, temp_c: float, options: str = "", library=None,
                   tmax_fraction: float = TRAN_TMAX) -> str:
    from .netlist import library_path

    name, lib = subckt_for(nseg, library)
    deck = transient_protocol(qs, options, tmax_fraction).netlist(qs.params, name)
    deck = deck.replace(f".include {library_path()}", f".include {lib}")
    return deck.replace("\n.end\n", f"\n.temp {temp_c!r}\n.end\n")


def dc_sweep_deck(qs: QASet, nseg: int, temp_c: float, source: str, start: float, stop: float, step: float,
                  gate: float | None = None, current: float | None = None, options: str = "", library=None) -> str:
    """``.dc`` sweep of ``Vg`` (the gate, with the DC current) or ``I1`` (the current, gate at ``gate``)."""
    i = qs.current if current is None else current
    vg = open_voltage(qs.params["vgon"]) if gate is None else gate
    return _deck(f"qa {qs.index}: dc sweep {source}", qs, nseg, temp_c, [f"I1 0 p dc {i!r}"],
                 f".dc {source} {start!r} {stop!r} {step!r}", options, library, vg)


# ------------------------------------------------------------------------------ ngspice runner

#: Wall-clock limits of one ngspice run [s] (x10 with the tight options). A converging .op/.ac
#: of this model takes < 0.1 s; a failing one goes through gmin stepping, source stepping and
#: ngspice 39's transient-op fallback (10 us of simulated time), measured at 0.05 to 75 s, and
#: still fails. Past the limit the run counts as not converged ("timeout") and the ngspice
#: process is replaced.
TIMEOUTS = {"op": 3.0, "ac": 3.0, "dc": 10.0, "tran": 120.0}

#: Vectors brought back from a run (the rest stay in the ngspice process).
KEEP = ("time", "frequency", "v-sweep", "i-sweep", "wn", "p", "pn")


def raw_run(deck: str) -> dict:
    """Run a deck in this process's ngspice session and report what ngspice itself did.

    ``compactmodel.ngspice.run_netlist`` raises whenever PySpice flags the run, and PySpice 1.5
    flags every stderr line that does not start with "Warning:" -- including ngspice's
    "Note: Starting dynamic gmin stepping" of a run that then converges. To count the model's
    convergence, this keeps the result and the log: ``{"vectors", "log", "raised"}``
    (``raised``: the PySpice exception text, or None). :func:`classify` reads the log.
    """
    from .ngspice import _cleanup, _session

    ng = _session()
    ng.clear_output()
    ng.handler = None
    raised, log = None, []
    try:
        ng.load_circuit(deck)
        log += [ln for ln in ng.stderr.splitlines() if ln.strip()]
        if any("error" in ln.lower() for ln in log):
            raised = "load: " + next(ln for ln in log if "error" in ln.lower())
        else:
            try:
                ng.run()
            except Exception as exc:  # noqa: BLE001 - PySpice's NgSpiceCommandError
                raised = f"{type(exc).__name__}: {exc}"
            log += [ln for ln in ng.stderr.splitlines() if ln.strip()]
            log += [ln for ln in ng.stdout.splitlines() if "error" in ln.lower() or "abort" in ln.lower()]
        vectors = {}
        name = ng.last_plot
        if name and name != "const":
            vectors = {k.lower(): np.array(v._data, copy=True) for k, v in ng.plot(None, name).items() if k.lower() in KEEP}
    finally:
        _cleanup(ng)
    return {"vectors": vectors, "log": log, "raised": raised}


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
    """Would ``compactmodel.ngspice.run_netlist`` return this run (True) or raise (False)?

    Mirrors run_netlist: a run PySpice did not flag is accepted unless ngspice's log reports a
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


def _serve(fd_in: int, fd_out: int) -> None:  # pragma: no cover - runs in the child process
    """Child side of :class:`NgspiceProcess`: pickled decks in, pickled :func:`raw_run` results out."""
    import pickle

    with os.fdopen(fd_in, "rb") as rin, os.fdopen(fd_out, "wb") as wout:
        while True:
            try:
                deck = pickle.load(rin)
            except EOFError:
                return
            if deck is None:
                return
            try:
                msg = ("ok", raw_run(deck))
            except Exception as exc:  # noqa: BLE001
                msg = ("error", f"{type(exc).__name__}: {exc}")
            pickle.dump(msg, wout)
            wout.flush()


class NgspiceProcess:
    """ngspice (``compactmodel.ngspice.run_netlist``) in a child process, with a time limit per run.

    libngspice cannot be interrupted from Python, so a run that exceeds its limit is ended by
    killing the child (the one this object started, by its handle); the next run starts a new
    one. The child is a plain ``python -c`` subprocess talking over two pipes, so it works from
    any caller (scripts without a ``__main__`` guard, pool workers).
    """

    def __init__(self):
        self._proc = None
        self._r = self._w = None
        self.restarts = 0

    def _start(self) -> None:
        import subprocess
        import sys

        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        code = "import sys; from compactmodel.qa import _serve; _serve(int(sys.argv[1]), int(sys.argv[2]))"
        self._proc = subprocess.Popen([sys.executable, "-c", code, str(to_child_r), str(from_child_w)],
                                      pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self._w = os.fdopen(to_child_w, "wb")
        self._r = os.fdopen(from_child_r, "rb")

    def run(self, deck: str, timeout: float) -> dict:
        """:func:`raw_run` of the deck in the child; raises ``SimulationError`` on a timeout or a dead child."""
        import pickle
        import select

        from .ngspice import SimulationError

        if self._proc is None or self._proc.poll() is not None:
            self.close()
            self._start()
        try:
            pickle.dump(deck, self._w)
            self._w.flush()
        except BrokenPipeError:
            self.close(kill=True)
            raise SimulationError("ngspice process died") from None
        ready, _, _ = select.select([self._r], [], [], timeout)
        if not ready:
            self.close(kill=True)
            self.restarts += 1
            raise SimulationError(f"timeout: no result within {timeout:g} s (ngspice still in its convergence aids)")
        try:
            status, payload = pickle.load(self._r)
        except (EOFError, pickle.UnpicklingError):
            self.close(kill=True)
            raise SimulationError("ngspice process died") from None
        if status != "ok":
            raise SimulationError(payload)
        return payload

    def close(self, kill: bool = False) -> None:
        if self._proc is None:
            return
        try:
            if kill:
                self._proc.kill()
            else:
                try:
                    import pickle

                    pickle.dump(None, self._w)
                    self._w.flush()
                except (BrokenPipeError, OSError, ValueError):
                    pass
            try:
                self._proc.wait(5)
            except Exception:  # noqa: BLE001
                self._proc.kill()
                self._proc.wait(5)
        finally:
            for f in (self._r, self._w):
                try:
                    f.close()
                except Exception:  # noqa: BLE001
                    pass
            self._proc = self._r = self._w = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close(kill=True)
        except Exception:  # noqa: BLE001
            pass


_RUNNER: NgspiceProcess | None = None


def runner() -> NgspiceProcess:
    """The process-wide :class:`NgspiceProcess` (started on first use)."""
    global _RUNNER
    if _RUNNER is None:
        _RUNNER = NgspiceProcess()
    return _RUNNER


# ------------------------------------------------------------------------------ runs


def _deck_for(analysis: str, qs: QASet, nseg: int, temp_c: float, options: str, library,
              tmax_fraction: float = TRAN_TMAX) -> str:
    if analysis == "dc_open":
        return dc_deck(qs, nseg, temp_c, True, options, library)
    if analysis == "dc_closed":
        return dc_deck(qs, nseg, temp_c, False, options, library)
    if analysis == "ac":
        return ac_deck(qs, nseg, temp_c, options, library)
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


def _summary_log(log: Sequence[str]) -> str:
    """The informative lines of an ngspice log (notes on convergence aids, warnings, errors), deduplicated."""
    import re

    keep = []
    for ln in log:
        s = re.sub(r"Trying gmin =\s*\S+\s*", "", ln).strip()
        if s and s not in keep and any(w in s.lower() for w in ("error", "warning", "stepping", "transient op", "aborted", "singular", "too small")):
            keep.append(s)
    return "; ".join(keep)[:1500]


def run_case(qs: QASet, analysis: str, nseg: int, temp_c: float, options: str = "", library=None,
             ng: NgspiceProcess | None = None, tmax_fraction: float = TRAN_TMAX) -> dict:
    """One ngspice run of :func:`raw_run` in the :class:`NgspiceProcess`.

    Returns ``{"ok", "status", "runner_ok", "error", "seconds", "out", "deck"}``: ``status`` is
    :func:`classify`'s verdict (or ``timeout``), ``ok`` = converged (status in
    :data:`CONVERGED`) with finite outputs (a transient must reach its end); ``runner_ok`` is
    what ``compactmodel.ngspice.run_netlist`` would have said. The deck is kept when not ok.
    """
    deck = _deck_for(analysis, qs, nseg, temp_c, options, library, tmax_fraction)
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
            rec["log"] = _summary_log(res["log"])
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
            rec["error"] = f"{rec['status']}: {_summary_log(res['log']) or res.get('raised')}"
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

    With ``tmax_fraction`` None: :func:`compactmodel.stepping.converge_tmax` from
    :data:`TRAN_TMAX` tau_s, halving until V(wn) and V(p,n) move by under :data:`STEP_RTOL`
    (every run at ``options``). The record is the finest run's, plus ``step_history``
    ([tmax / tau_s, change] per halving), ``step_converged`` and ``step_runs`` (runs made, all
    of which converged if the record is ok). With a number: one run at that step.
    """
    from .stepping import converge_tmax

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


def _strip(rec: dict) -> dict:
    """Drop the arrays (keys starting with '_') so a record is small and JSON-serialisable."""
    rec = dict(rec)
    rec["out"] = {k: v for k, v in rec.get("out", {}).items() if not k.startswith("_")}
    return rec


# ------------------------------------------------------------------------------ continuity


@dataclass
class JumpResult:
    """Largest jump of a derivative along a sweep, relative to that derivative's scale.

    ``coarse``: between neighbouring points of the base grid; ``refined``: across the worst
    candidate intervals after bisecting them (a discontinuity keeps its jump however short the
    interval, a continuous derivative's change shrinks with it); ``location``: x of the worst
    refined interval; ``ok``: refined <= the limit.
    """

    coarse: float
    refined: float
    location: float
    ok: bool
    evaluations: int = 0


def _normalised_diff(va: np.ndarray, vb: np.ndarray, scale: np.ndarray) -> float:
    return float(np.max(np.abs(vb - va) / scale))


def derivative_jumps(fun: Callable[[float], np.ndarray], xs: Sequence[float], *, candidates: int = 3,
                     levels: int = 32, limit: float = JUMP_LIMIT, rel_floor: float = 1e-9) -> JumpResult:
    """Look for discontinuities of derivative values ``fun(x)`` (an array, e.g. a Jacobian) along ``xs``.

    ``fun(x)`` returns a 2-D array (rows x entries) or a 1-D array (one row). Each entry is
    scaled by its largest |value| seen (on the grid and during the refinement: a narrow
    continuous peak that the grid misses must not count as a jump) plus ``rel_floor`` x the
    largest of its row: an entry a billion times below its row's largest does not matter to
    Newton, and the slip-rate rows (exponentials of arguments ~1e3, with cancellation) carry
    round-off of ~1e-16 of their terms in such entries. The ``candidates`` intervals with the
    largest scaled change, and those whose change stands out most from their neighbours'
    (the smooth expectation), are bisected ``levels`` times, keeping the half with the larger
    change, down to 1e-13 of the sweep span.
    """
    xs = np.asarray(xs, dtype=float)
    vals = [np.atleast_2d(np.asarray(fun(float(x)), dtype=float)) for x in xs]
    arr = np.stack(vals)  # (points, rows, entries)
    ent = np.max(np.abs(arr), axis=0)

    def scale_of(e: np.ndarray) -> np.ndarray:
        return e + rel_floor * np.max(e, axis=1, keepdims=True) + 1e-300

    scale = scale_of(ent)
    d = np.max(np.abs(np.diff(arr, axis=0)) / scale, axis=(1, 2))  # per interval
    pad = np.concatenate([[0.0], d, [0.0]])
    excess = d / (np.maximum(pad[:-2], pad[2:]) + 1e-300)
    picks = list(dict.fromkeys([int(k) for k in np.argsort(-d)[:candidates]] + [int(k) for k in np.argsort(-excess)[:candidates]]))
    span = float(xs[-1] - xs[0])
    finals, evals = [], len(xs)
    for k in picks:
        a, b = float(xs[k]), float(xs[k + 1])
        fa, fb = vals[k], vals[k + 1]
        for _ in range(levels):
            if b - a <= 1e-13 * max(abs(span), abs(a), abs(b)):
                break
            c = 0.5 * (a + b)
            fc = np.atleast_2d(np.asarray(fun(c), dtype=float))
            evals += 1
            ent = np.maximum(ent, np.abs(fc))
            scale = scale_of(ent)
            if _normalised_diff(fa, fc, scale) >= _normalised_diff(fc, fb, scale):
                b, fb = c, fc
            else:
                a, fa = c, fc
        finals.append((fa, fb, 0.5 * (a + b)))
    worst, where = 0.0, float(xs[0])
    for fa, fb, x in finals:  # judged against every value seen
        jump = _normalised_diff(fa, fb, scale)
        if jump > worst:
            worst, where = jump, x
    return JumpResult(float(np.max(d)) if len(d) else 0.0, worst, where, worst <= limit, evals)


def _as_columns(y) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    return y[:, None] if y.ndim == 1 else y


def sampled_kinks(run: Callable[[float, float, int], tuple[np.ndarray, np.ndarray]], x0: float, x1: float,
                  points: int = 201, levels: int = 3, zoom: float = 10.0, limit: float = 0.05,
                  resolution: float = 1e-6) -> JumpResult:
    """Kinks (derivative jumps) of simulated curves y(x), judged by refining the sweep.

    ``run(a, b, n)`` returns ``(x, Y)`` sampled at n points from a to b (Y: points x curves, e.g.
    an ngspice ``.dc`` sweep). At an interior point the measure is the change of the one-sided
    slopes |y'_+ - y'_-| divided by the curve's slope scale: max |y'| on the base sweep, at least
    ``resolution`` x max |y| per sweep span. A curve flatter than that (a change of under
    ``resolution`` of its value over the whole sweep, 1e-6 = the reltol of :data:`TIGHT_OPTIONS`)
    is below what the DC solver resolves, and its slope changes are Newton noise, not kinks. Around the worst point the sweep is repeated
    ``levels`` times, each ``zoom``-fold finer. A kink keeps its measure at every level; a
    smooth curve's falls with the step (|y''| h) and solver noise grows as the step shrinks
    (noise/h), so ``refined`` is the smallest of the levels' measures and ``limit`` applies to it.
    """
    x, y = run(x0, x1, points)
    y = _as_columns(y)
    slope = np.diff(y, axis=0) / np.diff(x)[:, None]
    scale = np.max(np.abs(slope), axis=0) + resolution * np.max(np.abs(y), axis=0) / abs(x1 - x0) + 1e-300
    kink = np.max(np.abs(np.diff(slope, axis=0)) / scale, axis=1)
    coarse = float(np.max(kink)) if len(kink) else 0.0
    center, h = float(x[int(np.argmax(kink)) + 1]), float(x[1] - x[0])
    evals, refined = 1, coarse
    for _ in range(levels):
        h /= zoom
        xr, yr = run(center - 10 * h, center + 10 * h, 21)
        sr = np.diff(_as_columns(yr), axis=0) / np.diff(xr)[:, None]
        kr = np.max(np.abs(np.diff(sr, axis=0)) / scale, axis=1)
        refined = min(refined, float(np.max(kr)))
        center = float(xr[int(np.argmax(kr)) + 1])
        evals += 1
    return JumpResult(coarse, refined, center, refined <= limit, evals)


class VerilogAModel:
    """The shipped Verilog-A module through OpenVAF's front end (``openvaf_py.run_init_eval``).

    :meth:`evaluate` returns the resistive residuals (one per DAE row, in ``self.nodes`` order)
    and the dense resistive Jacobian d residual / d node potential (``self.nodes`` columns).
    """

    def __init__(self, path: str | Path | None = None):
        import openvaf_py

        from .emit import REPO_ROOT, VA_PATH
        from .lumped import section_fractions

        self.path = Path(path) if path else REPO_ROOT / VA_PATH
        self.module = openvaf_py.compile_va(str(self.path))[0]
        self.nodes = [nd["name"] for nd in self.module.get_dae_system()["nodes"]]
        self.index = {name: i for i, name in enumerate(self.nodes)}
        self.voltages = []
        for name, kind in zip(self.module.param_names, self.module.param_kinds):
            if kind == "voltage":
                a, *b = name[2:-1].split(",")
                self.voltages.append((name, a, b[0] if b else None))
        self.nseg = sum(1 for nd in self.nodes if nd.startswith("tw"))
        self.fractions = [float(f) for f in section_fractions(self.nseg)]
        self._pattern = None

    def evaluate(self, params: Mapping[str, float], pot: Mapping[str, float], temperature: float):
        inputs = dict(params, mfactor=1.0)
        inputs["$temperature"] = temperature
        for name, a, b in self.voltages:
            inputs[name] = pot.get(a, 0.0) - (pot.get(b, 0.0) if b else 0.0)
        res, jac = self.module.run_init_eval(inputs)
        r = np.fromiter((x[0] for x in res), float, len(res))
        if self._pattern is None or len(self._pattern[0]) != len(jac):
            self._pattern = (np.array([x[0] for x in jac]), np.array([x[1] for x in jac]))
        J = np.zeros((len(r), len(self.nodes)))
        J[self._pattern] = np.fromiter((x[2] for x in jac), float, len(jac))
        return r, J


@lru_cache(maxsize=2)
def _va_model(path: str | None = None) -> VerilogAModel:
    return VerilogAModel(path)


def _va_state(model: VerilogAModel, p: Mapping[str, float], temperature: float, nub: float, nug: float,
              vgate: float, port_volts: float = 0.0) -> dict[str, float]:
    """Node potentials with the wire at winding density ``nub`` and the gated section at ``nug``
    (each in units of the wire's Landau limit), gate at ``vgate`` [V], V(p,n) ``port_volts`` above
    the spin-motive force (port current port_volts/rw) and small fixed rotation rates."""
    fani = max(0.001, p["tcani"] * (temperature + p["dtemp"] - p["tnom"]) + 1.0)
    kc0 = math.sqrt(2.0 * p["kani"] / p["stiff"])
    wire = nub * kc0 * p["len"] * math.sqrt(fani) / (2 * math.pi)  # turns
    gate = nug * kc0 * p["lgate"] * math.sqrt(fani) / (2 * math.pi)
    pot = {f"tw{k + 1}": f * wire for k, f in enumerate(model.fractions)}
    pot["wr"] = wire + gate
    for j in range(model.nseg + 1):
        pot[f"om{j}"] = 1e-3 * math.sin(1.7 * j + 0.3)  # small rotation rates (they enter linearly)
    tau = p["len"] * math.sqrt(p["chi"] / p["stiff"])
    emf = 2 * math.pi * p["theta"] / tau * (pot["om0"] - pot[f"om{model.nseg}"])
    pot["p"], pot["n"] = emf + port_volts, 0.0
    pot["gate"] = vgate
    pot["wn"], pot["lnd"] = wire, nub / math.sqrt(fani)
    return pot


#: The Verilog-A sweeps: name -> (swept quantity, start, stop, fixed state). ``vg`` is in units of
#: vgon, ``nub``/``nug`` in units of the Landau limit, ``ipn`` in units of 0.1 mA of port current.
VA_SWEEPS = {
    "gate 0.9..1.3 vgon, gate twist 0.1": ("vg", 0.9, 1.3, {"nub": 0.5, "nug": 0.1}),
    "gate 0.9..1.3 vgon, gate twist -0.3": ("vg", 0.9, 1.3, {"nub": -0.3, "nug": -0.3}),
    "wire twist through 0 and +-Landau, gate closed": ("nub", -1.5, 1.5, {"nug": 0.2, "vg": 0.0}),
    "wire twist through 0 and +-Landau, gate open": ("nub", -1.5, 1.5, {"nug": 0.0, "vg": 1.2}),
    "gate twist through 0 and +-Landau, gate closed": ("nug", -1.5, 1.5, {"nub": 0.4, "vg": 0.0}),
    "gate twist through 0 and its Landau limit, 0.95 vgon": ("nug", -0.3, 0.3, {"nub": 0.4, "vg": 0.95}),
    "port current through zero": ("ipn", -1.0, 1.0, {"nub": 0.3, "nug": 0.1, "vg": 1.2}),
}


def va_continuity(params: Mapping[str, float], temperature: float = 300.15, points: int = 121,
                  fd_every: int = 6, sweeps: Iterable[str] | None = None, model: VerilogAModel | None = None) -> dict:
    """Derivative continuity of the Verilog-A module along :data:`VA_SWEEPS`.

    For each sweep: :func:`derivative_jumps` on the whole Jacobian (every row and column), and
    the Jacobian's directional derivative along the sweep against central finite differences of
    the residuals, on every ``fd_every``-th point. The FD error of a row is the smaller of those
    at steps 1e-6 and 1e-4 of the sweep span (truncation vs round-off), relative to the row's
    scale: the largest sum of |terms| of its directional derivative along the sweep, plus the
    round-off of the difference quotient (1e-10 of |residual| / step); rows that do not depend
    on the swept quantity are skipped. Grids are offset by 0.618 of a step so no point sits
    exactly on 0 or +-1; the jump search bisects its candidates 40 times (to ~1e-13 of the span).
    """
    model = model or _va_model()
    p = dict(params)
    vgon, rw = p["vgon"], p["rw"]
    out = {}
    for name in (sweeps if sweeps is not None else VA_SWEEPS):
        what, x0, x1, fixed = VA_SWEEPS[name]
        state = {"nub": 0.0, "nug": 0.0, "vg": 0.0, "ipn": 0.0}
        state.update(fixed)

        def potentials(x: float) -> dict:
            s = dict(state)
            s[what] = x
            return _va_state(model, p, temperature, s["nub"], s["nug"], s["vg"] * vgon, s["ipn"] * 1e-4 * rw)

        base, ones = potentials(x0), potentials(x0 + 1.0)  # affine in x: the direction per unit x
        direction = np.zeros(len(model.nodes))
        for node, v in ones.items():
            if node in model.index:
                direction[model.index[node]] = v - base.get(node, 0.0)

        seen: dict[float, np.ndarray] = {}

        def jac(x: float) -> np.ndarray:
            J = model.evaluate(p, potentials(x), temperature)[1]
            seen[x] = J
            return J

        step = (x1 - x0) / (points - 1)
        xs = x0 + step * (np.arange(points - 1) + 0.5 * (math.sqrt(5) - 1))
        jr = derivative_jumps(jac, xs, candidates=2, levels=40)
        # cancellation scale of each row: the largest sum of |terms| of its directional derivative
        mag = np.max(np.stack([np.abs(J) @ np.abs(direction) for J in seen.values()]), axis=0)
        pts = xs[::fd_every]
        jd, res, fds = [], [], {1e-6: [], 1e-4: []}
        for x in pts:
            r, J = model.evaluate(p, potentials(x), temperature)
            jd.append(J @ direction)
            res.append(np.abs(r))
            for rel in fds:
                h = rel * (x1 - x0)
                rp = model.evaluate(p, potentials(x + h), temperature)[0]
                rm = model.evaluate(p, potentials(x - h), temperature)[0]
                fds[rel].append((rp - rm) / (2 * h))
        jd, res = np.array(jd), np.array(res)
        # each step's error relative to the row's scale plus the round-off of its difference
        # quotient (1e-10 of the residual: the slip rates are exponentials of arguments ~1e3)
        err = np.minimum(*(np.abs(np.array(v) - jd) / (mag + 1e-10 * res / (rel * (x1 - x0)) + 1e-300) for rel, v in fds.items()))
        active = mag > 0
        err = err[:, active]
        worst = np.unravel_index(int(np.argmax(err)), err.shape) if err.size else (0, 0)
        out[name] = {
            "coarse": jr.coarse, "refined": jr.refined, "location": jr.location, "ok": bool(jr.ok),
            "fd_max": float(np.max(err)) if err.size else 0.0,
            "fd_p99": float(np.percentile(err, 99)) if err.size else 0.0,
            "fd_worst": (float(pts[worst[0]]), [n for n, a in zip(model.nodes, active) if a][worst[1]]) if err.size else None,
            "evaluations": jr.evaluations + len(pts) * 5,
        }
    return out


#: ngspice .dc sweeps of :func:`subckt_continuity`.
SUBCKT_SWEEPS = ("gate 0.9..1.3 vgon", "current through zero, gate open", "current through zero, gate closed")


def subckt_continuity(qs: QASet, nseg: int = 48, temp_c: float = 27.0, library=None, points: int = 201,
                      options: str = TIGHT_OPTIONS, sweeps: Iterable[str] = SUBCKT_SWEEPS,
                      ng: NgspiceProcess | None = None) -> dict:
    """ngspice ``.dc`` sweeps, each checked by :func:`sampled_kinks` on V(wn) and V(p):
    V(gate) from 1.3 down to 0.9 vgon with the DC current, and the port current from -I to I
    through zero with the gate open and closed.

    The sweeps run with :data:`TIGHT_OPTIONS` so the numerical derivative is not Newton noise.
    A sweep that does not converge with them is rerun at ngspice's defaults and judged there,
    with the kink resolution set to the default reltol, 1e-3 (recorded as ``fallback``); one
    that fails at the defaults too is recorded (``converged`` False) and not judged.
    """
    vgon, i0 = qs.params["vgon"], qs.current
    cases = {
        "gate 0.9..1.3 vgon": ("Vg", 0.9 * vgon, 1.3 * vgon, None),
        "current through zero, gate open": ("I1", -i0, i0, open_voltage(vgon)),
        "current through zero, gate closed": ("I1", -i0, i0, 0.0),
    }
    from .ngspice import SimulationError

    ng = ng or runner()
    out = {}
    for name in sweeps:
        src, a, b, gate = cases[name]
        decks, statuses = [], []

        def run(lo: float, hi: float, n: int, options: str):
            # the gate sweep runs from open towards closed (continuation from the easy side)
            start, stop = (hi, lo) if src == "Vg" else (lo, hi)
            stepv = (stop - start) / (n - 1)
            deck = dc_sweep_deck(qs, nseg, temp_c, src, start, stop + 0.5 * stepv, stepv, gate=gate,
                                 options=options, library=library)
            decks.append(deck)
            res = ng.run(deck, TIMEOUTS["dc"])
            status = classify(res, ("wn", "p"))
            statuses.append(status)
            if status not in CONVERGED:
                raise SimulationError(f"{status}: {_summary_log(res['log']) or res.get('raised')}")
            vec = res["vectors"]
            x = np.real(vec["v-sweep"] if "v-sweep" in vec else vec["i-sweep"])
            y = np.column_stack([np.real(vec["wn"]), np.real(vec["p"])])
            order = np.argsort(x)
            x, y = x[order], y[order]
            keep = (x >= lo - 1e-9 * abs(hi - lo)) & (x <= hi + 1e-9 * abs(hi - lo))
            return x[keep], y[keep]

        t0 = time.perf_counter()
        first_error = None
        attempts = [(options, 1e-6)] + ([("", 1e-3)] if options else [])  # (options, kink resolution)
        for attempt_options, resolution in attempts:
            try:
                jr = sampled_kinks(partial(run, options=attempt_options), a, b, points, resolution=resolution)
            except Exception as exc:  # noqa: BLE001
                first_error = first_error or f"{type(exc).__name__}: {exc}"[:400]
                continue
            out[name] = {"converged": True, "coarse": jr.coarse, "refined": jr.refined, "location": jr.location,
                         "ok": bool(jr.ok), "aids": sorted(set(statuses) - {"direct"}), "seconds": time.perf_counter() - t0,
                         "fallback": attempt_options != options}
            if attempt_options != options:
                out[name]["error"] = first_error
            break
        else:
            out[name] = {"converged": False, "ok": None, "error": first_error, "deck": decks[-1] if decks else None,
                         "seconds": time.perf_counter() - t0}
    return out


# ------------------------------------------------------------------------------ one set


def full_grid(nsegs: Sequence[int] = NSEGS, temperatures: Sequence[float] = TEMPERATURES_C) -> tuple:
    """Every (nseg, temperature [C]) pair."""
    return tuple((k, float(t)) for k in nsegs for t in temperatures)


def rotate(seq: Sequence, index: int, count: int, salt: int = 0) -> list:
    """``count`` consecutive entries of ``seq`` for set ``index``: over len(seq)/count sets
    every entry is used once (``salt`` shifts the pattern, so different checks land on
    different entries for the same set)."""
    if count <= 0 or not seq:
        return []
    if count >= len(seq):
        return list(seq)
    start = (index * count + salt) % len(seq)
    return [seq[(start + j) % len(seq)] for j in range(count)]


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
    ``library``: the file with the generated nseg 1 and 2.
    """

    grid: tuple = full_grid()
    dc_closed_per_set: int | None = 1
    tran_per_set: int | None = 1
    tight_per_set: int = 1
    tight_every: int = 2
    tight_nsegs: tuple = (1, 2, 4, 8, 16)
    va_per_set: int = 1
    va_points: int = 121
    subckt_every: int = 4
    subckt_nseg: int = 48
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
            rec["runs"].append(_strip(r))
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
        # Since the ring leak (lumped.RING_LEAK_TIME) every closed-gate .op of the matrix is direct.
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
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    bar = None
    if progress:
        from tqdm import tqdm

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
