"""Tests of compactmodel.devices.sot_mtj: macrospin SOT-MTJ logic cell (the battery's load).

Reference numbers for the default cell (SotMtjParameters()): I_c0 = 34.5 uA (linear
anti-damping threshold), I_sw = 1.2064 I_c0 = 41.6 uA (zero-field switching current on the
separatrix), growth rate gamma' a_c = gamma mu0 alpha (hk + meff/2) / (1 + alpha^2) = 7.56e8 1/s.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from compactmodel.devices.sot_mtj import (
    K_B,
    SOT_MTJ_FIELDS,
    SotLlg,
    SotMtj,
    SotMtjParameters,
    energy_density,
    heun_ensemble,
    switching_time,
    tilted_p_state,
)
from compactmodel.core.constants import MU_0
from compactmodel.core.parameters import ParameterError

P = SotMtjParameters()
IC0 = P.critical_current()
RATE_C = P.reduced_gyromagnetic_ratio() * P.alpha * (P.hk + P.meff / 2.0)  # gamma' a_c [1/s]


def _run_until_switched(params: SotMtjParameters, current: float, t_max: float, step: float = 10e-12) -> float:
    """Time [s] (to within ``step``) at which the RK4 cell reaches AP (m_y <= -0.9), else inf."""
    cell = SotMtj(params)
    for k in range(int(round(t_max / step))):
        cell.advance(step, current)
        if cell.switched(0.9):
            return (k + 1) * step
    return math.inf


def _orbit_energy_growth(params: SotMtjParameters, current: float, duration: float = 10e-9) -> float:
    """Ratio of the energy excess over the P minimum, last/first orbit (at upward m_z = 0 crossings).

    Sampling at the same orbital phase removes the intra-orbit wobble of the energy.
    """
    cell = SotMtj(params, m0=tilted_p_state(0.01))
    excess = []
    mz_old = cell.m[2]
    for _ in range(int(round(duration / 2e-12))):
        mx, my, mz = cell.advance(2e-12, current)
        if mz_old < 0.0 <= mz:
            excess.append(energy_density(params, mx, my, mz) + params.hk / 2.0)
        mz_old = mz
    assert len(excess) >= 10  # small orbits take 0.23 ns (default cell)
    return excess[-1] / excess[0]


def _bisect_growth_threshold(params: SotMtjParameters, lo: float, hi: float, n: int = 8) -> float:
    """Current [A] at which the small-orbit energy stops decaying and starts growing."""
    assert _orbit_energy_growth(params, lo) < 1.0 < _orbit_energy_growth(params, hi)
    for _ in range(n):
        mid = 0.5 * (lo + hi)
        if _orbit_energy_growth(params, mid) > 1.0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------------------
# 0. Right-hand side: the two implementations, |m| conservation, sign convention
# --------------------------------------------------------------------------------------


def test_float_and_array_rhs_agree_to_1e_12() -> None:
    params = P.with_(beta_fl=-2.0)  # exercise the field-like term too
    llg = SotLlg.from_parameters(params)
    rng = np.random.default_rng(7)
    m = rng.normal(size=(3, 50))
    m[:, :25] /= np.linalg.norm(m[:, :25], axis=0)  # half unit vectors, half not
    current = rng.uniform(-5 * IC0, 5 * IC0, size=50)
    h_th = rng.normal(scale=1e4, size=(3, 50))
    vec = llg.llg_rhs_array(m, current, h_th)
    for j in range(50):
        ref = llg.llg_rhs(*m[:, j], current[j], *h_th[:, j])
        scale = max(abs(c) for c in ref)
        assert np.max(np.abs(vec[:, j] - ref)) <= 1e-12 * scale
    single = llg.llg_rhs_array(m[:, 0], current[0], h_th[:, 0])
    assert single.shape == (3,) and np.allclose(single, vec[:, 0], rtol=1e-14, atol=0)


def test_rhs_is_perpendicular_to_m() -> None:
    """m . dm/dt = 0 for any m (so the exact flow keeps |m|), relative to |m| |dm/dt|."""
    llg = SotLlg.from_parameters(P.with_(beta_fl=1.0))
    rng = np.random.default_rng(3)
    for _ in range(100):
        m = rng.normal(size=3)
        d = llg.llg_rhs(*m, rng.uniform(-1e-4, 1e-4), *rng.normal(scale=1e3, size=3))
        assert abs(np.dot(m, d)) <= 1e-13 * np.linalg.norm(m) * np.linalg.norm(d)


def test_norm_stays_one_over_5ns_rk4_with_current() -> None:
    cell = SotMtj(P)
    worst = 0.0
    for _ in range(500):  # 5 ns in 10 ps steps at 2 I_c0 (the cell switches on the way)
        mx, my, mz = cell.advance(10e-12, 2.0 * IC0)
        worst = max(worst, abs(math.sqrt(mx * mx + my * my + mz * mz) - 1.0))
    assert worst < 1e-9
    assert cell.m[1] < -0.9  # and it did switch P -> AP


def test_current_sign_convention() -> None:
    """I > 0 drives P (+y) -> AP (-y); I < 0 keeps P and drives AP -> P."""
    assert _run_until_switched(P, 2.0 * IC0, 10e-9) < 10e-9
    assert _run_until_switched(P, -2.0 * IC0, 10e-9) == math.inf
    cell = SotMtj(P, m0=(0.05, -1.0, 0.0))
    assert cell.polarity == -1
    for _ in range(1000):
        cell.advance(10e-12, -2.0 * IC0)
    assert cell.switched() and cell.reached(+1, 0.99)


# --------------------------------------------------------------------------------------
# 2. Thresholds
# --------------------------------------------------------------------------------------


def test_linear_threshold_is_critical_current() -> None:
    """Bisection of 'small precession orbits grow' lands on I_c0 within 0.5 %.

    For beta_fl = 0 the linearised LLG has the growth rate gamma' (a_J - alpha (hk + meff/2))
    exactly, so the only deviations are the bisection resolution (0.08 %), the orbit
    nonlinearity at 0.01 rad (1e-5) and timing noise of the phase sampling.
    """
    threshold = _bisect_growth_threshold(P, 0.9 * IC0, 1.1 * IC0)
    assert threshold == pytest.approx(IC0, rel=5e-3)
    # below the threshold the P state is stable, above it orbits grow, at the predicted rate:
    growth = _orbit_energy_growth(P, 1.5 * IC0, duration=4e-9)
    excess_rate = 2.0 * RATE_C * 0.5  # energy ~ amplitude^2 grows at twice the amplitude rate
    measured_rate = math.log(growth) / 4e-9
    assert measured_rate == pytest.approx(excess_rate, rel=0.1)  # 0.1: first/last orbit not at 0 / 4 ns


def test_field_like_torque_lowers_threshold_by_1_plus_alpha_beta() -> None:
    """The field-like field b_J sigma (along -y for I > 0) weakens P: I_c = I_c0 / (1 + alpha beta_fl)."""
    params = P.with_(beta_fl=5.0)
    threshold = _bisect_growth_threshold(params, 0.9 * IC0, 1.1 * IC0)
    assert threshold == pytest.approx(IC0 / (1.0 + params.alpha * params.beta_fl), rel=5e-3)


def test_switching_needs_separatrix_current_not_critical_current() -> None:
    """Macrospin at T = 0, zero field, default tilt 0.05 rad, 100 ns window.

    * 0.9 I_c0: the P state is stable (no switching).
    * 1.15 I_c0 (between I_c0 and I_sw = 1.206 I_c0): P is unstable, but the cell settles
      on a stable in-plane precession orbit (min m_y ~ 0.3) and does not switch.
    * The switching threshold is bracketed to [0.99, 1.01] I_sw. I_sw is the orbit-averaged
      torque balance on the separatrix; within +-1 % the finite window does not matter
      because the switching time diverges only logarithmically at I_sw (27 ns at 1.005 I_sw).
    """
    i_sw = P.switching_current()
    assert i_sw / IC0 == pytest.approx(1.2064, abs=1e-4)
    assert _run_until_switched(P, 0.9 * IC0, 20e-9) == math.inf
    # stable precession at 1.15 I_c0: after 40 ns m circles on a fixed large orbit on the P side
    cell = SotMtj(P)
    for _ in range(4000):
        cell.advance(10e-12, 1.15 * IC0)
    orbit_40ns = min(cell.advance(10e-12, 1.15 * IC0)[1] for _ in range(100))
    for _ in range(1000):
        cell.advance(10e-12, 1.15 * IC0)
    orbit_51ns = min(cell.advance(10e-12, 1.15 * IC0)[1] for _ in range(100))
    # orbit-averaged balance a(E) = 1.15 a_c puts the orbit's in-plane turning point near
    # 1.28 rad from +y (m_y ~ 0.29); the approach to it is slow (drift 0.01 per 10 ns)
    assert 0.2 < orbit_51ns < 0.4 and orbit_51ns == pytest.approx(orbit_40ns, abs=0.02)
    assert not cell.switched(0.0)
    assert _run_until_switched(P, 0.99 * i_sw, 100e-9) == math.inf
    assert _run_until_switched(P, 1.01 * i_sw, 100e-9) < 100e-9


# --------------------------------------------------------------------------------------
# 3. Switching time versus current (Sun's formula)
# --------------------------------------------------------------------------------------


def test_switching_time_follows_sun_formula() -> None:
    """t_sw = ln(pi / (2 theta0)) / (gamma' a_c (I/I_c0 - 1)) (Sun, PRB 62, 570 (2000)).

    The formula counts only the linear growth of the orbit; the nonlinear last part and the
    elliptical orbit (theta0 is the in-plane tilt) make it approximate: 10 % for I >= 2 I_c0.
    The 1/(I - I_c0) scaling itself holds to 3 % between 2 and 5 I_c0.
    """
    ratios = [1.5, 2.0, 3.0, 5.0]
    times = [switching_time(P, r * IC0, 50e-9) for r in ratios]
    assert all(np.isfinite(times)) and all(np.diff(times) < 0.0)
    theta0 = math.asin(tilted_p_state()[0])
    for r, t in zip(ratios[1:], times[1:]):
        sun = math.log(math.pi / (2.0 * theta0)) / (RATE_C * (r - 1.0))
        assert t == pytest.approx(sun, rel=0.10)
    products = [t * (r - 1.0) for r, t in zip(ratios[1:], times[1:])]
    assert max(products) / min(products) < 1.03


# --------------------------------------------------------------------------------------
# 4. Stepping class (RK4, rollback) against solve_ivp
# --------------------------------------------------------------------------------------


def _crossing_time_with_rollback(params: SotMtjParameters, current_at, step: float = 10e-12,
                                 t_max: float = 20e-9) -> float:
    """Advance in ``step``s with piecewise-linear current; on m_y < 0 roll back and bisect dt."""
    cell = SotMtj(params)
    t = 0.0
    while t < t_max:
        before = cell.state()
        cell.advance(step, current_at(t), current_at(t + step))
        if cell.m[1] < 0.0:
            lo, hi = 0.0, step
            for _ in range(40):
                mid = 0.5 * (lo + hi)
                cell.set_state(before)
                cell.advance(mid, current_at(t), current_at(t) + (current_at(t + step) - current_at(t)) * mid / step)
                lo, hi = (lo, mid) if cell.m[1] < 0.0 else (mid, hi)
            return t + 0.5 * (lo + hi)
        t += step
    return math.inf


def test_rk4_stepper_reproduces_solve_ivp_constant_current() -> None:
    reference = switching_time(P, 2.0 * IC0, 20e-9)
    stepped = _crossing_time_with_rollback(P, lambda t: 2.0 * IC0)
    assert stepped == pytest.approx(reference, rel=1e-3)


def test_rk4_stepper_reproduces_solve_ivp_ramped_current() -> None:
    """Current ramps linearly from 0 to 2.5 I_c0 in 2 ns, then stays (grid-aligned kink)."""
    ramp = 2e-9

    def current_at(t: float) -> float:
        return 2.5 * IC0 * min(t / ramp, 1.0)

    reference = switching_time(P, current_at, 20e-9)
    assert reference > ramp
    stepped = _crossing_time_with_rollback(P, current_at)
    assert stepped == pytest.approx(reference, rel=1e-3)


# --------------------------------------------------------------------------------------
# 5. Energy
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("substep, bound", [(0.5e-12, 1e-8), (None, 1e-6)], ids=["0.5ps", "default"])
def test_free_precession_conserves_energy_without_damping(substep, bound) -> None:
    """RK4 drift is O(h^4): 1e-8 at 0.5 ps sub-steps; the default (period/20) stays below 1e-6."""
    params = P.with_(alpha=0.0)
    for tilt in (0.3, 1.0):
        cell = SotMtj(params, m0=tilted_p_state(tilt), max_substep=substep)
        e0 = energy_density(params, *cell.m)
        drift = 0.0
        for _ in range(500):  # 5 ns, ~20 orbits
            drift = max(drift, abs(energy_density(params, *cell.advance(10e-12, 0.0)) - e0))
        assert drift < bound * abs(e0)


def test_damping_decreases_energy_monotonically() -> None:
    cell = SotMtj(P, m0=tilted_p_state(1.0))
    energies = [energy_density(P, *cell.m)]
    for _ in range(300):
        energies.append(energy_density(P, *cell.advance(10e-12, 0.0)))
    assert np.all(np.diff(energies) < 0.0)
    assert energies[-1] < energies[0] - 0.05 * (energies[0] + P.hk / 2)  # and it really relaxes


# --------------------------------------------------------------------------------------
# 6. Thermal field
# --------------------------------------------------------------------------------------


def _boltzmann_mz2(params: SotMtjParameters) -> float:
    """<m_z^2> of the Boltzmann distribution on the P hemisphere (m_y > 0), by quadrature."""
    beta = MU_0 * params.ms * params.volume / (K_B * params.temperature)
    theta = np.linspace(0.0, math.pi / 2, 1501)  # polar angle from +y
    phi = np.linspace(0.0, 2.0 * math.pi, 1501)
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    my, mz = np.cos(th), np.sin(th) * np.sin(ph)
    weight = np.exp(-beta * (params.hk / 2 * (1 - my**2) + params.meff / 2 * mz**2)) * np.sin(th)
    norm = integrate.trapezoid(integrate.trapezoid(weight, phi, axis=1), theta)
    return float(integrate.trapezoid(integrate.trapezoid(weight * mz**2, phi, axis=1), theta) / norm)


def test_thermal_ensemble_matches_boltzmann() -> None:
    """<m_z^2> of 400 cells (T = 300 K, I = 0) after 3 ns, averaged over 9 ns, vs Boltzmann.

    Small-angle equipartition gives kB T / (mu0 ms (hk + meff) V) = 9.63e-4 (the hk term is
    part of the m_z stiffness: -(hk/2) m_y^2 = -(hk/2)(1 - m_x^2 - m_z^2)); the exact
    quadrature differs by 0.1 %. Statistical error ~1 % (batch means); Heun bias at
    dt = 1 ps < 1 % (measured with 1000 cells at 2, 1, 0.5 ps); bound 5 %.
    """
    n_cells = 400
    m0 = np.zeros((3, n_cells))
    m0[1] = 1.0
    samples = heun_ensemble(P, m0, 12e-9, 1e-12, seed=11, sample_every=10)
    mz2 = float(np.mean(samples[300:, 2, :] ** 2))
    exact = _boltzmann_mz2(P)
    equipartition = K_B * P.temperature / (MU_0 * P.ms * (P.hk + P.meff) * P.volume)
    assert exact == pytest.approx(equipartition, rel=5e-3)
    assert mz2 == pytest.approx(exact, rel=0.05)


def test_thermal_cell_is_reproducible_and_matches_ensemble_scheme() -> None:
    def trajectory(seed: int) -> list[tuple[float, float, float]]:
        cell = SotMtj(P, seed=seed, thermal=True, max_substep=1e-12)
        return [cell.advance(1e-12, 0.5 * IC0) for _ in range(2000)]

    a, b, c = trajectory(5), trajectory(5), trajectory(6)
    assert a == b
    assert max(abs(x[0] - y[0]) for x, y in zip(a, c)) > 1e-3  # noise matters
    # same noise stream, same scheme as the vectorised ensemble integrator
    ens = heun_ensemble(P, np.array(tilted_p_state())[:, None], 2000e-12, 1e-12, current=0.5 * IC0, seed=5)
    assert np.max(np.abs(ens[:, :, 0] - np.array(a))) < 1e-10


def test_rollback_replays_the_same_noise() -> None:
    cell = SotMtj(P, seed=1, thermal=True)
    for _ in range(50):
        cell.advance(10e-12, IC0)
    snap = cell.state()
    first = [cell.advance(7e-12, IC0, 2 * IC0) for _ in range(600)]  # crosses noise blocks
    cell.set_state(snap)
    assert cell.time == snap.time
    second = [cell.advance(7e-12, IC0, 2 * IC0) for _ in range(600)]
    assert first == second


# --------------------------------------------------------------------------------------
# 7. Resistances and derived quantities
# --------------------------------------------------------------------------------------


def test_resistances() -> None:
    assert P.r0 == pytest.approx(2.0e-6 * 240e-9 / (120e-9 * 4e-9), rel=1e-12)
    assert P.r0 == pytest.approx(1000.0, rel=1e-9)
    assert P.strip_resistance(1.0) == pytest.approx(P.r0, rel=1e-12)
    assert P.strip_resistance(-1.0) == pytest.approx(P.r0, rel=1e-12)
    assert P.strip_resistance(0.0) == pytest.approx(P.r0 * (1 + P.smr), rel=1e-12)
    assert P.mtj_resistance(1.0) == pytest.approx(P.r_p, rel=1e-12)
    assert P.mtj_resistance(-1.0) == pytest.approx(P.r_p * (1 + P.tmr), rel=1e-12)
    # conductance is linear in m_y: at m_y = 0 the resistance is the harmonic mean
    assert P.mtj_resistance(0.0) == pytest.approx(2 / (1 / P.r_p + 1 / P.r_ap), rel=1e-12)
    cell = SotMtj(P, m0=(1.0, 0.0, 0.0))
    assert cell.strip_resistance() == pytest.approx(P.r0 * (1 + P.smr), rel=1e-12)
    assert cell.mtj_resistance() == pytest.approx(P.mtj_resistance(0.0), rel=1e-12)


def test_derived_quantities_from_their_formulas() -> None:
    hbar, e = 1.054571817e-34, 1.602176634e-19
    hdl = hbar * P.theta_sh / (2 * e * MU_0 * P.ms * P.t_free * P.w_hm * P.t_hm)
    assert P.hdl_per_ampere() == pytest.approx(hdl, rel=1e-9)
    assert IC0 == pytest.approx(P.alpha * (P.hk + P.meff / 2) / hdl, rel=1e-9)
    assert IC0 == pytest.approx(34.5e-6, rel=2e-3)
    volume = math.pi / 4 * 40e-9 * 100e-9 * 1.5e-9
    assert P.thermal_stability() == pytest.approx(MU_0 * P.ms * P.hk * volume / (2 * K_B * 300.0), rel=1e-12)
    assert P.with_(temperature=0.0).thermal_stability() == math.inf


# --------------------------------------------------------------------------------------
# 8. Bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [("ms", -1e6), ("ms", 0.0), ("ms", float("nan")), ("alpha", 1.5), ("alpha", -0.01),
     ("tmr", -0.5), ("t_hm", float("inf")), ("meff", "big")],
)
def test_out_of_range_field_names_field_value_and_range(field: str, value: object) -> None:
    with pytest.raises(ParameterError) as err:
        SotMtjParameters(**{field: value})
    text = str(err.value)
    assert f"'{field}'" in text and SOT_MTJ_FIELDS[field].range_text() in text and repr(value) in text


def test_unknown_field_and_inconsistent_geometry() -> None:
    with pytest.raises(ParameterError, match="msat.*ms \\(0:3e\\+06\\] A/m"):
        SotMtjParameters(msat=1e6)
    with pytest.raises(ParameterError, match="unknown"):
        P.with_(temprature=300.0)
    with pytest.raises(ParameterError, match="w_hm"):
        P.with_(w_hm=50e-9)  # strip narrower than the 100 nm free layer


def test_bad_stepping_input() -> None:
    cell = SotMtj(P)
    with pytest.raises(ParameterError, match="dt"):
        cell.advance(-1e-12, 0.0)
    with pytest.raises(ParameterError, match="i_end"):
        cell.advance(1e-12, 0.0, float("nan"))
    with pytest.raises(ParameterError, match="m0"):
        SotMtj(P, m0=(0.0, 0.0, 0.0))
    with pytest.raises(ParameterError, match="threshold"):
        switching_time(P, IC0, 1e-9, threshold=2.0)
