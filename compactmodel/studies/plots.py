"""Figures of a protocol run: waveforms, the energy flow of a cycle, the logic cell's magnetization.

>>> res = Simulation([...]).solve()                       # doctest: +SKIP
>>> plot_waveforms(res, path="waveforms.png")              # doctest: +SKIP
>>> plot_energy_flow(res, cycle=0, path="energy.png")      # doctest: +SKIP
>>> plot_magnetization(res, path="cell.png")               # doctest: +SKIP

Every function takes a :class:`compactmodel.sim.results.Results`, returns a
:class:`matplotlib.figure.Figure` and, given ``path``, also saves it there. The figures are
built without :mod:`matplotlib.pyplot` (no backend is selected, nothing is registered with
pyplot, no rcParams are changed), so they work headless and in any backend; in Jupyter the
returned figure displays itself. Use ``fig.savefig(...)`` or ``path=`` to write files.

A protocol mixes picosecond steps with ``Hold for 10 years``, so the waveforms are drawn on a
*step-segmented* axis by default: each step gets an equal-width segment ``[i, i + 1]`` with its
own linear time scale (time since the step start, in a unit chosen per step: fs ... s, min, h,
days, years), step boundaries are vertical lines and the step texts label the top.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from ..core.constants import YEAR
from ..sim.results import Results

__all__ = ["plot_waveforms", "plot_energy_flow", "plot_magnetization", "plot_battery_report", "DEFAULT_WAVEFORMS",
           "cell_gid"]

DEFAULT_WAVEFORMS = ("port_current", "port_voltage", "gate_voltage", "winding", "soc", "phase_slips", "load_current",
                     "load_power")

#: time units for axis labels: (label, seconds), smallest first
_TIME_UNITS = [
    ("fs", 1e-15), ("ps", 1e-12), ("ns", 1e-9), ("µs", 1e-6), ("ms", 1e-3), ("s", 1.0),
    ("min", 60.0), ("h", 3600.0), ("days", 86400.0), ("years", YEAR),
]
_SI_PREFIX = {-24: "y", -21: "z", -18: "a", -15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "",
              3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E", 21: "Z", 24: "Y"}
#: units that take SI prefixes (results unit -> displayed symbol)
_SI_UNITS = {"A": "A", "V": "V", "J": "J", "W": "W", "s": "s", "ohm": "Ω"}
#: display unit of dimensionless variables ("" -> "[1]")
_DIMENSIONLESS = {"winding": "turns", "phase_slips": "turns per cell", "writes": "writes"}
_KIND_COLOUR = {"charge": "tab:blue", "close_gate": "tab:gray", "open_gate": "tab:gray",
                "hold": "tab:olive", "release": "tab:green"}
BOUNDARY_GID = "step-boundary"


# ------------------------------------------------------------------ helpers
def _save(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        fig.savefig(Path(path), dpi=130, bbox_inches="tight")
    return fig


def time_unit(span: float) -> tuple[str, float]:
    """The largest unit of :data:`_TIME_UNITS` in which ``span`` [s] is at least 1."""
    name, scale = _TIME_UNITS[0]
    for n, s in _TIME_UNITS:
        if span >= s * (1 - 1e-9):
            name, scale = n, s
    return name, scale


def value_scale(name: str, unit: str, values: np.ndarray) -> tuple[float, str]:
    """(divisor, unit label) that brings ``values`` to a readable range.

    SI units get a prefix (``µA``, ``aJ``, ``kΩ``); dimensionless variables far from 1 get a
    power of ten (``10^-5 turns``)."""
    v = np.asarray(values, dtype=float)
    v = np.abs(v[np.isfinite(v)])
    big = float(v.max()) if v.size else 0.0
    if unit in _SI_UNITS:
        symbol = _SI_UNITS[unit]
        if big <= 0.0:
            return 1.0, symbol
        exp = int(np.clip(3 * np.floor(np.log10(big) / 3), -24, 24))
        return 10.0 ** exp, _SI_PREFIX[exp] + symbol
    base = _DIMENSIONLESS.get(name, "1" if unit == "1" else unit)
    if big <= 0.0 or 1e-2 <= big < 1e4:
        return 1.0, base
    exp = int(np.floor(np.log10(big)))
    label = f"$10^{{{exp}}}$" + ("" if base == "1" else f" {base}")
    return 10.0 ** exp, label


def _step_time(res: Results) -> np.ndarray:
    """Time since the start of each point's step [s]. The absolute ``time`` cannot resolve
    picoseconds after a 10-year hold (float64 spacing at 3e8 s is 6e-8 s), so use the
    step-local time (``step_time``, or the records' own time vectors)."""
    if "step_time" in getattr(res, "variables", ()):
        return np.asarray(res["step_time"], dtype=float)
    local = np.concatenate([np.asarray(r.t, dtype=float) for r in res.records])
    if len(local) != len(res["time"]):  # pragma: no cover - records and variables disagree
        raise ValueError("the step records and the results variables have different lengths")
    return local


def _check_results(res: Results, who: str) -> None:
    if not hasattr(res, "records") or not hasattr(res, "cycle_summaries"):
        raise ValueError(f"{who}: expected a compactmodel Results (Simulation(...).solve()), got {type(res).__name__}")


def _check_index(who: str, name: str, value, n: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{who}: {name} = {value!r} must be an integer index of the {what} (0..{n - 1})")
    if not 0 <= int(value) < n:
        raise ValueError(f"{who}: {name} = {value!r} is out of range: the run has {n} {what} (0..{n - 1})")
    return int(value)


def _wrap_keep_units(text: str, width: int) -> list[str]:
    """Wrap ``text`` at spaces, never between a number and the unit that follows it
    ("0.166 mA" stays on one line); joining the lines with spaces gives the text back."""
    words = text.split(" ")
    chunks: list[str] = []
    for w in words:
        if chunks and re.fullmatch(r"[-+]?\d[\d.eE+-]*", chunks[-1].rsplit(" ", 1)[-1]) and w and not w[0].isdigit():
            chunks[-1] += " " + w
        else:
            chunks.append(w)
    lines: list[str] = []
    for c in chunks:
        if lines and len(lines[-1]) + 1 + len(c) <= width:
            lines[-1] += " " + c
        else:
            lines.append(c)
    return lines


#: panel labels that need more than the variable name
_PANEL_LABEL = {"phase_slips": "net phase slips\n(gate open: follows\nthe winding)"}


@dataclass
class _Steps:
    """Start time, duration and text of each protocol step, and the segmented x mapping."""

    start: np.ndarray
    duration: np.ndarray
    texts: list[str]
    kinds: list[str]
    cycles: list[int]
    local: np.ndarray  #: time since the start of each point's step [s], full precision

    @classmethod
    def of(cls, res: Results) -> "_Steps":
        recs = res.records
        local = _step_time(res)
        k = res["step"].astype(int)
        start = np.array([float(r.t_offset) for r in recs])
        dur = np.zeros(len(recs))
        for i in range(len(recs)):
            ti = local[k == i]
            dur[i] = float(ti[-1] - ti[0]) if ti.size else 0.0
        return cls(start, dur, [r.step.text for r in recs], [r.step.kind for r in recs], [r.cycle for r in recs], local)

    @property
    def n(self) -> int:
        return len(self.texts)

    def x(self, step: np.ndarray) -> np.ndarray:
        """Segmented abscissa: step i spans [i, i + 1], linear in the time since its start."""
        i = np.asarray(step).astype(int)
        d = self.duration[i]
        t0 = np.array([self.local[i == j][0] if np.any(i == j) else 0.0 for j in range(self.n)])[i]
        frac = np.divide(self.local - t0, d, out=np.zeros(len(i)), where=d > 0)
        return i + np.clip(frac, 0.0, 1.0)

    def decorate(self, axes: Sequence, mode: str, fig: Figure) -> None:
        """Boundaries, kind shading, step labels (top) and per-step time ticks (bottom)."""
        n = self.n
        if mode == "step":
            edges = np.arange(n + 1, dtype=float)
        else:
            name, scale = time_unit(float(self.start[-1] + self.duration[-1]))
            edges = np.append(self.start, self.start[-1] + self.duration[-1]) / scale
        for ax in axes:
            for i in range(n):
                ax.axvspan(edges[i], edges[i + 1], color=_KIND_COLOUR.get(self.kinds[i], "tab:gray"),
                           alpha=0.07, lw=0, zorder=0)
            for i in range(1, n):
                new_cycle = self.cycles[i] != self.cycles[i - 1]
                ax.axvline(edges[i], color="k" if new_cycle else "0.45", lw=1.4 if new_cycle else 0.8,
                           ls="-" if new_cycle else "--", zorder=1, gid=BOUNDARY_GID)
            ax.set_xlim(edges[0], edges[-1])
            ax.grid(True, axis="y", alpha=0.3)
        # step texts on top
        width = max(12, int(110 / max(n, 1)))
        multi_cycle = len(set(self.cycles)) > 1
        total = float(edges[-1] - edges[0]) or 1.0
        labels = [("\n".join(_wrap_keep_units((f"[cycle {c + 1}] " if multi_cycle else "") + t, width)))
                  if (edges[i + 1] - edges[i]) / total >= 0.06 else ""  # too narrow to label (x="time")
                  for i, (t, c) in enumerate(zip(self.texts, self.cycles))]
        top = axes[0].secondary_xaxis("top")
        centres = (edges[:-1] + edges[1:]) / 2
        top.set_ticks(centres, labels=labels, fontsize=8 if n <= 6 else 7)
        top.tick_params(length=0)
        bottom = axes[-1]
        if mode == "step":
            nb = 4 if n <= 4 else (3 if n <= 8 else 2)
            ticks, ticklabels = [], []
            trans = blended_transform_factory(bottom.transData, bottom.transAxes) + \
                ScaledTranslation(0, -17 / 72, fig.dpi_scale_trans)
            for i in range(n):
                unit, scale = time_unit(float(self.duration[i])) if self.duration[i] > 0 else ("s", 1.0)
                span = self.duration[i] / scale
                vals = MaxNLocator(nbins=nb, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, span) if span > 0 else [0.0]
                for v in vals:
                    if v < -1e-12 or v > span * (1 + 1e-9):
                        continue
                    if i < n - 1 and span > 0 and (span - v) / span < 0.15:
                        continue  # would collide with the next step's 0
                    ticks.append(i + (v / span if span > 0 else 0.0))
                    ticklabels.append(f"{v:g}")
                bottom.text((edges[i] + edges[i + 1]) / 2, 0.0, f"t [{unit}]", transform=trans,
                            ha="center", va="top", fontsize=8, color="0.2")
            bottom.set_xticks(ticks, labels=ticklabels, fontsize=8)
            bottom.set_xlabel("time since the start of each step [unit under each step]", labelpad=14, fontsize=9)
        else:
            bottom.set_xlabel(f"time since the start of the protocol [{name}]")


# ------------------------------------------------------------------ waveforms
#: a step's change smaller than this fraction of the variable's peak over the run is drawn on the
#: row's common scale (a flat line), not magnified: it is solver noise, not a signal
FLAT = 1e-6


def cell_gid(name: str, step: int) -> str:
    """gid of the axes of variable ``name`` in step ``step`` (``plot_waveforms(yscale="step")``)."""
    return f"{name}@{step}"


def _row_scale(name: str, unit: str, y: np.ndarray) -> tuple[float, str, tuple[float, float]]:
    """(divisor, unit label, y-limits in the divided unit) of the whole run of one variable."""
    div, label = value_scale(name, unit, y)
    v = y[np.isfinite(y)] / div
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
    pad = 0.05 * (hi - lo) if hi > lo else max(0.05 * abs(hi), 0.5)
    return div, label, (lo - pad, hi + pad)


def _plot_waveforms_by_step(res: Results, steps: "_Steps", variables: list[str]) -> Figure:
    """One column of axes per protocol step, one row per variable; every cell has its own
    time axis (time since the step start, in the step's unit) and its own y-limits and unit."""
    n, m = len(variables), steps.n
    k = res["step"].astype(int)
    width = float(np.clip(3.4 * m + 1.8, 9, 30))
    fig = Figure(figsize=(width, 1.5 * n + 1.9), layout="constrained")
    axes = fig.subplots(n, m, sharex="col", squeeze=False)
    multi_cycle = len(set(steps.cycles)) > 1
    nbins = 4 if m <= 4 else 3
    for j in range(m):
        sel = k == j
        t = steps.local[sel]
        t = t - (t[0] if t.size else 0.0)
        dur = float(steps.duration[j])
        tunit, tscale = time_unit(dur) if dur > 0 else ("s", 1.0)
        colour = _KIND_COLOUR.get(steps.kinds[j], "tab:gray")
        for i, name in enumerate(variables):
            ax = axes[i, j]
            ax.set_gid(cell_gid(name, j))
            y_all = np.asarray(res[name], dtype=float)
            y = y_all[sel]
            finite_all = y_all[np.isfinite(y_all)]
            peak = float(np.max(np.abs(finite_all))) if finite_all.size else 0.0
            fy = y[np.isfinite(y)]
            span = float(np.ptp(fy)) if fy.size else 0.0
            if span > FLAT * peak and span > 0:
                div, unit = value_scale(name, res.units[name], fy)
                lo, hi = float(fy.min()) / div, float(fy.max()) / div
                pad = 0.06 * (hi - lo)
                ylim = (lo - pad, hi + pad)
                ax.ticklabel_format(axis="y", useOffset=False)  # absolute tick values, no "+9.784e-1" offset
            else:  # flat in this step: the row's common scale
                div, unit, ylim = _row_scale(name, res.units[name], y_all)
            ax.plot(t / tscale, y / div, lw=1.2, color="tab:blue", gid=name)
            ax.set_ylim(*ylim)
            ax.set_facecolor((*to_rgb(colour), 0.07))
            ax.grid(True, alpha=0.3)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.xaxis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))
            ax.tick_params(labelsize=8)
            label = _PANEL_LABEL.get(name, name.replace("_", " "))
            ax.set_ylabel(f"{label}\n[{unit}]" if j == 0 else f"[{unit}]", fontsize=9 if j == 0 else 8)
            if dur > 0:
                ax.set_xlim(0.0, dur / tscale)
            else:
                ax.set_xlim(-1.0, 1.0)
        title = (f"[cycle {steps.cycles[j] + 1}] " if multi_cycle else "") + steps.texts[j]
        wrap = max(14, int(width * 72 / m / 7.5))
        axes[0, j].set_title("\n".join(_wrap_keep_units(title, wrap)), fontsize=9,
                             color="k", backgroundcolor=(*to_rgb(colour), 0.15))
        axes[-1, j].set_xlabel(f"t [{tunit}]" if dur > 0 else "t (the step ended at its start)", fontsize=9)
    fig.supxlabel("time since the start of each step (each column: one protocol step, its own time and value scales)",
                  fontsize=9)
    return fig


def plot_waveforms(res: Results, path: str | Path | None = None,
                   variables: Sequence[str] = DEFAULT_WAVEFORMS, x: str = "step", yscale: str | None = None) -> Figure:
    """Panels of ``variables`` (names of ``res.variables``) over the whole protocol.

    ``yscale="step"`` (the default with ``x="step"``): a grid of axes, one row per variable and
    one column per protocol step. Each cell has its own time axis (time since the step start,
    in a unit chosen per step) and its own y-limits and SI prefix. This is the layout of a
    multi-channel oscilloscope capture with one timebase and one volts/div per phase, and it is
    chosen because a protocol's phases differ by orders of magnitude: the demo charges at 16 A
    and 16 kV and releases at about 1 mA and 2 V, so on one shared scale the release (the point
    of the run) is a flat line. A symlog or normalised axis would show it too, but its tick
    labels cannot be read as amperes; separate linear axes can, and each keeps zero and sign
    readable. A step in which a variable changes by less than :data:`FLAT` of its peak over the
    run is drawn on the row's common scale (a flat line at its true level) rather than
    magnifying solver noise. Each axes has gid ``cell_gid(name, step)`` and one ``Line2D``
    (gid = the variable name) with that step's points.

    ``yscale="shared"``: one panel per variable with one y-scale for the whole run, on the
    step-segmented axis (``x="step"``: one equal-width segment per step, each with its own
    time unit) or on linear time since the protocol start (``x="time"``, which implies
    ``"shared"``). One ``Line2D`` per panel (gid = the variable name) holding the whole protocol."""
    who = "plot_waveforms"
    _check_results(res, who)
    if isinstance(variables, str):
        variables = (variables,)
    variables = list(variables)
    if not variables:
        raise ValueError(f"{who}: variables is empty; choose from {', '.join(res.variables)}")
    bad = [v for v in variables if v not in res.variables]
    if bad:
        raise ValueError(f"{who}: unknown variable(s) {', '.join(map(repr, bad))}; available: {', '.join(res.variables)}")
    if x not in ("step", "time"):
        raise ValueError(f"{who}: x = {x!r}: allowed values 'step' (segmented) and 'time'")
    if yscale is None:
        yscale = "step" if x == "step" else "shared"
    if yscale not in ("step", "shared"):
        raise ValueError(f"{who}: yscale = {yscale!r}: allowed values 'step' (a column per step) and 'shared'")
    if yscale == "step" and x == "time":
        raise ValueError(f"{who}: yscale = 'step' draws each step on its own time axis; use x='step' (or yscale='shared')")
    steps = _Steps.of(res)
    sim = getattr(res, "simulation", None)
    cells = f" — array of {sim.n_series} × {sim.n_parallel} cells" if sim is not None else ""
    if yscale == "step":
        fig = _plot_waveforms_by_step(res, steps, variables)
        fig.suptitle(f"Protocol waveforms{cells} (each step on its own scales)", fontsize=11)
        return _save(fig, path)
    if x == "step":
        xs = steps.x(res["step"])
    else:
        _, tscale = time_unit(float(steps.start[-1] + steps.duration[-1]))
        xs = res["time"] / tscale
    n = len(variables)
    width = float(np.clip(2.4 * steps.n + 3, 9, 20))
    fig = Figure(figsize=(width, 1.55 * n + 2.0), layout="constrained")
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, variables):
        y = np.asarray(res[name], dtype=float)
        div, unit = value_scale(name, res.units[name], y)
        ax.plot(xs, y / div, lw=1.2, color="tab:blue", gid=name)
        ax.set_ylabel(f"{_PANEL_LABEL.get(name, name.replace('_', ' '))}\n[{unit}]", fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
    steps.decorate(axes, x, fig)
    fig.suptitle(f"Protocol waveforms{cells}", fontsize=11)
    return _save(fig, path)


# ------------------------------------------------------------------ energy flow
#: (summary key, bar label, group) in chart order, top to bottom
_FLOW = [
    ("energy_in", "energy in (from the charger)", "in"),
    ("stored_peak", "stored, peak", "stored"),
    ("stored_at_release", "stored at the first release", "stored"),
    ("joule", "loss: Joule, charging wires", "loss"),
    ("pumping", "loss: spin pumping", "loss"),
    ("gilbert", "loss: Gilbert damping", "loss"),
    ("slips", "loss: phase slips", "loss"),
    ("gate_work", "gate work (done by the gate;\n< 0: absorbed by the gate)", "gate"),
    ("delivered", "delivered to the load", "out"),
    ("stored_end", "left stored at the end", "stored"),
]
_GROUP_COLOUR = {"in": "tab:blue", "stored": "tab:green", "loss": "tab:red", "gate": "tab:orange", "out": "tab:purple"}


def _joules(v: float) -> str:
    return "0" if v == 0 else f"{v:.3g}" if 1e-3 <= abs(v) < 1e3 else f"{v:.2e}"


def _percent(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    p = 100.0 * x
    return f"{p:.3g} %" if abs(p) >= 1e-3 or p == 0 else f"{p:.2e} %"


def plot_energy_flow(res: Results, cycle: int = 0, path: str | Path | None = None, log: bool = True) -> Figure:
    """Horizontal bars of one cycle's energy account [J] (whole array): energy in, stored
    (peak, at release), each loss, gate work, delivered, left stored.

    ``log=True`` (default): log-scale bars of |value| (negative values hatched, their sign in
    the printed value), since the Joule loss of the charging wires can exceed the stored
    energy by 1e5-1e9; ``log=False``: linear bars with signed widths. Each bar carries the
    summary key as gid and its value in J printed beside it. The title gives the round-trip
    efficiency (delivered / energy in) and the writes completed."""
    who = "plot_energy_flow"
    _check_results(res, who)
    summaries = res.cycle_summaries()
    c = _check_index(who, "cycle", cycle, len(summaries), "cycles")
    s = summaries[c]
    rows = [(k, lab, g) for k, lab, g in _FLOW if np.isfinite(s.get(k, np.nan))]
    vals = np.array([float(s[k]) for k, _, _ in rows])
    ypos = np.arange(len(rows))
    fig = Figure(figsize=(10, 0.5 * len(rows) + 2.2), layout="constrained")
    ax = fig.add_subplot()
    colours = [_GROUP_COLOUR[g] for _, _, g in rows]
    widths = np.abs(vals) if log else vals
    bars = ax.barh(ypos, widths, color=colours, edgecolor="k", linewidth=0.5, height=0.7)
    for bar, (key, _, _), v in zip(bars, rows, vals):
        bar.set_gid(key)
        if log and v < 0:
            bar.set_hatch("///")
            bar.set_facecolor("white")
            bar.set_edgecolor(_GROUP_COLOUR["gate"])
    if log:
        ax.set_xscale("log")
        pos = np.abs(vals[vals != 0])
        lo, hi = (float(pos.min()), float(pos.max())) if pos.size else (1e-30, 1e-29)
        ax.set_xlim(lo / 10, hi * 10 ** 2.5)
        xl = lo / 10
        for y, v in zip(ypos, vals):
            xt = max(abs(v), xl) * 1.25
            ax.text(xt, y, f"{_joules(v)} J", va="center", ha="left", fontsize=9)
    else:
        span = float(np.max(np.abs(vals))) if vals.size else 1.0
        for y, v in zip(ypos, vals):
            ax.text(v + (0.01 * span if v >= 0 else -0.01 * span), y, f"{_joules(v)} J", va="center",
                    ha="left" if v >= 0 else "right", fontsize=9)
        ax.set_xlim(min(0.0, float(vals.min())) - 0.25 * span, float(vals.max()) + 0.3 * span)
        ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(ypos, labels=[lab for _, lab, _ in rows], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("energy, whole array [J]" + (" (log scale: |value|; hatched = negative)" if log else ""))
    ax.grid(True, axis="x", alpha=0.3)
    writes = s.get("writes", 0.0)
    wtxt = f"{writes:g} write{'s' if writes != 1 else ''} completed"
    ax.set_title(f"Energy flow of cycle {c + 1} (of {len(summaries)}): round-trip efficiency "
                 f"{_percent(s['round_trip_efficiency'])} (delivered / energy in), {wtxt}\n"
                 f"(balance error {s.get('balance_error', np.nan):.2g} of max(energy in, stored peak))", fontsize=10)
    return _save(fig, path)


# ------------------------------------------------------------------ magnetization
def _default_release_step(res: Results, who: str) -> int:
    summ = res.step_summaries()
    for r in summ:
        if r["writes"] > 0:
            return int(r["step"])
    for r in summ:
        if r["kind"] == "release":
            return int(r["step"])
    raise ValueError(f"{who}: the protocol has no release step; pass step= explicitly")


def plot_magnetization(res: Results, path: str | Path | None = None, step: int | None = None) -> Figure:
    """The logic cell during one step (default: the first step that completed writes, else
    the first release step), time since the step start in ns.

    Top panel: free-layer m_x, m_y, m_z [1] (lines with gid ``mx``, ``my``, ``mz``) and, on
    the right axis, the strip current as driven into the cell (load current times the
    H-bridge orientation); write completions are dashed vertical lines (gid ``write``).
    Bottom panel: the MTJ read-path resistance. Axes: magnetization, strip current (twin),
    resistance."""
    who = "plot_magnetization"
    _check_results(res, who)
    n = len(res.records)
    k = _default_release_step(res, who) if step is None else _check_index(who, "step", step, n, "steps")
    mtj_all = res["mtj_resistance"]
    if np.all(np.isnan(mtj_all)):
        load = getattr(getattr(res, "simulation", None), "load", None)
        raise ValueError(f"{who}: the run has no logic cell (load is {type(load).__name__}); use a LogicLoad")
    m = res["step"].astype(int) == k
    rec = res.records[k]
    t_local = _step_time(res)[m]
    t_ns = (t_local - t_local[0]) / 1e-9
    fig = Figure(figsize=(9, 6.2), layout="constrained")
    ax_m, ax_r = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    for name, colour in (("mx", "tab:blue"), ("my", "tab:red"), ("mz", "tab:green")):
        ax_m.plot(t_ns, res[name][m], color=colour, lw=1.4, label=f"$m_{name[1]}$", gid=name)
    ax_m.set_ylabel("free-layer magnetization [1]")
    ax_m.set_ylim(-1.08, 1.08)
    ax_m.grid(True, alpha=0.3)
    # strip current as seen by the cell (the H-bridge orients it)
    i_load = res["load_current"][m]
    bridge = rec.cell.get("bridge") if rec.cell is not None else None
    i_strip = i_load * bridge if bridge is not None and len(bridge) == len(i_load) else i_load
    div, unit = value_scale("load_current", "A", i_strip)
    ax_i = ax_m.twinx()
    ax_i.plot(t_ns, i_strip / div, color="k", lw=0.9, alpha=0.7, label="strip current", gid="strip_current")
    ax_i.set_ylabel(f"strip current (H-bridge oriented) [{unit}]")
    lim = float(np.nanmax(np.abs(i_strip / div))) if i_strip.size else 1.0
    lim = lim if lim > 0 and np.isfinite(lim) else 1.0
    ax_i.set_ylim(-1.08 * lim, 1.08 * lim)
    # write completions
    w = res["writes"][m]
    done = np.flatnonzero(np.diff(w) > 0) + 1
    for j, i in enumerate(done):
        for ax in (ax_m, ax_r):
            ax.axvline(t_ns[i], color="tab:purple", ls="--", lw=1.0, gid="write",
                       label="write completed" if (j == 0 and ax is ax_m) else None)
    h1, l1 = ax_m.get_legend_handles_labels()
    h2, l2 = ax_i.get_legend_handles_labels()
    # above the axes: inside, the legend hid the magnetization it names
    ax_m.legend(h1 + h2, l1 + l2, loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, ncol=5, frameon=False)
    r = res["mtj_resistance"][m]
    rdiv, runit = value_scale("mtj_resistance", "ohm", r)
    ax_r.plot(t_ns, r / rdiv, color="tab:brown", lw=1.3, gid="mtj_resistance")
    ax_r.set_ylabel(f"MTJ resistance [{runit}]")
    ax_r.ticklabel_format(axis="y", useOffset=False)
    ax_r.set_xlabel("time since the start of the step [ns]")
    ax_r.grid(True, alpha=0.3)
    ax_r.set_xlim(t_ns[0], t_ns[-1] if t_ns[-1] > t_ns[0] else t_ns[0] + 1)
    nw = int(round(res.step_summaries()[k]["writes"]))
    fig.suptitle(f"Logic cell during step {k} ({rec.step.text!r}): {nw} write{'s' if nw != 1 else ''} completed",
                 fontsize=11)
    return _save(fig, path)


# ------------------------------------------------------------------ battery report
def _si(value: float, unit: str, digits: int = 3) -> str:
    """``0.000799, "J"`` -> ``"799 µJ"``."""
    if not np.isfinite(value):
        return "n/a"
    if value == 0:
        return f"0 {unit}"
    exp = int(np.clip(3 * np.floor(np.log10(abs(value)) / 3), -24, 24))
    return f"{value / 10.0 ** exp:.{digits}g} {_SI_PREFIX[exp]}{unit}"


#: the magnet's energy account per phase, as (key, label if it flows in, label if it flows out, colour);
#: the signed value of each term is the energy it brings into the magnet (see :func:`phase_accounts`)
REPORT_TERMS = [
    ("port", "from the port (less the Joule heat of $r_w$)", "out through the port (to $r_w$ and the source)",
     "tab:blue"),
    ("storage", "released from storage", "stored", "tab:green"),
    ("gate", "work done by the gate", "absorbed by the gate", "tab:orange"),
    ("pumping", "spin pumping (gain)", "spin pumping", "tab:red"),
    ("gilbert", "Gilbert damping (gain)", "Gilbert damping", "tab:pink"),
    ("slips", "phase slips (gain)", "phase slips", "tab:brown"),
    ("load", "from the load", "delivered to the load", "tab:purple"),
]


def phase_accounts(res: Results) -> list[dict]:
    """The magnet's energy account of each protocol phase [J], from :meth:`Results.step_summaries`.

    A phase is a step of the protocol; with several cycles a step's phase sums it over the
    cycles (grouped by position in the cycle and text). Each entry has ``text``, ``cycles``
    (how many it sums), ``steps`` (record indices), ``energy_in`` and ``joule`` (from the port
    and the Joule heat of the port wires, which can exceed everything else by 1e5), ``writes``,
    ``phase_slips`` (net per cell) and ``terms``: the energy each :data:`REPORT_TERMS` key brings
    into the magnet (positive: a source, negative: a sink)::

        port = energy_in - joule,  storage = stored_start - stored_end,  gate = gate_work,
        pumping = -pumping,  gilbert = -gilbert,  slips = -slips,  load = -delivered

    so the terms sum to the steps' ``balance_residual`` (zero for an exact account)."""
    rows = res.step_summaries()
    groups: dict[tuple[int, str], list[dict]] = {}
    pos: dict[int, int] = {}
    for r in rows:
        p = pos.get(r["cycle"], 0)
        pos[r["cycle"]] = p + 1
        groups.setdefault((p, r["text"]), []).append(r)
    out = []
    for (p, text), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[1][0]["step"])):
        tot = {k: float(sum(r[k] for r in rs)) for k in ("energy_in", "joule", "pumping", "gilbert", "slips",
                                                         "gate_work", "delivered", "writes", "phase_slips",
                                                         "balance_residual")}
        stored_change = float(sum(r["stored_end"] - r["stored_start"] for r in rs))
        terms = {"port": tot["energy_in"] - tot["joule"], "storage": -stored_change, "gate": tot["gate_work"],
                 "pumping": -tot["pumping"], "gilbert": -tot["gilbert"], "slips": -tot["slips"],
                 "load": -tot["delivered"]}
        out.append({"text": text, "kind": rs[0]["kind"], "cycles": len(rs), "steps": [int(r["step"]) for r in rs],
                    "energy_in": tot["energy_in"], "joule": tot["joule"], "writes": tot["writes"],
                    "phase_slips": tot["phase_slips"], "residual": tot["balance_residual"], "terms": terms})
    return out


def _report_energy(ax, phases: list[dict]) -> None:
    """Per phase two stacked bars in % of the energy through the magnet in that phase: where it
    came from (upper bar) and where it went (lower bar)."""
    colour = {k: c for k, _, _, c in REPORT_TERMS}
    label = {k: (li, lo) for k, li, lo, _ in REPORT_TERMS}
    seen: set[str] = set()
    yticks, ylabels = [], []
    for p, ph in enumerate(phases):
        terms = ph["terms"]
        src = {k: v for k, v in terms.items() if v > 0}
        snk = {k: -v for k, v in terms.items() if v < 0}
        through = max(sum(src.values()), sum(snk.values()))
        ph["through"] = through
        for side, part, dy in (("in", src, -0.2), ("out", snk, 0.2)):
            left = 0.0
            for k, v in part.items():
                w = 100.0 * v / through if through > 0 else 0.0
                name = label[k][0 if side == "in" else 1]
                bar = ax.barh(p + dy, w, left=left, height=0.36, color=colour[k], edgecolor="k", linewidth=0.4,
                              hatch="//" if side == "in" else None,
                              label=None if (name in seen) else name, gid=f"{p}/{side}/{k}")[0]
                bar.energy = v  # the account value [J] the bar draws
                seen.add(name)
                if w >= 9:
                    ax.text(left + w / 2, p + dy, f"{w:.0f} %", ha="center", va="center", fontsize=7.5,
                            color="white" if k in ("port", "pumping", "slips", "load") else "k",
                            bbox=dict(boxstyle="square,pad=0.1", fc=colour[k], ec="none"))
                left += w
        note = [f"through the magnet {_si(through, 'J')}"]
        if ph["joule"] > 1e2 * through:
            note.append(f"(+ {_si(ph['joule'], 'J')} Joule heat of $r_w$, off scale)")
        if terms["load"] < 0:
            ax.text(101.5, p + 0.2, f"to the load {_si(-terms['load'], 'J')}\n"
                    f"({100 * -terms['load'] / through:.2g} %)" if through > 0 else "", va="center", ha="left",
                    fontsize=8, color="tab:purple")
        if ph["writes"]:
            ax.text(101.5, p - 0.2, f"{ph['writes']:g} logic write{'s' if ph['writes'] != 1 else ''}", va="center",
                    ha="left", fontsize=8)
        yticks.append(p)
        cyc = f" (× {ph['cycles']} cycles)" if ph["cycles"] > 1 else ""
        ylabels.append("\n".join(_wrap_keep_units(ph["text"] + cyc, 22)) + "\n" + "\n".join(note))
    ax.set_yticks(yticks, labels=ylabels, fontsize=8)
    ax.set_ylim(len(phases) - 0.45, -0.55)
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("share of the phase's energy through the magnet [%]\n(hatched, upper bar: where it came from;"
                  " plain, lower bar: where it went)", fontsize=8.5)
    ax.grid(True, axis="x", alpha=0.3)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title("Energy flow per phase", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.17), ncol=3, fontsize=7.5, frameon=False)


def _report_numbers(ax, res: Results) -> None:
    summaries = res.cycle_summaries()
    shown = list(range(len(summaries))) if len(summaries) <= 3 else [0, 1, len(summaries) - 1]
    full = getattr(getattr(res, "simulation", None), "full_energy", np.nan)
    rows = [("", [f"cycle {c + 1}" for c in shown])]

    def row(name, fn):
        rows.append((name, [fn(summaries[c]) for c in shown]))

    row("energy in from the port", lambda s: _si(s["energy_in"], "J"))
    row("  of it Joule heat of r_w", lambda s: _si(s["joule"], "J"))
    row("peak stored", lambda s: _si(s["stored_peak"], "J"))
    row("stored at the first release", lambda s: _si(s["stored_at_release"], "J"))
    row("  state of charge there", lambda s: f"{s['stored_at_release'] / full:.3g}" if full > 0 else "n/a")
    row("delivered to the load", lambda s: _si(s["delivered"], "J"))
    row("round-trip efficiency", lambda s: f"{s['round_trip_efficiency']:.3g}")
    row("  delivered / stored at release",
        lambda s: f"{s['delivered'] / s['stored_at_release']:.3g}" if s["stored_at_release"] > 0 else "n/a")
    row("logic writes completed", lambda s: f"{s['writes']:g}")
    row("balance error", lambda s: f"{s['balance_error']:.1e}")
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(v) for r in rows for v in r[1])
    lines = [f"{name:<{w0}}  " + "  ".join(f"{v:>{w1}}" for v in vals) for name, vals in rows]
    if len(summaries) > len(shown):
        lines.append(f"({len(summaries)} cycles; cycle 3 .. {len(summaries) - 1} not shown)")
    lines += ["", "round-trip efficiency = delivered / energy in from the port;",
              "balance error: residual of the account / energy through the magnet"]
    ax.axis("off")
    ax.text(0.0, 1.0, "\n".join(lines), family="monospace", fontsize=8.5, va="top", ha="left", transform=ax.transAxes)
    ax.set_title("Numbers (whole array, SI units)", fontsize=10, loc="left")


def plot_battery_report(res: Results, path: str | Path | None = None) -> Figure:
    """One figure per run: what a designer asks of a battery.

    Left, on the step-segmented time axis (one equal-width segment per step, its own time
    unit): the winding [turns] with the rated full charge, the state of charge [1], and the net
    phase slips per cell with each step's count printed in its segment. Right: the energy flow
    per phase (:func:`phase_accounts`: the account of :meth:`Results.step_summaries`, nothing
    recomputed), as two 100 % stacked bars per phase (where the energy through the magnet came
    from, where it went; the Joule heat of the port wires, often 1e5 times larger, is printed
    beside the phase instead of drawn), and the per-cycle numbers: energy in, stored, delivered,
    round-trip efficiency, writes, balance error. Each energy bar has gid
    ``"<phase>/<in|out>/<term>"`` and an ``energy`` attribute, the account value [J] it draws."""
    who = "plot_battery_report"
    _check_results(res, who)
    steps = _Steps.of(res)
    phases = phase_accounts(res)
    fig = Figure(figsize=(17, 10.5), layout="constrained")
    outer = fig.add_gridspec(1, 2, width_ratios=[1.15, 1])
    left = outer[0].subgridspec(3, 1)
    right = outer[1].subgridspec(2, 1, height_ratios=[1.65, 1])
    ax_w = fig.add_subplot(left[0])
    ax_s = fig.add_subplot(left[1], sharex=ax_w)
    ax_p = fig.add_subplot(left[2], sharex=ax_w)
    xs = steps.x(res["step"])
    sim = getattr(res, "simulation", None)
    rated = getattr(getattr(sim, "rating", None), "winding", None)
    ax_w.plot(xs, res["winding"], color="tab:blue", lw=1.2, gid="winding")
    wmax = float(np.nanmax(np.abs(res["winding"]))) if len(res["winding"]) else 0.0
    if rated is not None:  # the rated line only when it does not squash the data to a flat line
        if rated <= 3 * wmax:
            ax_w.axhline(rated, color="tab:green", ls=":", lw=1.2, label=f"rated full charge {rated:.3g} turns")
            ax_w.legend(loc="lower left", fontsize=8, framealpha=0.9)
        else:
            ax_w.text(0.01, 0.04, f"rated full charge {rated:.3g} turns (off scale)", transform=ax_w.transAxes,
                      fontsize=8, bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.7", alpha=0.9))
    ax_w.set_ylabel("winding [turns]", fontsize=9)
    ax_s.plot(xs, res["soc"], color="tab:green", lw=1.2, gid="soc")
    if float(np.nanmax(np.abs(res["soc"]))) >= 1 / 3:
        ax_s.axhline(1.0, color="k", ls=":", lw=0.9)
    ax_s.set_ylabel("state of charge [1]\n(stored / rated energy)", fontsize=9)
    ax_p.plot(xs, res["phase_slips"], color="tab:brown", lw=1.2, gid="phase_slips")
    ax_p.set_ylabel(_PANEL_LABEL["phase_slips"] + "\n[turns per cell]", fontsize=9)
    for i, st in enumerate(res.step_summaries()):
        ax_p.text(i + 0.5, 0.04, f"Δ {st['phase_slips']:+.3g}", transform=blended_transform_factory(ax_p.transData,
                  ax_p.transAxes), ha="center", va="bottom", fontsize=8,
                  bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.7", alpha=0.9), gid=f"slips@{i}")
    lo, hi = ax_p.get_ylim()
    ax_p.set_ylim(lo - 0.3 * (hi - lo), hi)  # room for the counts under the curve
    for ax in (ax_w, ax_s, ax_p):
        ax.tick_params(axis="y", labelsize=8)
    for ax in (ax_w, ax_s):
        ax.tick_params(axis="x", labelbottom=False)
    steps.decorate([ax_w, ax_s, ax_p], "step", fig)
    ax_e = fig.add_subplot(right[0])
    _report_energy(ax_e, phases)
    ax_n = fig.add_subplot(right[1])
    _report_numbers(ax_n, res)
    cells = f"array of {sim.n_series} × {sim.n_parallel} cells, " if sim is not None else ""
    s0 = res.cycle_summaries()[0]
    fig.suptitle(f"Battery report — {cells}round-trip efficiency {s0['round_trip_efficiency']:.3g} (cycle 1), "
                 f"{sum(s['writes'] for s in res.cycle_summaries()):g} logic writes", fontsize=12)
    fig.report = {"phases": phases}
    return _save(fig, path)
