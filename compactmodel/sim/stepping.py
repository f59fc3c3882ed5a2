"""Time-step convergence of transients: halve the largest step until the waveforms stop moving.

Why the model needs it. ngspice bounds the *local* truncation error of each step (relative to
``reltol`` times the signal, loosened by ``trtol`` = 7), not the *phase* error that a lightly
damped oscillation accumulates over many periods: the trapezoidal rule lags a mode of
angular frequency omega by (omega h)^2/12 radian per radian at step h. The battery's spin
waves have quality factors Q = omega / (2 * damping rate) of 1e3 to 1e5 for low-damping magnets
(the wire's round trip, period ~2 tau_s with the gate open and ~(len + lgate)/u closed, and the
stiff gate link between the two contact nodes with the gate closed). After 30 transit times at
the largest step tau_s/50 their phase has drifted by radians, so waveforms move by up to a
quarter of their swing when reltol is tightened; a heavily damped device (the reference
device: diffusive) does not care.

:func:`converge_tmax` is the remedy a convergence study would apply: run at ``tmax``, halve it,
compare the two waveforms at the coarser run's time points (the finer run is interpolated
there by monotone cubic Hermite interpolation, whose error, ~(omega h)^4, stays far below the
phase error, ~(omega h)^2), and stop once the largest change of every signal, relative to that
signal's largest |value| over the run, is below ``rtol``. For a second-order method the error
of the finer run is then about rtol/3. The measure is global: a small late part of a waveform
(a ring-down tail) is judged against the whole swing. It works with any deck whose largest step is a parameter, so with
plain ngspice decks as well as with the harness; the QA matrix (:mod:`compactmodel.studies.qa`) runs
every transient this way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Generic, Mapping, Sequence, TypeVar

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..core.parameters import ParameterError, is_integer, is_real

__all__ = ["StepConvergence", "converge_tmax", "waveform_change", "DEFAULT_RTOL", "DEFAULT_HALVINGS"]

#: Largest change between successive halvings accepted as converged (relative to the swing).
DEFAULT_RTOL = 2e-3
#: Most halvings tried (tmax / 64 at the end).
DEFAULT_HALVINGS = 6

R = TypeVar("R")


@dataclass
class StepConvergence(Generic[R]):
    """Outcome of :func:`converge_tmax`.

    ``tmax``: the step of ``result`` [s]; ``result``: the finest run made (converged or not);
    ``history``: (tmax [s], change from the previous run [-]) for every halving, in order;
    ``converged``: the last change is within ``rtol``.
    """

    tmax: float
    result: R
    converged: bool
    history: list[tuple[float, float]] = field(default_factory=list)

    @property
    def halvings(self) -> int:
        return len(self.history)


def waveform_change(coarse: Mapping[str, np.ndarray], fine: Mapping[str, np.ndarray], signals: Sequence[str],
                    time: str = "time") -> float:
    """Largest change of any signal from ``coarse`` to ``fine``: max |coarse - fine| / max |fine|.

    ``fine`` is interpolated (PCHIP; repeated time points dropped) at ``coarse``'s time points; each signal is measured
    against its own swing (largest |value|), so a zero crossing does not inflate it. A signal that
    is identically zero in ``fine`` counts as unchanged only if it is zero in ``coarse`` too.
    """
    tc, tf = np.asarray(coarse[time], dtype=float), np.asarray(fine[time], dtype=float)
    keep = np.concatenate(([True], np.diff(tf) > 0))  # ngspice repeats a time point at some breakpoints
    worst = 0.0
    for name in signals:
        c = np.asarray(coarse[name], dtype=float)
        f = PchipInterpolator(tf[keep], np.asarray(fine[name], dtype=float)[keep], extrapolate=True)(tc)
        scale = float(np.max(np.abs(fine[name])))
        diff = float(np.max(np.abs(c - f)))
        worst = max(worst, diff / scale if scale > 0 else (0.0 if diff == 0 else math.inf))
    return worst


def converge_tmax(run: Callable[[float], R], tmax: float, *, signals: Sequence[str] = ("wn",),
                  waveforms: Callable[[R], Mapping[str, np.ndarray]] | None = None, rtol: float = DEFAULT_RTOL,
                  max_halvings: int = DEFAULT_HALVINGS, time: str = "time") -> StepConvergence[R]:
    """Halve the largest time step until the transient no longer changes.

    ``run(tmax)`` simulates with largest step ``tmax`` [s] and returns a result;
    ``waveforms(result)`` maps it to arrays keyed ``time`` and each of ``signals`` (default: the
    result itself is such a mapping). Stops at the first halving whose :func:`waveform_change`
    is within ``rtol`` (converged) or after ``max_halvings`` (not converged; the finest run is
    returned either way). An exception from ``run`` propagates.
    """
    if not (is_real(tmax) and math.isfinite(tmax) and tmax > 0):
        raise ParameterError(f"tmax = {tmax!r}: allowed range (0:inf) s")
    if not (is_real(rtol) and 0 < rtol < 1):
        raise ParameterError(f"rtol = {rtol!r}: allowed range (0:1)")
    if not is_integer(max_halvings) or not 1 <= max_halvings <= 20:
        raise ParameterError(f"max_halvings = {max_halvings!r}: allowed range integers [1:20]")
    as_waves = waveforms or (lambda r: r)  # noqa: E731
    coarse = run(tmax)
    history: list[tuple[float, float]] = []
    for _ in range(max_halvings):
        tmax /= 2
        fine = run(tmax)
        change = waveform_change(as_waves(coarse), as_waves(fine), signals, time)
        history.append((tmax, change))
        coarse = fine
        if change <= rtol:
            return StepConvergence(tmax, fine, True, history)
    return StepConvergence(tmax, coarse, False, history)
