"""``spinbattery simulate``: a protocol from a string or a file, data and figures saved, clean errors."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from compactmodel.cli import main


def test_simulate_string_writes_data_and_figures(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["simulate", "Charge at 0.15 mA for 2 ns; Close gate; Release into 1.6 kohm for 2 ns",
                 "--load", "resistor:1600", "--out", str(out), "--quiet"])
    text = capsys.readouterr().out
    assert code == 0
    with (out / "results.csv").open() as fh:
        rows = list(csv.reader(fh))
    steps = np.array([float(r[rows[0].index("step [1]")]) for r in rows[1:]])
    assert set(steps) == {0.0, 1.0, 2.0}  # all three steps ran
    for name in ("waveforms.png", "energy_flow.png", "battery_report.png"):
        assert (out / name).stat().st_size > 10_000
    # files go only into --out (tmp_path holds nothing else)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in out.iterdir()) == ["battery_report.png", "energy_flow.png", "results.csv",
                                                     "waveforms.png"]
    assert "balance error" in text and "cycle 1" in text


def test_simulate_protocol_file_and_npz(tmp_path, capsys):
    proto = tmp_path / "p.txt"
    proto.write_text("# store then release\nHold for 1 ns\nRelease into load for 0.5 ns\n")
    out = tmp_path / "o"
    code = main(["simulate", str(proto), "--param", "wn0=1", "--array", "64000x102400", "--out", str(out),
                 "--format", "npz", "--no-plots", "--quiet"])
    assert code == 0, capsys.readouterr().err
    data = np.load(out / "results.npz")
    assert data["time"][-1] == pytest.approx(1.5e-9, rel=1e-6)
    assert np.all(np.abs(data["my"]) <= 1.0 + 1e-9)  # the logic cell was co-simulated


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["Charge at 2 mA; Hold for 1 ns"], "'Charge at 2 mA'"),
        (["Jump for 2 ns"], "'Jump for 2 ns'"),
        (["Hold for 1 ns", "--load", "resistor:abc"], "abc"),
        (["Hold for 1 ns", "--load", "diode"], "diode"),
        (["Hold for 1 ns", "--array", "3by4"], "3by4"),
        (["Hold for 1 ns", "--param", "len=-1"], "len"),
        (["Hold for 1 ns", "--nseg", "7"], "nseg"),
        (["Hold for 1 ns", "--preset", "nosuch"], "nosuch"),
        (["Hold for 1 ns", "--temperature", "5"], "temperature"),
    ],
)
def test_simulate_bad_input_is_one_line(args, fragment, capsys, tmp_path):
    code = main(["simulate", *args, "--out", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert fragment in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_simulate_warnings_are_one_line_and_missing_file_is_named(tmp_path, capsys):
    code = main(["simulate", "Charge at 5 mA for 0.2 ns", "--load", "resistor:1000", "--out", str(tmp_path),
                 "--no-plots", "--quiet"])
    err = capsys.readouterr().err
    assert code == 0
    assert err.startswith("warning: ") and "Landau" in err and "Traceback" not in err
    code = main(["simulate", "no_such_protocol.txt", "--out", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "no_such_protocol.txt" in err and "does not exist" in err
