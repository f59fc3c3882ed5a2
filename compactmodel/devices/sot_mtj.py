"""Spin-orbit-torque MTJ logic cell (macrospin LLG): the load of the battery in a co-simulation.

Device
------
A three-terminal in-plane "type-y" SOT-MTJ (Liu et al., Science 336, 555 (2012); Pai et al.,
APL 101, 122404 (2012)). The write current ``I`` flows along ``x`` through a heavy-metal (HM)
strip; the elliptical free layer on top has its long axis and easy axis along ``y``, which
is collinear with the spin-Hall polarisation. The MTJ reference layer is fixed along ``+y``.

Conventions (fixed here once)
-----------------------------
* ``m = (m_x, m_y, m_z)`` is the unit magnetisation of the free layer; ``z`` is the film
  normal. ``m_y = +1`` is the parallel (P) state, ``m_y = -1`` the antiparallel (AP) state.
* **Sign of the write current.** ``I > 0`` means current along ``+x`` in the strip. The
  spin polarisation of the spin-Hall current entering the free layer is ``sigma = -y_hat``
  for ``I > 0`` (``+y_hat`` for ``I < 0``), so a **positive current drives P(+y) -> AP(-y)**
  and a negative current AP -> P. The physical sign of ``theta_SH`` (W and Ta negative, Pt
  positive) only decides which way the cell is wired; ``theta_sh`` below is ``|theta_SH|``.
* Effective field [A/m] (energy density ``mu0 ms [-(hk/2) m_y^2 + (meff/2) m_z^2]``)::

      H = hk m_y y_hat - meff m_z z_hat (+ H_th, Brown's thermal field)

Dynamics
--------
Gilbert form with the spin-orbit torques (damping-like field ``a_J``, field-like ``b_J``)::

    dm/dt = -gamma mu0 m x H + alpha m x dm/dt - gamma mu0 a_J m x (m x sigma)
            - gamma mu0 b_J m x sigma

with ``sigma = -y_hat``, ``a_J = (H_DL/I) I`` (signed, :meth:`SotMtjParameters.hdl_per_ampere`)
and ``b_J = beta_fl a_J``. Writing the right-hand side without ``alpha`` as
``-gamma mu0 P`` with ``P = m x H + a_J m x (m x sigma) + b_J m x sigma`` (``P`` is
perpendicular to ``m``), solving for ``dm/dt`` gives the explicit Landau-Lifshitz form used
by the code::

    dm/dt = -gamma' (P + alpha m x P),             gamma' = gamma mu0 / (1 + alpha^2)
          = -gamma' [ m x H + alpha m x (m x H)
                      + a_J (m x (m x sigma) - alpha m x sigma)
                      + b_J (m x sigma + alpha m x (m x sigma)) ]      (|m| = 1).

The damping-like term ``-gamma' a_J m x (m x sigma)`` relaxes ``m`` towards ``sigma = -y``
(it has the form of the damping term, which relaxes ``m`` towards ``H``); hence ``I > 0``
destabilises P. Linearising around ``m = +y`` gives the growth rate of the precession
amplitude ``gamma' (a_J - alpha (hk + meff/2))`` (for ``beta_fl = 0``), i.e. the zero-
temperature threshold ``a_J = alpha (hk + meff/2)`` of :meth:`SotMtjParameters.critical_current`.
At zero field and T = 0 the cell does **not** switch just above that threshold: up to
:meth:`SotMtjParameters.switching_current` (``(4/pi) I_c0`` for ``meff >> hk``; 1.206 ``I_c0``
for the default cell) it settles on a stable in-plane precession orbit.
The field-like term is a field ``b_J sigma`` along ``-y`` for ``I > 0``; with ``beta_fl > 0``
it assists P -> AP (it lowers the effective anisotropy field seen by P). Sign conventions for
the field-like torque differ between papers; this one is fixed by the formula above.

Thermal field: Brown (Phys. Rev. 130, 1677 (1963)); each Cartesian component is Gaussian,
white, ``<H_i(t) H_j(t')> = 2 alpha kB T / (gamma mu0^2 ms V) delta_ij delta(t - t')``, so
over a step ``dt`` its standard deviation is ``sqrt(2 alpha kB T / (gamma mu0^2 ms V dt))``.
It enters ``H`` in both terms of the LL form (equivalent to adding it to ``H`` in the Gilbert
form); the stochastic equation is read in the Stratonovich sense and integrated with the
stochastic Heun scheme.

Read path and strip resistance
------------------------------
* MTJ (Slonczewski, PRB 39, 6995 (1989): conductance linear in the cosine of the angle
  between free and reference layer, here ``m_y``)::

      G(m_y) = G_P (1 + m_y)/2 + G_AP (1 - m_y)/2,   R_AP = R_P (1 + tmr)   (Julliere TMR).

* HM strip with spin-Hall magnetoresistance (Nakayama et al., PRL 110, 206601 (2013);
  Chen et al., PRB 87, 144411 (2013)): for a current along ``x`` the SMR depends on the
  magnetisation component along the spin-Hall polarisation ``y``::

      R_strip(m) = R0 (1 + smr (1 - m_y^2)),      R0 = rho_hm l_hm / (w_hm t_hm),

  minimal (``R0``) when ``m`` is collinear with ``sigma``. ``rho_hm`` is the HM resistivity
  in that state. The anisotropic magnetoresistance of the metallic free layer and its
  current shunting are neglected (its shunt is folded into ``rho_hm``).

Performance
-----------
:meth:`SotLlg.llg_rhs` uses plain Python floats (about 0.6 us per call here, against about
7 us for the numpy version on one 3-vector). :meth:`SotLlg.llg_rhs_array` is the same formula
on numpy arrays of shape ``(3,)`` or ``(3, N)`` for scipy solvers and ensembles.

Not modelled
------------
The Oersted field of the write current (for in-plane 3T-MTJs it acts like a field-like
torque and speeds up switching, Rowlands et al., arXiv:1612.06463; emulate with ``beta_fl``),
spin-transfer torque and bias dependence of the TMR from the read current, Joule heating,
non-uniform (micromagnetic) reversal, and any applied field.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, fields, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from scipy.integrate import solve_ivp

from ..core.constants import E_CHARGE, GAMMA_E, HBAR, K_B, MU_0
from ..core.parameters import ParameterError
from .materials import FieldRange

__all__ = [
    "GAMMA",
    "DEFAULT_TILT",
    "SOT_MTJ_FIELDS",
    "SOT_MTJ_SOURCES",
    "SotMtjParameters",
    "SotLlg",
    "SotMtjState",
    "SotMtj",
    "tilted_p_state",
    "energy_density",
    "switching_time",
    "heun_ensemble",
]

#: Gyromagnetic ratio |gamma| of the free layer [rad/(s T)] (free-electron value, 1.760859e11).
GAMMA: float = GAMMA_E
#: Default in-plane tilt of the initial magnetisation away from the easy axis [rad]. At
#: T = 0 an exactly collinear ``m`` feels no torque; the tilt stands in for the thermal
#: angle (rms ``1/sqrt(2 Delta)`` ~ 0.16 rad for the default cell at 300 K) and sets the
#: incubation delay ``~ ln(pi / (2 theta0))`` (Sun, PRB 62, 570 (2000)).
DEFAULT_TILT: float = 0.05


def _f(name: str, unit: str, description: str, lower: float, upper: float,
       lower_open: bool = True, upper_open: bool = False) -> tuple[str, FieldRange]:
    return name, FieldRange(name, unit, description, lower, upper, lower_open, upper_open)


#: Allowed range of every field of :class:`SotMtjParameters` (plausibility limits; they
#: exclude non-finite values and, where it matters, zero).
SOT_MTJ_FIELDS: Mapping[str, FieldRange] = dict(
    [
        _f("ms", "A/m", "free-layer saturation magnetisation", 0.0, 3e6),
        _f("t_free", "m", "free-layer thickness", 1e-10, 5e-8, lower_open=False),
        _f("w_free", "m", "free-layer width along x (short axis of the ellipse)", 1e-9, 1e-6, lower_open=False),
        _f("l_free", "m", "free-layer length along y (long axis = easy axis)", 1e-9, 1e-6, lower_open=False),
        _f("alpha", "1", "Gilbert damping of the free layer", 0.0, 1.0, lower_open=False),
        _f("hk", "A/m", "in-plane uniaxial anisotropy field along y", 0.0, 1e6),
        _f("meff", "A/m", "effective out-of-plane demagnetising field (easy-plane, > 0)", 0.0, 3e6),
        _f("theta_sh", "1", "|spin Hall angle| of the heavy metal (damping-like efficiency)", 0.0, 2.0),
        _f("rho_hm", "ohm m", "heavy-metal resistivity (m collinear with y)", 0.0, 1e-3),
        _f("l_hm", "m", "heavy-metal strip length along x (between the write terminals)", 1e-9, 1e-3, lower_open=False),
        _f("w_hm", "m", "heavy-metal strip width along y", 1e-9, 1e-4, lower_open=False),
        _f("t_hm", "m", "heavy-metal strip thickness", 1e-10, 1e-7, lower_open=False),
        _f("smr", "1", "spin-Hall magnetoresistance ratio, R = R0 (1 + smr (1 - m_y^2))", 0.0, 0.1, lower_open=False),
        _f("beta_fl", "1", "field-like / damping-like torque ratio", -10.0, 10.0, lower_open=False),
        _f("r_p", "ohm", "MTJ resistance in the parallel state (m_y = +1)", 0.0, 1e9),
        _f("tmr", "1", "tunnel magnetoresistance (R_AP - R_P)/R_P, 1.0 = 100 %", 0.0, 10.0, lower_open=False),
        _f("temperature", "K", "temperature (thermal field and thermal stability only)", 0.0, 1500.0, lower_open=False),
    ]
)

#: Where each default value of :class:`SotMtjParameters` comes from.
SOT_MTJ_SOURCES: Mapping[str, str] = {
    "ms": "CoFeB, mu0 ms ~ 1.4 T (Liu et al., Science 336, 555 (2012))",
    "t_free": "1.5 nm in-plane CoFeB free layer of 3-terminal SOT-MTJs (Pai et al., APL 101, 122404 (2012))",
    "w_free": "design value (40 nm x 100 nm ellipse, area pi w l / 4)",
    "l_free": "design value; shape anisotropy of this ellipse gives mu0 Hk ~ 30 mT",
    "alpha": "CoFeB, ~0.01 (Liu et al., Science 336, 555 (2012))",
    "hk": "mu0 Hk = 30 mT (in-plane shape anisotropy of a 40 x 100 x 1.5 nm ellipse)",
    "meff": "mu0 Meff = 0.8 T: thin CoFeB/MgO, demagnetising field reduced by interfacial "
            "anisotropy (design value in the 0.8-1 T range)",
    "theta_sh": "beta-W, |theta_SH| = 0.30 (Pai et al., APL 101, 122404 (2012))",
    "rho_hm": "beta-W, 200 uOhm cm (high-resistivity beta phase, Pai et al. 2012)",
    "l_hm": "design value: R0 = 1 kOhm",
    "w_hm": "design value: covers the 100 nm long axis of the free layer",
    "t_hm": "design value, 4 nm (Pai et al. 2012 use 5-6 nm)",
    "smr": "W/CoFeB SMR ~ 0.3-1 % (Kim et al., PRL 116, 097201 (2016); Cho et al., Sci. Rep. 5, 14668 (2015))",
    "beta_fl": "0: damping-like torque only (conservative; |b_J/a_J| is stack dependent)",
    "r_p": "RA ~ 10 Ohm um^2 over the 3.1e-3 um^2 ellipse (design value)",
    "tmr": "CoFeB/MgO in-plane MTJ, 100 % (design value)",
    "temperature": "room temperature",
}


def _check_unknown(owner: str, names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in SOT_MTJ_FIELDS]
    if unknown:
        raise ParameterError(
            f"unknown {owner} field(s) {', '.join(map(repr, unknown))}; known fields with ranges: "
            + ", ".join(f"{n} {r.range_text()} {r.unit}" for n, r in SOT_MTJ_FIELDS.items())
        )


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SotMtjParameters:
    """Parameters of the SOT-MTJ logic cell (all SI; ranges in :data:`SOT_MTJ_FIELDS`).

    ===============  ===========  ======  ====================================================
    field            default      unit    meaning (source: :data:`SOT_MTJ_SOURCES`)
    ===============  ===========  ======  ====================================================
    ``ms``           1.1e6        A/m     free-layer saturation magnetisation (CoFeB)
    ``t_free``       1.5e-9       m       free-layer thickness
    ``w_free``       40e-9        m       free-layer width along x (ellipse short axis)
    ``l_free``       100e-9       m       free-layer length along y (long/easy axis)
    ``alpha``        0.01         1       Gilbert damping
    ``hk``           2.387e4      A/m     in-plane anisotropy field (mu0 Hk = 30 mT)
    ``meff``         6.366e5      A/m     out-of-plane demag. field (mu0 Meff = 0.8 T)
    ``theta_sh``     0.30         1       |spin Hall angle| (beta-W)
    ``rho_hm``       2.0e-6       ohm m   HM resistivity (beta-W, 200 uOhm cm)
    ``l_hm``         240e-9       m       HM strip length along x
    ``w_hm``         120e-9       m       HM strip width along y
    ``t_hm``         4e-9         m       HM strip thickness
    ``smr``          5e-3         1       spin-Hall magnetoresistance ratio
    ``beta_fl``      0.0          1       field-like / damping-like torque ratio
    ``r_p``          3.0e3        ohm     MTJ parallel resistance
    ``tmr``          1.0          1       TMR ratio, R_AP = R_P (1 + tmr)
    ``temperature``  300.0        K       temperature
    ===============  ===========  ======  ====================================================

    Derived: ``R0 = 1.0 kOhm``, ``I_c0 = 34.5 uA`` (J = 7.2e10 A/m^2), zero-field
    switching current ``I_sw = 1.206 I_c0 = 41.6 uA``, ``Delta(300 K) = 18.8``. Every field is
    range-checked in ``__post_init__`` (:class:`ParameterError` naming field, value and
    range); unknown keyword arguments also raise :class:`ParameterError`. The strip must
    cover the free layer (``w_hm >= l_free``, ``l_hm >= w_free``). Use :meth:`with_` (or
    ``dataclasses.replace``) for variants.
    """

    ms: float = 1.1e6
    t_free: float = 1.5e-9
    w_free: float = 40e-9
    l_free: float = 100e-9
    alpha: float = 0.01
    hk: float = 0.030 / MU_0
    meff: float = 0.8 / MU_0
    theta_sh: float = 0.30
    rho_hm: float = 2.0e-6
    l_hm: float = 240e-9
    w_hm: float = 120e-9
    t_hm: float = 4e-9
    smr: float = 5e-3
    beta_fl: float = 0.0
    r_p: float = 3.0e3
    tmr: float = 1.0
    temperature: float = 300.0

    def __new__(cls, *args: Any, **kwargs: Any) -> "SotMtjParameters":
        # Turn the dataclass __init__'s TypeError for a misspelt field into a ParameterError.
        _check_unknown(cls.__name__, list(kwargs))
        if len(args) > len(SOT_MTJ_FIELDS):
            raise ParameterError(f"{cls.__name__} takes at most {len(SOT_MTJ_FIELDS)} fields, got {len(args)}")
        return super().__new__(cls)

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for f in fields(self):
            object.__setattr__(self, f.name, SOT_MTJ_FIELDS[f.name].check(getattr(self, f.name), owner))
        self._check_strip_covers_free_layer()

    def _check_strip_covers_free_layer(self) -> None:
        if self.w_hm < self.l_free:
            raise ParameterError(
                f"SotMtjParameters: strip width w_hm = {self.w_hm!r} m must be >= free-layer length "
                f"l_free = {self.l_free!r} m (the strip must cover the free layer along y)"
            )
        if self.l_hm < self.w_free:
            raise ParameterError(
                f"SotMtjParameters: strip length l_hm = {self.l_hm!r} m must be >= free-layer width "
                f"w_free = {self.w_free!r} m (the strip must cover the free layer along x)"
            )

    def with_(self, **changes: float) -> "SotMtjParameters":
        """A copy with some fields changed (checked like the constructor)."""
        _check_unknown(type(self).__name__, list(changes))
        return replace(self, **changes)

    # -- geometry -----------------------------------------------------------------------
    @property
    def area(self) -> float:
        """Free-layer (elliptical) area ``pi w_free l_free / 4`` [m^2]."""
        return math.pi * self.w_free * self.l_free / 4.0

    @property
    def volume(self) -> float:
        """Free-layer volume ``area t_free`` [m^3]."""
        return self.area * self.t_free

    @property
    def strip_cross_section(self) -> float:
        """HM cross-section ``w_hm t_hm`` transverse to the write current [m^2]."""
        return self.w_hm * self.t_hm

    # -- resistances --------------------------------------------------------------------
    @property
    def r0(self) -> float:
        """HM strip resistance with ``m`` collinear with y, ``rho_hm l_hm / (w_hm t_hm)`` [ohm]."""
        return self.rho_hm * self.l_hm / self.strip_cross_section

    @property
    def r_ap(self) -> float:
        """MTJ antiparallel resistance ``R_P (1 + tmr)`` [ohm]."""
        return self.r_p * (1.0 + self.tmr)

    def strip_resistance(self, my: float) -> float:
        """HM strip resistance ``R0 (1 + smr (1 - m_y^2))`` [ohm] (SMR, current along x)."""
        return self.r0 * (1.0 + self.smr * (1.0 - my * my))

    def mtj_resistance(self, my: float) -> float:
        """MTJ resistance [ohm] from ``G = G_P (1 + m_y)/2 + G_AP (1 - m_y)/2``."""
        conductance = (1.0 + my) / (2.0 * self.r_p) + (1.0 - my) / (2.0 * self.r_ap)
        return 1.0 / conductance

    # -- torques, thresholds, time scales -----------------------------------------------
    def hdl_per_ampere(self) -> float:
        """Damping-like torque field per write current [A/m per A].

        ``H_DL / I = hbar theta_sh / (2 e mu0 ms t_free w_hm t_hm)`` (current density
        ``J = I / (w_hm t_hm)``; Liu et al., PRL 109, 096602 (2012)).
        """
        return HBAR * self.theta_sh / (2.0 * E_CHARGE * MU_0 * self.ms * self.t_free * self.strip_cross_section)

    def critical_current(self) -> float:
        """Zero-temperature macrospin threshold of type-y anti-damping switching [A].

        ``I_c0 = (2e/hbar) mu0 ms t_free alpha (hk + meff/2) (w_hm t_hm) / theta_sh``
        (Sun, PRB 62, 570 (2000): in-plane spin-torque threshold ``alpha (H_K + 2 pi M)`` in
        CGS; Liu et al., Science 336, 555 (2012): the same with the spin-Hall torque of
        :meth:`hdl_per_ampere` for a type-y three-terminal MTJ). This is the exact linear
        instability threshold of the LLG above for ``beta_fl = 0`` (for ``beta_fl != 0`` it
        becomes ``I_c0 / (1 + alpha beta_fl)``); zero if ``alpha = 0``. It is *not* the
        switching current: see :meth:`switching_current`.
        """
        return self.alpha * (self.hk + self.meff / 2.0) / self.hdl_per_ampere()

    def switching_current(self) -> float:
        """Zero-temperature macrospin switching current at zero field [A] (``beta_fl = 0``).

        Between :meth:`critical_current` and this current the P state is unstable but the
        anti-damping torque only sustains a stable in-plane precession orbit: the orbit-
        averaged torque balance ``a_J(E) = alpha <|m x H|^2>_E / <H_y - (m.H) m_y>_E`` grows
        from ``alpha (hk + meff/2)`` for small orbits to its value on the separatrix
        (``E = 0``, through the saddles ``m = +-x``), where ``m.H = 0`` and the averages are
        elementary::

            a_sw = (2 alpha / pi) sqrt(meff (meff + hk))     ->   (4/pi) a_c   for meff >> hk.

        Derived here (energy balance on the separatrix, first order in ``alpha`` and ``a_J``,
        as in Bertotti, Serpico, Mayergoyz et al., PRL 94, 127206 (2005)); the tests check it
        against the full LLG.
        """
        return (2.0 * self.alpha / math.pi) * math.sqrt(self.meff * (self.meff + self.hk)) / self.hdl_per_ampere()

    def thermal_stability(self) -> float:
        """Energy barrier over ``kB T``: ``Delta = mu0 ms hk V / (2 kB T)`` [1] (inf at T = 0)."""
        if self.temperature == 0.0:
            return math.inf
        return MU_0 * self.ms * self.hk * self.volume / (2.0 * K_B * self.temperature)

    def reduced_gyromagnetic_ratio(self) -> float:
        """``gamma' = gamma mu0 / (1 + alpha^2)`` [m/(A s)] (LL-form prefactor of the field)."""
        return GAMMA * MU_0 / (1.0 + self.alpha**2)

    def precession_period(self) -> float:
        """Shortest precession period ``2 pi / (gamma mu0 (hk + meff))`` [s] (sets the step)."""
        return 2.0 * math.pi / (GAMMA * MU_0 * (self.hk + self.meff))

    def default_substep(self, thermal: bool = True) -> float:
        """Default longest integration sub-step [s].

        Thermal (stochastic Heun): ``min(0.5 ps, period / 50)``, which keeps the scheme's
        equilibrium bias below 1 %. Deterministic RK4: ``period / 20``; the switching time at
        3 I_c0 is then within 2e-8 of the 0.5 ps result (``benchmarks/cosim_overhead.py``
        profile: the macrospin was the co-simulation's hot spot).
        """
        if thermal:
            return min(0.5e-12, self.precession_period() / 50.0)
        return self.precession_period() / 20.0

    def thermal_field_sigma(self, dt: float) -> float:
        """Standard deviation of each thermal-field component averaged over ``dt`` [A/m].

        ``sqrt(2 alpha kB T / (gamma mu0^2 ms V dt))`` (Brown 1963).
        """
        dt = _positive("dt", dt, "s")
        return math.sqrt(2.0 * self.alpha * K_B * self.temperature / (GAMMA * MU_0**2 * self.ms * self.volume * dt))


def energy_density(params: SotMtjParameters, mx: float, my: float, mz: float) -> float:
    """Reduced energy ``E / (mu0 ms V) = -(hk/2) m_y^2 + (meff/2) m_z^2`` [A/m]."""
    return -0.5 * params.hk * my * my + 0.5 * params.meff * mz * mz


def tilted_p_state(tilt: float = DEFAULT_TILT) -> tuple[float, float, float]:
    """Unit vector in the film plane, ``tilt`` [rad] from ``+y`` towards ``+x``."""
    if not (math.isfinite(tilt) and 0.0 <= tilt <= math.pi):
        raise ParameterError(f"tilt = {tilt!r} rad is outside the allowed range [0:pi]")
    return (math.sin(tilt), math.cos(tilt), 0.0)


def _unit_vector(name: str, m: Sequence[float]) -> tuple[float, float, float]:
    try:
        mx, my, mz = (float(c) for c in m)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be three real numbers (a magnetisation direction), got {m!r}") from None
    norm = math.sqrt(mx * mx + my * my + mz * mz)
    if not (math.isfinite(norm) and norm > 0.0):
        raise ParameterError(f"{name} = {m!r} must be a finite non-zero vector (it is normalised to |m| = 1)")
    return (mx / norm, my / norm, mz / norm)


def _finite(name: str, value: object, unit: str) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a real number in {unit}, got {value!r}") from None
    if not math.isfinite(x):
        raise ParameterError(f"{name} = {value!r} {unit} is outside the allowed range (-inf:inf) (finite)")
    return x


def _positive(name: str, value: object, unit: str, allow_zero: bool = False) -> float:
    x = _finite(name, value, unit)
    if x < 0.0 or (x == 0.0 and not allow_zero):
        rng = "[0:inf)" if allow_zero else "(0:inf)"
        raise ParameterError(f"{name} = {value!r} {unit} is outside the allowed range {rng}")
    return x


# The __new__ override hides the dataclass signature from inspect/IDEs; restore it.
SotMtjParameters.__signature__ = inspect.signature(SotMtjParameters.__init__).replace(  # type: ignore[attr-defined]
    parameters=list(inspect.signature(SotMtjParameters.__init__).parameters.values())[1:]
)


# --------------------------------------------------------------------------------------
# Right-hand side
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SotLlg:
    """Right-hand side of the LLG equation with SOT, coefficients precomputed from parameters.

    Attributes (all derived): ``gamma_r = gamma'`` [m/(A s)], ``alpha`` [1], ``hk``, ``meff``
    [A/m], ``hdl_per_amp`` [A/m per A], ``beta_fl`` [1].
    """

    gamma_r: float
    alpha: float
    hk: float
    meff: float
    hdl_per_amp: float
    beta_fl: float

    @classmethod
    def from_parameters(cls, params: SotMtjParameters) -> "SotLlg":
        """Coefficients of :class:`SotMtjParameters` ``params``."""
        return cls(
            gamma_r=params.reduced_gyromagnetic_ratio(),
            alpha=params.alpha,
            hk=params.hk,
            meff=params.meff,
            hdl_per_amp=params.hdl_per_ampere(),
            beta_fl=params.beta_fl,
        )

    def llg_rhs(self, mx: float, my: float, mz: float, current: float,
                hx: float = 0.0, hy: float = 0.0, hz: float = 0.0) -> tuple[float, float, float]:
        """``dm/dt`` [1/s] for write current ``current`` [A] and thermal field ``(hx, hy, hz)`` [A/m].

        Plain-float implementation of ``-gamma' (P + alpha m x P)`` (module docstring).
        """
        a = self.hdl_per_amp * current  # damping-like field a_J [A/m]
        b = self.beta_fl * a  # field-like field b_J [A/m]
        hy = hy + self.hk * my
        hz = hz - self.meff * mz
        m2 = mx * mx + my * my + mz * mz
        # P = m x H + a m x (m x sigma) + b m x sigma, sigma = -y:
        # m x sigma = (mz, 0, -mx); m x (m x sigma) = (-mx my, m2 - my^2, -my mz).
        px = my * hz - mz * hy - a * mx * my + b * mz
        py = mz * hx - mx * hz + a * (m2 - my * my)
        pz = mx * hy - my * hx - a * my * mz - b * mx
        al = self.alpha
        g = -self.gamma_r
        return (
            g * (px + al * (my * pz - mz * py)),
            g * (py + al * (mz * px - mx * pz)),
            g * (pz + al * (mx * py - my * px)),
        )

    def llg_rhs_array(self, m: np.ndarray, current: float | np.ndarray,
                      h_thermal: np.ndarray | None = None) -> np.ndarray:
        """Vectorised :meth:`llg_rhs`: ``m`` of shape ``(3,)`` or ``(3, N)``; returns the same shape [1/s].

        ``current`` [A] is a scalar or broadcasts against ``m[0]``; ``h_thermal`` [A/m], if
        given, has the shape of ``m``.
        """
        m = np.asarray(m, dtype=float)
        hx, hy, hz = (0.0, 0.0, 0.0) if h_thermal is None else h_thermal
        # llg_rhs is plain arithmetic, so it works elementwise on arrays as it does on floats
        return np.stack(self.llg_rhs(m[0], m[1], m[2], np.asarray(current, dtype=float), hx, hy, hz))


# --------------------------------------------------------------------------------------
# Stateful cell for the co-simulation
# --------------------------------------------------------------------------------------

#: Number of Gaussian triples drawn from the generator at once (thermal noise).
_NOISE_BLOCK = 4096


@dataclass(frozen=True)
class SotMtjState:
    """Snapshot of a :class:`SotMtj` (for rolling back to a termination point).

    ``m`` unit vector, ``time`` [s] integrated so far, ``initial_polarity`` (+1 P, -1 AP), and
    the thermal-noise stream position (generator state, current block and index), so that a
    restored cell replays the same noise.
    """

    m: tuple[float, float, float]
    time: float
    initial_polarity: int
    rng_state: Mapping[str, Any] | None
    noise: Sequence[float]
    noise_index: int


class SotMtj:
    """One SOT-MTJ cell integrated step by step (macrospin, plain-float arithmetic).

    Args:
        params: cell parameters.
        m0: initial magnetisation (normalised); default :func:`tilted_p_state`.
        seed: seed of the numpy ``Generator`` for the thermal field.
        thermal: include Brown's thermal field at ``params.temperature`` (stochastic Heun);
            otherwise deterministic classical RK4.
        max_substep: longest internal step [s]; default ``params.default_substep()``.
    """

    def __init__(self, params: SotMtjParameters, m0: Sequence[float] | None = None,
                 seed: int | None = None, thermal: bool = False, max_substep: float | None = None) -> None:
        if not isinstance(params, SotMtjParameters):
            raise ParameterError(f"params must be SotMtjParameters, got {type(params).__name__}")
        self.params = params
        self.llg = SotLlg.from_parameters(params)
        self.thermal = bool(thermal)
        if max_substep is None:
            max_substep = params.default_substep(thermal=bool(thermal))
        self.max_substep = _positive("max_substep", max_substep, "s")
        self._m = _unit_vector("m0", tilted_p_state() if m0 is None else m0)
        self.time = 0.0
        self.initial_polarity = self.polarity
        self._rng = np.random.default_rng(seed)
        self._noise: Sequence[float] = ()
        self._noise_index = 0

    # -- observables --------------------------------------------------------------------
    @property
    def m(self) -> tuple[float, float, float]:
        """Unit magnetisation ``(m_x, m_y, m_z)``."""
        return self._m

    @property
    def polarity(self) -> int:
        """``+1`` if ``m_y >= 0`` (P side), ``-1`` otherwise (AP side)."""
        return 1 if self._m[1] >= 0.0 else -1

    def reached(self, polarity: int, threshold: float = 0.9) -> bool:
        """True if ``polarity * m_y >= threshold`` (``polarity`` +1 = P, -1 = AP)."""
        if polarity not in (1, -1):
            raise ParameterError(f"polarity = {polarity!r} must be +1 (P) or -1 (AP)")
        if not (0.0 <= threshold <= 1.0):
            raise ParameterError(f"threshold = {threshold!r} is outside the allowed range [0:1]")
        return polarity * self._m[1] >= threshold

    def switched(self, threshold: float = 0.9) -> bool:
        """True once ``m`` has reached the state opposite to its initial polarity (see :meth:`reached`)."""
        return self.reached(-self.initial_polarity, threshold)

    def strip_resistance(self) -> float:
        """HM strip resistance [ohm] at the present ``m`` (SMR)."""
        return self.params.strip_resistance(self._m[1])

    def mtj_resistance(self) -> float:
        """MTJ resistance [ohm] at the present ``m``."""
        return self.params.mtj_resistance(self._m[1])

    # -- snapshot -----------------------------------------------------------------------
    def state(self) -> SotMtjState:
        """Snapshot of the magnetisation, time and noise stream."""
        rng_state = self._rng.bit_generator.state if self.thermal else None
        return SotMtjState(self._m, self.time, self.initial_polarity, rng_state, self._noise, self._noise_index)

    def set_state(self, state: SotMtjState) -> None:
        """Restore a snapshot taken with :meth:`state` (of this or an identical cell)."""
        self._m = _unit_vector("state.m", state.m)
        self.time = state.time
        self.initial_polarity = state.initial_polarity
        if state.rng_state is not None:
            self._rng.bit_generator.state = dict(state.rng_state)
        self._noise = state.noise
        self._noise_index = state.noise_index

    # -- integration --------------------------------------------------------------------
    def advance(self, dt: float, i_start: float, i_end: float | None = None) -> tuple[float, float, float]:
        """Integrate over ``dt`` [s] with the write current linear from ``i_start`` to ``i_end`` [A].

        ``i_end`` defaults to ``i_start`` (constant current). Sub-steps are equal and no
        longer than ``max_substep``; ``|m|`` is renormalised after each. Returns the new ``m``.
        """
        dt = _positive("dt", dt, "s", allow_zero=True)
        i0 = _finite("i_start", i_start, "A")
        i1 = i0 if i_end is None else _finite("i_end", i_end, "A")
        if dt == 0.0:
            return self._m
        n = max(1, math.ceil(dt / self.max_substep * (1.0 - 1e-12)))
        h = dt / n
        di = (i1 - i0) / n
        step = self._heun_steps if self.thermal else self._rk4_steps
        self._m = step(n, h, i0, di)
        self.time += dt
        return self._m

    def _rk4_steps(self, n: int, h: float, i0: float, di: float) -> tuple[float, float, float]:
        f = self.llg.llg_rhs
        x, y, z = self._m
        h2 = 0.5 * h
        for k in range(n):
            ia = i0 + k * di
            ib = ia + 0.5 * di
            ic = ia + di
            k1x, k1y, k1z = f(x, y, z, ia)
            k2x, k2y, k2z = f(x + h2 * k1x, y + h2 * k1y, z + h2 * k1z, ib)
            k3x, k3y, k3z = f(x + h2 * k2x, y + h2 * k2y, z + h2 * k2z, ib)
            k4x, k4y, k4z = f(x + h * k3x, y + h * k3y, z + h * k3z, ic)
            x += h * (k1x + 2.0 * (k2x + k3x) + k4x) / 6.0
            y += h * (k1y + 2.0 * (k2y + k3y) + k4y) / 6.0
            z += h * (k1z + 2.0 * (k2z + k3z) + k4z) / 6.0
            r = 1.0 / math.sqrt(x * x + y * y + z * z)
            x, y, z = x * r, y * r, z * r
        return (x, y, z)

    def _next_gaussians(self) -> tuple[float, float, float]:
        i = self._noise_index
        if i + 3 > len(self._noise):
            self._noise = self._rng.standard_normal(3 * _NOISE_BLOCK).tolist()
            i = 0
        self._noise_index = i + 3
        noise = self._noise
        return noise[i], noise[i + 1], noise[i + 2]

    def _heun_steps(self, n: int, h: float, i0: float, di: float) -> tuple[float, float, float]:
        f = self.llg.llg_rhs
        sigma = self.params.thermal_field_sigma(h)
        x, y, z = self._m
        for k in range(n):
            gx, gy, gz = self._next_gaussians()
            hx, hy, hz = sigma * gx, sigma * gy, sigma * gz
            ia = i0 + k * di
            ax, ay, az = f(x, y, z, ia, hx, hy, hz)
            px, py, pz = x + h * ax, y + h * ay, z + h * az
            bx, by, bz = f(px, py, pz, ia + di, hx, hy, hz)
            x += 0.5 * h * (ax + bx)
            y += 0.5 * h * (ay + by)
            z += 0.5 * h * (az + bz)
            r = 1.0 / math.sqrt(x * x + y * y + z * z)
            x, y, z = x * r, y * r, z * r
        return (x, y, z)


# --------------------------------------------------------------------------------------
# Reference solutions
# --------------------------------------------------------------------------------------


def switching_time(params: SotMtjParameters, current: float | Callable[[float], float], t_max: float,
                   m0: Sequence[float] | None = None, threshold: float = 0.0,
                   rtol: float = 1e-9, atol: float = 1e-12) -> float:
    """Time [s] at which ``m_y`` first crosses ``threshold`` (T = 0), or ``inf`` if not by ``t_max``.

    Args:
        params: cell parameters.
        current: write current [A], constant or a function of time ``t`` [s] -> [A].
        t_max: end of the search [s].
        m0: initial magnetisation, default :func:`tilted_p_state`.
        threshold: ``m_y`` level in ``[-1, 1]``; the crossing direction is away from ``m0``.
        rtol, atol: tolerances of ``scipy.integrate.solve_ivp`` (DOP853, step <= period/20).
    """
    t_max = _positive("t_max", t_max, "s")
    if not (math.isfinite(threshold) and -1.0 <= threshold <= 1.0):
        raise ParameterError(f"threshold = {threshold!r} is outside the allowed range [-1:1]")
    m_start = np.array(_unit_vector("m0", tilted_p_state() if m0 is None else m0))
    llg = SotLlg.from_parameters(params)
    if callable(current):
        current_at: Callable[[float], float] = current
    else:
        i_const = _finite("current", current, "A")
        current_at = lambda t: i_const  # noqa: E731

    def rhs(t: float, m: np.ndarray) -> np.ndarray:
        return llg.llg_rhs_array(m, current_at(t))

    def crossing(t: float, m: np.ndarray) -> float:
        return float(m[1]) - threshold

    crossing.terminal = True  # type: ignore[attr-defined]
    crossing.direction = -1.0 if m_start[1] > threshold else 1.0  # type: ignore[attr-defined]
    sol = solve_ivp(rhs, (0.0, t_max), m_start, method="DOP853", events=crossing, rtol=rtol, atol=atol,
                    max_step=params.precession_period() / 20.0)
    if not sol.success:
        raise RuntimeError(f"switching_time: solve_ivp failed: {sol.message}")
    times = sol.t_events[0]
    return float(times[0]) if len(times) else math.inf


def heun_ensemble(params: SotMtjParameters, m0: np.ndarray, duration: float, dt: float,
                  current: float = 0.0, seed: int | None = None, sample_every: int = 1) -> np.ndarray:
    """Independent thermal cells integrated together with the stochastic Heun scheme (numpy).

    Same scheme as :class:`SotMtj` with ``thermal=True`` (constant ``current`` [A]).

    Args:
        m0: initial magnetisations, shape ``(3, N)`` (normalised here).
        duration: integration time [s]; ``round(duration / dt)`` steps of ``dt`` [s].
        sample_every: keep every ``sample_every``-th step.

    Returns the samples, shape ``(n_samples, 3, N)``, the first at ``t = sample_every dt``.
    """
    duration = _positive("duration", duration, "s")
    dt = _positive("dt", dt, "s")
    current = _finite("current", current, "A")
    if not (isinstance(sample_every, int) and sample_every >= 1):
        raise ParameterError(f"sample_every = {sample_every!r} must be an integer >= 1")
    m = np.array(m0, dtype=float)
    if m.ndim != 2 or m.shape[0] != 3 or not np.all(np.isfinite(m)):
        raise ParameterError(f"m0 must be a finite array of shape (3, N), got shape {m.shape}")
    m /= np.linalg.norm(m, axis=0)
    llg = SotLlg.from_parameters(params)
    sigma = params.thermal_field_sigma(dt)
    rng = np.random.default_rng(seed)
    n_steps = max(1, round(duration / dt))
    samples = []
    for k in range(1, n_steps + 1):
        h_th = sigma * rng.standard_normal(m.shape)
        a = llg.llg_rhs_array(m, current, h_th)
        b = llg.llg_rhs_array(m + dt * a, current, h_th)
        m = m + 0.5 * dt * (a + b)
        m /= np.linalg.norm(m, axis=0)
        if k % sample_every == 0:
            samples.append(m.copy())
    return np.array(samples)
