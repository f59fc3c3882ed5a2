"""Tests of compactmodel.physics.stochastic: phase slips as a seeded jump process.

Monte Carlo (Gillespie) results are compared with exact values in units of their own
standard error; the bound is 4 standard errors (a false alarm about once in 16 000 per
comparison, and the seeds are fixed, so the tests are deterministic).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from compactmodel.physics.stochastic import (
    SlipRunawayError,
    deterministic_winding,
    master_equation,
    simulate_slips,
)

N_RUNS = 20_000
Z = 4.0  # allowed deviation in standard errors


def _var_stderr(x: np.ndarray) -> np.ndarray:
    """Standard error of the sample variance along axis 0: sqrt((m4 - s^4) / n)."""
    n = x.shape[0]
    d = x - x.mean(axis=0)
    m2 = (d**2).mean(axis=0)
    m4 = (d**4).mean(axis=0)
    return np.sqrt((m4 - m2**2) / n)


# --------------------------------------------------------------------------- Poisson


LAM = 2.0  # 1/s


def _const_down(w):
    return LAM


def _zero(w):
    return 0.0


def test_pure_decay_is_poisson():
    w0, t_eval = 5, np.array([0.25, 1.0, 2.5])
    runs = simulate_slips(_const_down, _zero, w0, 2.5, n_runs=N_RUNS, seed=11, t_eval=t_eval)
    mu = LAM * t_eval  # Poisson(lam t) slip count

    mean, se = runs.mean("net_slips"), runs.stderr("net_slips")
    assert np.all(np.abs(mean - mu) < Z * se), (mean, mu, se)
    np.testing.assert_allclose(se, np.sqrt(mu / N_RUNS), rtol=0.05)

    var = runs.var("net_slips")
    se_var = np.sqrt((mu + 2 * mu**2) / N_RUNS)  # Poisson: mu4 - sigma^4 = mu + 2 mu^2
    assert np.all(np.abs(var - mu) < Z * se_var), (var, mu, se_var)

    # Bookkeeping: only down slips, W may go negative, counts match the last sample.
    assert runs.winding.dtype == np.int64 and runs.winding.shape == (N_RUNS, 3)
    assert np.all(runs.n_up == 0)
    np.testing.assert_array_equal(runs.n_down, runs.net_slips[:, -1])
    assert (runs.winding < 0).any()
    np.testing.assert_allclose(runs.mean(), w0 - mean)

    sol = master_equation(_const_down, _zero, w0, t_eval, w_min=w0 - 60, w_max=w0)
    np.testing.assert_allclose(sol.net_slips_mean, mu, rtol=1e-8)
    np.testing.assert_allclose(sol.var, mu, rtol=1e-8)
    assert sol.leaked.max() < 1e-12


# --------------------------------------------------------------------------- linear rates


A = 0.7  # 1/s


def _linear_down(w):
    return np.where(w > 0, A * w, 0.0)


def test_linear_decay_mean_is_exponential():
    w0, t_eval = 20, np.array([0.3, 1.0, 3.0])
    exact = w0 * np.exp(-A * t_eval)
    runs = simulate_slips(_linear_down, _zero, w0, 3.0, n_runs=N_RUNS, seed=5, t_eval=t_eval)

    mean, se = runs.mean(), runs.stderr()
    assert np.all(np.abs(mean - exact) < Z * se), (mean, exact, se)
    # Each of the w0 windings decays independently: W(t) ~ Binomial(w0, exp(-a t)).
    p = np.exp(-A * t_eval)
    var_exact = w0 * p * (1 - p)
    assert np.all(np.abs(runs.var() - var_exact) < Z * _var_stderr(runs.winding))
    # W = 0 is absorbing (total rate 0); nothing goes below it.
    assert runs.winding.min() >= 0
    np.testing.assert_array_equal(runs.n_down, w0 - runs.winding[:, -1])

    sol = master_equation(_linear_down, _zero, w0, t_eval, w_min=0, w_max=w0)
    np.testing.assert_allclose(sol.mean, exact, rtol=1e-6, atol=0)
    np.testing.assert_allclose(sol.var, var_exact, rtol=1e-6, atol=0)
    assert sol.leaked.max() == 0.0

    # Linear rates: the mean-field ODE is exact for the mean.
    for method in ("LSODA", "Radau"):
        det = deterministic_winding(_linear_down, _zero, w0, t_eval, method=method)
        np.testing.assert_allclose(det, exact, rtol=1e-7)


# --------------------------------------------------------------------------- Arrhenius pair


F, B0, C = 50.0, 4.0, 0.5  # attempt rate [1/s], barrier and tilt per winding [kT]
W0 = 3


def _arr_down(w):
    return F * np.exp(-B0 + C * w)


def _arr_up(w):
    return F * np.exp(-B0 - C * w)


def test_arrhenius_mc_matches_master_equation():
    t_eval = np.array([0.3, 1.0, 4.0])
    runs = simulate_slips(_arr_down, _arr_up, W0, 4.0, n_runs=N_RUNS, seed=21, t_eval=t_eval)
    sol = master_equation(_arr_down, _arr_up, W0, t_eval, w_min=-15, w_max=15)
    assert sol.leaked.max() < 1e-20

    mean, se = runs.mean(), runs.stderr()
    assert np.all(np.abs(mean - sol.mean) < Z * se), (mean, sol.mean, se)
    assert np.all(np.abs(runs.var() - sol.var) < Z * _var_stderr(runs.winding))
    assert (runs.winding < 0).any()  # slips in both directions, W crosses zero
    assert runs.n_up.sum() > 0

    # The test can tell: for these nonlinear rates the mean-field ODE is *not* the mean
    # (<r(W)> != r(<W>)), by more than twice the allowed deviation at some time.
    det = deterministic_winding(_arr_down, _arr_up, W0, t_eval)
    assert np.max(np.abs(det - sol.mean) / se) > 2 * Z


def test_arrhenius_short_time_slip_rate_is_deterministic_leakage():
    t = 0.002  # s: expected net slips ~ 0.008 (< 0.3)
    leakage = float(_arr_down(float(W0)) - _arr_up(float(W0)))
    assert leakage * t < 0.3
    n_runs = 1_000_000  # few jumps per run at this t: cheap
    runs = simulate_slips(_arr_down, _arr_up, W0, t, n_runs=n_runs, seed=8, t_eval=[t])
    rate = runs.mean("net_slips")[0] / t
    se = runs.stderr("net_slips")[0] / t
    assert abs(rate - leakage) < Z * se, (rate, leakage, se)

    # The finite-t bias of the estimator (from the exact master equation) is well below
    # the statistical error, so the comparison above tests the t -> 0 property.
    sol = master_equation(_arr_down, _arr_up, W0, [t], w_min=-15, w_max=15)
    assert abs(sol.net_slips_mean[0] / t - leakage) < 0.5 * se
    det = deterministic_winding(_arr_down, _arr_up, W0, [t])
    assert abs((W0 - det[0]) / t - leakage) < 0.5 * se
    # ... and it would detect ignoring the up slips (r_down alone).
    assert abs(rate - float(_arr_down(float(W0)))) > Z * se


def test_master_equation_methods_agree_and_accept_uneven_times():
    t_eval = [0.0, 0.05, 0.05, 0.4, 0.41, 2.0]
    a = master_equation(_arr_down, _arr_up, W0, t_eval, w_min=-12, w_max=12, method="expm")
    b = master_equation(
        _arr_down, _arr_up, W0, t_eval, w_min=-12, w_max=12, method="expm_multiply"
    )
    np.testing.assert_allclose(a.mean, b.mean, rtol=0, atol=1e-10)
    np.testing.assert_allclose(a.var, b.var, rtol=0, atol=1e-10)
    assert a.mean[0] == W0 and a.var[0] == 0.0
    assert a.mean[1] == a.mean[2]
    np.testing.assert_allclose(a.p.sum(axis=1) + a.leaked, 1.0, atol=1e-12)


# --------------------------------------------------------------------------- behaviour


def test_reproducible_with_seed():
    kw = dict(n_runs=500, t_eval=np.linspace(0, 2.0, 9))
    r1 = simulate_slips(_arr_down, _arr_up, W0, 2.0, seed=123, **kw)
    r2 = simulate_slips(_arr_down, _arr_up, W0, 2.0, seed=123, **kw)
    r3 = simulate_slips(_arr_down, _arr_up, W0, 2.0, seed=124, **kw)
    np.testing.assert_array_equal(r1.winding, r2.winding)
    np.testing.assert_array_equal(r1.n_down, r2.n_down)
    np.testing.assert_array_equal(r1.n_up, r2.n_up)
    assert not np.array_equal(r1.winding, r3.winding)


def test_absorbing_zero_rates_and_defaults():
    runs = simulate_slips(_zero, _zero, -7, 1.0, n_runs=3, seed=0)
    assert runs.t_eval.size == 101 and runs.t_eval[0] == 0.0 and runs.t_eval[-1] == 1.0
    assert np.all(runs.winding == -7) and np.all(runs.n_events == 0)
    assert np.all(runs.net_slips == 0)
    one = simulate_slips(_const_down, _zero, 0, 1.0, seed=0)  # n_runs = 1
    assert np.all(np.isnan(one.std())) and one.mean().shape == (101,)


def test_runaway_guard():
    with pytest.raises(SlipRunawayError, match="max_events = 100"):
        simulate_slips(lambda w: 1e6, _zero, 0, 1.0, n_runs=4, seed=0, max_events=100)


def test_master_equation_refuses_leaky_window():
    with pytest.raises(ValueError, match=r"leaked out of the window \[w_min, w_max\] = \[-2, 5\]"):
        master_equation(_const_down, _zero, 5, [1.0, 3.0], w_min=-2, w_max=5)


def _negative(w):
    return np.where(w == 2, -1.0, 1.0)


def _nan(w):
    return np.full(np.shape(w), np.nan)


GOOD = dict(rate_down=_const_down, rate_up=_zero, w0=3, t_end=1.0)


@pytest.mark.parametrize(
    "change, pattern",
    [
        (dict(n_runs=0), r"n_runs = 0 .*>= 1"),
        (dict(n_runs=2.5), r"n_runs must be an integer, got 2\.5"),
        (dict(n_runs=True), r"n_runs must be an integer"),
        (dict(t_end=0.0), r"t_end = 0\.0 .*> 0"),
        (dict(t_end=-1.0), r"t_end = -1\.0 .*> 0"),
        (dict(t_end=math.inf), r"t_end = inf .*finite"),
        (dict(t_end=math.nan), r"t_end = nan"),
        (dict(w0=2.5), r"w0 must be an integer, got 2\.5"),
        (dict(t_eval=[0.0, 0.5, 0.2]), r"t_eval must be sorted"),
        (dict(t_eval=[0.0, 1.5]), r"t_eval contains 1\.5, outside .*\[0, t_end = 1\.0\]"),
        (dict(t_eval=[-0.1, 0.5]), r"t_eval contains -0\.1"),
        (dict(max_events=0), r"max_events = 0"),
        (dict(rate_down=_negative), r"rate_down\(W=2\) = -1\.0"),
        (dict(rate_up=_nan), r"rate_up\(W=3\) = nan"),
        (dict(rate_down=3.0), r"rate_down must be a callable"),
        (dict(rate_down=lambda w: np.ones(2)), r"rate_down returned an array of shape \(2,\)"),
    ],
)
def test_simulate_bad_inputs(change, pattern):
    kw = {**GOOD, **change}
    args = [kw.pop(k) for k in ("rate_down", "rate_up", "w0", "t_end")]
    with pytest.raises(ValueError, match=pattern):
        simulate_slips(*args, n_runs=kw.pop("n_runs", 10), seed=0, **kw)


def test_master_and_deterministic_bad_inputs():
    with pytest.raises(ValueError, match=r"w0 = 7 is outside .*\[0, 5\]"):
        master_equation(_const_down, _zero, 7, [1.0], w_min=0, w_max=5)
    with pytest.raises(ValueError, match=r"w_min must be an integer, got 0\.5"):
        master_equation(_const_down, _zero, 1, [1.0], w_min=0.5, w_max=5)
    with pytest.raises(ValueError, match=r"t_eval contains -1\.0"):
        master_equation(_const_down, _zero, 1, [-1.0, 1.0], w_min=-20, w_max=5)
    with pytest.raises(ValueError, match=r"rate_down\(W=2\) = -1\.0"):
        master_equation(_negative, _zero, 1, [1.0], w_min=-20, w_max=5)
    with pytest.raises(ValueError, match=r"w0 must be a finite real .*nan"):
        deterministic_winding(_const_down, _zero, math.nan, [1.0])
    with pytest.raises(ValueError, match=r"rate_up\(W=3\) = nan"):
        deterministic_winding(_const_down, _nan, 3, [1.0])
