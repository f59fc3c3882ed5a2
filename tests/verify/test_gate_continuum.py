"""The exact continuum gate link (compactmodel.verify.gate_continuum) vs limits, the spin chain and gate_link.

Quadrature of the stationary states of e = (A/2)(th'^2 + cos^2 th p'^2) + kani(x) sin^2 th under a current
bias (issue 12, item 1). ~15 s on one core.
"""

from __future__ import annotations

import math
import os
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402
from scipy.optimize import brentq  # noqa: E402

from compactmodel.physics import gate_link as gl  # noqa: E402
from compactmodel.verify import gate_continuum as gc  # noqa: E402
from compactmodel.verify import spin_chain as sc  # noqa: E402

KC = sc.kc_of(sc.REF_A, sc.REF_K)
E0_KT = sc.barrier_scale(sc.REF_A, sc.REF_K) / (sc.K_B * sc.REF_T)  # 85.4
LAM20 = 20e-9 * KC


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy quad's roundoff notes near the turning points
        yield


@pytest.mark.parametrize("gv,nu", [(0.9999, 0.3), (0.5, 0.1)])
def test_long_easy_plane_gate_is_a_bulk_wire(gv, nu):
    """A long gate with K_g > 0 is bulk wire with E0 sqrt(g), k_c sqrt(g): B = sqrt(g) B_bulk(nu/sqrt(g)), delta = 2 arccos."""
    B, delta, _ = gc.barrier(gv, 25.0, nu)
    s = math.sqrt(gv)
    assert B == pytest.approx(s * gc.bulk_barrier(nu / s), rel=2e-3)
    assert delta == pytest.approx(2 * math.acos(nu / s), rel=2e-3)


def test_pole_state_of_a_uniform_wire_is_the_zero_current_bulk_barrier():
    assert gc.pole_state(1 - 1e-9, 5.0)["E"] / 2 == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("lam,nu", [(0.707, 0.0), (1.414, 0.0), (7.07, 0.0), (1.414, 0.26)])
def test_threshold_is_the_square_well_root(lam, nu):
    """g_th = nu^2 - Q^2, Q tan(Q lam/2) = sqrt(1-nu^2) (gate_derivation.square_well_threshold); gate_link's Pade root within 0.5 %."""
    r = math.sqrt(1 - nu * nu)
    Q = brentq(lambda q: q * math.tan(q * lam / 2) - r, 1e-12, math.pi / lam * (1 - 1e-12))
    assert gc.threshold_g(lam, nu) == pytest.approx(nu * nu - Q * Q, rel=1e-10)
    assert float(gl.buckling_threshold(lam, nu)) == pytest.approx(gc.threshold_g(lam, nu), rel=5e-3)


def test_stiffness_is_exchange_above_the_threshold_and_a_weak_link_below():
    """Issue 12: an isotropic or mildly easy-axis gate is still a spring A/l (kappa = 1); beyond the buckling
    threshold it weakens (20 nm, K_g = -2K: kappa = 0.311, gate_link within 4 %)."""
    assert gc.stiffness(0.0, LAM20)[0] == 1.0 and gc.stiffness(-1.0, LAM20)[0] == 1.0
    k = gc.stiffness(-2.0, LAM20)[0]
    assert k == pytest.approx(0.311, abs=2e-3)
    assert float(gl.stiffness(-2.0, LAM20)) == pytest.approx(k, rel=0.04)


@pytest.mark.parametrize("gv,lg,nu", [(0.0, 20e-9, 0.0), (0.0, 20e-9, 0.1), (-1.0, 10e-9, 0.291), (0.5, 50e-9, 0.291),
                                      (0.0, 100e-9, 0.1), (-2.0, 20e-9, 0.0)])
def test_gate_link_lowering_barrier_within_10_percent_of_the_exact_continuum(gv, lg, nu):
    """gate_link.lowering_barrier (a reservoir, no ring term) vs quadrature, cells above 3 k_B T (issue 12 item 6)."""
    lam = lg * KC
    B, _, _ = gc.barrier(gv, lam, nu)
    assert B * E0_KT > 3
    assert float(gl.lowering_barrier(nu, gl.gate_parameters(gv, lam))) == pytest.approx(B, rel=0.10)


def test_isotropic_20nm_gate_zero_current_barrier():
    """The K_g = 0 link of a 20 nm gate: b0 = 0.690 E0 = 58.9 k_B T at 300 K (not the E0 sqrt(K_g/K) = 0 of the old law)."""
    assert gc.zero_current_barrier(0.0, LAM20) == pytest.approx(0.6898, abs=1e-3)


def test_continuum_matches_the_spin_chain_zero_current_barrier():
    """Chain (1 um ring, h = 2 nm) minus the finite-ring term pi^2/(4 (L k_c + lam)) = continuum b0, within 0.5 %."""
    (b,) = sc.gate_slip_barriers(0.0, 20e-9, [0], L_wire=1e-6, h=2e-9)
    chain_b0 = b.barrier / sc.barrier_scale(sc.REF_A, sc.REF_K) - math.pi**2 / (4 * (1e-6 * KC + LAM20))
    assert chain_b0 == pytest.approx(gc.zero_current_barrier(0.0, LAM20), rel=5e-3)
