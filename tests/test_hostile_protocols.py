"""Hostile protocols (issue 16, items 4, 5 and 7): contradictory or unresolvable steps are refused up front
with a one-line message naming the step, its duration and the ramp; compact spellings parse; bad tokens are
named. Every case is a parse (no ngspice run) except the last, which checks the library still works."""

from __future__ import annotations

import pytest

from compactmodel.core.constants import YEAR
from compactmodel.sim.loads import ResistorLoad
from compactmodel.sim.protocol import Experiment, ProtocolError, parse_step
from compactmodel.sim.simulation import Simulation

EDGE = 0.2e-9  # the default ramp of Experiment


@pytest.mark.parametrize("steps, step_text, ramp", [
    (["Charge at 0.15mA for 1 fs"], "Charge at 0.15mA for 1 fs", "2e-10 s"),
    (["Charge at 0.15 mA for 0.1 ns"], "Charge at 0.15 mA for 0.1 ns", "2e-10 s"),
    (["Release into load for 50 ps"], "Release into load for 50 ps", "2e-10 s"),
    (["Release into 1 kohm for 10 ps"], "Release into 1 kohm for 10 ps", "2e-10 s"),
    # after a charge a hold closes the gate first, then ramps the current down: its ramp is two edges
    (["Charge at 0.15 mA for 1 ns", "Hold for 0.3 ns"], "Hold for 0.3 ns", "4e-10 s"),
    # a charge after a release disconnects the load first: two edges
    (["Charge at 0.15 mA for 1 ns", "Release into load for 1 ns", "Charge at 0.1 mA for 0.3 ns"],
     "Charge at 0.1 mA for 0.3 ns", "4e-10 s"),
])
def test_a_step_shorter_than_its_ramp_is_refused(steps: list[str], step_text: str, ramp: str) -> None:
    with pytest.raises(ProtocolError) as err:
        Experiment(steps)
    msg = str(err.value)
    assert "\n" not in msg
    assert repr(step_text) in msg and "shorter than its ramp" in msg and ramp in msg


def test_a_shorter_edge_makes_the_short_step_valid() -> None:
    exp = Experiment(["Charge at 0.15 mA for 0.1 ns"], edge=0.05e-9)
    assert exp.cycles[0][0].duration == pytest.approx(0.1e-9, rel=1e-12)


@pytest.mark.parametrize("steps", [
    ["Charge at 0.15 mA for 0.2 ns"],  # exactly one edge long
    ["Charge at 0.15 mA for 1 ns", "Charge at 0.15 mA for 1 fs"],  # the same current: nothing ramps
    ["Charge at 0.15 mA for 1 ns", "Close gate", "Hold for 1 fs"],  # the gate is already closed: nothing ramps
])
def test_steps_as_long_as_their_ramp_or_without_one_are_accepted(steps: list[str]) -> None:
    assert len(Experiment(steps).cycles[0]) == len(steps)


@pytest.mark.parametrize("steps, fragment", [
    (["Charge at 0.15 mA for 1 ns", "Close gate", "Hold for 1e30 years"], "longer than the longest resolvable hold"),
    (["Hold for 1e5 years"], "longer than the longest resolvable hold"),
    (["Charge at 0.15 mA for 1e5 s"], "beyond the 1e+12"),
    (["Release into load for 1 year"], "beyond the 1e+12"),
])
def test_time_scales_float64_cannot_resolve_are_refused(steps: list[str], fragment: str) -> None:
    with pytest.raises(ProtocolError, match="float64") as err:
        Experiment(steps)
    assert fragment in str(err.value) and repr(steps[-1]) in str(err.value)


def test_a_ten_year_hold_stays_valid() -> None:
    exp = Experiment(["Charge at 0.15 mA for 3 ns", "Close gate", "Hold for 10 years", "Release into load for 50 ns"])
    assert exp.cycles[0][2].duration == pytest.approx(10 * YEAR, rel=1e-12)


@pytest.mark.parametrize("text, current, duration", [
    ("Charge at 0.15mA for 3 ns", 0.15e-3, 3e-9),
    ("Charge at 0.15 mA for 3 ns", 0.15e-3, 3e-9),
    ("charge at 2mA for 5ns", 2e-3, 5e-9),
    ("Charge at 1e-4 A for 1 ns", 1e-4, 1e-9),
])
def test_compact_spellings_parse(text: str, current: float, duration: float) -> None:
    step = parse_step(text)
    assert step.current == pytest.approx(current, rel=1e-12)
    assert step.duration == pytest.approx(duration, rel=1e-12)


def test_a_compact_current_with_an_until_clause_parses() -> None:
    step = parse_step("Charge at 0.15mA until wn > 3")
    assert step.terminations[0].variable == "winding" and step.terminations[0].value == 3.0


@pytest.mark.parametrize("text, token", [
    ("Charge at 0.15mAfor 3 ns", "'0.15mAfor'"),
    ("Charge at 0.15 xA for 3 ns", "'0.15 xA'"),
    ("Charge at fast for 3 ns", "'fast'"),
    ("Charge at 0.15 mA for 3 parsecs", "'3 parsecs'"),
    ("Charge at 0.15 mA until temperature > 3", "'temperature'"),
])
def test_parse_errors_name_the_offending_token(text: str, token: str) -> None:
    with pytest.raises(ProtocolError) as err:
        parse_step(text)
    assert token in str(err.value)


@pytest.mark.parametrize("max_step_time", [1e-11, 1e9])
def test_an_until_step_whose_time_limit_is_shorter_than_its_ramp_or_unresolvable_is_refused(max_step_time: float) -> None:
    with pytest.raises(ProtocolError) as err:
        Simulation(["Charge at 0.15 mA until wn > 3"], max_step_time=max_step_time)
    msg = str(err.value)
    assert f"max_step_time = {max_step_time:.4g} s" in msg and "ramp of 2e-10 s" in msg


def test_the_cli_refuses_a_step_shorter_than_its_ramp_in_one_line(tmp_path, capsys) -> None:
    from compactmodel.cli import main

    code = main(["simulate", "Charge at 0.15mA for 1 fs", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert "'Charge at 0.15mA for 1 fs'" in err and "shorter than its ramp of 2e-10 s" in err
    assert "Traceback" not in err and not list(tmp_path.iterdir())


def test_the_compact_step_runs_and_the_library_is_still_usable() -> None:
    res = Simulation(["Charge at 0.15mA for 0.5 ns"], load=ResistorLoad(1e3)).solve()
    summary = res.step_summaries()[0]
    assert summary["duration"] == pytest.approx(0.5e-9, rel=1e-6)
    assert res["winding"][-1] > 0  # a positive current charges a positive winding


def test_zero_damping_in_range_runs_a_full_cycle_with_a_closed_account() -> None:
    """damp = 0 is inside the allowed range [0, 1e-15]: a charge / close / hold / release cycle runs and its
    energy account closes (the hold's settling time falls back to its ceiling, no raw LinAlgError)."""
    res = Simulation(["Charge at 0.15 mA for 1 ns", "Close gate", "Hold for 1 ns", "Release into load for 1 ns"],
                     params={"damp": 0.0}, load=ResistorLoad(1e3)).solve()
    cycle = res.cycle_summaries()[0]
    assert abs(cycle["balance_error"]) < 1e-3
    assert res.step_summaries()[0]["stored_end"] > 0


def test_the_cli_accepts_the_nseg_its_help_names(tmp_path) -> None:
    """The simulate help says 'spin_battery_n<N> (48; ...)': --nseg 48 runs."""
    from compactmodel.cli import main

    code = main(["simulate", "Charge at 0.15 mA for 0.5 ns", "--nseg", "48", "--load", "resistor:1000",
                 "--out", str(tmp_path)])
    assert code == 0
