"""Tests of the distributed reference solver (compactmodel.verify.reference).

The closed forms used as independent checks are typed here from the paper
(Tserkovnyak & Xiao, PRL 121, 127701 (2018)), not imported from the package:

* eq. (7): steady twist Theta = vartheta I L / A;  eq. (8): E = (vartheta I)^2 L / 2A;
* from eqs. (1), (2), (5), (6) in the Laplace domain (antisymmetric solution
  phi = C sinh(k (L/2 - x)), A k^2 = chi s^2 + alpha_s s):
      Theta(s) / I(s) = 2 vartheta / (g s + A k coth(k L/2)),
      Z(s) = R + vartheta s Theta/I = R + 2 vartheta^2 / (g + (A k/s) coth(k L/2)).

Every pytest.approx carries abs=0: the energies are 1e-20..1e-11 J and approx's default
abs=1e-12 would make their comparisons vacuous.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.special import erf

from compactmodel.verify import reference as ref
from compactmodel.core.parameters import validate

DEFAULT = validate()
#: regimes g/sqrt(A chi) ~ 0.17 (defaults), ~5 with strong Gilbert damping, ~0.02 nearly lossless
REGIMES = {
    "default": DEFAULT,
    "pumping-damped": validate(gsp=3e-30, damp=2e-23),
    "low-loss": validate(gsp=1e-32, damp=2e-27),
}


def wave_time(p) -> float:
    """L/u [s], u = sqrt(A/chi) (the paper, after eq. 8)."""
    return p["len"] * math.sqrt(p["chi"] / p["stiff"])


def k_of_s(p, s):
    """Complex wave number from A k^2 = chi s^2 + alpha_s s (eqs. 1, 2, 5)."""
    return np.sqrt((p["chi"] * s**2 + p["damp"] * s) / p["stiff"])


def z_exact(p, f):
    """Closed-form port impedance [ohm] (eqs. 1, 2, 5, 6): R + 2 vartheta^2/(g + (A k/s) coth(kL/2))."""
    s = 2j * np.pi * np.asarray(f, dtype=float)
    k = k_of_s(p, s)
    return p["rw"] + 2 * p["theta"] ** 2 / (p["gsp"] + (p["stiff"] * k / s) / np.tanh(k * p["len"] / 2))


def twist_exact(p, t, i0, t0, tau):
    """Continuum Theta(t) [rad] under I(t) = i0 (1 + erf((t - t0)/tau))/2, by Bromwich inversion.

    Theta(s) = 2 vartheta I(s) / (g s + A k coth(kL/2)), I(s) = i0 exp(-s t0 + s^2 tau^2/4)/s
    (t0 >= 6 tau so the drive before t = 0 is < 1e-16 i0). Trapezoid on the line Re s = 1/t with
    spacing 2 pi/(40 t): the aliasing error is ~exp(-40).
    """
    sigma, dw = 1.0 / t, 2 * np.pi / (40 * t)
    w = np.arange(0.0, 16.0 / tau, dw)
    s = sigma + 1j * w
    k = k_of_s(p, s)
    h = 2 * p["theta"] / (p["gsp"] * s + p["stiff"] * k / np.tanh(k * p["len"] / 2))
    integrand = h * i0 * np.exp(-s * t0 + s**2 * tau**2 / 4) / s * np.exp(s * t)
    weights = np.ones_like(w)
    weights[0] = 0.5
    return float((dw / np.pi) * np.sum(weights * integrand).real)


def orders(errors):
    """Error ratios between successive grid doublings."""
    e = np.asarray(errors)
    return e[:-1] / e[1:]


# ------------------------------------------------------------------ grid convergence
def test_impedance_converges_at_second_order_near_half_wave():
    p = DEFAULT
    f = np.array([0.45, 0.5]) / wave_time(p)  # around u/(2L), the first spin-wave resonance
    ze = z_exact(p, f)
    errors = [np.max(np.abs(ref.port_impedance(p, f, n_cells=n) - ze) / np.abs(ze - p["rw"])) for n in (16, 32, 64, 128)]
    assert np.all(orders(errors) > 3.5), errors
    assert errors[-1] < 2e-4


def test_twist_transient_converges_at_second_order_to_the_continuum():
    p = DEFAULT
    tw = wave_time(p)
    i0, tau = 1e-3, 0.25 * tw
    t0 = 6 * tau
    t_end = t0 + 1.0 * tw  # the first reflection is under way
    exact = twist_exact(p, t_end, i0, t0, tau)
    drive = lambda t: i0 * 0.5 * (1 + erf((t - t0) / tau))  # noqa: E731
    errors = []
    for n in (16, 32, 64, 128):
        run = ref.simulate(p, t_end=t_end, current=drive, n_cells=n, n_steps=2500, energies=False)
        errors.append(abs(run.twist[-1] - exact) / abs(exact))
    assert np.all(orders(errors) > 3.0), errors
    assert errors[-1] < 1e-4


def test_exponential_stepping_matches_an_independent_stiff_integrator():
    p = DEFAULT
    ss = ref.state_space(p, n_cells=12)
    i0, t_end = 1e-3, 2 * wave_time(p)
    run = ref.simulate(p, t_end=t_end, current=i0, n_cells=12, n_steps=20, energies=False)
    m = ss.matrix.toarray()
    sol = solve_ivp(lambda t, y: m @ y + ss.b * i0, (0.0, t_end), np.zeros(ss.size), method="Radau",
                    jac=lambda t, y: m, t_eval=run.time, rtol=1e-10, atol=1e-12)
    assert sol.success
    assert ss.twist(sol.y) == pytest.approx(run.twist, rel=1e-8, abs=1e-10 * run.twist.max())


# --------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("name", sorted(REGIMES))
def test_impedance_matches_the_exact_closed_form_up_to_u_over_l(name):
    p = REGIMES[name]
    f = np.linspace(0.01, 1.0, 40) / wave_time(p)
    # pointwise relative error of the magnet's part (R alone would make the check vacuous).
    # Near f = u/L the low-loss magnet's impedance nearly vanishes (both ends turn in phase),
    # so the O(h^2) shift of that sharp resonance needs the fine grid: 1024 cells give 6e-3.
    z = ref.port_impedance(p, f, n_cells=4096)
    ze = z_exact(p, f)
    magnet = ze - p["rw"]
    assert np.max(np.abs(z - ze) / np.abs(magnet)) < 1e-3
    # at DC the magnet is the inductance vartheta^2 L / A in series with R (gyrator picture)
    zl = ref.port_impedance(p, [0.0, 1e-6 / wave_time(p)], n_cells=64)
    assert zl[0] == p["rw"]
    inductance = zl[1].imag / (2 * np.pi * 1e-6 / wave_time(p))
    assert inductance == pytest.approx(p["theta"] ** 2 * p["len"] / p["stiff"], rel=1e-4, abs=0)


def test_closed_gate_shunts_the_port_inductance():
    # gate closed: the injected spin current returns through the wire (L/A) or the gated
    # section (lgate/A) in parallel, so the port inductance becomes
    # vartheta^2 L lgate / (A (L + lgate)) (slips are negligible: gamma << omega)
    p = DEFAULT
    f = 1e-6 / wave_time(p)
    z = ref.port_impedance(p, [f], n_cells=64, gate="closed")[0]
    expected = p["theta"] ** 2 * p["len"] * p["lgate"] / (p["stiff"] * (p["len"] + p["lgate"]))
    assert z.imag / (2 * np.pi * f) == pytest.approx(expected, rel=1e-4, abs=0)


def test_dc_charge_reaches_eqs_7_and_8():
    p = DEFAULT
    i0 = 1e-3
    run = ref.simulate(p, t_end=30e-9, current=i0, n_cells=32, n_steps=300)
    theta = p["theta"] * i0 * p["len"] / p["stiff"]  # eq. (7) times L
    energy = (p["theta"] * i0) ** 2 * p["len"] / (2 * p["stiff"])  # eq. (8)
    assert run.twist[-1] == pytest.approx(theta, rel=1e-4, abs=0)
    assert run.winding[-1] == pytest.approx(theta / (2 * np.pi), rel=1e-4, abs=0)
    assert run.twist_energy[-1] == pytest.approx(energy, rel=1e-4, abs=0)
    assert run.kinetic_energy[-1] < 1e-4 * energy
    # the port sees only R once the magnet has stopped turning
    assert run.voltage[-1] == pytest.approx(p["rw"] * i0, rel=1e-6, abs=0)


# ------------------------------------------------------------------- energy balance
def test_energy_is_conserved_over_a_charge():
    p = DEFAULT
    i0 = 1e-3
    run = ref.simulate(p, t_end=3e-9, current=i0, n_cells=64, n_steps=300)
    stored = run.stored[-1] - run.stored[0]
    assert run.electrical_in[-1] == pytest.approx(stored + run.losses[-1], rel=5e-3, abs=0)
    # Joule dominates electrical_in (R I^2 t); check the magnet's side on its own scale:
    # int vartheta I (phi_t(0) - phi_t(L)) dt = stored + pumping + Gilbert
    into_magnet = run.electrical_in[-1] - run.joule[-1]
    assert into_magnet == pytest.approx(stored + run.pumping[-1] + run.gilbert[-1], rel=5e-3, abs=0)
    assert run.joule[-1] == pytest.approx(p["rw"] * i0**2 * 3e-9, rel=1e-9, abs=0)
    for loss in (run.pumping[-1], run.gilbert[-1]):
        assert loss > 0.05 * stored  # the spin losses are not negligible in this regime
    assert run.slip[-1] == 0.0 and run.load[-1] == 0.0


def test_closed_gate_winding_decays_with_the_linear_slip_rate():
    """Gate slip rate gamma of the gated twist: the ring winding decays as exp(-t gamma lgate/(L + lgate))."""
    p = validate()
    tret = 20e-9
    gamma = (1.0 + p["len"] / p["lgate"]) / tret  # the rate that makes the stored winding decay in tret
    theta0 = 2 * np.pi * 10
    start = ref.twisted_state(p, theta0, 48, gate_twist=theta0 * p["lgate"] / p["len"])  # ring in equilibrium
    run = ref.simulate(p, t_end=2 * tret, gate="closed", n_cells=48, n_steps=200, initial=start, slip_rate=gamma)
    decay = np.exp(-run.time / tret)
    assert run.twist / theta0 == pytest.approx(decay, rel=1e-2, abs=0)
    assert run.ring_winding / run.ring_winding[0] == pytest.approx(decay, rel=1e-2, abs=0)
    released = run.stored[0] - run.stored[-1]
    assert released == pytest.approx(run.slip[-1] + run.pumping[-1] + run.gilbert[-1], rel=1e-2, abs=0)
    assert run.slip[-1] > 0.9 * released  # phase slips under the gate carry the decay


def test_release_into_a_load_accounts_for_the_stored_energy():
    p = validate(theta=2e-15, rw=1.0)  # strong electrical coupling: vartheta^2/(R+R_load) ~ g/2.5
    i0, r_load = 1e-4, 100.0
    charge = ref.simulate(p, t_end=20e-9, current=i0, n_cells=48, n_steps=200)
    release = ref.simulate(p, t_end=20e-9, r_load=r_load, n_cells=48, n_steps=400, initial=charge.final)
    stored0 = release.stored[0]
    assert stored0 == pytest.approx(charge.stored[-1], rel=1e-12, abs=0)
    accounted = release.load[-1] + release.losses[-1] + release.stored[-1]
    assert accounted == pytest.approx(stored0, rel=1e-2, abs=0)
    assert release.load[-1] > 0.1 * stored0  # real energy reaches the load
    assert release.stored[-1] < 1e-3 * stored0  # and the battery is (nearly) empty
    assert release.voltage == pytest.approx(-r_load * release.current, rel=1e-12, abs=0)
    assert release.electrical_in[-1] == 0.0


# ---------------------------------------------------------------------- API details
def test_piecewise_drive_equals_chained_segments():
    p = DEFAULT
    i0, t1, t2 = 1e-3, 1.3e-9, 3e-9
    one = ref.simulate(p, t_end=t2, current=[(0.0, i0), (t1, 0.0)], n_cells=24, n_steps=30)
    a = ref.simulate(p, t_end=t1, current=i0, n_cells=24, n_steps=13)
    b = ref.simulate(p, t_end=t2 - t1, current=0.0, n_cells=24, n_steps=17, initial=a.final)
    assert one.twist[-1] == pytest.approx(b.twist[-1], rel=1e-9, abs=0)
    assert one.pumping[-1] == pytest.approx(a.pumping[-1] + b.pumping[-1], rel=1e-9, abs=0)
    assert t1 in one.time


def test_bad_arguments_are_rejected_and_long_holds_warn():
    with pytest.raises(ValueError):
        ref.simulate(DEFAULT, t_end=1e-9, gate="ajar")
    with pytest.raises(ValueError):
        ref.simulate(DEFAULT, t_end=1e-9, current=1e-3, r_load=10.0)
    with pytest.raises(ValueError):
        ref.simulate(DEFAULT, t_end=1e-9, n_cells=8, initial=ref.rest_state(4))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ref.simulate(DEFAULT, t_end=3.15e8, gate="closed", n_cells=4, n_steps=2, energies=False)
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)
