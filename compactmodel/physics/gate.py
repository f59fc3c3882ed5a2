"""The gate: voltage-controlled magnetic anisotropy (VCMA) under the gated section.

The gate electrode sits on an oxide of thickness t_ox over the magnet (thickness t_m). An
electric field E = V/t_ox across the interface changes the interfacial anisotropy by
xi E [J/m^2] (xi: the VCMA coefficient, tens to a few hundred fJ/(V m) at Fe/MgO-type
interfaces: Weisheit et al., Science 315, 349 (2007); Maruyama et al., Nat. Nanotechnol. 4,
158 (2009)). Averaged over the magnet thickness this lowers the easy-plane anisotropy under
the gate by xi V/(t_ox t_m), so

    K_g(V) = K (1 - V/vgon),    vgon = K t_ox t_m / xi     (:func:`vgon_from_vcma`).

At V = vgon the gated section loses its easy plane: its Landau limit sqrt(2 K_g/A_ex) and its
slip barrier go to zero, it can carry no persistent spin current, and the loop is open
(:mod:`compactmodel.physics.phase_slips`). Negative voltages stiffen the easy plane (longer retention).
The ratio s^2 = K_g/K is clamped at 0 with a softplus of width ``GATE_SOFTNESS`` (in V/vgon),
so the model is smooth in V(gate): s^2 = 7e-3 at V = vgon and 5e-7 at 1.1 vgon.

The same law in the form the circuit printers emit is :func:`compactmodel.symbolic.laws.anisotropy_ratio`.
"""

from __future__ import annotations

import math

from ..core.parameters import ParameterError

__all__ = ["GATE_SOFTNESS", "GATE_OPEN_FACTOR", "anisotropy_ratio_value", "open_voltage", "vgon_from_vcma", "VCMA_RANGE"]

#: Width of the softplus clamp of K_g/K at 0, in units of V/vgon [-].
GATE_SOFTNESS = 0.01

#: Gate voltage used to open the loop, in units of vgon: K_g/K = 2e-11 there [-].
GATE_OPEN_FACTOR = 1.2

#: Accepted VCMA coefficients [J/(V m)] (1 fJ/(V m) to 10 pJ/(V m)).
VCMA_RANGE = (1e-15, 1e-11)


def anisotropy_ratio_value(v_gate: float, vgon: float) -> float:
    """s^2 = K_g/K under the gate: 1 - V/vgon, smoothly clamped at 0  [-]."""
    z = 1.0 - v_gate / vgon
    w = GATE_SOFTNESS
    return max(z, 0.0) + w * math.log1p(math.exp(-abs(z) / w))


def open_voltage(vgon: float) -> float:
    """The gate voltage the package uses to open the loop, GATE_OPEN_FACTOR x vgon  [V]."""
    return GATE_OPEN_FACTOR * vgon


def vgon_from_vcma(K: float, oxide_thickness: float, magnet_thickness: float, xi: float) -> float:
    """Gate voltage that cancels the easy-plane anisotropy: vgon = K t_ox t_m / xi  [V].

    K [J/m^3] (energy K n_z^2), oxide and magnet thicknesses [m], VCMA coefficient xi [J/(V m)].
    """
    checks = (("K", K, 1e-3, 1e9, "J/m^3"), ("oxide_thickness", oxide_thickness, 1e-10, 1e-7, "m"),
              ("magnet_thickness", magnet_thickness, 1e-10, 1e-6, "m"), ("xi", xi, *VCMA_RANGE, "J/(V m)"))
    for name, value, lo, hi, unit in checks:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
            raise ParameterError(f"{name} = {value!r} {unit}: allowed range [{lo:g}, {hi:g}] {unit}")
    return K * oxide_thickness * magnet_thickness / xi
