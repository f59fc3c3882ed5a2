"""The PySpice helpers: the shipped library included once, validated instances, the same physics.

The circuits are built with PySpice's ``Circuit`` API and run through the package's ngspice
session (``run_netlist`` on ``str(circuit)`` plus an analysis line), so this test shares the one
libngspice instance a process may hold; ``examples/charge_store_release.py`` (tests/examples)
runs the helper through PySpice's own simulator.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

pytest.importorskip("PySpice")
from PySpice.Spice.Netlist import Circuit  # noqa: E402

from compactmodel import library_path  # noqa: E402
from compactmodel.core.parameters import LOOP_PARAMETERS, ParameterError, validate  # noqa: E402
from compactmodel.physics.capacity import rating  # noqa: E402
from compactmodel.physics.gate import open_voltage  # noqa: E402
from compactmodel.sim.ngspice import run_netlist  # noqa: E402
from compactmodel.sim.pyspice import SpinBattery, SpinLoop, add_spin_battery, add_spin_loop  # noqa: E402

logging.getLogger("PySpice").setLevel(logging.CRITICAL)


def _deck(circuit: Circuit, analysis: str) -> str:
    return f"{circuit}\n{analysis}\n.end\n"


def test_charge_through_the_helper_reaches_the_rated_winding():
    """Gate open, the rated current for 5 ns (settled: the reference device is heavily damped):
    the winding is the rated winding (eq. 7) to 1e-3, as in examples/charge_store_release."""
    params = validate({})
    full = rating(params)
    c = Circuit("helper: charge at the rated current")
    c.PieceWiseLinearCurrentSource("ch", c.gnd, "p", values=[(0, 0), (0.2e-9, full.current), (5e-9, full.current)])
    c.V("g", "gate", c.gnd, open_voltage(params["vgon"]))
    add_spin_battery(c, "1", "p", c.gnd, "gate", "wn", params)
    vec = run_netlist(_deck(c, ".tran 1p 5n 0 10p"))
    assert vec["wn"][-1] == pytest.approx(full.winding, rel=1e-3)


def test_library_is_included_once_and_every_parameter_is_written():
    c = Circuit("two devices")
    add_spin_battery(c, "1", "p", c.gnd, "gate", "w1", len=2e-6)
    dev = SpinBattery(theta=4e-16)
    dev.add_to(c, "2", "p", c.gnd, "gate", "w2")
    text = str(c)
    assert text.count(".include") == 1
    assert f".include {library_path()}" in text
    lines = [ln for ln in text.splitlines() if ln.startswith("X")]
    assert lines[0].startswith("X1 p 0 gate w1 spin_battery ") and "len=2e-06" in lines[0]
    assert "theta=4e-16" in lines[1] and "len=1e-06" in lines[1]
    for ln in lines:  # every parameter, defaults included
        assert {kv.split("=")[0] for kv in ln.split()[6:]} == set(validate({}))


def test_sectioned_model_and_spin_loop():
    c = Circuit("loop")
    add_spin_loop(c, "1", "a", c.gnd, "b", c.gnd, "gate", "wn", rw1=100.0, nseg=48)
    line = next(ln for ln in str(c).splitlines() if ln.startswith("X1"))
    assert line.split()[1:8] == ["a", "0", "b", "0", "gate", "wn", "spin_loop_n48"]
    assert "rw1=100.0" in line and "rw2=800.0" in line and " rw=" not in line
    assert SpinLoop().params.table is LOOP_PARAMETERS


def test_spin_loop_in_the_helper_gives_the_nonlocal_law():
    """Contact 1 driven, contact 2 open: V(p2)/I = -theta^2/(2 gsp + damp len) (Takei-Tserkovnyak)."""
    loop = SpinLoop(len=3e-6)
    c = Circuit("nonlocal")
    c.I("1", c.gnd, "a", 1e-4)
    c.V("g", "gate", c.gnd, open_voltage(loop.params["vgon"]))
    loop.add_to(c, "1", "a", c.gnd, "b", c.gnd, "gate", "wn")
    vec = run_netlist(_deck(c, ".op"))
    p = loop.params
    assert float(np.real(vec["b"][0])) / 1e-4 == pytest.approx(-p["theta"] ** 2 / (2 * p["gsp"] + p["damp"] * p["len"]),
                                                             rel=1e-2)


@pytest.mark.parametrize("call,message", [
    (lambda c: add_spin_battery(c, "1", "p", c.gnd, "g", "w", len=-1e-6), "parameter 'len' = -1e-06 m is outside"),
    (lambda c: add_spin_battery(c, "1", "p", c.gnd, "g", "w", {"theta": float("nan")}), "'theta'"),
    (lambda c: add_spin_battery(c, "1", "p", c.gnd, "g", "w", lenn=2e-6), "unknown parameter(s) 'lenn' (did you mean 'len'?)"),
    (lambda c: add_spin_battery(c, "1", "p", c.gnd, "g", "w", rw1=10.0), "unknown parameter(s) 'rw1'"),
    (lambda c: add_spin_loop(c, "1", "a", c.gnd, "b", c.gnd, "g", "w", rw=10.0), "unknown parameter(s) 'rw'"),
    (lambda c: add_spin_battery(c, "1", "p", c.gnd, "g", "w", nseg=7), "nseg = 7"),
    (lambda c: SpinBattery().add_to(c, "1", "p", c.gnd, "g"), "4 pins"),
    (lambda c: SpinBattery().add_to(c, "1", "p", "", "g", "w"), "pin 'n'"),
    (lambda c: SpinBattery().add_to(c, "a b", "p", "n", "g", "w"), "instance name"),
    (lambda c: add_spin_battery(object(), "1", "p", "n", "g", "w"), "PySpice Circuit"),
])
def test_bad_input_names_the_parameter_and_adds_nothing(call, message):
    c = Circuit("bad")
    with pytest.raises(ParameterError) as err:
        call(c)
    assert message in str(err.value)
    assert str(c).strip() == ".title bad"  # nothing half-added: no include, no instance
