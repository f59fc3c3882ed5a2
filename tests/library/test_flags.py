"""The model flags what only ngspice can know (issue 16, item 1): the subcircuit's probe node ``flag`` is a
bit mask of the conditions where its physics does not hold (1: T <= 0, 2: K(T) <= 1e-3 K(tnom), 4: the wire
past its Landau limit, 8: the closed gated section past its own, 16: an instance parameter out of range).
The decks run in plain ngspice (``raw_run``: no deck checker), as a user's deck would."""

from __future__ import annotations

import math

import numpy as np
import pytest

from compactmodel.core.parameters import defaults
from compactmodel.library import library_path
from compactmodel.physics import scales
from compactmodel.sim.ngspice import raw_run

BITS = {"temperature": 1, "anisotropy": 2, "landau_wire": 4, "landau_gate": 8, "range": 16}


def _flags(instance: str, current: str = "PULSE(0 0.15m 0 0.2n 0.2n 4n 100n)", gate: str = "PWL(0 1.5 4n 1.5 4.2n 0)",
           head: str = "", tstop: str = "6n") -> tuple[int, int]:
    """(bits set at any time point, number of time points) of ``X1 p 0 gate wn spin_battery <instance>``."""
    deck = "\n".join(["flag deck", f".include {library_path()}", head, f"I1 0 p {current}", f"Vg gate 0 {gate}",
                      f"X1 p 0 gate wn spin_battery {instance}", f".tran 10p {tstop}", ".end", ""])
    out = raw_run(deck, keep=["time", "x1.flag"])
    flag = np.asarray(out["vectors"]["x1.flag"])
    assert np.all(np.abs(flag - np.rint(flag)) < 1e-9), "the flag node holds integers"
    return int(np.bitwise_or.reduce(np.rint(flag).astype(int))), len(flag)


def test_a_charge_store_cycle_inside_the_physics_raises_no_flag():
    bits, points = _flags("")
    assert points > 100 and bits == 0


@pytest.mark.parametrize("instance, head, bit", [
    ("len=-1u", "", "range"),
    ("", ".param L=-1u", None),  # placeholder replaced below
    ("dtemp=-400", "", "temperature"),
    ("", ".temp -300", "temperature"),
    ("tcani=0.01 tnom=400.15", "", "anisotropy"),
])
def test_static_conditions_set_their_bit(instance, head, bit):
    if bit is None:  # a parameter expression the user's deck computes: still seen by the model
        instance, head, bit = "len={L}", ".param L=-1u", "range"
    bits, _ = _flags(instance, head=head, tstop="0.05n")  # set from the first point on
    assert bits & BITS[bit], (instance, bits)


def test_a_current_far_past_the_landau_limit_sets_the_wire_bit():
    """The deck of issue 16 (1e9 x the Landau current) ran with no sign of it."""
    i_landau = scales.device_scales(defaults(), 300.15).landau_current
    bits, _ = _flags("", current=f"PULSE(0 {1e9 * i_landau:.6g} 0 0.2n 0.2n 4n 100n)", gate="1.5", tstop="1n")
    assert bits & BITS["landau_wire"]


def test_a_closed_ring_wound_past_its_landau_limit_sets_both_landau_bits():
    """wn0 puts the wire and the gated section at one winding density: twice the Landau limit, gate closed."""
    p = defaults()
    kc = math.sqrt(2 * p["kani"] / p["stiff"])
    wn0 = 2 * kc * p["len"] / (2 * math.pi)
    bits, _ = _flags(f"wn0={wn0:.6g}", current="0", gate="0", tstop="0.05n")
    assert bits & BITS["landau_wire"] and bits & BITS["landau_gate"]
    assert not bits & (BITS["temperature"] | BITS["anisotropy"] | BITS["range"])
