"""Results of a protocol run: named variables with units, step and cycle summaries, export.

>>> res = Simulation(["Charge at 0.3 mA for 5 ns", "Close gate"]).solve()   # doctest: +SKIP
>>> res["stored_energy"], res.units["stored_energy"]                        # doctest: +SKIP
>>> res.cycle_summaries()[0]["round_trip_efficiency"]                       # doctest: +SKIP
>>> res.to_csv("run.csv"); res.to_npz("run.npz")                             # doctest: +SKIP

All energies are for the whole array (``n_series * n_parallel`` cells).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Protocol

import numpy as np

from .energy import energy_terms
from .loads import Load, LogicLoad
from .protocol import Step

__all__ = ["Results", "StepRecord", "VARIABLES", "landau_peak"]

#: name -> (unit, description) of every results variable.
VARIABLES: dict[str, tuple[str, str]] = {
    "time": ("s", "time since the start of the protocol"),
    "step_time": ("s", "time since the start of the step (full precision; 'time' cannot resolve ps after a 10-year hold)"),
    "step": ("1", "protocol step number (from 0)"),
    "cycle": ("1", "cycle number (from 0)"),
    "port_voltage": ("V", "voltage of the battery (array) terminal"),
    "port_current": ("A", "current into the battery (array) terminal (while releasing it rings: the sign alternates)"),
    "gate_voltage": ("V", "gate voltage"),
    "winding": ("1", "stored winding of the wire, Theta/2pi (V(wn))"),
    "stored_energy": ("J", "stored energy: twist + gate link + spin kinetic, whole array"),
    "soc": ("1", "state of charge: stored energy / rated energy (capacity.rating)"),
    "phase_slips": ("1", "net phase slips per cell since the start (windings lost by the ring; while the gate is open the gated section slips freely, so the count follows the winding)"),
    "load_current": ("A", "current into the load"),
    "load_energy": ("J", "energy delivered to the load since the start of the step (integrator node)"),
    "load_power": ("W", "power into the load"),
    "joule_power": ("W", "Joule power of the charging wires (rw), whole array"),
    "pumping_power": ("W", "spin-pumping power at the contacts, whole array"),
    "gilbert_power": ("W", "Gilbert-damping power in the wire, whole array"),
    "slip_power": ("W", "power released by phase slips, whole array"),
    "mx": ("1", "logic cell free-layer magnetization, x"),
    "my": ("1", "logic cell free-layer magnetization, y (easy axis; +1: parallel state)"),
    "mz": ("1", "logic cell free-layer magnetization, z"),
    "mtj_resistance": ("ohm", "logic cell MTJ read-path resistance"),
    "strip_resistance": ("ohm", "logic cell write-path (heavy-metal strip) resistance, with SMR"),
    "writes": ("1", "logic writes completed since the start"),
}


def landau_peak(v: Mapping[str, np.ndarray]) -> float:
    """Peak winding density over a step / its Landau limit [-]: the wire's (probe ``lnd``) and, while the gate is
    closed (K_g/K = V(gk) >= 0.5), the gated section's, whose limit is sqrt(K_g/K) (probe ``lg``)."""
    peak = float(np.max(np.abs(v["x1.lnd"])))
    gk = np.asarray(v["x1.gk"])
    closed = gk >= 0.5
    if np.any(closed):
        peak = max(peak, float(np.max(np.abs(np.asarray(v["x1.lg"])[closed]) / np.sqrt(gk[closed]))))
    return peak


@dataclass
class StepRecord:
    """Raw ngspice vectors and load history of one protocol step (time from the step start)."""

    index: int
    cycle: int
    step: Step
    vectors: dict[str, np.ndarray]
    t_offset: float
    cell: dict[str, np.ndarray] | None = None
    writes_start: int = 0
    final_cell_m: tuple = (0.0, 1.0, 0.0)
    final_cell_state: Any = None
    final_writes_total: int = 0
    slip_offset: float = 0.0
    long_from: int | None = None  #: index where the long-step (quasi-static) part of a hold starts
    terminated_by: str = ""

    @property
    def t(self) -> np.ndarray:
        return self.vectors["time"]

    @property
    def t_end(self) -> float:
        return self.t_offset + float(self.t[-1])

    def truncate(self, i: int, frac: float) -> None:
        """Cut after the point interpolated at fraction ``frac`` between points i-1 and i
        (``i = 0``: keep only the first point, a step that ended at its start)."""
        for k, v in self.vectors.items():
            v = v[: i + 1].copy()
            if i > 0:
                v[-1] = v[-2] + frac * (v[-1] - v[-2])
            self.vectors[k] = v
        if self.cell is not None:
            for k, v in self.cell.items():
                self.cell[k] = v[: i + 1].copy()

    def final_state(self, state_names: list[str], extra_nodes: list[str]) -> dict[str, float]:
        out = {f"x1.{s}": float(self.vectors[f"x1.{s}"][-1]) for s in state_names}
        for node in extra_nodes:
            out[node] = float(self.vectors[node][-1])
        return out


class Run(Protocol):
    """What :class:`Results` reads of the run that made it (a :class:`compactmodel.sim.simulation.Simulation`)."""

    params: Mapping[str, float]  #: instance parameters of every cell
    subckt: str  #: the subcircuit simulated
    n_series: int
    n_parallel: int
    temperature: float  #: circuit temperature [K]
    load: Load
    full_energy: float  #: rated energy of the array [J]


class Results:
    """Waveforms and energy accounts of a protocol run.

    ``results[name]`` gives a numpy array over the whole protocol (see :data:`VARIABLES` and
    ``results.units``); :meth:`step_summaries` and :meth:`cycle_summaries` give the energy
    accounts; :meth:`to_csv` / :meth:`to_npz` export.
    """

    def __init__(self, records: list[StepRecord], sim: Run):
        self.records = records
        self.simulation = sim
        self.units = {k: u for k, (u, _) in VARIABLES.items()}
        self.descriptions = {k: d for k, (_, d) in VARIABLES.items()}
        self._data = self._assemble()

    # ---------------------------------------------------------------- variables
    def _step_arrays(self, rec: StepRecord) -> dict[str, np.ndarray]:
        sim = self.simulation
        v = rec.vectors
        cells = sim.n_series * sim.n_parallel
        e = energy_terms(v, sim.params, model=sim.subckt, port=("p", "0"), gate="gate",
                         temperature=sim.temperature)
        t = v["time"]
        vbp = v["bp"]
        i_in = -v["varr#branch"]
        out = {
            "time": rec.t_offset + t,
            "step_time": t,
            "step": np.full_like(t, rec.index),
            "cycle": np.full_like(t, rec.cycle),
            "port_voltage": vbp,
            "port_current": i_in,
            "gate_voltage": v["gate"],
            "winding": v["wn"],
            "stored_energy": cells * e["stored_energy"],
            "phase_slips": rec.slip_offset - v["x1.wr"],
            "joule_power": cells * e["joule_power"],
            "pumping_power": cells * e["pumping_power"],
            "gilbert_power": cells * e["gilbert_power"],
            "slip_power": cells * e["slip_power"],
            "gate_work_power": cells * e.get("gate_work_power", np.zeros_like(t)),
        }
        out["soc"] = out["stored_energy"] / sim.full_energy
        load = sim.load
        i_load = v["vlsense#branch"]  # every load hangs behind the sense source Vlsense (bp -> bl)
        out["load_current"] = i_load
        out["load_power"] = vbp * i_load
        if rec.cell is not None:
            c = rec.cell
            out.update(mx=c["mx"], my=c["my"], mz=c["mz"], writes=c["writes"])
        else:
            m = rec.final_cell_m
            out.update(mx=np.full_like(t, m[0]), my=np.full_like(t, m[1]), mz=np.full_like(t, m[2]),
                       writes=np.full_like(t, rec.final_writes_total))
        if isinstance(load, LogicLoad):
            out["mtj_resistance"] = np.array([load.cell.mtj_resistance(y) for y in out["my"]])
            out["strip_resistance"] = np.array([load.cell.strip_resistance(y) for y in out["my"]])
        else:
            out["mtj_resistance"] = np.full_like(t, np.nan)
            out["strip_resistance"] = np.full_like(t, np.nan)
        return out

    def _assemble(self) -> dict[str, np.ndarray]:
        self._per_step = [self._step_arrays(r) for r in self.records]
        keys = self._per_step[0].keys()
        return {k: np.concatenate([s[k] for s in self._per_step]) for k in keys}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._data:
            raise KeyError(f"no results variable {name!r}; available: {', '.join(sorted(self.variables))}")
        return self._data[name]

    @property
    def variables(self) -> list[str]:
        return [k for k in VARIABLES if k in self._data]

    # ---------------------------------------------------------------- accounts
    def step_summaries(self) -> list[dict[str, float]]:
        """Energy account of each step [J] (whole array) and the writes it completed."""
        out = []
        for rec, s in zip(self.records, self._per_step):
            t = s["step_time"]

            # Trapezoid on the accepted points, except where ngspice's own step is backward Euler
            # and the points cannot resolve the power: the first step of a run (a start from a
            # state the open gate or the load relaxes at once) and the first long step of a hold.
            # There the energy-integrator nodes give the increment ngspice integrated.
            v = rec.vectors
            scale = self.simulation.full_energy
            firsts = [0] + ([rec.long_from] if rec.long_from is not None else [])

            def acc(node: str, power: np.ndarray | None = None) -> float:
                if power is None or len(t) < 2:
                    return float((v[node][-1] - v[node][0]) * scale)
                total = float(np.trapezoid(power, t))
                for k in firsts:
                    if k + 1 < len(t):
                        total += float((v[node][k + 1] - v[node][k]) * scale - 0.5 * (power[k] + power[k + 1]) * (t[k + 1] - t[k]))
                return total

            delivered = acc("e_load", s["load_power"])
            gate_work, gate_bound = self._gate_work(v)
            row = {
                "step": rec.index,
                "cycle": rec.cycle,
                "text": rec.step.text,
                "kind": rec.step.kind,
                "terminated_by": rec.terminated_by,
                "t_start": rec.t_offset,
                "duration": float(t[-1] - t[0]),
                "energy_in": acc("e_port", s["port_voltage"] * s["port_current"]) + delivered,
                "delivered": delivered,
                "stored_start": float(s["stored_energy"][0]),
                "stored_end": float(s["stored_energy"][-1]),
                "joule": acc("e_joule", s["joule_power"]),
                "pumping": acc("e_pumping", s["pumping_power"]),
                "gilbert": acc("e_gilbert", s["gilbert_power"]),
                "slips": acc("e_slips", s["slip_power"]),
                "gate_work": gate_work,
                "gate_work_bound": gate_bound,
                "writes": float(s["writes"][-1] - rec.writes_start),
                "phase_slips": float(s["phase_slips"][-1] - s["phase_slips"][0]),
                "landau_peak": landau_peak(v),
                "points": len(t),
            }
            row["losses"] = row["joule"] + row["pumping"] + row["gilbert"] + row["slips"]
            row["balance_residual"] = row["energy_in"] - (row["stored_end"] - row["stored_start"]) - row["losses"] \
                + row["gate_work"] - row["delivered"]
            out.append(row)
        return out

    def _gate_work(self, v: Mapping[str, np.ndarray]) -> tuple[float, float]:
        """Work done by the gate driver in a step and its physical bound [J] (whole array).

        W = integral of (1/2) theta_g^2 dk_g (theta_g the gate twist [rad], k_g = kgate0 V(gk) the gate link's
        stiffness), a Stieltjes trapezoid over the accepted points: each increment of V(gk) is weighted by the
        mean squared twist at its ends. It is bounded by construction, |W| <= (kgate0/2) x (total variation of
        V(gk)) x max theta_g^2, the bound returned beside it (a ddt of the steep gate node over sub-ps steps is
        not: it once gave 1e7 x this bound)."""
        sim = self.simulation
        c = 2 * math.pi**2 * sim.params["stiff"] / sim.params["lgate"] * sim.n_series * sim.n_parallel  # (1/2) kgate0 (2 pi)^2 [J/turn^2]
        gk = np.asarray(v["x1.gk"], dtype=float)
        tg2 = (np.asarray(v["x1.wr"], dtype=float) - np.asarray(v["x1.ws"], dtype=float)) ** 2
        if len(gk) < 2:
            return 0.0, 0.0
        dg = np.diff(gk)
        work = float(c * np.sum(0.5 * (tg2[1:] + tg2[:-1]) * dg))
        bound = float(c * np.sum(np.abs(dg)) * np.max(tg2))
        return work, bound

    def cycle_summaries(self) -> list[dict[str, float]]:
        """Per cycle [J]: energy in, peak stored, stored at the first release, released,
        delivered to the load, each loss, gate work, round-trip efficiency (delivered / in),
        logic writes completed, and ``balance_error``: the residual of energy in = change of
        stored + losses + delivered - gate work, relative to the energy that passed through the
        magnet, max(peak stored, energy in - Joule heat of the charging wires)."""
        steps = self.step_summaries()
        out = []
        for c in sorted({r["cycle"] for r in steps}):
            rows = [r for r in steps if r["cycle"] == c]
            releases = [r for r in rows if r["kind"] == "release"]
            peak = max(float(np.max(self._per_step[r["step"]]["stored_energy"])) for r in rows)
            summ = {
                "cycle": c,
                "energy_in": sum(r["energy_in"] for r in rows),
                "stored_peak": peak,
                "stored_at_release": releases[0]["stored_start"] if releases else float("nan"),
                "released": sum(r["stored_start"] - r["stored_end"] for r in releases),
                "delivered": sum(r["delivered"] for r in rows),
                **{k: sum(r[k] for r in rows) for k in ("joule", "pumping", "gilbert", "slips", "gate_work", "losses")},
                "stored_start": rows[0]["stored_start"],
                "stored_end": rows[-1]["stored_end"],
                "writes": sum(r["writes"] for r in rows),
            }
            summ["round_trip_efficiency"] = summ["delivered"] / summ["energy_in"] if summ["energy_in"] > 0 else float("nan")
            residual = sum(r["balance_residual"] for r in rows)
            # relative to the energy that passes through the magnet (not the charging wires' Joule
            # heat, which can be 1e5 times larger and would hide any error in the magnet's account)
            scale = max(summ["stored_peak"], summ["energy_in"] - summ["joule"], 1e-300)
            summ["balance_error"] = residual / scale
            out.append(summ)
        return out

    # ---------------------------------------------------------------- export
    def to_npz(self, path: str | Path) -> Path:
        """All variables (plus ``units`` and the protocol text) to a numpy ``.npz`` file."""
        path = Path(path)
        np.savez(path, **self._data, units=np.array([f"{k}:{self.units[k]}" for k in self.variables]),
                 protocol=np.array([r.step.text for r in self.records]))
        return path

    def to_csv(self, path: str | Path) -> Path:
        """All variables to CSV; the header row is ``name [unit]``."""
        path = Path(path)
        names = self.variables
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([f"{k} [{self.units[k]}]" for k in names])
            cols = [self._data[k] for k in names]
            for row in zip(*cols):
                w.writerow([f"{x:.10g}" for x in row])
        return path
