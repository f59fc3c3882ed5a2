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
import math
import re
import threading
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from ..core.parameters import LOOP_PARAMETERS, PARAMETERS, ParameterError, is_integer, is_real, validate
from ..library import LibraryIntegrityError, check_file
from ..physics.scales import ANISOTROPY_FLOOR
from .spice_expr import Unknowable, evaluate, spice_number

__all__ = ["SimulationError", "InstanceError", "NgspiceNotFound", "RunLimitError", "Cosimulation", "STOP_SOURCE",
           "run_netlist", "raw_run", "check_instances", "RUN_TIMEOUT", "MAX_POINTS"]

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


class RunLimitError(SimulationError):
    """An ngspice run reached its wall-clock limit (:data:`RUN_TIMEOUT`) or its point-count limit
    (:data:`MAX_POINTS`) and was stopped; the message names the limit and the analysis."""


#: Wall-clock limit of one ngspice run started from Python [s] (``timeout=`` of :func:`run_netlist`
#: and :func:`raw_run`; read at each call, so assigning this module constant changes the default).
RUN_TIMEOUT = 900.0
#: Limit of accepted points (time points, sweep points, frequencies) of one run (``max_points=``).
MAX_POINTS = 20_000_000


# ------------------------------------------------------------------ checks of the deck's model instances
#: Subcircuit names of the model (the shipped library): name pattern -> (pins, loop model?).
_MODEL_SUBCKT = re.compile(r"^(?:(?P<battery>spin_battery(?:_n\d+)?)|(?P<loop>spin_loop(?:_n\d+)?))$", re.I)
_BATTERY_PINS = ("p", "n", "gate", "wn")
_LOOP_PINS = ("p1", "n1", "p2", "n2", "gate", "wn")
#: Circuit temperature of a deck without ``.temp`` / ``.options temp=`` [degC] (ngspice's default).
_DEFAULT_TEMP_C = 27.0
#: Device temperatures the model allows [K] (as :func:`compactmodel.physics.scales.device_scales`).
_T_RANGE = (1.0, 2000.0)
_MAX_INCLUDE_DEPTH = 8
_MAX_NESTING = 20
_MAX_EXPANSIONS = 20000


def _spice_number(text: str) -> float | None:
    """``"2u"`` -> 2e-6, ``"-1"`` -> -1.0; None for an expression or a parameter name."""
    return spice_number(text)


def _strip_comment(raw: str) -> str:
    """A physical line without its inline comment (``;`` anywhere, `` $`` and `` //`` after a blank)."""
    text = raw.split(";", 1)[0]
    m = re.search(r"(?:^|\s)(?:\$|//)", text)
    return text[:m.start()] if m else text


def _tokens(text: str) -> list[str]:
    """Split on blanks outside ``{}``, ``()`` and quotes, after ``k = v`` -> ``k=v``."""
    out, cur, depth, quote = [], [], 0, ""
    for ch in re.sub(r"\s*=\s*", "=", text):
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            cur.append(ch)
        elif ch in "{(":
            depth += 1
            cur.append(ch)
        elif ch in "})":
            depth = max(0, depth - 1)
            cur.append(ch)
        elif ch.isspace() and depth == 0:
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


def _assignments(tokens: list[str]) -> list[tuple[str, str]]:
    out = []
    for tok in tokens:
        key, eq, value = tok.partition("=")
        if eq and key and "(" not in key:
            out.append((key.lower(), value))
    return out


def _logical_lines(lines: list[str], label: str, title: bool) -> list[tuple[str, str]]:
    """(where, text) of each statement: ``+`` continuations joined across comment and blank lines,
    inline comments and ``.control`` blocks removed."""
    logical: list[list[str]] = []
    in_control = False
    for number, raw in enumerate(lines, 1):
        if title and number == 1:
            continue
        text = _strip_comment(raw).strip()
        if not text or text.startswith("*"):
            continue
        if in_control:
            in_control = not text.lower().startswith(".endc")
            continue
        if text.lower().startswith(".control"):
            in_control = True
            continue
        if text.startswith("+"):
            if logical:
                logical[-1][1] += " " + text[1:]
            continue
        logical.append([label.format(number), text])
    return [(w, t) for w, t in logical]


class _Deck:
    """A deck's statements (comments, continuations and ``.control`` blocks removed; ``.include``
    files read), split into the top level and the ``.subckt`` definitions."""

    def __init__(self, netlist: str):
        self.top: list[tuple[str, str, str]] = []  # (kind, where, text)
        self.subckts: dict[str, dict] = {}
        self.model_lines: list[tuple[str, str]] = []  # every model instance line (where, text)
        self._stack: list[dict] = []
        self._read(netlist.splitlines(), "deck line {}", title=True, depth=0)

    def _read(self, lines: list[str], label: str, title: bool, depth: int) -> None:
        for where, text in _logical_lines(lines, label, title):
            self._statement(where, text, depth)

    def _statement(self, where: str, text: str, depth: int) -> None:
        low = text.lower()
        body = self._stack[-1]["body"] if self._stack else self.top
        if low.startswith((".include", ".inc ")):
            parts = text.split(None, 1)
            if len(parts) == 2 and depth < _MAX_INCLUDE_DEPTH:
                self._include(parts[1].strip().strip("'\""), depth)
        elif low.startswith(".subckt"):
            toks = [t for t in _tokens(text)[1:] if t.lower() != "params:"]
            if not toks:
                return
            split = next((i for i, t in enumerate(toks) if "=" in t), len(toks))
            sub = {"name": toks[0], "pins": toks[1:split], "defaults": _assignments(toks[split:]), "body": [],
                   "where": where, "model": bool(_MODEL_SUBCKT.match(toks[0]))}
            self.subckts.setdefault(toks[0].lower(), sub)
            self._stack.append(sub)
        elif low.startswith(".ends"):
            if self._stack:
                self._stack.pop()
        elif self._stack and self._stack[0]["model"]:
            return  # the model's own body: its parameters are checked where it is instantiated
        elif low.startswith(".param"):
            body.append(("param", where, text))
        elif low.split()[0].startswith(".temp") or low.split()[0] in (".opt", ".option", ".options"):
            body.append(("temp", where, text))
        elif low[:1] == "x":
            body.append(("x", where, text))

    def _include(self, name: str, depth: int) -> None:
        try:
            path = Path(name).expanduser()
            stat = path.stat()
            key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
            statements = _INCLUDE_CACHE.get(key)
            if statements is None:
                raw = path.read_bytes()
                if b"\0" in raw or _STAMP_PREFIX.match(raw):  # binary, or a generated model file: check it
                    check_file(path)  # LibraryIntegrityError: binary, or edited after generation
                lines = raw.decode("utf-8", errors="replace").splitlines()
                statements = _logical_lines(lines, f"line {{}} of {path.name}", title=False)
                if len(_INCLUDE_CACHE) > 16:
                    _INCLUDE_CACHE.clear()
                _INCLUDE_CACHE[key] = statements
        except (OSError, ValueError):
            return  # ngspice reports a missing include itself
        for where, text in statements:
            self._statement(where, text, depth + 1)


_INCLUDE_CACHE: dict[tuple, list[tuple[str, str]]] = {}
_STAMP_PREFIX = re.compile(rb"[*/#]+ ?content-sha256: ")


class _Scope:
    """``.param`` values visible at one place of the deck, evaluated lazily (lower-case names)."""

    def __init__(self, parent: "_Scope | None" = None):
        self.parent = parent
        self.exprs: dict[str, tuple[str, "_Scope"]] = {}
        self.values: dict[str, float] = {}
        self._busy: set[str] = set()

    def define(self, name: str, expr: str, where: "_Scope | None" = None) -> None:
        self.exprs[name] = (expr, where or self)
        self.values.pop(name, None)

    def lookup(self, name: str) -> float:
        if name in self.values:
            return self.values[name]
        if name in self.exprs:
            if name in self._busy:
                raise Unknowable(f"{name} is defined by itself")
            expr, scope = self.exprs[name]
            self._busy.add(name)
            try:
                value = evaluate(expr, scope.lookup)
            finally:
                self._busy.discard(name)
            self.values[name] = value
            return value
        if self.parent is not None:
            return self.parent.lookup(name)
        raise Unknowable(f"unknown name {name!r}")


def _temperature(statement: str, scope: _Scope) -> float | None:
    """The circuit temperature [degC] set by a ``.temp`` / ``.options temp=`` line (None: not set there)."""
    toks = _tokens(statement)
    if toks[0].lower().startswith(".temp"):
        if "=" in toks[0]:
            return evaluate(toks[0].split("=", 1)[1], scope.lookup)
        return evaluate(toks[1], scope.lookup) if len(toks) > 1 else None
    for key, value in _assignments(toks[1:]):
        if key == "temp":
            return evaluate(value, scope.lookup)
    return None


def _instance(text: str) -> tuple[list[str], list[tuple[str, str]]] | None:
    tokens = [tok for tok in _tokens(text) if tok.lower() != "params:"]
    split = next((i for i, tok in enumerate(tokens) if "=" in tok), len(tokens))
    if split < 2:
        return None
    return tokens[:split], _assignments(tokens[split:])


def check_instances(netlist: str) -> None:
    """Check every instance of the model's subcircuits (``spin_battery``, ``spin_battery_n<N>``,
    ``spin_loop``, ``spin_loop_n<N>``) in a deck as ngspice would build it.

    Comment lines (also between an instance and its ``+`` continuations) and inline comments are
    skipped, ``.include`` files are read, and ``.param`` values, ``{expressions}`` and quoted
    expressions are evaluated (with SPICE suffixes), also through user subcircuits that pass
    parameters (``params:`` defaults and instance values) down to a model instance. Each model
    instance is checked for its pin count, parameter names, every value against
    :data:`compactmodel.core.parameters.PARAMETERS`, its device temperature T = circuit
    temperature (``.temp`` / ``.options temp=``, default 27 degC) + ``dtemp`` in [1, 2000] K, and
    an easy plane that persists at T (1 + tcani (T - tnom) > 1e-3). A value that can only be known
    inside ngspice (an unknown function, ``temper``, a name defined nowhere) is left to ngspice.
    Raises :class:`InstanceError` naming the deck line, the instance, the parameter and its value.
    """
    try:
        deck = _Deck(netlist)
        for where, text, _ in _model_lines(deck):  # pins and names: also in subcircuits never instantiated
            _check_static(where, text)
        _walk(deck, deck.top, _Scope(), "", 0, [0])
    except (InstanceError, LibraryIntegrityError):
        raise
    except Exception:  # noqa: BLE001 - a deck this checker does not understand is ngspice's business
        logging.getLogger(__name__).debug("deck check skipped", exc_info=True)


def _model_lines(deck: _Deck):
    for body in [deck.top] + [s["body"] for s in deck.subckts.values()]:
        for kind, where, text in body:
            if kind == "x":
                parsed = _instance(text)
                if parsed is not None and _MODEL_SUBCKT.match(parsed[0][-1]):
                    yield where, text, parsed


def _table(subckt: str):
    m = _MODEL_SUBCKT.match(subckt)
    return (_LOOP_PINS, LOOP_PARAMETERS) if m.group("loop") else (_BATTERY_PINS, PARAMETERS)


def _check_static(where: str, text: str) -> None:
    positional, assignments = _instance(text)
    subckt = positional[-1]
    pins, table = _table(subckt)
    nodes = positional[1:-1]
    where = f"{where}, instance {positional[0]} of {subckt}"
    if len(nodes) != len(pins):
        raise InstanceError(
            f"{where}: {subckt} has {len(pins)} pins ({' '.join(pins)}), got {len(nodes)} node(s): "
            f"{' '.join(nodes) or '(none)'}"
        )
    known = {p.name for p in table}
    values: dict[str, object] = {}
    for key, text in assignments:
        value = _spice_number(text)
        if value is not None or key not in known:  # expressions: evaluated in _walk
            values[key] = value if value is not None else text
    try:
        validate(values, table=table)
    except ParameterError as err:
        raise InstanceError(f"{where}: {err}") from None


def _walk(deck: _Deck, body: list, scope: _Scope, trail: str, depth: int, count: list[int]) -> None:
    """Instantiate ``body`` in ``scope`` as ngspice would, checking every model instance met."""
    for kind, where, text in body:
        if kind == "param":
            for key, expr in _assignments(_tokens(text)[1:]):
                scope.define(key, expr)
    temp_c: float | None = _DEFAULT_TEMP_C
    temp_where = "ngspice's default"
    for kind, where, text in deck.top:
        if kind == "temp":
            try:
                value = _temperature(text, _root(scope))
            except Unknowable:
                temp_c, temp_where = None, where
                continue
            if value is not None:
                temp_c, temp_where = value, f"{text.split()[0].lower()}, {where}"
    for kind, where, text in body:
        if kind != "x":
            continue
        count[0] += 1
        if count[0] > _MAX_EXPANSIONS:
            return
        parsed = _instance(text)
        if parsed is None:
            continue
        positional, assignments = parsed
        name = positional[-1]
        if _MODEL_SUBCKT.match(name):
            _check_model(f"{where}, instance {positional[0]} of {name}{trail}", name, assignments, scope,
                         temp_c, temp_where)
            continue
        sub = deck.subckts.get(name.lower())
        if sub is None or depth >= _MAX_NESTING:
            continue
        inner = _Scope(_root(scope))
        for key, expr in sub["defaults"]:
            inner.define(key, expr)
        for key, expr in assignments:
            try:
                inner.values[key] = evaluate(expr, scope.lookup)
                inner.exprs.pop(key, None)
            except Unknowable:
                inner.exprs.pop(key, None)
                inner.values.pop(key, None)
                inner.define(key, "{__unknowable__}")
        _walk(deck, sub["body"], _Scope(inner), f" inside {positional[0]} ({name}, {where}){trail}", depth + 1,
              count)


def _root(scope: _Scope) -> _Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _check_model(where: str, subckt: str, assignments: list[tuple[str, str]], scope: _Scope,
                 temp_c: float | None, temp_where: str) -> None:
    _, table = _table(subckt)
    by_name = {p.name: p for p in table}
    values: dict[str, float | None] = {p.name: p.default for p in table}
    for key, expr in assignments:
        if key not in by_name:
            continue  # reported by _check_static
        try:
            value = evaluate(expr, scope.lookup)
        except Unknowable:
            values[key] = None
            continue
        written = "" if _spice_number(expr) is not None else f" (written {key}={expr})"
        try:
            values[key] = by_name[key].check(value)
        except ParameterError as err:
            raise InstanceError(f"{where}: {err}{written}") from None
    dtemp, tcani, tnom = values["dtemp"], values["tcani"], values["tnom"]
    if temp_c is None or dtemp is None:
        return
    t_dev = temp_c + 273.15 + dtemp
    lo, hi = _T_RANGE
    if not lo <= t_dev <= hi:
        raise InstanceError(
            f"{where}: device temperature T = circuit temperature + dtemp = {temp_c:g} degC ({temp_where}) + "
            f"{dtemp:g} K = {t_dev:g} K is outside the allowed range [{lo:g}:{hi:g}] K (parameter 'dtemp' = "
            f"{dtemp:g} K; choose dtemp in [{lo - temp_c - 273.15:g}, {hi - temp_c - 273.15:g}] K at this temperature)"
        )
    if tcani is None or tnom is None:
        return
    raw = 1.0 + tcani * (t_dev - tnom)
    if not raw > ANISOTROPY_FLOOR:
        raise InstanceError(
            f"{where}: anisotropy factor K(T)/K(tnom) = 1 + tcani (T - tnom) = 1 + {tcani:g}/K x ({t_dev:g} K - "
            f"{tnom:g} K) = {raw:g} is outside the allowed range ({ANISOTROPY_FLOOR:g}:inf) (the easy plane vanishes "
            f"at this temperature: check 'tcani', 'tnom', 'dtemp' and the circuit temperature {temp_c:g} degC "
            f"({temp_where}))"
        )


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
#: ``callback`` is True on the thread that is inside a co-simulation callback (re-entrancy guard).
_tls = threading.local()
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
            # run guard (see _guarded_run): accepted points, their limit, the sweep variable
            points = 0
            max_points = 0
            over = False
            xindex: int | None = None
            xname = ""
            last_x = math.nan
            finished: threading.Event

            @staticmethod
            def _send_data(data, number_of_vectors, ngspice_id, user_data):
                self = ffi.from_handle(user_data)
                self.points += 1
                if self.points > self.max_points:
                    self.over = True
                try:
                    vecs = data.vecsa
                    if self.xindex is None:
                        names = [ffi_string_utf8(vecs[i].name).lower() for i in range(int(number_of_vectors))]
                        self.xindex = next((i for i, n in enumerate(names) if n in _SWEEP_NAMES), -1)
                        self.xname = names[self.xindex] if self.xindex >= 0 else ""
                    if self.xindex >= 0:
                        self.last_x = vecs[self.xindex].creal
                except BaseException:  # noqa: BLE001 - must not escape into C
                    pass
                h = self.handler
                if h is None or h.error is not None:
                    return 0
                _tls.callback = True
                try:
                    vecs = data.vecsa
                    if h._index is None:
                        h._bind([ffi_string_utf8(vecs[i].name) for i in range(int(number_of_vectors))])
                    values = [vecs[i].creal for i in h._index]
                    h._time = values[0] if h.vectors and h.vectors[0] == "time" else h._time
                    h.accept(values)
                except BaseException as exc:  # noqa: BLE001 - must not escape into C
                    h._fail(exc)
                finally:
                    _tls.callback = False
                return 0

            @staticmethod
            def _background_thread_running(no_run, ngspice_id, user_data):
                # ngspice passes True when its background thread has ended (PySpice reads it inverted)
                if no_run:
                    ffi.from_handle(user_data).finished.set()
                return 0

            @staticmethod
            def _exit(exit_status, immediate_unloading, quit_exit, ngspice_id, user_data):
                # ngspice's controlled exit (e.g. an undefined .param): the library then refuses
                # every command until it is unloaded; run_netlist reloads it (_restart)
                ffi.from_handle(user_data).exited = True
                return exit_status

            def get_vsrc_data(self, voltage, time, node, ngspice_id):
                h = self.handler
                _tls.callback = True
                try:
                    voltage[0] = h._source(node.lower(), time) if h is not None else 0.0
                except BaseException as exc:  # noqa: BLE001
                    voltage[0] = 0.0
                    if h is not None:
                        h._fail(exc)
                finally:
                    _tls.callback = False
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
        _shared.finished = threading.Event()
    return _shared


_SWEEP_NAMES = ("time", "frequency", "v-sweep", "i-sweep", "temp-sweep", "res-sweep")
_ANALYSIS = re.compile(r"^\s*\.?(tran|ac|dc|op|noise|tf|sens|pz|disto|pss|sp)\b.*$", re.I | re.M)


def _analysis(netlist: str) -> str:
    """The deck's (first) analysis line, for messages."""
    m = _ANALYSIS.search(netlist)
    text = " ".join(m.group(0).split()) if m else "the analysis"
    return text if len(text) <= 80 else text[:77] + "..."


def _limits(timeout: object, max_points: object) -> tuple[float, int]:
    timeout = RUN_TIMEOUT if timeout is None else timeout
    max_points = MAX_POINTS if max_points is None else max_points
    if not (is_real(timeout) and math.isfinite(float(timeout)) and float(timeout) > 0):
        raise ParameterError(f"timeout = {timeout!r} s: a wall-clock limit must be a finite number > 0 s")
    if not (is_integer(max_points) and int(max_points) >= 1):
        raise ParameterError(f"max_points = {max_points!r}: the point-count limit must be an integer >= 1")
    return float(timeout), int(max_points)


def _check_reentry(caller: str) -> None:
    if getattr(_tls, "callback", False):
        raise SimulationError(
            f"{caller} was called from inside a co-simulation callback (Cosimulation.accept/source) while ngspice "
            "is running: ngspice runs one deck at a time; collect what you need in the callback and run the "
            "next deck after this one returns"
        )


def _guarded_run(ng, netlist: str, timeout: float, max_points: int) -> str | None:
    """Run the loaded circuit in ngspice's background thread, halting it (``bg_halt``) when it
    exceeds ``timeout`` seconds of wall clock or ``max_points`` accepted points.

    Returns None when the run ended by itself (raising PySpice's ``NgSpiceCommandError`` where its
    foreground ``run`` would have raised), else the message naming the limit and the analysis.
    """
    global _broken
    from PySpice.Spice.NgSpice.Shared import NgSpiceCommandError

    ng.points, ng.max_points, ng.over = 0, max_points, False
    ng.xindex, ng.xname, ng.last_x = None, "", math.nan
    ng.finished.clear()
    start = time.monotonic()
    ng.clear_output()  # as PySpice's exec_command, without its error check (the thread may be printing already)
    ng._ngspice_shared.ngSpice_Command(b"bg_run")
    wait, hit = 5e-4, None
    while not ng.finished.wait(wait):
        wait = min(2 * wait, 0.02)
        if time.monotonic() - start > 1.0 and not ng._ngspice_shared.ngSpice_running():
            if not ng.finished.wait(0.05):
                break  # no end-of-thread report (ngspice's thread never started, or ended without one)
        if ng.over:
            hit = "points"
        elif time.monotonic() - start > timeout:
            hit = "time"
        if hit:
            ng._ngspice_shared.ngSpice_Command(b"bg_halt")  # ngspice waits up to 1 s for its thread
            if not ng.finished.wait(5.0):
                _broken = (f"an ngspice run ({_analysis(netlist)}) could not be stopped after its limit; "
                           "restart Python")
            break
    if hit is None and ng.over:
        hit = "points"
    if hit is None:
        if ng._error_in_stdout or ng._error_in_stderr:
            raise NgSpiceCommandError("Command 'run' failed")
        return None
    elapsed = time.monotonic() - start
    where = f" (last point at {ng.xname} = {ng.last_x:.4g})" if ng.xname else ""
    analysis = _analysis(netlist)
    if hit == "points":
        return (f"ngspice run stopped: the point-count limit of {max_points} accepted points was reached in "
                f"'{analysis}' after {elapsed:.3g} s{where}; the analysis asks for more points than that (a time "
                "step far below the span?): check it, or raise max_points= or compactmodel.sim.ngspice.MAX_POINTS")
    return (f"ngspice run stopped: the wall-clock limit of {timeout:g} s was reached in '{analysis}' after "
            f"{ng.points} accepted points{where}; check the analysis, or raise timeout= or "
            "compactmodel.sim.ngspice.RUN_TIMEOUT")


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


def run_netlist(netlist: str, handler: Cosimulation | None = None, *, timeout: float | None = None,
                max_points: int | None = None) -> dict[str, np.ndarray]:
    """Simulate a complete deck (with one analysis line) and return its vectors.

    Keys are ngspice's vector names in lower case (``time``, ``frequency``, ``wn``,
    ``x1.tw1``, ``vsense#branch`` ...). Values are numpy copies (complex for AC).
    Raises :class:`SimulationError` with ngspice's own error lines when the deck fails, or
    with the handler's exception when a co-simulation callback failed.

    ``timeout`` [s] and ``max_points`` (accepted points) limit the run (defaults
    :data:`RUN_TIMEOUT`, :data:`MAX_POINTS`): ngspice runs in its background thread and is halted
    when it exceeds either, with a :class:`RunLimitError` naming the limit and the analysis. Calling
    this from inside a co-simulation callback raises :class:`SimulationError` (it would deadlock).
    """
    _check_reentry("run_netlist")
    if not isinstance(netlist, str):
        raise SimulationError(f"the netlist must be a string holding a complete deck, got {type(netlist).__name__}")
    timeout, max_points = _limits(timeout, max_points)
    check_instances(netlist)  # ngspice would accept len=-1 or a misspelt parameter silently
    with _lock:
        ng = _session()
        ng.clear_output()
        ng.handler = handler
        if handler is not None:
            handler._index = None
        log: list[str] = []  # ngspice's stderr while loading, then while running
        limit: str | None = None
        try:
            try:
                ng.load_circuit(netlist)
            finally:
                log.append(ng.stderr)
            if any("error" in ln.lower() for ln in log[0].splitlines()):
                raise SimulationError(log[0])
            if handler is not None and "cosim_stop" in netlist.lower():
                ng.exec_command("stop when v(cosim_stop) > 0.5")
            limit = _guarded_run(ng, netlist, timeout, max_points)
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
        if limit is not None:
            try:
                _cleanup(ng)
            except Exception:  # noqa: BLE001
                ng.handler = None
            raise RunLimitError(limit)
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


def raw_run(deck: str, keep: Sequence[str] | None = None, *, timeout: float | None = None,
            max_points: int | None = None) -> dict:
    """Run a deck in this process's ngspice session and report what ngspice itself did.

    :func:`run_netlist` raises whenever PySpice flags the run, and PySpice 1.5 flags every stderr
    line that does not start with "Warning:" -- including ngspice's "Note: Starting dynamic gmin
    stepping" of a run that then converges. To study the model's convergence, this keeps the
    result and the log: ``{"vectors", "log", "raised"}`` (``raised``: the PySpice exception
    text, or None); ``keep``: the vector names (lower case) to bring back (None: all). The
    deck is not checked (:func:`check_instances`) and nothing is raised for ngspice's failures;
    a run stopped by its limits (``timeout``, ``max_points``: as :func:`run_netlist`) has the
    limit's message in ``raised``.
    """
    _check_reentry("raw_run")
    timeout, max_points = _limits(timeout, max_points)
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
                    raised = _guarded_run(ng, deck, timeout, max_points)
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
