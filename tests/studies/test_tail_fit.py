"""The modal tail: the shipped constants are what the documented fit gives, and meet the target."""

from __future__ import annotations

import math

import numpy as np
import pytest

from compactmodel.studies.tail_fit import (GAMMA, exact_impedance, fit_tail, network_impedance, shipped_tails,
                                           worst_error)
from compactmodel.symbolic.modal import N_MODES, TAIL_POLES


def test_with_every_mode_kept_the_network_is_the_line():
    """Partial fractions of coth/tanh (the network with no tail and all modes) -> the closed form."""
    p = 1j * np.linspace(0.1, math.pi, 7)
    for parity in ("odd", "even"):
        z = network_impedance(parity, p, 3.0, 4000, b=(), r=())
        assert np.max(np.abs(z / exact_impedance(parity, p, 3.0) - 1)) < 1e-4


@pytest.mark.parametrize("tail", shipped_tails(), ids=lambda t: t.parity)
def test_shipped_tail_is_within_one_percent_up_to_u_over_2L_for_every_zeta(tail):
    """Worst |z_exact/z_network - 1| over f <= u/2L, zeta = 1e-2..2e4, g = 0.1 sqrt(A chi): < 1 % (measured 6.1e-3 / 7.0e-3)."""
    assert tail.error < 1e-2
    assert all(r > 0 for r in tail.r) and all(b > 0 for b in tail.b)  # passive by construction


def test_shipped_tail_is_exact_at_dc_and_in_the_first_two_moments():
    """z_network - z_exact = O(p^2) as p -> 0 for every zeta (DC resistance, inductance, second moment).

    With only the DC resistance exact the error would be first order, ~ S1 p ~ 1e-6 at p = 1e-4.
    """
    p = np.array([1e-4, 2e-4]) * 1j
    for tail in shipped_tails():
        for zeta in (0.1, 30.0, 3000.0):
            d = network_impedance(tail.parity, p, zeta, N_MODES, tail.b, tail.r) - exact_impedance(tail.parity, p, zeta)
            assert np.all(np.abs(d) < 1e-7), (tail.parity, zeta, d)
        d = network_impedance(tail.parity, p, 3000.0, N_MODES, tail.b, tail.r) - exact_impedance(tail.parity, p, 3000.0)
        assert abs(d[1] / d[0]) == pytest.approx(4.0, rel=0.02)  # second order, above round-off at large zeta


def test_the_fit_reproduces_the_shipped_poles():
    """The documented procedure (minimax, rounded to 4 digits) gives TAIL_POLES back for N = 7 (odd loop)."""
    fit = fit_tail("odd", N_MODES)
    bs, rest = TAIL_POLES["odd"]
    assert fit.b == pytest.approx([float(b) for b in bs], rel=2e-3)
    assert fit.r[1:] == pytest.approx([float(r) for r in rest], rel=2e-3)
    assert fit.error == pytest.approx(worst_error("odd", N_MODES, fit.b, fit.r), rel=1e-12) and fit.error < 1e-2


def test_fewer_modes_do_worse():
    """The order is a real choice: 3 exact modes miss the 1 % target at the smallest pumping."""
    assert fit_tail("odd", 3).error > 1e-2 and GAMMA == 0.1
