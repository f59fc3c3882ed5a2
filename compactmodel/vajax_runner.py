"""Transient simulation of the spin-battery Verilog-A module in vajax.

vajax (PyPI ``vajax``, JAX-based, OpenVAF front end) is an optional dependency::

    pip install vajax==0.1.5

Circuit built by :func:`run_charge_transient` (VACASK netlist syntax)::

    i1 (0 p) isource type="pwl" wave=[0, 0, t_rise, current]   // pushes current into p
    vg (gate 0) vsource dc=gate_voltage
    x1 (p 0 gate wn) <module> <params>                          // n grounded, wn open

vajax 0.1.5 has no public API for user Verilog-A files and two bugs that matter
for this module; all workarounds live in :func:`_register_model` and
:func:`_patch_compiled_model`:

* a model is found only through ``vajax.analysis.openvaf_models.MODEL_PATHS``;
* eval inputs of kind ``"current"`` (branch-current unknowns created by
  ``V(x) <+ ...``) are never filled, so a voltage contribution silently yields
  0 V; we re-declare them as "voltage" probes of the branch unknown;
* voltage probes are resolved through a hard-coded table (``a``, ``c``, ``A``,
  ``B``, ``C``, ``D``, ``G``, ``S``, ``CI``, ``GP`` ... are mapped to PSP103 /
  diode nodes), so an internal node with such a name is silently mis-wired; we
  rewrite every probe to the unambiguous ``V(nodeK)`` form.
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
_CACHE_DIR = Path(__file__).resolve().parent.parent / ".vajax-cache"
_PINS = ("p", "n", "gate", "wn")


def _import_vajax():
    """Import vajax with its caches kept under the repository's ``.vajax-cache``."""
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
        dt: initial and maximum time step in s.
        gate_voltage: voltage on pin ``gate`` in V (ideal source).
        t_rise: the current ramps linearly from 0 A at t = 0 to ``current`` at
            ``t_rise`` (s), then stays constant. Default ``0.01 * t_stop``. The
            ramp (not a step) lets the t = 0 operating point (where
            ``analysis("ic")`` is true) see zero current.
        method: integration method, ``"trap"`` (vajax default), ``"gear2"`` or ``"be"``.

    Returns:
        ``(time in s, V(wn) in V)`` at the accepted time points, as float64 arrays.

    Raises:
        ImportError: vajax is not installed.
        ValueError: unknown parameter name or non-finite value.
        RuntimeError: the run stopped before ``t_stop``.
    """
    vajax, openvaf_models, AdaptiveConfig = _import_vajax()
    va_path = Path(va_path).resolve()
    t_rise = 0.01 * t_stop if t_rise is None else float(t_rise)
    values = {k: float(v) for k, v in params.items()}
    bad = [k for k, v in values.items() if not math.isfinite(v)]
    if bad or not all(map(math.isfinite, (current, t_stop, dt, gate_voltage, t_rise))):
        raise ValueError(f"non-finite input (parameters: {bad})")
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
    known = {n.lower() for n, k in zip(compiled["param_names"], compiled["param_kinds"])
             if k == "param"}
    unknown = sorted(k for k in values if k.lower() not in known)
    if unknown:  # vajax would silently ignore them
        raise ValueError(f"unknown parameters for {model_type}: {unknown}; known: {sorted(known)}")
    _patch_compiled_model(compiled)

    engine.prepare(t_stop=t_stop, dt=dt, adaptive_config=AdaptiveConfig(progress_interval=0))
    result = engine.run_transient()

    time = np.asarray(result.times, dtype=np.float64)
    v_wn = np.asarray(result.voltage("wn"), dtype=np.float64)
    if time.size == 0 or time[-1] < t_stop * (1 - 1e-9):
        reached = time[-1] if time.size else 0.0
        raise RuntimeError(f"vajax stopped at t={reached:.4g} s before t_stop={t_stop:.4g} s "
                           f"(step buffer exhausted or step too small); try a larger dt")
    return time, v_wn
