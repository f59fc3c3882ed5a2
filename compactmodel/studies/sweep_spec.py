"""``spinbattery sweep SPEC.toml``: design-space grids and Monte Carlo from a small spec file.

A spec names a preset, the instance parameters to vary and the figures to record::

    [sweep]
    name = "length"              # the sweep's name (the store refuses rows of another sweep)
    preset = "reference_device"  # the nominal device (default reference_device)
    kind = "grid"                # "grid" or "monte_carlo"
    outputs = ["rated_energy", "charge_efficiency_1pct"]   # default: DEFAULT_OUTPUTS

    [grid]                       # kind = "grid": parameter -> list of values (SI), last axis fastest
    len = [1e-6, 2e-6, 4e-6]

    [monte_carlo]                # kind = "monte_carlo": n seeded cases, each parameter scaled by a
    n = 200                      # log-uniform factor in [lo, hi] of its preset value
    seed = 1
    factors = { len = [0.5, 2.0], kani = [0.5, 2.0] }

Each case evaluates the closed-form figures of merit (:mod:`compactmodel.devices.figures_of_merit`)
and the charge dynamics of the shipped model (:mod:`compactmodel.sim.charging`) of the varied
device; no transient runs, so thousands of cases take minutes. The results go to ``--out``
(``sweep.csv``) through :func:`compactmodel.studies.sweeps.run_sweep`: resumable (a rerun computes
only the missing cases), with a progress bar; a summary table (min, median, max per output) is
printed and a summary figure ``sweep.png`` written. Errors name the spec key, its value and the
allowed values.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..core.parameters import PARAMETER_NAMES, ParameterError, is_real, parameter, validate
from ..devices.presets import PRESETS, preset_parameters

__all__ = ["SweepSpec", "load_spec", "evaluate_case", "build_sweep", "summary_rows", "plot_summary", "DEFAULT_OUTPUTS",
           "CHARGE_OUTPUTS", "output_units", "check_spec"]

#: Figures recorded when the spec names none.
DEFAULT_OUTPUTS = ("rated_energy", "rated_current", "retention_rated", "eta_eq9", "charge_efficiency_1pct",
                   "charging_time_1pct")
#: Outputs computed from :func:`compactmodel.sim.charging.charge_dynamics` (the rest are figures of merit).
CHARGE_OUTPUTS = ("charging_time_1pct", "charging_first_moment", "charge_efficiency_1pct")
_KINDS = ("grid", "monte_carlo")
_MAX_CASES = 1_000_000


class SweepSpec(dict):
    """A checked spec: keys name, preset, kind, outputs, axes (grid) or n, seed, factors (monte_carlo)."""


def _fail(key: str, value: object, allowed: str) -> ParameterError:
    return ParameterError(f"spec key {key} = {value!r}: {allowed}")


def _parameter_name(key: str, name: object) -> str:
    if name not in PARAMETER_NAMES:
        raise _fail(key, name, f"not an instance parameter; allowed: {', '.join(PARAMETER_NAMES)}")
    return str(name)


def output_units(preset: str) -> dict[str, str]:
    """Output name -> SI unit, for every output a spec on ``preset`` may ask for."""
    from ..devices.figures_of_merit import figure_table

    units = {f.name: f.unit for f in figure_table(PRESETS[preset]()).figures}
    units.update(charging_time_1pct="s", charging_first_moment="s", charge_efficiency_1pct="1")
    return units


def _known_outputs(preset: str) -> tuple[str, ...]:
    return tuple(output_units(preset))


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a TOML spec (module docstring); raises ParameterError naming the key."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"spec file {str(path)!r} does not exist") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ParameterError(f"spec file {str(path)!r} is not valid TOML: {err}") from None
    return check_spec(doc)


def check_spec(doc: Mapping[str, Any]) -> SweepSpec:
    """Check a parsed spec (a dict as TOML gives it)."""
    head = doc.get("sweep")
    if not isinstance(head, Mapping):
        raise _fail("[sweep]", head, "the spec needs a [sweep] table with name, kind and (optionally) preset, outputs")
    name = head.get("name", "sweep")
    if not isinstance(name, str) or not name.strip():
        raise _fail("sweep.name", name, "a non-empty string")
    preset = head.get("preset", "reference_device")
    if preset not in PRESETS:
        raise _fail("sweep.preset", preset, f"one of {', '.join(PRESETS)}")
    kind = head.get("kind", "grid")
    if kind not in _KINDS:
        raise _fail("sweep.kind", kind, f"one of {', '.join(_KINDS)}")
    outputs = head.get("outputs", list(DEFAULT_OUTPUTS))
    known = _known_outputs(preset)
    if not isinstance(outputs, list) or not outputs or any(o not in known for o in outputs):
        bad = [o for o in outputs if o not in known] if isinstance(outputs, list) else outputs
        raise _fail("sweep.outputs", bad, f"a non-empty list of figure names; allowed: {', '.join(known)}")
    spec = SweepSpec(name=name, preset=preset, kind=kind, outputs=list(outputs))
    nominal = preset_parameters(preset)
    if kind == "grid":
        axes = doc.get("grid")
        if not isinstance(axes, Mapping) or not axes:
            raise _fail("[grid]", axes, "kind = 'grid' needs a [grid] table: parameter = [values in SI]")
        checked = {}
        for key, values in axes.items():
            _parameter_name(f"grid.{key}", key)
            if not isinstance(values, list) or not values or not all(is_real(v) for v in values):
                raise _fail(f"grid.{key}", values, "a non-empty list of numbers (SI units)")
            for v in values:  # every value in its parameter's range, with the parameter's own message
                try:
                    validate(nominal, **{key: float(v)})
                except ParameterError as err:
                    raise ParameterError(f"spec key grid.{key}: {err}") from None
            checked[key] = [float(v) for v in values]
        if math.prod(len(v) for v in checked.values()) > _MAX_CASES:
            raise _fail("[grid]", "...", f"at most {_MAX_CASES} cases")
        spec["axes"] = checked
    else:
        mc = doc.get("monte_carlo")
        if not isinstance(mc, Mapping):
            raise _fail("[monte_carlo]", mc, "kind = 'monte_carlo' needs a [monte_carlo] table with n, seed, factors")
        n, seed, factors = mc.get("n"), mc.get("seed", 0), mc.get("factors")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= _MAX_CASES:
            raise _fail("monte_carlo.n", n, f"an integer in [1, {_MAX_CASES}]")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise _fail("monte_carlo.seed", seed, "an integer >= 0")
        if not isinstance(factors, Mapping) or not factors:
            raise _fail("monte_carlo.factors", factors, "a table parameter = [lo, hi] of factors on the preset value")
        checked = {}
        for key, pair in factors.items():
            _parameter_name(f"monte_carlo.factors.{key}", key)
            if (not isinstance(pair, list) or len(pair) != 2 or not all(is_real(v) for v in pair)
                    or not 0 < pair[0] <= pair[1] or not math.isfinite(pair[1])):
                raise _fail(f"monte_carlo.factors.{key}", pair, "[lo, hi] with 0 < lo <= hi (finite)")
            checked[key] = (float(pair[0]), float(pair[1]))
        spec.update(n=n, seed=seed, factors=checked)
    return spec


def build_sweep(spec: SweepSpec):
    """The :class:`~compactmodel.studies.sweeps.Sweep` of a checked spec."""
    from .sweeps import grid, monte_carlo

    if spec["kind"] == "grid":
        return grid(spec["name"], preset=[spec["preset"]], outputs=[",".join(spec["outputs"])], **spec["axes"])
    nominal = preset_parameters(spec["preset"])
    factors = dict(spec["factors"])

    return monte_carlo(_Sampler(nominal, factors), spec["n"], spec["seed"], name=spec["name"],
                       fixed={"preset": spec["preset"], "outputs": ",".join(spec["outputs"])})


class _Sampler:
    """Log-uniform factors on the preset's values (picklable)."""

    def __init__(self, nominal: Mapping[str, float], factors: Mapping[str, tuple[float, float]]) -> None:
        self.nominal = {k: float(nominal[k]) for k in factors}
        self.factors = dict(factors)

    def __call__(self, rng: np.random.Generator) -> dict[str, float]:
        return {k: self.nominal[k] * math.exp(rng.uniform(math.log(lo), math.log(hi)))
                for k, (lo, hi) in self.factors.items()}


def evaluate_case(inputs: Mapping[str, Any]) -> dict[str, float]:
    """One case: the requested figures of the preset with the case's parameter values (the sweep task)."""
    from ..devices.figures_of_merit import figure_table
    from ..sim.charging import charge_dynamics

    overrides = {k: float(v) for k, v in inputs.items() if k in PARAMETER_NAMES}
    params = validate(preset_parameters(inputs["preset"]), **overrides)
    wanted = str(inputs["outputs"]).split(",")
    out: dict[str, float] = {}
    if any(w not in CHARGE_OUTPUTS for w in wanted):
        table = figure_table(params)
        out.update({f.name: float(f.value) for f in table.figures if f.name in wanted})
    if any(w in CHARGE_OUTPUTS for w in wanted):
        d = charge_dynamics(params)
        charge = {"charging_time_1pct": d.settling_time, "charging_first_moment": d.first_moment,
                  "charge_efficiency_1pct": d.efficiency}
        out.update({k: v for k, v in charge.items() if k in wanted})
    return out


def summary_rows(table, outputs: list[str]) -> list[tuple[str, float, float, float, int]]:
    """(output, min, median, max, finite count) per output column of a result table."""
    rows = []
    for name in outputs:
        col = np.asarray(table[name], dtype=float) if name in table else np.array([])
        ok = col[np.isfinite(col)]
        rows.append((name, float(ok.min()) if ok.size else math.nan, float(np.median(ok)) if ok.size else math.nan,
                     float(ok.max()) if ok.size else math.nan, int(ok.size)))
    return rows


def plot_summary(table, spec: SweepSpec, path: Path):
    """One panel per output: vs the first grid axis (grid) or a histogram of log10 values (Monte Carlo)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outputs = spec["outputs"]
    units = output_units(spec["preset"])
    ncol = min(3, len(outputs))
    nrow = math.ceil(len(outputs) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.2 * nrow), squeeze=False)
    for ax, name in zip(axes.flat, outputs):
        y = np.asarray(table[name], dtype=float)
        if spec["kind"] == "grid":
            key = next(iter(spec["axes"]))
            x = np.asarray(table[key], dtype=float)
            others = [k for k in spec["axes"] if k != key]
            groups = table.groupby(others) if others else [((), table)]
            for label, sub in groups:
                ax.plot(np.asarray(sub[key], float), np.asarray(sub[name], float), "o-", ms=3,
                        label=", ".join(f"{k}={v:.3g}" for k, v in zip(others, np.atleast_1d(label))) or None)
            ax.set_xscale("log" if x.min() > 0 and x.max() / x.min() > 20 else "linear")
            ax.set_xlabel(f"{key} [{parameter(key).unit}]")
            if others and len(groups) <= 6:
                ax.legend(fontsize=7)
            pos = y[np.isfinite(y)]
            if pos.size and pos.min() > 0 and pos.max() / pos.min() > 20:
                ax.set_yscale("log")
            elif pos.size and np.ptp(pos) <= 1e-6 * np.abs(pos).max():  # constant: no offset-notation noise
                mid = float(np.mean(pos))
                ax.set_ylim(mid - 0.1 * abs(mid) - 1e-300, mid + 0.1 * abs(mid) + 1e-300)
                ax.ticklabel_format(axis="y", useOffset=False)
            ax.set_title(name, fontsize=9)
            ax.set_ylabel(f"[{units[name]}]")
        else:
            ok = y[np.isfinite(y) & (y > 0)]
            ax.hist(np.log10(ok), bins=max(5, min(40, int(math.sqrt(ok.size)) + 1)), color="tab:blue")
            ax.set_xlabel(f"log10({name} / {units[name]})")
            ax.set_ylabel("cases")
    for ax in list(axes.flat)[len(outputs):]:
        ax.set_visible(False)
    fig.suptitle(f"sweep {spec['name']!r}: {spec['kind']} on {spec['preset']}, {len(table)} cases", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return fig
