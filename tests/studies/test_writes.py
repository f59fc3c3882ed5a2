"""The logic-write budget study (``python -m compactmodel.studies.writes``) runs on the shipped model.

It had been broken (it asked for a 16-section model, no longer shipped) with no test noticing.
"""

from __future__ import annotations

import pytest

from compactmodel.devices.presets import yig_pt
from compactmodel.studies.writes import write_budget


def test_write_budget_of_a_preset_obeys_the_energy_account():
    """yig_pt: one cell holds 2.6 % of a write, so it completes none; the smallest array found completes one, and it
    delivers no more than it stored (N E_full) but at least one write's worth of energy within a factor 2."""
    b = write_budget("yig_pt", yig_pt())
    assert b.energy_ratio == pytest.approx(b.full_energy / b.write_energy, rel=1e-12)
    assert b.energy_ratio < 1 and b.writes_single == 0
    cells = b.n_series * b.n_parallel
    assert b.writes_array >= 1
    assert b.delivered_array <= cells * b.full_energy
    assert b.delivered_array > 0.5 * b.write_energy
