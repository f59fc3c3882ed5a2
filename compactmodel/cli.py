"""Command line: ``spinbattery emit | demo | derive | info | simulate``.

One small function per subcommand: ``_add_<name>(subparsers)`` declares its arguments and
sets ``handler=_cmd_<name>``; ``_cmd_<name>(ns) -> int`` runs it and returns the exit status.
To add a subcommand (e.g. ``simulate``), write the two functions and append ``_add_simulate``
to :data:`SUBCOMMANDS`.

Every error (bad option, unknown preset, a parameter that is unknown, not a number or out of
range, a file that cannot be written) prints one line ``error: ...`` to stderr and returns 2.

Each subcommand imports what it needs when it runs (SymPy for ``derive`` and ``emit``, PySpice
and matplotlib for ``demo`` and ``simulate``), so ``spinbattery --help`` and ``info`` start fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from ._version import __version__
from .core.parameters import ParameterError, parameter, validate

__all__ = ["main", "SUBCOMMANDS", "UsageError"]


class UsageError(Exception):
    """Bad command-line usage (raised instead of argparse's print-usage-and-exit)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser that raises :class:`UsageError` instead of exiting (subparsers inherit it)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


# ----------------------------------------------------------------------------- emit, demo
def _add_emit(sub: argparse._SubParsersAction) -> None:
    em = sub.add_parser("emit", help="regenerate the model library (package data, netlists/, verilog-a/) from the SymPy model",
                        description="Write the generated model files under --out, laid out as in the repository "
                        "(compactmodel/library/, netlists/, verilog-a/; the parameter table of an existing README.md). "
                        "Run it from the repository root (the default --out) to regenerate the committed files.")
    em.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                    help="root folder to write into (default: the current one)")
    em.add_argument("--nseg", type=int, default=None, help="sections of the sectioned cross-check model spin_battery_n<N> (default 48)")
    em.add_argument("--check", action="store_true", help="only check the files are up to date")
    em.set_defaults(handler=_cmd_emit)


def _cmd_emit(ns: argparse.Namespace) -> int:
    from .symbolic import emit

    if ns.out.exists() and not ns.out.is_dir():
        raise UsageError(f"--out {str(ns.out)!r} is not a folder")
    args = (["--root", str(ns.out)] + (["--nseg", str(ns.nseg)] if ns.nseg is not None else [])
            + (["--check"] if ns.check else []))
    return emit.main(args)


def _add_demo(sub: argparse._SubParsersAction) -> None:
    dm = sub.add_parser("demo", help="run charge -> store -> release of a battery array into a logic cell in ngspice")
    dm.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                    help="folder for the figures and the data (default: ./out, in the current folder)")
    dm.set_defaults(handler=_cmd_demo)


def _cmd_demo(ns: argparse.Namespace) -> int:
    from .studies.demo import run_demo

    if ns.out.exists() and not ns.out.is_dir():
        raise UsageError(f"--out {str(ns.out)!r} is not a folder")
    run_demo(outdir=ns.out)
    return 0


# --------------------------------------------------------------------------------- derive
def _add_derive(sub: argparse._SubParsersAction) -> None:
    from .symbolic.closed_forms import FORMATS

    dv = sub.add_parser(
        "derive",
        help="print the paper's closed forms (eqs. 7-9, Landau limit, phase-slip barrier) derived in SymPy",
        description="Print the closed forms of Tserkovnyak & Xiao, PRL 121, 127701 (2018), derived in SymPy.",
    )
    dv.add_argument("--format", choices=FORMATS, default="text", help="text (sympy.pretty) or latex (default text)")
    dv.add_argument("--out", type=Path, default=None, metavar="FILE", help="write to FILE instead of stdout (UTF-8)")
    dv.set_defaults(handler=_cmd_derive)


def _cmd_derive(ns: argparse.Namespace) -> int:
    from .symbolic.closed_forms import render

    if ns.out is None:
        encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
        sys.stdout.write(render(ns.format, unicode=encoding.startswith("utf")))
        return 0
    text = render(ns.format, unicode=True)
    try:
        ns.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write --out {str(ns.out)!r}: {exc.strerror or exc}") from None
    print(f"wrote {ns.out}")
    return 0


# ----------------------------------------------------------------------------------- info
def _add_info(sub: argparse._SubParsersAction) -> None:
    from .devices.presets import PRESETS

    presets = ", ".join(PRESETS)
    inf = sub.add_parser(
        "info",
        help="figures of merit of a preset device or of instance parameters",
        description="Figures of merit (SI units): rated capacity (10-year retention), Landau limit, energy "
        "densities, charging efficiency (eq. 9), spin-wave speed, charging time, retention.",
    )
    src = inf.add_mutually_exclusive_group()
    src.add_argument("--preset", metavar="NAME", default=None,
                     help=f"preset device, one of: {presets} (default: reference_device)")
    src.add_argument("--param", metavar="NAME=VALUE", action="append", default=[],
                     help="instance parameter in SI units (repeatable), e.g. len=2e-6; the others keep "
                     "their defaults (the reference device); no volume/mass figures")
    inf.add_argument("--temperature", type=float, default=300.15, metavar="K", help="temperature in K (default 300.15)")
    inf.add_argument("--json", action="store_true", help="print JSON instead of a table")
    inf.add_argument("--out", type=Path, default=None, metavar="FILE", help="write to FILE instead of stdout")
    inf.set_defaults(handler=_cmd_info)


def _parse_params(items: Sequence[str]) -> dict[str, float]:
    """``["len=2e-6", ...]`` -> validated overrides; raises ParameterError/UsageError naming the bad item."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name:
            raise UsageError(f"--param {item!r} must have the form NAME=VALUE, e.g. --param len=2e-6")
        try:
            par = parameter(name)
        except ParameterError as err:  # unknown name: the message lists the known ones
            raise ParameterError(f"--param {item}: {err}") from None
        if name in out:
            raise UsageError(f"--param {name} is given more than once")
        try:
            value = float(text)
        except ValueError:
            raise ParameterError(
                f"--param {name}={text}: {text!r} is not a number; parameter '{name}' takes a real number "
                f"in {par.unit} (plain SI, e.g. 2e-6), allowed range {par.range_text()}"
            ) from None
        out[name] = value
    try:
        validate(out)
    except ParameterError as err:
        raise ParameterError(f"--param: {err}") from None
    return out


def _fmt_value(value: float) -> str:
    if math.isinf(value):
        return "inf"
    return f"{value:.4g}"


def _charge_figures(params) -> tuple:
    """The charge-dynamics rows of ``info`` (issue 12 item 5; :mod:`compactmodel.sim.charging`)."""
    from .devices.figures_of_merit import Figure
    from .sim.charging import charge_dynamics

    d = charge_dynamics(params)
    where = "constant-current charge, gate open, linear model"
    return (
        Figure("charging_time_1pct", d.settling_time, "s",
               f"last time the twist is > 1 % from eq. (7) ({where}; eq. 9 assumes L/u)"),
        Figure("charging_time_1pct_transits", d.settling_time / d.transit_time, "L/u", "charging_time_1pct / (L/u)"),
        Figure("charging_first_moment", d.first_moment, "s", "int (1 - Theta/Theta_inf) dt = (g/2 + alpha s L/12) L/A"),
        Figure("charge_efficiency_1pct", d.efficiency, "1",
               "E / (R I^2 charging_time_1pct + 2E): the efficiency of a charge that reaches eq. (7) within 1 %"),
    )


def _cmd_info(ns: argparse.Namespace) -> int:
    from .devices.figures_of_merit import figure_table
    from .devices.presets import PRESETS, preset_parameters

    if ns.param:
        subject: object = _parse_params(ns.param)
        label = "instance parameters (reference-device defaults with " + ", ".join(ns.param) + ")"
    else:
        name = ns.preset or "reference_device"
        if name not in PRESETS:
            raise UsageError(f"unknown preset {name!r}; allowed presets: {', '.join(PRESETS)}")
        subject = PRESETS[name]()
        label = f"preset {name}"
    table = figure_table(subject, ns.temperature)
    params = preset_parameters(name) if not ns.param else subject
    table = dataclasses.replace(table, figures=table.figures + _charge_figures(params))

    # notes attached to figures, grouped by text, then the table's own notes
    grouped: dict[str, list[str]] = {}
    for f in table.figures:
        if f.note:
            grouped.setdefault(f.note, []).append(f.name)
    notes = [f"{', '.join(names)}: {text}" for text, names in grouped.items()] + list(table.notes)

    lines: list[str] = []
    if ns.json:
        doc = {
            "device": label,
            "temperature_K": table.temperature,
            "figures": [
                {"name": f.name, "value": f.value if math.isfinite(f.value) else None, "unit": f.unit,
                 "description": f.description, "note": f.note}
                for f in table.figures
            ],
            "notes": notes,
        }
        lines.append(json.dumps(doc, indent=2, allow_nan=False))
    else:
        rows = [(f.name, _fmt_value(f.value), f.unit, f.description) for f in table.figures]
        widths = [max(len(r[i]) for r in rows + [("name", "value", "unit", "")]) for i in range(3)]
        lines.append(f"spinbattery info: {label} at {table.temperature:g} K")
        lines.append(f"{'name':<{widths[0]}}  {'value':>{widths[1]}}  {'unit':<{widths[2]}}  description")
        lines += [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}" for r in rows]
        lines += [f"note: {n}" for n in notes]
    text = "\n".join(lines) + "\n"
    if ns.out is None:
        sys.stdout.write(text)
        return 0
    try:
        ns.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write --out {str(ns.out)!r}: {exc.strerror or exc}") from None
    print(f"wrote {ns.out}")
    return 0


# ----------------------------------------------------------------------------------- main
#: Subcommand declarations, in the order ``--help`` lists them.
# ------------------------------------------------------------------------------- simulate
def _add_simulate(sub: argparse._SubParsersAction) -> None:
    from .devices.presets import PRESETS

    sm = sub.add_parser(
        "simulate",
        help="run a charge/store/release protocol in ngspice, co-simulating the logic load; save data and figures",
        description="Run a protocol, e.g. \"Charge at 0.15 mA for 3 ns; Close gate; Hold for 1 ms; Release into "
        "load for 3 ns\" (steps separated by ';' or given one per line in a file). See compactmodel.sim.protocol.",
    )
    sm.add_argument("protocol", help="protocol text, or the path of a protocol file")
    sm.add_argument("--preset", metavar="NAME", default=None, help=f"preset device, one of: {', '.join(PRESETS)}")
    sm.add_argument("--param", metavar="NAME=VALUE", action="append", default=[],
                    help="instance parameter in SI units (repeatable), e.g. wn0=3 to start charged; overrides the "
                    "preset (or the reference device's defaults)")
    sm.add_argument("--load", default="logic", metavar="KIND",
                    help="logic (SOT-MTJ cell, co-simulated; default), resistor:OHMS or capacitor:FARADS")
    sm.add_argument("--array", default="1x1", metavar="SxP", help="n_series x n_parallel identical cells (default 1x1)")
    sm.add_argument("--nseg", type=int, default=None, help="section count of a shipped sectioned subcircuit, spin_battery_n<N> (48; default: the modal spin_battery)")
    sm.add_argument("--temperature", type=float, default=300.15, metavar="K", help="circuit temperature in K")
    sm.add_argument("--cycles", type=int, default=1, help="repeat the protocol this many times")
    sm.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                    help="output folder (default: ./out, in the current folder)")
    sm.add_argument("--format", choices=("csv", "npz"), default="csv", help="data file format (default csv)")
    sm.add_argument("--no-plots", action="store_true", help="do not write figures")
    sm.add_argument("--quiet", action="store_true", help="no progress bar")
    sm.set_defaults(handler=_cmd_simulate)


def _parse_load(text: str):
    from .sim.loads import CapacitorLoad, LogicLoad, ResistorLoad

    kind, _, value = text.partition(":")
    kind = kind.strip().lower()
    if kind == "logic" and not value:
        return LogicLoad()
    if kind in ("resistor", "capacitor") and value:
        try:
            x = float(value)
        except ValueError:
            raise UsageError(f"--load {text}: {value!r} is not a number") from None
        return ResistorLoad(x) if kind == "resistor" else CapacitorLoad(x)
    raise UsageError(f"--load {text!r}: use logic, resistor:OHMS or capacitor:FARADS")


def _parse_array(text: str) -> tuple[int, int]:
    a, sep, b = text.lower().partition("x")
    try:
        ns, npar = int(a), int(b)
    except ValueError:
        raise UsageError(f"--array {text!r}: use SERIESxPARALLEL with integers, e.g. 64000x102400") from None
    if not sep or ns < 1 or npar < 1:
        raise UsageError(f"--array {text!r}: both counts must be integers >= 1")
    return ns, npar


def _cmd_simulate(ns: argparse.Namespace) -> int:
    from .sim.simulation import Simulation
    from .devices.presets import PRESETS
    from .sim.protocol import Experiment

    path = Path(ns.protocol)
    looks_like_path = ";" not in ns.protocol and "\n" not in ns.protocol and len(ns.protocol) < 250 and (
        path.suffix or "/" in ns.protocol)
    if looks_like_path and path.is_file():
        exp = Experiment.from_file(path, cycles=ns.cycles)
    elif looks_like_path and not path.exists() and " " not in ns.protocol:
        raise UsageError(f"protocol file {ns.protocol!r} does not exist (a protocol string has steps such as "
                         "'Charge at 0.15 mA for 3 ns; Close gate')")
    else:
        exp = Experiment.from_text(ns.protocol, cycles=ns.cycles)
    if ns.preset is not None:
        if ns.preset not in PRESETS:
            raise UsageError(f"--preset {ns.preset!r} is not a preset; allowed: {', '.join(PRESETS)}")
        params = {**PRESETS[ns.preset]().instance_parameters(), **_parse_params(ns.param)}
    else:
        params = _parse_params(ns.param)
    n_series, n_parallel = _parse_array(ns.array)
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sim = Simulation(exp, params=params, load=_parse_load(ns.load), n_series=n_series, n_parallel=n_parallel,
                         nseg=ns.nseg, temperature=ns.temperature)
        res = sim.solve(progress=not ns.quiet)
    for w in caught:  # one line each, no Python warning boilerplate
        print(f"warning: {w.message}", file=sys.stderr)
    try:
        ns.out.mkdir(parents=True, exist_ok=True)
        data = res.to_csv(ns.out / "results.csv") if ns.format == "csv" else res.to_npz(ns.out / "results.npz")
    except OSError as err:
        raise UsageError(f"--out {ns.out}: cannot write: {err}") from None
    print(f"data: {data}")
    for st in res.step_summaries():
        print(f"step {st['step'] + 1}: {st['text']!r} ran {st['duration']:.4g} s, ended by {st['terminated_by']}; "
              f"net phase slips {st['phase_slips']:.4g} turns, peak winding density {st['landau_peak']:.3g} x Landau limit")
    for c in res.cycle_summaries():
        print(f"cycle {c['cycle'] + 1}: energy in {c['energy_in']:.4e} J, peak stored {c['stored_peak']:.4e} J, "
              f"delivered {c['delivered']:.4e} J, losses {c['losses']:.4e} J (Joule {c['joule']:.3e}, pumping "
              f"{c['pumping']:.3e}, Gilbert {c['gilbert']:.3e}, slips {c['slips']:.3e}), gate work {c['gate_work']:.2e} J, "
              f"round trip {c['round_trip_efficiency']:.3e}, writes {c['writes']:.0f}, balance error {c['balance_error']:.1e}")
        if abs(c["balance_error"]) > 5e-3:
            print(f"warning: cycle {c['cycle'] + 1}: the energy account does not close ({c['balance_error']:.2%} of the "
                  "energy through the magnet); use a smaller time step or check the starting state", file=sys.stderr)
    if not ns.no_plots:
        from .studies.plots import plot_battery_report, plot_energy_flow, plot_magnetization, plot_waveforms

        figs = [plot_waveforms(res, path=ns.out / "waveforms.png"), plot_energy_flow(res, path=ns.out / "energy_flow.png"),
                plot_battery_report(res, path=ns.out / "battery_report.png")]
        if any(r.cell is not None for r in res.records):
            figs.append(plot_magnetization(res, path=ns.out / "magnetization.png"))
        import matplotlib.pyplot as plt

        for fig in figs:
            plt.close(fig)
        print(f"figures: {ns.out}/waveforms.png, energy_flow.png, battery_report.png"
              + (", magnetization.png" if len(figs) > 3 else ""))
    return 0


# ---------------------------------------------------------------------------------- sweep
def _add_sweep(sub: argparse._SubParsersAction) -> None:
    sw = sub.add_parser(
        "sweep", help="grid or Monte Carlo of figures of merit over instance parameters, from a TOML spec (resumable)",
        description="Evaluate the figures of merit and the charge dynamics over a grid or a seeded Monte Carlo of "
        "instance parameters, as a TOML spec file describes (see compactmodel.studies.sweep_spec). Writes sweep.csv "
        "and sweep.png under --out; rerunning with the same spec and --out computes only the missing cases.")
    sw.add_argument("spec", type=Path, help="TOML spec file")
    sw.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="output folder (default: the current folder)")
    sw.add_argument("--workers", type=int, default=2, help="local worker processes (default 2)")
    sw.add_argument("--no-plots", action="store_true", help="do not write sweep.png")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.set_defaults(handler=_cmd_sweep)


def _cmd_sweep(ns: argparse.Namespace) -> int:
    from .studies.sweep_spec import build_sweep, evaluate_case, load_spec, plot_summary, summary_rows
    from .studies.sweeps import require_sweep_stack, run_sweep

    spec = load_spec(ns.spec)
    if isinstance(ns.workers, bool) or not 1 <= ns.workers <= 256:
        raise UsageError(f"--workers {ns.workers}: allowed range [1, 256]")
    require_sweep_stack()
    try:
        ns.out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"--out {ns.out}: cannot create: {err}") from None
    sweep = build_sweep(spec)
    table = run_sweep(sweep, evaluate_case, ns.out / "sweep.csv", n_workers=ns.workers, progress=not ns.quiet)
    stats = table.attrs["stats"]
    print(f"sweep {spec['name']!r}: {stats['total']} cases ({stats['cached']} already stored, "
          f"{stats['errors']} errors) in {stats['seconds']:.1f} s -> {ns.out / 'sweep.csv'}")
    rows = summary_rows(table, spec["outputs"])
    width = max(len(r[0]) for r in rows)
    print(f"{'output':<{width}}  {'min':>10}  {'median':>10}  {'max':>10}  cases")
    for name, lo, med, hi, count in rows:
        print(f"{name:<{width}}  {lo:>10.4g}  {med:>10.4g}  {hi:>10.4g}  {count}")
    if stats["errors"]:
        first = table[table["error"] != ""]["error"].iloc[0]
        print(f"warning: {stats['errors']} case(s) failed, e.g.: {first}", file=sys.stderr)
    if not ns.no_plots:
        import matplotlib.pyplot as plt

        plt.close(plot_summary(table, spec, ns.out / "sweep.png"))
        print(f"figure: {ns.out / 'sweep.png'}")
    return 0


SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    _add_emit, _add_demo, _add_derive, _add_info, _add_simulate, _add_sweep)


def build_parser() -> argparse.ArgumentParser:
    """The ``spinbattery`` argument parser with every subcommand of :data:`SUBCOMMANDS`."""
    ap = _Parser(prog="spinbattery", description="Spin-texture battery compact model "
                 "(Tserkovnyak & Xiao, PRL 121, 127701 (2018)). Commands that write files write under --out "
                 "(default: the current folder), never into the installed package.")
    ap.add_argument("--version", action="version", version=f"spinbattery {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="{" + ",".join(
        f.__name__.removeprefix("_add_") for f in SUBCOMMANDS) + "}")
    for add in SUBCOMMANDS:
        add(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    """Run ``spinbattery``; returns the exit status (0 ok, 2 bad input; ``emit --check``: 1 if stale)."""
    try:
        try:
            ns = build_parser().parse_args(argv)
        except SystemExit as exc:  # only --help exits through argparse (errors raise UsageError)
            return exc.code if isinstance(exc.code, int) else 0
        return ns.handler(ns)
    except BrokenPipeError:  # output piped into e.g. head: stop quietly
        sys.stdout = open(os.devnull, "w")
        return 1
    except (UsageError, ParameterError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
