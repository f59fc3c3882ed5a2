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
import re
import threading
from typing import Sequence

import numpy as np

from ..core.parameters import LOOP_PARAMETERS, PARAMETERS, ParameterError, validate

__all__ = ["SimulationError", "InstanceError", "NgspiceNotFound", "Cosimulation", "STOP_SOURCE", "run_netlist",
           "raw_run", "check_instances"]

#: Deck line that lets a co-simulation handler halt the transient.
STOP_SOURCE = "Vcosim_stop cosim_stop 0 external"


class SimulationError(RuntimeError):
    """ngspice rejected the deck or the analysis failed; the message quotes ngspice."""


class InstanceError(SimulationError, ParameterError):
    """A ``spin_battery``/``spin_loop`` instance line of a deck has the wrong number of pins or an
    unknown or out-of-range parameter; found by :func:`check_instances` before ngspice sees the deck
    (ngspice itself accepts e.g. ``len=-1`` silently and ignores unknown parameter names)."""


class NgspiceNotFound(RuntimeError):
    """libngspice is not installed."""


# ------------------------------------------------------------------ checks of the deck's model instances
#: Subcircuit names of the model (the shipped library): name pattern -> (pins, loop model?).
_MODEL_SUBCKT = re.compile(r"^(?:(?P<battery>spin_battery(?:_n\d+)?)|(?P<loop>spin_loop))$", re.I)
_BATTERY_PINS = ("p", "n", "gate", "wn")
_LOOP_PINS = ("p1", "n1", "p2", "n2", "gate", "wn")
_SPICE_NUMBER = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)(meg|mil|[tgkmunpf])?[a-z]*$", re.I)
_SPICE_SCALE = {"t": 1e12, "g": 1e9, "meg": 1e6, "k": 1e3, "m": 1e-3, "mil": 25.4e-6, "u": 1e-6, "n": 1e-9,
                "p": 1e-12, "f": 1e-15}


def _spice_number(text: str) -> float | None:
    """``"2u"`` -> 2e-6, ``"-1"`` -> -1.0; None for an expression or a parameter name."""
    m = _SPICE_NUMBER.match(text)
    if not m:
        return None
    return float(m.group(1)) * _SPICE_SCALE.get((m.group(2) or "").lower(), 1.0)


def check_instances(netlist: str) -> None:
    """Check every instance of the model's subcircuits (``spin_battery``, ``spin_battery_n<N>``,
    ``spin_loop``) in a deck: pin count, parameter names, and every parameter written as a plain
    number against :data:`compactmodel.core.parameters.PARAMETERS` (``{expressions}`` are left to
    ngspice). Raises :class:`InstanceError` naming the deck line, the instance and the parameter."""
    logical: list[list] = []  # [line number, text] with '+' continuations joined
    for number, raw in enumerate(netlist.splitlines(), 1):
        text = raw.strip()
        if text.startswith("+") and logical:
            logical[-1][1] += " " + text[1:]
        else:
            logical.append([number, text])
    for number, text in logical[1:]:  # the first line is the title
        if text[:1] not in ("x", "X"):
            continue
        text = re.split(r"\s(?:;|\$|//)", text)[0]  # inline comment
        tokens = [tok for tok in re.sub(r"\s*=\s*", "=", text).split() if tok.lower() != "params:"]
        split = next((i for i, tok in enumerate(tokens) if "=" in tok), len(tokens))
        positional, assignments = tokens[:split], tokens[split:]
        if len(positional) < 2:
            continue
        subckt = positional[-1]
        m = _MODEL_SUBCKT.match(subckt)
        if not m:
            continue
        pins, table = (_LOOP_PINS, LOOP_PARAMETERS) if m.group("loop") else (_BATTERY_PINS, PARAMETERS)
        nodes = positional[1:-1]
        where = f"deck line {number}, instance {positional[0]} of {subckt}"
        if len(nodes) != len(pins):
            raise InstanceError(
                f"{where}: {subckt} has {len(pins)} pins ({' '.join(pins)}), got {len(nodes)} node(s): "
                f"{' '.join(nodes) or '(none)'}"
            )
        known = {p.name for p in table}
        values: dict[str, object] = {}
        for item in assignments:
            key, _, text = item.partition("=")
            key = key.lower()
            value = _spice_number(text)
            if value is not None or key not in known:  # expressions of known parameters: ngspice's business
                values[key] = value if value is not None else text
        try:
            validate(values, table=table)
        except ParameterError as err:
            raise InstanceError(f"{where}: {err}") from None


# ------------------------------------------------------------------ ngspice's own complaints, in one line
_NOISE = re.compile(r"cannot recover|there aren't any circuits loaded|circuit not parsed|cannot compute substitute|"
                    r"no compatibility mode|simulation interrupted due to error|^netlist line no\. 0:", re.I)
_FATAL = re.compile(r"error|too (?:few|many|small)|unknown|undefined|not found|can't|cannot|could not|invalid|no such|"
                    r"singular|aborted|failed", re.I)


def _complaint(text: str, limit: int = 3) -> str:
    """ngspice's error messages in ``text`` (its stderr) as one line: a header line ending in ':'
    (``Error on line:``, ``Netlist line no. 5:``) is joined to the line after it; parameter dumps,
    follow-on errors and "cannot recover" are dropped."""
    groups: list[str] = []
    header: str | None = None
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line or line.startswith("|"):  # blank, or Formula()'s dump of every .param
            continue
        if header is not None:
            line, header = f"{header} {line}", None
        elif line.endswith(":"):
            header = line
            continue
        if not _NOISE.search(line) and line not in groups:
            groups.append(line)
    if header is not None and not _NOISE.search(header):
        groups.append(header)
    fatal = [g for g in groups if _FATAL.search(g)]
    chosen = (fatal or groups)[:limit]
    return "; ".join(g if len(g) <= 200 else g[:197] + "..." for g in chosen)


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
_load_failure: str | None = None  #: why libngspice could not be loaded (PySpice cannot retry in-process)
_broken: str | None = None  #: why the session could not be restarted after ngspice's controlled exit


def _session():
    global _shared, _load_failure
    if _load_failure is not None:
        raise NgspiceNotFound(_load_failure)
    if _broken is not None:
        raise SimulationError(_broken)
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

            @staticmethod
            def _exit(exit_status, immediate_unloading, quit_exit, ngspice_id, user_data):
                # ngspice's controlled exit (e.g. an undefined .param): the library then refuses
                # every command until it is unloaded; run_netlist reloads it (_restart)
                ffi.from_handle(user_data).exited = True
                return exit_status

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
            reason = str(exc).split(".  Additionally", 1)[0]  # cffi appends a ctypes find_library note
            _load_failure = (
                "cannot load libngspice (install the Debian packages 'ngspice' and 'libngspice0-dev', "
                "or run the README's setup command; set NGSPICE_LIBRARY_PATH for a library elsewhere; "
                f"then restart Python): {reason}"
            )
            raise NgspiceNotFound(_load_failure) from None
        _shared.exited = False
    return _shared


def _restart(ng) -> None:
    """Unload and reload libngspice after its controlled exit (same PySpice session object)."""
    global _broken
    try:
        from PySpice.Spice.NgSpice.Shared import ffi

        ffi.dlclose(ng._ngspice_shared)
        ng._ngspice_shared = ffi.dlopen(ng.library_path)
        ident = ng._ngspice_id  # PySpice replaced the int by an 'int *' during the first init
        ng._ngspice_id = ident if isinstance(ident, int) else int(ident[0])
        ng._init_ngspice(True)
        ng.exited = False
    except Exception as exc:  # noqa: BLE001 - report, never crash
        _broken = f"ngspice could not be restarted after a fatal deck error ({type(exc).__name__}: {exc}); restart Python"


def run_netlist(netlist: str, handler: Cosimulation | None = None) -> dict[str, np.ndarray]:
    """Simulate a complete deck (with one analysis line) and return its vectors.

    Keys are ngspice's vector names in lower case (``time``, ``frequency``, ``wn``,
    ``x1.tw1``, ``vsense#branch`` ...). Values are numpy copies (complex for AC).
    Raises :class:`SimulationError` with ngspice's own error lines when the deck fails, or
    with the handler's exception when a co-simulation callback failed.
    """
    if not isinstance(netlist, str):
        raise SimulationError(f"the netlist must be a string holding a complete deck, got {type(netlist).__name__}")
    check_instances(netlist)  # ngspice would accept len=-1 or a misspelt parameter silently
    with _lock:
        ng = _session()
        ng.clear_output()
        ng.handler = handler
        if handler is not None:
            handler._index = None
        log: list[str] = []  # ngspice's stderr while loading, then while running
        try:
            try:
                ng.load_circuit(netlist)
            finally:
                log.append(ng.stderr)
            if any("error" in ln.lower() for ln in log[0].splitlines()):
                raise SimulationError(log[0])
            if handler is not None and "cosim_stop" in netlist.lower():
                ng.exec_command("stop when v(cosim_stop) > 0.5")
            ng.run()
        except Exception as exc:  # PySpice raises NgSpiceCommandError on failure (also on a breakpoint)
            halted = handler is not None and handler.stop and "condition met" in ng.stdout + ng.stderr
            if not halted and _converged_by_stepping(ng):
                halted = True  # gmin/source stepping found the operating point: ngspice's notes, not errors
            if not halted:
                log.append(ng.stderr)
                text = "\n".join(log)
                if getattr(ng, "exited", False) or "cannot recover" in text:
                    _restart(ng)  # else every later run in this process would fail
                try:
                    _cleanup(ng)
                except Exception:  # noqa: BLE001 - a dead library refuses commands
                    ng.handler = None
                if handler is not None and handler.error is not None:
                    raise _callback_error(handler) from None
                detail = _complaint(text) or f"no error message from ngspice ({' '.join(str(exc).split())[:300]})"
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


def _converged_by_stepping(ng) -> bool:
    """ngspice reported notes of gmin/source stepping that completed (PySpice raises on any
    stderr line that is not a 'Warning:'), produced results, and fell back to nothing worse."""
    text = (ng.stderr + "\n" + ng.stdout).lower()
    if "stepping completed" not in text:
        return False
    if any(bad in text for bad in ("timestep too small", "aborted", "cannot recover", "optran", "transient op",
                                   "error")):
        return False
    try:
        return ng.last_plot not in (None, "const")
    except Exception:  # noqa: BLE001
        return False


def _cleanup(ng) -> None:
    ng.handler = None
    ng.exec_command("destroy all")
    ng.exec_command("delete all")
    # remove the circuit: else a later deck that fails to load (e.g. "Too few parameters for
    # subcircuit") would silently 'run' this one and return its results
    try:
        ng.exec_command("remcirc")
    except Exception:  # noqa: BLE001 - "there is no circuit loaded"
        pass


def _callback_error(handler: Cosimulation) -> SimulationError:
    exc = handler.error
    return SimulationError(
        f"co-simulation stopped at t = {handler.error_time:.6g} s: {type(exc).__name__}: {exc}"
    )


def raw_run(deck: str, keep: Sequence[str] | None = None) -> dict:
    """Run a deck in this process's ngspice session and report what ngspice itself did.

    :func:`run_netlist` raises whenever PySpice flags the run, and PySpice 1.5 flags every stderr
    line that does not start with "Warning:" -- including ngspice's "Note: Starting dynamic gmin
    stepping" of a run that then converges. To study the model's convergence, this keeps the
    result and the log: ``{"vectors", "log", "raised"}`` (``raised``: the PySpice exception
    text, or None); ``keep``: the vector names (lower case) to bring back (None: all). The
    deck is not checked (:func:`check_instances`) and nothing is raised for ngspice's failures.
    """
    with _lock:
        ng = _session()
        ng.clear_output()
        ng.handler = None
        raised, log = None, []
        try:
            ng.load_circuit(deck)
            log += [ln for ln in ng.stderr.splitlines() if ln.strip()]
            if any("error" in ln.lower() for ln in log):
                raised = "load: " + next(ln for ln in log if "error" in ln.lower())
            else:
                try:
                    ng.run()
                except Exception as exc:  # noqa: BLE001 - PySpice's NgSpiceCommandError
                    raised = f"{type(exc).__name__}: {exc}"
                log += [ln for ln in ng.stderr.splitlines() if ln.strip()]
                log += [ln for ln in ng.stdout.splitlines() if "error" in ln.lower() or "abort" in ln.lower()]
            vectors = {}
            name = ng.last_plot
            if name and name != "const":
                vectors = {k.lower(): np.array(v._data, copy=True) for k, v in ng.plot(None, name).items()
                           if keep is None or k.lower() in keep}
        finally:
            _cleanup(ng)
    return {"vectors": vectors, "log": log, "raised": raised}
