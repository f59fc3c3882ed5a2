"""Numerical check of the phase-slip barrier B = E0 [sqrt(1-nu^2) - nu arccos(nu)].

The saddle of the discretised, current-biased easy-plane wire is found by a constrained
minimisation ("drag") path in m = n_z at the centre site (compactmodel.verify.saddle). Runtime of
this file: a few seconds with single-threaded BLAS (four saddle searches, cached per
module).
"""

from __future__ import annotations

import os

# L-BFGS-B spends its time in tiny BLAS calls, which multi-threaded OpenBLAS slows down by
# ~40x on a busy machine. Takes effect only if scipy's OpenBLAS is not loaded yet (e.g. when
# this file runs alone); an explicit setting by the user is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import math  # noqa: E402

import pytest  # noqa: E402

from compactmodel.physics.scales import barrier_scale, healing_length
from compactmodel.verify.saddle import barrier_formula, slip_barrier

STIFF = 2.5e-27  # A = A_ex S  [J m]  (reference device)
KANI = 6.25e-12  # K S  [J/m]
XI = healing_length(STIFF, KANI)  # 14.1 nm
NUS = (0.3, 0.5, 0.7)

_cache: dict[tuple[float, float], object] = {}


def _result(nu: float, h_over_xi: float = 1.0 / 8.0):
    key = (nu, h_over_xi)
    if key not in _cache:
        _cache[key] = slip_barrier(STIFF, KANI, nu / XI, h_over_xi=h_over_xi, length_over_xi=40.0)
    return _cache[key]


@pytest.mark.parametrize("nu", NUS)
def test_barrier_matches_formula(nu: float) -> None:
    """Checks the derived barrier: the numerical saddle energy of the discretised wire
    (h = xi/8, L = 40 xi) is within 5 % of E0 [sqrt(1-nu^2) - nu arccos(nu)], in J."""
    res = _result(nu)
    assert res.nu == pytest.approx(nu, rel=1e-12)
    expected = barrier_formula(nu) * barrier_scale(STIFF, KANI)  # [J]
    assert res.barrier == pytest.approx(expected, rel=0.05)
    # the lattice lowers the barrier slightly (O(h^2)); it must not be far off in either sign
    assert abs(res.relative_error) < 0.01


@pytest.mark.parametrize("nu", NUS)
def test_saddle_centre_height(nu: float) -> None:
    """n_z at the slip centre at the barrier top equals the turning point sqrt(1 - nu^2)."""
    res = _result(nu)
    assert abs(res.m_star - math.sqrt(1.0 - nu * nu)) < 0.05


@pytest.mark.parametrize("nu", NUS)
def test_path_maximum_is_stationary(nu: float) -> None:
    """The path maximum is a true stationary point and a first-order saddle of G."""
    res = _result(nu)
    # full gradient there, including dG/dt_c which the drag held fixed: < 1 % of the
    # largest constraint force met along the path (measured ~1e-3)
    assert res.grad_ratio < 1e-2
    assert res.force_scale > 0.1
    # Newton with every angle free converges from it to grad G = 0 at (nearly) the same point
    assert res.saddle_grad_norm < 1e-9
    assert res.saddle_barrier_over_e0 == pytest.approx(res.barrier_over_e0, rel=1e-5)
    assert res.saddle_m == pytest.approx(res.m_star, abs=1e-3)
    # exactly one unstable direction (the slip); the next mode is the ~zero translation mode
    assert res.n_unstable == 1
    low, second, _ = res.hessian_low
    assert low < 0 and abs(second) < 1e-6 * abs(low)


def test_path_rises_monotonically_to_the_saddle() -> None:
    """G_min(m) starts at the uniform state (0) and rises to the barrier."""
    res = _result(0.5)
    assert res.path_m[0] == 0.0
    assert res.path_g[0] == pytest.approx(0.0, abs=1e-9 * barrier_scale(STIFF, KANI))
    assert all(b > a for a, b in zip(res.path_g[:-1], res.path_g[1:]))
    assert res.path_g[-1] == pytest.approx(res.barrier, rel=1e-12)


def test_grid_convergence() -> None:
    """Halving h (xi/8 -> xi/16) changes the barrier by < 2 %; the remaining gap to the
    formula shrinks ~4x (second-order discretisation error, not a formula mismatch)."""
    coarse, fine = _result(0.5, 1.0 / 8.0), _result(0.5, 1.0 / 16.0)
    assert fine.n_sites == 2 * coarse.n_sites - 1
    assert abs(fine.barrier / coarse.barrier - 1.0) < 0.02
    ratio = coarse.relative_error / fine.relative_error
    assert 3.5 < ratio < 4.5
    # Richardson extrapolation to h -> 0 agrees with the formula to 1e-4
    extrapolated = (4.0 * fine.barrier_over_e0 - coarse.barrier_over_e0) / 3.0
    assert extrapolated == pytest.approx(barrier_formula(0.5), rel=1e-4)


def test_formula_limits() -> None:
    """B/E0 -> 1 at nu = 0 and ~ (1 - nu^2)^(3/2) / (3 nu) at the Landau limit."""
    assert barrier_formula(0.0) == pytest.approx(1.0, abs=1e-15)
    assert barrier_formula(1.0) == pytest.approx(0.0, abs=1e-15)
    nu = 0.999
    assert barrier_formula(nu) == pytest.approx((1 - nu * nu) ** 1.5 / (3 * nu), rel=2e-3)
    assert barrier_scale(STIFF, KANI) == pytest.approx(2 * math.sqrt(2 * STIFF * KANI), rel=1e-15)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"winding_density": 1.2 / XI}, "winding_density"),  # beyond the Landau limit
        ({"winding_density": 0.0}, "winding_density"),
        ({"winding_density": float("nan")}, "winding_density"),
        ({"stiff": -1.0}, "stiff"),
        ({"kani": 0.0}, "kani"),
        ({"h_over_xi": 1.0}, "h_over_xi"),
        ({"length_over_xi": 5.0}, "length_over_xi"),
        ({"m_max": 1.0}, "m_max"),
    ],
)
def test_bad_input_raises(kwargs: dict, name: str) -> None:
    args = {"stiff": STIFF, "kani": KANI, "winding_density": 0.5 / XI}
    options = {}
    for key, value in kwargs.items():
        (args if key in args else options)[key] = value
    with pytest.raises(ValueError, match=name):
        slip_barrier(args["stiff"], args["kani"], args["winding_density"], **options)


def test_formula_rejects_nu_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match="nu"):
        barrier_formula(1.5)
