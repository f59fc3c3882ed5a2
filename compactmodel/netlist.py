"""Netlist helpers: instance lines, ``.param`` blocks and ready-made test decks.

>>> from compactmodel.netlist import instance_line
>>> instance_line("X1", ("p", "0", "g", "wn"), {"len": 2e-6})  # doctest: +ELLIPSIS
'X1 p 0 g wn spin_battery len=2e-06 stiff=2.5e-27 ...'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from .emit import LIB_PATH, REPO_ROOT
from .gate import open_voltage
from .parameters import PARAMETER_NAMES, ParameterError, validate
from .printers import format_real

__all__ = ["instance_line", "param_block", "library_path", "ChargeStoreRelease", "ac_deck", "current_drive_deck", "subckt_name"]


def library_path() -> Path:
    """Absolute path of the shipped ngspice library ``netlists/spin_battery.lib``."""
    return (REPO_ROOT / LIB_PATH).resolve()


def subckt_name(nseg: int | None = None) -> str:
    """``spin_battery`` for the default model, ``spin_battery_n<N>`` for a shipped extra."""
    return "spin_battery" if nseg is None else f"spin_battery_n{nseg}"


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
    if not name or not name.upper().startswith("X"):
        raise ParameterError(f"instance name must start with 'X' (a subcircuit instance), got {name!r}")
    if len(nodes) != 4:
        raise ParameterError(
            f"spin_battery has 4 pins (p, n, gate, wn); got {len(nodes)} node names: {list(nodes)}"
        )
    values = validate(params or {})
    args = " ".join(f"{k}={format_real(values[k])}" for k in PARAMETER_NAMES)
    return f"{name} {' '.join(nodes)} {subckt} {args}"


def param_block(params: Mapping[str, float] | None = None, prefix: str = "sb_") -> str:
    """A ``.param`` block (``.param sb_len=... ``) for a device, validated."""
    values = validate(params or {})
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

    def times(self) -> dict[str, float]:
        tc, tr = self.t_charge, self.t_ramp
        return {
            "gate_close": tc,
            "current_off": tc + 2 * tr,
            "hold_start": tc + 4 * tr,
            "release": self.t_release,
            "release_done": self.t_release + tr,
        }

    def netlist(self, params: Mapping[str, float] | None = None, subckt: str = "spin_battery") -> str:
        """The deck; warns (``LandauLimitWarning``) if ``current`` exceeds the Landau current."""
        from .phase_slips import warn_if_past_landau

        values = validate(params or {})
        warn_if_past_landau(values, self.current)
        vg = open_voltage(values["vgon"]) if self.vgate_open is None else self.vgate_open
        t = self.times()
        tr = self.t_ramp
        f = format_real
        return "\n".join(
            [
                "spin battery: charge -> store -> release",
                f".include {library_path()}",
                f"Ich 0 p pwl(0 0 {f(tr)} {f(self.current)} {f(t['current_off'])} {f(self.current)} {f(t['current_off'] + tr)} 0)",
                "Vsense pn 0 0",
                f"Vg gate 0 pwl(0 {f(vg)} {f(t['gate_close'])} {f(vg)} {f(t['gate_close'] + tr)} 0 "
                f"{f(t['release'])} 0 {f(t['release'] + tr)} {f(vg)})",
                f"Vld ld 0 pwl(0 0 {f(t['release'])} 0 {f(t['release'] + tr)} 1)",
                f"Bload p pn I = V(p,pn)*V(ld)/{f(self.r_load)}",
                instance_line("X1", ("p", "pn", "gate", "wn"), values, subckt),
                f".options {self.options}" if self.options else "* ngspice default options",
                f".tran {f(self.tmax / 10)} {f(self.t_stop)} 0 {f(self.tmax)}",
                ".end",
                "",
            ]
        )


def ac_deck(
    params: Mapping[str, float] | None,
    f_start: float,
    f_stop: float,
    points_per_decade: int = 40,
    subckt: str = "spin_battery",
    library: str | Path | None = None,
) -> str:
    """Port impedance deck: 1 A ac into p with the gate open; Z(f) = V(p).

    ``library``: file that defines ``subckt`` (default: the shipped library).
    """
    values = validate(params or {})
    f = format_real
    return "\n".join(
        [
            "spin battery: port impedance",
            f".include {Path(library).resolve() if library else library_path()}",
            "Iac 0 p dc 0 ac 1",
            f"Vg gate 0 {f(open_voltage(values['vgon']))}",
            instance_line("X1", ("p", "0", "gate", "wn"), values, subckt),
            f".ac dec {points_per_decade} {f(f_start)} {f(f_stop)}",
            ".end",
            "",
        ]
    )


def current_drive_deck(
    params: Mapping[str, float] | None,
    points: Sequence[tuple[float, float]],
    t_stop: float,
    tmax: float,
    subckt: str = "spin_battery",
) -> str:
    """Transient deck: a PWL current (``points`` = (time [s], current [A])) into p, n grounded,
    the gate held open at ``vgon``; ``tmax`` is the largest time step [s]."""
    values = validate(params or {})
    f = format_real
    pwl = " ".join(f"{f(t)} {f(i)}" for t, i in points)
    return "\n".join(
        [
            "spin battery: current drive, gate open",
            f".include {library_path()}",
            f"I1 0 p pwl({pwl})",
            f"Vg gate 0 {f(open_voltage(values['vgon']))}",
            instance_line("X1", ("p", "0", "gate", "wn"), values, subckt),
            f".tran {f(tmax / 10)} {f(t_stop)} 0 {f(tmax)}",
            ".end",
            "",
        ]
    )
