"""Hostile-but-fair inputs (issue 16): decks that hide bad values from a naive checker, runs that would
hang, numpy scalars and the nseg help. Each case asserts the message (parameter, value, range) or the
correct result, and that the library still runs a small valid deck afterwards.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from compactmodel.core.parameters import ParameterError
from compactmodel.library import library_path
from compactmodel.sim import ngspice
from compactmodel.sim.ngspice import (Cosimulation, InstanceError, RunLimitError, SimulationError, check_instances,
                                       raw_run, run_netlist)
from compactmodel.sim.spice_expr import Unknowable, evaluate

LEN_RANGE = "[1e-09:0.1]"


def _deck(*body: str, head: tuple[str, ...] = (), analysis: str = ".tran 1p 50p") -> str:
    return "\n".join(["hostile deck", f".include {library_path()}", *head, "Ich 0 p 10u", "Vg gate 0 0", *body,
                      analysis, ".end", ""])


def _one_line(err: BaseException, *fragments: str) -> str:
    msg = str(err)
    assert msg and "\n" not in msg, msg
    assert "Traceback" not in msg
    for frag in fragments:
        assert frag in msg, f"{frag!r} not in {msg!r}"
    return msg


def assert_library_works() -> None:
    """A small valid deck still runs and charges the battery the right way (positive current, positive winding)."""
    out = run_netlist(_deck("X1 p 0 gate wn spin_battery len=1u"))
    assert out["time"][-1] == pytest.approx(50e-12)
    assert out["wn"][-1] > 0


# ----------------------------------------------------------------------------- the deck checker
_HIDDEN_BAD = [
    ("comment between instance and continuation",
     ("X1 p 0 gate wn spin_battery_n8", "* a comment line", "+ len=-1"), (),
     ("deck line 5", "X1 of spin_battery_n8", "'len' = -1.0 m", LEN_RANGE)),
    ("inline comments ; and $",
     ("X1 p 0 gate wn spin_battery ; the battery", "+ len=-1 $ negative"), (),
     ("'len' = -1.0 m", LEN_RANGE)),
    ("blank line before continuation",
     ("X1 p 0 gate wn spin_battery", "", "+ len=-3u"), (), ("'len' = -3e-06 m",)),
    (".param with braces",
     (".param L=-1u", "X1 p 0 gate wn spin_battery len={L}"), (),
     ("deck line 6", "'len' = -1e-06 m", LEN_RANGE, "len={L}")),
    (".param expression",
     (".param W=2u", ".param L={1u - W}", "X1 p 0 gate wn spin_battery len={L}"), (),
     ("'len' = -1e-06 m",)),
    ("quoted expression",
     ("X1 p 0 gate wn spin_battery len='-2u'",), (), ("'len' = -2e-06 m", LEN_RANGE)),
    ("engineering suffix meg",
     ("X1 p 0 gate wn spin_battery kani={1meg}",), (), ("'kani' = 1000000.0",)),
    ("function of a .param",
     (".param K=0", "X1 p 0 gate wn spin_battery kani={sqrt(K)}"), (), ("'kani' = 0.0 J/m", "[1e-30:0.001]")),
    ("wrapper subcircuit passing L=-1u",
     (".subckt wrap a b g w params: L=1u", "X1 a b g w spin_battery len={L}", ".ends", "Xw p 0 gate wn wrap L=-1u"), (),
     ("deck line 6", "inside Xw (wrap, deck line 8)", "'len' = -1e-06 m", LEN_RANGE)),
    ("wrapper subcircuit default",
     (".subckt wrap a b g w params: L=-4u", "X1 a b g w spin_battery len={L}", ".ends", "Xw p 0 gate wn wrap"), (),
     ("inside Xw", "'len' = -4e-06 m")),
    ("two levels of wrappers",
     (".subckt inner a b g w params: L=1u", "X1 a b g w spin_battery len={L}", ".ends",
      ".subckt outer a b g w params: M=1u", "Xi a b g w inner L={M*2}", ".ends", "Xo p 0 gate wn outer M=-1u"), (),
     ("inside Xi (inner", "inside Xo (outer", "'len' = -2e-06 m")),
    ("wrapper-local .param",
     (".subckt wrap a b g w params: L=1u", ".param L2={-L}", "X1 a b g w spin_battery len={L2}", ".ends",
      "Xw p 0 gate wn wrap"), (), ("'len' = -1e-06 m",)),
    (".temp below 0 K",
     ("X1 p 0 gate wn spin_battery",), (".temp -300",),
     ("device temperature", "-300 degC (.temp, deck line 3)", "-26.85 K", "[1:2000] K", "'dtemp' = 0 K")),
    (".options temp= below 0 K",
     ("X1 p 0 gate wn spin_battery",), (".options reltol=1e-4 temp=-300",), ("(.options, deck line 3)", "-26.85 K")),
    ("dtemp=-400",
     ("X1 p 0 gate wn spin_battery dtemp=-400",), (), ("27 degC", "-400 K", "-99.85 K", "'dtemp' = -400 K")),
    ("dtemp from a .param",
     (".param D=-350", "X1 p 0 gate wn spin_battery dtemp={D}"), (), ("-49.85 K",)),
    ("device above 2000 K",
     ("X1 p 0 gate wn spin_battery dtemp=900",), (".temp 1500",), ("2673.15 K", "[1:2000] K")),
    ("anisotropy vanishes at T",
     ("X1 p 0 gate wn spin_battery tcani=-0.01 dtemp=150",), (),
     ("1 + tcani (T - tnom)", "-0.01/K", "450.15 K", "= -0.5", "(0.001:inf)", "'tcani'")),
    ("anisotropy vanishes at .temp",
     ("X1 p 0 gate wn spin_battery tcani=-0.005",), (".temp 227",), ("500.15 K", "= 0", "(.temp, deck line 3)")),
    ("spin_loop_n48 len=-1",
     ("X1 p 0 p 0 gate wn spin_loop_n48 len=-1",), (), ("spin_loop_n48", "'len' = -1.0 m")),
]


@pytest.mark.parametrize("body, head, fragments", [c[1:] for c in _HIDDEN_BAD], ids=[c[0] for c in _HIDDEN_BAD])
def test_deck_checker_sees_what_ngspice_sees(body, head, fragments):
    """Each of these decks makes ngspice simulate an invalid device (a negative winding from a positive
    current, an empty battery, a clamped anisotropy) with no message: run_netlist refuses it first."""
    with pytest.raises(InstanceError) as info:
        run_netlist(_deck(*body, head=head))
    assert isinstance(info.value, SimulationError) and isinstance(info.value, ParameterError)
    _one_line(info.value, *fragments)


def test_deck_checker_accepts_the_same_decks_with_valid_values():
    """The same constructions with valid values pass the checker and run correctly."""
    check_instances(_deck(".param L=2u", "X1 p 0 gate wn spin_battery", "* comment", "+ len={L} ; inline"))
    check_instances(_deck("X1 p 0 gate wn spin_battery dtemp=-100", head=(".temp 27",)))
    check_instances(_deck("X1 p 0 gate wn spin_battery tcani=-0.001 dtemp=100"))
    out = run_netlist(_deck(".subckt wrap a b g w params: L=1u", "X1 a b g w spin_battery len={L}", ".ends",
                            "Xw p 0 gate wn wrap L=2u"))
    assert out["wn"][-1] > 0
    assert_library_works()


@pytest.mark.parametrize("line", [
    "X1 p 0 gate wn spin_battery len={myfunc(2u)}",   # a function ngspice may know (.func) but we do not
    "X1 p 0 gate wn spin_battery dtemp={temper - 27}",  # only known inside ngspice
    "X1 p 0 gate wn spin_battery len={1u/0}",           # ngspice reports the division itself
    "X1 p 0 gate wn spin_battery len={L ? 1 : 2}",      # a ternary: not evaluated here
])
def test_unknowable_values_are_left_to_ngspice_without_a_raw_exception(line):
    check_instances(_deck(line))  # no exception from the checker
    try:
        run_netlist(_deck(line))
    except SimulationError as err:  # ngspice's own complaint, in one line
        _one_line(err)
    assert_library_works()


def test_expression_evaluator_is_safe_and_understands_spice_numbers():
    assert evaluate("{2*L + 1u}", {"l": 1e-6}) == pytest.approx(3e-6)
    assert evaluate("'-2u'") == -2e-6
    assert evaluate("{1.5meg}") == 1.5e6
    assert evaluate("{2^3 + max(1, abs(-4))}") == 12.0
    assert evaluate("{sqrt(4)*exp(0)*log(1)+pi}") == pytest.approx(math.pi)
    for bad in ("{__import__('os').system('true')}", "{x.real}", "{(1).__class__}", "{lambda: 1}", "{[1]}", "{2**99999}"):
        with pytest.raises(Unknowable):
            evaluate(bad, {"x": 1.0})


# ----------------------------------------------------------------------------- hang guards
_TINY_STEP = "hang deck\nR1 a 0 1k\nV1 a 0 sin(0 1 1g)\n.tran 1e-20 2n\n.end\n"


def test_point_count_limit_stops_a_tran_with_a_tiny_step():
    t0 = time.monotonic()
    with pytest.raises(RunLimitError) as info:
        run_netlist(_TINY_STEP, max_points=2000)
    assert time.monotonic() - t0 < 5.0
    _one_line(info.value, "point-count limit of 2000 accepted points", "'.tran 1e-20 2n'", "max_points")
    assert_library_works()


def test_wall_clock_limit_stops_a_tran_with_a_tiny_step():
    t0 = time.monotonic()
    with pytest.raises(RunLimitError) as info:
        run_netlist(_TINY_STEP, timeout=0.3)
    assert time.monotonic() - t0 < 3.0  # the limit plus ngspice's halt
    _one_line(info.value, "wall-clock limit of 0.3 s", "'.tran 1e-20 2n'", "timeout=")
    assert_library_works()


def test_module_constants_set_the_default_limits(monkeypatch):
    monkeypatch.setattr(ngspice, "MAX_POINTS", 500)
    with pytest.raises(RunLimitError, match="limit of 500 accepted points"):
        run_netlist(_TINY_STEP)
    monkeypatch.setattr(ngspice, "MAX_POINTS", 10**9)
    monkeypatch.setattr(ngspice, "RUN_TIMEOUT", 0.2)
    with pytest.raises(RunLimitError, match="wall-clock limit of 0.2 s"):
        run_netlist(_TINY_STEP)


def test_raw_run_is_limited_too():
    out = raw_run(_TINY_STEP, keep=("time",), max_points=1000)
    assert "point-count limit of 1000" in out["raised"]
    assert 1000 <= len(out["vectors"]["time"]) < 100000


@pytest.mark.parametrize("kw, fragment", [({"timeout": 0}, "timeout = 0"), ({"timeout": math.inf}, "timeout = inf"),
                                          ({"max_points": 0}, "max_points = 0"), ({"max_points": 1.5}, "max_points = 1.5")])
def test_bad_limits_are_refused(kw, fragment):
    with pytest.raises(ParameterError) as info:
        run_netlist(_TINY_STEP, **kw)
    _one_line(info.value, fragment)


def test_run_netlist_from_a_cosimulation_callback_is_refused_not_deadlocked():
    class Nested(Cosimulation):
        vectors = ("time",)

        def accept(self, values):
            run_netlist("nested\nR1 a 0 1k\nV1 a 0 1\n.op\n.end\n")

    t0 = time.monotonic()
    with pytest.raises(SimulationError) as info:
        run_netlist("outer\nR1 a 0 1k\nV1 a 0 1\n.tran 1n 10n\n.end\n", Nested(), timeout=20)
    assert time.monotonic() - t0 < 10.0
    _one_line(info.value, "run_netlist was called from inside a co-simulation callback")
    assert_library_works()


# ----------------------------------------------------------------------------- numeric types and nseg
@pytest.mark.parametrize("scalar", [np.int64, np.int32, np.float32, np.float64], ids=lambda t: t.__name__)
def test_numpy_scalars_are_accepted_where_plain_numbers_are(scalar):
    """validate accepted numpy scalars, Simulation/Experiment refused them ("allowed range [200:500]" for 300)."""
    from compactmodel.physics.capacity import rating
    from compactmodel.physics.scales import check_temperature
    from compactmodel.sim.loads import ResistorLoad
    from compactmodel.sim.protocol import Experiment
    from compactmodel.sim.simulation import Simulation

    exp = Experiment(["Charge at 0.1 mA for 0.2 ns"], edge=scalar(1e-10) if scalar in (np.float32, np.float64) else 1e-10)
    assert exp.edge == pytest.approx(1e-10, rel=1e-6)
    assert len(Experiment.from_text("Charge at 0.1 mA for 0.2 ns", cycles=np.int64(2)).cycles) == 2
    sim = Simulation(exp, params={"len": scalar(1) * 1e-6 if scalar in (np.int64, np.int32) else scalar(1e-6)},
                     n_series=np.int64(2), n_parallel=np.int32(1), temperature=scalar(300), tmax=np.float32(1e-12),
                     load=ResistorLoad(scalar(1600)))
    assert sim.temperature == 300.0 and sim.n_series == 2 and type(sim.n_series) is int and sim.cells == 2
    assert check_temperature(scalar(300)) == 300.0
    assert rating(temperature=scalar(300), t_retention=scalar(1000)).energy > 0


@pytest.mark.parametrize("bad, fragment", [(np.bool_(True), "True"), (np.float64(150.0), "150"),
                                           (np.complex128(300), "300")])
def test_numpy_non_numbers_and_out_of_range_numpy_values_are_still_refused(bad, fragment):
    from compactmodel.sim.simulation import Simulation

    with pytest.raises(ParameterError) as info:
        Simulation(["Charge at 0.1 mA for 0.2 ns"], temperature=bad)
    _one_line(info.value, "temperature = ", fragment, "[200:500]")


def test_nseg_help_and_checks_agree(capsys):
    """The help of `simulate --nseg` names the shipped count; that count (also as a numpy integer) is accepted
    and another one is refused with the allowed values."""
    import re

    from compactmodel.cli import main as cli_main
    from compactmodel.sim.simulation import _SHIPPED_NSEG, Simulation

    try:
        assert cli_main(["simulate", "--help"]) == 0
    except SystemExit as exc:
        assert exc.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    shipped = [n for n in _SHIPPED_NSEG if n is not None]
    named = [int(n) for n in re.findall(r"spin_battery_n<N> \((\d+)", help_text)]
    assert named and set(named) <= set(shipped), help_text
    for n in named:
        assert Simulation(["Charge at 0.1 mA for 0.2 ns"], nseg=n).subckt == f"spin_battery_n{n}"
        assert Simulation(["Charge at 0.1 mA for 0.2 ns"], nseg=np.int64(n)).subckt == f"spin_battery_n{n}"
    with pytest.raises(ParameterError) as info:
        Simulation(["Charge at 0.1 mA for 0.2 ns"], nseg=7)
    _one_line(info.value, "nseg = 7", "allowed values", str(shipped[0]))


def test_a_simulation_step_past_the_point_limit_names_the_step(monkeypatch):
    from compactmodel.sim.simulation import Simulation

    monkeypatch.setattr(ngspice, "MAX_POINTS", 50)
    with pytest.raises(SimulationError) as info:
        Simulation(["Charge at 0.1 mA for 0.2 ns"]).solve()
    _one_line(info.value, "step 1 ('Charge at 0.1 mA for 0.2 ns')", "point-count limit of 50 accepted points", ".tran")
    monkeypatch.undo()
    assert Simulation(["Charge at 0.1 mA for 0.2 ns"]).solve()["winding"][-1] > 0
