"""Hostile sweep-store case (issue 16, item 8): the process running a sweep (driver and its in-process worker)
is killed with SIGKILL mid-run; the rerun resumes from the store without losing or duplicating a completed case,
and the final table is exact. Then the store is still usable (a finished store re-reads without recomputing)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from compactmodel.studies.sweeps import load_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N_CASES = 12

DRIVER = textwrap.dedent(f"""
    import os, sys, time
    from distributed import Client
    from compactmodel.studies.sweeps import grid, run_sweep

    def slow_square(inputs):
        time.sleep(float(os.environ["CASE_SECONDS"]))
        return {{"y": inputs["x"] ** 2}}

    if __name__ == "__main__":
        with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
            t = run_sweep(grid("kill", x=list(range({N_CASES}))), slow_square, sys.argv[1], scheduler=client,
                          progress=False, flush_seconds=0)
            print(t.attrs["stats"]["cached"], t.attrs["stats"]["computed"], len(t))
""")


def _driver(tmp_path: Path, out: Path, case_seconds: float) -> subprocess.Popen:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    env = {**os.environ, "CASE_SECONDS": str(case_seconds), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(script), str(out)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_sigkill_mid_sweep_then_resume_loses_no_completed_case(tmp_path: Path) -> None:
    out = tmp_path / "kill.csv"
    proc = _driver(tmp_path, out, case_seconds=0.3)
    try:
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                stored = len(load_results(out))
            except Exception:  # the store may not exist yet
                stored = 0
            if stored >= 3:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the process group this test started
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before the kill: make the cases slower"
    before = load_results(out)
    k = len(before)
    assert 3 <= k < N_CASES
    assert before["case_id"].is_unique
    assert all(row.y == float(json.loads(row.inputs)["x"] ** 2) for row in before.itertuples())  # x^2 by hand

    rerun = _driver(tmp_path, out, case_seconds=0.0)
    stdout, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr[-2000:]
    cached, computed, rows = (int(v) for v in stdout.split()[-3:])
    assert (cached, computed, rows) == (k, N_CASES - k, N_CASES)  # nothing completed before the kill is recomputed
    after = load_results(out)
    assert after["case_id"].is_unique and len(after) == N_CASES
    kept = after.set_index("case_id").loc[before["case_id"], "y"]
    assert list(kept) == list(before["y"])

    # still usable: a finished store re-reads without computing anything
    again = _driver(tmp_path, out, case_seconds=0.0)
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr[-2000:]
    assert [int(v) for v in stdout.split()[-3:]] == [N_CASES, 0, N_CASES]
