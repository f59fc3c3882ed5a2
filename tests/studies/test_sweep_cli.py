"""``spinbattery sweep SPEC.toml`` (issue 15 item 6): grid and Monte Carlo specs, resumable output,
summary table and figure, and one-line errors for bad specs."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compactmodel.cli import main
from compactmodel.devices.presets import preset_parameters

GRID = """
[sweep]
name = "length"
kind = "grid"
outputs = ["eta_eq9", "charging_time_1pct", "charging_time"]

[grid]
len = [1e-6, 4e-6]
rw = [50.0, 200.0]
"""

MC = """
[sweep]
name = "mc"
kind = "monte_carlo"
preset = "paper_idealized"
outputs = ["landau_energy"]

[monte_carlo]
n = 5
seed = 3
factors = { len = [0.5, 2.0] }
"""


def _sweep(tmp_path: Path, spec: str, out: str, *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / f"{out}.toml"
    path.write_text(spec)
    return subprocess.run([sys.executable, "-m", "compactmodel.cli", "sweep", str(path), "--out", str(tmp_path / out),
                           "--workers", "1", "--quiet", *extra], capture_output=True, text=True, timeout=600, cwd=tmp_path)


def test_grid_sweep_applies_every_case_and_resumes(tmp_path):
    run = _sweep(tmp_path, GRID, "grid")
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(tmp_path / "grid" / "sweep.csv")
    assert len(table) == 4 and set(table["len"]) == {1e-6, 4e-6} and set(table["rw"]) == {50.0, 200.0}
    p = preset_parameters("reference_device")
    for _, row in table.iterrows():  # eq. (9) with the row's own rw (hand formula)
        eta9 = p["theta"] ** 2 / (2 * row["rw"] * math.sqrt(p["stiff"] * p["chi"]))
        assert row["eta_eq9"] == pytest.approx(eta9, rel=1e-9)
        # L/u scales with the row's own len, and the real charge takes longer than L/u
        assert row["charging_time"] == pytest.approx(row["len"] * math.sqrt(p["chi"] / p["stiff"]), rel=1e-9)
        assert row["charging_time_1pct"] > row["charging_time"]
    assert "4 cases (0 already stored" in run.stdout
    assert (tmp_path / "grid" / "sweep.png").stat().st_size > 10_000
    # the summary table's median is the median of the stored column
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("eta_eq9"))
    assert float(line.split()[2]) == pytest.approx(np.median(table["eta_eq9"]), rel=1e-3)
    again = _sweep(tmp_path, GRID, "grid", "--no-plots")
    assert again.returncode == 0 and "4 cases (4 already stored" in again.stdout


def test_monte_carlo_is_seeded_and_stays_in_its_factor_range(tmp_path):
    nominal = preset_parameters("paper_idealized")["len"]
    tables = []
    for out in ("a", "b"):
        run = _sweep(tmp_path, MC, out, "--no-plots")
        assert run.returncode == 0, run.stderr
        tables.append(pd.read_csv(tmp_path / out / "sweep.csv"))
    a, b = tables
    assert len(a) == 5 and np.array_equal(a["len"].to_numpy(), b["len"].to_numpy())
    ratio = a["len"].to_numpy() / nominal
    assert ratio.min() >= 0.5 and ratio.max() <= 2.0 and len(set(ratio)) == 5
    # the Landau-limit energy K S L grows in proportion to the sampled length
    per_length = a["landau_energy"].to_numpy() / a["len"].to_numpy()
    assert np.ptp(per_length) / per_length.mean() < 1e-9


@pytest.mark.parametrize("spec, message", [
    ("[sweep]\nkind='grid'\n[grid]\nlenn=[1e-6]\n", r"spec key grid\.lenn = 'lenn': not an instance parameter"),
    ("[sweep]\nkind='grid'\n[grid]\nlen=[-1e-6]\n", r"spec key grid\.len: parameter 'len' = -1e-06 m is outside the allowed range"),
    ("[sweep]\nkind='grid'\n[grid]\nlen=[]\n", r"spec key grid\.len = \[\]: a non-empty list of numbers"),
    ("[sweep]\nkind='spiral'\n", r"spec key sweep\.kind = 'spiral': one of grid, monte_carlo"),
    ("[sweep]\npreset='yig'\n", r"spec key sweep\.preset = 'yig': one of reference_device"),
    ("[sweep]\noutputs=['watts']\n[grid]\nlen=[1e-6]\n", r"spec key sweep\.outputs = \['watts'\]: a non-empty list of figure names"),
    ("[sweep]\nkind='monte_carlo'\n[monte_carlo]\nn=0\n", r"spec key monte_carlo\.n = 0: an integer in \[1, 1000000\]"),
    ("[sweep]\nkind='monte_carlo'\n[monte_carlo]\nn=3\nfactors={len=[2.0, 0.5]}\n",
     r"spec key monte_carlo\.factors\.len = \[2\.0, 0\.5\]: \[lo, hi\] with 0 < lo <= hi"),
    ("[grid]\nlen=[1e-6]\n", r"spec key \[sweep\] = None: the spec needs a \[sweep\] table"),
    ("[sweep\n", r"is not valid TOML"),
])
def test_bad_specs_get_one_line_errors_naming_the_key(tmp_path, capsys, spec, message):
    import re

    path = tmp_path / "bad.toml"
    path.write_text(spec)
    code = main(["sweep", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert re.search(message, err), err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_missing_spec_file_is_named(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml' does not exist" in capsys.readouterr().err
