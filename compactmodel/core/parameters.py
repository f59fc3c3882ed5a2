"""Instance parameters of the spin-battery compact model: names, units, ranges, defaults.

This table is the interface contract shared by the ngspice subcircuit, the Verilog-A
module and the Python API: the emitters print it, the tests parse it back from both
generated files, and :func:`validate` enforces it on every value a user passes in.

All values are SI. The quasi-1D quantities are bulk values multiplied by the magnet's
cross-section (see ``../shared/physics/README.md``).

The defaults describe the *reference device* (``compactmodel.devices.presets.reference_device``):
a 1 um antiferromagnetic-insulator wire (50 nm x 10 nm) with Pt-like spin-Hall contacts.
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np

from .formatting import fmt_bound

__all__ = ["Parameter", "PARAMETERS", "LOOP_PARAMETERS", "PARAMETER_NAMES", "ParameterError", "ParameterTypeError",
           "InstanceParameters", "defaults", "validate", "did_you_mean", "parameter", "check_nseg", "RangeMixin",
           "is_real", "is_integer"]


class ParameterError(ValueError):
    """A parameter value is missing, unknown, of the wrong type or out of its range."""


class ParameterTypeError(ParameterError, TypeError):
    """An argument of the wrong kind of object (also a ``TypeError``, for callers that catch that)."""


def is_real(value: object) -> bool:
    """A real number: int, float, a numpy integer or floating scalar, Fraction (not bool or np.bool_)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_integer(value: object) -> bool:
    """An integer: int or a numpy integer scalar (not bool or np.bool_)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def did_you_mean(name: object, known: Iterable[str]) -> str:
    """``" (did you mean 'len'?)"`` for a close match of ``name`` among ``known``, else ``""``."""
    if not isinstance(name, str):
        return ""
    lowered = {k.lower(): k for k in known}
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[match[0]]!r}?)" if match else ""


class RangeMixin:
    """Range text and membership for a dataclass with lower/upper bounds and open flags."""

    lower: float
    upper: float
    lower_open: bool
    upper_open: bool

    def range_text(self) -> str:
        """The range in Verilog-A ``from`` notation, e.g. ``(0:1e-2]``."""
        lo = "(" if self.lower_open else "["
        hi = ")" if self.upper_open else "]"
        return f"{lo}{fmt_bound(self.lower)}:{fmt_bound(self.upper)}{hi}"

    def contains(self, value: float) -> bool:
        """True for a finite value inside the range."""
        if not math.isfinite(value):
            return False
        above = value > self.lower if self.lower_open else value >= self.lower
        below = value < self.upper if self.upper_open else value <= self.upper
        return above and below


@dataclass(frozen=True)
class Parameter(RangeMixin):
    """One instance parameter.

    ``lower``/``upper`` bound the allowed range; ``lower_open``/``upper_open`` say whether
    the bound itself is excluded (Verilog-A ``from (a:b)`` vs ``from [a:b]``).
    """

    name: str
    unit: str
    description: str
    default: float
    lower: float
    upper: float
    lower_open: bool = False
    upper_open: bool = False

    def check(self, value: object) -> float:
        """Return ``value`` as a float, or raise :class:`ParameterError` naming the parameter."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if not isinstance(value, (np.integer, np.floating)):  # numpy real scalars are fine (not np.bool_)
                raise ParameterError(
                    f"parameter '{self.name}' must be a real number in {self.unit}, "
                    f"got {value!r} of type {type(value).__name__}; allowed range {self.range_text()}"
                )
        try:
            value = float(value)  # type: ignore[arg-type]
        except OverflowError:  # an int beyond the float range (e.g. 10**400)
            value = math.inf if value > 0 else -math.inf  # type: ignore[operator]
        if not self.contains(value):
            raise ParameterError(
                f"parameter '{self.name}' = {value!r} {self.unit} is outside the allowed range "
                f"{self.range_text()} ({self.description})"
            )
        return value


#: The instance parameters, in the order they appear in the subcircuit and module.
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("len", "m", "loop length L between the two contacts", 1e-6, 1e-9, 0.1),
    Parameter("stiff", "J m", "exchange stiffness A (bulk A_ex times cross-section)", 2.5e-27, 1e-36, 1e-18),
    Parameter("chi", "J s^2/m", "spin susceptibility chi (bulk times cross-section), eq. (5)", 1.37e-34, 1e-45, 1e-25),
    Parameter("damp", "J s/m", "Gilbert damping alpha*s (times cross-section)", 2e-25, 0.0, 1e-15),
    Parameter("gsp", "J s", "spin-pumping coefficient g = hbar g_mix S_c/(4 pi), eq. (6)", 1e-31, 1e-40, 1e-25, lower_open=False),
    Parameter("theta", "V s", "spin-Hall torque per ampere vartheta = (hbar/2e)(S_c/S_w) tan(theta_SH), eq. (6)", 3.3e-16, 1e-22, 1e-12),
    Parameter("rw", "ohm", "resistance of the charging circuit (both contact wires in series)", 1600.0, 1e-3, 1e9),
    Parameter("wn0", "1", "stored winding number at the start of a transient", 0.0, -1e9, 1e9),
    Parameter("vgon", "V", "gate voltage whose VCMA cancels the easy-plane anisotropy under the gate, K t_ox t_m/xi (loop open above ~1.1 vgon)", 1.25, 1e-3, 1e3),
    Parameter("lgate", "m", "length of the gated section that closes the loop", 20e-9, 1e-10, 1e-3),
    Parameter("kani", "J/m", "easy-plane anisotropy K times cross-section (energy K n_z^2); Landau limit sqrt(2 kani/stiff)", 6.25e-12, 1e-30, 1e-3),
    Parameter("fatt", "Hz", "phase-slip attempt frequency per nucleation length sqrt(stiff/(2 kani)) (phase_slips.attempt_frequency)", 5.3e11, 1e3, 1e17),
    Parameter("tnom", "K", "temperature at which kani is given", 300.15, 1.0, 2000.0),
    Parameter("tcani", "1/K", "linear temperature coefficient of kani (K(T) = K (1 + tcani (T - tnom)))", 0.0, -0.1, 0.1, lower_open=False),
    Parameter("dtemp", "K", "device temperature minus circuit temperature", 0.0, -1000.0, 1000.0, lower_open=False),
)

PARAMETER_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMETERS)
_BY_NAME = {p.name: p for p in PARAMETERS}


def _loop_parameters() -> tuple[Parameter, ...]:
    """Parameters of the four-terminal ``spin_loop``: ``rw`` split into one wire per contact."""
    out: list[Parameter] = []
    for p in PARAMETERS:
        if p.name == "rw":
            for k in (1, 2):
                out.append(Parameter(f"rw{k}", p.unit, f"resistance of the contact-{k} wire (port p{k}-n{k})", p.default / 2, p.lower, p.upper))
        else:
            out.append(p)
    return tuple(out)


#: Instance parameters of the four-terminal ``spin_loop`` (``rw1``, ``rw2`` instead of ``rw``).
LOOP_PARAMETERS: tuple[Parameter, ...] = _loop_parameters()


def defaults(table: tuple[Parameter, ...] = PARAMETERS) -> dict[str, float]:
    """The default value of every instance parameter (the reference device)."""
    return {p.name: p.default for p in table}


class InstanceParameters(dict):
    """A complete, validated and frozen set of instance parameters  {name: value [SI]}.

    Made by :func:`validate` (never construct one directly); the rest of the package passes it
    around instead of re-validating plain dicts. It is a read-only ``dict`` (so ``p["len"]``,
    ``dict(p)``, ``{**p, "wn0": 3}`` and ``json.dumps(p)`` work, and assignment raises
    ``TypeError``); :meth:`replace` returns a new validated set. ``table`` is the parameter
    table it was checked against (:data:`PARAMETERS` for ``spin_battery``,
    :data:`LOOP_PARAMETERS` for ``spin_loop``).
    """

    __slots__ = ("_table",)

    def __init__(self, values: Mapping[str, float], table: tuple[Parameter, ...], _token: object = None) -> None:
        if _token is not _VALIDATED:
            raise TypeError("InstanceParameters are made by compactmodel.validate(...), not directly")
        super().__init__(values)
        self._table = table

    @property
    def table(self) -> tuple[Parameter, ...]:
        """The parameter table these values were checked against."""
        return self._table

    def _frozen(self, *args, **kwargs):
        raise TypeError("InstanceParameters are frozen: use .replace(name=value) or validate(p, name=value)")

    __setitem__ = __delitem__ = _frozen
    clear = pop = popitem = setdefault = update = __ior__ = _frozen

    def __repr__(self) -> str:
        return f"InstanceParameters({dict.__repr__(self)})"

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))

    def __reduce__(self):  # pickling (process pools, Dask): rebuilt through validate
        return (_rebuild, (dict(self), self._table is LOOP_PARAMETERS))

    def copy(self) -> dict[str, float]:  # type: ignore[override]
        """A plain, mutable dict of the values."""
        return dict(self)

    def replace(self, **changes: object) -> "InstanceParameters":
        """A new validated set with ``changes`` applied (same table)."""
        return validate(self, table=self._table, **changes)


_VALIDATED = object()


def _rebuild(values: Mapping[str, float], loop: bool) -> InstanceParameters:
    return validate(values, table=LOOP_PARAMETERS if loop else PARAMETERS)


def validate(values: Mapping[str, object] | None = None, *, table: tuple[Parameter, ...] = PARAMETERS,
             **overrides: object) -> InstanceParameters:
    """Check parameter values and fill in defaults.

    Returns a complete, frozen :class:`InstanceParameters`. Raises :class:`ParameterError` for
    an unknown name or a value that is not a finite real number inside the documented range.
    ``table`` selects the model (``PARAMETERS`` for spin_battery, ``LOOP_PARAMETERS`` for
    spin_loop). An :class:`InstanceParameters` of the same table and no overrides is returned
    as it is (it was checked when it was made).
    """
    if isinstance(values, InstanceParameters) and values.table is table and not overrides:
        return values
    if values is not None and not isinstance(values, Mapping):
        raise ParameterError(
            f"parameters must be a mapping {{name: value}} (e.g. {{'len': 2e-6}}), got {type(values).__name__} {values!r}"
        )
    given: dict[str, object] = dict(values or {})
    given.update(overrides)
    by_name = {p.name: p for p in table}
    unknown = sorted((u for u in given if u not in by_name), key=repr)
    if unknown:
        hints = "".join(did_you_mean(u, by_name) for u in unknown[:1])
        raise ParameterError(
            f"unknown parameter(s) {', '.join(repr(u) for u in unknown)}{hints}; "
            f"known parameters are: {', '.join(by_name)}"
        )
    out = defaults(table)
    for name, value in given.items():
        out[name] = by_name[name].check(value)
    return InstanceParameters(out, table, _VALIDATED)


def parameter(name: str) -> Parameter:
    """Look up one parameter by name."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ParameterError(
            f"unknown parameter {name!r}{did_you_mean(name, PARAMETER_NAMES)}; "
            f"known parameters are: {', '.join(PARAMETER_NAMES)}"
        ) from None


def check_nseg(nseg: object) -> int:
    """Validate a section count (a generation-time option, not an instance parameter)."""
    if isinstance(nseg, bool) or not isinstance(nseg, numbers.Integral):
        if isinstance(nseg, float) and nseg.is_integer():
            nseg = int(nseg)
        else:
            raise ParameterError(f"nseg must be an integer in [1, 256], got {nseg!r} of type {type(nseg).__name__}")
    nseg = int(nseg)  # numpy integers -> int
    if not 1 <= nseg <= 256:
        raise ParameterError(f"nseg = {nseg} is outside the allowed range [1, 256]")
    return nseg


def names(params: Iterable[Parameter] = PARAMETERS) -> list[str]:
    """Parameter names of a table, in order."""
    return [p.name for p in params]
