"""README demo: charge -> store -> release an array of batteries into a co-simulated SOT-MTJ logic
cell, with the committed model library; print the energy account and save the figures."""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib.pyplot as plt

from ..core.parameters import validate
from ..physics.capacity import rating
from ..sim.loads import LogicLoad
from ..sim.simulation import Simulation
from .plots import plot_battery_report, plot_energy_flow, plot_magnetization, plot_waveforms

__all__ = ["run_demo", "DEMO_ARRAY"]

#: Array of reference devices (series x parallel) whose full charge completes logic writes
#: (``python -m compactmodel.studies.writes``: the smallest such array has ~5.8e9 cells).
DEMO_ARRAY = (64000, 102400)


def demo_protocol(params: dict | None = None) -> list[str]:
    """Charge the array to its rated full charge, store for 1 ms, release into the logic cell."""
    r = rating(validate(params))
    i_array = r.current * DEMO_ARRAY[1]
    return [
        f"Charge at {i_array * 1e3:.6g} mA for 3 ns",
        "Close gate",
        "Hold for 1 ms",
        "Release into load for 3 ns",
    ]


def run_demo(outdir: Path = Path("out"), params: dict | None = None, progress: bool = True) -> dict[str, float]:
    """Run the demo on the reference device with the committed model library (nothing is derived
    or emitted); returns the cycle summary [J] and the wall time [s]."""
    p = validate(params)
    steps = demo_protocol(p)
    ns, npar = DEMO_ARRAY
    print(f"protocol ({ns} x {npar} reference devices, modal model, 1 ps steps, SOT-MTJ logic cell as the load):")
    for s in steps:
        print(f"  {s}")
    t1 = time.perf_counter()
    # 1 ps steps: the first write is resolved at the default step (L/u/50), but whether the
    # ringing current completes further writes is sensitive to the step (see the notebook)
    sim = Simulation(steps, params=p, load=LogicLoad(), n_series=ns, n_parallel=npar, tmax=1e-12)
    res = sim.solve(progress=progress)
    t_sim = time.perf_counter() - t1
    c = res.cycle_summaries()[0]
    cells = ns * npar
    print(f"  rated full charge    {sim.rating.energy:.4e} J per cell ({sim.rating.winding:.2f} turns, "
          f"{sim.rating.fraction_of_landau:.2f} of the Landau limit), {sim.rating.energy * cells:.4e} J for the array")
    print(f"  electrical energy in {c['energy_in']:.4e} J (Joule heat of the charging wires {c['joule']:.4e} J)")
    print(f"  stored at release    {c['stored_at_release']:.4e} J (SOC {c['stored_at_release'] / sim.full_energy:.3f})")
    print(f"  delivered to load    {c['delivered']:.4e} J, logic writes completed: {c['writes']:.0f}")
    print(f"  losses               spin pumping {c['pumping']:.3e}, Gilbert {c['gilbert']:.3e}, phase slips "
          f"{c['slips']:.3e}, gate work {c['gate_work']:.2e} J")
    print(f"  round-trip efficiency {c['round_trip_efficiency']:.3e} (delivered / electrical energy in)")
    print(f"  energy balance error {c['balance_error']:.1e} of the energy through the magnet (in - Joule heat)")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for fig in (plot_waveforms(res, path=outdir / "demo.png"), plot_energy_flow(res, path=outdir / "demo_energy.png"),
                plot_magnetization(res, path=outdir / "demo_write.png"),
                plot_battery_report(res, path=outdir / "battery_report.png")):
        plt.close(fig)
    res.to_csv(outdir / "demo.csv")
    print(f"  co-simulation        {t_sim:.2f} s wall, {len(res['time'])} accepted points; "
          f"figures: {outdir}/demo.png, demo_energy.png, demo_write.png, battery_report.png; data: {outdir}/demo.csv")
    return {**{k: v for k, v in c.items() if isinstance(v, float)}, "wall_time_simulation": t_sim}
