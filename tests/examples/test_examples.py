"""Every example in ``examples/`` runs as shipped, from a folder outside the repository, and its
results obey the physics it illustrates.

ngspice decks run as ``ngspice -b <deck>`` with a temporary working directory (the library is
found through the deck's relative ``.include``); Python scripts run as ``python <script>
--out DIR`` in a subprocess. The references are the package's closed forms (eq. 7 through
``capacity.rating``, the port inductance, the exact Z(s) and the nonlocal law from SymPy) and
the phase-slip rate law integrated in scipy.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from compactmodel.core.parameters import LOOP_PARAMETERS, validate
from compactmodel.physics.capacity import rating
from compactmodel.physics.phase_slips import net_slip_rate
from compactmodel.physics.scales import port_inductance, spin_wave_speed
from compactmodel.symbolic import continuum

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DECKS = sorted(p.stem for p in EXAMPLES.glob("*.cir"))
SCRIPTS = sorted(p.stem for p in EXAMPLES.glob("*.py"))

needs_ngspice = pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice binary not installed")


def test_every_job_has_a_deck_and_a_script():
    jobs = {"charge_store_release", "port_ac", "closed_gate_op", "battery_array", "nonlocal", "temperature_sweep"}
    assert set(DECKS) == jobs
    assert set(SCRIPTS) == jobs


def run_deck(name: str, cwd: Path, outdir: Path | None = None) -> tuple[dict[str, str], str]:
    """Run ``examples/<name>.cir`` in batch mode with ``cwd`` as working directory; RESULT lines -> dict."""
    cmd = ["ngspice", "-b"] + (["-D", f"outdir={outdir}"] if outdir else []) + [str(EXAMPLES / f"{name}.cir")]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    errors = [line for line in out.splitlines() if re.match(r"\s*error", line, re.I)]
    assert not errors, errors
    results = {}
    for line in out.splitlines():
        m = re.match(r"RESULT (\S+) (.*)$", line.strip())
        if m:
            results[m.group(1)] = m.group(2)
    assert results, f"{name}.cir printed no RESULT lines:\n{out[-2000:]}"
    return results, out


def run_script(name: str, cwd: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def number(text: str) -> float:
    return float(text.split()[0])


def wrdata(path: Path) -> np.ndarray:
    assert path.is_file(), f"{path} was not written"
    return np.loadtxt(path, skiprows=1)


def csv(path: Path) -> np.ndarray:
    assert path.is_file(), f"{path} was not written"
    return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


# ------------------------------------------------------------------------ charge, store, release
def check_charge_store_release(t, v_port, wn, r_load=1e3):
    p = validate({})
    full = rating(p)  # the deck charges at the rated current of the default parameters
    share = p["len"] / (p["len"] + p["lgate"])
    charged = np.interp(5e-9, t, wn)
    # eq. (7): the settled winding at the rated current is the rated winding
    assert charged == pytest.approx(full.winding, rel=1e-3)
    hold = (t > 6e-9) & (t < 20e-9)
    # closed ring, no torque: the trapped twist shares out between wire and gate link by length, and holds
    assert np.all(np.abs(wn[hold] / (charged * share) - 1) < 1e-3)
    settled = (t > 10e-9) & (t < 20e-9)  # once the closing transient has rung out, the winding holds
    assert np.ptp(wn[settled]) < 1e-4 * charged
    stored_wn = np.interp(19.9e-9, t, wn)
    # release into the load: the winding is gone by the end
    assert abs(wn[-1]) < 1e-3 * stored_wn
    # energy: the load receives something, never more than the stored A Theta^2/2 len
    stored = p["stiff"] * (2 * math.pi * stored_wn) ** 2 / (2 * p["len"])
    on = t >= 20.2e-9
    power = v_port[on] ** 2 / r_load
    delivered = float(np.sum((power[1:] + power[:-1]) * np.diff(t[on])) / 2)
    assert 0 < delivered < stored
    return charged, stored


@needs_ngspice
def test_charge_store_release_deck(tmp_path):
    res, _ = run_deck("charge_store_release", tmp_path)
    d = wrdata(tmp_path / "charge_store_release.dat")  # time v(p) i(vsns) v(gate) v(wn)
    charged, stored = check_charge_store_release(d[:, 0], d[:, 1], d[:, 4])
    # the printed numbers are those of the data
    assert number(res["wn_charged"]) == pytest.approx(charged, rel=1e-4)
    assert number(res["e_stored"]) == pytest.approx(stored, rel=1e-4)
    assert 0 < number(res["e_load"]) < stored


@needs_ngspice
def test_decks_write_into_the_folder_given(tmp_path):
    outdir = tmp_path / "results"
    outdir.mkdir()
    run_deck("charge_store_release", tmp_path, outdir=outdir)
    assert (outdir / "charge_store_release.dat").is_file()
    assert not (tmp_path / "charge_store_release.dat").exists()


def test_charge_store_release_script(tmp_path):
    out = run_script("charge_store_release", tmp_path)  # default --out: the current folder
    assert "winding after the charge" in out
    d = csv(tmp_path / "charge_store_release.csv")
    check_charge_store_release(d[:, 0], d[:, 1], d[:, 3])


# ------------------------------------------------------------------------------------ port AC
def check_port_ac(f, z):
    p = validate({})
    assert f[-1] <= spin_wave_speed(p["stiff"], p["chi"]) / (2 * p["len"]) * 1.001  # within the model's band
    assert z.real[0] == pytest.approx(p["rw"], rel=1e-9)
    # low frequency: an inductance theta^2 len/stiff in series with rw
    assert z.imag[0] / (2 * math.pi * f[0]) == pytest.approx(port_inductance(p["theta"], p["len"], p["stiff"]), rel=1e-3)
    # the spin line's part (Z - rw, small beside rw) against the exact line up to u/2len: 1 % (README)
    pick = np.unique(np.linspace(0, len(f) - 1, 12).astype(int))
    z_spin = z[pick] - p["rw"]
    exact = continuum.spin_impedance(p, f[pick])
    assert np.max(np.abs(z_spin / exact - 1)) < 0.01


@needs_ngspice
def test_port_ac_deck(tmp_path):
    res, _ = run_deck("port_ac", tmp_path)
    d = wrdata(tmp_path / "port_ac.dat")  # frequency zre zim
    check_port_ac(d[:, 0], d[:, 1] + 1j * d[:, 2])
    assert number(res["l_port"]) == pytest.approx(4.356e-11, rel=1e-3)


def test_port_ac_script(tmp_path):
    run_script("port_ac", tmp_path, "--out", "res")
    d = csv(tmp_path / "res" / "port_ac.csv")
    check_port_ac(d[:, 0], d[:, 1] + 1j * d[:, 2])


# ------------------------------------------------------------------------- closed-gate DC point
def check_gate_sweep(vg, wn, current=0.1e-3):
    p = validate({"kani": 6.25e-10})
    eq7 = p["theta"] * current * p["len"] / (2 * math.pi * p["stiff"])
    assert vg[0] == 0 and vg[-1] >= 1.1 * p["vgon"]
    assert wn[-1] == pytest.approx(eq7, rel=1e-6)  # gate open: eq. (7)
    assert wn[0] == pytest.approx(eq7 * p["lgate"] / (p["len"] + p["lgate"]), rel=1e-6)  # closed: the gate link's share
    assert np.all(np.diff(wn) >= -1e-9 * eq7)  # the link softens monotonically as the gate opens


@needs_ngspice
def test_closed_gate_op_deck(tmp_path):
    res, _ = run_deck("closed_gate_op", tmp_path)
    d = wrdata(tmp_path / "closed_gate_op.dat")
    check_gate_sweep(d[:, 0], d[:, 1])
    assert abs(number(res["wn_empty"])) < 1e-9  # closed, no current: the relaxed ring is empty despite wn0 = 2
    assert number(res["closed_over_open"]) == pytest.approx(2e-8 / (1e-6 + 2e-8), rel=1e-5)


def test_closed_gate_op_script(tmp_path):
    out = run_script("closed_gate_op", tmp_path, "--out", str(tmp_path / "res"))
    d = csv(tmp_path / "res" / "closed_gate_op.csv")
    check_gate_sweep(d[:, 0], d[:, 1])
    empty = re.search(r"no current: winding (\S+) turns", out)
    assert empty and abs(float(empty.group(1))) < 1e-9


# ------------------------------------------------------------------------------------- array
def check_array(t, v_port, windings, lengths, i_string, n_series):
    p = validate({})
    assert np.interp(12e-9, t, v_port) == pytest.approx(n_series * p["rw"] * i_string, rel=1e-3)
    for col, length in zip(windings, lengths):
        eq7 = p["theta"] * i_string * length / (2 * math.pi * p["stiff"])
        assert np.interp(12e-9, t, col) == pytest.approx(eq7, rel=1e-3)
        assert col[-1] == pytest.approx(eq7 * length / (length + p["lgate"]), rel=1e-3)


@needs_ngspice
def test_array_deck(tmp_path):
    run_deck("battery_array", tmp_path)
    d = wrdata(tmp_path / "battery_array.dat")  # time v(p) wa1 wa2 wa3 wb1 wb2 wb3
    check_array(d[:, 0], d[:, 1], d.T[2:], [1e-6] * 3 + [1e-6, 2e-6, 3e-6], 0.15e-3, 3)


def test_array_script(tmp_path):
    run_script("battery_array", tmp_path, "--out", "res", "--series", "2", "--strings", "3", "--current", "0.45e-3")
    d = csv(tmp_path / "res" / "battery_array.csv")
    assert d.shape[1] == 2 + 6
    check_array(d[:, 0], d[:, 1], d.T[2:], [1e-6] * 4 + [1e-6, 2e-6], 0.15e-3, 2)


# ---------------------------------------------------------------------------------- nonlocal
def nonlocal_resistance(length):
    """V(p2)/I from the Takei-Tserkovnyak law derived in SymPy."""
    from compactmodel.symbolic import continuum
    from compactmodel.symbolic.symbols import I, L, alpha_s, g, vartheta

    p = validate({"len": length}, table=LOOP_PARAMETERS)
    law = continuum.nonlocal_transport()["nonlocal_voltage"]
    return float(law.subs({I: 1.0, vartheta: p["theta"], g: p["gsp"], alpha_s: p["damp"], L: length}))


@needs_ngspice
def test_nonlocal_deck(tmp_path):
    res, _ = run_deck("nonlocal", tmp_path)
    d = wrdata(tmp_path / "nonlocal.dat")  # i-sweep v(p2) v(q2)
    current = d[:, 0]
    assert current.min() < 0 < current.max()
    nz = np.abs(current) > 1e-9
    for col, length in ((1, 1e-6), (2, 10e-6)):
        assert np.all(np.abs(d[nz, col] / current[nz] / nonlocal_resistance(length) - 1) < 0.01)
        assert np.all(np.abs(d[~nz, col]) < 1e-12)
    assert number(res["rnl_1um"]) == pytest.approx(nonlocal_resistance(1e-6), rel=0.01)


def test_nonlocal_script(tmp_path):
    run_script("nonlocal", tmp_path, "--out", "res", "--len", "1e-6", "5e-6", "20e-6")
    d = csv(tmp_path / "res" / "nonlocal.csv")
    assert list(d[:, 0]) == pytest.approx([1e-6, 5e-6, 20e-6])
    for length, r_sim in d[:, :2]:
        assert r_sim == pytest.approx(nonlocal_resistance(length), rel=0.01)
    # algebraic decay: past L_d = 2 gsp/damp = 1 um, len x R_nl approaches a constant (not exponentially small)
    assert d[2, 0] * d[2, 1] / (d[1, 0] * d[1, 1]) == pytest.approx(1.0, rel=0.25)


# ------------------------------------------------------------------------------- temperature
def predicted_winding(wn0, t_end, celsius):
    """Integrate the ring's slip rate law: d wn/dt = -Gamma(k) len/(len + lgate), k = 2 pi wn / len."""
    from scipy.integrate import solve_ivp

    p = validate({"wn0": wn0})
    share = p["len"] / (p["len"] + p["lgate"])

    def rhs(_t, w):
        return [-float(net_slip_rate(p, 2 * math.pi * w[0] / p["len"], celsius + 273.15)) * share]

    return solve_ivp(rhs, (0.0, t_end), [wn0], method="LSODA", rtol=1e-10, atol=1e-13).y[0, -1]


def check_storage(celsius, wn_start, wn_end, hold):
    losses = []
    for tc, w0, w1 in zip(celsius, wn_start, wn_end):
        predicted = predicted_winding(w0, hold, tc)
        lost, lost_law = w0 - w1, w0 - predicted
        if lost_law > 1e-4 * w0:
            assert lost == pytest.approx(lost_law, rel=0.01), tc
        else:
            assert abs(lost) < 1e-4 * w0 and lost > -1e-9 * w0, tc
        losses.append(lost)
    assert np.all(np.diff(losses) > 0)  # thermally activated: more loss at every higher temperature
    assert losses[-1] > 1e-2 * wn_start[-1]  # and at 125 C a measurable one


@needs_ngspice
def test_temperature_sweep_deck(tmp_path):
    run_deck("temperature_sweep", tmp_path)
    temps = (-40, 27, 85, 125)
    data = [wrdata(tmp_path / f"temperature_sweep_{tc}C.dat") for tc in temps]
    assert all(d[-1, 0] == pytest.approx(1e-3) for d in data)
    check_storage(temps, [d[0, 1] for d in data], [d[-1, 1] for d in data], 1e-3)


def test_temperature_sweep_script(tmp_path):
    run_script("temperature_sweep", tmp_path, "--out", "res")
    d = csv(tmp_path / "res" / "temperature_sweep.csv")
    check_storage(d[:, 0], d[:, 1], d[:, 2], 1e-3)


# ----------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("name,args,message", [
    ("charge_store_release", ["--load", "-5"], "--load"),
    ("port_ac", ["--len", "-1e-6"], "len"),
    ("temperature_sweep", ["--celsius", "-300"], "--celsius"),
    ("battery_array", ["--series", "0"], "--series"),
])
def test_scripts_reject_bad_input_with_one_clear_line(tmp_path, name, args, message):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env=env)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []
