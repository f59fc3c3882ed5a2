"""ngspice in a child process, with a wall-clock limit per run.

libngspice runs in the calling thread and cannot be interrupted from Python: a deck stuck in
ngspice's convergence aids holds the process. :class:`NgspiceProcess` runs decks
(:func:`compactmodel.sim.ngspice.raw_run`) in a child ``python`` process talking over two
pipes, and ends the child when a run exceeds its limit; the next run starts a new one.
"""

from __future__ import annotations

import os
import pickle
import select
import subprocess
import sys
from typing import Sequence

from .ngspice import SimulationError, raw_run

__all__ = ["NgspiceProcess", "KEEP", "runner"]

#: Wall-clock limit of the child's start (imports of numpy, PySpice, libngspice) [s]; run limits
#: count from the moment it is ready.
STARTUP_TIMEOUT = 120.0

#: Vectors brought back from a run by default (the rest stay in the child).
KEEP = ("time", "frequency", "v-sweep", "i-sweep", "wn", "p", "pn")


def _serve(fd_in: int, fd_out: int) -> None:  # pragma: no cover - runs in the child process
    """Child side of :class:`NgspiceProcess`: pickled (deck, keep) in, pickled :func:`raw_run` results out."""
    with os.fdopen(fd_in, "rb") as rin, os.fdopen(fd_out, "wb") as wout:
        pickle.dump(("ready", None), wout)  # imports done: the parent's run limits start now
        wout.flush()
        while True:
            try:
                job = pickle.load(rin)
            except EOFError:
                return
            if job is None:
                return
            deck, keep = job
            try:
                msg = ("ok", raw_run(deck, keep))
            except Exception as exc:  # noqa: BLE001
                msg = ("error", f"{type(exc).__name__}: {exc}")
            pickle.dump(msg, wout)
            wout.flush()


class NgspiceProcess:
    """ngspice (:func:`compactmodel.sim.ngspice.raw_run`) in a child process, with a time limit per run.

    libngspice cannot be interrupted from Python, so a run that exceeds its limit is ended by
    killing the child (the one this object started, by its handle); the next run starts a new
    one. The child is a plain ``python -c`` subprocess talking over two pipes, so it works from
    any caller (scripts without a ``__main__`` guard, pool workers).
    """

    def __init__(self):
        self._proc = None
        self._r = self._w = None
        self.restarts = 0

    def _start(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        code = "import sys; from compactmodel.sim.process import _serve; _serve(int(sys.argv[1]), int(sys.argv[2]))"
        self._proc = subprocess.Popen([sys.executable, "-c", code, str(to_child_r), str(from_child_w)],
                                      pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self._w = os.fdopen(to_child_w, "wb")
        self._r = os.fdopen(from_child_r, "rb")
        ready, _, _ = select.select([self._r], [], [], STARTUP_TIMEOUT)
        try:
            status = pickle.load(self._r)[0] if ready else "timeout"
        except (EOFError, pickle.UnpicklingError):
            status = "died"
        if status != "ready":
            self.close(kill=True)
            raise SimulationError(f"the ngspice child process did not start ({status} after {STARTUP_TIMEOUT:g} s)")

    def run(self, deck: str, timeout: float, keep: Sequence[str] | None = KEEP) -> dict:
        """:func:`raw_run` of the deck in the child (bringing back the vectors ``keep``; None: all);
        raises ``SimulationError`` on a timeout or a dead child."""
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            self._start()
        try:
            pickle.dump((deck, None if keep is None else tuple(keep)), self._w)
            self._w.flush()
        except BrokenPipeError:
            self.close(kill=True)
            raise SimulationError("ngspice process died") from None
        ready, _, _ = select.select([self._r], [], [], timeout)
        if not ready:
            self.close(kill=True)
            self.restarts += 1
            raise SimulationError(f"timeout: no result within {timeout:g} s (ngspice still in its convergence aids)")
        try:
            status, payload = pickle.load(self._r)
        except (EOFError, pickle.UnpicklingError):
            self.close(kill=True)
            raise SimulationError("ngspice process died") from None
        if status != "ok":
            raise SimulationError(payload)
        return payload

    def close(self, kill: bool = False) -> None:
        if self._proc is None:
            return
        try:
            if kill:
                self._proc.kill()
            else:
                try:
                    pickle.dump(None, self._w)
                    self._w.flush()
                except (BrokenPipeError, OSError, ValueError):
                    pass
            try:
                self._proc.wait(5)
            except Exception:  # noqa: BLE001
                self._proc.kill()
                self._proc.wait(5)
        finally:
            for f in (self._r, self._w):
                try:
                    f.close()
                except Exception:  # noqa: BLE001
                    pass
            self._proc = self._r = self._w = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close(kill=True)
        except Exception:  # noqa: BLE001
            pass


_RUNNER: NgspiceProcess | None = None


def runner() -> NgspiceProcess:
    """The process-wide :class:`NgspiceProcess` (started on first use)."""
    global _RUNNER
    if _RUNNER is None:
        _RUNNER = NgspiceProcess()
    return _RUNNER
