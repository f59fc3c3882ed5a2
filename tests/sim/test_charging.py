"""Charging time and efficiency from the actual charge dynamics (issue 12, item 5)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from compactmodel.core.parameters import validate
from compactmodel.devices.presets import PRESETS, preset_parameters
from compactmodel.physics import scales
from compactmodel.sim.charging import charge_dynamics
from compactmodel.verify.reference import simulate


@pytest.mark.parametrize("preset", list(PRESETS))
def test_first_moment_equals_the_closed_form_of_the_exact_line(preset):
    """First moment of the modal model's step response vs (g/2 + alpha s L/12) L/A from the exact Z(s)."""
    p = preset_parameters(preset)
    d = charge_dynamics(p)
    expected = scales.elmore_charging_time(p["len"], p["stiff"], p["gsp"], p["damp"])
    assert d.first_moment == pytest.approx(expected, rel=2e-3)


def test_matched_contacts_settle_in_one_transit_and_recover_eq9():
    """g = sqrt(A chi), (almost) no Gilbert damping: a linear ramp over L/u (eq. 9's assumption) is
    within 1 % of eq. (7) from 0.99 L/u on, and the efficiency is eq. (9)'s E/(R I^2 L/u + 2E)."""
    p0 = validate(None)
    p = validate(p0, gsp=math.sqrt(p0["stiff"] * p0["chi"]), damp=p0["damp"] * 1e-6)
    d = charge_dynamics(p)
    assert d.settling_time / d.transit_time == pytest.approx(0.99, abs=0.01)
    assert d.first_moment / d.transit_time == pytest.approx(0.5, rel=1e-3)
    eta9 = d.eq9_efficiency
    assert d.efficiency == pytest.approx(eta9 / (1 + 2 * eta9), rel=0.02)


@pytest.mark.parametrize("factor", [30, 300])
def test_overdamped_contacts_charge_as_one_exponential(factor):
    """Contacts far above the matched g: one slow pole, tau = first moment, so the 1 % time is
    tau ln 100; many transit times, and the efficiency falls by the same factor as the time grows."""
    p0 = validate(None)
    p = validate(p0, gsp=factor * math.sqrt(p0["stiff"] * p0["chi"]))
    d = charge_dynamics(p)
    assert d.settling_time == pytest.approx(d.first_moment * math.log(100), rel=2e-3)
    assert d.settling_time > 20 * d.transit_time
    eta = d.efficiency / (1 - 2 * d.efficiency)  # undo the torque-work term
    assert eta * d.settling_time == pytest.approx(d.eq9_efficiency * d.transit_time, rel=1e-9)


def test_settling_time_of_the_reference_device_matches_the_distributed_line():
    """The reference device rings: its 1 % time, several L/u, vs the distributed reference
    (64 cells, exact exponentials), read off its winding trace."""
    p = preset_parameters("reference_device")
    d = charge_dynamics(p)
    assert d.settling_time > 3 * d.transit_time  # eq. (9)'s L/u is far too short here
    current = 1e-4
    run = simulate(p, t_end=1.5 * d.settling_time, current=current, n_cells=64, n_steps=6000, energies=False)
    final = p["theta"] * current * p["len"] / p["stiff"]
    outside = np.nonzero(np.abs(run.twist / final - 1) > 0.01)[0]
    t_ref = run.time[outside[-1] + 1]
    assert d.settling_time == pytest.approx(t_ref, rel=0.03)


def test_tolerance_out_of_range_is_refused_with_its_range():
    with pytest.raises(ValueError, match=r"tol=0\.9 .*allowed range is \[1e-6, 0\.5\]"):
        charge_dynamics(None, tol=0.9)
