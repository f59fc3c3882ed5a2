"""Issue 12, item 6: the gate law and the slip laws against a discrete classical-spin chain.

    OPENBLAS_NUM_THREADS=1 python benchmarks/spin_chain_tables.py [--out docs/] [--quick] [--jobs N]

Writes ``spin_chain.md`` and ``spin_chain.json`` to ``--out``. The chain is
:mod:`compactmodel.verify.spin_chain` (numpy/scipy, none of the compact model's formulas); the compact
model's side is :mod:`compactmodel.physics.gate_link` for statics and :func:`compact_winding` for the
charge (the distributed reference :mod:`compactmodel.verify.reference` with the gate open, until it is
wired to the circuit model). Tables:

(a) zero-temperature LLG ring (1 um wire + gate, W = 3 at start): hold/release vs K_g/K x lgate, next to
    the compact model's prediction;
(b) gate-slip barriers (constrained minimisation + Newton, first-order saddles) on the same grid and several
    windings vs gate_link's lowering barrier + finite-ring term; worst cell where the chain's barrier > 3 k_B T;
(c) wire slips in finite uniform rings vs bulk + ring term;
(d) an LLG charge with eq. (6) contacts vs the compact model's winding vs time, error after one transit.

Full run ~6 min on one core (``--jobs 2``: ~3.5 min); ``--quick`` < 1 min.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from compactmodel.physics import gate_link as gl  # noqa: E402
from compactmodel.verify import spin_chain as sc  # noqa: E402

A, K, SQ, T = sc.REF_A, sc.REF_K, sc.REF_SQ, sc.REF_T
KC = sc.kc_of(A, K)
E0 = sc.barrier_scale(A, K)
KT = sc.K_B * T
L_WIRE = 1e-6
H = 2e-9
KGS = (1.0, 0.0, -0.5, -1.0, -2.0)
LGS = (10e-9, 20e-9, 100e-9)
WS = (0, 1, 2, 3, 4, 6, 8, 10)
RELEASED_KT = 0.0  # a winding is released when gate_link has no barrier left (nu >= nu_c)


# --------------------------------------------------------------------------- compact model side
def compact_nu(W: int, Kg_rel: float, lgate: float, L_wire: float = L_WIRE) -> tuple[float, dict]:
    """Torque nu = J/(A k_c) of a ring holding W turns in the compact model: J = 2 pi W/(L/A + l/(kappa A))."""
    lam = lgate * KC
    p = gl.gate_parameters(Kg_rel, lam)
    return 2 * math.pi * W / (L_wire * KC + lam / float(p["kappa"])), p


def compact_gate_barrier(W: int, Kg_rel: float, lgate: float, L_wire: float = L_WIRE) -> dict:
    """gate_link: lowering barrier, finite-ring term (delta = phase_jump) and their sum [k_B T], nu, nu_c."""
    nu, p = compact_nu(W, Kg_rel, lgate, L_wire)
    lam = lgate * KC
    bd = float(gl.lowering_barrier(nu, p)) * E0 / KT
    delta = gl.phase_jump(nu, p)
    ring = float(gl.ring_term(delta, L_wire * KC, lam, float(p["kappa"]))) * E0 / KT
    return dict(nu=nu, nu_c=float(p["nu_c"]), kappa=float(p["kappa"]), B_down_kT=bd, ring_kT=ring, total_kT=bd + ring,
                delta=float(delta))


def compact_final_winding(W0: int, Kg_rel: float, lgate: float) -> int:
    """Zero temperature: the gate slips while the compact model's barrier is gone (nu >= nu_c); the ring keeps
    the largest W <= W0 with nu(W) < nu_c."""
    W = W0
    while W > 0:
        nu, p = compact_nu(W, Kg_rel, lgate)
        if nu < float(p["nu_c"]):
            break
        W -= 1
    return W


def compact_winding(t: np.ndarray, params: dict) -> np.ndarray:
    """The compact model's twist phi(0) - phi(L) [rad] at the times t [s] of a charge with the gate open.

    Hook: for now the distributed reference (:mod:`compactmodel.verify.reference`, the continuum eqs. 1-6 the
    compact model reduces); ``params``: instance parameters plus ``current`` (a callable I(t) [A]) and ``t_end``.
    Replace by the circuit model's winding to compare that.
    """
    from compactmodel.verify import reference

    p = {k: v for k, v in params.items() if k not in ("current", "t_end")}
    r = reference.simulate(p, t_end=params["t_end"], current=params["current"], gate="open", n_cells=128,
                           n_steps=240, energies=False)
    return np.interp(t, r.time, r.twist)


# -------------------------------------------------------------------------------------- jobs
def _job_relax(args: tuple) -> dict:
    Kg, lg, quick = args
    r = sc.relax_ring(Kg, lg, W=3, L_wire=L_WIRE, h=H, alpha=0.1, t_max=12e-9 if quick else 20e-9)
    Wp = compact_final_winding(3, Kg, lg)
    cb = compact_gate_barrier(3, Kg, lg)
    return dict(Kg_rel=Kg, lgate=lg, W0=round(r.W0, 6), W_llg=round(r.W_llg, 6), W_final=round(r.W_final, 6),
                nz_gate=r.nz_gate, n_neg=r.n_neg, t_end=r.t_end, t_first_slip=r.t_first_slip, wall=r.wall,
                W_pred=Wp, compact_nu=cb["nu"], compact_nu_c=cb["nu_c"], compact_B_kT=cb["total_kT"],
                agree=int(round(r.W_final)) == Wp)


def _job_barriers(args: tuple) -> list[dict]:
    Kg, lg, Ws = args
    out = []
    for b in sc.gate_slip_barriers(Kg, lg, Ws, L_wire=L_WIRE, h=H):
        cb = compact_gate_barrier(b.W, Kg, lg)
        row = dict(Kg_rel=Kg, lgate=lg, W=b.W, status=b.status, index=b.index, nu_chain=b.nu,
                   nz_gate_min=b.nz_gate_min, chain_kT=None if b.barrier is None else b.barrier / KT, **cb)
        if b.barrier is not None:
            row["rel_err"] = cb["total_kT"] / row["chain_kT"] - 1
        out.append(row)
    return out


def _job_wire(args: tuple) -> dict:
    L, W = args
    r = sc.wire_slip_barrier(L, W, h=H)
    nu = r["nu"]
    bulk = (float(gl.bulk_even_barrier(nu)) - math.pi * nu / 2) * E0 / KT
    ring = float(gl.ring_term(gl.bulk_phase_jump(nu), r["L"] * KC, 0.0, 1.0)) * E0 / KT
    return dict(L=r["L"], W=W, nu=nu, chain_kT=r["barrier"] / KT, index=r["index"], ok=bool(r["ok"]), bulk_kT=bulk,
                ring_kT=ring, compact_kT=bulk + ring, rel_err=(bulk + ring) / (r["barrier"] / KT) - 1,
                selfconsistent_kT=sc.ring_barrier(nu, r["L"], A, K) / KT)


CHARGE_CASES = (
    dict(name="open chain (ideal open gate), alpha 0.01", nu=0.1, alpha=0.01),
    dict(name="open chain (ideal open gate), alpha 0.1", nu=0.1, alpha=0.1),
    dict(name="open chain, nu 0.3, alpha 0.1", nu=0.3, alpha=0.1),
    dict(name="ring, 100 nm gate K_g = -2K, contacts at the gate edges", nu=0.1, alpha=0.01, lgate=100e-9, Kg_rel=-2.0),
    dict(name="ring, 100 nm gate K_g = -K, contacts at the gate edges", nu=0.1, alpha=0.01, lgate=100e-9, Kg_rel=-1.0),
    dict(name="ring, 100 nm gate K_g = -2K, contacts 3 xi from the gate", nu=0.1, alpha=0.01, lgate=100e-9, Kg_rel=-2.0,
         setback=42e-9),
)


def _job_charge(args: tuple) -> dict:
    case, compact = args
    kw = {k: v for k, v in case.items() if k != "name"}
    g_rel, ramp, t_end = 0.5, 0.5, 6.0
    r = sc.charge_chain(L=300e-9, h=H, g_rel=g_rel, ramp=ramp, t_end=t_end, **kw)
    chi = SQ**2 / (2 * K)
    vt = 3.3e-16  # V s (any value: the drive is I = vartheta I / vartheta)
    I, tr = r.theta_i / vt, ramp * r.transit
    params = dict(len=r.L, stiff=A, chi=chi, damp=kw["alpha"] * SQ, gsp=g_rel * math.sqrt(A * chi), theta=vt, kani=K,
                  current=lambda t: I * min(t / tr, 1.0), t_end=t_end * r.transit)
    model = (compact or compact_winding)(r.t, params)
    th_ss = r.theta_i * r.L / A  # eq. (7)
    late = r.t >= r.transit
    err = np.abs(r.twist - model) / th_ss
    picks = {f: int(np.argmin(np.abs(r.t - f * r.transit))) for f in (1, 2, 4, 6)}
    return dict(name=case["name"], N=r.N, L=r.L, nu=case["nu"], alpha=case["alpha"], g_rel=g_rel, transit=r.transit,
                theta_ss=th_ss, err_after_transit=float(err[late].max()), final_ratio=float(r.twist[-1] / th_ss),
                model_final_ratio=float(model[-1] / th_ss), nz_max=float(r.nz_max.max()), wall=r.wall,
                at={str(f): (float(r.twist[k] / th_ss), float(model[k] / th_ss)) for f, k in picks.items()},
                t=r.t.tolist(), twist=r.twist.tolist(), model=model.tolist())


def _map(fn: Callable, items: list, jobs: int) -> list:
    if jobs <= 1:
        return [fn(a) for a in items]
    with ProcessPoolExecutor(jobs) as ex:
        return list(ex.map(fn, items))


# ---------------------------------------------------------------------------------- tables
def _f(x, fmt="%.2f") -> str:
    return "--" if x is None else fmt % x


def write_markdown(res: dict, path: Path) -> None:
    m = res["meta"]
    L = ["# Spin-chain verification of the gate link (issue 12, item 6)", "",
         f"Written by `benchmarks/spin_chain_tables.py`{' --quick' if m['quick'] else ''} "
         f"({m['wall']:.0f} s). Chain: `compactmodel.verify.spin_chain` (numpy/scipy, independent of the compact "
         "model's formulas); compact model: `compactmodel.physics.gate_link` (statics) and `compact_winding` "
         "(charge; now the distributed reference with the gate open).", "",
         "Material (quasi-1D): A = %.3g J m, K = %.3g J/m, k_c = %.4g rad/m, xi = %.2f nm, E0 = 2 sqrt(2AK) = %.4g J "
         "= %.2f k_B T at T = %.0f K; spin density s_q = %.3g J s/m (chi = s_q^2/2K = %.3g J s^2/m). Chain spacing "
         "h = %.0f nm; ring = %.0f um wire + gate of length lgate with K_g." % (
             A, K, KC, 1e9 / KC, E0, E0 / KT, T, SQ, SQ**2 / (2 * K), H * 1e9, L_WIRE * 1e6), "",
         "## (a) Zero-temperature LLG ring: hold or release", "",
         "Start: uniform twist W = 3 (nu = 0.26) plus n_z noise 1e-3; LLG (alpha = 0.1, RK4) until the torque is below "
         "1e-5 A/h, then Newton polish (all final states are stable minima). Compact prediction: the gate slips while "
         "gate_link has no barrier (nu >= nu_c, nu from W with the ring's compliance L/A + l/(kappa A)); final W = the "
         "largest W <= 3 with nu < nu_c. B(W=3) = lowering barrier + ring term of gate_link.", "",
         "| lgate [nm] | K_g/K | chain: W 3 -> | max n_z gate | 1st slip [ns] | compact: W 3 -> | nu(3) | nu_c | compact B(W=3) [kT] | agree |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    for r in res["relax"]:
        L.append("| %.0f | %+.1f | %d | %.3f | %s | %d | %.3f | %.4f | %.2f | %s |" % (
            r["lgate"] * 1e9, r["Kg_rel"], round(r["W_final"]), r["nz_gate"],
            _f(None if r["t_first_slip"] is None else r["t_first_slip"] * 1e9, "%.1f"), r["W_pred"], r["compact_nu"],
            r["compact_nu_c"], r["compact_B_kT"], "yes" if r["agree"] else "**no**"))
    s = res["summary"]
    L += ["", f"Agreement: {s['relax_agree']} of {len(res['relax'])} cells.", "",
          "## (b) Gate-slip barriers", "",
          "Slip through the gate centre that lowers W -> W-1 (W = 0: the symmetric slip, from the W = 1 side), "
          "constrained minimisation in n_z of the centre site, Newton polish, one negative Hessian eigenvalue. "
          "Compact: gate_link.lowering_barrier(nu) + ring_term(phase_jump(nu), L k_c, lam, kappa). "
          "Cells: chain / compact [k_B T] (relative error); 'rel' = the chain has no metastable state with W.", ""]
    Ws = sorted({r["W"] for r in res["barriers"]})
    L.append("| lgate [nm] | K_g/K | " + " | ".join(f"W={w}" for w in Ws) + " |")
    L.append("|---|---|" + "---|" * len(Ws))
    for lg in LGS:
        for Kg in KGS:
            cells = {r["W"]: r for r in res["barriers"] if r["lgate"] == lg and r["Kg_rel"] == Kg}
            if not cells:
                continue
            row = []
            for w in Ws:
                r = cells.get(w)
                if r is None:
                    row.append("")
                elif r["chain_kT"] is None:
                    row.append("rel / %s" % _f(r["total_kT"]))
                else:
                    flag = "**" if r["chain_kT"] > 3 and abs(r["rel_err"]) > 0.10 else ""
                    row.append("%s%.2f / %.2f (%+.1f%%)%s" % (flag, r["chain_kT"], r["total_kT"], 100 * r["rel_err"], flag))
            L.append("| %.0f | %+.1f | " % (lg * 1e9, Kg) + " | ".join(row) + " |")
    wb = s["barrier_worst"]
    L += ["", "Worst cell where the chain's barrier exceeds 3 k_B T: lgate = %.0f nm, K_g/K = %+.1f, W = %d: chain %.2f, "
          "compact %.2f k_B T (%+.1f %%); %d cells above 3 k_B T, all first-order saddles: %s." % (
              wb["lgate"] * 1e9, wb["Kg_rel"], wb["W"], wb["chain_kT"], wb["total_kT"], 100 * wb["rel_err"],
              s["barrier_cells_above_3kT"], s["all_first_order"]), ""]
    if s["spurious"]:
        L += ["Released in the chain but held by the compact barrier (> 3 k_B T):", ""]
        for r in s["spurious"]:
            L.append("- lgate %.0f nm, K_g/K %+.1f, W = %d: compact B_down %.3g + ring term %.3g k_B T (nu = %.4f, "
                     "nu_c = %.4f, delta = phase_jump = %.3g rad)" % (r["lgate"] * 1e9, r["Kg_rel"], r["W"], r["B_down_kT"],
                                                                       r["ring_kT"], r["nu"], r["nu_c"], r["delta"]))
        L.append("")
    L += ["## (c) Wire slips in finite uniform rings", "",
          "Compact: bulk law (gate_link.bulk_even_barrier - pi nu/2) + ring_term(bulk_phase_jump, L k_c, 0, 1), i.e. "
          "B_bulk(nu) + A delta^2/(2L), delta = 2 arccos(nu). Also the self-consistent form (spin_chain.ring_barrier).", "",
          "| L [um] | W | nu | chain [kT] | bulk [kT] | bulk + ring [kT] | rel. error | self-consistent [kT] |",
          "|---|---|---|---|---|---|---|---|"]
    for r in res["wire"]:
        L.append("| %.2f | %d | %.3f | %.2f | %.2f | %.2f | %+.2f%% | %.2f |" % (
            r["L"] * 1e6, r["W"], r["nu"], r["chain_kT"], r["bulk_kT"], r["compact_kT"], 100 * r["rel_err"], r["selfconsistent_kT"]))
    ww = s["wire_worst"]
    L += ["", "Worst: L = %.2f um, W = %d (nu = %.3f): %+.2f %% (the ring term is first order in 1/L)." % (
        ww["L"] * 1e6, ww["W"], ww["nu"], 100 * ww["rel_err"]), "",
          "## (d) LLG charge with eq. (6) contacts vs the compact model's winding", "",
          "Contacts 300 nm apart (h = 2 nm), spin pumping g = sqrt(A chi)/2 on the contact sites, torque vartheta I = nu A k_c "
          "ramped over L/2u, run to 6 L/u (L/u = %.3g s). Error = max |Theta_chain - Theta_model| / Theta_ss for t >= L/u "
          "(target 5 %%); Theta_ss = vartheta I L/A (eq. 7)." % res["charge"][0]["transit"], "",
          "| case | nu | alpha | error after L/u | chain / model at L/u | at 2 L/u | at 6 L/u | max n_z |",
          "|---|---|---|---|---|---|---|---|"]
    for r in res["charge"]:
        a = r["at"]
        L.append("| %s | %.1f | %.2f | %s%.1f %%%s | %.3f / %.3f | %.3f / %.3f | %.3f / %.3f | %.2f |" % (
            r["name"], r["nu"], r["alpha"], "" if r["err_after_transit"] < 0.05 else "**", 100 * r["err_after_transit"],
            "" if r["err_after_transit"] < 0.05 else "**", *a["1"], *a["2"], *a["6"], r["nz_max"]))
    L += ["", "Through an easy-axis (released) gate the contacts next to the gate sit in the tails of the gate's domain "
          "walls: n_z at the contact reduces the spin-Hall torque about z by 1 - n_z^2, so the ring charges to about "
          "40-56 % of eq. (7); contacts set back by 3 xi charge to eq. (7) but the wire stubs beyond them ring (not in "
          "the compact model's point-contact geometry).", ""]
    path.write_text("\n".join(L) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs"), help="output directory (default docs/)")
    ap.add_argument("--quick", action="store_true", help="a small subset (< 1 min)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    kgs, lgs = ((0.0, -1.0), (20e-9, 100e-9)) if a.quick else (KGS, LGS)
    ws = (0, 3, 6) if a.quick else WS
    relax = _map(_job_relax, [(Kg, lg, a.quick) for lg in lgs for Kg in kgs], a.jobs)
    print(f"(a) {time.time() - t0:.0f} s", flush=True)
    barriers = [r for rows in _map(_job_barriers, [(Kg, lg, ws) for lg in lgs for Kg in kgs], a.jobs) for r in rows]
    print(f"(b) {time.time() - t0:.0f} s", flush=True)
    rings = [(0.5e-6, (1, 3, 5))] if a.quick else [(0.25e-6, (1, 2)), (0.5e-6, (1, 2, 3, 4, 5)), (1e-6, (1, 3, 6, 8, 10)),
                                                   (2e-6, (1, 6, 11, 16, 21))]
    wire = _map(_job_wire, [(L_, W) for L_, Ws_ in rings for W in Ws_], a.jobs)
    print(f"(c) {time.time() - t0:.0f} s", flush=True)
    cases = CHARGE_CASES[:1] + CHARGE_CASES[3:4] if a.quick else CHARGE_CASES
    charge = _map(_job_charge, [(c, None) for c in cases], a.jobs)
    print(f"(d) {time.time() - t0:.0f} s", flush=True)
    above = [r for r in barriers if r["chain_kT"] is not None and r["chain_kT"] > 3]
    worst = max(above, key=lambda r: abs(r["rel_err"]))
    spurious = [r for r in barriers if r["chain_kT"] is None and r["total_kT"] > 3]
    summary = dict(relax_agree=sum(r["agree"] for r in relax), barrier_worst=worst, barrier_cells_above_3kT=len(above),
                   all_first_order=all(r["index"] == 1 for r in barriers if r["chain_kT"] is not None), spurious=spurious,
                   wire_worst=max(wire, key=lambda r: abs(r["rel_err"])),
                   charge_worst_open=max(r["err_after_transit"] for r in charge if r["name"].startswith("open")))
    meta = dict(quick=a.quick, wall=time.time() - t0, A=A, K=K, k_c=KC, xi=1 / KC, E0=E0, T=T, kT=KT, s_q=SQ, h=H, L_wire=L_WIRE)
    res = dict(meta=meta, summary=summary, relax=relax, barriers=barriers, wire=wire, charge=charge)
    (out / "spin_chain.json").write_text(json.dumps(res, indent=1, default=float))
    write_markdown(res, out / "spin_chain.md")
    print(f"wrote {out / 'spin_chain.md'} and spin_chain.json in {meta['wall']:.0f} s")
    print("relax agree %d/%d; worst barrier cell %+.1f %% (%s); wire worst %+.2f %%; charge (open) worst %.1f %%" % (
        summary["relax_agree"], len(relax), 100 * worst["rel_err"],
        "lg=%.0f Kg=%+.1f W=%d" % (worst["lgate"] * 1e9, worst["Kg_rel"], worst["W"]), 100 * summary["wire_worst"]["rel_err"],
        100 * summary["charge_worst_open"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
