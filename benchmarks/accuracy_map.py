#!/usr/bin/env python
"""Accuracy map of the spin-battery compact model.

For the shipped default (the modal network, 20 states), for graded sections nseg = 1 .. 128
and for every regime (g / sqrt(A chi), alpha) this measures

* the port impedance Z - rw of the ngspice subcircuit against the exact continuum closed form
  (``compactmodel.symbolic.continuum.exact_port_impedance``): max relative error up to u/(2L) and up to
  u/L, the low-frequency error (at f = 1e-4 u/L) and the DC error (winding at a DC current,
  ``.op``, against eq. 7);
* a charging transient (gate open, current ramp into the port; twist vs time, max over time
  normalised by the final twist vartheta I L / A) and a release transient (gate open, battery
  charged in the steady state of a Norton source = current source || matched load; the source
  is ramped to zero; stored energy vs time normalised by the initial energy) against the
  distributed reference ``compactmodel.verify.reference`` on a fine grid. Two ramps: 20 ps (fast:
  spectrum well beyond u/L) and 2 L/u (band-limited: first spectral null at u/(2L)).

The transient errors per nseg are those of the *lumped equations themselves* (the SymPy model
the subcircuit is printed from, solved exactly with matrix exponentials), so they measure the
sectioning only. For the default nseg the same transients also run in ngspice, with tight
(reltol = 1e-5) and default (reltol = 1e-3) time-step control, to show ngspice's own error.

Outputs: docs/accuracy_map.json (cache), docs/accuracy_map.md (tables), docs/accuracy_map.png.

    python benchmarks/accuracy_map.py             # measure (about 5-8 min on 2 cores), write all
    python benchmarks/accuracy_map.py --plot-only # redraw table and figure from the JSON cache
"""

from __future__ import annotations

import os

if __name__ == "__main__":
    for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_v, "1")  # one BLAS thread per worker process (set before numpy loads)

import argparse
import datetime as _dt
import json
import math
import multiprocessing as mp
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from compactmodel.physics.gate import open_voltage  # noqa: E402

import bench_common as bc  # noqa: E402

#: The shipped default model: the modal network (compactmodel.symbolic.modal).
DEFAULT_NSEG = "modal"

NSEGS = (1, 2, 4, 8, 16, 32, 48, 64, 128)
UNIFORM_NSEGS = (32, 48, 128)  # uniform sections, port impedance only: what the grading buys
G_RATIOS = (0.1, 0.3, 1.0, 3.0, 10.0)
ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1)
REF_CELLS = (512, 256)  # truth, grid check
RW = 1e-3  # ohm, as for the port impedance
I0 = 1e-4  # A (linear model: the value only sets the scale)
FAST_RAMP = 20e-12  # s
TIGHT = ".options reltol=1e-5"
DEFAULT_TOL = ""
AC_PPD = 40
TARGET_AC = 0.01
TARGET_DC = 1e-3

DOCS = ROOT / "docs"
JSON_PATH = DOCS / "accuracy_map.json"
MD_PATH = DOCS / "accuracy_map.md"
PNG_PATH = DOCS / "accuracy_map.png"

_LUMPED: dict[int, bc.LumpedLinear] = {}
_CFG: dict = {}


# ----------------------------------------------------------------------------------- one regime
def _ac_errors(lib, p, nseg):
    from compactmodel.sim.ngspice import run_netlist

    u = math.sqrt(p["stiff"] / p["chi"])
    f_l = u / p["len"]
    v = run_netlist(bc.ac_deck(lib, p, nseg, 1e-4 * f_l, f_l, AC_PPD))
    f = np.real(v["frequency"])
    zm = v["p"] - p["rw"]
    err = np.abs(zm / bc.exact_zm(p, f) - 1)
    half = f <= 0.5 * f_l * (1 + 1e-9)
    op = run_netlist(bc.op_deck(lib, p, nseg, I0))
    wn_exact = p["theta"] * I0 * p["len"] / (2 * math.pi * p["stiff"])
    return {
        "ac_half": float(err[half].max()),
        "ac_full": float(err.max()),
        "lf": float(err[0]),
        "f_lf": float(f[0]),
        "dc": float(abs(np.real(op["wn"][0]) / wn_exact - 1)),
    }


def _ngspice_charge(lib, p, nseg, tr, t_end, options, spline, th_inf):
    from compactmodel.sim.ngspice import run_netlist

    tau = bc.transit_time(p)
    t0 = time.perf_counter()
    v = run_netlist(bc.charge_deck(lib, p, nseg, I0, tr, t_end, min(tau / 10, tr / 2), options))
    wall = time.perf_counter() - t0
    t = np.real(v["time"])
    tw = 2 * math.pi * np.real(v["wn"])
    return {"err": float(np.max(np.abs(tw - spline(t))) / th_inf), "points": int(len(t)), "wall": wall}


def _ngspice_release(lib, p, nseg, tr, t_end, options, spline, e0, r_load):
    from compactmodel.sim.ngspice import run_netlist

    ll = _LUMPED[nseg]
    tau = bc.transit_time(p)
    t0 = time.perf_counter()
    v = run_netlist(bc.release_deck(lib, p, nseg, I0, r_load, tr, t_end, min(tau / 10, tr / 2), options))
    wall = time.perf_counter() - t0
    t = np.real(v["time"])
    states = np.array([np.real(v["x1." + name]) for name in ll.state_names()])
    e = ll.energies(p, np.real(v["p"]), np.real(v["gate"]), states)["stored_energy"]
    return {"err": float(np.max(np.abs(e - spline(t))) / e0), "points": int(len(t)), "wall": wall}


def _transients(lib, p, ramp_name, tr):
    from scipy.interpolate import CubicSpline

    cfg = _CFG
    tau, t_el = bc.transit_time(p), bc.elmore_time(p)
    t_end = max(40 * tau, 8 * t_el) + tr
    fine_dt = min(tr / 10, 5e-12)
    segs = bc.default_segments(tr, t_end, fine_dt, 2000, fine_until=min(t_end, max(3e-9, tr + 12 * tau)))
    th_inf = p["theta"] * I0 * p["len"] / p["stiff"]
    r_load = bc.matched_load(p)
    i_port0 = I0 * r_load / (r_load + p["rw"])
    th0 = p["theta"] * i_port0 * p["len"] / p["stiff"]
    e0 = p["stiff"] * th0**2 / (2 * p["len"])
    out = {"t_end": t_end, "ramp": tr, "r_load": r_load, "charge": {}, "release": {}}

    # distributed reference: truth and grid check
    ref_c, ref_r = {}, {}
    for n_cells in cfg["ref_cells"]:
        rl = bc.ReferenceLinear(p, n_cells)
        t, tw, _ = rl.run(np.zeros(rl.ss.size), [0, tr], [0, I0], segs)
        ref_c[n_cells] = tw
        rn = bc.ReferenceLinear(p, n_cells, r_load=r_load)
        t, _, en = rn.run(rn.steady_state(th0), [0, tr], [I0, 0], segs)
        ref_r[n_cells] = en
    fine, coarse = cfg["ref_cells"]
    out["charge"]["ref_grid_err"] = float(np.max(np.abs(ref_c[fine] - ref_c[coarse])) / th_inf)
    out["release"]["ref_grid_err"] = float(np.max(np.abs(ref_r[fine] - ref_r[coarse])) / e0)
    out["charge"]["ref_final"] = float(ref_c[fine][-1] / th_inf)
    out["release"]["ref_final"] = float(ref_r[fine][-1] / e0)

    # lumped equations, solved exactly on the same nodes
    lc, lr = {}, {}
    for nseg in cfg["models"]:
        ll = _LUMPED[nseg]
        m, b = ll.system(p, "current")
        _, z = bc.propagate_pwl(m, b, np.zeros(ll.nz), [0, tr], [0, I0], segs)
        tw = ll.twist(z)
        lc[str(nseg)] = float(np.max(np.abs(tw - ref_c[fine])) / th_inf)
        q = dict(p)
        q["wn0"] = th0 / (2 * math.pi)
        m, b = ll.system(p, "norton", r_load)
        z0 = ll.initial(q)
        # charged through the open gate, the gated section holds no twist (its slips are free)
        z0[ll.state_names().index("wr")] = ll.twist(z0) / (2 * math.pi)
        rate = (m @ z0 + b * I0) * bc.transit_time(p)
        resid = np.max(np.abs(rate))
        if resid > 1e-9 * max(1.0, np.max(np.abs(z0))):
            raise AssertionError(f"release start is not a steady state (nseg {nseg}): {resid}")
        _, z = bc.propagate_pwl(m, b, z0, [0, tr], [I0, 0], segs)
        vg = np.full(z.shape[1], open_voltage(p["vgon"]))
        en = ll.energies(p, np.zeros(z.shape[1]), vg, z)["stored_energy"]
        lr[str(nseg)] = float(np.max(np.abs(en - ref_r[fine])) / e0)
    out["charge"]["lumped"] = lc
    out["release"]["lumped"] = lr

    # the default subcircuit in ngspice
    spl_c = CubicSpline(t, ref_c[fine])
    spl_r = CubicSpline(t, ref_r[fine])
    if DEFAULT_NSEG in cfg["models"] and cfg["ngspice_transients"]:
        for label, opts in (("ngspice_tight", TIGHT), ("ngspice_default", DEFAULT_TOL)):
            try:
                out["charge"][label] = _ngspice_charge(lib, p, DEFAULT_NSEG, tr, t_end, opts, spl_c, th_inf)
            except Exception as exc:  # report, do not abort the map
                out["charge"][label] = {"err": float("nan"), "error": str(exc)[:300]}
            try:
                out["release"][label] = _ngspice_release(lib, p, DEFAULT_NSEG, tr, t_end, opts, spl_r, e0, r_load)
            except Exception as exc:
                out["release"][label] = {"err": float("nan"), "error": str(exc)[:300]}
    return out


def run_regime(key):
    g_ratio, alpha = key
    t0 = time.perf_counter()
    try:
        cfg = _CFG
        lib = Path(cfg["lib"])
        p = bc.regime_params(g_ratio, alpha, rw=RW)
        res = {
            "g_ratio": g_ratio,
            "alpha": alpha,
            "params": p,
            "tau_s": bc.transit_time(p),
            "tau_elmore": bc.elmore_time(p),
            "ac": {},
        }
        for nseg in cfg["models"]:
            res["ac"][str(nseg)] = _ac_errors(lib, p, nseg)
        for nseg in cfg["uniform"]:
            res["ac"][f"u{nseg}"] = _ac_errors(lib, p, f"u{nseg}")
        res["transients"] = {
            "fast": _transients(lib, p, "fast", FAST_RAMP),
            "band": _transients(lib, p, "band", 2 * bc.transit_time(p)),
        }
    except Exception:
        return {"g_ratio": g_ratio, "alpha": alpha, "failed": traceback.format_exc()}
    res["wall"] = time.perf_counter() - t0
    return res


# ----------------------------------------------------------------------------------- driver
def measure(nsegs, regimes, jobs, ref_cells, ngspice_transients=True, uniform=UNIFORM_NSEGS):
    t0 = time.perf_counter()
    models = (DEFAULT_NSEG, *nsegs)
    lib = bc.write_library(list(models) + [f"u{n}" for n in uniform])
    for n in models:
        _LUMPED[n] = bc.LumpedLinear(n)
    bc.exact_zm({"stiff": 1.0, "chi": 1.0, "damp": 0.0, "gsp": 1.0, "theta": 1.0, "len": 1.0}, np.array([1.0]))
    _CFG.update(lib=str(lib), nsegs=tuple(nsegs), models=models, uniform=tuple(uniform), ref_cells=tuple(ref_cells),
                ngspice_transients=ngspice_transients)
    t_setup = time.perf_counter() - t0
    print(f"setup (derive {len(nsegs)} models, library, lambdify): {t_setup:.1f} s; {len(regimes)} regimes on {jobs} process(es)", flush=True)
    results = []
    if jobs > 1:
        ctx = mp.get_context("fork")  # workers inherit the derived models; ngspice starts per worker
        with ctx.Pool(jobs) as pool:
            for r in pool.imap_unordered(run_regime, regimes):
                _progress(r, len(results) + 1, len(regimes))
                results.append(r)
    else:
        for key in regimes:
            r = run_regime(key)
            _progress(r, len(results) + 1, len(regimes))
            results.append(r)
    order = {k: i for i, k in enumerate(regimes)}
    results.sort(key=lambda r: order[(r["g_ratio"], r["alpha"])])
    failed = [r for r in results if "failed" in r]
    for r in failed:
        print(f"regime g/sqrt(A chi) = {r['g_ratio']}, alpha = {r['alpha']} FAILED:\n{r['failed']}", file=sys.stderr)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "compactmodel"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit, dirty = "?", ""
    meta = {
        "command": "python benchmarks/accuracy_map.py",
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "git_commit": commit + ("+local changes in compactmodel/" if dirty else ""),
        "model_fingerprint": bc.model_fingerprint(),
        "wall_time_s": time.perf_counter() - t0,
        "jobs": jobs,
        "nsegs": list(nsegs),
        "uniform_nsegs": list(uniform),
        "default_nseg": DEFAULT_NSEG,
        "default_states": _LUMPED[DEFAULT_NSEG].nz,
        "states": {str(n): _LUMPED[n].nz for n in models},
        "ref_cells": list(ref_cells),
        "rw": RW,
        "current": I0,
        "fast_ramp": FAST_RAMP,
        "band_ramp": "2 L/u",
        "tight_options": TIGHT,
        "spin_density_per_length": bc.spin_density_per_length(),
        "ac_points_per_decade": AC_PPD,
    }
    return {"meta": meta, "results": results}


def _progress(r, k, n):
    if "failed" in r:
        print(f"[{k}/{n}] g/sqrt(A chi)={r['g_ratio']:<5g} alpha={r['alpha']:<6g} FAILED", flush=True)
        return
    d = r["ac"].get(str(DEFAULT_NSEG)) or list(r["ac"].values())[-1]
    print(f"[{k}/{n}] g/sqrt(A chi)={r['g_ratio']:<5g} alpha={r['alpha']:<6g} AC(u/2L)={d['ac_half']:.2e} "
          f"({r['wall']:.1f} s)", flush=True)


# ----------------------------------------------------------------------------------- report
def _e(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.1e}"


def _flag(x, limit) -> str:
    s = _e(x)
    return f"**{s}**" if (x is not None and math.isfinite(x) and x > limit) else s


def _get(r, metric, nseg):
    """Scalar of one regime for a metric name and section count."""
    if metric in ("ac_half", "ac_full", "lf", "dc"):
        return r["ac"][str(nseg)][metric]
    kind, ramp = metric.split(":")  # e.g. "charge:fast"
    return r["transients"][ramp][kind]["lumped"][str(nseg)]


def _needed(r, metric, limit, nsegs):
    """Smallest nseg meeting the limit, or an h^2 extrapolation beyond the largest."""
    vals = [(n, _get(r, metric, n)) for n in nsegs]
    for n, v in vals:
        if v <= limit:
            return str(n)
    n, v = vals[-1]
    est = n * math.sqrt(v / limit)
    return f"~{2 ** math.ceil(math.log2(est))} (extrap.)"


def render(data) -> tuple[str, str]:
    meta, results = data["meta"], [r for r in data["results"] if "failed" not in r]
    nsegs = meta["nsegs"]
    nd = meta["default_nseg"]
    lines = []
    add = lines.append
    s_lin = meta["spin_density_per_length"]
    add("# Accuracy map of the compact model")
    add("")
    add(f"Generated by `{meta['command']}` on {meta['date']} (git {meta['git_commit']}, model sources "
        f"{meta['model_fingerprint']}); measured in {meta['wall_time_s']:.0f} s with {meta['jobs']} worker process(es). "
        "`--plot-only` redraws this file and the figure from `docs/accuracy_map.json`.")
    add("")
    add("## What is compared")
    add("")
    add("* **Device**: the reference device (`compactmodel.core.parameters` defaults: L = 1 um, A = 2.5e-27 J m, "
        f"chi = 1.37e-34 J s^2/m, vartheta = 3.3e-16 V s) with rw = {meta['rw']:g} ohm and two parameters swept: "
        "g = (g/sqrt(A chi)) sqrt(A chi) in {0.1, 0.3, 1, 3, 10} x sqrt(A chi), and damp = alpha s with "
        f"s = {s_lin:.4g} J s/m (the reference device's spin density times cross-section, "
        "`compactmodel.devices.materials.reference_device()`; the default damp = 2e-25 is alpha = 1.02e-4), "
        "alpha in {1e-4, 1e-3, 1e-2, 1e-1}. For scale: 1/tau_alpha = alpha s/chi is 1.4e9, 1.4e10, 1.4e11, 1.4e12 /s "
        "against u/L = 4.3e9 /s, so alpha >= 1e-3 is diffusive.")
    states = meta.get("states", {})
    add(f"* **Compact model**: subcircuits generated from the current SymPy model. The shipped default "
        f"`spin_battery` is the **modal network** (`compactmodel.symbolic.modal`, {meta.get('default_states', '?')} "
        "states: spin capacitor, 7 exact mode tanks, 3 RC tail tanks at fixed poles, series remainder). For "
        "comparison, graded finite-element sections (`compactmodel.symbolic.lumped.derive(nseg)`: vertex-centred "
        "linear elements, lumped nodal mass and Gilbert drag, sections graded by 5/4 from each contact up to 12x "
        f"the first) for nseg = {', '.join(map(str, nsegs))} (states: " +
        ", ".join(f"{n}: {states.get(str(n), '?')}" for n in nsegs) + "; `spin_battery_n48` is "
        f"shipped), and uniform sections (nseg = {', '.join(map(str, meta.get('uniform_nsegs', [])))}), port impedance only.")
    add("* **Port impedance**: ngspice `.ac` (gate open, 40 points/decade from 1e-4 u/L to u/L) against the exact "
        "continuum Z(s) - R of `compactmodel.symbolic.continuum.exact_port_impedance()`. `AC u/2L` and `AC u/L` = "
        "max |Zm/Zm_exact - 1| over f <= u/(2L) and f <= u/L (u/(2L) = 2.14 GHz); `LF` = the same at "
        "f = 1e-4 u/L (it is first order in f: the DC limit, the port inductance vartheta^2 L/A, is exact for "
        "every nseg); `DC` = |winding/eq.(7) - 1| from ngspice `.op` with 0.1 mA.")
    add("* **Transients** against the distributed reference `compactmodel.verify.reference` (cell-centred finite "
        f"volumes, independent of the lumped model) with {meta['ref_cells'][0]} cells, propagated exactly "
        "(matrix exponentials, first-order hold of the piecewise-linear drive) on a 2-5 ps grid. "
        f"`ref grid` = max difference between {meta['ref_cells'][0]} and {meta['ref_cells'][1]} cells (the "
        "reference's own error is about a third of it, second-order convergence).")
    add("  * *charge*: gate open, empty loop, current ramped 0 -> 0.1 mA, then held; max over time of "
        "|Theta - Theta_ref| / (vartheta I L/A). Run for max(40 L/u, 8 tau_Elmore).")
    add("  * *release*: gate open, a matched load R_load = vartheta^2/sqrt(A chi) - rw = 0.185 ohm across the port "
        "(its extraction damping vartheta^2/(rw + R_load) equals sqrt(A chi)) in parallel with a current source "
        "that held the battery charged in steady state; the source ramps to 0 and the battery discharges into "
        "the load; max over time of |E - E_ref| / E(0), E = twist + spin kinetic energy.")
    add("  * *fast* ramp: 20 ps (spectrum extends to ~8 u/(2L): beyond the model's band). "
        "*band* ramp: 2 L/u = 0.47 ns (first spectral null at u/(2L)).")
    add("  * Per nseg the transient errors are those of the lumped equations solved exactly (the sectioning "
        "error alone). For the default nseg the subcircuit is also run in ngspice: `tight` = `.options "
        "reltol=1e-5`, `default` = ngspice defaults (reltol = 1e-3), TMAX = min(L/(10u), ramp/2).")
    add("")

    # ---------------- verdict
    def worst(metric, nseg):
        best = max(results, key=lambda r: _get(r, metric, nseg))
        return _get(best, metric, nseg), best

    def regime(r):
        return f"g/sqrt(A chi) = {r['g_ratio']:g}, alpha = {r['alpha']:g}"

    w_half, r_half = worst("ac_half", nd)
    w_full, r_full = worst("ac_full", nd)
    w_lf, r_lf = worst("lf", nd)
    w_dc, r_dc = worst("dc", nd)
    fail_half = [r for r in results if _get(r, "ac_half", nd) > TARGET_AC]
    fail_lf = [r for r in results if max(_get(r, "lf", nd), _get(r, "dc", nd)) > TARGET_DC]
    add(f"## Verdict for the default model ({nd} network, {meta.get('default_states', '?')} states)")
    add("")
    meets = not fail_half and not fail_lf
    add(f"Target: within 1 % of the distributed physics up to u/(2L) in every regime and within 0.1 % at DC. "
        f"**{'Met' if meets else 'Not met'}.**")
    add("")
    add(f"* DC: the winding at a DC current is exact (worst {_e(w_dc)}, {regime(r_dc)}), and so "
        f"is the port inductance. The low-frequency error at 1e-4 u/L is at most {_e(w_lf)} ({regime(r_lf)}): "
        f"the 0.1 % DC target is {'met' if not fail_lf else 'not met'}.")
    if fail_half:
        add(f"* Port impedance up to u/(2L): worst {_e(w_half)} ({regime(r_half)}). "
            f"{len(fail_half)} of {len(results)} regimes exceed 1 %: " +
            "; ".join(f"{regime(r)}: {_e(_get(r, 'ac_half', nd))}"
                      for r in fail_half) + ".")
        rmax = max(results, key=lambda r: r["alpha"])
        pp = rmax["params"]
        sv = 1j * math.pi * math.sqrt(pp["stiff"] / pp["chi"]) / pp["len"]  # s = i 2 pi u/(2L)
        kabs = abs(np.sqrt((pp["chi"] * sv**2 + pp["damp"] * sv) / pp["stiff"]))
        add("  In the strongly damped (diffusive) regimes the field varies on the "
            f"length 1/|k| = |A/(chi s^2 + alpha s s)|^(1/2), which at u/(2L) and alpha = {rmax['alpha']:g} is "
            f"L/{kabs * pp['len']:.0f}.")
    else:
        add(f"* Port impedance up to u/(2L): worst {_e(w_half)} ({regime(r_half)}): within 1 % everywhere.")
    add(f"* Up to u/L the worst error is {_e(w_full)} ({regime(r_full)}).")
    uni = meta.get("uniform_nsegs", [])
    if uni:
        rmax = max(results, key=lambda r: r["alpha"])
        pp = rmax["params"]
        sv = 1j * math.pi * math.sqrt(pp["stiff"] / pp["chi"]) / pp["len"]  # s = i 2 pi u/(2L)
        kabs = abs(np.sqrt((pp["chi"] * sv**2 + pp["damp"] * sv) / pp["stiff"]))
        cmp = []
        for n in sorted(set(uni) | {n for n in nsegs if n in uni}):
            gw = max(r["ac"][str(n)]["ac_half"] for r in results) if str(n) in results[0]["ac"] else None
            uw = max(r["ac"][f"u{n}"]["ac_half"] for r in results) if f"u{n}" in results[0]["ac"] else None
            cmp.append(f"nseg {n}: graded {_e(gw)}, uniform {_e(uw)}")
        add("* Why the sectioned cross-check models are graded: in the diffusive regimes (alpha >= 1e-2) the field at u/(2L) penetrates only "
            f"1/|k| = |A/(chi s^2 + alpha s s)|^(1/2) = L/{kabs * pp['len']:.0f} (alpha = {rmax['alpha']:g}) from each "
            "contact, and uniform sections of that size are needed everywhere to resolve it. Grading puts the "
            "small sections at the contacts. Worst AC error up to u/(2L) over all regimes: " + "; ".join(cmp) + ".")
    # nseg needed for everything
    need_all = []
    for r in results:
        need_all.append(_needed(r, "ac_half", TARGET_AC, nsegs))
    add("")

    # transients summary
    def tw(kind, ramp, label):
        vals = []
        for r in results:
            d = r["transients"][ramp][kind]
            v = d["lumped"].get(str(nd)) if label == "lumped" else d.get(label, {}).get("err")
            vals.append((v if v is not None else float("nan"), r))
        vals = [x for x in vals if math.isfinite(x[0])]
        return max(vals, key=lambda x: x[0]) if vals else (float("nan"), None)

    add(f"Transients ({nd} default):")
    add("")
    for kind in ("charge", "release"):
        for ramp in ("fast", "band"):
            v, r = tw(kind, ramp, "lumped")
            vt, rt = tw(kind, ramp, "ngspice_tight")
            vd, rd = tw(kind, ramp, "ngspice_default")
            n_over = sum(1 for rr in results if rr["transients"][ramp][kind]["lumped"][str(nd)] > 0.01)
            add(f"* {kind}, {ramp} ramp: lumped equations worst {_e(v)} ({regime(r)}), {n_over} regime(s) above 1 %; "
                f"ngspice tight {_e(vt)}" + (f" ({regime(rt)})" if rt else "") +
                f"; ngspice default tolerances {_e(vd)}" + (f" ({regime(rd)})" if rd else "") + ".")
    g_ref = max(max(r["transients"][rp][k]["ref_grid_err"] for rp in ("fast", "band") for k in ("charge", "release")) for r in results)
    add(f"* The reference's grid check is at most {_e(g_ref)} (so the reference error is about {_e(g_ref / 3)}).")
    add("")
    add("Reading the transients: a 20 ps edge excites spin waves far above u/(2L); in the low-loss regimes "
        "(alpha = 1e-4 with small or large g, where the contacts reflect most of the wave) they ring for tens of "
        "transits; the modes the model drops (and the sections' dispersion) round the wave fronts, so the "
        "fast-ramp error is the largest there and converges only slowly with nseg. With an edge that respects the model's band (2 L/u) the same regimes "
        "are far more accurate. ngspice's default reltol = 1e-3 adds a time-step error of the same order "
        "(up to a few %) in the ringing regimes: use `.options reltol=1e-4` or tighter for ringing transients.")
    add("")

    # ---------------- tables
    add(f"## Default model ({nd} network) in every regime")
    add("")
    hdr = ("| g/sqrt(A chi) | alpha | AC u/2L | AC u/L | LF | DC | charge fast | ngspice tight | ngspice default "
           "| release fast | ngspice tight | ngspice default | charge band | release band | ref grid |")
    add(hdr)
    add("|" + "|".join(["---"] * (hdr.count("|") - 1)) + "|")
    for r in results:
        tf, tb = r["transients"]["fast"], r["transients"]["band"]
        grid = max(tf["charge"]["ref_grid_err"], tf["release"]["ref_grid_err"], tb["charge"]["ref_grid_err"], tb["release"]["ref_grid_err"])
        cells = [
            f"{r['g_ratio']:g}", f"{r['alpha']:g}",
            _flag(_get(r, "ac_half", nd), TARGET_AC), _e(_get(r, "ac_full", nd)),
            _flag(_get(r, "lf", nd), TARGET_DC), _flag(_get(r, "dc", nd), TARGET_DC),
            _flag(tf["charge"]["lumped"][str(nd)], 0.01),
            _flag(tf["charge"].get("ngspice_tight", {}).get("err"), 0.01),
            _flag(tf["charge"].get("ngspice_default", {}).get("err"), 0.01),
            _flag(tf["release"]["lumped"][str(nd)], 0.01),
            _flag(tf["release"].get("ngspice_tight", {}).get("err"), 0.01),
            _flag(tf["release"].get("ngspice_default", {}).get("err"), 0.01),
            _flag(tb["charge"]["lumped"][str(nd)], 0.01), _flag(tb["release"]["lumped"][str(nd)], 0.01),
            _e(grid),
        ]
        add("| " + " | ".join(cells) + " |")
    add("")
    add("Bold: above the target (1 % for AC up to u/(2L) and for transients; 0.1 % for LF and DC). "
        "`AC u/L` has no target (the model is specified up to u/(2L)).")
    add("")

    tables = [
        ("ac_half", "Port impedance, max relative error of Z - rw for f <= u/(2L)", TARGET_AC),
        ("ac_full", "Port impedance, max relative error of Z - rw for f <= u/L", None),
        ("lf", "Low-frequency error of Z - rw at f = 1e-4 u/L", TARGET_DC),
        ("dc", "DC winding error (ngspice .op vs eq. 7)", TARGET_DC),
        ("charge:fast", "Charge transient, 20 ps ramp: max |Theta - Theta_ref| / Theta_final (lumped equations)", 0.01),
        ("release:fast", "Release transient, 20 ps ramp: max |E - E_ref| / E(0) (lumped equations)", 0.01),
        ("charge:band", "Charge transient, 2 L/u ramp (lumped equations)", 0.01),
        ("release:band", "Release transient, 2 L/u ramp (lumped equations)", 0.01),
    ]
    add("## Error vs section count (graded sections; the modal default in the first column)")
    add("")
    for metric, title, limit in tables:
        add(f"### {title}")
        add("")
        add(f"| g/sqrt(A chi) | alpha | {nd} ({meta.get('default_states', '?')} states) | " + " | ".join(f"nseg {n}" for n in nsegs) + " |")
        add("|" + "|".join(["---"] * (len(nsegs) + 3)) + "|")
        for r in results:
            vals = [_get(r, metric, n) for n in (nd, *nsegs)]
            cells = [(_flag(v, limit) if limit else _e(v)) for v in vals]
            add(f"| {r['g_ratio']:g} | {r['alpha']:g} | " + " | ".join(cells) + " |")
        add("")

    add("## Section count the sectioned model would need")
    add("")
    add("Smallest nseg of the map that meets the target (beyond the largest measured: an h^2 extrapolation, "
        "rounded up to a power of two).")
    add("")
    add("| g/sqrt(A chi) | alpha | AC u/2L <= 1 % | LF <= 0.1 % | charge fast <= 1 % | release fast <= 1 % | charge band <= 1 % | release band <= 1 % |")
    add("|---|---|---|---|---|---|---|---|")
    for r in results:
        add(f"| {r['g_ratio']:g} | {r['alpha']:g} | {_needed(r, 'ac_half', TARGET_AC, nsegs)} | {_needed(r, 'lf', TARGET_DC, nsegs)} | "
            f"{_needed(r, 'charge:fast', 0.01, nsegs)} | {_needed(r, 'release:fast', 0.01, nsegs)} | "
            f"{_needed(r, 'charge:band', 0.01, nsegs)} | {_needed(r, 'release:band', 0.01, nsegs)} |")
    add("")
    add("The transient extrapolations assume h^2 convergence; the fast-ramp errors of the ringing regimes "
        "converge more slowly (see the tables), so those estimates are optimistic.")
    add("")
    add("![accuracy map](accuracy_map.png)")
    add("")
    md = "\n".join(lines)

    # console table
    con = [f"Accuracy map, default {nd} (rw = {meta['rw']:g} ohm)",
           f"{'g/sqrtAchi':>10} {'alpha':>7} {'AC<=u/2L':>9} {'AC<=u/L':>9} {'LF':>9} {'DC':>9} {'chg20ps':>9} {'ng-tight':>9} "
           f"{'ng-dflt':>9} {'rel20ps':>9} {'chg-band':>9} {'rel-band':>9}"]
    for r in results:
        tf, tb = r["transients"]["fast"], r["transients"]["band"]
        con.append(f"{r['g_ratio']:>10g} {r['alpha']:>7g} {_e(_get(r, 'ac_half', nd)):>9} {_e(_get(r, 'ac_full', nd)):>9} "
                   f"{_e(_get(r, 'lf', nd)):>9} {_e(_get(r, 'dc', nd)):>9} {_e(tf['charge']['lumped'][str(nd)]):>9} "
                   f"{_e(tf['charge'].get('ngspice_tight', {}).get('err')):>9} {_e(tf['charge'].get('ngspice_default', {}).get('err')):>9} "
                   f"{_e(tf['release']['lumped'][str(nd)]):>9} {_e(tb['charge']['lumped'][str(nd)]):>9} {_e(tb['release']['lumped'][str(nd)]):>9}")
    con.append("")
    con.append("AC error up to u/(2L) vs nseg:")
    con.append(f"{'g/sqrtAchi':>10} {'alpha':>7} " + " ".join(f"{n:>8}" for n in nsegs))
    for r in results:
        con.append(f"{r['g_ratio']:>10g} {r['alpha']:>7g} " + " ".join(f"{_e(_get(r, 'ac_half', n)):>8}" for n in nsegs))
    con.append("")
    con.append(f"Verdict ({nd}): {'MET' if meets else 'NOT MET'}; worst AC(u/2L) {_e(w_half)} at {regime(r_half)}; "
               f"worst LF {_e(w_lf)}; worst DC {_e(w_dc)}")
    return md, "\n".join(con)


def plot(data, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    meta, results = data["meta"], [r for r in data["results"] if "failed" not in r]
    nsegs = meta["nsegs"]
    nd = meta["default_nseg"]
    gs = sorted({r["g_ratio"] for r in results})
    als = sorted({r["alpha"] for r in results})
    cmap = plt.get_cmap("viridis")
    colors = {a: cmap(i / max(1, len(als) - 1)) for i, a in enumerate(als)}
    markers = dict(zip(gs, "os^Dv"))
    fig, axes = plt.subplots(2, 3, figsize=(16, 9.5))

    states = meta.get("states", {})
    x_sec = [states.get(str(n), 2 * n + 2) for n in nsegs]
    x_def = states.get(str(nd), meta.get("default_states", 20))

    def lines(ax, metric, title, limit):
        """Error vs state count: graded sections as lines, the modal default as stars."""
        for r in results:
            ax.loglog(x_sec, [max(_get(r, metric, n), 1e-12) for n in nsegs], marker=markers[r["g_ratio"]], ms=3,
                      color=colors[r["alpha"]], lw=0.8, alpha=0.6)
            ax.loglog([x_def], [max(_get(r, metric, nd), 1e-12)], marker="*", ms=9, color=colors[r["alpha"]],
                      markeredgecolor="k", markeredgewidth=0.4, ls="")
        if limit:
            ax.axhline(limit, color="r", ls="--", lw=1)
        ax.axvline(x_def, color="k", ls=":", lw=1)
        ax.set_xlabel("internal states (graded sections: 2 nseg + 2)")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)

    def heat(ax, values, title, fmt, log=True, cmap_name="magma_r", vmin=None, vmax=None):
        arr = np.array(values, dtype=float)
        from matplotlib.colors import LogNorm

        norm = LogNorm(vmin=vmin or np.nanmin(arr[arr > 0]), vmax=vmax or np.nanmax(arr)) if log else None
        im = ax.imshow(arr, cmap=cmap_name, norm=norm, origin="lower", aspect="auto")
        ax.set_xticks(range(len(gs)), [f"{g:g}" for g in gs])
        ax.set_yticks(range(len(als)), [f"{a:g}" for a in als])
        ax.set_xlabel("g / sqrt(A chi)")
        ax.set_ylabel("alpha")
        ax.set_title(title, fontsize=10)
        for i in range(len(als)):
            for j in range(len(gs)):
                if not np.isfinite(arr[i, j]):
                    continue
                ax.text(j, i, fmt(arr[i, j]), ha="center", va="center", fontsize=8,
                        color="w" if (log and arr[i, j] > np.sqrt(norm.vmin * norm.vmax)) else "k")
        fig.colorbar(im, ax=ax, fraction=0.046)

    by = {(r["g_ratio"], r["alpha"]): r for r in results}
    lines(axes[0, 0], "ac_half", "port impedance: max |Zm/Zm_exact - 1|, f <= u/(2L)", TARGET_AC)
    nan = float("nan")
    heat(axes[0, 1], [[_get(by[(g, a)], "ac_half", nd) if (g, a) in by else nan for g in gs] for a in als],
         f"default ({nd}, {x_def} states): AC error up to u/(2L)", lambda v: f"{v:.1e}")
    need = []
    for a in als:
        row = []
        for g in gs:
            if (g, a) not in by:
                row.append(nan)
                continue
            s = _needed(by[(g, a)], "ac_half", TARGET_AC, nsegs)
            row.append(float(s.strip("~").split()[0]))
        need.append(row)
    heat(axes[0, 2], need, "graded sections: smallest nseg for 1 % up to u/(2L) (~: extrapolated)", lambda v: f"{v:.0f}",
         cmap_name="Blues", vmin=1, vmax=np.nanmax(need) * 2)
    lines(axes[1, 0], "charge:fast", "charge, 20 ps ramp: max |dTheta| / Theta_final", 0.01)
    lines(axes[1, 1], "release:fast", "release, 20 ps ramp: max |dE| / E(0)", 0.01)
    lines(axes[1, 2], "charge:band", "charge, 2 L/u ramp: max |dTheta| / Theta_final", 0.01)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=colors[a], lw=2, label=f"alpha = {a:g}") for a in als]
    handles += [Line2D([], [], color="gray", marker=markers[g], ls="", label=f"g/sqrt(A chi) = {g:g}") for g in gs]
    handles += [Line2D([], [], color="gray", marker="*", ms=9, ls="", markeredgecolor="k", label=f"{nd} default")]
    axes[0, 0].legend(handles=handles, fontsize=7, loc="lower left")
    fig.suptitle(f"Compact model vs distributed physics (reference device, rw = {meta['rw']:g} ohm); "
                 f"stars and dotted line: the {nd} default ({x_def} states); lines: graded sections; dashed: target", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(data, out_dir: Path) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    md, con = render(data)
    (out_dir / MD_PATH.name).write_text(md + "\n")
    plot(data, out_dir / PNG_PATH.name)
    return con


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plot-only", action="store_true", help="redraw docs/accuracy_map.{md,png} from the JSON cache")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes (default 2)")
    ap.add_argument("--out-dir", type=Path, default=DOCS, help="where to write json/md/png (default docs/)")
    ap.add_argument("--quick", action="store_true", help="tiny map (2 regimes, the default and nseg 4/8, coarse reference) for a smoke test")
    ns = ap.parse_args(argv)
    json_path = ns.out_dir / JSON_PATH.name
    if ns.plot_only:
        data = json.loads(json_path.read_text())
    else:
        if ns.quick:
            nsegs, regimes, ref_cells, uniform = (4, 8), [(1.0, 1e-3), (0.3, 1e-2)], (96, 48), (8,)
        else:
            nsegs, ref_cells, uniform = NSEGS, REF_CELLS, UNIFORM_NSEGS
            regimes = [(g, a) for a in ALPHAS for g in G_RATIOS]
        data = measure(nsegs, regimes, ns.jobs, ref_cells, uniform=uniform)
        ns.out_dir.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(data, indent=1, default=float) + "\n")
        if any("failed" in r for r in data["results"]):
            print("some regimes failed; see stderr", file=sys.stderr)
    print(write_outputs(data, ns.out_dir))
    print(f"\nwrote {'' if ns.plot_only else f'{json_path}, '}{ns.out_dir / MD_PATH.name}, {ns.out_dir / PNG_PATH.name}")
    return 1 if any("failed" in r for r in data["results"]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
