"""Tests of compactmodel.devices.materials: material + geometry -> quasi-1D parameters.

Physical constants are typed in here (CODATA 2018 exact / recommended values) rather than
taken from the module, so the hand checks are independent of the implementation.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from compactmodel.devices import materials as mt
from compactmodel.devices import presets
from compactmodel.core.parameters import ParameterError, defaults, validate

HBAR = 1.054571817e-34  # J s
E = 1.602176634e-19  # C
MU0 = 1.25663706212e-6  # T m/A
GAMMA = 1.76085963023e11  # 1/(s T)

def approx(expected: float, rel: float = 1e-6) -> object:
    """pytest.approx with a purely relative tolerance.

    Plain ``pytest.approx`` keeps an absolute tolerance of 1e-12 even when ``rel`` is given,
    which would make every comparison of ~1e-30 quantities pass vacuously.
    """
    return pytest.approx(expected, rel=rel, abs=0.0)


KEYS = {"len", "stiff", "chi", "damp", "gsp", "theta", "rw", "lgate"}


def _geometry(**over: object) -> mt.Geometry:
    kw: dict[str, object] = dict(
        magnet_width=50e-9,
        magnet_thickness=10e-9,
        loop_length=1e-6,
        contact_area=1e-14,
        wire_cross_section=2e-16,
        wire_length=3e-6,
        g_mix=2e18,
        theta_sh=0.3,
        wire_resistivity=1e-7,
        gate_length=20e-9,
    )
    kw.update(over)
    return mt.Geometry(**kw)  # type: ignore[arg-type]


def _material(**over: object) -> mt.Material:
    kw: dict[str, object] = dict(
        name="test", A_ex=5e-12, s=4e-6, alpha=1e-3, chi=3e-19, K=1e4, density=5e3
    )
    kw.update(over)
    return mt.Material(**kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- presets


@pytest.mark.parametrize("name", sorted(presets.PRESETS))
def test_preset_converts_and_validates(name: str) -> None:
    dev = presets.PRESETS[name]()
    assert isinstance(dev, mt.Device)
    q = dev.quasi_1d()
    assert set(q) == KEYS
    for k, v in q.items():
        assert math.isfinite(v) and v > 0, (k, v)
    full = validate(q)  # must not raise
    for k in KEYS:
        assert full[k] == q[k]
    fig = dev.figures()
    for k in ("u", "landau_winding_density", "mass_per_length"):
        assert math.isfinite(fig[k]) and fig[k] > 0
    assert dev.material.source and dev.geometry.source


def test_presets_table() -> None:
    assert set(presets.PRESETS) == {"reference_device", "paper_idealized", "yig_pt", "afm_pt"}
    assert presets.PRESETS["reference_device"] is presets.reference_device


def test_reference_device_equals_defaults() -> None:
    q = presets.reference_device().quasi_1d()
    d = defaults()
    for k in KEYS:
        assert q[k] == approx(d[k], rel=0.02), k


def test_reference_device_physics_by_hand() -> None:
    dev = presets.reference_device()
    q = dev.quasi_1d()
    a, S_m = 0.3e-9, 50e-9 * 10e-9
    assert dev.geometry.magnet_cross_section == approx(5e-16)
    assert q["stiff"] == approx(5e-12 * S_m, rel=1e-12)
    # the paper's AFM estimate sqrt(A chi) = hbar S_m / a^2 (quasi-1D)
    assert math.sqrt(q["stiff"] * q["chi"]) == approx(HBAR * S_m / a**2, rel=1e-6)
    assert dev.material.s == approx(HBAR / a**3, rel=1e-6)
    # S_c/S_w = 10 with tan theta_SH = 0.1  ->  vartheta = hbar / 2e
    assert dev.geometry.contact_ratio == approx(10.0)
    assert q["theta"] == approx(HBAR / (2 * E), rel=1e-6)
    # two Pt wires of 1 um, 2e-7 ohm m, 50 nm x 5 nm
    assert q["rw"] == approx(2 * 2e-7 * 1e-6 / (50e-9 * 5e-9), rel=1e-12)
    # assumed K: healing length sqrt(A_ex/K) = 20 nm, so the Landau limit sqrt(2K/A_ex) is
    # sqrt(2)/20 nm; paper's mass density 7e3 kg/m^3
    assert 1.0 / dev.material.landau_winding_density == approx(20e-9 / math.sqrt(2))
    assert dev.mass_per_length == approx(7e3 * S_m)
    assert 1.0 / presets.paper_idealized().material.landau_winding_density == approx(10e-9 / math.sqrt(2))


# -------------------------------------------------------------------- hand-checked physics


def test_vartheta_gsp_rw_by_hand() -> None:
    q = mt.quasi_1d(_material(), _geometry())
    # eq. (6): vartheta = (hbar/2e)(S_c/S_w) tan(theta_SH); S_c/S_w = 50, theta_SH = 0.3 rad
    assert q["theta"] == approx(3.2910597e-16 * 50 * 0.30933625, rel=1e-6)
    assert q["theta"] == approx(HBAR / (2 * E) * 50 * math.tan(0.3), rel=1e-6)
    # eq. (6): g = hbar g_mix S_c / 4 pi
    assert q["gsp"] == approx(HBAR * 2e18 * 1e-14 / (4 * math.pi), rel=1e-6)
    assert q["gsp"] == approx(1.6784e-31, rel=1e-4)
    # both wires in series: 2 * 1e-7 * 3e-6 / 2e-16 = 3000 ohm
    assert q["rw"] == approx(3000.0, rel=1e-12)
    # bulk x cross-section
    S_m = 5e-16
    assert q["stiff"] == approx(2.5e-27, rel=1e-12)
    assert q["chi"] == approx(3e-19 * S_m, rel=1e-12)
    assert q["damp"] == approx(1e-3 * 4e-6 * S_m, rel=1e-12)
    assert q["len"] == 1e-6 and q["lgate"] == 20e-9


def test_yig_susceptibility_and_speed() -> None:
    dev = presets.yig_pt()
    m = dev.material
    Ms, A_mm = 1.4e5, 3.7e-12
    s = Ms / GAMMA
    K_d = MU0 * Ms**2 / 2  # thin-film shape anisotropy, energy K_d n_z^2
    assert m.s == approx(s, rel=1e-6)
    assert m.K == approx(K_d, rel=1e-6)
    assert m.K == approx(1.2315e4, rel=1e-3)
    # paper convention A (d phi)^2 / 2 vs micromagnetic A (grad m)^2
    assert m.A_ex == approx(2 * A_mm)
    # chi = s^2/K' with K' = 2 K_d the coefficient of n_z^2/2 (i.e. s^2 / (2 K_d))
    assert m.chi == approx(s**2 / (MU0 * Ms**2), rel=1e-6)
    assert m.chi == approx(s**2 / (2 * K_d), rel=1e-6)
    # u = sqrt(A/chi) = 2 sqrt(A_mm K_d)/s must equal the long-wavelength exchange spin-wave
    # velocity of an in-plane magnetised film, omega = gamma mu0 Ms sqrt(lambda_ex) k with
    # lambda_ex = 2 A_mm / (mu0 Ms^2), i.e. u = gamma sqrt(2 mu0 A_mm), independent of Ms.
    u_film = GAMMA * math.sqrt(2 * MU0 * A_mm)
    assert dev.material.spin_wave_speed == approx(u_film, rel=1e-6)
    assert dev.material.spin_wave_speed == approx(2 * math.sqrt(A_mm * K_d) / s, rel=1e-6)
    assert 100.0 < dev.material.spin_wave_speed < 1000.0
    assert dev.figures()["u"] == approx(537.0, rel=0.01)


@pytest.mark.parametrize("name", ["reference_device", "paper_idealized", "afm_pt"])
def test_antiferromagnet_speed_range(name: str) -> None:
    u = presets.PRESETS[name]().material.spin_wave_speed
    assert 1e3 <= u <= 1e5


def test_paper_idealized_speed_is_aJ_over_hbar() -> None:
    dev = presets.paper_idealized()
    a, J = 3e-10, 0.1 * E
    assert dev.material.A_ex == approx(J / a, rel=1e-6)  # eq. (11): A ~ J/a
    assert dev.material.spin_wave_speed == approx(a * J / HBAR, rel=1e-6)
    assert dev.material.spin_wave_speed == approx(4.558e4, rel=1e-3)
    assert dev.quasi_1d()["theta"] == approx(10 * HBAR / (2 * E), rel=1e-6)  # tan = 1


def test_afm_pt_reproduces_its_inputs() -> None:
    dev = presets.afm_pt()
    m = dev.material
    # neutron slope 250 meV A -> u
    assert dev.material.spin_wave_speed == approx(0.25 * 1e-10 / 6.582119569e-16, rel=1e-6)
    # out-of-plane gap omega = sqrt(2K/chi) is 1 THz
    assert math.sqrt(2 * m.K / m.chi) / (2 * math.pi) == approx(1e12, rel=1e-6)
    a0 = 4.177e-10
    assert m.s == approx(4 * HBAR / a0**3, rel=1e-6)


def test_figures_by_hand() -> None:
    mat, geo = _material(), _geometry()
    f = mt.figures(mat, geo)
    assert f["u"] == approx(math.sqrt(5e-12 / 3e-19), rel=1e-12)
    assert f["landau_winding_density"] == approx(math.sqrt(2 * 1e4 / 5e-12), rel=1e-12)
    assert f["mass_per_length"] == approx(5e3 * 5e-16, rel=1e-12)
    assert f["charging_time"] == approx(1e-6 / f["u"], rel=1e-12)
    # eq. (8) at the Landau winding: A rho^2 L / 2 = K S_m L
    assert f["landau_energy"] == approx(1e4 * 5e-16 * 1e-6, rel=1e-12)
    q = mt.quasi_1d(mat, geo)
    assert f["eta_eq9"] == approx(q["theta"] ** 2 / (q["rw"] * math.sqrt(q["stiff"] * q["chi"])))
    assert mt.mass_per_length(mat, geo) == f["mass_per_length"]
    assert mat.spin_wave_speed == f["u"]
    assert mat.landau_winding_density == f["landau_winding_density"]


def test_crossbar_areas() -> None:
    g = mt.Geometry.crossbar(
        magnet_width=200e-9, magnet_thickness=20e-9, loop_length=2e-6, strip_width=80e-9,
        strip_thickness=4e-9, wire_length=1e-6, g_mix=1e18, theta_sh=0.1,
        wire_resistivity=2e-7, gate_length=50e-9,
    )
    assert g.contact_area == approx(200e-9 * 80e-9)
    assert g.wire_cross_section == approx(80e-9 * 4e-9)
    assert g.contact_ratio == approx(200 / 4)


def test_numpy_scalars_accepted_and_frozen() -> None:
    m = _material(A_ex=np.float64(5e-12), alpha=np.float32(0.0))
    assert isinstance(m.A_ex, float) and m.alpha == 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.A_ex = 1e-11  # type: ignore[misc]
    g = _geometry()
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.g_mix = 1e19  # type: ignore[misc]
    assert mt.Contact is mt.Geometry


# ------------------------------------------------------------------------------ bad inputs

BAD_MATERIAL = [
    ("A_ex", -5e-12),
    ("A_ex", 0.0),
    ("s", float("nan")),
    ("alpha", -0.1),
    ("alpha", 2.0),
    ("chi", float("inf")),
    ("K", "1e4"),
    ("density", True),
    ("density", None),
    ("chi", 1 + 2j),
]

BAD_GEOMETRY = [
    ("magnet_width", -50e-9),
    ("magnet_thickness", 0.0),
    ("loop_length", float("nan")),
    ("contact_area", float("-inf")),
    ("wire_cross_section", "thin"),
    ("g_mix", -1e18),
    ("theta_sh", math.pi / 2),
    ("theta_sh", -0.1),
    ("wire_resistivity", 0.0),
    ("wire_length", [1e-6]),
    ("gate_length", -1e-9),
]


def _value_text(value: object) -> str:
    return repr(float(value)) if isinstance(value, float) else repr(value)


@pytest.mark.parametrize("field,value", BAD_MATERIAL)
def test_bad_material_input(field: str, value: object) -> None:
    with pytest.raises(ParameterError) as info:
        _material(**{field: value})
    msg = str(info.value)
    assert f"'{field}'" in msg
    assert _value_text(value) in msg
    assert "Material" in msg


@pytest.mark.parametrize("field,value", BAD_GEOMETRY)
def test_bad_geometry_input(field: str, value: object) -> None:
    with pytest.raises(ParameterError) as info:
        _geometry(**{field: value})
    msg = str(info.value)
    assert f"'{field}'" in msg
    assert _value_text(value) in msg
    assert "range" in msg


def test_range_is_in_message() -> None:
    with pytest.raises(ParameterError, match=r"'theta_sh' = 1\.5707963267948966 rad .*\(0:1\.5708\)"):
        _geometry(theta_sh=math.pi / 2)
    with pytest.raises(ParameterError, match=r"'alpha' = -0\.1 1 .*\[0:1\]"):
        _material(alpha=-0.1)


def test_bad_names() -> None:
    with pytest.raises(ParameterError, match="'name'"):
        _material(name="")
    with pytest.raises(ParameterError, match="'name'"):
        _material(name=3)
    with pytest.raises(ParameterError, match="'source'"):
        _material(source=None)


def test_gate_longer_than_loop() -> None:
    with pytest.raises(ParameterError, match="'gate_length' = 2e-06"):
        _geometry(loop_length=1e-6, gate_length=2e-6)


def test_constructor_inputs_checked() -> None:
    with pytest.raises(ParameterError, match=r"'M_s' = -140000\.0"):
        mt.Material.ferromagnet("x", A_micromagnetic=3.7e-12, M_s=-1.4e5, alpha=1e-4, density=5e3)
    with pytest.raises(ParameterError, match=r"'A_micromagnetic' = nan"):
        mt.Material.ferromagnet("x", A_micromagnetic=float("nan"), M_s=1.4e5, alpha=1e-4, density=5e3)
    with pytest.raises(ParameterError, match=r"'a' = 0\.0"):
        mt.Material.antiferromagnet("x", A_ex=5e-12, a=0.0, alpha=1e-4, K=1e4, density=7e3)
    with pytest.raises(ParameterError, match=r"'spin' = -1\.0"):
        mt.Material.antiferromagnet("x", A_ex=5e-12, a=3e-10, spin=-1.0, alpha=1e-4, K=1e4, density=7e3)
    with pytest.raises(ParameterError, match=r"'strip_thickness' = 0\.0"):
        mt.Geometry.crossbar(
            magnet_width=50e-9, magnet_thickness=10e-9, loop_length=1e-6, strip_width=50e-9,
            strip_thickness=0.0, wire_length=1e-6, g_mix=1e18, theta_sh=0.1,
            wire_resistivity=2e-7, gate_length=20e-9,
        )


def test_out_of_range_model_parameter_raises() -> None:
    # inputs individually fine, but the 0.5 nm loop is below the model's 'len' range
    with pytest.raises(ParameterError, match="'len'"):
        mt.quasi_1d(_material(), _geometry(loop_length=5e-10, gate_length=1e-10))
    # a 1 m long, 1 ohm m wire of 1e-16 m^2: rw = 2e16 ohm > 1e9
    with pytest.raises(ParameterError, match="'rw'"):
        mt.quasi_1d(_material(), _geometry(wire_resistivity=1.0, wire_length=1.0, wire_cross_section=1e-16))


def test_wrong_argument_types() -> None:
    with pytest.raises(TypeError):
        mt.quasi_1d(_geometry(), _material())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        mt.quasi_1d({"A_ex": 1.0}, _geometry())  # type: ignore[arg-type]


def test_instance_parameters_of_the_reference_device_are_the_defaults() -> None:
    """kani = K S_m, vgon = K t_ox t_m / xi (VCMA), fatt (Langer estimate): the package defaults within 2 %."""
    d = defaults()
    q = presets.reference_device().instance_parameters()
    assert q["kani"] == approx(1.25e4 * 5e-16, rel=1e-9)
    assert q["vgon"] == approx(1.25e4 * 1e-9 * 10e-9 / 1e-13, rel=1e-9)
    for k in ("kani", "vgon", "fatt"):
        assert q[k] == approx(d[k], rel=0.02), k
