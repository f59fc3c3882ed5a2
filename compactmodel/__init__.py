"""Compact model of the spin-texture battery (Tserkovnyak & Xiao, PRL 121, 127701 (2018)).

The public API, importable from here (each name is loaded on first use, so ``import
compactmodel`` is fast and pulls in neither SymPy nor the simulator):

=======================================  ======================================================
name                                     what
=======================================  ======================================================
``PARAMETERS``, ``LOOP_PARAMETERS``      the instance-parameter tables (units, ranges, defaults)
``validate``, ``defaults``               check values -> frozen :class:`InstanceParameters`
``ParameterError``                       every bad input raises it (a ``ValueError``)
``PRESETS``, ``reference_device``, ...   preset devices (material + geometry, with sources)
``Material``, ``Geometry``, ``Device``   build your own device
``Experiment``, ``Simulation``,          protocols in plain words, the protocol engine
``Results``                              (ngspice + co-simulated load), named results
``ResistorLoad``, ``CapacitorLoad``,     what a battery releases into
``LogicLoad``
``library_path``, ``verilog_a_path``     the shipped ngspice library and Verilog-A modules
``run_netlist``, ``SimulationError``     run an ngspice deck in-process (PySpice)
``SpinBattery``, ``SpinLoop``,           place validated instances in a PySpice ``Circuit``
``add_spin_battery``, ``add_spin_loop``  (the shipped library included once)
``spin_network``                         the linear network (gate open/closed) as an lcapy circuit
``device_scales``                        u, L/u, Landau limit, barrier, ... of a device
=======================================  ======================================================

The package is a house in layers; each imports only the layers below it (``pyproject.toml``,
``[tool.importlinter]``): ``cli`` > ``studies`` > ``verify`` > ``network`` > ``sim`` | ``symbolic`` >
``library`` | ``devices`` > ``physics`` > ``core``.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

#: Public name -> the module that defines it.
_API: dict[str, str] = {
    "PARAMETERS": "compactmodel.core.parameters",
    "LOOP_PARAMETERS": "compactmodel.core.parameters",
    "ParameterError": "compactmodel.core.parameters",
    "InstanceParameters": "compactmodel.core.parameters",
    "validate": "compactmodel.core.parameters",
    "defaults": "compactmodel.core.parameters",
    "PRESETS": "compactmodel.devices.presets",
    "reference_device": "compactmodel.devices.presets",
    "paper_idealized": "compactmodel.devices.presets",
    "yig_pt": "compactmodel.devices.presets",
    "afm_pt": "compactmodel.devices.presets",
    "preset_parameters": "compactmodel.devices.presets",
    "Material": "compactmodel.devices.materials",
    "Geometry": "compactmodel.devices.materials",
    "Device": "compactmodel.devices.materials",
    "device_scales": "compactmodel.physics.scales",
    "Experiment": "compactmodel.sim.protocol",
    "Simulation": "compactmodel.sim.simulation",
    "Results": "compactmodel.sim.results",
    "ResistorLoad": "compactmodel.sim.loads",
    "CapacitorLoad": "compactmodel.sim.loads",
    "LogicLoad": "compactmodel.sim.loads",
    "library_path": "compactmodel.library",
    "verilog_a_path": "compactmodel.library",
    "run_netlist": "compactmodel.sim.ngspice",
    "SimulationError": "compactmodel.sim.ngspice",
    "SpinBattery": "compactmodel.sim.pyspice",
    "SpinLoop": "compactmodel.sim.pyspice",
    "add_spin_battery": "compactmodel.sim.pyspice",
    "add_spin_loop": "compactmodel.sim.pyspice",
    "spin_network": "compactmodel.network",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    try:
        module = _API[name]
    except KeyError:
        raise AttributeError(f"module 'compactmodel' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # next time: a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
