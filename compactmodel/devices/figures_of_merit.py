"""Figures of merit of one spin-texture battery: capacity, energy density, efficiency, speed, retention.

Tserkovnyak & Xiao, PRL 121, 127701 (2018). Each figure names the equation it evaluates:

* rated capacity (:func:`compactmodel.physics.capacity.rating`): the largest uniform winding density
  k_full kept 90 % for 10 years at the given temperature with the gate closed; its energy
  stiff k_full^2 len / 2 (eq. 8 with eq. 7), winding k_full len / 2 pi, current stiff k_full / theta;
* Landau limit k_c = sqrt(2 kani/stiff) (Landau criterion, text after eq. 11, factor derived in
  :func:`compactmodel.symbolic.barrier.derive_barrier`) and its energy stiff k_c^2 len / 2 = kani len;
* energies per loop length [J/m]; with a :class:`compactmodel.devices.materials.Device` also per magnet
  volume S_m len [J/m^3] and per magnet mass density S_m len [J/kg, Wh/kg] (compare the
  paper's ~200 Wh/kg below eq. 11). A bare parameter mapping carries neither the
  cross-section nor the mass density, so those figures are then left out (and a note says so);
* charging efficiency, eq. (9): as printed, vartheta^2/(R sqrt(A chi)); with the prefactor the
  derivation gives, vartheta^2/(2 R sqrt(A chi)) = E / (R I^2 L/u); and ``charge_efficiency``,
  defined below;
* spin-wave speed u = sqrt(A/chi) and charging time L/u (text after eq. 8);
* phase-slip barrier at zero winding E0 = 2 sqrt(2 stiff kani), also in k_B T; retention
  (time to lose 10 % of the winding, gate closed) at the rated charge and at 0.5 k_c
  (:func:`compactmodel.physics.phase_slips.retention_time`).

``charge_efficiency`` is the stored energy over the electrical energy delivered by a
constant-current charge lasting one charging time L/u: E / (R I^2 L/u + vartheta I Theta_inf).
The second term is the work of the spin-Hall torque, vartheta I times the settled twist of
eq. (7), i.e. 2E: a constant torque winding a damped spring stores half its work and loses the
other half to spin pumping and Gilbert damping. The result, eta9/(1 + 2 eta9) with eta9 the
eq. (9) value with its prefactor, does not depend on the current and never exceeds 1/2; it
assumes the twist has settled by L/u (exact for matched contacts without bulk damping;
otherwise the Joule term is a lower bound). This is the paper's remark after eq. (10) that
near eta -> 1 damping and spin pumping must be accounted for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Union

from ..core.constants import K_B
from ..core.parameters import ParameterError, validate
from ..physics import capacity, scales
from ..physics.phase_slips import retention_time
from .materials import Device

__all__ = ["Figure", "FigureTable", "figures_of_merit", "figure_table", "JOULE_PER_WATT_HOUR", "TEMPERATURE_RANGE"]

#: 1 Wh = 3600 J.
JOULE_PER_WATT_HOUR = 3600.0

#: Allowed circuit temperature [K] (the range of the ``tnom`` parameter).
TEMPERATURE_RANGE: tuple[float, float] = (1.0, 2000.0)

#: Fraction of the Landau limit at which the rating's search stops
#: (:func:`compactmodel.physics.phase_slips.max_retained_winding_density`).
_RATING_SEARCH_BOUND = 0.999


@dataclass(frozen=True)
class Figure:
    """One figure of merit: ``name``, ``value`` (SI), ``unit``, ``description`` (with the equation), ``note``."""

    name: str
    value: float
    unit: str
    description: str
    note: str = ""

    def __iter__(self):
        """Unpacks as ``(name, value, unit, description)``."""
        return iter((self.name, self.value, self.unit, self.description))


@dataclass(frozen=True)
class FigureTable:
    """The figures of one device at one temperature, with notes on what was left out."""

    device: str
    temperature: float
    figures: tuple[Figure, ...]
    notes: tuple[str, ...]

    def __getitem__(self, name: str) -> Figure:
        for f in self.figures:
            if f.name == name:
                return f
        raise KeyError(f"no figure {name!r}; figures: {', '.join(f.name for f in self.figures)}")

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.figures)


#: A :class:`compactmodel.devices.materials.Device` or a mapping of instance parameters (SI).
DeviceOrParams = Union[Device, Mapping[str, float]]


def _check_temperature(temperature: object) -> float:
    lo, hi = TEMPERATURE_RANGE
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not math.isfinite(temperature) \
            or not lo <= temperature <= hi:
        raise ParameterError(f"temperature = {temperature!r} K is outside the allowed range [{lo:g}:{hi:g}] K")
    return float(temperature)


def _resolve(device_or_params: object) -> tuple[str, dict[str, float], float | None, float | None]:
    """(label, validated parameters, magnet cross-section S_m [m^2] or None, density [kg/m^3] or None)."""
    if isinstance(device_or_params, Device):
        dev = device_or_params
        return dev.name, dev.instance_parameters(), dev.geometry.magnet_cross_section, dev.material.density
    if isinstance(device_or_params, Mapping):
        return "parameters", validate(device_or_params), None, None
    raise ParameterError(
        "figures_of_merit needs a materials.Device or a mapping of instance parameters, "
        f"got {type(device_or_params).__name__}"
    )


def figure_table(device_or_params: DeviceOrParams, temperature: float = 300.15) -> FigureTable:
    """Figures of merit of a device (or instance parameters) at ``temperature`` [K]; see the module docstring."""
    t = _check_temperature(temperature)
    label, p, s_m, density = _resolve(device_or_params)
    figs: list[Figure] = []
    notes: list[str] = []

    def add(name: str, value: float, unit: str, description: str, note: str = "") -> None:
        figs.append(Figure(name, float(value), unit, description, note))

    # --- rated capacity (10-year retention) and the Landau limit
    try:
        rated = capacity.rating(p, temperature=t)
    except ParameterError as err:  # p is validated: only "keeps no winding for 10 years" remains
        rated, no_rating = None, str(err)
    sc = scales.device_scales(p, t)
    k_c = sc.landau_winding_density
    e_landau = p["stiff"] * k_c**2 * p["len"] / 2.0
    rated_note = ""
    if rated is None:
        rated_note = f"rated capacity 0: {no_rating}"
    elif rated.fraction_of_landau >= _RATING_SEARCH_BOUND * (1 - 1e-9):
        rated_note = (f"10-year retention holds at every winding below the Landau limit; the rating stops at "
                      f"its search bound {_RATING_SEARCH_BOUND} k_c")
    e_full = rated.energy if rated else 0.0
    k_full = rated.winding_density if rated else 0.0
    add("rated_energy", e_full, "J", "rated full charge stiff k_full^2 len/2, kept 90 % for 10 years (eq. 8, capacity.rating)", rated_note)
    add("rated_winding", rated.winding if rated else 0.0, "turns", "rated winding k_full len / 2 pi", rated_note)
    add("rated_winding_density", k_full, "rad/m", "rated winding density k_full (capacity.rating)", rated_note)
    add("rated_fraction_of_landau", k_full / k_c, "1", "k_full / k_c", rated_note)
    add("rated_current", rated.current if rated else 0.0, "A", "full-charge current stiff k_full / theta (eq. 7 inverted)", rated_note)
    add("landau_winding_density", k_c, "rad/m", "Landau limit k_c = sqrt(2 kani/stiff) (text after eq. 11)")
    add("landau_current", sc.landau_current, "A", "current whose eq. (7) winding is k_c")
    add("landau_energy", e_landau, "J", "stored energy at the Landau limit stiff k_c^2 len/2 = K S_m len (eq. 8)")

    # --- energy densities
    add("rated_energy_per_length", e_full / p["len"], "J/m", "rated energy per loop length")
    add("landau_energy_per_length", e_landau / p["len"], "J/m", "Landau-limit energy per loop length (= kani)")
    if s_m is not None and density is not None:
        volume = s_m * p["len"]
        mass = density * volume
        add("magnet_volume", volume, "m^3", "magnet volume S_m len between the contacts")
        add("magnet_mass", mass, "kg", "magnet mass density S_m len")
        add("rated_energy_density", e_full / volume, "J/m^3", "rated energy per magnet volume")
        add("landau_energy_density", e_landau / volume, "J/m^3", "Landau-limit energy per magnet volume (= K)")
        add("rated_specific_energy", e_full / mass, "J/kg", "rated energy per magnet mass")
        add("rated_specific_energy_wh", e_full / mass / JOULE_PER_WATT_HOUR, "Wh/kg", "rated energy per magnet mass")
        add("landau_specific_energy", e_landau / mass, "J/kg", "Landau-limit energy per magnet mass (= K/density)")
        add("landau_specific_energy_wh", e_landau / mass / JOULE_PER_WATT_HOUR, "Wh/kg",
            "Landau-limit energy per magnet mass (paper, below eq. 11: ~200 Wh/kg at J ~ 1 eV)")
    else:
        notes.append("volume and mass figures need a materials.Device (magnet cross-section and mass density); "
                     "a parameter mapping has neither, so they are not shown")

    # --- charging: eq. (9), speed, time
    eta9 = scales.eq9_efficiency(p["theta"], p["rw"], p["stiff"], p["chi"])
    add("eta_eq9_scaling", 2.0 * eta9, "1",
        "eq. (9) as printed: vartheta^2 / (R sqrt(A chi))")
    add("eta_eq9", eta9, "1", "eq. (9) with its prefactor: E / (R I^2 L/u) = vartheta^2 / (2 R sqrt(A chi))")
    add("charge_efficiency", scales.charge_efficiency(p["theta"], p["rw"], p["stiff"], p["chi"]), "1",
        "E / (R I^2 L/u + torque work 2E): constant-current charge over L/u, any I (module docstring)")
    add("spin_wave_speed", sc.spin_wave_speed, "m/s", "u = sqrt(A/chi) (text after eq. 8)")
    add("charging_time", sc.transit_time, "s", "L/u (text after eq. 8)")

    # --- phase slips and retention (gate closed, 0 V)
    e0 = sc.barrier
    add("barrier_zero_winding", e0, "J", "phase-slip barrier E0 = 2 sqrt(2 stiff kani) at zero winding")
    add("barrier_zero_winding_kT", e0 / (K_B * (t + p["dtemp"])), "k_B T", "E0 / k_B T at the device temperature")
    if rated is not None:
        t_rated = retention_time(p, k_full, t)
        add("retention_rated", t_rated, "s", "time to lose 10 % of the rated winding (gate closed)",
            "inf: no measurable leakage" if math.isinf(t_rated) else rated_note)
    t_half = retention_time(p, 0.5 * k_c, t)
    add("retention_half_landau", t_half, "s", "time to lose 10 % of a winding at 0.5 k_c (gate closed)",
        "inf: no measurable leakage" if math.isinf(t_half) else "")
    return FigureTable(label, t, tuple(figs), tuple(notes))


def figures_of_merit(device_or_params: DeviceOrParams, temperature: float = 300.15) -> list[Figure]:
    """The figures of :func:`figure_table` as a list of :class:`Figure` (unpack: name, value, unit, description)."""
    return list(figure_table(device_or_params, temperature).figures)
