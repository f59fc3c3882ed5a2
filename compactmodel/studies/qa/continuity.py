"""QA matrix, part 5: derivative continuity, of the Verilog-A Jacobian (OpenVAF's front end) and of
the subcircuit's ``.dc`` sweeps."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from ...library import numeric_model, verilog_a_path
from ...physics.gate import open_voltage
from ...sim.ngspice import SimulationError
from ...symbolic.lumped import section_fractions
from .cases import TIGHT_OPTIONS
from .decks import dc_sweep_deck
from .runner import CONVERGED, TIMEOUTS, NgspiceProcess, classify, runner, summary_log
from .sampling import QASet

__all__ = ["JUMP_LIMIT", "JumpResult", "derivative_jumps", "sampled_kinks", "VerilogAModel", "VA_SWEEPS", "va_continuity",
           "SUBCKT_SWEEPS", "subckt_continuity"]

#: Derivative-continuity limit: a jump left after refinement, relative to the entry's scale.
JUMP_LIMIT = 1e-3


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
        import openvaf_py  # optional (test extra): OpenVAF's front end

        self.path = Path(path) if path else verilog_a_path("spin_battery")
        self.module = openvaf_py.compile_va(str(self.path))[0]
        self.nodes = [nd["name"] for nd in self.module.get_dae_system()["nodes"]]
        self.index = {name: i for i, name in enumerate(self.nodes)}
        self.voltages = []
        for name, kind in zip(self.module.param_names, self.module.param_kinds):
            if kind == "voltage":
                a, *b = name[2:-1].split(",")
                self.voltages.append((name, a, b[0] if b else None))
        #: the numeric twin of the module's model (its states and spin-motive force)
        self.twin = numeric_model(self.module.name)
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
    the spin-motive force (port current port_volts/rw) and small fixed values of every other state
    (they enter linearly). The wire's twist is spread over its sections by length (sectioned
    models) or held by the spin capacitor ``tw`` (the modal model)."""
    twin = model.twin
    fani = max(0.001, p["tcani"] * (temperature + p["dtemp"] - p["tnom"]) + 1.0)
    kc0 = math.sqrt(2.0 * p["kani"] / p["stiff"])
    wire = nub * kc0 * p["len"] * math.sqrt(fani) / (2 * math.pi)  # turns
    gate = nug * kc0 * p["lgate"] * math.sqrt(fani) / (2 * math.pi)
    pot = {name: 1e-3 * math.sin(1.7 * j + 0.3) for j, name in enumerate(twin.STATES)}
    if twin.KIND == "sectioned":
        pot.update({f"tw{k + 1}": f * wire for k, f in enumerate(section_fractions(twin.NSEG))})
    else:
        pot["tw"] = wire
    pot["wr"] = wire + gate
    emf = float(twin.emf(twin.constants(p), [pot[name] for name in twin.STATES])[0])
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
                raise SimulationError(f"{status}: {summary_log(res['log']) or res.get('raised')}")
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
