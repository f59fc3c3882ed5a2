"""Preset devices with their sources: material + geometry pairs (:class:`Device`).

* :func:`reference_device`: the defaults of :mod:`compactmodel.core.parameters` (a 1 um
  antiferromagnetic-insulator wire with Pt-like contacts);
* :func:`paper_idealized`: the paper's idealised antiferromagnet with an order-one spin Hall angle;
* :func:`yig_pt`: YIG with Pt contacts (easy plane from thin-film shape anisotropy);
* :func:`afm_pt`: a NiO-like antiferromagnet with Pt contacts.

:data:`PRESETS` maps each name to its constructor.
"""

from __future__ import annotations

import math
from typing import Callable

from ..core.constants import E_CHARGE, HBAR
from ..core.parameters import InstanceParameters, ParameterError
from .materials import Device, Geometry, Material

__all__ = ["reference_device", "paper_idealized", "yig_pt", "afm_pt", "PRESETS", "preset_parameters"]

_PAPER = "Tserkovnyak & Xiao, PRL 121, 127701 (2018)"
_PT = (
    "Pt: theta_SH ~ 0.05-0.1 (Sinova et al., RMP 87, 1213 (2015); Hoffmann, IEEE Trans. Magn. "
    "49, 5172 (2013)), thin-film resistivity ~ 2e-7 ohm m"
)


def reference_device() -> Device:
    """The device whose quasi-1D values are the defaults of :mod:`compactmodel.core.parameters`.

    1 um antiferromagnetic-insulator loop, 50 nm x 10 nm (S_m = 5e-16 m^2), with Pt-like
    crossbar contacts (50 nm wide, 5 nm thick strips: S_c = 2.5e-15 m^2, S_c/S_w = 10),
    1 um of wire per contact, 20 nm gate.

    * A_ex = 5e-12 J/m -> stiff = 2.5e-27 J m.
    * chi from the paper's ``sqrt(A chi) = hbar S_m / a^2``, a = 0.3 nm, S = 1
      -> chi = 1.373e-34 J s^2/m; u = 4.27e3 m/s.
    * s = hbar / a^3 (one spin 1 per a^3); alpha = 1.024e-4 (i.e. ~1e-4, tuned so that
      damp = alpha s S_m = 2.00e-25 J s/m; alpha = 1e-4 exactly would give 1.95e-25).
    * g_mix = 4.77e18 m^-2 (Pt/insulator order, 1e18-1e19) -> gsp = 1.00e-31 J s.
    * tan theta_SH = 0.1 -> theta = hbar/2e = 3.29e-16 V s.
    * rho_w = 2e-7 ohm m (Pt film), L_w = 1 um, S_w = 2.5e-16 m^2 -> rw = 1600 ohm.
    * K = 1.25e4 J/m^3 (assumed: healing length sqrt(A_ex/K) = 20 nm, the paper's
      "tens of nanometers"); density 7e3 kg/m^3 (the paper's estimate below eq. 11).
    """
    a = 0.3e-9
    material = Material.antiferromagnet(
        "reference AFM insulator",
        A_ex=5e-12,
        a=a,
        spin=1.0,
        alpha=1.024e-4,
        K=1.25e4,
        density=7e3,
        source=f"{_PAPER}: sqrt(A chi) ~ hbar S_m/a^2 (a = 3 A), density 7e3 kg/m^3; "
        "A_ex, alpha, K: project reference values (compactmodel/core/parameters.py defaults)",
    )
    geometry = Geometry.crossbar(
        magnet_width=50e-9,
        magnet_thickness=10e-9,
        loop_length=1e-6,
        strip_width=50e-9,
        strip_thickness=5e-9,
        wire_length=1e-6,
        g_mix=4.77e18,
        theta_sh=math.atan(0.1),
        wire_resistivity=2e-7,
        gate_length=20e-9,
        source=f"project reference geometry; {_PT}; g_mix of Pt/insulator order 1e18-1e19 m^-2",
    )
    return Device("reference_device", material, geometry, source="compactmodel.core.parameters defaults")


def paper_idealized() -> Device:
    """The paper's idealised antiferromagnet estimate, with an order-one spin Hall angle.

    * a = 3 A, S = 1, exchange J = 0.1 eV (the paper: typical room-temperature J is an
      order of magnitude below 1 eV); bulk stiffness A_ex ~ J/a = 5.34e-11 J/m (eq. 11);
      chi from ``sqrt(A chi) = hbar S_m/a^2``, so u = aJ/hbar = 4.6e4 m/s (the paper's
      u ~ aJ/hbar ~ 1e5 m/s). s = hbar/a^3; density 7e3 kg/m^3 (paper, below eq. 11).
    * K chosen so the healing length sqrt(A_ex/K) is 10 nm ("tens of nanometers").
    * alpha = 1e-4 (assumed low damping; the paper gives no number).
    * theta_SH = pi/4 (tan = 1: "spin Hall angle of order unity ... within reach", ref. 29),
      with Pt-like resistivity 2e-7 ohm m and g_mix = 5e18 m^-2 -- an idealisation: the
      materials with the largest spin Hall angles are far more resistive than Pt.
    * Geometry as the reference device (50 nm x 10 nm wire, 1 um loop, S_c/S_w = 10).
    """
    a = 3e-10
    J = 0.1 * E_CHARGE
    material = Material.antiferromagnet(
        "paper idealized AFM",
        A_ex=J / a,
        a=a,
        spin=1.0,
        alpha=1e-4,
        K=(J / a) / (10e-9) ** 2,
        density=7e3,
        source=f"{_PAPER}: eq. (11) A ~ J/a, sqrt(A chi) ~ hbar S_m/a^2, a = 3 A, 7e3 kg/m^3, "
        "J = 0.1 eV ('an order of magnitude lower' than 1 eV); alpha and K assumed",
    )
    geometry = Geometry.crossbar(
        magnet_width=50e-9,
        magnet_thickness=10e-9,
        loop_length=1e-6,
        strip_width=50e-9,
        strip_thickness=5e-9,
        wire_length=1e-6,
        g_mix=5e18,
        theta_sh=math.pi / 4,
        wire_resistivity=2e-7,
        gate_length=20e-9,
        source=f"{_PAPER}: theta_SH of order unity (ref. 29, Hellman et al., RMP 89, 025006 (2017)); "
        "Pt-like wire resistivity and g_mix assumed",
    )
    return Device("paper_idealized", material, geometry, source=_PAPER)


def yig_pt() -> Device:
    """YIG wire with Pt spin-Hall contacts (easy plane from thin-film shape anisotropy).

    * YIG: micromagnetic A = 3.7 pJ/m (Klingler et al., J. Phys. D 48, 015001 (2015),
      arXiv:1408.5772: A = 3.65 +- 0.38 pJ/m), so A_ex = 7.4 pJ/m in the paper's
      convention; M_s = 1.4e5 A/m (4 pi M_s ~ 1750 G at room temperature), free-electron
      gamma; alpha = 1e-4 (good thin films; up to 1e-3); K = mu0 M_s^2/2 = 1.23e4 J/m^3;
      density 5.17e3 kg/m^3. Then chi = s^2/(2K) and u = gamma sqrt(2 mu0 A) = 537 m/s.
    * Wire 500 nm x 20 nm: wide compared with its thickness so the in-plane shape
      anisotropy (demagnetising factor ~ t/(w+t) ~ 0.04) that breaks the U(1) symmetry is
      small; 5 um loop, 100 nm gate.
    * Pt strips 100 nm wide, 5 nm thick, 1 um long each: S_c = 5e-14 m^2, S_c/S_w = 100;
      theta_SH = 0.08; rho = 2e-7 ohm m; g_mix = 1.3e18 m^-2 (Qiu et al., APL 103, 092404
      (2013), arXiv:1302.7091; Pt/YIG values span 1e18-1e19 m^-2, cf. Weiler et al.,
      PRL 111, 176601 (2013)).
    """
    material = Material.ferromagnet(
        "YIG",
        A_micromagnetic=3.7e-12,
        M_s=1.4e5,
        alpha=1e-4,
        density=5.17e3,
        source="Klingler et al., J. Phys. D 48, 015001 (2015) (A = 3.65 pJ/m); M_s = 1.4e5 A/m, "
        "alpha ~ 1e-4 (thin films up to 1e-3): standard YIG values; shape anisotropy mu0 Ms^2/2",
    )
    geometry = Geometry.crossbar(
        magnet_width=500e-9,
        magnet_thickness=20e-9,
        loop_length=5e-6,
        strip_width=100e-9,
        strip_thickness=5e-9,
        wire_length=1e-6,
        g_mix=1.3e18,
        theta_sh=0.08,
        wire_resistivity=2e-7,
        gate_length=100e-9,
        source=f"{_PT}; Pt/YIG g_mix = 1.3e18 m^-2 (Qiu et al., APL 103, 092404 (2013)); "
        "range 1e18-1e19 (Weiler et al., PRL 111, 176601 (2013))",
    )
    return Device("yig_pt", material, geometry, source="YIG/Pt, see docstring")


def afm_pt() -> Device:
    """NiO-like antiferromagnetic-insulator wire with Pt spin-Hall contacts.

    * NiO: rock salt a0 = 4.177 A, Ni-Ni spacing a = a0/sqrt(2) = 2.95 A, S = 1 per Ni,
      volume per Ni a0^3/4; density 6.67e3 kg/m^3.
    * Spin-wave speed from the measured initial slope of the magnon dispersion,
      ~250 meV A (Hutchings & Samuelsen, PRB 6, 3447 (1972)): u = 3.8e4 m/s. Combined with
      the paper's ``sqrt(A chi) = S hbar/a^2`` this fixes A_ex = u S hbar / a^2 = 4.6e-11 J/m
      and chi = S hbar / (a^2 u).
    * Easy-plane anisotropy from the out-of-plane antiferromagnetic resonance near 1 THz
      (Kampfrath et al., Nat. Photon. 5, 31 (2011); Z. Wang et al., arXiv:1806.07968):
      for energy K n_z^2 the gap is omega^2 = 2K/chi, so K = chi (2 pi 1 THz)^2 / 2.
      NiO also has a weak in-plane anisotropy (the ~0.15 THz mode) that the U(1) model
      ignores.
    * alpha = 5e-4 (assumed order of magnitude, not a measured value for such wires).
    * Wire 100 nm x 10 nm, 2 um loop, 20 nm gate; Pt strips 100 nm x 5 nm, 1 um each
      (S_c/S_w = 20), theta_SH = 0.08, rho = 2e-7 ohm m; g_mix = 2e18 m^-2 (assumed of the
      Pt/YIG order; no Pt/NiO value is used).
    """
    a0 = 4.177e-10
    a = a0 / math.sqrt(2.0)
    spin = 1.0
    u = 0.250 * E_CHARGE * 1e-10 / HBAR  # 250 meV A / hbar
    sqrt_A_chi = spin * HBAR / a**2
    A_ex = u * sqrt_A_chi
    chi = sqrt_A_chi / u
    omega = 2.0 * math.pi * 1.0e12
    material = Material.antiferromagnet(
        "NiO",
        A_ex=A_ex,
        a=a,
        spin=spin,
        spin_volume=a0**3 / 4.0,
        chi=chi,
        alpha=5e-4,
        K=chi * omega**2 / 2.0,
        density=6.67e3,
        source="Hutchings & Samuelsen, PRB 6, 3447 (1972) (magnon slope 250 meV A); "
        f"{_PAPER} sqrt(A chi) ~ hbar S/a^2; Kampfrath et al., Nat. Photon. 5, 31 (2011) (1 THz mode); "
        "alpha assumed",
    )
    geometry = Geometry.crossbar(
        magnet_width=100e-9,
        magnet_thickness=10e-9,
        loop_length=2e-6,
        strip_width=100e-9,
        strip_thickness=5e-9,
        wire_length=1e-6,
        g_mix=2e18,
        theta_sh=0.08,
        wire_resistivity=2e-7,
        gate_length=20e-9,
        source=f"{_PT}; g_mix assumed of Pt/YIG order (1e18-1e19 m^-2)",
    )
    return Device("afm_pt", material, geometry, source="NiO/Pt, see docstring")


#: Preset name -> constructor.
PRESETS: dict[str, Callable[[], Device]] = {
    "reference_device": reference_device,
    "paper_idealized": paper_idealized,
    "yig_pt": yig_pt,
    "afm_pt": afm_pt,
}


def preset_parameters(name: str) -> InstanceParameters:
    """Validated instance parameters of the preset ``name`` (a key of :data:`PRESETS`)."""
    if name not in PRESETS:
        raise ParameterError(f"unknown preset {name!r}; allowed presets: {', '.join(PRESETS)}")
    return PRESETS[name]().instance_parameters()
