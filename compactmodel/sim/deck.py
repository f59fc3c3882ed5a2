"""Decks: the one deck builder (:class:`Deck`), instance lines and ready-made decks.

Every ngspice deck the package writes is built by :class:`Deck`: a title, the library it
includes, elements in the order given, then ``.ic``, ``.temp``, ``.options`` and one analysis.

>>> from compactmodel.sim.deck import instance_line
>>> instance_line("X1", ("p", "0", "g", "wn"), {"len": 2e-6})  # doctest: +ELLIPSIS
'X1 p 0 g wn spin_battery len=2e-06 stiff=2.5e-27 ...'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from ..core.formatting import format_real
from ..core.parameters import PARAMETER_NAMES, Parameter, ParameterError, validate
from ..library import library_path
from ..physics.gate import open_voltage
from ..physics.phase_slips import warn_if_past_landau

__all__ = ["Deck", "instance_line", "param_block", "ChargeStoreRelease", "ac_deck", "current_drive_deck"]


@dataclass
class Deck:
    """One ngspice deck, built in order: title, ``.include``, elements, ``.ic``, ``.temp``,
    ``.options``, the analysis line, ``.end``.

    ``include``: the library file (default: the shipped library); ``None`` or ``""`` leaves the
    line out. Methods return the deck, so calls chain.
    """

    title: str
    include: str | Path | None = field(default_factory=library_path)
    lines: list[str] = field(default_factory=list)
    ics: list[str] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    analysis_line: str = ""

    def add(self, *lines: str) -> "Deck":
        """Element (or comment) lines, in order."""
        self.lines.extend(lines)
        return self

    def instance(self, name: str, nodes: Sequence[str], params: Mapping[str, float] | None = None,
                 subckt: str = "spin_battery") -> "Deck":
        """A validated model instance (:func:`instance_line`)."""
        return self.add(instance_line(name, nodes, params, subckt))

    def ic(self, values: Mapping[str, float]) -> "Deck":
        """``.ic v(node)=value`` lines (six per line)."""
        items = [f"v({k})={format_real(v)}" for k, v in values.items()]
        for i in range(0, len(items), 6):
            self.ics.append(".ic " + " ".join(items[i:i + 6]))
        return self

    def control(self, *lines: str) -> "Deck":
        """Dot-lines after the elements and ``.ic`` (``.temp``, ``.options``, comments), in order."""
        self.controls.extend(lines)
        return self

    def temperature(self, celsius: float) -> "Deck":
        """``.temp`` [C] (the circuit temperature of every instance)."""
        return self.control(f".temp {format_real(celsius)}")

    def options(self, text: str, placeholder: str | None = "* ngspice default options") -> "Deck":
        """``.options text``; an empty ``text`` writes ``placeholder`` (a comment) instead."""
        if text:
            return self.control(f".options {text}")
        return self.control(placeholder) if placeholder else self

    def analysis(self, line: str) -> "Deck":
        """The analysis line (``.tran ...``, ``.ac ...``, ``.op``, ``.dc ...``)."""
        self.analysis_line = line
        return self

    def text(self) -> str:
        """The deck as ngspice reads it."""
        head = [self.title] + ([f".include {self.include}"] if self.include else [])
        tail = [self.analysis_line] if self.analysis_line else []
        return "\n".join(head + self.lines + self.ics + self.controls + tail + [".end", ""])

    __str__ = text


def instance_line(
    name: str,
    nodes: Sequence[str],
    params: Mapping[str, float] | None = None,
    subckt: str = "spin_battery",
) -> str:
    """An ngspice instance line ``Xname p n gate wn spin_battery key=value ...``.

    Every parameter is validated (name, type, range) and written out, defaults included,
    so the line documents the device completely.
    """
    if not isinstance(name, str) or not name.upper().startswith("X"):
        raise ParameterError(f"instance name must start with 'X' (a subcircuit instance), got {name!r}")
    if isinstance(nodes, str) or not isinstance(nodes, Sequence):
        raise ParameterError(f"spin_battery has 4 pins (p, n, gate, wn); give a sequence of 4 node names, got {nodes!r}")
    if len(nodes) != 4 or not all(isinstance(n, str) and n.strip() and len(n.split()) == 1 for n in nodes):
        raise ParameterError(
            f"spin_battery has 4 pins (p, n, gate, wn); got {len(nodes)} node names: {list(nodes)}"
        )
    values = validate(params)
    args = " ".join(f"{k}={format_real(values[k])}" for k in PARAMETER_NAMES)
    return f"{name} {' '.join(nodes)} {subckt} {args}"


def param_block(params: Mapping[str, float] | None = None, prefix: str = "sb_") -> str:
    """A ``.param`` block (``.param sb_len=... ``) for a device, validated."""
    values = validate(params)
    return "\n".join(f".param {prefix}{k}={format_real(values[k])}" for k in PARAMETER_NAMES) + "\n"


@dataclass(frozen=True)
class ChargeStoreRelease:
    """A charge -> store -> release transient deck for one device.

    Phases (all times in s): the gate is open (``vgate_open``) and ``current`` [A] flows into
    p for ``t_charge``; the gate then closes over ``t_ramp``; the current is switched off
    over ``t_ramp``; the winding is held until ``t_release``; the gate opens and a resistor
    ``r_load`` [ohm] is connected across the port over ``t_ramp``; the run ends at ``t_stop``.
    """

    current: float = 0.3e-3
    t_charge: float = 5e-9
    t_ramp: float = 0.2e-9
    t_release: float = 20e-9
    t_stop: float = 30e-9
    r_load: float = 1e3
    vgate_open: float | None = None
    tmax: float = 10e-12
    options: str = ""  #: extra ``.options`` (e.g. "reltol=1e-5"); empty: ngspice defaults

    def __post_init__(self) -> None:
        """Range-check every field (one ParameterError naming the field, value and range)."""
        inf = math.inf
        checks = (
            ("current", "A", "charging current into p", -1.0, 1.0, False),
            ("t_charge", "s", "charging time", 0.0, inf, True),
            ("t_ramp", "s", "ramp time of the gate, current and load", 0.0, inf, True),
            ("t_release", "s", "time at which the release starts", 0.0, inf, True),
            ("t_stop", "s", "end of the transient", 0.0, inf, True),
            ("r_load", "ohm", "load resistance", 0.0, inf, True),
            ("tmax", "s", "largest time step", 0.0, inf, True),
        )
        for field, unit, desc, lo, hi, lo_open in checks:
            value = Parameter(field, unit, desc, 0.0, lo, hi, lower_open=lo_open).check(getattr(self, field))
            object.__setattr__(self, field, value)
        if self.vgate_open is not None:
            object.__setattr__(self, "vgate_open", Parameter("vgate_open", "V", "gate voltage that opens the loop",
                                                              0.0, -1e3, 1e3).check(self.vgate_open))
        if not isinstance(self.options, str):
            raise ParameterError(f"ChargeStoreRelease: options must be a string of ngspice .options, got {self.options!r}")
        hold = self.t_charge + 4 * self.t_ramp
        if not hold <= self.t_release <= self.t_stop:
            raise ParameterError(
                f"ChargeStoreRelease: the phases must follow each other: t_charge + 4 t_ramp = {hold:.6g} s "
                f"<= t_release = {self.t_release:.6g} s <= t_stop = {self.t_stop:.6g} s"
            )

    def times(self) -> dict[str, float]:
        tc, tr = self.t_charge, self.t_ramp
        return {
            "gate_close": tc,
            "current_off": tc + 2 * tr,
            "hold_start": tc + 4 * tr,
            "release": self.t_release,
            "release_done": self.t_release + tr,
        }

    def netlist(self, params: Mapping[str, float] | None = None, subckt: str = "spin_battery",
                library: str | Path | None = None, temperature: float | None = None) -> str:
        """The deck; warns (``LandauLimitWarning``) if ``current`` exceeds the Landau current.

        ``library``: file defining ``subckt`` (default: the shipped library); ``temperature``:
        circuit temperature [C] (default: ngspice's, 27 C).
        """
        values = validate(params)
        warn_if_past_landau(values, self.current)
        vg = open_voltage(values["vgon"]) if self.vgate_open is None else self.vgate_open
        t = self.times()
        tr = self.t_ramp
        f = format_real
        deck = Deck("spin battery: charge -> store -> release", Path(library).resolve() if library else library_path())
        deck.add(
            f"Ich 0 p pwl(0 0 {f(tr)} {f(self.current)} {f(t['current_off'])} {f(self.current)} {f(t['current_off'] + tr)} 0)",
            "Vsense pn 0 0",
            f"Vg gate 0 pwl(0 {f(vg)} {f(t['gate_close'])} {f(vg)} {f(t['gate_close'] + tr)} 0 "
            f"{f(t['release'])} 0 {f(t['release'] + tr)} {f(vg)})",
            f"Vld ld 0 pwl(0 0 {f(t['release'])} 0 {f(t['release'] + tr)} 1)",
            f"Bload p pn I = V(p,pn)*V(ld)/{f(self.r_load)}",
        ).instance("X1", ("p", "pn", "gate", "wn"), values, subckt)
        if temperature is not None:
            deck.temperature(temperature)
        deck.options(self.options).analysis(f".tran {f(self.tmax / 10)} {f(self.t_stop)} 0 {f(self.tmax)}")
        return deck.text()


def ac_deck(
    params: Mapping[str, float] | None,
    f_start: float,
    f_stop: float,
    points_per_decade: int = 40,
    subckt: str = "spin_battery",
    library: str | Path | None = None,
    dc_current: float = 0.0,
    temperature: float | None = None,
    options: str = "",
) -> str:
    """Port impedance deck: 1 A ac into p with the gate open; Z(f) = V(p).

    ``library``: file that defines ``subckt`` (default: the shipped library); ``dc_current``
    [A]: the operating point's DC current into p; ``temperature``: circuit temperature [C]
    (default ngspice's); ``options``: ngspice ``.options``.
    """
    values = validate(params)
    f_start = Parameter("f_start", "Hz", "start of the AC sweep", 0.0, 0.0, 1e18, lower_open=True).check(f_start)
    f_stop = Parameter("f_stop", "Hz", "end of the AC sweep (above f_start)", 0.0, f_start, 1e18, lower_open=True).check(f_stop)
    if isinstance(points_per_decade, bool) or not isinstance(points_per_decade, int) or not 1 <= points_per_decade <= 10**5:
        raise ParameterError(f"points_per_decade = {points_per_decade!r}: allowed range integers [1:100000]")
    f = format_real
    dc = Parameter("dc_current", "A", "DC current into p", 0.0, -1.0, 1.0).check(dc_current)
    deck = (Deck("spin battery: port impedance", Path(library).resolve() if library else library_path())
            .add(f"Iac 0 p dc {f(dc) if dc else 0} ac 1", f"Vg gate 0 {f(open_voltage(values['vgon']))}")
            .instance("X1", ("p", "0", "gate", "wn"), values, subckt))
    if temperature is not None:
        deck.temperature(temperature)
    return deck.options(options, placeholder=None).analysis(f".ac dec {points_per_decade} {f(f_start)} {f(f_stop)}").text()


def current_drive_deck(
    params: Mapping[str, float] | None,
    points: Sequence[tuple[float, float]],
    t_stop: float,
    tmax: float,
    subckt: str = "spin_battery",
) -> str:
    """Transient deck: a PWL current (``points`` = (time [s], current [A])) into p, n grounded,
    the gate held open at ``vgon``; ``tmax`` is the largest time step [s]."""
    values = validate(params)
    t_stop = Parameter("t_stop", "s", "end of the transient", 0.0, 0.0, math.inf, lower_open=True).check(t_stop)
    tmax = Parameter("tmax", "s", "largest time step", 0.0, 0.0, math.inf, lower_open=True).check(tmax)
    for k, point in enumerate(points):
        try:
            t_k, i_k = point
        except (TypeError, ValueError):
            raise ParameterError(f"points[{k}] = {point!r}: each point must be a (time [s], current [A]) pair") from None
        Parameter(f"points[{k}] time", "s", "PWL time", 0.0, 0.0, math.inf).check(t_k)
        Parameter(f"points[{k}] current", "A", "PWL current", 0.0, -1.0, 1.0).check(i_k)
    f = format_real
    pwl = " ".join(f"{f(t)} {f(i)}" for t, i in points)
    return (Deck("spin battery: current drive, gate open")
            .add(f"I1 0 p pwl({pwl})", f"Vg gate 0 {f(open_voltage(values['vgon']))}")
            .instance("X1", ("p", "0", "gate", "wn"), values, subckt)
            .analysis(f".tran {f(tmax / 10)} {f(t_stop)} 0 {f(tmax)}")
            .text())
