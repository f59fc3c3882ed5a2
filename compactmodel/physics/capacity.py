"""Rated capacity and state of charge of a spin-texture battery.

"Full charge" is defined by retention, the way a storage device is rated: the largest
uniform winding density ``k_full`` that keeps 90 % of its winding for ``t_retention``
(default 10 years) at the rating temperature with the gate closed
(:func:`compactmodel.physics.phase_slips.max_retained_winding_density`). It never exceeds the
Landau limit k_c = sqrt(2 kani/stiff).

* rated energy  E_full = stiff k_full^2 len / 2               [J]   (eq. 8 with vartheta I = A k)
* full-charge current  I_full = stiff k_full / theta            [A]   (eq. 7 inverted)
* state of charge  SOC = E_stored / E_full                      [-]   (may exceed 1 if overcharged)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from ..core.constants import YEAR
from ..core.parameters import ParameterError, is_real, validate
from .phase_slips import max_retained_winding_density
from .scales import device_scales

__all__ = ["Rating", "rating", "state_of_charge"]


@dataclass(frozen=True)
class Rating:
    """Rated full charge of one device (SI units)."""

    winding_density: float  #: k_full [rad/m]
    landau_winding_density: float  #: k_c [rad/m]
    energy: float  #: E_full = stiff k_full^2 len / 2 [J]
    current: float  #: I_full = stiff k_full / theta [A]
    winding: float  #: k_full len / 2 pi [turns]
    t_retention: float  #: rating retention time [s]
    temperature: float  #: rating temperature [K]

    @property
    def fraction_of_landau(self) -> float:
        """k_full / k_c [-]."""
        return self.winding_density / self.landau_winding_density


def rating(params: Mapping[str, float] | None = None, t_retention: float = 10 * YEAR,
           temperature: float = 300.15) -> Rating:
    """Rated full charge: the winding kept (90 %) for ``t_retention`` [s] at ``temperature`` [K]."""
    p = validate(params or {})
    if not is_real(t_retention) or not (
            math.isfinite(t_retention) and t_retention > 0):
        raise ParameterError(f"t_retention = {t_retention!r} s: allowed range (0, inf)")
    kc = device_scales(p, temperature).landau_winding_density
    k = max_retained_winding_density(p, t_retention, temperature)
    if k <= 0.0:
        raise ParameterError(
            f"this device keeps no winding for t_retention = {t_retention:.3g} s at {temperature:.2f} K "
            "(the phase-slip barrier is too low); choose a shorter retention or a larger kani*stiff"
        )
    return Rating(
        winding_density=k,
        landau_winding_density=kc,
        energy=p["stiff"] * k**2 * p["len"] / 2.0,
        current=p["stiff"] * k / p["theta"],
        winding=k * p["len"] / (2.0 * math.pi),
        t_retention=t_retention,
        temperature=temperature,
    )


def state_of_charge(stored_energy, rated: Rating):
    """SOC = stored energy [J] / rated energy [J] (numpy arrays pass through)  [-]."""
    return stored_energy / rated.energy
