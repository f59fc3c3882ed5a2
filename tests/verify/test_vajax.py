"""The Verilog-A module in a real Verilog-A simulator (vajax) against the ngspice subcircuit."""

import numpy as np
import pytest

from compactmodel.symbolic.emit import REPO_ROOT, VA_PATH
from compactmodel.physics.gate import open_voltage
from compactmodel.sim.deck import current_drive_deck
from compactmodel.sim.ngspice import run_netlist
from compactmodel.core.parameters import defaults
from compactmodel.verify.vajax_runner import run_charge_transient


def test_vajax_charge_transient_matches_ngspice():
    p = defaults()
    current, t_stop, t_rise, dt = 0.3e-3, 3e-9, 30e-12, 2e-12
    t_va, wn_va = run_charge_transient(REPO_ROOT / VA_PATH, p, current, t_stop, dt, gate_voltage=open_voltage(p["vgon"]), t_rise=t_rise)
    vec = run_netlist(current_drive_deck(p, [(0.0, 0.0), (t_rise, current)], t_stop, dt))
    t_sp, wn_sp = np.real(vec["time"]), np.real(vec["wn"])
    assert t_va[-1] == pytest.approx(t_stop, rel=1e-6)
    final = p["theta"] * current * p["len"] / (2 * np.pi * p["stiff"])
    grid = np.linspace(0.1e-9, t_stop, 30)
    diff = np.abs(np.interp(grid, t_va, wn_va) - np.interp(grid, t_sp, wn_sp)) / final
    print(f"max |vajax - ngspice| / wn_final = {diff.max():.2e}")
    assert diff.max() < 0.01
    assert wn_va[-1] == pytest.approx(final, rel=2e-3)
