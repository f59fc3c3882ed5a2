"""Material and geometry -> quasi-1D parameters of the spin-texture battery.

Tserkovnyak & Xiao, PRL 121, 127701 (2018) write the battery as a quasi-one-dimensional
easy-plane magnet: "the spin density rho_s, the susceptibility chi, and the exchange
stiffness A are obtained by multiplying their bulk values by the magnetic wire's cross
section" (text after eq. 3). This module does that bookkeeping and the contact algebra of
eq. (6):

================  =====================================================  ==========
key               formula                                                unit
================  =====================================================  ==========
``len``           L (loop length between the contacts)                   m
``stiff``         A = A_ex S_m                                           J m
``chi``           chi = chi_bulk S_m                                     J s^2/m
``damp``          alpha s S_m (Rayleigh function alpha s (d_t phi)^2/2)  J s/m
``gsp``           g = hbar g_mix S_c / (4 pi)            eq. (6)         J s
``theta``         vartheta = (hbar/2e)(S_c/S_w) tan theta_SH  eq. (6)    V s = J/A
``rw``            R = 2 rho_w L_w / S_w (two contact wires in series)    ohm
``lgate``         gate length                                            m
================  =====================================================  ==========

Conventions (they matter at the factor-2 level, so they are fixed here once):

* ``Material.A_ex`` is the bulk stiffness **in the paper's convention**: the exchange energy
  density of an in-plane winding is ``A_ex (d_x phi)^2 / 2`` (eqs. 3 and 11). Micromagnetic
  tables quote ``A`` with energy density ``A (grad m)^2``; for a planar winding
  ``(grad m)^2 = (d_x phi)^2``, so ``A_ex = 2 A`` (done by :meth:`Material.ferromagnet`).
* ``Material.K`` is the easy-plane anisotropy energy density with energy ``K n_z^2``
  (``n_z`` = out-of-plane component of the unit order parameter), i.e. the energy per
  volume of the fully out-of-plane state. Thin-film shape anisotropy is ``mu0 M_s^2 / 2``.
* For an easy-plane ferromagnet the out-of-plane spin density is ``rho_s = s n_z``, so
  ``K n_z^2 = rho_s^2 / (2 chi)`` (eq. 3) gives ``chi = s^2 / (2 K)`` and
  ``u = sqrt(A_ex / chi) = 2 sqrt(A K) / s = gamma sqrt(2 mu0 A)`` for shape anisotropy,
  which is the long-wavelength exchange spin-wave velocity of an in-plane magnetised film.
  (With the other common convention, anisotropy ``K' n_z^2 / 2`` and ``K' = 2K``, this is
  the familiar ``chi = s^2 / K'``.)
* For an antiferromagnet the paper's estimate (ref. 27, Auerbach) is
  ``sqrt(A chi) ~ hbar S_m / a^2`` per unit spin; :meth:`Material.antiferromagnet` uses
  ``sqrt(A_ex chi) = S hbar / a^2`` (bulk), an order-of-magnitude relation, not an identity.

Every input is range-checked against one table, :data:`FIELD_RANGES`; the outputs are then
checked against :data:`compactmodel.core.parameters.PARAMETERS`. Both raise
:class:`compactmodel.core.parameters.ParameterError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Mapping

import numpy as np

from ..core.constants import E_CHARGE, GAMMA_E, HBAR, MU_0
from ..core.formatting import fmt_bound as _fmt
from ..core.parameters import InstanceParameters, ParameterError, ParameterTypeError, RangeMixin, validate
from ..physics import scales
from ..physics.gate import vgon_from_vcma
from ..physics.phase_slips import attempt_frequency

__all__ = [
    "QUASI_1D_KEYS",
    "instance_parameters",
    "FieldRange",
    "FIELD_RANGES",
    "check_field",
    "Material",
    "Geometry",
    "Contact",
    "Device",
    "quasi_1d",
    "mass_per_length",
    "figures",
]

#: The physical (material/geometry-derived) keys of :mod:`compactmodel.core.parameters`.
QUASI_1D_KEYS: tuple[str, ...] = ("len", "stiff", "chi", "damp", "gsp", "theta", "rw", "lgate")


# --------------------------------------------------------------------------------------
# Input validation: one table of ranges
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRange(RangeMixin):
    """Allowed range of one material/geometry input (same notation as ``Parameter``)."""

    name: str
    unit: str
    description: str
    lower: float
    upper: float
    lower_open: bool = True
    upper_open: bool = False

    def check(self, value: object, owner: str = "input") -> float:
        """Return ``value`` as a float, or raise :class:`ParameterError` naming the field."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            converted = None
            try:  # numpy real scalars are fine
                if isinstance(value, np.generic) and np.isrealobj(value) and not isinstance(value, np.bool_):
                    converted = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                converted = None
            if converted is None:
                raise ParameterError(
                    f"{owner} field '{self.name}' must be a real number in {self.unit}, "
                    f"got {value!r} of type {type(value).__name__}; "
                    f"allowed range {self.range_text()} ({self.description})"
                )
            value = converted
        value = float(value)  # type: ignore[arg-type]
        if not self.contains(value):
            raise ParameterError(
                f"{owner} field '{self.name}' = {value!r} {self.unit} is outside the allowed "
                f"range {self.range_text()} ({self.description})"
            )
        return value


def _r(name: str, unit: str, description: str, lower: float, upper: float,
       lower_open: bool = True, upper_open: bool = False) -> tuple[str, FieldRange]:
    return name, FieldRange(name, unit, description, lower, upper, lower_open, upper_open)


#: Allowed ranges of every numeric input of :class:`Material`, :class:`Geometry` and their
#: constructors. The bounds are generous physical plausibility limits (they exclude zero,
#: negative and non-finite values); the model limits are enforced afterwards by
#: :func:`compactmodel.core.parameters.validate` on the quasi-1D result.
FIELD_RANGES: Mapping[str, FieldRange] = dict(
    [
        # --- Material (bulk) ---
        _r("A_ex", "J/m", "bulk exchange stiffness, energy density A_ex (d_x phi)^2/2 (eqs. 3, 11)", 0.0, 1e-9),
        _r("s", "J s/m^3", "saturation spin density (M_s/gamma for a ferromagnet)", 0.0, 1e-3),
        _r("alpha", "1", "Gilbert damping", 0.0, 1.0, lower_open=False),
        _r("chi", "J s^2/m^3", "bulk spin susceptibility, rho_s = chi d_t phi (eq. 5)", 0.0, 1e-8),
        _r("K", "J/m^3", "easy-plane anisotropy energy density, energy K n_z^2", 0.0, 1e9),
        _r("density", "kg/m^3", "mass density of the magnet", 0.0, 1e5),
        # --- Material constructor inputs ---
        _r("A_micromagnetic", "J/m", "micromagnetic exchange constant, energy A (grad m)^2", 0.0, 5e-10),
        _r("M_s", "A/m", "saturation magnetisation", 0.0, 1e7),
        _r("gamma", "1/(s T)", "gyromagnetic ratio |gamma|", 0.0, 1e13),
        _r("a", "m", "atomic spacing", 1e-11, 1e-8, lower_open=False),
        _r("spin", "1", "spin S per magnetic site (units of hbar)", 0.0, 100.0),
        _r("spin_volume", "m^3", "volume per magnetic site", 0.0, 1e-24),
        # --- Geometry / contacts ---
        _r("magnet_width", "m", "width of the magnetic wire", 0.0, 1e-2),
        _r("magnet_thickness", "m", "thickness of the magnetic wire", 0.0, 1e-2),
        _r("loop_length", "m", "loop length L between the contacts", 0.0, 1.0),
        _r("contact_area", "m^2", "spin-Hall contact area S_c", 0.0, 1e-4),
        _r("wire_cross_section", "m^2", "contact-wire cross-section S_w (transverse to the current)", 0.0, 1e-4),
        _r("wire_length", "m", "length L_w of each contact wire", 0.0, 1.0),
        _r("g_mix", "1/m^2", "interfacial spin-mixing conductance per area (eq. 6)", 0.0, 1e21),
        _r("theta_sh", "rad", "effective spin Hall angle of the contact (eq. 6); use |theta_SH|", 0.0, math.pi / 2, upper_open=True),
        _r("wire_resistivity", "ohm m", "resistivity of the contact wires", 0.0, 1.0),
        _r("gate_length", "m", "length of the gated section", 0.0, 1e-3),
        _r("gate_oxide_thickness", "m", "gate oxide thickness t_ox over the gated section", 1e-10, 1e-7, lower_open=False),
        _r("vcma", "J/(V m)", "voltage-controlled magnetic anisotropy coefficient xi of the gate interface", 1e-15, 1e-11, lower_open=False),
        # --- Geometry.crossbar inputs ---
        _r("strip_width", "m", "width of the metal strip crossing the magnet", 0.0, 1e-2),
        _r("strip_thickness", "m", "thickness of the metal strip", 0.0, 1e-2),
    ]
)


def check_field(name: str, value: object, owner: str = "input") -> float:
    """Check one numeric input against :data:`FIELD_RANGES` and return it as a float."""
    try:
        rng = FIELD_RANGES[name]
    except KeyError:
        raise ParameterError(f"unknown {owner} field {name!r}; known fields: {', '.join(FIELD_RANGES)}") from None
    return rng.check(value, owner)


def _check_text(owner: str, name: str, value: object, allow_empty: bool) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise ParameterError(
            f"{owner} field '{name}' must be a {'' if allow_empty else 'non-empty '}string, "
            f"got {value!r} of type {type(value).__name__}"
        )
    return value


def _validate_dataclass(obj: object, owner: str) -> None:
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if f.name == "name":
            _check_text(owner, f.name, value, allow_empty=False)
        elif f.name == "source":
            _check_text(owner, f.name, value, allow_empty=True)
        else:
            object.__setattr__(obj, f.name, check_field(f.name, value, owner))


# --------------------------------------------------------------------------------------
# Material and geometry
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    """Bulk properties of the easy-plane magnetic insulator (all SI).

    Attributes:
        name: label.
        A_ex: bulk exchange stiffness [J/m], paper convention (energy density
            ``A_ex (d_x phi)^2 / 2``, eqs. 3 and 11). Micromagnetic ``A`` -> ``2 A``.
        s: saturation spin density [J s/m^3] (``M_s / gamma`` for a ferromagnet,
            ``S hbar / V_site`` per sublattice for an antiferromagnet).
        alpha: Gilbert damping [-] (Rayleigh function ``alpha s (d_t phi)^2 / 2``).
        chi: bulk spin susceptibility [J s^2/m^3], ``rho_s = chi d_t phi`` (eq. 5).
        K: easy-plane anisotropy energy density [J/m^3] (energy ``K n_z^2``); sets the
            Landau limit of the winding density, ``rho_c = sqrt(2K/A_ex)``.
        density: mass density [kg/m^3].
        source: where the numbers come from.
    """

    name: str
    A_ex: float
    s: float
    alpha: float
    chi: float
    K: float
    density: float
    source: str = ""

    def __post_init__(self) -> None:
        _validate_dataclass(self, "Material")

    # -- constructors ----------------------------------------------------------------
    @classmethod
    def ferromagnet(
        cls,
        name: str,
        *,
        A_micromagnetic: float,
        M_s: float,
        alpha: float,
        density: float,
        K: float | None = None,
        gamma: float = GAMMA_E,
        source: str = "",
    ) -> "Material":
        """Easy-plane ferromagnet from tabulated micromagnetic constants.

        Args:
            A_micromagnetic: exchange constant [J/m] with energy density ``A (grad m)^2``
                (the value quoted in tables, e.g. 3.7 pJ/m for YIG).
            M_s: saturation magnetisation [A/m].
            alpha: Gilbert damping [-].
            density: mass density [kg/m^3].
            K: easy-plane anisotropy energy density [J/m^3] (energy ``K n_z^2``);
                default: thin-film shape anisotropy ``mu0 M_s^2 / 2``.
            gamma: gyromagnetic ratio [1/(s T)], default the free-electron value.

        Returns a :class:`Material` with ``A_ex = 2 A``, ``s = M_s/gamma`` and
        ``chi = s^2 / (2 K)`` (see the module docstring for the factor 2).
        """
        A_mm = check_field("A_micromagnetic", A_micromagnetic, "Material.ferromagnet")
        M_s = check_field("M_s", M_s, "Material.ferromagnet")
        gamma = check_field("gamma", gamma, "Material.ferromagnet")
        if K is None:
            K = MU_0 * M_s**2 / 2.0
        K = check_field("K", K, "Material.ferromagnet")
        s = M_s / gamma
        return cls(
            name=name,
            A_ex=2.0 * A_mm,
            s=s,
            alpha=alpha,
            chi=s**2 / (2.0 * K),
            K=K,
            density=density,
            source=source,
        )

    @classmethod
    def antiferromagnet(
        cls,
        name: str,
        *,
        A_ex: float,
        a: float,
        alpha: float,
        K: float,
        density: float,
        spin: float = 1.0,
        spin_volume: float | None = None,
        chi: float | None = None,
        source: str = "",
    ) -> "Material":
        """Easy-plane antiferromagnet.

        Args:
            A_ex: bulk stiffness of the Neel order [J/m], paper convention.
            a: atomic spacing [m].
            alpha: Gilbert damping [-].
            K: easy-plane (hard-axis) anisotropy energy density [J/m^3].
            density: mass density [kg/m^3].
            spin: spin S per magnetic site [hbar].
            spin_volume: volume per magnetic site [m^3]; default ``a^3``.
            chi: bulk susceptibility [J s^2/m^3]; default from the paper's estimate
                ``sqrt(A_ex chi) = S hbar / a^2`` (text before eq. 10, ref. 27).

        ``s = S hbar / spin_volume`` (sublattice saturation spin density).
        """
        owner = "Material.antiferromagnet"
        A_ex = check_field("A_ex", A_ex, owner)
        a = check_field("a", a, owner)
        spin = check_field("spin", spin, owner)
        volume = a**3 if spin_volume is None else check_field("spin_volume", spin_volume, owner)
        if chi is None:
            chi = (spin * HBAR / a**2) ** 2 / A_ex
        return cls(
            name=name,
            A_ex=A_ex,
            s=spin * HBAR / volume,
            alpha=alpha,
            chi=chi,
            K=K,
            density=density,
            source=source,
        )

    # -- derived bulk figures ----------------------------------------------------------
    @property
    def spin_wave_speed(self) -> float:
        """u = sqrt(A/chi) [m/s] (text after eq. 8; :func:`compactmodel.physics.scales.spin_wave_speed`)."""
        return scales.spin_wave_speed(self.A_ex, self.chi)

    @property
    def landau_winding_density(self) -> float:
        """Landau limit of the winding density, sqrt(2K/A_ex) [1/m].

        The paper gives the order of magnitude sqrt(K/A_ex); the factor sqrt(2) is derived in
        :func:`compactmodel.symbolic.barrier.derive_barrier` (energy K n_z^2, stiffness A_ex/2).
        """
        return scales.landau_winding_density(self.A_ex, self.K)


@dataclass(frozen=True)
class Geometry:
    """Wire, contacts and circuit of Fig. 1 (all SI).

    Attributes:
        magnet_width, magnet_thickness: magnetic wire cross-section, S_m = w t [m].
        loop_length: loop length L between the contacts [m].
        contact_area: spin-Hall contact area S_c [m^2] (eq. 6).
        wire_cross_section: contact-wire cross-section S_w transverse to the current [m^2].
        wire_length: length L_w of each of the two contact wires [m].
        g_mix: spin-mixing conductance per area g^{up down} [1/m^2] (eq. 6).
        theta_sh: effective spin Hall angle of the contact [rad], 0 < theta_SH < pi/2.
            Metals with a negative angle (W, Ta) enter with |theta_SH|: the sign only
            sets the sense of the winding for a given current direction.
        wire_resistivity: resistivity of the contact wires [ohm m].
        gate_length: length of the gated section [m], must be shorter than the loop.
        source: where the numbers come from.
        gate_oxide_thickness: gate oxide t_ox over the gated section [m] (default 1 nm MgO).
        vcma: VCMA coefficient xi of the magnet/oxide interface [J/(V m)] (default 100 fJ/(V m):
            tens to a few hundred fJ/(V m) at Fe/MgO-type interfaces, Maruyama et al.,
            Nat. Nanotechnol. 4, 158 (2009)); sets vgon = K t_ox t_m / xi.
    """

    magnet_width: float
    magnet_thickness: float
    loop_length: float
    contact_area: float
    wire_cross_section: float
    wire_length: float
    g_mix: float
    theta_sh: float
    wire_resistivity: float
    gate_length: float
    source: str = ""
    gate_oxide_thickness: float = 1e-9
    vcma: float = 1e-13

    def __post_init__(self) -> None:
        _validate_dataclass(self, "Geometry")
        if self.gate_length >= self.loop_length:
            raise ParameterError(
                f"Geometry field 'gate_length' = {self.gate_length!r} m must be shorter than "
                f"'loop_length' = {self.loop_length!r} m; allowed range (0:{_fmt(self.loop_length)})"
            )

    @classmethod
    def crossbar(
        cls,
        *,
        magnet_width: float,
        magnet_thickness: float,
        loop_length: float,
        strip_width: float,
        strip_thickness: float,
        wire_length: float,
        g_mix: float,
        theta_sh: float,
        wire_resistivity: float,
        gate_length: float,
        source: str = "",
        gate_oxide_thickness: float = 1e-9,
        vcma: float = 1e-13,
    ) -> "Geometry":
        """Metal strips laid across the magnetic wire (Fig. 1).

        The current runs across the magnet, so the contact area is
        ``S_c = magnet_width * strip_width`` and the strip cross-section is
        ``S_w = strip_width * strip_thickness``; hence ``S_c / S_w = magnet_width / strip_thickness``.
        """
        owner = "Geometry.crossbar"
        w_m = check_field("magnet_width", magnet_width, owner)
        w_s = check_field("strip_width", strip_width, owner)
        t_s = check_field("strip_thickness", strip_thickness, owner)
        return cls(
            magnet_width=w_m,
            magnet_thickness=magnet_thickness,
            loop_length=loop_length,
            contact_area=w_m * w_s,
            wire_cross_section=w_s * t_s,
            wire_length=wire_length,
            g_mix=g_mix,
            theta_sh=theta_sh,
            wire_resistivity=wire_resistivity,
            gate_length=gate_length,
            source=source,
            gate_oxide_thickness=gate_oxide_thickness,
            vcma=vcma,
        )

    @property
    def magnet_cross_section(self) -> float:
        """S_m [m^2]."""
        return self.magnet_width * self.magnet_thickness

    @property
    def contact_ratio(self) -> float:
        """S_c / S_w [-] (eq. 6)."""
        return self.contact_area / self.wire_cross_section


#: The brief calls the contact/geometry record either name; they are the same class.
Contact = Geometry


# --------------------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------------------


def _require(material: object, geometry: object) -> None:
    # ParameterTypeError is both the project's ParameterError and a TypeError
    if not isinstance(material, Material):
        raise ParameterTypeError(f"argument 'material' must be a Material, got {type(material).__name__} {material!r:.80}")
    if not isinstance(geometry, Geometry):
        raise ParameterTypeError(f"argument 'geometry' must be a Geometry, got {type(geometry).__name__} {geometry!r:.80}")


def quasi_1d(material: Material, geometry: Geometry) -> dict[str, float]:
    """Quasi-1D model parameters (keys :data:`QUASI_1D_KEYS`) of a material and geometry.

    * ``stiff = A_ex S_m`` [J m], ``chi = chi_bulk S_m`` [J s^2/m] (eqs. 2, 3, 5),
    * ``damp = alpha s S_m`` [J s/m] (so ``1/tau_alpha = damp/chi``, eq. 1),
    * ``gsp = hbar g_mix S_c / (4 pi)`` [J s] (``g`` of eq. 6, per contact),
    * ``theta = (hbar / 2e)(S_c / S_w) tan(theta_SH)`` [V s] (``vartheta`` of eq. 6),
    * ``rw = 2 rho_w L_w / S_w`` [ohm] (both contact wires in series),
    * ``len = L``, ``lgate`` = gate length [m].

    The result is passed through :func:`compactmodel.core.parameters.validate`; a value outside
    the model's range raises :class:`ParameterError` (prefixed with the inputs' names).
    """
    _require(material, geometry)
    S_m = geometry.magnet_cross_section
    S_c = geometry.contact_area
    S_w = geometry.wire_cross_section
    values = {
        "len": geometry.loop_length,
        "stiff": material.A_ex * S_m,
        "chi": material.chi * S_m,
        "damp": material.alpha * material.s * S_m,
        "gsp": HBAR * geometry.g_mix * S_c / (4.0 * math.pi),
        "theta": HBAR / (2.0 * E_CHARGE) * (S_c / S_w) * math.tan(geometry.theta_sh),
        "rw": 2.0 * geometry.wire_resistivity * geometry.wire_length / S_w,
        "lgate": geometry.gate_length,
    }
    try:
        checked = validate(values)
    except ParameterError as err:
        raise ParameterError(f"material {material.name!r} in this geometry gives a model parameter out of range: {err}") from err
    return {k: checked[k] for k in QUASI_1D_KEYS}


def instance_parameters(material: Material, geometry: Geometry) -> InstanceParameters:
    """Every instance parameter of the model except ``wn0`` and the circuit ones' defaults.

    The quasi-1D values of :func:`quasi_1d` plus the phase-slip and gate parameters:
    ``kani = K S_m`` [J/m], ``vgon = K t_ox t_m / xi`` [V] (VCMA, :func:`compactmodel.physics.gate.vgon_from_vcma`)
    and ``fatt`` [Hz] (:func:`compactmodel.physics.phase_slips.attempt_frequency`).
    """
    q = quasi_1d(material, geometry)
    kani = material.K * geometry.magnet_cross_section
    values = dict(q)
    values["kani"] = kani
    values["vgon"] = vgon_from_vcma(material.K, geometry.gate_oxide_thickness, geometry.magnet_thickness, geometry.vcma)
    values["fatt"] = attempt_frequency(q["stiff"], q["chi"], kani)
    try:
        return validate(values)
    except ParameterError as err:
        raise ParameterError(f"material {material.name!r} in this geometry gives a model parameter out of range: {err}") from err


def mass_per_length(material: Material, geometry: Geometry) -> float:
    """Magnet mass per unit length, ``density * S_m`` [kg/m]."""
    return material.density * geometry.magnet_cross_section


def figures(material: Material, geometry: Geometry) -> dict[str, float]:
    """Derived figures of merit (SI), for later use.

    * ``u`` [m/s]: spin-wave speed sqrt(A/chi).
    * ``landau_winding_density`` [1/m]: sqrt(2K/A_ex).
    * ``mass_per_length`` [kg/m]: density * S_m.
    * ``charging_time`` [s]: L/u (text after eq. 8, order of magnitude).
    * ``landau_energy`` [J]: eq. (8) at the Landau winding, A rho^2 L / 2 = K S_m L.
    * ``landau_specific_energy`` [J/kg]: the same per magnet mass, K / density
      (compare the paper's ~200 Wh/kg = 7.2e5 J/kg bound, eq. 11 and below).
    * ``eta_eq9`` [-]: charging efficiency scaling vartheta^2 / (R sqrt(A chi)) of eq. (9),
      numerical factors dropped as in the paper.
    """
    q = quasi_1d(material, geometry)
    u = material.spin_wave_speed
    rho_c = material.landau_winding_density
    return {
        "u": u,
        "landau_winding_density": rho_c,
        "mass_per_length": mass_per_length(material, geometry),
        "charging_time": scales.transit_time(q["len"], q["stiff"], q["chi"]),
        "landau_energy": q["stiff"] * rho_c**2 * q["len"] / 2.0,
        "landau_specific_energy": material.K / material.density,
        "eta_eq9": 2.0 * scales.eq9_efficiency(q["theta"], q["rw"], q["stiff"], q["chi"]),
    }


@dataclass(frozen=True)
class Device:
    """A named material + geometry pair (what the presets return)."""

    name: str
    material: Material
    geometry: Geometry
    source: str = ""

    def __post_init__(self) -> None:
        _check_text("Device", "name", self.name, allow_empty=False)
        _require(self.material, self.geometry)

    def quasi_1d(self) -> dict[str, float]:
        """See :func:`quasi_1d`."""
        return quasi_1d(self.material, self.geometry)

    def figures(self) -> dict[str, float]:
        """See :func:`figures`."""
        return figures(self.material, self.geometry)

    def instance_parameters(self) -> dict[str, float]:
        """See :func:`instance_parameters`: a complete parameter set for the netlists."""
        return instance_parameters(self.material, self.geometry)

    @property
    def mass_per_length(self) -> float:
        """density * S_m [kg/m]."""
        return mass_per_length(self.material, self.geometry)
