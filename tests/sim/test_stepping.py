"""Time-step convergence (compactmodel.sim.stepping) on an oscillator with a known solution.

The trapezoidal rule, ngspice's default, integrates x'' = -omega^2 x with no amplitude error
and a phase lag of (omega h)^2/12 per radian; over 100 periods at 15 points per period that is
about 1.4 rad. converge_tmax must find a step whose waveform is within its tolerance of the
exact cos(omega t), whatever the starting step.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from compactmodel.core.parameters import ParameterError
from compactmodel.sim.stepping import converge_tmax, waveform_change

OMEGA = 2 * math.pi  # period 1 s
T_END = 100.0


def trapezoidal_oscillator(tmax: float) -> dict[str, np.ndarray]:
    """x'' = -omega^2 x, x(0) = 1, x'(0) = 0, trapezoidal rule at step tmax (a stand-in for ngspice)."""
    n = int(math.ceil(T_END / tmax))
    h = T_END / n
    a = np.array([[0.0, 1.0], [-OMEGA**2, 0.0]])
    eye = np.eye(2)
    step = np.linalg.solve(eye - h / 2 * a, eye + h / 2 * a)
    z = np.empty((n + 1, 2))
    z[0] = (1.0, 0.0)
    for k in range(n):
        z[k + 1] = step @ z[k]
    return {"time": np.linspace(0.0, T_END, n + 1), "x": z[:, 0], "v": z[:, 1] / OMEGA}


def exact_error(res) -> float:
    return float(np.max(np.abs(res["x"] - np.cos(OMEGA * res["time"]))))


def test_the_stand_in_has_the_trapezoidal_phase_error():
    coarse = trapezoidal_oscillator(1 / 15)
    lag = OMEGA * T_END * (OMEGA / 15) ** 2 / 12  # accumulated phase error [rad]
    assert lag > 1.0
    assert exact_error(coarse) == pytest.approx(2 * abs(math.sin(lag / 2)), rel=0.05)


@pytest.mark.parametrize("rtol", [1e-2, 2e-3])
def test_converged_waveform_is_within_the_tolerance_of_the_exact_one(rtol):
    conv = converge_tmax(trapezoidal_oscillator, 1 / 15, signals=("x", "v"), rtol=rtol, max_halvings=10)
    assert conv.converged and conv.history[-1][1] <= rtol
    assert all(later < earlier for (_, earlier), (_, later) in zip(conv.history, conv.history[1:]))  # second order
    # second order: the finer run's error is about a third of the last change
    assert exact_error(conv.result) < rtol / 2
    assert conv.tmax == pytest.approx(conv.result["time"][1], rel=1e-9)


def test_not_converged_returns_the_finest_run_and_says_so():
    conv = converge_tmax(trapezoidal_oscillator, 1 / 15, signals=("x",), rtol=1e-6, max_halvings=2)
    assert not conv.converged and conv.halvings == 2
    assert conv.tmax == pytest.approx(1 / 60)
    assert len(conv.result["time"]) == 6001


def test_waveform_change_is_relative_to_the_swing_and_flags_a_new_signal():
    t = np.linspace(0, 1, 101)
    a = {"time": t, "s": 10 * np.sin(6 * t), "z": np.zeros_like(t)}
    b = {"time": t, "s": 10 * np.sin(6 * t) + 0.01, "z": np.zeros_like(t)}
    assert waveform_change(a, b, ["s"]) == pytest.approx(0.01 / np.max(np.abs(b["s"])), rel=1e-9)
    assert waveform_change(a, a, ["s", "z"]) == 0.0
    assert waveform_change(dict(a, z=t), a, ["z"]) == math.inf


@pytest.mark.parametrize(
    "kwargs, name",
    [({"tmax": -1.0}, "tmax"), ({"tmax": math.nan}, "tmax"), ({"tmax": 0.0}, "tmax"), ({"rtol": 0.0}, "rtol"),
     ({"rtol": 2.0}, "rtol"), ({"max_halvings": 0}, "max_halvings"), ({"max_halvings": 2.5}, "max_halvings")],
)
def test_bad_arguments_name_the_parameter(kwargs, name):
    args = {"tmax": 0.1, **kwargs}
    tmax = args.pop("tmax")
    with pytest.raises(ParameterError, match=name):
        converge_tmax(trapezoidal_oscillator, tmax, signals=("x",), **args)


# ---------------------------------------------------------------- the protocol engine, a real device

#: A weakly damped device from the QA matrix (set 288): alpha s / chi = 2e5 /s against a transit
#: time of 1.16 ns, so its spin waves have Q ~ 1e4 and ring through the whole protocol.
LOW_DAMPING = dict(len=2.22e-7, stiff=1.57e-26, chi=4.25e-31, damp=8.73e-26, gsp=7.43e-32, theta=1.18e-15, rw=377.0,
                   vgon=1.36, lgate=9.32e-9, kani=3.37e-10, fatt=2.03e10)


def _weakly_damped_protocol():
    from compactmodel.physics.scales import device_scales

    tau = device_scales(LOW_DAMPING).transit_time
    i_ma = 0.3 * device_scales(LOW_DAMPING).landau_current * 1e3
    span = f"{6 * tau * 1e9:.4g} ns"
    return tau, [f"Charge at {i_ma:.4g} mA for {span}", "Close gate", f"Hold for {span}", f"Release into load for {span}"]


def test_protocol_engine_honours_an_explicit_tmax_in_every_resolved_step():
    from compactmodel.sim.simulation import Simulation
    from compactmodel.sim.loads import ResistorLoad

    tau, steps = _weakly_damped_protocol()
    tmax = tau / 400
    res = Simulation(steps, LOW_DAMPING, load=ResistorLoad(LOW_DAMPING["rw"]), tmax=tmax).solve()
    for k in range(len(steps)):
        t = res["step_time"][res["step"] == k]
        assert np.max(np.diff(t)) <= tmax * (1 + 1e-6), steps[k]


def test_protocol_engine_step_converges_a_weakly_damped_device():
    """At the default step (tau_s/50) the waveforms of this device are off by several %; halving
    the step converges them, and the converged run agrees with one at half its step."""
    from compactmodel.sim.simulation import Simulation
    from compactmodel.sim.loads import ResistorLoad

    tau, steps = _weakly_damped_protocol()

    def run(h):
        return Simulation(steps, LOW_DAMPING, load=ResistorLoad(LOW_DAMPING["rw"]), tmax=h).solve()

    conv = converge_tmax(run, tau / 50, signals=("winding", "port_voltage"), rtol=2e-3, max_halvings=7)
    assert conv.converged
    assert conv.history[0][1] > 0.02  # the first halving matters: the default step is not converged
    check = run(conv.tmax / 2)
    change = waveform_change(conv.result, check, ("winding", "port_voltage"))
    assert change < 2e-3


def test_an_explicit_tmax_that_makes_millions_of_points_warns_before_running():
    import warnings

    from compactmodel.sim.simulation import PointCountWarning, Simulation
    from compactmodel.sim.loads import ResistorLoad

    sim = Simulation(["Charge at 0.1 mA for 10 us"], load=ResistorLoad(), tmax=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PointCountWarning)
        with pytest.raises(PointCountWarning, match="1e\\+07 time points"):
            sim.solve()
