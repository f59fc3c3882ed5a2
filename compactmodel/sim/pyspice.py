"""The model in a PySpice ``Circuit``: the shipped library included once, instances with validated parameters.

PySpice's ``Circuit.X`` writes whatever it is given: a misspelt or out-of-range parameter reaches
ngspice, which simulates ``len=-1`` or ignores ``lenn=2u`` silently. These helpers check every
value against the model's parameter table first (:func:`compactmodel.core.parameters.validate`:
a :class:`~compactmodel.core.parameters.ParameterError` names the parameter, its value and the
allowed range), add ``.include <shipped spin_battery.lib>`` (absolute path, package data) to the
circuit once, and write every parameter on the instance line, defaults included, so the netlist
documents the device::

    from PySpice.Spice.Netlist import Circuit
    from compactmodel.sim.pyspice import add_spin_battery

    c = Circuit("charge")
    c.I("ch", c.gnd, "p", 0.15e-3)
    c.V("g", "gate", c.gnd, 1.5)                       # gate open (>= 1.1 vgon)
    add_spin_battery(c, "1", "p", c.gnd, "gate", "wn", len=2e-6, theta=3.3e-16)
    tr = c.simulator(temperature=27, nominal_temperature=27).transient(step_time=1e-12, end_time=5e-9)
    tr["wn"]                                            # stored winding [turns]

:class:`SpinBattery` and :class:`SpinLoop` hold a validated device (reuse it for many
instances); :func:`add_spin_battery` and :func:`add_spin_loop` are the one-line forms.

What it may import: :mod:`compactmodel.library`, :mod:`compactmodel.core`; PySpice only through
the circuit object it is handed (this module does not import PySpice, so it loads without it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..core.formatting import format_real
from ..core.parameters import (LOOP_PARAMETERS, PARAMETERS, InstanceParameters, Parameter, ParameterError, check_nseg,
                               validate)
from ..library import SUBCKTS, library_path

__all__ = ["SpinBattery", "SpinLoop", "add_spin_battery", "add_spin_loop", "include_library"]


def include_library(circuit: Any) -> Path:
    """Add ``.include <shipped spin_battery.lib>`` to a PySpice ``Circuit`` unless it is there; returns the path."""
    if not hasattr(circuit, "include") or not hasattr(circuit, "X"):
        raise ParameterError(f"expected a PySpice Circuit (PySpice.Spice.Netlist.Circuit), got {type(circuit).__name__}")
    path = library_path()
    present = {str(Path(str(p)).resolve()) for p in getattr(circuit, "_includes", ())}
    if str(path.resolve()) not in present:
        circuit.include(str(path))
    return path


class SpinBattery:
    """A validated ``spin_battery`` device to place in PySpice circuits.

    ``SpinBattery(params, nseg=None, **overrides)``: ``params`` a mapping (or
    :class:`InstanceParameters`, e.g. ``yig_pt().instance_parameters()``), ``overrides`` single
    values (``len=2e-6``); missing parameters take their defaults (the reference device). ``nseg``
    selects a shipped sectioned subcircuit (``spin_battery_n48``); ``None`` is the default modal model.
    Raises :class:`ParameterError` naming the bad parameter.
    """

    base = "spin_battery"
    pins: tuple[str, ...] = ("p", "n", "gate", "wn")
    table: tuple[Parameter, ...] = PARAMETERS

    def __init__(self, params: Mapping[str, object] | None = None, *, nseg: int | None = None,
                 **overrides: object) -> None:
        self.params: InstanceParameters = validate(params, table=self.table, **overrides)
        self.subckt = self.base if nseg is None else f"{self.base}_n{check_nseg(nseg)}"
        if self.subckt not in SUBCKTS:
            shipped = ", ".join(k for k in SUBCKTS if k.startswith(self.base))
            raise ParameterError(f"nseg = {nseg}: the library ships no subcircuit {self.subckt!r} (shipped: {shipped}; "
                                 "'spinbattery emit --nseg N' writes others)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.params)!r}, subckt={self.subckt!r})"

    def spice_parameters(self) -> dict[str, str]:
        """Every instance parameter as ``{name: text}`` (shortest round-tripping decimal)."""
        return {p.name: format_real(self.params[p.name]) for p in self.table}

    def add_to(self, circuit: Any, name: str, *nodes: Any) -> Any:
        """Add the library include (once) and the instance ``X<name>`` on ``nodes`` (in the order of
        :attr:`pins`; node names or ``circuit.gnd``) to ``circuit``; returns PySpice's element.

        ``name`` follows PySpice's convention: without the prefix (``"1"`` gives ``X1``; ``"X1"`` would give ``XX1``)."""
        if not isinstance(name, str) or not name.strip() or len(name.split()) != 1:
            raise ParameterError(f"instance name must be a non-empty word (PySpice adds the 'X'), got {name!r}")
        if len(nodes) != len(self.pins):
            raise ParameterError(f"{self.base} has {len(self.pins)} pins ({', '.join(self.pins)}); got {len(nodes)} "
                                 f"nodes: {list(map(str, nodes))}")
        for pin, node in zip(self.pins, nodes):
            text = str(node)
            if not text.strip() or len(text.split()) != 1:
                raise ParameterError(f"pin {pin!r} of X{name}: node name {text!r} must be one non-empty word")
        include_library(circuit)
        return circuit.X(name, self.subckt, *nodes, **self.spice_parameters())


class SpinLoop(SpinBattery):
    """A validated four-terminal ``spin_loop`` (pins p1 n1 p2 n2 gate wn; ``rw1``, ``rw2`` instead of ``rw``)."""

    base = "spin_loop"
    pins = ("p1", "n1", "p2", "n2", "gate", "wn")
    table = LOOP_PARAMETERS


def add_spin_battery(circuit: Any, name: str, p: Any, n: Any, gate: Any, wn: Any,
                     params: Mapping[str, object] | None = None, *, nseg: int | None = None, **overrides: object) -> Any:
    """Add a validated ``spin_battery`` instance ``X<name>`` (and the library, once) to a PySpice circuit.

    ``add_spin_battery(c, "1", "p", c.gnd, "gate", "wn", len=2e-6)``; see :class:`SpinBattery`.
    """
    return SpinBattery(params, nseg=nseg, **overrides).add_to(circuit, name, p, n, gate, wn)


def add_spin_loop(circuit: Any, name: str, p1: Any, n1: Any, p2: Any, n2: Any, gate: Any, wn: Any,
                  params: Mapping[str, object] | None = None, *, nseg: int | None = None, **overrides: object) -> Any:
    """Add a validated four-terminal ``spin_loop`` instance ``X<name>`` (and the library, once); see :class:`SpinLoop`."""
    return SpinLoop(params, nseg=nseg, **overrides).add_to(circuit, name, p1, n1, p2, n2, gate, wn)
