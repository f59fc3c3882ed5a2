"""The closed-form barrier slope and the two-sided finite-ring barriers of the gate link
(gate_link.even_barrier_slope, gate_link.slip_barriers), checked against SymPy's derivative and
against the ring term of a bulk slip (delta = 2 arccos(nu), Issue 12 item 2)."""

import math

import numpy as np
import pytest
import sympy as sp

from compactmodel.physics import gate_link as gl

CELLS = [(1.0, 2.0), (0.0, 1.4), (-0.5, 1.4), (-2.0, 1.4), (0.5, 10.0), (-1.0, 0.5)]


@pytest.mark.parametrize("g, lam", CELLS)
def test_slope_equals_sympy_derivative(g, lam):
    """dE_m/dnu in closed form = SymPy's derivative of even_barrier, over 0 .. 1.5 nu_c (abs 1e-9)."""
    parts = {k: float(v) for k, v in gl.gate_parameters(g, lam).items()}
    nu = sp.Symbol("nu", real=True)
    deriv = sp.lambdify(nu, sp.diff(gl.even_barrier(nu, parts, sp), nu))
    for x in np.linspace(0.0, 1.5 * parts["nu_c"], 31):
        assert float(gl.even_barrier_slope(x, parts)) == pytest.approx(deriv(x), abs=1e-9)


def test_bulk_slope_is_arcsin():
    """For the bulk wire dE_m/dnu = arcsin(nu), so delta = pi - 2 slope = 2 arccos(nu) (to 1e-5 below 0.99)."""
    for x in np.linspace(0.0, 0.99, 25):
        assert float(gl.even_barrier_slope(x, gl.BULK)) == pytest.approx(math.asin(x), abs=1e-5)


def test_slip_barriers_bulk_ring_term():
    """B_down of a wire slip with no gate = bulk lowering barrier + A delta^2/(2L) (delta = 2 arccos nu);
    B_up - B_down = pi nu + (ring term of 2 pi - delta) - (ring term of delta)."""
    ring_k = 30.0
    for x in (0.0, 0.2, 0.5, 0.8):
        e_m = float(gl.bulk_even_barrier(x))
        slope = float(gl.even_barrier_slope(x, gl.BULK))
        down, up = gl.slip_barriers(x, e_m, slope, ring_k, 0.0, 1.0)
        delta = 2 * math.acos(x)
        assert down == pytest.approx(e_m - math.pi * x / 2 + delta**2 / (4 * ring_k), abs=2e-4)
        assert up - down == pytest.approx(math.pi * x + ((2 * math.pi - delta) ** 2 - delta**2) / (4 * ring_k), abs=2e-4)


def test_ring_term_vanishes_through_an_open_gate():
    """A buckled gate (kappa -> 0) decouples the ring: the ring term goes to 0 as lam/kappa grows."""
    e_m = float(gl.bulk_even_barrier(0.3))
    slope = float(gl.even_barrier_slope(0.3, gl.BULK))
    closed = gl.slip_barriers(0.3, e_m, slope, 10.0, 1.4, 1.0)[0]
    opened = gl.slip_barriers(0.3, e_m, slope, 10.0, 1.4, 1e-9)[0]
    assert closed - opened == pytest.approx((2 * math.acos(0.3)) ** 2 / (4 * (10.0 + 1.4)), rel=1e-3)
