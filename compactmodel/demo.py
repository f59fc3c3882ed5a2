"""README demo: emit the models, run charge -> store -> release in ngspice, plot, print energies."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .analysis import energy_terms, release_balance
from .emit import REPO_ROOT, write_generated
from .netlist import ChargeStoreRelease
from .ngspice import run_netlist
from .parameters import validate

__all__ = ["run_demo"]


def run_demo(outdir: Path = REPO_ROOT / "out", params: dict | None = None, emit: bool = True) -> dict[str, float]:
    """Run the demo protocol on the reference device; returns the energy figures [J] and times [s]."""
    p = validate(params or {})
    t0 = time.perf_counter()
    if emit:
        for path in write_generated():
            print(f"emitted {path.relative_to(REPO_ROOT)}")
    t_emit = time.perf_counter() - t0
    # 0.3 mA keeps the winding density vartheta I / A below the Landau limit sqrt(2K/A_ex) of the
    # reference device (5e7 rad/m, about 0.38 mA): beyond it the texture would leave the easy plane.
    deck = ChargeStoreRelease(current=0.3e-3, t_charge=5e-9, t_release=25e-9, t_stop=35e-9, r_load=p["rw"])
    t1 = time.perf_counter()
    vec = run_netlist(deck.netlist(p))
    t_sim = time.perf_counter() - t1
    t = np.real(vec["time"])
    e = energy_terms(vec, p)
    times = deck.times()
    i_port = np.real(vec["vsense#branch"])
    v_port = np.real(vec["p"] - vec["pn"])
    ch = t <= times["current_off"] + deck.t_ramp
    e_in = np.trapezoid((v_port * i_port)[ch], t[ch])
    p_load = v_port**2 * np.real(vec["ld"]) / deck.r_load
    acc = release_balance(vec, p, times["release"], p_load)
    result = {
        "electrical_energy_in": float(e_in),
        "eq8_energy": (p["theta"] * deck.current) ** 2 * p["len"] / (2 * p["stiff"]),
        **{f"release_{k}": v for k, v in acc.items()},
        "wall_time_emit": t_emit,
        "wall_time_simulation": t_sim,
        "accepted_points": float(len(t)),
    }
    outdir.mkdir(parents=True, exist_ok=True)
    fig_path = outdir / "demo.png"
    _plot(t, vec, e, i_port, fig_path)
    print(f"charge {deck.current * 1e3:.1f} mA for 5 ns, store (gate closed), release into {deck.r_load:.0f} ohm at 25 ns")
    if params is None:
        from .materials import reference_device

        rho_c = reference_device().landau_winding_density
        rho = p["theta"] * deck.current / p["stiff"]
        print(f"  winding density      {rho:.3e} rad/m = {rho / rho_c:.2f} of the Landau limit sqrt(2K/A_ex)")
    print(f"  stored winding      {np.interp(times['release'], t, np.real(vec['wn'])):.3f} turns")
    print(f"  electrical energy in {e_in:.4e} J (Joule heat of the charging wires dominates)")
    print(f"  stored energy        {acc['stored']:.4e} J   (eq. 8 at the charging current: {result['eq8_energy']:.4e} J)")
    print(f"  delivered to load    {acc['delivered']:.4e} J   ({acc['delivered'] / acc['stored']:.2e} of stored)")
    print(
        f"  lost on release      {acc['dissipated']:.4e} J (spin pumping {acc['pumping']:.2e}, Gilbert {acc['gilbert']:.2e}, "
        f"Joule {acc['joule']:.2e}, phase slips {acc['slips']:.2e}); gate work {acc['gate_work']:.1e}, left {acc['left']:.1e}"
    )
    print(f"  energy balance       (delivered + lost + left - gate work) / stored = {acc['balance']:.4f}")
    print(f"  ngspice transient    {t_sim:.2f} s wall, {len(t)} accepted points; figure: {fig_path}")
    return result


def _plot(t, vec, e, i_port, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = t * 1e9
    fig, ax = plt.subplots(4, 1, figsize=(7, 8), sharex=True)
    ax[0].plot(ns, i_port * 1e3)
    ax[0].set_ylabel("port current [mA]")
    ax[1].plot(ns, np.real(vec["gate"]), label="V(gate) [V]")
    ax[1].plot(ns, np.real(vec["ld"]), "--", label="load connected")
    ax[1].legend(loc="right")
    ax[2].plot(ns, np.real(vec["wn"]))
    ax[2].set_ylabel("winding V(wn) [turns]")
    ax[3].plot(ns, e["stored_energy"] * 1e18, label="stored")
    ax[3].set_ylabel("energy [aJ]")
    ax[3].set_xlabel("time [ns]")
    for a in ax:
        a.grid(alpha=0.3)
    fig.suptitle("spin-texture battery: charge -> store -> release (ngspice, spin_battery.lib)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
