"""Run ngspice decks in-process through PySpice's shared-library interface.

One :class:`NgspiceSession` per process (libngspice allows only one); every run ends with
``destroy all`` so that long sweeps do not grow in memory (see ../shared/notes/tooling.md).
"""

from __future__ import annotations

import logging
import threading

import numpy as np

__all__ = ["SimulationError", "NgspiceNotFound", "run_netlist"]


class SimulationError(RuntimeError):
    """ngspice rejected the deck or the analysis failed; the message quotes ngspice."""


class NgspiceNotFound(RuntimeError):
    """libngspice is not installed."""


_lock = threading.Lock()
_shared = None


def _session():
    global _shared
    if _shared is None:
        logging.getLogger("PySpice").setLevel(logging.CRITICAL)
        try:
            from PySpice.Spice.NgSpice.Shared import NgSpiceShared

            _shared = NgSpiceShared.new_instance()
        except (OSError, ImportError) as exc:
            raise NgspiceNotFound(
                "cannot load libngspice (install the Debian packages 'ngspice' and 'libngspice0-dev', "
                f"or run the README's setup command): {exc}"
            ) from None
    return _shared


def run_netlist(netlist: str) -> dict[str, np.ndarray]:
    """Simulate a complete deck (with one analysis line) and return its vectors.

    Keys are ngspice's vector names in lower case (``time``, ``frequency``, ``wn``,
    ``x1.tw1``, ``vsense#branch`` ...). Values are numpy copies (complex for AC).
    Raises :class:`SimulationError` with ngspice's own error lines when the deck fails.
    """
    with _lock:
        ng = _session()
        ng.clear_output()
        load_errors: list[str] = []
        try:
            ng.load_circuit(netlist)
            load_errors = [ln for ln in ng.stderr.splitlines() if "error" in ln.lower()]
            if load_errors:
                raise SimulationError(load_errors[0])
            ng.run()
        except Exception as exc:  # PySpice raises NgSpiceCommandError on failure
            errors = load_errors or [ln for ln in ng.stderr.splitlines() if ln.strip()]
            ng.exec_command("destroy all")
            flagged = [ln for ln in errors if "error" in ln.lower() or "not found" in ln.lower() or "unknown" in ln.lower()]
            detail = "; ".join((flagged or errors)[:6]) if errors else str(exc)
            raise SimulationError(f"ngspice failed: {detail}") from None
        plot_name = ng.last_plot
        plot = ng.plot(None, plot_name)
        out = {name.lower(): np.array(vec._data, copy=True) for name, vec in plot.items()}
        stderr = ng.stderr if hasattr(ng, "stderr") else ""
        ng.exec_command("destroy all")
        if not out or plot_name == "const":
            raise SimulationError(f"ngspice produced no results: {stderr.strip()[-400:]}")
        for line in stderr.splitlines():
            low = line.lower()
            if "timestep too small" in low or "singular matrix" in low or "simulation(s) aborted" in low:
                raise SimulationError(f"ngspice failed: {line.strip()}")
        return out
