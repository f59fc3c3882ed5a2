"""Process variability: seeded Monte Carlo over the spread of a device's material and geometry.

A :class:`ProcessSpread` gives the spread of five process quantities of a preset device
(:data:`compactmodel.devices.presets.PRESETS`):

==================  ========================================  ===========================  =====
spread field        what is drawn (nominal from the preset)   model parameter it moves      unit
==================  ========================================  ===========================  =====
``theta_sh``        spin Hall angle theta_SH of the contacts   ``theta`` ~ tan(theta_SH)     rad
``g_mix``           spin-mixing conductance per area           ``gsp`` ~ g_mix               1/m^2
``A_ex``            bulk exchange stiffness                    ``stiff`` (and ``fatt``)      J/m
``length``          loop length L                              ``len``                       m
``temperature``     operating temperature (absolute spread)    rating, retention, circuit    K
==================  ========================================  ===========================  =====

The first four are relative spreads (standard deviation / mean). With the default
``distribution="lognormal"`` a quantity is ``x0 exp(s z - s^2/2)``, ``s^2 = ln(1 + cv^2)``,
``z`` standard normal: its mean is the nominal ``x0`` and its standard deviation ``cv x0``,
and it is always positive. ``"normal"`` draws ``x0 (1 + cv z)`` (cv <= 0.3). The
temperature is ``T0 + sigma_T z``. Every case draws all five ``z`` in this order, so a
zero spread of one quantity does not change the draws of the others. The drawn values go
through :meth:`compactmodel.devices.materials.Device.instance_parameters` (``quasi_1d``), so e.g.
``theta = (hbar/2e)(S_c/S_w) tan(theta_SH)`` and ``fatt`` follows ``stiff``; the
susceptibility ``chi`` and the anisotropy ``K`` are not spread.

Per case :func:`variability_task` reports (SI):

* ``capacity`` [J]: rated energy, kept 90 % for ``t_retention`` (10 years) at the case's
  temperature (:func:`compactmodel.physics.capacity.rating`); ``capacity_ratio`` to the nominal device;
* ``retention_nominal_charge`` [s]: time to lose 10 % of the *nominal* device's rated
  winding density (:func:`compactmodel.physics.phase_slips.retention_time`), i.e. how the spread
  shortens (or lengthens) the retention of a charge rated on the nominal device;
  ``retention_ratio`` = that / t_retention; ``meets_retention`` = 1 if >= t_retention (its
  mean is the yield);
* ``eta_eq9`` [-] (eq. 9 with its prefactor) and ``charge_efficiency`` = eta9/(1 + 2 eta9)
  (:mod:`compactmodel.devices.figures_of_merit`);
* with ``simulate``: a short ngspice protocol (:class:`compactmodel.sim.simulation.Simulation`, the
  same for every case, set from the nominal device: charge at 0.95 of its rated current for
  12 transit times L/u, close the gate, release into R = rw for 20 transit times):
  ``sim_energy_in``, ``sim_stored_peak``, ``sim_delivered`` [J], ``sim_storage_efficiency``
  (peak stored / energy in), ``sim_round_trip_efficiency`` (delivered / energy in) and
  ``sim_balance_error`` (energy-balance residual / energy in) [-].

Command line: ``python -m compactmodel.studies.variability --preset reference_device --n 200 --seed 1
--out out/mc.csv`` runs the sweep (:func:`compactmodel.studies.sweeps.run_sweep`: parallel,
resumable) and prints :func:`monte_carlo_report`.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np

from ..core.constants import YEAR
from ..core.parameters import InstanceParameters, ParameterError, is_real
from ..devices.materials import Device
from ..devices.presets import PRESETS
from ..library import SHIPPED_NSEGS, SUBCKTS, subckt_name
from ..physics import scales
from ..physics.capacity import rating
from ..physics.phase_slips import retention_time
from ..sim.loads import ResistorLoad
from ..sim.simulation import Simulation
from .sweeps import monte_carlo, require_sweep_stack, run_sweep

__all__ = [
    "ProcessSpread",
    "OUTPUT_UNITS",
    "sample",
    "device_for",
    "parameters_for",
    "variability_task",
    "monte_carlo_report",
    "format_report",
    "run_variability",
    "main",
]

#: Spread fields drawn per case, in drawing order.
SPREAD_FIELDS: tuple[str, ...] = ("theta_sh", "g_mix", "A_ex", "length", "temperature")

#: Outputs of :func:`variability_task` and their units.
OUTPUT_UNITS: dict[str, str] = {
    "capacity": "J",
    "capacity_ratio": "1",
    "rated_winding_density": "rad/m",
    "rated_current": "A",
    "retention_nominal_charge": "s",
    "retention_ratio": "1",
    "meets_retention": "1",
    "eta_eq9": "1",
    "charge_efficiency": "1",
    "sim_energy_in": "J",
    "sim_stored_peak": "J",
    "sim_delivered": "J",
    "sim_storage_efficiency": "1",
    "sim_round_trip_efficiency": "1",
    "sim_balance_error": "1",
}

#: Protocol of the simulated round trip, in units of the nominal device (see module docstring).
SIM_CURRENT_FRACTION = 0.95
SIM_CHARGE_TRANSITS = 12.0
SIM_RELEASE_TRANSITS = 20.0

#: Largest n for which ``simulate=None`` turns the ngspice round trip on.
SIMULATE_AUTO_MAX_N = 100


@dataclass(frozen=True)
class ProcessSpread:
    """Process spread of one device (see the module docstring).

    Attributes:
        theta_sh: relative spread (std/mean) of the spin Hall angle [-].
        g_mix: relative spread of the spin-mixing conductance [-].
        A_ex: relative spread of the exchange stiffness [-].
        length: relative spread of the loop length [-].
        temperature: standard deviation of the temperature [K].
        distribution: ``"lognormal"`` (default) or ``"normal"`` for the relative spreads.
    """

    theta_sh: float = 0.10
    g_mix: float = 0.20
    A_ex: float = 0.05
    length: float = 0.05
    temperature: float = 10.0
    distribution: str = "lognormal"

    def __post_init__(self) -> None:
        if self.distribution not in ("lognormal", "normal"):
            raise ParameterError(f"ProcessSpread.distribution = {self.distribution!r}: allowed 'lognormal' or 'normal'")
        hi = 1.0 if self.distribution == "lognormal" else 0.3
        for name in SPREAD_FIELDS[:4]:
            _check_range(f"ProcessSpread.{name}", getattr(self, name), 0.0, hi, "relative spread (std/mean)")
        _check_range("ProcessSpread.temperature", self.temperature, 0.0, 50.0, "K (standard deviation)")

    @classmethod
    def zero(cls) -> "ProcessSpread":
        """No spread: every sample is the nominal device."""
        return cls(0.0, 0.0, 0.0, 0.0, 0.0)

    def relative(self, name: str, nominal: float, z: float) -> float:
        """The drawn value of a relatively spread quantity for the standard normal ``z``."""
        cv = getattr(self, name)
        if cv == 0.0:
            return nominal
        if self.distribution == "normal":
            return nominal * (1.0 + cv * z)
        s2 = math.log1p(cv * cv)
        return nominal * math.exp(math.sqrt(s2) * z - 0.5 * s2)


def _check_range(name: str, value: object, lo: float, hi: float, unit: str) -> float:
    if not is_real(value) or not (math.isfinite(value) and lo <= value <= hi):
        raise ParameterError(f"{name} = {value!r}: allowed range [{lo:g}, {hi:g}] {unit}")
    return float(value)


def _preset(name: str) -> Device:
    if name not in PRESETS:
        raise ParameterError(f"preset = {name!r}: known presets are {', '.join(PRESETS)}")
    return PRESETS[name]()


def sample(preset: str, spread: ProcessSpread | None = None, n: int = 100, seed: int = 0, *,
           temperature: float = 300.15, t_retention: float = 10 * YEAR, simulate: bool | None = None,
           nseg: int | None = None):
    """A Monte Carlo :class:`compactmodel.studies.sweeps.Sweep` of ``n`` process variants of ``preset``.

    Args:
        preset: a name in :data:`compactmodel.devices.presets.PRESETS`.
        spread: the process spread (default :class:`ProcessSpread`).
        n: number of samples; seed: non-negative integer (case k uses its own stream).
        temperature: nominal operating temperature [K].
        t_retention: retention that defines the rated capacity [s].
        simulate: run the ngspice round trip per case (None: only if n <= 100).
        nseg: None for the default (modal) subcircuit, or the section count of a shipped sectioned one (48).

    Each case's inputs: ``preset``, the drawn ``theta_sh`` [rad], ``g_mix`` [1/m^2], ``A_ex``
    [J/m], ``loop_length`` [m], ``temperature`` [K], and the settings above.
    """
    spread = ProcessSpread() if spread is None else spread
    if not isinstance(spread, ProcessSpread):
        raise ParameterError(f"spread must be a ProcessSpread, got {type(spread).__name__}")
    device = _preset(preset)
    _check_range("temperature", temperature, 200.0, 500.0, "K")
    _check_range("t_retention", t_retention, 1e-9, 1e3 * YEAR, "s")
    if nseg is not None and nseg not in SHIPPED_NSEGS:
        raise ParameterError(f"nseg = {nseg!r}: allowed values None (the default model) or {', '.join(map(str, SHIPPED_NSEGS))} "
                             "(the shipped sectioned subcircuits)")
    if simulate is None:
        simulate = isinstance(n, int) and n <= SIMULATE_AUTO_MAX_N
    m, g = device.material, device.geometry
    nominal = {"theta_sh": g.theta_sh, "g_mix": g.g_mix, "A_ex": m.A_ex, "length": g.loop_length}

    def draw(rng: np.random.Generator) -> dict[str, float]:
        z = rng.standard_normal(len(SPREAD_FIELDS))
        return {
            "theta_sh": spread.relative("theta_sh", nominal["theta_sh"], z[0]),
            "g_mix": spread.relative("g_mix", nominal["g_mix"], z[1]),
            "A_ex": spread.relative("A_ex", nominal["A_ex"], z[2]),
            "loop_length": spread.relative("length", nominal["length"], z[3]),
            "temperature": temperature + spread.temperature * z[4],
        }

    fixed = {"preset": preset, "nominal_temperature": float(temperature), "t_retention": float(t_retention),
             "simulate": bool(simulate), "subckt": subckt_name(nseg)}
    return monte_carlo(draw, n, seed, name=f"variability-{preset}", fixed=fixed)


def device_for(inputs: Mapping[str, object]):
    """The :class:`compactmodel.devices.materials.Device` of one case (the preset with the drawn values)."""
    try:
        device = _preset(str(inputs["preset"]))
        material = dataclasses.replace(device.material, A_ex=inputs["A_ex"])
        geometry = dataclasses.replace(device.geometry, theta_sh=inputs["theta_sh"], g_mix=inputs["g_mix"],
                                       loop_length=inputs["loop_length"])
    except KeyError as exc:
        raise ParameterError(f"case inputs lack {exc.args[0]!r}; build cases with variability.sample") from None
    return Device(f"{device.name} variant", material, geometry, source=device.source)


def parameters_for(inputs: Mapping[str, object]) -> InstanceParameters:
    """Instance parameters (SI) of one case."""
    return device_for(inputs).instance_parameters()


@lru_cache(maxsize=32)
def _nominal(preset: str, temperature: float, t_retention: float):
    """(parameters, rating) of the nominal device at the nominal temperature (cached per process)."""
    p = _preset(preset).instance_parameters()
    return p, rating(p, t_retention=t_retention, temperature=temperature)


def variability_task(inputs: Mapping[str, object]) -> dict[str, float]:
    """Outputs of one Monte Carlo case (module docstring); runs in a sweep worker."""
    p = parameters_for(inputs)
    t = float(inputs["temperature"])  # type: ignore[arg-type]
    t_ret = float(inputs["t_retention"])  # type: ignore[arg-type]
    p_nom, r_nom = _nominal(str(inputs["preset"]), float(inputs["nominal_temperature"]), t_ret)  # type: ignore[arg-type]
    try:
        r = rating(p, t_retention=t_ret, temperature=t)
        capacity, k_full, i_full = r.energy, r.winding_density, r.current
    except ParameterError as err:  # keeps no winding for t_retention: capacity 0
        if "keeps no winding" not in str(err):
            raise
        capacity, k_full, i_full = 0.0, 0.0, 0.0
    retention = retention_time(p, r_nom.winding_density, t)
    eta9 = scales.eq9_efficiency(p["theta"], p["rw"], p["stiff"], p["chi"])
    out: dict[str, float] = {
        "capacity": capacity,
        "capacity_ratio": capacity / r_nom.energy,
        "rated_winding_density": k_full,
        "rated_current": i_full,
        "retention_nominal_charge": retention,
        "retention_ratio": retention / t_ret,
        "meets_retention": 1.0 if retention >= t_ret * (1.0 - 1e-6) else 0.0,
        "eta_eq9": eta9,
        "charge_efficiency": scales.charge_efficiency(p["theta"], p["rw"], p["stiff"], p["chi"]),
    }
    if inputs.get("simulate"):
        out.update(_simulate(p, t, p_nom, r_nom, SUBCKTS[inputs["subckt"]]))  # type: ignore[arg-type]
    return out


def _protocol(p_nom: Mapping[str, float], r_nom) -> list[str]:
    transit = scales.transit_time(p_nom["len"], p_nom["stiff"], p_nom["chi"])
    current = SIM_CURRENT_FRACTION * r_nom.current
    return [f"Charge at {current:.9g} A for {SIM_CHARGE_TRANSITS * transit:.9g} s",
            "Close gate",
            f"Release into {p_nom['rw']:.9g} ohm for {SIM_RELEASE_TRANSITS * transit:.9g} s"]


def _simulate(p: Mapping[str, float], temperature: float, p_nom: Mapping[str, float], r_nom, kind: int | str) -> dict[str, float]:
    nseg = None if kind == "modal" else int(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim = Simulation(_protocol(p_nom, r_nom), params=p, load=ResistorLoad(p_nom["rw"]), nseg=nseg,
                         temperature=temperature)
        c = sim.solve().cycle_summaries()[0]
    e_in = c["energy_in"]
    return {
        "sim_energy_in": e_in,
        "sim_stored_peak": c["stored_peak"],
        "sim_delivered": c["delivered"],
        "sim_storage_efficiency": c["stored_peak"] / e_in,
        "sim_round_trip_efficiency": c["round_trip_efficiency"],
        "sim_balance_error": c["balance_error"],
    }


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def monte_carlo_report(table, outputs: Sequence[str] | None = None):
    """Distribution of each output over the successful cases of a Monte Carlo table.

    Returns a pandas DataFrame indexed by output with columns ``unit``, ``n`` (finite
    values), ``n_nonfinite`` (inf/NaN values, e.g. an infinite retention), ``mean``,
    ``std`` (sample, ddof=1), ``p1``, ``p50``, ``p99`` (numpy linear percentiles), all over
    the finite values. ``attrs["n_cases"]`` and ``attrs["n_errors"]`` count the rows.
    ``outputs``: the columns to report (default: every :data:`OUTPUT_UNITS` key present).
    """
    require_sweep_stack("pandas")
    import pandas as pd

    if "error" in table.columns:
        ok = table[table["error"] == ""]
    else:
        ok = table
    if outputs is None:
        outputs = [k for k in OUTPUT_UNITS if k in table.columns]
    missing = [k for k in outputs if k not in table.columns]
    if missing:
        raise ParameterError(f"outputs {missing} are not columns of the table ({', '.join(map(str, table.columns))})")
    rows = []
    for name in outputs:
        x = np.asarray(ok[name], dtype=float)
        fin = x[np.isfinite(x)]
        stats = {"unit": OUTPUT_UNITS.get(name, ""), "n": int(fin.size), "n_nonfinite": int(x.size - fin.size)}
        if fin.size:
            p1, p50, p99 = np.percentile(fin, [1.0, 50.0, 99.0])
            stats.update(mean=float(fin.mean()), std=float(fin.std(ddof=1)) if fin.size > 1 else float("nan"),
                         p1=float(p1), p50=float(p50), p99=float(p99))
        else:
            stats.update(mean=float("nan"), std=float("nan"), p1=float("nan"), p50=float("nan"), p99=float("nan"))
        rows.append(stats)
    report = pd.DataFrame(rows, index=pd.Index(list(outputs), name="output"),
                          columns=["unit", "n", "n_nonfinite", "mean", "std", "p1", "p50", "p99"])
    report.attrs["n_cases"] = int(len(table))
    report.attrs["n_errors"] = int(len(table) - len(ok))
    return report


def format_report(report) -> str:
    """The report as a fixed-width text table (4 significant digits)."""
    head = f"{'output':<28}{'unit':>7}{'n':>6}{'mean':>12}{'std':>12}{'p1':>12}{'p50':>12}{'p99':>12}"
    lines = [head, "-" * len(head)]
    for name, r in report.iterrows():
        extra = f"  ({r['n_nonfinite']} non-finite)" if r["n_nonfinite"] else ""
        lines.append(f"{name:<28}{r['unit']:>7}{r['n']:>6}" + "".join(f"{r[c]:>12.4g}" for c in
                                                                       ("mean", "std", "p1", "p50", "p99")) + extra)
    n_cases, n_err = report.attrs.get("n_cases"), report.attrs.get("n_errors")
    if n_cases is not None:
        lines.append(f"{n_cases} cases, {n_err} failed")
    return "\n".join(lines)


def run_variability(preset: str, spread: ProcessSpread | None, n: int, seed: int, out_path: str, **kwargs):
    """:func:`sample` + :func:`compactmodel.studies.sweeps.run_sweep` + :func:`monte_carlo_report`.

    ``kwargs``: ``temperature``, ``t_retention``, ``simulate``, ``nseg`` go to :func:`sample`;
    the rest (``scheduler``, ``n_workers``, ``progress``, ...) to ``run_sweep``. Returns
    ``(table, report)``.
    """
    sample_keys = {"temperature", "t_retention", "simulate", "nseg"}
    sweep = sample(preset, spread, n, seed, **{k: v for k, v in kwargs.items() if k in sample_keys})
    table = run_sweep(sweep, variability_task, out_path, **{k: v for k, v in kwargs.items() if k not in sample_keys})
    return table, monte_carlo_report(table)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry (``python -m compactmodel.studies.variability -h``)."""
    d = ProcessSpread()
    ap = argparse.ArgumentParser(prog="python -m compactmodel.studies.variability",
                                 description="Monte Carlo over process spread: capacity, efficiency and retention.")
    ap.add_argument("--preset", default="reference_device", choices=list(PRESETS))
    ap.add_argument("--n", type=int, default=200, help="number of samples")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="result table (.csv or .parquet); the store is <out>.parts/")
    ap.add_argument("--theta-sh", type=float, default=d.theta_sh, help="relative spread of the spin Hall angle")
    ap.add_argument("--g-mix", type=float, default=d.g_mix, help="relative spread of the mixing conductance")
    ap.add_argument("--a-ex", type=float, default=d.A_ex, help="relative spread of the exchange stiffness")
    ap.add_argument("--length", type=float, default=d.length, help="relative spread of the loop length")
    ap.add_argument("--temperature-sigma", type=float, default=d.temperature, help="temperature spread [K]")
    ap.add_argument("--distribution", default=d.distribution, choices=["lognormal", "normal"])
    ap.add_argument("--temperature", type=float, default=300.15, help="nominal temperature [K]")
    sim = ap.add_mutually_exclusive_group()
    sim.add_argument("--simulate", dest="simulate", action="store_true", default=None,
                     help=f"run the ngspice round trip per case (default: only if n <= {SIMULATE_AUTO_MAX_N})")
    sim.add_argument("--no-simulate", dest="simulate", action="store_false")
    ap.add_argument("--nseg", type=int, default=None, help="section count of a shipped sectioned subcircuit (default: the modal spin_battery)")
    ap.add_argument("--workers", type=int, default=2, help="local worker processes")
    ap.add_argument("--scheduler", default=None, help="dask scheduler address (default: a LocalCluster)")
    ap.add_argument("--flush-seconds", type=float, default=2.0)
    ap.add_argument("--retry-errors", action="store_true")
    ap.add_argument("--no-progress", action="store_true")
    a = ap.parse_args(argv)
    try:
        spread = ProcessSpread(a.theta_sh, a.g_mix, a.a_ex, a.length, a.temperature_sigma, a.distribution)
        table, report = run_variability(
            a.preset, spread, a.n, a.seed, a.out, temperature=a.temperature, simulate=a.simulate, nseg=a.nseg,
            scheduler=a.scheduler, n_workers=a.workers, progress=not a.no_progress, flush_seconds=a.flush_seconds,
            retry_errors=a.retry_errors)
    except ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    s = table.attrs["stats"]
    print(f"{a.preset}: {s['total']} cases ({s['cached']} stored before, {s['computed']} computed, "
          f"{s['errors']} errors) in {s['seconds']:.1f} s -> {a.out}")
    if s["lost"]:
        print(f"{s['lost']} case(s) were lost with their worker or scheduler: run the same command again to finish")
    print(format_report(report))
    return 0


if __name__ == "__main__":
    # import the module under its own name so the task pickles as compactmodel.studies.variability:variability_task
    from compactmodel.studies import variability as _self

    sys.exit(_self.main())
