"""Phase slips as a seeded stochastic jump process (a birth-death chain in the winding).

Model
-----
The stored winding number ``W`` (an integer count of 2 pi twists; any integer start,
may become negative) is a continuous-time Markov chain on the integers:

    W -> W - 1   at rate  r_down(W)   [1/s]   (a "down" slip: one winding removed)
    W -> W + 1   at rate  r_up(W)     [1/s]   (an "up" slip:   one winding added)

The rates are arbitrary non-negative functions of ``W`` supplied by the caller (for
example Arrhenius laws ``f exp(-(E_b -/+ dE(W)) / kT)``); they do not depend on time
between jumps (time-homogeneous chain). The *net number of phase slips* since t = 0 is

    N(t) = w0 - W(t)        (down slips minus up slips),

the quantity a circuit simulator such as WRspice reports for a Josephson junction (the
count of 2 pi phase jumps). Three views of the same process are provided:

* :func:`simulate_slips` -- exact stochastic trajectories (Gillespie's direct method,
  "SSA"), many runs advanced in lock-step with numpy, seeded and reproducible.
* :func:`master_equation` -- the exact probability distribution P(W, t) from the
  Kolmogorov forward (master) equation dP/dt = Q P on a truncated window
  ``w_min..w_max``, hence the exact mean and variance (up to a checked truncation leak).
* :func:`deterministic_winding` -- the mean-field ODE dW/dt = -(r_down(W) - r_up(W)) with
  a continuous W.

Mean and mean field
-------------------
The master equation gives exactly  d<W>/dt = -< r_down(W) - r_up(W) >.  At t = 0 (W = w0
with certainty) the mean slip rate therefore *equals* the deterministic leakage
r_down(w0) - r_up(w0); for rates linear in W the mean-field ODE is exact at all times. For
nonlinear rates <r(W)> != r(<W>) (Jensen), so the mean-field solution departs from the
true mean once the distribution has spread (by O(t^2) at short times).

Rate callables
--------------
``rate_down`` and ``rate_up`` are called with a 1-D ``float64`` array of W values
(integral values for the two stochastic solvers, arbitrary reals in the mean-field ODE)
and must return an array of the same shape (or a scalar, which is broadcast) of finite,
non-negative rates in 1/s. Negative, NaN or infinite values raise :class:`ValueError`
naming the rate and the W at which it failed.

Input errors raise :class:`ValueError` whose message names the parameter, its value and
the allowed range. A simulation that exceeds its event budget raises
:class:`SlipRunawayError` (a :class:`RuntimeError`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg
from scipy.integrate import solve_ivp

__all__ = [
    "SlipRuns",
    "MasterSolution",
    "SlipRunawayError",
    "simulate_slips",
    "master_equation",
    "deterministic_winding",
    "DEFAULT_MAX_EVENTS",
    "DEFAULT_N_EVAL",
]

RateFunction = Callable[[np.ndarray], "np.ndarray | float"]

#: Default per-run event budget of :func:`simulate_slips` (runaway guard).
DEFAULT_MAX_EVENTS = 1_000_000

#: Number of evenly spaced output times in [0, t_end] when ``t_eval`` is not given.
DEFAULT_N_EVAL = 101

#: Largest truncated state space that :func:`master_equation` propagates with a dense
#: matrix exponential when ``method="auto"`` (above it: sparse ``expm_multiply``).
DENSE_STATE_LIMIT = 512

#: ``expm_multiply`` needs about ||Q dt||_1 sparse products (measured: ~3 s at 1.6e5 for
#: 40 states); above this product :func:`master_equation` refuses instead of hanging.
EXPM_MULTIPLY_NORM_LIMIT = 1e6


class SlipRunawayError(RuntimeError):
    """A stochastic run needed more jumps than the ``max_events`` budget allows."""


# --------------------------------------------------------------------------- validation


def _as_int(name: str, value: object, minimum: int | None = None) -> int:
    """An integer parameter. Integral floats (e.g. ``1e4``) are accepted; bools are not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    else:
        v = float(value)
        if not (math.isfinite(v) and v.is_integer()):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        out = int(v)
    if minimum is not None and out < minimum:
        raise ValueError(f"{name} = {value!r} is out of range: must be an integer >= {minimum}")
    return out


def _as_positive_time(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number of seconds, got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and v > 0.0):
        raise ValueError(f"{name} = {value!r} is out of range: must be finite and > 0 [s]")
    return v


def _check_callable(name: str, rate: object) -> None:
    if not callable(rate):
        raise ValueError(f"{name} must be a callable W -> rate [1/s], got {rate!r}")


def _as_t_eval(t_eval: object, t_end: float | None) -> np.ndarray:
    """1-D, non-empty, finite, non-decreasing times in [0, t_end] (or [0, inf))."""
    upper = "t_end = %r" % t_end if t_end is not None else "inf"
    try:
        t = np.asarray(t_eval, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"t_eval must be a 1-D array of times [s], got {t_eval!r}") from None
    if t.ndim == 0:
        t = t.reshape(1)
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"t_eval must be a non-empty 1-D array of times [s], got shape {t.shape}")
    if not np.all(np.isfinite(t)):
        raise ValueError(f"t_eval = {t.tolist()!r} must be finite, within [0, {upper}]")
    if np.any(np.diff(t) < 0):
        i = int(np.argmax(np.diff(t) < 0))
        raise ValueError(
            f"t_eval must be sorted (non-decreasing): t_eval[{i}] = {float(t[i])!r} > t_eval[{i + 1}] = {float(t[i + 1])!r}"
        )
    if t[0] < 0 or (t_end is not None and t[-1] > t_end):
        bad = float(t[0] if t[0] < 0 else t[-1])
        raise ValueError(f"t_eval contains {bad!r}, outside the allowed range [0, {upper}] [s]")
    return t


def _eval_rate(rate: RateFunction, name: str, w: np.ndarray) -> np.ndarray:
    """Evaluate a rate callable on the float array ``w``; check finite and >= 0."""
    r = np.asarray(rate(w), dtype=float)
    try:
        r = np.broadcast_to(r, w.shape)
    except ValueError:
        raise ValueError(
            f"{name} returned an array of shape {r.shape} for W of shape {w.shape}; "
            "it must return a scalar or an array of the same shape"
        ) from None
    bad = ~(np.isfinite(r) & (r >= 0.0))  # NaN fails both comparisons
    if np.any(bad):
        i = int(np.flatnonzero(bad.ravel())[0])
        wi = w.ravel()[i]
        wtxt = repr(int(wi)) if float(wi).is_integer() else repr(float(wi))
        raise ValueError(
            f"{name}(W={wtxt}) = {float(r.ravel()[i])!r}: rates must be finite and >= 0 [1/s]"
        )
    return r


# --------------------------------------------------------------------------- Gillespie


@dataclass(frozen=True, eq=False)
class SlipRuns:
    """Result of :func:`simulate_slips`: ``n_runs`` independent trajectories.

    Attributes
    ----------
    t_eval : (n_eval,) float
        Sample times [s] (within [0, t_end]).
    winding : (n_runs, n_eval) int64
        W at each sample time. Trajectories are right-continuous: the value at ``t`` is
        the state after every jump at times <= t.
    n_down, n_up : (n_runs,) int64
        Number of down (W -> W-1) and up (W -> W+1) slips of each run in [0, t_end].
    w0 : int
        Initial winding.
    t_end : float
        Simulated time span [s].
    seed : int or None
        Seed passed to :func:`numpy.random.default_rng`.
    """

    t_eval: np.ndarray
    winding: np.ndarray
    n_down: np.ndarray
    n_up: np.ndarray
    w0: int
    t_end: float
    seed: int | None

    @property
    def n_runs(self) -> int:
        return int(self.winding.shape[0])

    @property
    def net_slips(self) -> np.ndarray:
        """(n_runs, n_eval) int64: net phase slips since t = 0, ``w0 - winding``."""
        return self.w0 - self.winding

    @property
    def n_events(self) -> np.ndarray:
        """(n_runs,) int64: total number of jumps of each run in [0, t_end]."""
        return self.n_down + self.n_up

    def _series(self, quantity: str) -> np.ndarray:
        if quantity == "winding":
            return self.winding
        if quantity == "net_slips":
            return self.net_slips
        raise ValueError(f"quantity = {quantity!r} is not one of 'winding', 'net_slips'")

    def mean(self, quantity: str = "winding") -> np.ndarray:
        """(n_eval,) sample mean over runs of ``quantity`` ('winding' or 'net_slips')."""
        return self._series(quantity).mean(axis=0)

    def std(self, quantity: str = "winding") -> np.ndarray:
        """(n_eval,) sample standard deviation over runs (ddof = 1; NaN if n_runs == 1)."""
        x = self._series(quantity)
        if x.shape[0] < 2:
            return np.full(x.shape[1], np.nan)
        return x.std(axis=0, ddof=1)

    def var(self, quantity: str = "winding") -> np.ndarray:
        """(n_eval,) unbiased sample variance over runs (NaN if n_runs == 1)."""
        return self.std(quantity) ** 2

    def stderr(self, quantity: str = "winding") -> np.ndarray:
        """(n_eval,) standard error of :meth:`mean`, std / sqrt(n_runs)."""
        return self.std(quantity) / math.sqrt(self.n_runs)


def simulate_slips(
    rate_down: RateFunction,
    rate_up: RateFunction,
    w0: int,
    t_end: float,
    *,
    n_runs: int = 1,
    seed: int | None = None,
    t_eval=None,
    max_events: int = DEFAULT_MAX_EVENTS,
) -> SlipRuns:
    """Exact stochastic simulation (Gillespie direct method) of the slip process.

    In each step every still-active run draws its waiting time ``tau ~ Exp(R)`` with
    ``R = r_down(W) + r_up(W)`` and then jumps down with probability ``r_down/R`` (else
    up). All runs advance in lock-step (one jump per run per numpy step), so the cost is
    about (largest number of jumps of any run) numpy operations on arrays of the active
    runs. A run whose total rate is 0 is absorbed (no further jumps); a run whose next
    jump falls after ``t_end`` is finished.

    Parameters
    ----------
    rate_down, rate_up
        Vectorised callables W -> rate [1/s] (see the module docstring).
    w0
        Initial winding (any integer).
    t_end
        Simulated time span [s], finite and > 0.
    n_runs
        Number of independent runs (integer >= 1).
    seed
        Seed for :func:`numpy.random.default_rng`. The same ``(seed, n_runs)`` gives
        identical results; because the runs share one random stream in lock-step, run k
        of a simulation with a different ``n_runs`` is a different sample.
    t_eval
        Sorted sample times in [0, t_end] [s]; default ``DEFAULT_N_EVAL`` evenly spaced
        points including 0 and ``t_end``.
    max_events
        Per-run jump budget (integer >= 1). A run that would need more jumps before
        ``t_end`` raises :class:`SlipRunawayError` (rates far too large for ``t_end``).

    Returns
    -------
    SlipRuns
    """
    _check_callable("rate_down", rate_down)
    _check_callable("rate_up", rate_up)
    w0 = _as_int("w0", w0)
    t_end = _as_positive_time("t_end", t_end)
    n_runs = _as_int("n_runs", n_runs, minimum=1)
    max_events = _as_int("max_events", max_events, minimum=1)
    if seed is not None:
        seed = _as_int("seed", seed, minimum=0)
    t = np.linspace(0.0, t_end, DEFAULT_N_EVAL) if t_eval is None else _as_t_eval(t_eval, t_end)
    n_eval = t.size

    rng = np.random.default_rng(seed)
    winding = np.empty((n_runs, n_eval), dtype=np.int64)
    w = np.full(n_runs, w0, dtype=np.int64)
    clock = np.zeros(n_runs)
    next_col = np.zeros(n_runs, dtype=np.int64)  # first sample time not yet written
    n_down = np.zeros(n_runs, dtype=np.int64)
    n_up = np.zeros(n_runs, dtype=np.int64)
    active = np.arange(n_runs)

    while active.size:
        wa = w[active]
        wf = wa.astype(float)
        rd = _eval_rate(rate_down, "rate_down", wf)
        ru = _eval_rate(rate_up, "rate_up", wf)
        total = rd + ru
        with np.errstate(divide="ignore"):
            tau = rng.standard_exponential(active.size) / total  # inf where absorbed
        t_next = clock[active] + tau

        # Sample times in [clock, t_next) see the current state.
        col0 = next_col[active]
        col1 = np.searchsorted(t, t_next, side="left")
        length = col1 - col0
        filled = length > 0
        if np.any(filled):
            lf = length[filled]
            rows = np.repeat(active[filled], lf)
            start = np.repeat(col0[filled] - (np.cumsum(lf) - lf), lf)
            cols = start + np.arange(rows.size)
            winding[rows, cols] = np.repeat(wa[filled], lf)
        next_col[active] = col1

        jumps = t_next <= t_end  # False for absorbed runs (t_next = inf)
        events = n_down[active] + n_up[active]
        over = jumps & (events >= max_events)
        if np.any(over):
            k = int(np.flatnonzero(over)[0])
            raise SlipRunawayError(
                f"run {int(active[k])} reached max_events = {max_events} jumps at "
                f"t = {float(clock[active[k]])!r} s < t_end = {t_end!r} s (W = {int(wa[k])}, "
                f"rate_down = {float(rd[k])!r}, rate_up = {float(ru[k])!r} 1/s); the rates are too large "
                "for t_end -- shorten t_end or raise max_events"
            )
        down = jumps & (rng.random(active.size) * total < rd)
        up = jumps & ~down
        w[active] = wa - down + up
        n_down[active] += down
        n_up[active] += up
        clock[active] = t_next
        active = active[jumps]

    return SlipRuns(
        t_eval=t, winding=winding, n_down=n_down, n_up=n_up, w0=w0, t_end=t_end, seed=seed
    )


# --------------------------------------------------------------------------- master equation


@dataclass(frozen=True, eq=False)
class MasterSolution:
    """Result of :func:`master_equation`.

    Attributes
    ----------
    t_eval : (n_eval,) float
        Times [s].
    w : (n_states,) int64
        The truncated state space ``w_min..w_max``.
    p : (n_eval, n_states) float
        P(W = w[j], t_eval[i]) (not renormalised; sums to ``1 - leaked``).
    mean, var : (n_eval,) float
        Mean and variance of W conditioned on staying in the window (the unconditioned
        moments differ by O(leaked)).
    leaked : (n_eval,) float
        Probability that has left the window by each time (jumps below ``w_min`` or above
        ``w_max``; tracked in two absorbing sink states, not as 1 - sum(p)).
    mass_error : (n_eval,) float
        Numerical non-conservation |1 - sum(p) - leaked| of the propagation (round-off of
        the matrix exponential; grows with the largest rate in the window times t).
    w0 : int
        Initial winding.
    """

    t_eval: np.ndarray
    w: np.ndarray
    p: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    leaked: np.ndarray
    mass_error: np.ndarray
    w0: int

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(self.var)

    @property
    def net_slips_mean(self) -> np.ndarray:
        """(n_eval,) exact mean net slip count, ``w0 - mean``."""
        return self.w0 - self.mean


def _generator(rd: np.ndarray, ru: np.ndarray) -> scipy.sparse.csc_matrix:
    """Generator Q (column convention, dP/dt = Q P) of the window plus two sinks.

    Index 0 is the sink below ``w_min``, 1..n the window, n+1 the sink above ``w_max``.
    """
    n = rd.size
    diag = np.concatenate(([0.0], -(rd + ru), [0.0]))
    # scipy.sparse.diags: offset -1 holds Q[i+1, i] (up jump out of column i), offset +1
    # holds Q[i-1, i] at position i-1 (down jump out of column i); sink columns are zero.
    lower = np.concatenate(([0.0], ru))
    upper = np.concatenate((rd, [0.0]))
    return scipy.sparse.diags([lower, diag, upper], [-1, 0, 1], shape=(n + 2, n + 2), format="csc")


def master_equation(
    rate_down: RateFunction,
    rate_up: RateFunction,
    w0: int,
    t_eval,
    *,
    w_min: int,
    w_max: int,
    tol: float = 1e-9,
    method: str = "auto",
) -> MasterSolution:
    """Exact P(W, t), mean and variance from the Kolmogorov forward equation.

    dP_w/dt = r_down(w+1) P_{w+1} + r_up(w-1) P_{w-1} - (r_down(w) + r_up(w)) P_w on
    w_min..w_max, with the probability that jumps out of the window collected in two
    absorbing sinks. P(t) = expm(Q t) P(0) is evaluated between consecutive ``t_eval``
    (any spacing) with a dense :func:`scipy.linalg.expm` (cached per time step; robust
    when the window edges have huge rates) or sparse
    :func:`scipy.sparse.linalg.expm_multiply`.

    Parameters
    ----------
    rate_down, rate_up
        Vectorised callables W -> rate [1/s].
    w0
        Initial winding, an integer in [w_min, w_max].
    t_eval
        Sorted times >= 0 [s].
    w_min, w_max
        Integer truncation window, ``w_min <= w0 <= w_max``.
    tol
        Largest allowed leaked probability (in (0, 1)); more raises :class:`ValueError`
        asking for a wider window. The numerical mass error (see
        :attr:`MasterSolution.mass_error`) must stay below it too: a window much wider
        than needed, whose edge states have huge rates, makes the dense exponential lose
        probability at the ~1e-8 level (edge rates ~1e9/s) and then raises.
    method
        ``"auto"`` (dense if at most ``DENSE_STATE_LIMIT`` states), ``"expm"`` or
        ``"expm_multiply"``.
    """
    _check_callable("rate_down", rate_down)
    _check_callable("rate_up", rate_up)
    w0 = _as_int("w0", w0)
    w_min = _as_int("w_min", w_min)
    w_max = _as_int("w_max", w_max)
    if not w_min <= w0 <= w_max:
        raise ValueError(
            f"w0 = {w0} is outside the truncation window [w_min, w_max] = [{w_min}, {w_max}]"
        )
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0.0 < float(tol) < 1.0:
        raise ValueError(f"tol = {tol!r} is out of range: must be in (0, 1)")
    if method not in ("auto", "expm", "expm_multiply"):
        raise ValueError(f"method = {method!r} is not one of 'auto', 'expm', 'expm_multiply'")
    t = _as_t_eval(t_eval, None)

    w = np.arange(w_min, w_max + 1, dtype=np.int64)
    wf = w.astype(float)
    rd = _eval_rate(rate_down, "rate_down", wf)
    ru = _eval_rate(rate_up, "rate_up", wf)
    q = _generator(rd, ru)
    n = w.size
    if method == "auto":
        method = "expm" if n + 2 <= DENSE_STATE_LIMIT else "expm_multiply"
    q_dense = q.toarray() if method == "expm" else None
    propagators: dict[float, np.ndarray] = {}

    state = np.zeros(n + 2)
    state[w0 - w_min + 1] = 1.0
    out = np.empty((t.size, n + 2))
    t_prev = 0.0
    for i, ti in enumerate(t):
        dt = ti - t_prev
        if dt > 0.0:
            if q_dense is not None:
                prop = propagators.get(dt)
                if prop is None:
                    prop = propagators[dt] = scipy.linalg.expm(q_dense * dt)
                state = prop @ state
            else:
                qdt = q * dt
                norm = float(abs(qdt).sum(axis=0).max())
                if norm > EXPM_MULTIPLY_NORM_LIMIT:
                    raise ValueError(
                        f"method = 'expm_multiply': ||Q dt||_1 = {norm:.3g} > "
                        f"{EXPM_MULTIPLY_NORM_LIMIT:.0e} (largest rate in the window "
                        f"[{w_min}, {w_max}] is {float(max(rd.max(), ru.max())):.3g} 1/s, "
                        f"dt = {float(dt)!r} s) would take too long; use method = 'expm', a "
                        "narrower window or more closely spaced t_eval"
                    )
                state = scipy.sparse.linalg.expm_multiply(qdt, state)
            state = np.maximum(state, 0.0)  # round-off only: Q is a Metzler matrix
        out[i] = state
        t_prev = ti

    p = out[:, 1:-1]
    leaked = out[:, 0] + out[:, -1]
    worst = int(np.argmax(leaked))
    if leaked[worst] > tol:
        side = "below w_min" if out[worst, 0] >= out[worst, -1] else "above w_max"
        raise ValueError(
            f"probability {leaked[worst]:.3g} leaked out of the window [w_min, w_max] = "
            f"[{w_min}, {w_max}] (mostly {side}) by t = {float(t[worst])!r} s, more than tol = {tol!r}; "
            "widen the window"
        )
    mass = p.sum(axis=1)
    mass_error = np.abs(1.0 - mass - leaked)
    worst = int(np.argmax(mass_error))
    if mass_error[worst] > tol:
        raise ValueError(
            f"numerical probability error {mass_error[worst]:.3g} > tol = {tol!r} at "
            f"t = {float(t[worst])!r} s ({method}); the window [w_min, w_max] = [{w_min}, {w_max}] "
            f"has rates up to {float(max(rd.max(), ru.max())):.3g} 1/s at its edges -- "
            "narrow it to where the probability lives"
        )
    mean = p @ wf / mass
    # Central second moment (no cancellation for large |W|).
    var = np.maximum((p * (wf[None, :] - mean[:, None]) ** 2).sum(axis=1) / mass, 0.0)
    return MasterSolution(
        t_eval=t, w=w, p=p, mean=mean, var=var, leaked=leaked, mass_error=mass_error, w0=w0
    )


# --------------------------------------------------------------------------- mean field


def deterministic_winding(
    rate_down: RateFunction,
    rate_up: RateFunction,
    w0: float,
    t_eval,
    *,
    method: str = "LSODA",
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> np.ndarray:
    """Mean-field winding: dW/dt = -(r_down(W) - r_up(W)) with W continuous.

    Solved with :func:`scipy.integrate.solve_ivp` (``method`` "LSODA" or "Radau", tight
    tolerances). ``w0`` may be any finite real here (the continuum limit). Returns W at
    ``t_eval`` (sorted times >= 0 [s]) as a float array of the same length.
    """
    _check_callable("rate_down", rate_down)
    _check_callable("rate_up", rate_up)
    if isinstance(w0, bool) or not isinstance(w0, numbers.Real) or not math.isfinite(float(w0)):
        raise ValueError(f"w0 must be a finite real number of windings, got {w0!r}")
    if method not in ("LSODA", "Radau", "BDF", "DOP853", "RK45"):
        raise ValueError(
            f"method = {method!r} is not one of 'LSODA', 'Radau', 'BDF', 'DOP853', 'RK45'"
        )
    for name, val in (("rtol", rtol), ("atol", atol)):
        if isinstance(val, bool) or not isinstance(val, numbers.Real) or not float(val) > 0:
            raise ValueError(f"{name} = {val!r} is out of range: must be > 0")
    t = _as_t_eval(t_eval, None)
    w0 = float(w0)
    if t[-1] == 0.0:
        return np.full(t.size, w0)

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        return -(_eval_rate(rate_down, "rate_down", y) - _eval_rate(rate_up, "rate_up", y))

    t_unique, inverse = np.unique(t, return_inverse=True)
    sol = solve_ivp(
        rhs, (0.0, float(t_unique[-1])), [w0], method=method, t_eval=t_unique, rtol=rtol, atol=atol
    )
    if not sol.success:
        raise RuntimeError(f"mean-field ODE failed ({method}): {sol.message}")
    return sol.y[0][inverse]
