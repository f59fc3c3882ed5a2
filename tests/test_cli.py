"""Tests of the ``spinbattery`` command line: ``derive``, ``info`` and the error paths.

Expected values are recomputed here from the presets' material and geometry with the
physical constants typed in (CODATA 2018), never copied from the code under test:
eq. (8) E = A rho^2 L / 2, the Landau-limit energy K S_m L, u = sqrt(A_ex/chi), eq. (9),
E0 = 2 S_m sqrt(2 A_ex K), and 1 Wh = 3600 J.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from compactmodel.physics import capacity
from compactmodel.devices import materials as mt
from compactmodel.devices import presets
from compactmodel.cli import main

HBAR = 1.054571817e-34  # J s
E_CHARGE = 1.602176634e-19  # C
K_B = 1.380649e-23  # J/K
YEAR = 365.25 * 86400.0  # s
PRESETS = ("reference_device", "paper_idealized", "yig_pt", "afm_pt")


def approx(expected: float, rel: float) -> object:
    """pytest.approx with a purely relative tolerance (no absolute floor that would hide 1e-18 J errors)."""
    return pytest.approx(expected, rel=rel, abs=0.0)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _info(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, dict]:
    code, out, err = _run(capsys, "info", "--json", *argv)
    assert code == 0, err
    doc = json.loads(out)
    return {f["name"]: f for f in doc["figures"]} | {"__doc__": doc}


@pytest.fixture(scope="module")
def devices() -> dict[str, mt.Device]:
    return {name: getattr(presets, name)() for name in PRESETS}


# -------------------------------------------------------------------------------- derive
def test_derive_latex_contains_eq8_built_from_plain_symbols(capsys: pytest.CaptureFixture[str]) -> None:
    vt, cur, length, stiff = (sp.Symbol(n) for n in ("vartheta", "I", "L", "A"))
    eq8 = sp.latex((vt * cur) ** 2 * length / (2 * stiff), order=None)
    code, out, err = _run(capsys, "derive", "--format", "latex")
    assert code == 0, err
    lines = [ln for ln in out.splitlines() if eq8 in ln]
    assert lines, f"{eq8!r} not in the LaTeX output"
    assert "eq. (8)" in lines[0]  # the display line names its equation
    for label in ("eq. (7)", "eq. (9)", "Landau criterion"):
        assert label in out


def test_derive_latex_ignores_global_printer_order(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing lcapy sets the global order='lex' (1 - x^2 -> -x^2 + 1); the output must not change."""
    from sympy.printing.printer import Printer

    nu = sp.Symbol("nu", positive=True)
    want = sp.latex(sp.sqrt(1 - nu**2), order=None)  # \sqrt{1 - \nu^{2}}
    monkeypatch.setitem(Printer._global_settings, "order", "lex")
    assert sp.latex(sp.sqrt(1 - nu**2)) != want  # the global setting does bite plain calls
    code, out, _ = _run(capsys, "derive", "--format", "latex")
    assert code == 0
    assert want in out


def test_derive_text_and_out_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = _run(capsys, "derive")
    assert code == 0, err
    for label in ("eq. (7)", "eq. (8)", "eq. (9)", "text after eq. (8)", "phase-slip barrier"):
        assert label in out
    target = tmp_path / "forms.tex"
    code, out, err = _run(capsys, "derive", "--format", "latex", "--out", str(target))
    assert code == 0, err
    code2, latex_stdout, _ = _run(capsys, "derive", "--format", "latex")
    assert code2 == 0
    assert target.read_text(encoding="utf-8") == latex_stdout


# ---------------------------------------------------------------------------------- info
@pytest.mark.parametrize("preset", PRESETS)
def test_info_landau_energy_is_K_S_L(capsys: pytest.CaptureFixture[str], devices: dict, preset: str) -> None:
    dev = devices[preset]
    geo, mat = dev.geometry, dev.material
    s_m = geo.magnet_width * geo.magnet_thickness
    figs = _info(capsys, "--preset", preset)
    assert figs["landau_energy"]["unit"] == "J"
    assert figs["landau_energy"]["value"] == approx(mat.K * s_m * geo.loop_length, 1e-12)
    assert figs["landau_winding_density"]["value"] == approx(math.sqrt(2 * mat.K / mat.A_ex), 1e-12)
    # per mass, the Landau energy is K / density whatever the geometry
    assert figs["landau_specific_energy"]["value"] == approx(mat.K / mat.density, 1e-12)
    assert figs["landau_energy_density"]["value"] == approx(mat.K, 1e-12)


@pytest.mark.parametrize("preset", PRESETS)
def test_info_rated_capacity_is_eq8_at_the_rated_winding(capsys: pytest.CaptureFixture[str], devices: dict,
                                                         preset: str) -> None:
    dev = devices[preset]
    geo, mat = dev.geometry, dev.material
    s_m = geo.magnet_width * geo.magnet_thickness
    k = capacity.rating(dev.instance_parameters()).winding_density
    energy = mat.A_ex * s_m * k**2 * geo.loop_length / 2  # eq. (8) with eq. (7): A rho^2 L / 2
    figs = _info(capsys, "--preset", preset)
    assert figs["rated_energy"]["value"] == approx(energy, 1e-12)
    assert figs["rated_winding"]["value"] == approx(k * geo.loop_length / (2 * math.pi), 1e-12)
    mass = mat.density * s_m * geo.loop_length
    assert figs["rated_specific_energy_wh"]["unit"] == "Wh/kg"
    assert figs["rated_specific_energy_wh"]["value"] == approx(energy / mass / 3600.0, 1e-12)
    assert figs["landau_specific_energy_wh"]["value"] == approx(mat.K / mat.density / 3600.0, 1e-12)
    # the full-charge current winds k by eq. (7): vartheta I / A = k
    theta = HBAR / (2 * E_CHARGE) * geo.contact_area / geo.wire_cross_section * math.tan(geo.theta_sh)
    assert figs["rated_current"]["value"] == approx(mat.A_ex * s_m * k / theta, 1e-8)


def test_info_reference_device_against_hand_formulas(capsys: pytest.CaptureFixture[str]) -> None:
    """Reference device typed in from its docstring: AFM, a = 3 A, S = 1, A_ex = 5 pJ/m, K = 1.25e4 J/m^3,
    50 nm x 10 nm x 1 um; Pt strips 50 nm x 5 nm, 1 um each, 2e-7 ohm m, tan theta_SH = 0.1."""
    a, a_ex, k_ani, length = 0.3e-9, 5e-12, 1.25e4, 1e-6
    s_m = 50e-9 * 10e-9
    s_w = 50e-9 * 5e-9
    stiff = a_ex * s_m
    chi = (HBAR / a**2) ** 2 / a_ex * s_m  # sqrt(A_ex chi) = S hbar / a^2 (bulk)
    theta = HBAR / (2 * E_CHARGE) * (50e-9 * 50e-9 / s_w) * 0.1
    rw = 2 * 2e-7 * 1e-6 / s_w
    figs = _info(capsys, "--preset", "reference_device")
    u = math.sqrt(stiff / chi)
    assert figs["spin_wave_speed"]["value"] == approx(u, 1e-9)
    assert figs["charging_time"]["value"] == approx(length / u, 1e-9)
    eta9 = theta**2 / (rw * math.sqrt(stiff * chi))  # eq. (9) as printed
    assert figs["eta_eq9_scaling"]["value"] == approx(eta9, 1e-9)
    # eq. (9) with its prefactor: E / (R I^2 L/u) with E = (theta I)^2 L / 2A (eq. 8), any I
    i = figs["rated_current"]["value"]
    e = (theta * i) ** 2 * length / (2 * stiff)
    assert figs["eta_eq9"]["value"] == approx(e / (rw * i**2 * length / u), 1e-9)
    # a constant-current charge: Joule heat over L/u plus the torque work theta I Theta = theta I (theta I L/A)
    work = theta * i * (theta * i * length / stiff)
    assert figs["charge_efficiency"]["value"] == approx(e / (rw * i**2 * length / u + work), 1e-9)
    assert figs["charge_efficiency"]["value"] < 0.5
    e0 = 2 * s_m * math.sqrt(2 * a_ex * k_ani)  # phase-slip barrier at zero winding
    assert figs["barrier_zero_winding_kT"]["value"] == approx(e0 / (K_B * 300.15), 1e-9)
    # the rating keeps 90 % for 10 years, so retention at the rated charge is 10 years (not clamped here)
    assert figs["rated_fraction_of_landau"]["value"] < 0.99
    assert figs["retention_rated"]["value"] == approx(10 * YEAR, 1e-5)


def test_info_temperature_enters_the_barrier(capsys: pytest.CaptureFixture[str]) -> None:
    cold = _info(capsys, "--preset", "reference_device", "--temperature", "250")
    hot = _info(capsys, "--preset", "reference_device", "--temperature", "350")
    assert cold["__doc__"]["temperature_K"] == 250.0
    ratio = cold["barrier_zero_winding_kT"]["value"] / hot["barrier_zero_winding_kT"]["value"]
    assert ratio == approx(350.0 / 250.0, 1e-12)
    assert cold["retention_half_landau"]["value"] > hot["retention_half_landau"]["value"]


def test_info_params_without_device_omit_mass_figures(capsys: pytest.CaptureFixture[str]) -> None:
    figs = _info(capsys, "--param", "len=2e-6", "--param", "kani=1e-11")
    assert figs["landau_energy"]["value"] == approx(1e-11 * 2e-6, 1e-12)  # kani len
    for name in ("magnet_mass", "rated_specific_energy_wh", "landau_energy_density"):
        assert name not in figs
    assert any("mass" in n for n in figs["__doc__"]["notes"])


def test_info_json_is_strict_and_clamped_rating_is_noted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "info", "--json", "--preset", "yig_pt")
    assert code == 0
    doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    figs = {f["name"]: f for f in doc["figures"]}
    # YIG keeps 10 years at every winding below k_c, so the rating sits at its search bound
    assert figs["rated_fraction_of_landau"]["value"] == approx(0.999, 1e-9)
    assert "search bound" in figs["rated_energy"]["note"]


def test_info_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "info", "--preset", "afm_pt")
    assert code == 0 and err == ""
    assert "afm_pt" in out.splitlines()[0]
    row = next(ln for ln in out.splitlines() if ln.startswith("landau_specific_energy_wh "))
    assert "Wh/kg" in row


# ------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "argv, names",
    [
        (["info", "--preset", "nosuch"], ["nosuch", "reference_device", "afm_pt"]),
        (["info", "--param", "len=-1"], ["len", "-1", "[1e-09:0.1]"]),
        (["info", "--param", "foo=1"], ["foo", "len"]),
        (["info", "--param", "len=abc"], ["len", "abc"]),
        (["info", "--param", "len"], ["len", "NAME=VALUE"]),
        (["info", "--param", "len=1e-6", "--param", "len=2e-6"], ["len", "more than once"]),
        (["info", "--preset", "yig_pt", "--param", "len=1e-6"], ["--param", "--preset"]),
        (["info", "--temperature", "5000"], ["temperature", "5000"]),
        (["derive", "--format", "rtf"], ["rtf", "latex"]),
        (["nosuchcommand"], ["nosuchcommand", "info"]),
        (["emit", "--nseg", "0"], ["nseg"]),
    ],
)
def test_bad_input_is_one_error_line(capsys: pytest.CaptureFixture[str], argv: list[str], names: list[str]) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out
    for name in names:
        assert name in err


def test_derive_out_unwritable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "forms.txt"
    code, _, err = _run(capsys, "derive", "--out", str(target))
    assert code == 2 and err.startswith("error: ") and "missing-dir" in err


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    for sub in ("emit", "demo", "derive", "info"):
        assert sub in out
    code, out, _ = _run(capsys, "demo", "--help")
    assert code == 0 and "--out" in out


# -------------------------------------------------------------------- installed script
def _script() -> str:
    path = Path(sys.executable).parent / "spinbattery"
    assert path.exists(), f"entry point not installed at {path} (pip install -e .)"
    return str(path)


def test_entry_point_info_yig_pt() -> None:
    res = subprocess.run([_script(), "info", "--preset", "yig_pt"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert "rated_energy" in res.stdout and "yig_pt" in res.stdout


def test_entry_point_bad_param_has_no_traceback() -> None:
    res = subprocess.run([_script(), "info", "--param", "len=abc"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.startswith("error: ") and "len" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("preset", PRESETS)
def test_info_reports_the_charge_dynamics_beside_eq9(capsys: pytest.CaptureFixture[str], preset: str) -> None:
    """issue 12 item 5: the 1 % charging time and its efficiency sit beside eq. (9)'s L/u figures;
    a charge that rings or creeps takes longer than L/u, so its efficiency is eq. (9)'s scaled by
    L/u over the charging time (E/(R I^2 t + 2E))."""
    figs = _info(capsys, "--preset", preset)
    t1, tu = figs["charging_time_1pct"]["value"], figs["charging_time"]["value"]
    assert figs["charging_time_1pct_transits"]["value"] == approx(t1 / tu, 1e-3)
    eta9, eff = figs["eta_eq9"]["value"], figs["charge_efficiency_1pct"]["value"]
    eta = eta9 * tu / t1
    assert eff == approx(eta / (1 + 2 * eta), 1e-3)
    assert t1 > tu  # none of the presets has matched contacts
