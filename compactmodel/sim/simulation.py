"""Run a protocol (:class:`compactmodel.sim.protocol.Experiment`) on the battery in ngspice,
co-simulating a logic load in Python.

Each protocol step is one ngspice transient of the shipped subcircuit. The next step starts
from the exact state where the previous one ended: every internal state node of the
subcircuit (twists, ring winding, rotation rates) is carried over with ``.ic``. Sources ramp
from the previous step's set-points over the experiment's ``edge`` time.

An array of ``n_series`` x ``n_parallel`` identical cells is simulated as one cell behind an
ideal transformer (array voltage = n_series x cell voltage, cell current = array current /
n_parallel): exact for identical cells, which the deterministic model keeps identical.

Terminations are checked on every accepted time point (a breakpoint halts ngspice); the
step is then cut at the interpolated crossing, and the load's state is re-integrated to it.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from tqdm.auto import tqdm

from ..core.formatting import format_real
from ..core.parameters import ParameterError, is_integer, is_real, validate
from ..devices.sot_mtj import SotMtj, energy_density, tilted_p_state
from ..library import SHIPPED_NSEGS, numeric_model, subckt_library, subckt_name
from ..physics import scales
from ..physics.capacity import Rating, rating
from ..physics.gate import open_voltage
from ..physics.phase_slips import LandauLimitWarning, warn_if_past_landau
from .deck import Deck
from .energy import current_driven_system
from .loads import Load, LogicLoad
from .ngspice import STOP_SOURCE, Cosimulation, SimulationError, run_netlist
from .protocol import GENTLE_TRANSITS, Experiment, Step, check_time_scales, ramp_schedule
from .results import Results, StepRecord, landau_peak

__all__ = ["Simulation", "StepLimitWarning", "PointCountWarning", "EnergyBalanceWarning", "GateClosingWarning", "ENERGY_NODES",
           "BALANCE_TARGET"]


class StepLimitWarning(UserWarning):
    """A step with 'until' conditions ended at its time limit without meeting them."""


class GateClosingWarning(UserWarning):
    """Closing the gate lost windings: the loop passed its Landau limit, or more than 1 % of the winding
    slipped, in the close-gate step and the gate-closed step after it (the lost turns are in the step
    summaries, ``phase_slips``; the peak winding density, ``landau_peak``)."""


#: Share of the winding whose loss while the gate closes raises a :class:`GateClosingWarning`.
CLOSING_LOSS_LIMIT = 0.01


class EnergyBalanceWarning(UserWarning):
    """A step's energy account did not close to :data:`BALANCE_TARGET`, even with the tighter tolerances and smaller
    time steps of :data:`REFINEMENTS`."""


#: A step's energy account must close to this share of the energy through the magnet (:meth:`Simulation._step_balance`).
BALANCE_TARGET = 5e-4
#: The attempts at a step, (reltol divisor, largest-time-step divisor): the default first, then tighter ones until the
#: step's energy account closes to BALANCE_TARGET. ngspice's reltol (1e-3) bounds each state's local error, so the
#: account of a step closes to ~1e-3 at the defaults; a tighter reltol alone costs ~1.2-1.5x the points and fixes most
#: steps, smaller steps the rest (benchmarks/energy_balance.py).
REFINEMENTS = ((1.0, 1.0), (4.0, 1.0), (10.0, 2.0), (10.0, 8.0))


class PointCountWarning(UserWarning):
    """An explicit ``tmax`` makes a step longer than :data:`POINT_COUNT_WARNING` time points."""


#: Time points (duration / tmax) of one resolved step above which an explicit tmax warns.
POINT_COUNT_WARNING = 2e6

_SHIPPED_NSEG = (None, *SHIPPED_NSEGS)


#: Energy-integrator nodes: name -> what they integrate (see ``Simulation._energy_integrators``).
ENERGY_NODES = {
    "e_port": "electrical energy into the battery terminal",
    "e_load": "energy into the load",
    "e_joule": "Joule heat of the charging wires",
    "e_pumping": "spin pumping at the contacts",
    "e_gilbert": "Gilbert damping in the wire",
    "e_slips": "energy released by phase slips",
    "e_gate": "work done by the gate driver on the gated section (VCMA stiffness change)",
}


@dataclass
class _Setpoints:
    gate: float = 0.0
    current: float = 0.0
    load: float = 0.0
    resistor: float = 0.0


@dataclass
class _Driver:
    """Logic-cell and write-driver state carried from step to step."""

    cell_state: object = None  #: SotMtjState (None: the initial, slightly tilted P state)
    bridge: int = 0  #: H-bridge sign (0: not oriented yet)
    target: int = 0  #: side of the next write (+1: P, -1: AP; 0: not set)
    writes: int = 0  #: writes completed since the start of the protocol


class _StepHandler(Cosimulation):
    """Per-step co-simulation: advances the logic cell, evaluates terminations.

    ``orient``: the release starts with the load disconnected, so the write driver orients the
    H-bridge at the first point (the first current lobe then drives the cell toward its other
    state); otherwise the bridge and target carry over from the previous step.
    ``t_base``: time of this ngspice run's start within the step [s] (a long hold runs in two parts).
    """

    def __init__(self, sim: "Simulation", step: Step, driver: _Driver, t_step: float, load_on: bool = False,
                 orient: bool = False, t_base: float = 0.0, writes_step_start: int | None = None):
        super().__init__()
        self.sim, self.step = sim, step
        names = ["time", "bp", "varr#branch", "wn"]
        self.cell = None
        if isinstance(sim.load, LogicLoad) and load_on:
            self.cell = SotMtj(sim.load.cell, seed=sim.load.seed, thermal=sim.load.thermal)
            if driver.cell_state is not None:
                self.cell.set_state(driver.cell_state)
            names.append("vsns#branch")
        self.needs_energy = any(t.variable in ("soc", "stored_energy") for t in step.terminations)
        if self.needs_energy:
            names += [f"x1.{s}" for s in sim.state_names] + ["x1.ws", "x1.gk"]
        self.vectors = tuple(names)
        self.writes = driver.writes
        self.writes_start = driver.writes if writes_step_start is None else writes_step_start
        self.bridge, self.target = driver.bridge, driver.target
        self.orient = orient or driver.bridge == 0
        self.t_step, self.t_base = t_step, t_base
        self.history: list[tuple] = []  # (t, cell state, bridge, target, writes, strip current)
        self.gs = 1.0
        self.r0 = sim.load.cell.r0 if isinstance(sim.load, LogicLoad) else 1.0
        self._last: tuple[float, float] | None = None

    def accept(self, v: list[float]) -> None:
        t = v[0]
        if self.cell is not None:
            i_strip = v[4]
            if self._last is None:
                if self.orient:
                    my0 = self.cell.m[1]
                    self.target = -1 if my0 >= 0 else 1
                    sign_wn = 1 if v[3] >= 0 else -1
                    self.bridge = self.sim.load.bridge or (-sign_wn * (1 if my0 >= 0 else -1))
            else:
                t0, i0 = self._last
                if t > t0:
                    self.cell.advance(t - t0, self.bridge * i0, self.bridge * i_strip)
            self._last = (t, i_strip)
            self._check_write()
            self.gs = self.r0 / self.cell.strip_resistance()
            self.history.append((t, self.cell.state(), self.bridge, self.target, self.writes, i_strip))
        values = {"step_time": t + self.t_base, "port_voltage": v[1], "port_current": -v[2], "winding": v[3],
                  "writes": self.writes - self.writes_start}
        if self.needs_energy:
            n = len(self.sim.state_names)
            e = float(self.sim._array_energy(v[4 + (self.cell is not None):][: n + 2]))
            values["stored_energy"] = e
            values["soc"] = e / self.sim.full_energy
        # a condition that already holds at the step's first point (t = 0) ends the step at once
        if any(term.met(values[term.variable]) for term in self.step.terminations):
            self.stop = True
        if self.sim._progress is not None:
            self.sim._progress(t + self.t_base)

    def _check_write(self) -> None:
        """Count a write once the cell has reached the target side (target m_y >= threshold) and
        is trapped there (energy below the saddle at m = +-x, 0: it cannot swing back undriven);
        the driver then reverses the current for the next write."""
        mx, my, mz = self.cell.m
        if (self.target != 0 and self.target * my >= self.sim.load.write_threshold
                and energy_density(self.sim.load.cell, mx, my, mz) < 0.0):
            self.writes += 1
            self.target, self.bridge = -self.target, -self.bridge

    def rewind(self, i: int, frac: float) -> None:
        """Put the cell and driver where they were at the fraction ``frac`` between points i-1 and i."""
        if frac >= 1.0:
            _, st, self.bridge, self.target, self.writes, _ = self.history[i]
            self.cell.set_state(st)
            return
        t0, st, self.bridge, self.target, self.writes, i0 = self.history[i - 1]
        t1, _, _, _, _, i1 = self.history[i]
        self.cell.set_state(st)
        dt = frac * (t1 - t0)
        if dt > 0:
            self.cell.advance(dt, self.bridge * i0, self.bridge * (i0 + frac * (i1 - i0)))
        self._check_write()

    def driver(self) -> _Driver:
        return _Driver(self.cell.state() if self.cell is not None else None, self.bridge, self.target, self.writes)

    def source(self, name: str, time: float) -> float:
        if name == "vgs":
            return self.gs
        return super().source(name, time)


class Simulation:
    """A protocol run on one device (or an array of identical devices) feeding a load.

    Parameters
    ----------
    experiment : the protocol (:class:`Experiment`, a list of step strings, or protocol text).
    params : instance parameters (defaults: the reference device); ``wn0`` is the initial winding.
    load : :class:`LogicLoad` (default), :class:`ResistorLoad`, :class:`CapacitorLoad`.
    n_series, n_parallel : array of identical cells (>= 1).
    nseg : sections of a shipped extra subcircuit ``spin_battery_n<nseg>`` (None: the default model).
    temperature : circuit temperature [K].
    tmax : largest time step [s]. Default: the transit time L/u over 50, at most 10 ps (the
        release rings at the loop's round trip, and 50 points per transit keep the energy
        account within ~0.2 %); a step longer than 2000 of them uses 1/2000 of its length, and a
        hold 1/200 of its length. Given explicitly, it holds in every step except the
        quasi-static part of a long hold (a :class:`PointCountWarning` above 2e6 points per
        step), so a weakly damped device can be step-converged
        (:func:`compactmodel.sim.stepping.converge_tmax`).
    max_step_time : time limit of a step that has only 'until' conditions [s].
    t_retention : retention that defines the rated full charge (SOC = 1) [s].
    options : extra ngspice ``.options`` (e.g. ``"reltol=1e-5"``).
    """

    def __init__(self, experiment: Experiment | Sequence | str, params: Mapping[str, float] | None = None,
                 load: Load | None = None, n_series: int = 1, n_parallel: int = 1, nseg: int | None = None,
                 temperature: float = 300.15, tmax: float | None = None, max_step_time: float = 100e-9,
                 t_retention: float | None = None, options: str = ""):
        if isinstance(experiment, str):
            experiment = Experiment.from_text(experiment)
        elif not isinstance(experiment, Experiment):
            experiment = Experiment(experiment)
        self.experiment = experiment
        self.params = validate(params)
        if load is None:
            load = LogicLoad()
        if not isinstance(load, Load):
            raise ParameterError(f"load must be a LogicLoad, ResistorLoad or CapacitorLoad, got {type(load).__name__}")
        self.load = load
        for name, val in (("n_series", n_series), ("n_parallel", n_parallel)):
            if not is_integer(val) or not (1 <= val <= 10**12):
                raise ParameterError(f"{name} = {val!r}: allowed range integers [1:1e12]")
        self.n_series, self.n_parallel = n_series, n_parallel = int(n_series), int(n_parallel)
        if nseg not in _SHIPPED_NSEG:
            raise ParameterError(f"nseg = {nseg!r}: allowed values {_SHIPPED_NSEG} (the shipped subcircuits)")
        self.nseg = nseg
        #: The subcircuit every step instantiates, and its numeric twin.
        self.subckt = subckt_name(nseg)
        self.twin = numeric_model(self.subckt)
        if not is_real(temperature) or not (
            math.isfinite(temperature) and 200.0 <= temperature <= 500.0
        ):
            raise ParameterError(f"temperature = {temperature!r} K: allowed range [200:500] K")
        self.temperature = float(temperature)
        self._tmax_given = tmax is not None
        #: Transit time L/u of the loop [s] (the default step, the gentle close and its warning use it).
        self.transit = scales.transit_time(self.params["len"], self.params["stiff"], self.params["chi"])
        if tmax is None:
            tmax = min(10e-12, self.transit / 50.0)
        for name, val, lo, hi in (("tmax", tmax, 1e-15, 1e-6), ("max_step_time", max_step_time, 1e-12, 1e10)):
            if not is_real(val) or not (math.isfinite(val) and lo <= val <= hi):
                raise ParameterError(f"{name} = {val!r} s: allowed range [{lo:g}:{hi:g}] s")
        self.tmax, self.max_step_time = float(tmax), float(max_step_time)
        check_time_scales([s for _, s in self.experiment.steps], self.experiment.edge, self.max_step_time)
        self.options = options
        kw = {} if t_retention is None else {"t_retention": t_retention}
        self.rating: Rating = rating(self.params, temperature=self.temperature, **kw)
        #: Internal state nodes of the subcircuit (carried from step to step with .ic).
        self.state_names: tuple[str, ...] = tuple(self.twin.STATES)
        #: Cells in the array.
        self.cells = n_series * n_parallel
        #: Rated energy of the whole array [J] (SOC = 1).
        self.full_energy = self.cells * self.rating.energy
        self._constants = self.twin.constants(self.params)
        self._progress = None
        self._settle: float | None = None
        self._integrator_lines: list[str] | None = None

        k0 = 2 * math.pi * abs(self.params["wn0"]) / self.params["len"]
        kc = scales.device_scales(self.params, self.temperature).landau_winding_density
        if k0 > kc:
            warnings.warn(LandauLimitWarning(
                f"the initial winding wn0 = {self.params['wn0']:g} turns is a winding density of {k0:.4g} rad/m, "
                f"{k0 / kc:.3g} x the Landau limit sqrt(2 kani/stiff) = {kc:.4g} rad/m: the texture cannot hold it "
                f"(at most {kc * self.params['len'] / (2 * math.pi):.4g} turns)"), stacklevel=2)
        for _, step in self.experiment.steps:
            if step.kind == "charge":
                with warnings.catch_warnings():
                    warnings.simplefilter("default")
                    warn_if_past_landau(self.params, step.current / n_parallel, self.temperature)

    # ------------------------------------------------------------------ netlists
    def _deck(self, step: Step, prev: _Setpoints, new: _Setpoints, duration: float, ic: Mapping[str, float] | None,
              stop: bool, long_steps: bool = False, refine: tuple[float, float] = (1.0, 1.0)) -> str:
        f = format_real
        e = step.edge if step.edge is not None else self.experiment.edge
        # the gate closes before the current stops; a load is disconnected before the charger starts
        load_was_on = prev.load > 0 or prev.resistor > 0
        edge_times = ramp_schedule(step, load_was_on, e, self._current_edge(step))

        def pwl(name: str) -> str:
            a, b = getattr(prev, name), getattr(new, name)
            t0, t1 = edge_times[name]
            if a == b:
                return f"{f(b)}"
            return f"pwl(0 {f(a)} {f(t0)} {f(a)} {f(t1)} {f(b)})" if t0 > 0 else f"pwl(0 {f(a)} {f(t1)} {f(b)})"

        if long_steps:
            tmax = duration / 200.0
        elif self._tmax_given:  # the user's step is honoured in every resolved step (stepping.converge_tmax)
            tmax = self.tmax
            if duration / tmax > POINT_COUNT_WARNING:
                warnings.warn(PointCountWarning(
                    f"step {step.text!r}: {duration:.3g} s at tmax = {tmax:.3g} s is at least {duration / tmax:.2g} time "
                    "points; a larger tmax (or the default, tmax=None) keeps it short"), stacklevel=4)
        else:  # default: at most 2000 points per step (200 in a hold)
            tmax = max(self.tmax, duration / 2000.0)
            if step.kind == "hold":
                tmax = duration / 200.0
        if not long_steps:
            tmax /= refine[1]
        deck = Deck(f"spin battery protocol step: {step.text}", subckt_library(self.subckt))
        deck.instance("X1", ("p", "0", "gate", "wn"), self.params, self.subckt)
        deck.add(
            f"Earr bpi 0 p 0 {self.n_series}",
            "Varr bpi bp 0",
            f"Fcell 0 p Varr {f(-1.0 / self.n_parallel)}",
            f"Ich 0 bp {pwl('current')}",
            f"Vg gate 0 {pwl('gate')}",
            f"Vld ld 0 {pwl('load')}",
            f"Vldr ldr 0 {pwl('resistor')}",
            "Vlsense bp bl 0",
            *self.load.elements(),
        )
        if step.resistance is not None:
            deck.add(f"Bres bl 0 I = V(bl)*V(ldr)/{f(step.resistance)}")
        deck.add(*self._energy_integrators())
        if stop:
            deck.add(STOP_SOURCE)
        deck.ic({**(ic or {}), **{key: 0.0 for key in ENERGY_NODES}})
        deck.temperature(self.temperature - 273.15).options(self.options)
        if refine[0] != 1.0 and "reltol" not in self.options.lower():
            deck.options(f"reltol={format_real(1e-3 / refine[0])}")
        # quasi-static storage: the step is set by the time limit, not by truncation error
        deck.control(".options method=gear trtol=1e12" if long_steps else "* truncation-error step control")
        deck.analysis(f".tran {f(min(tmax, duration) / 10)} {f(duration)} 0 {f(min(tmax, duration / 4))}")
        return deck.text()

    def _energy_integrators(self) -> list[str]:
        """B-source + 1 F capacitor per energy account: V(e_x) = integral of P_x dt / E_scale.

        ngspice integrates them with its own truncation-error control, so fast transients
        (phase slips near the Landau limit, the gate edge's ringing) are counted exactly as the
        states evolve; E_scale is the array's rated energy (node values of order 1).
        """
        if self._integrator_lines is None:
            consts = self._constants
            scale = self.full_energy
            cells = self.cells
            ipn = f"(I(Varr)*{format_real(-1.0 / self.n_parallel)})"
            lines = [
                f"B_e_port 0 e_port I = -V(bp)*I(Varr)*{format_real(1.0 / scale)}",
                f"B_e_load 0 e_load I = V(bp)*I(Vlsense)*{format_real(1.0 / scale)}",
            ]
            for key, terms in self.twin.LOSS_TERMS.items():
                parts = []
                for coeff, mono in terms:
                    c = float(coeff(consts)) * cells / scale
                    if c != 0.0:
                        parts.append(f"{format_real(c)}*{mono.replace('ipncell', ipn)}")
                expr = " + ".join(parts) if parts else "0"
                lines.append(f"B_{key} 0 {key} I = {expr}")
            kgate0 = self.params["stiff"] / self.params["lgate"]
            c = 2 * math.pi**2 * kgate0 * cells / scale
            # d(k_g/k_g0)/dt is the current of a capacitor held at V(x1.gk): ngspice forms it with the states'
            # own integration formula, on the accepted points. Not ddt(): ngspice's B-source ddt() is a lagged
            # difference quotient whose history takes in rejected time points; on the release's gate edge it
            # gave 7.6 x dk_g/dt at one point, 0.5 % of the stored energy in the step's account. The capacitor
            # is 1e-20 F so that its charge stays far below chgtol and it does not steer the time step.
            cd = 1e-20
            lines += ["E_gkd gkd 0 x1.gk 0 1", "V_gkd gkd gkc 0", f"C_gkd gkc 0 {format_real(cd)}"]
            lines.append(f"B_e_gate 0 e_gate I = {format_real(c / cd)}*I(V_gkd)*(V(x1.wr) - V(x1.ws))*(V(x1.wr) - V(x1.ws))")
            lines += [f"C_{key} {key} 0 1" for key in ENERGY_NODES]
            self._integrator_lines = lines
        return self._integrator_lines

    def _setpoints(self, step: Step, prev: _Setpoints) -> _Setpoints:
        vopen = open_voltage(self.params["vgon"])
        if step.kind == "charge":
            return _Setpoints(gate=vopen, current=step.current)
        if step.kind in ("close_gate", "hold"):
            return _Setpoints(gate=0.0)
        if step.kind == "open_gate":
            return _Setpoints(gate=vopen)
        if step.resistance is not None:
            return _Setpoints(gate=vopen, resistor=1.0)
        return _Setpoints(gate=vopen, load=1.0)

    def _current_edge(self, step: Step) -> float | None:
        """Ramp time [s] of the current after the gate closes (None: the gate's ramp time)."""
        if step.kind != "close_gate":
            return None
        if step.gentle:
            return GENTLE_TRANSITS * self.transit
        return step.current_edge

    def _duration(self, step: Step) -> float:
        e = step.edge if step.edge is not None else self.experiment.edge
        if step.kind == "close_gate":  # gate ramp, current ramp, then two gate ramps of settling
            ce = self._current_edge(step)
            return 3 * e + (e if ce is None else ce)
        if step.kind == "open_gate":
            return 2 * e
        if step.duration is not None:
            return step.duration
        return self.max_step_time

    # ------------------------------------------------------------------ run
    def solve(self, progress: bool = False) -> Results:
        """Run every step; returns a :class:`Results`.

        ``progress``: show a progress bar over the steps and, inside a step, over its simulated
        time. A step with 'until' conditions that ends at its time limit without meeting them
        raises a warning (:class:`StepLimitWarning`); ``Results.step_summaries()`` says which
        condition ended each step.
        """
        bar = inner = None
        steps = self.experiment.steps
        if progress:
            bar = tqdm(total=len(steps), unit="step", desc="protocol", position=0)
        records: list[StepRecord] = []
        prev = _Setpoints()
        ic: dict[str, float] | None = None
        driver = _Driver()
        last_m = (0.0, 1.0, 0.0)
        if isinstance(self.load, LogicLoad):
            last_m = tilted_p_state()
        t_offset = 0.0
        wr_start = None
        try:
            for n, (cycle, step) in enumerate(steps):
                new = self._setpoints(step, prev)
                duration = self._duration(step)
                if bar is not None:
                    bar.set_postfix_str(step.text[:40])
                    inner = self._step_bar(duration, n)
                # a long hold runs in two parts: the ringing left by the gate edge is resolved first
                # (normal step control), then the quasi-static remainder takes long steps
                parts = [(duration, False)]
                if step.kind == "hold" and duration > 2 * (settle := self._settle_time()):
                    parts = [(settle, False), (duration - settle, True)]
                ic0, driver0 = ic, driver
                writes_step_start = driver.writes
                for attempt, refine in enumerate(REFINEMENTS):  # refine the step until its energy account closes
                    ic, driver = ic0, driver0
                    pieces = []
                    t_base = 0.0
                    for k, (dur, long_steps) in enumerate(parts):
                        # the cell is integrated whenever the write path can carry current (connecting,
                        # connected or disconnecting)
                        load_on = (k == 0 and prev.load > 0) or new.load > 0
                        handler = _StepHandler(self, step, driver, dur, load_on=load_on,
                                               orient=(k == 0 and prev.load == 0 and new.load > 0), t_base=t_base,
                                               writes_step_start=writes_step_start)
                        deck = self._deck(step, prev if k == 0 else new, new, dur, ic, stop=bool(step.terminations),
                                          long_steps=long_steps, refine=refine)
                        try:
                            vec = run_netlist(deck, handler)
                        except SimulationError as err:
                            raise SimulationError(f"step {n + 1} ({step.text!r}): {err}") from None
                        piece = self._record(n, cycle, step, vec, handler, t_offset + t_base)
                        pieces.append(piece)
                        ic = piece.final_state(self.state_names, self.load.ic_nodes())
                        if handler.cell is not None:
                            driver = handler.driver()
                        else:
                            driver = _Driver(driver.cell_state, driver.bridge, driver.target, handler.writes)
                        t_base += float(piece.t[-1])
                        if piece.terminated_by:
                            break
                    rec = pieces[0] if len(pieces) == 1 else _merge(pieces)
                    if rec.cell is None:
                        rec.final_cell_m = last_m
                    rec.slip_offset = rec.vectors["x1.wr"][0] if wr_start is None else wr_start
                    rec.writes_start = writes_step_start
                    balance = self._step_balance(rec)
                    if abs(balance) <= BALANCE_TARGET or not math.isfinite(balance):
                        break  # (a long hold's quasi-static part keeps its steps; its tolerance tightens)
                if abs(balance) > BALANCE_TARGET and math.isfinite(balance):
                    warnings.warn(EnergyBalanceWarning(
                        f"step {n + 1} ({step.text!r}): its energy account closes only to {balance:.2e} of the energy through "
                        f"the magnet (target {BALANCE_TARGET:g}) after {attempt} refinements (reltol / {refine[0]:g}, largest step / "
                        f"{refine[1]:g}); pass a smaller tmax or reltol (options=)"), stacklevel=2)
                if step.terminations and not rec.terminated_by:
                    rec.terminated_by = "time limit"
                    warnings.warn(StepLimitWarning(
                        f"step {n + 1} ({step.text!r}) reached its time limit of {duration:.4g} s before "
                        f"{' or '.join(t.text for t in step.terminations)}"), stacklevel=2)
                elif not rec.terminated_by:
                    rec.terminated_by = "time"
                last_m = rec.final_cell_m
                if wr_start is None:
                    wr_start = rec.vectors["x1.wr"][0]
                records.append(rec)
                t_offset = rec.t_end
                prev = new
                if inner is not None:
                    inner.close()
                    inner = None
                if bar is not None:
                    bar.update(1)
        finally:
            self._progress = None
            for b in (inner, bar):
                if b is not None:
                    b.close()
        results = Results(records, self)
        self._check_closing(results)
        return results

    def _step_balance(self, rec: StepRecord) -> float:
        """Residual of a step's energy account relative to the energy through the magnet in it [-]: max of the
        peak stored energy, the energy put into the magnet (energy in - Joule heat) and the magnet's losses."""
        one = Results([rec], self)
        row = one.step_summaries()[0]
        scale = max(float(np.max(np.abs(one["stored_energy"]))), abs(row["energy_in"] - row["joule"] - row["delivered"]),
                    row["pumping"] + row["gilbert"] + abs(row["slips"]), 1e-300)
        return row["balance_residual"] / scale

    def _check_closing(self, results: Results) -> None:
        """A :class:`GateClosingWarning` for each close-gate step that, with the ringing time of the gate-closed
        step after it (:meth:`_settle_time`), passed the Landau limit or lost more than
        :data:`CLOSING_LOSS_LIMIT` of its winding to slips."""
        rows = results.step_summaries()
        for n, row in enumerate(rows):
            if row["kind"] != "close_gate":
                continue
            peak, lost = row["landau_peak"], row["phase_slips"]
            if n + 1 < len(rows) and rows[n + 1]["kind"] in ("hold", "close_gate"):
                nxt = results.records[n + 1]
                ring = nxt.t <= self._settle_time()
                wr = nxt.vectors["x1.wr"][ring]
                lost += float(wr[0] - wr[-1])
                peak = max(peak, landau_peak({k: nxt.vectors[k][ring] for k in ("x1.lnd", "x1.lg", "x1.gk")}))
            w0 = abs(float(results.records[n].vectors["wn"][0]))
            if peak > 1 or abs(lost) > max(CLOSING_LOSS_LIMIT * w0, 1e-3):
                share = f"{100 * lost / w0:.3g} % of {w0:.4g}" if w0 > 0 else f"from {w0:.4g}"
                warnings.warn(GateClosingWarning(
                    f"step {n + 1} ({row['text']!r}): closing the gate lost {lost:.4g} turns to phase slips ({share}) "
                    f"within the ringing time of the closed loop; the winding density peaked at {peak:.3g} x its "
                    f"Landau limit. To close without loss, let the charge settle (spinbattery info: charging_time_1pct) "
                    f"and write 'Close gate gently' (the current ramps down over {GENTLE_TRANSITS:g} transit times, "
                    f"{GENTLE_TRANSITS * self.transit:.3g} s)"), stacklevel=3)

    def _step_bar(self, duration: float, n: int):
        """A tqdm bar over the simulated time of one step, updated at most every 0.2 s."""
        inner = tqdm(total=1000, desc=f"  step {n + 1}", position=1, leave=False, bar_format="{l_bar}{bar}| {elapsed}",
                     disable=None)  # None: only on a terminal (no log spam in CI)
        state = {"last": 0.0, "shown": 0}

        def update(t: float) -> None:
            now = time.monotonic()
            if now - state["last"] > 0.2:
                k = min(1000, int(1000 * t / duration))
                inner.update(k - state["shown"])
                state["shown"], state["last"] = k, now

        self._progress = update
        return inner

    def _array_energy(self, nodes):
        """Stored energy of the whole array [J] from the state nodes, V(x1.ws), V(x1.gk)."""
        *z, ws, gk = nodes
        return self.cells * self.twin.stored_energy_nodes(self._constants, z, ws, gk)

    def _settle_time(self) -> float:
        """Time for the closed loop's ringing to decay by e^-40, within [10 ns, 5 us]  [s].

        The decay time is that of the least damped oscillatory eigenmode of the linearised
        model with the gate closed.
        """
        if self._settle is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                jac, _, tau, _ = current_driven_system(self.params, self.twin, v_gate=0.0)
            if not np.all(np.isfinite(jac)):
                # a state without inertia at these parameters (e.g. damp = 0) makes the
                # linearisation singular; resolve the longest ringing allowed instead (always safe, only slower)
                self._settle = 5e-6
                return self._settle
            eig = np.linalg.eigvals(jac) / tau
            osc = eig[np.abs(eig.imag) > 1e-6 * np.abs(eig)]
            rate = float(np.min(-osc.real)) if len(osc) else math.inf
            self._settle = min(max(40.0 / rate if rate > 0 else math.inf, 10e-9), 5e-6)
        return self._settle

    def _record(self, n: int, cycle: int, step: Step, vec: dict, handler: _StepHandler, t_offset: float) -> StepRecord:
        t = np.real(vec["time"])
        cut = None
        if step.terminations and handler.stop:
            cut = self._crossing(step, vec, handler)
        rec = StepRecord(index=n, cycle=cycle, step=step, vectors={k: np.real(v) for k, v in vec.items()},
                         t_offset=t_offset)
        # logic-cell history on the ngspice time points
        if handler.cell is not None:
            hist = handler.history
            ht = np.array([h[0] for h in hist])
            if len(ht) != len(t) or np.max(np.abs(ht - t)) > 1e-18 + 1e-9 * t[-1]:
                raise SimulationError(
                    f"step {n + 1}: the co-simulation saw {len(ht)} accepted points, ngspice saved {len(t)}"
                )
            rec.cell = {
                "mx": np.array([h[1].m[0] for h in hist]),
                "my": np.array([h[1].m[1] for h in hist]),
                "mz": np.array([h[1].m[2] for h in hist]),
                "bridge": np.array([h[2] for h in hist], dtype=float),
                "writes": np.array([h[4] for h in hist], dtype=float),
            }
        if cut is not None:
            i, frac, text = cut
            rec.truncate(i, frac)
            rec.terminated_by = text if i > 0 else f"{text} (already at the step start)"
            if handler.cell is not None:
                handler.rewind(i, frac)
                m = handler.cell.m
                rec.cell["mx"][-1], rec.cell["my"][-1], rec.cell["mz"][-1] = m
                rec.cell["bridge"][-1], rec.cell["writes"][-1] = handler.bridge, handler.writes
        if handler.cell is not None:
            rec.final_cell_state = handler.cell.state()
            rec.final_cell_m = handler.cell.m
        rec.final_writes_total = handler.writes
        return rec

    def _crossing(self, step: Step, vec: dict, handler: _StepHandler) -> tuple[int, float] | None:
        """(index i, fraction in [0, 1], condition text) of the first termination crossing between points i-1 and i."""
        t = np.real(vec["time"])
        series = {
            "step_time": t + handler.t_base,
            "port_voltage": np.real(vec["bp"]),
            "port_current": -np.real(vec["varr#branch"]),
            "winding": np.real(vec["wn"]),
        }
        if handler.history:
            series["writes"] = np.array([h[4] for h in handler.history], dtype=float) - handler.writes_start
        else:
            series["writes"] = np.full_like(t, handler.writes - handler.writes_start, dtype=float)
        if any(term.variable in ("soc", "stored_energy") for term in step.terminations):
            e = self._array_energy([np.real(vec[f"x1.{s}"]) for s in self.state_names]
                                   + [np.real(vec["x1.ws"]), np.real(vec["x1.gk"])])
            series["stored_energy"] = e
            series["soc"] = e / self.full_energy
        def when(i: int, frac: float) -> float:
            return float(t[0]) if i == 0 else float(t[i - 1] + frac * (t[i] - t[i - 1]))

        best = None
        for term in step.terminations:
            d = term.distance(series[term.variable])
            met = np.nonzero([term.met(x) for x in series[term.variable]])[0]
            if not len(met):
                continue
            i = int(met[0])
            if i == 0 or term.variable == "writes":
                frac = 1.0  # i = 0: met at the step start, the step ends there (no interpolation, no division)
            else:
                d0, d1 = d[i - 1], d[i]
                frac = float(np.clip(-d0 / (d1 - d0), 0.0, 1.0)) if d1 != d0 else 1.0
            if best is None or when(i, frac) < when(best[0], best[1]):
                best = (i, frac, term.text)
        return best


def _merge(pieces: list[StepRecord]) -> StepRecord:
    """One record from consecutive ngspice runs of the same step."""
    first, last = pieces[0], pieces[-1]
    vectors = {}
    for k in first.vectors:
        parts = []
        for j, pc in enumerate(pieces):
            v = pc.vectors[k]
            if k == "time":
                v = v + (pc.t_offset - first.t_offset)
            if k in ENERGY_NODES and j > 0:
                v = v + parts[-1][-1]
            parts.append(v if j == 0 else v[1:])
        vectors[k] = np.concatenate(parts)
    rec = StepRecord(index=first.index, cycle=first.cycle, step=first.step, vectors=vectors, t_offset=first.t_offset)
    rec.long_from = len(first.vectors["time"]) - 1
    rec.cell = None if first.cell is None else {k: np.concatenate([first.cell[k]] + [pc.cell[k][1:] for pc in pieces[1:]])
                                                 for k in first.cell}
    for attr in ("final_cell_m", "final_cell_state", "final_writes_total", "terminated_by"):
        setattr(rec, attr, getattr(last, attr))
    return rec

