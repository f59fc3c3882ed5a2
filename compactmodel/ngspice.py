"""Run ngspice decks in-process through PySpice's shared-library interface.

One session per process (libngspice allows only one); every run ends with ``destroy all``
so that long sweeps do not grow in memory (see ../shared/notes/tooling.md).

Co-simulation: :func:`run_netlist` takes an optional :class:`Cosimulation` handler. ngspice
then calls it on every accepted time point (``accept``, with the values of the vectors the
handler asked for) and whenever it needs the value of an ``external`` voltage source
(``source``; called on Newton iterations and rejected steps too, so the handler must only
*read* state there). A handler stops the transient early by raising its ``stop`` flag: the
deck then needs the source ``Vcosim_stop cosim_stop 0 external`` (:data:`STOP_SOURCE`),
watched by an ngspice breakpoint (``stop when v(cosim_stop) > 0.5``). Exceptions inside the
callbacks are caught (cffi would swallow them and feed garbage to ngspice), stop the run and
are re-raised as :class:`SimulationError` naming the time point.
"""

from __future__ import annotations

import logging
import threading
from typing import Sequence

import numpy as np

__all__ = ["SimulationError", "NgspiceNotFound", "Cosimulation", "STOP_SOURCE", "run_netlist"]

#: Deck line that lets a co-simulation handler halt the transient.
STOP_SOURCE = "Vcosim_stop cosim_stop 0 external"


class SimulationError(RuntimeError):
    """ngspice rejected the deck or the analysis failed; the message quotes ngspice."""


class NgspiceNotFound(RuntimeError):
    """libngspice is not installed."""


class Cosimulation:
    """Base class of a co-simulation handler (override :meth:`accept` and :meth:`source`).

    ``vectors``: names of the ngspice vectors (lower case, e.g. ``time``, ``x1.tw1``,
    ``vsense#branch``) passed to :meth:`accept` on each accepted time point, in this order.
    """

    vectors: Sequence[str] = ("time",)

    def __init__(self) -> None:
        self.stop = False
        self.error: BaseException | None = None
        self.error_time: float | None = None
        self._index: list[int] | None = None
        self._time = 0.0

    # -- to override -------------------------------------------------------------------
    def accept(self, values: list[float]) -> None:
        """One accepted time point; ``values`` follow :attr:`vectors`."""

    def source(self, name: str, time: float) -> float:
        """Value of the external voltage source ``name`` (lower case) at ``time`` [s]."""
        raise KeyError(f"no value for external source {name!r}")

    # -- used by the session -----------------------------------------------------------
    def _bind(self, names: list[str]) -> None:
        missing = [v for v in self.vectors if v not in names]
        if missing:
            raise KeyError(f"the deck has no vector(s) {missing} needed by the co-simulation")
        self._index = [names.index(v) for v in self.vectors]

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error, self.error_time = exc, self._time
        self.stop = True

    def _source(self, name: str, time: float) -> float:
        if name == "vcosim_stop":
            return 1.0 if self.stop else 0.0
        if self.error is not None:
            return 0.0
        return float(self.source(name, time))


_lock = threading.Lock()
_shared = None


def _session():
    global _shared
    if _shared is None:
        logging.getLogger("PySpice").setLevel(logging.CRITICAL)
        try:
            from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi, ffi_string_utf8
        except ImportError as exc:
            raise NgspiceNotFound(f"PySpice is not installed: {exc}") from None

        class _Session(NgSpiceShared):
            handler: Cosimulation | None = None

            @staticmethod
            def _send_data(data, number_of_vectors, ngspice_id, user_data):
                self = ffi.from_handle(user_data)
                h = self.handler
                if h is None or h.error is not None:
                    return 0
                try:
                    vecs = data.vecsa
                    if h._index is None:
                        h._bind([ffi_string_utf8(vecs[i].name) for i in range(int(number_of_vectors))])
                    values = [vecs[i].creal for i in h._index]
                    h._time = values[0] if h.vectors and h.vectors[0] == "time" else h._time
                    h.accept(values)
                except BaseException as exc:  # noqa: BLE001 - must not escape into C
                    h._fail(exc)
                return 0

            def get_vsrc_data(self, voltage, time, node, ngspice_id):
                h = self.handler
                try:
                    voltage[0] = h._source(node.lower(), time) if h is not None else 0.0
                except BaseException as exc:  # noqa: BLE001
                    voltage[0] = 0.0
                    if h is not None:
                        h._fail(exc)
                return 0

        try:
            _shared = _Session.new_instance(send_data=True)
        except OSError as exc:
            raise NgspiceNotFound(
                "cannot load libngspice (install the Debian packages 'ngspice' and 'libngspice0-dev', "
                f"or run the README's setup command): {exc}"
            ) from None
    return _shared


def run_netlist(netlist: str, handler: Cosimulation | None = None) -> dict[str, np.ndarray]:
    """Simulate a complete deck (with one analysis line) and return its vectors.

    Keys are ngspice's vector names in lower case (``time``, ``frequency``, ``wn``,
    ``x1.tw1``, ``vsense#branch`` ...). Values are numpy copies (complex for AC).
    Raises :class:`SimulationError` with ngspice's own error lines when the deck fails, or
    with the handler's exception when a co-simulation callback failed.
    """
    with _lock:
        ng = _session()
        ng.clear_output()
        ng.handler = handler
        if handler is not None:
            handler._index = None
        load_errors: list[str] = []
        try:
            ng.load_circuit(netlist)
            load_errors = [ln for ln in ng.stderr.splitlines() if "error" in ln.lower()]
            if load_errors:
                raise SimulationError(load_errors[0])
            if handler is not None and "cosim_stop" in netlist.lower():
                ng.exec_command("stop when v(cosim_stop) > 0.5")
            ng.run()
        except Exception as exc:  # PySpice raises NgSpiceCommandError on failure (also on a breakpoint)
            halted = handler is not None and handler.stop and "condition met" in ng.stdout + ng.stderr
            if not halted:
                errors = load_errors or [ln for ln in ng.stderr.splitlines() if ln.strip()]
                _cleanup(ng)
                if handler is not None and handler.error is not None:
                    raise _callback_error(handler) from None
                flagged = [ln for ln in errors if "error" in ln.lower() or "not found" in ln.lower() or "unknown" in ln.lower()]
                detail = "; ".join((flagged or errors)[:6]) if errors else str(exc)
                raise SimulationError(f"ngspice failed: {detail}") from None
        plot_name = ng.last_plot
        plot = ng.plot(None, plot_name)
        out = {name.lower(): np.array(vec._data, copy=True) for name, vec in plot.items()}
        stderr = ng.stderr if hasattr(ng, "stderr") else ""
        _cleanup(ng)
        if handler is not None and handler.error is not None:
            raise _callback_error(handler)
        if not out or plot_name == "const":
            raise SimulationError(f"ngspice produced no results: {stderr.strip()[-400:]}")
        for line in stderr.splitlines():
            low = line.lower()
            if "timestep too small" in low or "singular matrix" in low or "simulation(s) aborted" in low:
                raise SimulationError(f"ngspice failed: {line.strip()}")
        return out


def _cleanup(ng) -> None:
    ng.handler = None
    ng.exec_command("destroy all")
    ng.exec_command("delete all")


def _callback_error(handler: Cosimulation) -> SimulationError:
    exc = handler.error
    return SimulationError(
        f"co-simulation stopped at t = {handler.error_time:.6g} s: {type(exc).__name__}: {exc}"
    )
