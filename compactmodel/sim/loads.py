"""Loads the battery can release into: plain SPICE elements or a co-simulated logic cell.

Every load sits between node ``bl`` (the battery terminal ``bp`` behind the sense source
``Vlsense``) and ground and is connected through
the control voltage ``V(ld)`` (0: disconnected, 1: connected; ramped by the protocol).

* :class:`ResistorLoad`: a resistor [ohm].
* :class:`CapacitorLoad`: a capacitor [F] behind a switch resistance [ohm].
* :class:`LogicLoad`: a spin-orbit-torque MTJ cell (:mod:`compactmodel.devices.sot_mtj`). Its
  write path, the heavy-metal strip, is in the circuit; its free-layer macrospin is
  integrated in Python on every accepted ngspice time point, and the strip's spin-Hall
  magnetoresistance R0 (1 + smr (1 - m_y^2)) is fed back through the external source
  ``Vgs gs 0 external`` (V(gs) = R0 / R_strip, dimensionless). After each completed write
  the cell's write driver (an H-bridge, ideal) reverses the strip current so that the next
  write switches the cell back: the load keeps doing logic writes while it has power.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.formatting import format_real
from ..core.parameters import ParameterError, is_integer, is_real
from ..devices.sot_mtj import SotMtjParameters

__all__ = ["Load", "ResistorLoad", "CapacitorLoad", "LogicLoad"]


def _positive(owner: str, name: str, value: object, unit: str, lo: float, hi: float) -> float:
    if not is_real(value):
        raise ParameterError(f"{owner}: {name} must be a number [{unit}], got {type(value).__name__} {value!r}")
    v = float(value)
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ParameterError(f"{owner}: {name} = {value!r} {unit} is outside the allowed range [{lo:g}:{hi:g}]")
    return v


class Load:
    """Base class: SPICE lines of the load (between ``bl`` and ground, switched by V(ld))."""

    def elements(self) -> list[str]:
        raise NotImplementedError

    def ic_nodes(self) -> list[str]:
        """Nodes whose voltage carries over between protocol steps."""
        return []


@dataclass(frozen=True)
class ResistorLoad(Load):
    """A resistor ``resistance`` [ohm] across the battery port while connected."""

    resistance: float = 1e3

    def __post_init__(self) -> None:
        _positive("ResistorLoad", "resistance", self.resistance, "ohm", 1e-3, 1e12)

    def elements(self) -> list[str]:
        return [f"Bload bl 0 I = V(bl)*V(ld)/{format_real(self.resistance)}"]


@dataclass(frozen=True)
class CapacitorLoad(Load):
    """A capacitor ``capacitance`` [F] charged through ``r_switch`` [ohm] while connected."""

    capacitance: float = 1e-15
    r_switch: float = 100.0

    def __post_init__(self) -> None:
        _positive("CapacitorLoad", "capacitance", self.capacitance, "F", 1e-21, 1.0)
        _positive("CapacitorLoad", "r_switch", self.r_switch, "ohm", 1e-3, 1e12)

    def elements(self) -> list[str]:
        return [
            f"Bload bl cl I = V(bl,cl)*V(ld)/{format_real(self.r_switch)}",
            f"Cload cl 0 {format_real(self.capacitance)}",
            "Rcl_leak cl 0 1e15",
        ]

    def ic_nodes(self) -> list[str]:
        return ["cl"]


@dataclass(frozen=True)
class LogicLoad(Load):
    """A co-simulated SOT-MTJ logic cell (see the module docstring).

    ``cell``: :class:`compactmodel.devices.sot_mtj.SotMtjParameters` (default cell if None);
    ``thermal``: include the thermal field (seeded by ``seed``); ``write_threshold``: a write
    is complete when m_y has reached -threshold (or +threshold) after starting on the other
    side and the cell is trapped there (its energy below the saddle's) [-]; ``bridge``: +1 or -1 fixes the write driver's orientation, 0 (default) orients
    it at the start of each release so that the first current lobe writes (the release
    current of the loop rings at its spin-wave round-trip frequency, so its sign alternates).
    """

    cell: object = None
    thermal: bool = False
    seed: int | None = None
    write_threshold: float = 0.9
    bridge: int = 0

    def __post_init__(self) -> None:
        if self.cell is None:
            object.__setattr__(self, "cell", SotMtjParameters())
        if not isinstance(self.cell, SotMtjParameters):
            raise ParameterError(f"LogicLoad: cell must be a SotMtjParameters, got {type(self.cell).__name__}")
        if not isinstance(self.thermal, bool):
            raise ParameterError(f"LogicLoad: thermal must be True or False, got {self.thermal!r}")
        if self.seed is not None and (not is_integer(self.seed) or self.seed < 0):
            raise ParameterError(f"LogicLoad: seed must be a non-negative integer or None, got {self.seed!r}")
        if self.bridge not in (-1, 0, 1) or isinstance(self.bridge, bool):
            raise ParameterError(f"LogicLoad: bridge = {self.bridge!r}: allowed values -1, 0 (automatic), +1")
        _positive("LogicLoad", "write_threshold", self.write_threshold, "-", 0.0, 0.999)

    @property
    def strip_resistance(self) -> float:
        """R0 of the heavy-metal strip (no magnetoresistance) [ohm]."""
        return self.cell.r0

    def elements(self) -> list[str]:
        return [
            "Vsns bl bs 0",
            "Vgs gs 0 external",
            f"Bstrip bs 0 I = V(bs)*V(ld)*V(gs)/{format_real(self.strip_resistance)}",
        ]

