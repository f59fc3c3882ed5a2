"""Characteristic scales of the spin line: one home for every formula (SI units).

Each function evaluates one closed form derived in :mod:`compactmodel.symbolic.continuum`
(the paper's eqs. 1-9) or :func:`compactmodel.symbolic.barrier.derive_barrier` (Landau
limit, slip barrier); the tests check them against those derivations. Arguments are the
quasi-1D quantities of :mod:`compactmodel.core.parameters` (bulk values times the wire
cross-section), but the ratios also hold for bulk values (e.g. u = sqrt(A_ex/chi_bulk)).

:func:`device_scales` evaluates all of them for one device at one temperature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from ..core.constants import K_B
from ..core.parameters import ParameterError, is_real, validate

__all__ = [
    "spin_wave_speed", "transit_time", "line_impedance", "landau_winding_density", "healing_length",
    "barrier_scale", "landau_current", "port_inductance", "elmore_charging_time", "eq9_efficiency", "charge_efficiency",
    "anisotropy_factor", "ANISOTROPY_FLOOR", "DeviceScales", "device_scales", "check_temperature",
]

#: Smallest K(T)/K(tnom) the temperature law may give (the circuit form clamps there too) [-].
ANISOTROPY_FLOOR = 1e-3


def spin_wave_speed(stiff: float, chi: float) -> float:
    """u = sqrt(A/chi)  [m/s] (text after eq. 8)."""
    return math.sqrt(stiff / chi)


def transit_time(length: float, stiff: float, chi: float) -> float:
    """tau_s = L/u = L sqrt(chi/A)  [s]: the charging time of matched contacts (text after eq. 8)."""
    return length / spin_wave_speed(stiff, chi)


def line_impedance(stiff: float, chi: float) -> float:
    """Characteristic impedance of the spin line 1/sqrt(A chi)  [rad s^-1 J^-1]; sqrt(A chi) is the
    matched spin-pumping coefficient g [J s]."""
    return 1.0 / math.sqrt(stiff * chi)


def landau_winding_density(stiff: float, kani: float) -> float:
    """Landau limit k_c = sqrt(2 kani/A)  [rad/m]: the slip barrier vanishes there."""
    return math.sqrt(2.0 * kani / stiff)


def healing_length(stiff: float, kani: float) -> float:
    """xi = 1/k_c = sqrt(A/(2 kani))  [m]: size of a phase slip's core."""
    return math.sqrt(stiff / (2.0 * kani))


def barrier_scale(stiff: float, kani: float) -> float:
    """E0 = 2 sqrt(2 A kani)  [J]: the phase-slip barrier at zero winding."""
    return 2.0 * math.sqrt(2.0 * stiff * kani)


def landau_current(stiff: float, kani: float, theta: float) -> float:
    """Charging current whose eq. (7) winding density theta I/A is the Landau limit  [A]."""
    return stiff * landau_winding_density(stiff, kani) / theta


def port_inductance(theta: float, length: float, stiff: float) -> float:
    """Low-frequency inductance of the electrical port vartheta^2 L/A  [H] (eq. 8)."""
    return theta**2 * length / stiff


def elmore_charging_time(length: float, stiff: float, gsp: float, damp: float) -> float:
    """First moment of the twist's step response (g/2 + alpha s L/12) L/A  [s]."""
    return (gsp / 2.0 + damp * length / 12.0) * length / stiff


def eq9_efficiency(theta: float, rw: float, stiff: float, chi: float) -> float:
    """Eq. (9) with its prefactor: E / (R I^2 L/u) = vartheta^2 / (2 R sqrt(A chi))  [-]."""
    return theta**2 / (2.0 * rw * math.sqrt(stiff * chi))


def charge_efficiency(theta: float, rw: float, stiff: float, chi: float) -> float:
    """Stored energy over the electrical energy of a constant-current charge lasting L/u  [-]:
    E / (R I^2 L/u + vartheta I Theta_inf) = eta9 / (1 + 2 eta9), eta9 = :func:`eq9_efficiency`
    (the torque's work vartheta I Theta_inf is 2E: half is lost to spin pumping and Gilbert damping)."""
    eta9 = eq9_efficiency(theta, rw, stiff, chi)
    return eta9 / (1.0 + 2.0 * eta9)


def anisotropy_factor(tcani: float, tnom: float, t_device: float) -> float:
    """K(T)/K(tnom) = 1 + tcani (T - tnom), floored at :data:`ANISOTROPY_FLOOR`  [-]."""
    return max(1.0 + tcani * (t_device - tnom), ANISOTROPY_FLOOR)


@dataclass(frozen=True)
class DeviceScales:
    """The scales of one device at one circuit temperature (SI)."""

    temperature: float  #: circuit temperature [K]
    device_temperature: float  #: circuit temperature + dtemp [K]
    anisotropy_factor: float  #: K(T)/K(tnom) [-]
    spin_wave_speed: float  #: u [m/s]
    transit_time: float  #: L/u [s]
    landau_winding_density: float  #: k_c(T) [rad/m]
    healing_length: float  #: 1/k_c(T) [m]
    barrier: float  #: E0(T) [J]
    landau_current: float  #: [A]

    @property
    def barrier_kt(self) -> float:
        """E0 / k_B T at the device temperature [-]."""
        return self.barrier / (K_B * self.device_temperature)


def check_temperature(temperature: object) -> float:
    """A circuit temperature [K] as a float, or :class:`ParameterError` (allowed [1, 2000] K)."""
    if not (is_real(temperature) and math.isfinite(temperature) and 1.0 <= temperature <= 2000.0):
        raise ParameterError(f"temperature = {temperature!r} K: allowed range [1, 2000] K")
    return float(temperature)


def device_scales(params: Mapping[str, float] | None = None, temperature: float = 300.15) -> DeviceScales:
    """Every scale of the device ``params`` (instance parameters; default the reference device) at
    the circuit temperature ``temperature`` [K]: the Landau limit k_c(T), the barrier E0(T), the
    Landau current, the spin-wave speed, the transit time, ..."""
    params = validate(params)
    temperature = check_temperature(temperature)
    t_dev = temperature + params["dtemp"]
    if not 1.0 <= t_dev <= 2000.0:
        raise ParameterError(f"device temperature = temperature + dtemp = {temperature:g} K + {params['dtemp']:g} K = "
                             f"{t_dev:g} K: allowed range [1, 2000] K (choose dtemp in [{1.0 - temperature:g}, "
                             f"{2000.0 - temperature:g}] K at this circuit temperature)")
    raw = 1.0 + params["tcani"] * (t_dev - params["tnom"])
    if raw <= ANISOTROPY_FLOOR:
        raise ParameterError(f"K(T)/K(tnom) = 1 + tcani (T - tnom) = 1 + {params['tcani']:g}/K x ({t_dev:g} K - "
                             f"{params['tnom']:g} K) = {raw:g}: allowed range ({ANISOTROPY_FLOOR:g}, inf) (the easy plane "
                             "vanishes at this temperature; check tcani, tnom, dtemp and the circuit temperature)")
    fani = anisotropy_factor(params["tcani"], params["tnom"], t_dev)
    stiff, kani = params["stiff"], params["kani"] * fani
    return DeviceScales(
        temperature=temperature,
        device_temperature=t_dev,
        anisotropy_factor=fani,
        spin_wave_speed=spin_wave_speed(stiff, params["chi"]),
        transit_time=transit_time(params["len"], stiff, params["chi"]),
        landau_winding_density=landau_winding_density(stiff, kani),
        healing_length=healing_length(stiff, kani),
        barrier=barrier_scale(stiff, kani),
        landau_current=landau_current(stiff, kani, params["theta"]),
    )
