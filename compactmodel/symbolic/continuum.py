"""The paper's continuum model and the closed forms derived from it (SymPy).

Everything here starts from eqs. (1)-(6) of Tserkovnyak & Xiao, PRL 121, 127701 (2018):

* free energy per length, eq. (3):           F = rho_s^2/(2 chi) + A (d_x phi)^2 / 2
* Josephson relation, eq. (5):               d_t phi = rho_s / chi
* Rayleigh dissipation per length:           alpha s (d_t phi)^2 / 2
* contacts at x = 0, L, eq. (6):             -A d_x phi = -/+ g d_t phi + vartheta I

which combine to the damped wave equation  chi d_t^2 phi = A d_x^2 phi - alpha s d_t phi.
Nothing below types a result in: each closed form is obtained by solving these equations.
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
import sympy as sp

from .symbols import A, I, L, R, alpha_s, chi, g, s, t, vartheta, x

__all__ = [
    "lagrangian_density",
    "rayleigh_density",
    "field_equation",
    "steady_state_profile",
    "winding_density",
    "stored_energy",
    "spin_wave_speed",
    "spin_line_impedance",
    "charging_time",
    "elmore_charging_time",
    "charging_efficiency",
    "port_inductance",
    "exact_port_impedance",
    "spin_impedance",
    "low_frequency_impedance",
    "spin_port_impedances",
]

phi = sp.Function("phi")


def lagrangian_density() -> sp.Expr:
    """Lagrangian density chi (d_t phi)^2/2 - A (d_x phi)^2/2  [J/m].

    Obtained from eqs. (3)-(5): with rho_s canonically conjugate to phi (eq. 4) the
    Lagrangian is rho_s d_t phi - F; eliminating rho_s with eq. (5) gives this form.
    """
    rho_s = sp.Symbol("rho_s")
    F = rho_s**2 / (2 * chi) + A * sp.diff(phi(x, t), x) ** 2 / 2  # eq. (3)
    lag = rho_s * sp.diff(phi(x, t), t) - F
    rho_s_eq = sp.solve(sp.diff(lag, rho_s), rho_s)[0]  # stationarity in rho_s -> eq. (5)
    assert sp.simplify(rho_s_eq - chi * sp.diff(phi(x, t), t)) == 0
    return sp.expand(lag.subs(rho_s, rho_s_eq))


def rayleigh_density() -> sp.Expr:
    """Rayleigh dissipation density alpha s (d_t phi)^2 / 2  [W/m]."""
    return alpha_s * sp.diff(phi(x, t), t) ** 2 / 2


def field_equation() -> sp.Expr:
    """Euler-Lagrange-Rayleigh equation of the bulk; ``expr = 0``.

    Returns  A d_x^2 phi - chi d_t^2 phi - alpha s d_t phi  (equivalent to eqs. 1, 2, 5).
    """
    lag = lagrangian_density()
    ray = rayleigh_density()
    ft, fx = sp.diff(phi(x, t), t), sp.diff(phi(x, t), x)
    u_t, u_x = sp.Symbol("u_t"), sp.Symbol("u_x")
    lag_u = lag.subs({ft: u_t, fx: u_x})
    ray_u = ray.subs({ft: u_t})
    el = (
        sp.diff(sp.diff(lag_u, u_t).subs(u_t, ft), t)
        + sp.diff(sp.diff(lag_u, u_x).subs(u_x, fx), x)
        + sp.diff(ray_u, u_t).subs(u_t, ft)
    )
    return sp.expand(-el)


def contact_condition(end: int) -> sp.Expr:
    """Eq. (6) at the contact ``end`` (0: x = 0, upper sign; 1: x = L) as ``expr = 0``.

    Returned as a function of x (spin current minus torque); evaluate it at x = 0 or x = L
    after substituting a profile for phi.
    """
    sign = -1 if end == 0 else 1
    spin_current = -A * sp.diff(phi(x, t), x)  # eq. (2)
    torque = sign * g * sp.diff(phi(x, t), t) + vartheta * I
    return spin_current - torque


@lru_cache(maxsize=None)
def steady_state_profile() -> sp.Expr:
    """Static twist profile phi(x) under a dc current with the loop open (gate on).

    Solves the field equation with d_t phi = 0 and the contact conditions (6), fixing
    the free rotation by phi(L/2) = 0.
    """
    f = sp.Function("f")
    field = field_equation().subs(phi(x, t), f(x)).doit()
    sol = sp.dsolve(field, f(x)).rhs
    c = sorted(sol.free_symbols - {x, A, chi, alpha_s}, key=str)
    bc0 = (-A * sp.diff(sol, x)).subs(x, 0) - vartheta * I  # eq. (6) with d_t phi = 0
    mid = sol.subs(x, L / 2)
    consts = sp.solve([bc0, mid], c, dict=True)[0]
    prof = sp.simplify(sol.subs(consts))
    # the far contact must then be satisfied too (it is: the spin current is uniform)
    assert sp.simplify((-A * sp.diff(prof, x)).subs(x, L) - vartheta * I) == 0
    return prof


def winding_density() -> sp.Expr:
    """Steady winding density rho = -d_x phi  [rad/m]; eq. (7): vartheta I / A."""
    return sp.simplify(-sp.diff(steady_state_profile(), x))


def stored_energy() -> sp.Expr:
    """Steady stored energy E = int_0^L A (d_x phi)^2/2 dx  [J]; eq. (8): (vartheta I)^2 L / 2A."""
    prof = steady_state_profile()
    return sp.simplify(sp.integrate(A * sp.diff(prof, x) ** 2 / 2, (x, 0, L)))


def stored_twist() -> sp.Expr:
    """Steady twist Theta = phi(0) - phi(L)  [rad] = vartheta I L / A."""
    prof = steady_state_profile()
    return sp.simplify(prof.subs(x, 0) - prof.subs(x, L))


def spin_wave_speed() -> sp.Expr:
    """u = sqrt(A/chi) [m/s]: the speed of the undamped field equation's travelling waves."""
    u = sp.Symbol("u", positive=True)
    wave = field_equation().subs(alpha_s, 0).subs(phi(x, t), sp.Function("F")(x - u * t)).doit()
    # d'Alembert: the equation holds for any F iff its coefficient vanishes
    coeff = sp.simplify(wave / sp.Subs(sp.Derivative(sp.Function("F")(sp.Symbol("xi")), sp.Symbol("xi"), 2), sp.Symbol("xi"), x - u * t).doit())
    return sp.solve(sp.Eq(coeff, 0), u)[0]


def spin_line_impedance() -> sp.Expr:
    """Characteristic impedance of the spin line, 1/sqrt(A chi)  [rad s^-1 J^-1].

    Transmission-line picture: node 'voltage' d_t phi, branch 'current' I_s, series
    impedance s/A per length, shunt admittance chi s + alpha s per length.
    """
    z_series, y_shunt = s / A, chi * s
    return sp.sqrt(sp.simplify(z_series / y_shunt))


def charging_time() -> sp.Expr:
    """Charging time L/u  [s].

    Exact for impedance-matched contacts, g = sqrt(A chi), and no bulk damping: each
    contact launches a wave of spin current vartheta I / 2 that is absorbed without
    reflection at the other end, so the twist reaches eq. (7) after one transit L/u
    (checked numerically in the tests). The paper's 't ~ L/u'.
    """
    return sp.simplify(L / spin_wave_speed())


def elmore_charging_time() -> sp.Expr:
    """First moment of the twist step response, int_0^inf (1 - Theta(t)/Theta_inf) dt  [s].

    From the exact Z(s): -d/ds [Z_m(s) / (s L_port)] at s = 0. Equals (g/2 + alpha s L/12) L / A,
    i.e. L/(2u) for matched contacts without bulk damping (a linear ramp over L/u).
    """
    zm = exact_port_impedance() - R
    h = zm / (s * port_inductance())  # twist response normalised to its final value
    return sp.simplify(-sp.series(h, s, 0, 2).removeO().coeff(s, 1))


def charging_efficiency() -> sp.Expr:
    """Eq. (9) with its prefactor: E / Q where Q = R I^2 * (L/u), the Joule heat of a charge.

    = vartheta^2 / (2 R sqrt(A chi)). The paper drops the factor 1/2 (from E = (vartheta I)^2 L/2A).
    """
    return sp.simplify(stored_energy() / (R * I**2 * charging_time()))


def port_inductance() -> sp.Expr:
    """Inductance seen at the electrical port at low frequency, vartheta^2 L / A  [H].

    dE/d(I^2/2) of eq. (8): the stored energy is that of an inductor carrying the current.
    """
    return sp.simplify(2 * stored_energy() / I**2)


@lru_cache(maxsize=None)
def exact_port_impedance() -> sp.Expr:
    """Exact port impedance Z(s) of the distributed model with the loop open [ohm].

    Solves the Laplace-transformed field equation with the contact conditions (6) and the
    port relation V = R I + vartheta (d_t phi(0) - d_t phi(L)) (spin-motive force,
    reciprocal to the torque). Result:

        Z(s) = R + 2 vartheta^2 / (g + (A k / s) coth(k L / 2)),   k^2 = (chi s^2 + alpha s s)/A
    """
    k = sp.Symbol("k", positive=True)
    c1, c2 = sp.symbols("c1 c2")
    Phi = c1 * sp.cosh(k * x) + c2 * sp.sinh(k * x)  # Laplace amplitude of phi(x, t) = e^{st} Phi(x)

    def laplace(expr: sp.Expr) -> sp.Expr:
        """Amplitude equation for phi = e^{st} Phi(x) driven by the current I e^{st}."""
        drive = {phi(x, t): sp.exp(s * t) * Phi, I: I * sp.exp(s * t)}
        return sp.simplify(expr.subs(drive).doit() / sp.exp(s * t))

    # the field equation fixes k: A k^2 = chi s^2 + alpha s s
    ksq = sp.solve(sp.simplify(laplace(field_equation()).subs(c2, 0) / (c1 * sp.cosh(k * x))), k**2)[0]
    bcs = [laplace(contact_condition(0)).subs(x, 0), laplace(contact_condition(1)).subs(x, L)]
    sol = sp.solve(bcs, [c1, c2], dict=True)[0]
    Phi_sol = Phi.subs(sol)
    emf = vartheta * s * (Phi_sol.subs(x, 0) - Phi_sol.subs(x, L))  # spin-motive force
    z = R + emf / I
    canonical = R + 2 * vartheta**2 / (g + (A * k / s) * sp.coth(k * L / 2))
    k_expr = sp.sqrt(ksq)
    _check_equal(z.subs(k, k_expr), canonical.subs(k, k_expr))
    return canonical.subs(k, k_expr)


def _check_equal(a: sp.Expr, b: sp.Expr) -> None:
    """Guard: the tidy closed form must equal the raw solution at random points."""
    rnd = random.Random(1)
    for _ in range(3):
        vals = {sym: rnd.uniform(0.5, 2.0) for sym in (A, chi, alpha_s, g, vartheta, R, L)}
        vals[s] = complex(rnd.uniform(0.1, 1), rnd.uniform(0.1, 1))
        va, vb = complex(a.evalf(subs=vals)), complex(b.evalf(subs=vals))
        if abs(va - vb) > 1e-9 * abs(vb):
            raise AssertionError(f"closed form of Z(s) does not match the solution: {va} vs {vb}")


@lru_cache(maxsize=1)
def _spin_impedance_function():
    return sp.lambdify((s, A, chi, alpha_s, g, vartheta, L), exact_port_impedance() - R, "numpy")


def spin_impedance(params, freqs):
    """Z(f) - R of :func:`exact_port_impedance` at the instance parameters ``params`` (stiff, chi, damp,
    gsp, theta, len) and the frequencies ``freqs`` [Hz]  [ohm] (numpy, complex; lambdified once)."""
    sv = 2j * np.pi * np.asarray(freqs, dtype=float)
    return np.asarray(_spin_impedance_function()(sv, params["stiff"], params["chi"], params["damp"], params["gsp"],
                                                  params["theta"], params["len"]), dtype=complex)


def low_frequency_impedance(order: int = 2) -> sp.Expr:
    """Series of the exact Z(s) about s = 0 up to (excluding) s**order."""
    return sp.series(exact_port_impedance(), s, 0, order).removeO()


def nonlocal_transport() -> dict[str, sp.Expr]:
    """Superfluid spin transport between the two contacts (Takei & Tserkovnyak, PRL 112, 227201 (2014)).

    Contact 1 (x = 0) carries a dc current I; contact 2 (x = L) is open (no current). The
    steady state is a uniform precession phi = Omega t + f(x): the field equation gives
    A f'' = alpha s Omega, and eq. (6) at both ends fixes Omega. Returns

    * ``precession``: Omega = vartheta I / (2 g + alpha s L)  [rad/s]
    * ``transmitted``: spin current pumped into contact 2, g Omega  [J]; it decays
      algebraically with L over the length 2 g / alpha s, not exponentially
    * ``nonlocal_voltage``: open-circuit voltage of port 2, -vartheta Omega  [V]
      (the spin-motive force of the contact polarised opposite to contact 1)
    """
    Om = sp.Symbol("Omega", real=True)
    f = sp.Function("f")
    field = field_equation().subs(phi(x, t), Om * t + f(x)).doit()
    sol = sp.dsolve(field, f(x)).rhs
    consts = sorted(sol.free_symbols - {x, A, chi, alpha_s, Om}, key=str)
    profile = Om * t + sol
    bc0 = contact_condition(0).subs(phi(x, t), profile).doit().subs(x, 0)  # driven contact
    bcL = contact_condition(1).subs(I, 0).subs(phi(x, t), profile).doit().subs(x, L)  # open contact
    unknowns = [c for c in consts if c in sp.expand(bc0 - bcL).free_symbols or c in bc0.free_symbols] + [Om]
    res = sp.solve([bc0, bcL], unknowns, dict=True)[0]
    omega = sp.simplify(res[Om])
    return {
        "precession": omega,
        "transmitted": sp.simplify(g * omega),
        "nonlocal_voltage": sp.simplify(-vartheta * omega),
    }


@lru_cache(maxsize=None)
def spin_port_impedances() -> dict[str, sp.Expr]:
    """The spin line seen from its two contacts, in its odd and even patterns [J s/rad].

    Contact 1 (x = 0) carries the current I1, contact 2 (x = L) the current I2 (eq. 6:
    -A d_x phi = -g d_t phi + vartheta I1 at x = 0, = +g d_t phi + vartheta I2 at x = L). Split
    into the odd pattern (torque tau_o = vartheta (I1 + I2)/2, rate Omega_o = d_t phi(0) -
    d_t phi(L) = d_t Theta, the twist rate) and the even one (tau_e = vartheta (I1 - I2)/2,
    Omega_e = d_t phi(0) + d_t phi(L)), the line answers each independently:

        tau_o / Omega_o = g/2 + (A k / 2s) coth(kL/2),    tau_e / Omega_e = g/2 + (A k / 2s) tanh(kL/2),

    A k^2 = chi s^2 + alpha s s. The contacts in series (spin_battery: I1 = I2 = I) drive only
    the odd pattern, and Z(s) = R + vartheta^2 Omega_o/tau_o (reciprocity) is
    :func:`exact_port_impedance`. Returns ``{"odd": ..., "even": ..., "k": k(s)}``; each identity
    is checked at random points against the solution of the boundary-value problem.
    """
    k = sp.Symbol("k", positive=True)
    c1, c2 = sp.symbols("c1 c2")
    I1, I2 = sp.symbols("I1 I2", real=True)
    Phi = c1 * sp.cosh(k * x) + c2 * sp.sinh(k * x)
    dPhi = sp.diff(Phi, x)
    bc0 = (-A * dPhi).subs(x, 0) - (-g * s * Phi.subs(x, 0) + vartheta * I1)
    bcL = (-A * dPhi).subs(x, L) - (g * s * Phi.subs(x, L) + vartheta * I2)
    sol = sp.solve([bc0, bcL], [c1, c2], dict=True)[0]
    phi0, phiL = Phi.subs(x, 0).subs(sol), Phi.subs(x, L).subs(sol)
    omega_o, omega_e = s * (phi0 - phiL), s * (phi0 + phiL)
    odd = g / 2 + (A * k / (2 * s)) * sp.coth(k * L / 2)
    even = g / 2 + (A * k / (2 * s)) * sp.tanh(k * L / 2)
    k_expr = sp.sqrt((chi * s**2 + alpha_s * s) / A)
    # the odd pattern (I2 = I1) and the even one (I2 = -I1) each see their own impedance
    _check_equal((vartheta * I1 / omega_o).subs(I2, I1).subs(k, k_expr), odd.subs(k, k_expr))
    _check_equal((vartheta * I1 / omega_e).subs(I2, -I1).subs(k, k_expr), even.subs(k, k_expr))
    _check_equal(R + vartheta**2 / odd.subs(k, k_expr), exact_port_impedance())
    return {"odd": odd, "even": even, "k": k_expr}
