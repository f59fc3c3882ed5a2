"""Transient simulation of the spin-battery Verilog-A module in vajax.

vajax (PyPI ``vajax``, JAX-based, OpenVAF front end) is an optional dependency::

    pip install vajax==0.1.5

Circuit built by :func:`run_charge_transient` (VACASK netlist syntax)::

    i1 (0 p) isource type="pwl" wave=[0, 0, t_rise, current]   // pushes current into p
    vg (gate 0) vsource dc=gate_voltage
    x1 (p 0 gate wn) <module> <params>                          // n grounded, wn open

vajax 0.1.5 has no public API for user Verilog-A files, and several silent bugs
for 4-terminal modules with internal nodes and ``V(x) <+`` outputs. All
workarounds live in :func:`_register_model` and :func:`_patch_compiled_model`:

* a model is found only through ``vajax.analysis.openvaf_models.MODEL_PATHS``;
* the model unknown called ``node4`` (the first internal node or branch current
  of any 4-terminal module) is clamped to 0 as if it were PSP103's NOI node;
* branch-current unknowns of ``V(x) <+ ...`` are not mapped to matrix rows, and
  the eval input holding that current (kind ``"current"``) is never filled, so
  the output silently stays at 0 V;
* voltage probes are resolved through a hard-coded PSP103/diode name table
  (internal nodes named ``a``, ``c``, ``A``, ``B``, ``C``, ``D``, ``G``, ``S``,
  ``CI``, ``NOI``, ``GP`` ... are silently wired to the wrong node);
* residual terms OpenVAF classes as "small signal" are dropped (we refuse to run).

Unknown parameter names are ignored by vajax and malformed numbers read as 0;
we check names and write numbers with ``repr``.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path

import numpy as np

VAJAX_REQUIREMENT = "vajax==0.1.5"
_TESTED_VAJAX = "0.1.5"
_CACHE_DIR = Path(__file__).resolve().parents[2] / ".vajax-cache"
_PINS = ("p", "n", "gate", "wn")


def _import_vajax():
    """Import vajax with its caches kept under the repository's ``.vajax-cache``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # silence XLA's cache-loader chatter
    os.environ.setdefault("VAJAX_CACHE_DIR", str(_CACHE_DIR / "vajax"))  # OpenVAF MIR cache
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(_CACHE_DIR / "xla"))  # XLA cache
    try:
        import jax
        import vajax
        from vajax.analysis import openvaf_models
        from vajax.analysis.transient import AdaptiveConfig
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"vajax is required for Verilog-A transient runs: pip install '{VAJAX_REQUIREMENT}'"
        ) from exc
    if vajax.__version__ != _TESTED_VAJAX:
        import warnings

        warnings.warn(
            f"vajax {vajax.__version__} found; vajax_runner was written against "
            f"{_TESTED_VAJAX} and patches its internals",
            stacklevel=3,
        )
    jax.config.update("jax_enable_x64", True)  # vajax does this on CPU; make it explicit
    return vajax, openvaf_models, AdaptiveConfig


def _module_name(va_path: Path) -> str:
    match = re.search(r"^\s*module\s+(\w+)", va_path.read_text(), re.MULTILINE)
    if not match:
        raise ValueError(f"no 'module' declaration found in {va_path}")
    return match.group(1)


def _check_param_names(va_path: Path, compiled: dict, names) -> None:
    """Raise on parameter names the module lacks (vajax would ignore them)."""
    declared = set(re.findall(r"\bparameter\s+(?:real\s+|integer\s+)?(\w+)",
                              va_path.read_text()))
    declared |= {n for n, k in zip(compiled["param_names"], compiled["param_kinds"])
                 if k == "param"}
    declared |= {n for n, k in zip(compiled["init_param_names"], compiled["init_param_kinds"])
                 if k == "param"}
    known = {n.lower() for n in declared}
    unknown = sorted(k for k in names if k.lower() not in known)
    if unknown:
        raise ValueError(f"unknown parameters {unknown}; the module declares {sorted(known)}")


def _register_model(openvaf_models, va_path: Path) -> str:
    """Make ``va_path`` loadable as model type ``<module name>`` (lower case)."""
    model_type = _module_name(va_path).lower()
    # vajax joins base dir and path with '/', so an absolute path wins.
    openvaf_models.MODEL_PATHS[model_type] = ("bundled", str(va_path))
    return model_type


def _patch_compiled_model(compiled: dict) -> None:
    """Fix vajax 0.1.5 node/probe bookkeeping for one compiled model (idempotent).

    Every model unknown gets one unambiguous name (terminals keep ``node0..3``,
    internal nodes and branch currents become ``int<k>``) used consistently by
    the node list, the residual/Jacobian keys and the probe inputs.
    """
    if compiled.get("_vajax_runner_patched"):
        return
    meta = compiled["dae_metadata"]
    if tuple(meta["terminals"]) != _PINS:
        raise ValueError(f"module ports are {meta['terminals']}, expected {list(_PINS)}")
    n_term = len(meta["terminals"])
    va_nodes = list(meta["terminals"]) + list(meta["internal_nodes"])
    nodes = compiled["nodes"]
    if len(nodes) != len(va_nodes):
        raise RuntimeError(f"unexpected vajax node list {nodes} for {va_nodes}")
    # vajax clamps a model node literally called 'node4' to 0 V (PSP103's NOI
    # node) and looks branch unknowns up under names it never assigns.
    new = {va: (nodes[k] if k < n_term else f"int{k}") for k, va in enumerate(va_nodes)}
    for k in range(n_term, len(nodes)):
        nodes[k] = new[va_nodes[k]]
    meta["node_names"] = [new.get(x, x) for x in meta["node_names"]]
    meta["jacobian_keys"] = [(new.get(r, r), new.get(c, c)) for r, c in meta["jacobian_keys"]]
    names, kinds = compiled["param_names"], compiled["param_kinds"]
    for i, (name, kind) in enumerate(zip(names, kinds)):
        probe = re.fullmatch(r"([VI])\((.+)\)", name)
        if probe is None or kind not in ("voltage", "current"):
            continue
        if kind == "voltage":  # bypass vajax's hard-coded PSP103/diode name table
            names[i] = "V(" + ",".join(new[x.strip()] for x in probe.group(2).split(",")) + ")"
        elif f"flow({probe.group(2)})" in new:  # current of a `V(...) <+` branch
            names[i] = f"V({new['flow(' + probe.group(2) + ')']})"  # read it as a "voltage"
            kinds[i] = "voltage"
        # other "current" inputs (probes of pure current branches) stay 0 in vajax
    translator = compiled["translator"]
    zero = {f"mir_{k[1:]}" for k, v in translator.constants.items() if v == 0.0}
    small = [r["node_name"] for r in translator.dae_data["residuals"]
             if not {r["resist_small_signal_var"], r["react_small_signal_var"]} <= zero]
    if small:  # vajax drops these terms; right only for undriven (noise) nodes
        raise RuntimeError(
            f"OpenVAF classed unknowns {small} as small-signal (0 at the operating "
            "point) and vajax ignores those terms: the transient would be wrong")
    compiled["_vajax_runner_patched"] = True


def _netlist(model_type: str, params: dict[str, float], current: float, t_rise: float,
             gate_voltage: float, t_stop: float, dt: float, method: str) -> str:
    inst = " ".join(f"{k}={v!r}" for k, v in params.items())
    return f"""spin battery charge transient
model dut {model_type}
model isrc isource
model vsrc vsource
i1 (0 p) isrc type="pwl" wave=[0.0, 0.0, {t_rise!r}, {current!r}]
vg (gate 0) vsrc dc={gate_voltage!r}
x1 (p 0 gate wn) dut {inst}
control
  options tran_method="{method}"
  analysis tran1 tran step={dt!r} stop={t_stop!r} maxstep={dt!r} icmode="op"
endc
"""


def run_charge_transient(
    va_path: str | Path,
    params: dict[str, float],
    current: float,
    t_stop: float,
    dt: float,
    gate_voltage: float = 1.0,
    *,
    t_rise: float | None = None,
    method: str = "trap",
) -> tuple[np.ndarray, np.ndarray]:
    """Charge the module with a constant current and return ``(t, V(wn))``.

    Args:
        va_path: Verilog-A file with ``module <name>(p, n, gate, wn)``.
        params: instance parameters (SI units, as declared in the module);
            names must exist in the module, omitted ones take their defaults.
        current: charging current in A, pushed into pin ``p`` and returned
            from pin ``n`` (grounded).
        t_stop: stop time in s.
        dt: maximum time step in s (vajax's LTE control may take smaller
            steps; the first step is ``dt / 16``).
        gate_voltage: voltage on pin ``gate`` in V (ideal source).
        t_rise: the current ramps linearly from 0 A at t = 0 to ``current`` at
            ``t_rise`` (s), then stays constant. Default ``0.01 * t_stop``. The
            ramp (not a step) lets the t = 0 operating point (where
            ``analysis("ic")`` is true) see zero current.
        method: ``"trap"`` (vajax default, 2nd order) or ``"be"`` (backward
            Euler, 1st order). vajax 0.1.5's ``"gear2"`` is refused: it starts
            from a zero charge history and was 15 % off when the state starts
            away from 0.

    Returns:
        ``(time in s, V(wn) in V)`` at the accepted time points, as float64 arrays.

    Raises:
        ImportError: vajax is not installed.
        ValueError: unknown parameter name, non-finite value, wrong port list.
        RuntimeError: the run stopped before ``t_stop``, or OpenVAF's
            small-signal pruning would make vajax's answer wrong.
    """
    vajax, openvaf_models, AdaptiveConfig = _import_vajax()
    va_path = Path(va_path).resolve()
    t_rise = 0.01 * t_stop if t_rise is None else float(t_rise)
    values = {k: float(v) for k, v in params.items()}
    bad = [k for k, v in values.items() if not math.isfinite(v)]
    if bad or not all(map(math.isfinite, (current, t_stop, dt, gate_voltage, t_rise))):
        raise ValueError(f"non-finite input (parameters: {bad})")
    if method not in ("trap", "be"):
        raise ValueError(f"method must be 'trap' or 'be', not {method!r}")
    if not 0 < t_rise < t_stop or not 0 < dt <= t_stop:
        raise ValueError("need 0 < t_rise < t_stop and 0 < dt <= t_stop")

    model_type = _register_model(openvaf_models, va_path)
    netlist = _netlist(model_type, values, float(current), t_rise, float(gate_voltage),
                       float(t_stop), float(dt), method)
    with tempfile.TemporaryDirectory(prefix="vajax_runner_") as tmp:
        sim = Path(tmp) / "charge.sim"
        sim.write_text(netlist)
        engine = vajax.CircuitEngine(sim)
        engine.parse()  # compiles the .va (cached per file hash)

    compiled = engine._compiled_models[model_type]
    _check_param_names(va_path, compiled, values)
    _patch_compiled_model(compiled)

    # vajax stores at most 1.1 * (t_stop / dt) + 10 steps (its dt argument) and
    # silently stops when they are used up; the step limit is the netlist's
    # maxstep = dt. Pass a smaller dt for a bigger buffer, once more if needed.
    for buffer in (4, 64):
        engine.prepare(t_stop=t_stop, dt=dt / buffer,
                       adaptive_config=AdaptiveConfig(progress_interval=0))
        result = engine.run_transient()
        time = np.asarray(result.times, dtype=np.float64)
        if time.size and time[-1] >= t_stop * (1 - 1e-9):
            return time, np.asarray(result.voltage("wn"), dtype=np.float64)
    reached = time[-1] if time.size else 0.0
    raise RuntimeError(f"vajax stopped at t={reached:.4g} s before t_stop={t_stop:.4g} s "
                       f"after {time.size} steps (time step collapsed?)")
