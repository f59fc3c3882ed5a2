"""A protocol step whose stop condition already holds when it starts ends at once.

It records which condition ended it (and that it held at the start), lasts 0 s, adds nothing
to the energy account, produces no NaN and no numpy warning, and leaves the state to the next
step untouched. One case per termination variable; warnings are errors here.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from compactmodel.sim.loads import ResistorLoad
from compactmodel.sim.protocol import parse_step
from compactmodel.sim.simulation import Simulation

CHARGE = "Charge at 0.15 mA for 1 ns"
AFTER = "Hold for 0.5 ns"

# every termination variable, each with a condition that holds at the start of the release
# (after a 1 ns charge: SOC ~ 0.9, ~3 turns, port voltage and current of a few hundred uV / zero)
CASES = {
    "soc": "SOC < 200 %",
    "stored_energy": "energy < 1 J",
    "winding": "wn > 0.5",
    "step_time": "time >= 0 s",
    "port_voltage": "voltage < 10 V",
    "port_current": "current < 1 A",
    "writes": "writes >= 0",
}


def test_the_cases_cover_every_termination_variable():
    seen = {parse_step(f"Release into 1 kohm until {cond} or for 2 ns").terminations[0].variable
            for cond in CASES.values()}
    assert seen == set(CASES)


def _solve(steps):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's 'invalid value encountered' (a RuntimeWarning) and any other fail
        return Simulation(steps, load=ResistorLoad(1e3)).solve()


@pytest.mark.parametrize("variable", sorted(CASES))
def test_a_condition_met_at_the_start_ends_the_step_at_once(variable):
    cond = CASES[variable]
    res = _solve([CHARGE, f"Release into 1 kohm until {cond} or for 2 ns", AFTER])
    charge, release, after = res.step_summaries()
    assert release["duration"] == 0.0
    assert release["terminated_by"].startswith(cond) and "step start" in release["terminated_by"]
    for key, value in release.items():
        if isinstance(value, float):
            assert math.isfinite(value), (key, value)
    for key in ("energy_in", "delivered", "joule", "pumping", "gilbert", "slips", "gate_work", "writes"):
        assert release[key] == 0.0, key
    # nothing happened: the next step starts where the charge ended
    assert release["stored_start"] == release["stored_end"] == pytest.approx(charge["stored_end"], rel=1e-12)
    assert after["stored_start"] == pytest.approx(charge["stored_end"], rel=1e-9)
    wn = res["winding"]
    steps = res["step"]
    assert wn[steps == 2][0] == pytest.approx(wn[steps == 0][-1], rel=1e-9)
    for name in res.variables:
        if name not in ("mtj_resistance", "strip_resistance"):  # NaN by definition without a logic cell
            assert np.all(np.isfinite(res[name])), name
    assert all(math.isfinite(c["balance_error"]) for c in res.cycle_summaries())


def test_a_condition_not_met_at_the_start_still_runs_to_its_crossing():
    res = _solve([CHARGE, "Release into 1 kohm until SOC < 50 % or for 2 ns"])
    release = res.step_summaries()[1]
    assert release["terminated_by"] == "SOC < 50 %"
    assert 0.0 < release["duration"] < 2e-9
    soc = res["soc"][res["step"] == 1]
    assert soc[0] > 0.5 and soc[-1] == pytest.approx(0.5, abs=0.02)
