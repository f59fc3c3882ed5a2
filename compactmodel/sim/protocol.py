"""Charge / store / release protocols in plain words (a PyBaMM-like experiment language).

Each step is one English sentence. A list of steps is one cycle; a list of tuples of
steps is several cycles (each tuple one cycle)::

    Experiment([
        ("Charge at 0.3 mA for 5 ns",
         "Close gate",
         "Hold for 10 years",
         "Release into load until SOC < 10 % or for 50 ns"),
    ] * 2)

Step forms (case-insensitive; numbers take SI prefixes f p n u m k M G):

=================================================  =============================================
``Charge at <current> [for <time>] [until ...]``   gate open, current into the battery port
``Close gate [over <time>] [and ramp the current``  gate closes, then the current ramps to zero
``down over <time>]``, ``Close gate gently``       (over the gate's ramp time, or the time given;
                                                    ``gently``: over :data:`GENTLE_TRANSITS` transit
                                                    times L/u, which closes without slips)
``Open gate [over <time>]``                         gate opens, port unloaded
``Hold for <time>`` (also ``Rest``, ``Store``)      gate closed, port open: storage
``Release [into load | into <R> ohm] [for <time>]   gate opens and the load (the simulation's
[until ...]``                                       load, or a resistor) is connected
=================================================  =============================================

Terminations: ``until <variable> <op> <value> [unit]``, several joined by ``or``; a ``for``
clause is a time limit. PyBaMM's short form works too: ``until 10 % SOC``, ``until 3 turns``,
``until 1 mV`` (the variable from the word or the unit; a charge rises to the value, every
other step falls to it). Variables: ``SOC`` (stored / rated energy; ``%`` allowed),
``energy`` [J], ``wn`` or ``winding`` [turns], ``time`` [s, from the start of the step],
``voltage`` [V, port], ``current`` [A, into the port], ``writes`` (logic writes completed in
the step). Operators: ``<``, ``<=``, ``>``, ``>=``.

Times take ``s`` or ``second(s)``, ``minute(s)``, ``hour(s)``, ``day(s)``, ``year(s)``.
Bad steps raise :class:`ProtocolError` naming the step and what is wrong. So does, before any run, a
step that ends before its own ramp (``Charge at 0.15 mA for 1 fs`` with the default 0.2 ns edge), and a step
whose time scales float64 cannot resolve in one run (a duration over 1e12 ramps; a hold over 1e4 years).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..core.constants import YEAR
from ..core.parameters import is_integer, is_real

__all__ = ["ProtocolError", "Termination", "Step", "GENTLE_TRANSITS", "Experiment", "parse_step", "parse_quantity", "ramp_schedule", "ramp_end",
           "MAX_TIME_RATIO", "MAX_HOLD", "check_time_scales"]

#: Largest ratio of a resolved step's duration to its ramp. ngspice resolves the ramp and the step with one
#: float64 time axis and at most ~1e6 points; beyond 1e12 the ramp is below the time step that ngspice's
#: minimum-step rule (1e-9 of the largest step) and float64 rounding (2.2e-16 of the time) can represent.
MAX_TIME_RATIO = 1e12
#: Longest hold [s] (1e4 years). A hold runs quasi-statically in steps of 1/200 of its length; its energy
#: integrators accumulate leak powers over the whole hold. A 1e4-year hold of the reference device runs and closes
#: its energy account to 1.3e-4; a 1e30-year hold fails in ngspice ("Timestep too small" at time 1e30 s).
MAX_HOLD = 1e4 * YEAR
#: Current ramp of ``Close gate gently``, in transit times L/u. Removing the charging current faster than a
#: transit rings the closed loop, and a loop charged near its Landau limit then loses windings to slips
#: (yig_pt settled at 0.8 of its rated current: 0.5 turns, 1.4 %, with the default 0.2 ns ramp; none over
#: 2 transits); 3 transits leave a margin (docs and measurements: README, "Closing the gate").
GENTLE_TRANSITS = 3.0


class ProtocolError(ValueError):
    """A protocol step could not be understood; the message names the step."""


_PREFIX = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "\u03bc": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9}
_TIME_WORDS = {
    "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
    "min": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "day": 86400.0, "days": 86400.0,
    "year": YEAR, "years": YEAR, "yr": YEAR,
}
_BASE_UNITS = {"A": "current", "s": "time", "V": "voltage", "J": "energy", "ohm": "resistance", "Ohm": "resistance", "Ω": "resistance"}

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-zµ\u03bcΩ%]*)\s*$")


def parse_quantity(text: str, kind: str) -> float:
    """``"2 mA"`` -> 0.002 for kind ``current``; kinds: current, time, voltage, energy,
    resistance, fraction (``%`` or plain), number (plain)  [SI]."""
    m = _QUANTITY.match(text)
    if not m:
        raise ValueError(f"{text.strip()!r} is not a number with a unit")
    value, unit = float(m.group(1)), m.group(2)
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not finite")
    if kind == "fraction":
        if unit == "%":
            return value / 100.0
        if unit == "":
            return value
        raise ValueError(f"{text.strip()!r}: a fraction takes '%' or no unit")
    if kind == "number":
        if unit in ("", "turns", "turn", "writes", "write"):
            return value
        raise ValueError(f"{text.strip()!r}: expected a plain number")
    if kind == "time" and unit in _TIME_WORDS:
        return value * _TIME_WORDS[unit]
    for base, base_kind in _BASE_UNITS.items():
        if base_kind == kind and unit.endswith(base) and unit[: -len(base)] in _PREFIX:
            return value * _PREFIX[unit[: -len(base)]]
    expected = {"current": "A (e.g. 2 mA)", "time": "s (e.g. 5 ns, 10 years)", "voltage": "V", "energy": "J (e.g. 1 aJ)",
                "resistance": "ohm (e.g. 1 kohm)"}[kind]
    raise ValueError(f"{text.strip()!r}: expected a {kind} in {expected}")


#: Termination variables: name -> (kind of quantity, canonical variable in the results).
_VARIABLES = {
    "soc": ("fraction", "soc"),
    "energy": ("energy", "stored_energy"),
    "wn": ("number", "winding"),
    "winding": ("number", "winding"),
    "time": ("time", "step_time"),
    "voltage": ("voltage", "port_voltage"),
    "current": ("current", "port_current"),
    "writes": ("number", "writes"),
}
_OPS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


@dataclass(frozen=True)
class Termination:
    """Stop a step when ``variable op value`` first holds (``variable`` a results name)."""

    variable: str
    op: str
    value: float
    text: str = ""

    def met(self, x: float) -> bool:
        return _OPS[self.op](x, self.value)

    def distance(self, x: float) -> float:
        """Signed distance to the threshold, positive once met (for interpolating the crossing)."""
        return (x - self.value) if self.op.startswith(">") else (self.value - x)


@dataclass(frozen=True)
class Step:
    """One protocol step (SI units)."""

    kind: str  #: charge | close_gate | open_gate | hold | release
    text: str
    current: float = 0.0  #: charge current into the port [A]
    resistance: float | None = None  #: release into this resistor [ohm] instead of the load
    duration: float | None = None  #: time limit [s]
    terminations: tuple[Termination, ...] = ()
    edge: float | None = None  #: ramp time of the gate/current at the start of the step [s]
    current_edge: float | None = None  #: close gate: ramp time of the current after the gate has closed [s]
    gentle: bool = False  #: close gate: ramp the current down over GENTLE_TRANSITS transit times

    @property
    def gate_open(self) -> bool:
        return self.kind in ("charge", "open_gate", "release")

    @property
    def load_connected(self) -> bool:
        return self.kind == "release"


_STEP_PATTERNS = [
    # the current is a number and an optional separate unit word, never a clause keyword ("0.15mA for 3 ns")
    ("charge", re.compile(r"^charge\s+at\s+(?P<current>\S+(?:\s+(?!(?:for|until|or)\b)[A-Za-zµ\u03bc]+)?)(?P<rest>.*)$", re.I)),
    ("close_gate", re.compile(r"^close\s+(?:the\s+)?gate(?P<gently>\s+gently)?(?:\s+over\s+(?P<edge>.+?))?"
                              r"(?:\s*,?\s+and\s+ramp\s+(?:the\s+)?current\s+(?:down\s+)?over\s+(?P<cedge>.+?))?\s*$", re.I)),
    ("open_gate", re.compile(r"^open\s+(?:the\s+)?gate(?:\s+over\s+(?P<edge>.+?))?\s*$", re.I)),
    ("hold", re.compile(r"^(?:hold|rest|store)(?P<rest>.*)$", re.I)),
    ("release", re.compile(r"^(?:release|discharge)(?:\s+into\s+(?P<into>load|(?:\S+\s*(?:k|M|G)?(?:ohm|Ohm|Ω))))?(?P<rest>.*)$", re.I)),
]


#: unit -> variable, for conditions written PyBaMM-style ("until 10 % SOC", "until 1 mV")
_UNIT_VARIABLE = {"%": "soc", "V": "voltage", "A": "current", "J": "energy", "s": "time"}


def _short_condition(body: str, kind: str, step: str) -> Termination | None:
    """``until <value> [unit] [variable]``: the direction follows the step (a charge rises to the
    value, anything else falls to it), as in PyBaMM's "Discharge ... until 3.3 V"."""
    m = re.match(rf"^\s*({_NUMBER}\s*[A-Za-zµ\u03bcΩ%]*)\s*([A-Za-z]*)\s*$", body)
    if not m:
        return None
    qty, word = m.group(1).strip(), m.group(2).lower()
    var = word
    if not var:
        unit = re.sub(rf"^{_NUMBER}\s*", "", qty)
        base = next((v for u, v in _UNIT_VARIABLE.items() if unit.endswith(u)), None)
        if unit in ("turns", "turn"):
            base = "wn"
        if base is None:
            return None
        var = base
    if var not in _VARIABLES:
        return None
    if var == "time":
        raise ProtocolError(f"step {step!r}: write a time limit as 'for <time>', not 'until {body.strip()}'")
    kind_q, canonical = _VARIABLES[var]
    try:
        value = parse_quantity(qty, kind_q)
    except ValueError as err:
        raise ProtocolError(f"step {step!r}: bad value for {var}: {err}") from None
    op = ">=" if kind == "charge" else "<="
    return Termination(canonical, op, value, f"{var} {op} {qty}")


def _clauses(rest: str, step: str, kind: str = "") -> tuple[float | None, tuple[Termination, ...]]:
    """Parse ``for <time>`` and ``until <cond> [or <cond>]`` clauses."""
    duration, terms = None, []
    rest = rest.strip()
    # split on ' or ' / ' until ' / ' for ' keywords, keeping the keyword
    tokens = [t for t in re.split(r"\s+(?=(?:for|until|or)\s)", " " + rest) if t.strip()]
    mode = None
    for tok in tokens:
        tok = tok.strip()
        word, _, body = tok.partition(" ")
        word = word.lower()
        if word == "or" and not body.strip():
            continue
        if word == "or":
            word2, _, body2 = body.strip().partition(" ")
            if word2.lower() in ("for", "until"):
                word, body = word2.lower(), body2
            elif mode == "until":
                word = "until"
            else:
                raise ProtocolError(f"step {step!r}: 'or' must join two 'until' conditions or a 'for' limit")
        if word == "for":
            if duration is not None:
                raise ProtocolError(f"step {step!r}: more than one 'for' time limit")
            body = re.sub(r"^(?:at\s+most\s+)", "", body.strip(), flags=re.I)
            try:
                duration = parse_quantity(body, "time")
            except ValueError as err:
                raise ProtocolError(f"step {step!r}: bad duration: {err}") from None
            if duration <= 0:
                raise ProtocolError(f"step {step!r}: the duration must be positive, got {body.strip()!r}")
            mode = "for"
        elif word == "until":
            m = re.match(r"^\s*([A-Za-z]+)\s*(<=|>=|<|>)\s*(.+?)\s*$", body)
            if not m:
                short = _short_condition(body, kind, step)
                if short is not None:
                    terms.append(short)
                    mode = "until"
                    continue
                raise ProtocolError(f"step {step!r}: cannot read the condition {body.strip()!r} "
                                    "(expected e.g. 'SOC < 10 %', '10 % SOC', 'wn < 3', 'voltage > 1 mV')")
            var, op, val = m.group(1).lower(), m.group(2), m.group(3)
            if var not in _VARIABLES:
                raise ProtocolError(f"step {step!r}: unknown variable {m.group(1)!r} in 'until'; "
                                    f"allowed: {', '.join(sorted(_VARIABLES))}")
            kind, canonical = _VARIABLES[var]
            try:
                value = parse_quantity(val, kind)
            except ValueError as err:
                raise ProtocolError(f"step {step!r}: bad value for {var}: {err}") from None
            terms.append(Termination(canonical, op, value, f"{m.group(1)} {op} {val}"))
            mode = "until"
        else:
            raise ProtocolError(f"step {step!r}: cannot read {tok!r} (expected 'for <time>' or 'until <condition>')")
    return duration, tuple(terms)


def parse_step(text: str) -> Step:
    """One step from its sentence (see the module docstring)."""
    if isinstance(text, Step):
        return text
    if not isinstance(text, str):
        raise ProtocolError(f"a protocol step must be a string, got {type(text).__name__} {text!r}")
    s = " ".join(text.strip().rstrip(".").split())
    if not s:
        raise ProtocolError("empty protocol step")
    for kind, pat in _STEP_PATTERNS:
        m = pat.match(s)
        if not m:
            continue
        g = m.groupdict()
        if kind in ("close_gate", "open_gate"):
            edge, cedge = None, None
            for key, what in (("edge", "ramp time"), ("cedge", "current ramp time")):
                if g.get(key):
                    try:
                        val = parse_quantity(g[key], "time")
                    except ValueError as err:
                        raise ProtocolError(f"step {text!r}: bad {what}: {err}") from None
                    if val <= 0:
                        raise ProtocolError(f"step {text!r}: the {what} must be positive")
                    edge, cedge = (val, cedge) if key == "edge" else (edge, val)
            gentle = bool(g.get("gently"))
            if gentle and cedge is not None:
                raise ProtocolError(f"step {text!r}: say 'gently' or give the current ramp time, not both")
            return Step(kind, text, edge=edge, current_edge=cedge, gentle=gentle)
        if kind == "charge":  # the current first: an error names the first bad token
            try:
                current = parse_quantity(g["current"], "current")
            except ValueError as err:
                raise ProtocolError(f"step {text!r}: bad charging current: {err}") from None
        duration, terms = _clauses(g.get("rest") or "", text, kind)
        if kind == "charge":
            if current == 0:
                raise ProtocolError(f"step {text!r}: the charging current must be non-zero")
            if duration is None and not terms:
                raise ProtocolError(f"step {text!r}: say how long to charge ('for 5 ns' or 'until wn > 5')")
            return Step(kind, text, current=current, duration=duration, terminations=terms)
        if kind == "hold":
            if duration is None:
                raise ProtocolError(f"step {text!r}: a hold needs a duration ('for 10 years')")
            return Step(kind, text, duration=duration, terminations=terms)
        # release
        resistance = None
        into = g.get("into")
        if into and into.lower() != "load":
            try:
                resistance = parse_quantity(into, "resistance")
            except ValueError as err:
                raise ProtocolError(f"step {text!r}: bad load resistance: {err}") from None
            if resistance <= 0:
                raise ProtocolError(f"step {text!r}: the load resistance must be positive")
        if duration is None and not terms:
            raise ProtocolError(f"step {text!r}: say how long to release ('for 2 ns' or 'until SOC < 10 %')")
        return Step(kind, text, resistance=resistance, duration=duration, terminations=terms)
    raise ProtocolError(
        f"step {text!r} is not understood; steps start with 'Charge at', 'Close gate', 'Open gate', "
        "'Hold for' (or 'Rest', 'Store'), 'Release' (or 'Discharge')"
    )


def _levels(step: Step | None) -> tuple[bool, float, bool, float | None]:
    """(gate open, charge current [A], load connected, release resistor [ohm] or None) a step drives."""
    if step is None:  # before the first step: gate closed, nothing connected
        return (False, 0.0, False, None)
    return (step.gate_open, step.current if step.kind == "charge" else 0.0, step.load_connected and step.resistance is None,
            step.resistance if step.load_connected else None)


def ramp_schedule(step: Step, load_was_on: bool, edge: float, current_edge: float | None = None) -> dict[str, tuple[float, float]]:
    """(start, end) [s, from the step start] of each source's ramp in ``step``: the gate, the load and the
    resistor ramp over the first ``edge``; the current over the next ``current_edge`` (default ``edge``)
    when the gate closes first (close gate, hold) or a load is disconnected before the charger starts."""
    late = step.kind in ("close_gate", "hold") or (step.kind == "charge" and load_was_on)
    ce = edge if current_edge is None else current_edge
    return {"gate": (0.0, edge), "load": (0.0, edge), "resistor": (0.0, edge),
            "current": (edge, edge + ce) if late else (0.0, edge)}


def ramp_end(step: Step, previous: Step | None, edge: float) -> float:
    """Time [s] from the start of ``step`` (after ``previous``; None: the first step) at which every source it
    changes has its new value (0 if it changes none). ``edge`` is the experiment's ramp time."""
    e = step.edge if step.edge is not None else edge
    (g0, i0, l0, r0), (g1, i1, l1, r1) = _levels(previous), _levels(step)
    sched = ramp_schedule(step, l0 or r0 is not None, e, step.current_edge)
    changed = {"gate": g0 != g1, "current": i0 != i1, "load": l0 != l1, "resistor": (r0 is None) != (r1 is None)}
    return max((sched[name][1] for name, c in changed.items() if c), default=0.0)


def check_time_scales(steps: Sequence[Step], edge: float, max_step_time: float | None = None) -> None:
    """Refuse, before any run, a step that ends before its own ramp has, and one whose time scales float64
    cannot resolve in one run (duration / ramp above :data:`MAX_TIME_RATIO`, a hold above :data:`MAX_HOLD`).

    ``max_step_time`` [s]: the time limit of a step with only 'until' conditions (None: such steps are not
    checked; :class:`compactmodel.sim.simulation.Simulation` passes its own)."""
    previous = None
    for n, step in enumerate(steps, 1):
        ramp = ramp_end(step, previous, edge)
        if step.duration is None and step.terminations and max_step_time is not None:
            if max_step_time < ramp * (1 - 1e-9) or (ramp > 0 and max_step_time / ramp > MAX_TIME_RATIO):
                raise ProtocolError(
                    f"step {n} ({step.text!r}): its time limit max_step_time = {max_step_time:.4g} s must lie between its "
                    f"ramp of {ramp:.4g} s and {MAX_TIME_RATIO:g} x the ramp (what float64 resolves in one run)")
        elif step.duration is not None:
            if step.duration < ramp * (1 - 1e-9):  # "for 0.2 ns" with a 0.2 ns edge: equal up to rounding
                raise ProtocolError(
                    f"step {n} ({step.text!r}): its duration {step.duration:.4g} s is shorter than its ramp of {ramp:.4g} s "
                    f"(edge = {edge:.4g} s): make the step at least {ramp:.4g} s long or pass a shorter edge")
            if step.kind == "hold":
                if step.duration > MAX_HOLD:
                    raise ProtocolError(
                        f"step {n} ({step.text!r}): a hold of {step.duration:.4g} s is longer than the longest resolvable "
                        f"hold, {MAX_HOLD:.4g} s (1e4 years): ngspice's float64 time axis cannot integrate it")
            elif ramp > 0 and step.duration / ramp > MAX_TIME_RATIO:
                raise ProtocolError(
                    f"step {n} ({step.text!r}): its duration {step.duration:.4g} s is {step.duration / ramp:.3g} x its "
                    f"ramp of {ramp:.4g} s, beyond the {MAX_TIME_RATIO:g} that float64 resolves in one run: split it, "
                    "or use a hold for storage")
        previous = step


@dataclass(frozen=True)
class Experiment:
    """A protocol: a list of steps is one cycle; a list of tuples of steps is several cycles.

    ``edge`` [s] is the ramp time of every gate and current change (default 0.2 ns).
    """

    cycles: tuple[tuple[Step, ...], ...] = field(default_factory=tuple)
    edge: float = 0.2e-9

    def __init__(self, operating_conditions: Sequence[str | Step | Sequence[str | Step]], edge: float = 0.2e-9):
        if isinstance(operating_conditions, str):
            raise ProtocolError("an Experiment takes a list of steps (or tuples of steps for cycles), not one string")
        if not isinstance(operating_conditions, (list, tuple)):
            raise ProtocolError(f"an Experiment takes a list of protocol steps, got {type(operating_conditions).__name__} "
                                f"{operating_conditions!r}")
        if not (is_real(edge) and math.isfinite(edge) and 1e-15 <= edge <= 1.0):
            raise ProtocolError(f"edge = {edge!r} s: allowed range [1e-15, 1] s")
        items = list(operating_conditions)
        if all(isinstance(item, (str, Step)) for item in items):
            items = [tuple(items)]
        cycles = []
        for n, item in enumerate(items, 1):
            if isinstance(item, (str, Step)):
                group = (item,)
            elif isinstance(item, (tuple, list)):
                group = tuple(item)
            else:
                raise ProtocolError(f"cycle {n}: a protocol step must be a string, got {type(item).__name__} {item!r}")
            steps = []
            for s in group:
                try:
                    steps.append(parse_step(s))
                except ProtocolError as err:
                    raise ProtocolError(f"cycle {n}: {err}") from None
            if not steps:
                raise ProtocolError(f"cycle {n} has no steps")
            cycles.append(tuple(steps))
        if not cycles:
            raise ProtocolError("the experiment has no steps")
        check_time_scales([s for cyc in cycles for s in cyc], float(edge))
        object.__setattr__(self, "cycles", tuple(cycles))
        object.__setattr__(self, "edge", float(edge))

    @property
    def steps(self) -> list[tuple[int, Step]]:
        """(cycle number from 0, step) in order."""
        return [(c, s) for c, cyc in enumerate(self.cycles) for s in cyc]

    @classmethod
    def from_text(cls, text: str, cycles: int = 1, edge: float = 0.2e-9) -> "Experiment":
        """Steps separated by ';' or new lines (``#`` starts a comment); repeated ``cycles`` times."""
        if not is_integer(cycles) or cycles < 1:
            raise ProtocolError(f"cycles = {cycles!r}: allowed range integers >= 1")
        if not isinstance(text, str):
            raise ProtocolError(f"the protocol text must be a string, got {type(text).__name__} {text!r}")
        steps = [ln.split("#", 1)[0].strip() for part in text.splitlines() for ln in part.split(";")]
        steps = [s for s in steps if s]
        if not steps:
            raise ProtocolError("the protocol text has no steps")
        return cls([tuple(steps)] * int(cycles), edge=edge)

    @classmethod
    def from_file(cls, path: str | Path, cycles: int = 1, edge: float = 0.2e-9) -> "Experiment":
        """A protocol file: one step per line, ``#`` comments."""
        p = Path(path)
        if not p.is_file():
            raise ProtocolError(f"protocol file {str(p)!r} does not exist")
        return cls.from_text(p.read_text(), cycles, edge)
