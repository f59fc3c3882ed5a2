"""Sweeps on Dask: stable case ids, seeded Monte Carlo, error rows, and resume after a kill.

The ngspice cases are a 10-sample process-variability Monte Carlo with the simulated round
trip (``compactmodel.studies.variability``, the default model, ~1 s per case). The reference table is one clean
run on ONE worker; every other run uses two workers and must reproduce it exactly, so the
kill tests are also checks that the result does not depend on the number of workers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compactmodel.studies import sweeps
from compactmodel.core.parameters import ParameterError
from compactmodel.studies.sweeps import Sweep, case_id, collect, grid, load_results, monte_carlo, run_sweep, store_path
from compactmodel.studies.variability import ProcessSpread, parameters_for, sample, variability_task

ROOT = Path(__file__).resolve().parents[2]
N_MC = 10


def square_or_fail(inputs):
    """Toy task (module level so the workers can unpickle it): fails for x == 3."""
    if inputs["x"] == 3:
        raise ValueError("x = 3 is not allowed")
    return {"y": inputs["x"] ** 2 / 7, "label": f"x{inputs['x']}", "even": inputs["x"] % 2 == 0}


def other_task(inputs):
    return {"y": 0.0}


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same case ids in the same order, no duplicates, same inputs/errors, outputs within 1e-12."""
    assert a["case_id"].is_unique and b["case_id"].is_unique
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=False,
                                  rtol=1e-12, atol=0.0)


# ----------------------------------------------------------------------------- no cluster
def test_grid_ids_are_stable_unique_and_content_derived():
    s = grid(x=[1, 2, 3], material=["yig", "nio"])
    assert len(s) == 6 and len(set(s.ids)) == 6
    assert [c.inputs for c in s][:2] == [{"x": 1, "material": "yig"}, {"x": 1, "material": "nio"}]
    assert s.ids == grid(x=[1, 2, 3], material=["yig", "nio"]).ids
    # the id is the case's content: axis order and membership in a larger grid do not change it
    assert set(grid(material=["yig", "nio"], x=[1, 2, 3]).ids) == set(s.ids)
    assert set(s.ids) < set(grid(x=[1, 2, 3, 4], material=["yig", "nio"]).ids)
    # frozen canonical form (sorted-key JSON, SHA-256): changing it would orphan every stored result
    canonical = '{"material":"yig","x":1}'
    assert case_id({"x": 1, "material": "yig"}) == hashlib.sha256(canonical.encode()).hexdigest()[:16]
    assert case_id({"x": 1, "material": "yig"}) == "2220d9741a3703e2"
    assert case_id({"a": np.float64(0.1)}) == case_id({"a": 0.1})
    assert case_id({"a": 1}) != case_id({"a": 1.0}) != case_id({"a": True})


def test_sweep_rejects_bad_cases():
    with pytest.raises(ParameterError, match="cases 0 and 2 .* same inputs"):
        grid(x=[1.0, 2.0, 1.0])
    with pytest.raises(ParameterError, match="axis 'preset' must be a sequence"):
        grid(preset="reference_device")
    with pytest.raises(ParameterError, match="'x' = nan"):
        Sweep([{"x": float("nan")}])
    with pytest.raises(ParameterError, match="'x' = \\[1, 2\\].*bool, int, finite float or str"):
        Sweep([{"x": [1, 2]}])
    with pytest.raises(ParameterError, match="'error' is reserved"):
        Sweep([{"error": 1}])
    with pytest.raises(ParameterError, match="out_path = 'x.txt'"):
        run_sweep(grid(x=[1]), square_or_fail, "x.txt")
    with pytest.raises(ParameterError, match="scheduler = 4: pass None"):
        run_sweep(grid(x=[1]), square_or_fail, "x.csv", scheduler=4)
    with pytest.raises(ParameterError, match="n_workers = 0"):
        run_sweep(grid(x=[1]), square_or_fail, "x.csv", n_workers=0)


def test_monte_carlo_streams_are_per_case():
    def draw(rng):
        return {"u": float(rng.uniform()), "z": float(rng.standard_normal())}

    a = monte_carlo(draw, n=5, seed=11)
    assert [c.inputs for c in a] == [c.inputs for c in monte_carlo(draw, n=5, seed=11)]
    # case k depends on (seed, k) only: a longer run starts with the same cases
    b = monte_carlo(draw, n=8, seed=11)
    assert b.ids[:5] == a.ids
    # ... and draws from SeedSequence(seed).spawn(n)[k]
    child = np.random.SeedSequence(11).spawn(8)[6]
    rng = np.random.default_rng(child)
    assert b[6].inputs == {"seed": 11, "sample": 6, "u": rng.uniform(), "z": rng.standard_normal()}
    assert monte_carlo(draw, n=5, seed=12)[0].inputs["u"] != a[0].inputs["u"]
    with pytest.raises(ParameterError, match="seed = -1"):
        monte_carlo(draw, n=5, seed=-1)


def test_store_refuses_a_second_writer_another_task_and_foreign_results(tmp_path):
    out = tmp_path / "t.csv"
    store = sweeps._Store(out)
    store.open(sweeps.task_name(square_or_fail))
    try:
        with pytest.raises(ParameterError, match="another run_sweep is writing"):
            run_sweep(grid(x=[1]), square_or_fail, out)
    finally:
        store.close()
    with pytest.raises(ParameterError, match="holds results of task .*square_or_fail"):
        run_sweep(grid(x=[1]), other_task, out)
    store.open(sweeps.task_name(square_or_fail))
    store.write_part([{"case_id": "0123456789abcdef", "inputs": "{}", "y": 1.0, "error": ""}])
    store.close()
    with pytest.raises(ParameterError, match="1 result\\(s\\) whose case ids are not in this sweep"):
        run_sweep(grid(x=[1]), square_or_fail, out)
    (tmp_path / "foreign.csv").write_text("a,b\n")
    with pytest.raises(ParameterError, match="not written by run_sweep"):
        run_sweep(grid(x=[1]), square_or_fail, tmp_path / "foreign.csv")


# ----------------------------------------------------------------------------- clusters
def _local_client(n_workers: int):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.CRITICAL)
    return cluster, Client(cluster)


@pytest.fixture(scope="module")
def client1():
    """One single-threaded worker process (shared by the tests of this module)."""
    cluster, client = _local_client(1)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def client2():
    """Two single-threaded worker processes."""
    cluster, client = _local_client(2)
    yield client
    client.close()
    cluster.close()


# ----------------------------------------------------------------------------- toy task on Dask
def test_failing_case_is_an_error_row_and_reruns_compute_nothing(tmp_path, client1):
    s = grid(x=list(range(6)))
    out = tmp_path / "toy.parquet"
    t = run_sweep(s, square_or_fail, out, scheduler=client1, progress=False, flush_seconds=0)
    assert t.attrs["stats"]["computed"] == 6 and t.attrs["stats"]["errors"] == 1
    assert list(t["x"]) == list(range(6)) and t["case_id"].tolist() == list(s.ids)
    bad = t[t["x"] == 3].iloc[0]
    assert bad["error"] == "ValueError: x = 3 is not allowed"
    assert np.isnan(bad["y"]) and bad["label"] == ""
    good = t[t["x"] != 3]
    assert (good["error"] == "").all()
    np.testing.assert_array_equal(good["y"], good["x"] ** 2 / 7)
    np.testing.assert_array_equal(good["even"], (good["x"] % 2 == 0).astype(float))  # bools come back as 0/1
    assert t["label"].tolist() == ["x0", "x1", "x2", "", "x4", "x5"]
    # the exported file is the same table
    assert_same_table(pd.read_parquet(out), t)
    # a rerun finds everything stored
    t2 = run_sweep(s, square_or_fail, out, scheduler=client1, progress=False)
    assert t2.attrs["stats"]["cached"] == 6 and t2.attrs["stats"]["computed"] == 0
    assert_same_table(t2, t)
    # retry_errors recomputes only the error row; it fails again and is still stored once
    t3 = run_sweep(s, square_or_fail, out, scheduler=client1, progress=False, retry_errors=True)
    assert t3.attrs["stats"]["cached"] == 5 and t3.attrs["stats"]["computed"] == 1
    assert_same_table(t3, t)
    # extending the grid reuses the stored cases
    t4 = run_sweep(grid(x=list(range(8))), square_or_fail, out, scheduler=client1, progress=False)
    assert t4.attrs["stats"]["cached"] == 6 and t4.attrs["stats"]["computed"] == 2
    assert_same_table(t4.iloc[:6], t)


# ----------------------------------------------------------------------------- ngspice cases
@pytest.fixture(scope="module")
def mc_sweep() -> Sweep:
    """10 process variants of the reference device with a simulated round trip (same as the CLI call below)."""
    return sample("reference_device", ProcessSpread(), N_MC, seed=7, simulate=True)


@pytest.fixture(scope="module")
def reference(mc_sweep, tmp_path_factory, client1) -> pd.DataFrame:
    """A clean run on a single worker."""
    out = tmp_path_factory.mktemp("ref") / "mc.csv"
    t = run_sweep(mc_sweep, variability_task, out, scheduler=client1, progress=False)
    assert t.attrs["stats"]["computed"] == N_MC
    return t


def test_reference_run_is_physical(reference):
    """Every case ran; the simulated stored energy follows eq. (8) with eq. (7): E ~ theta^2 len / stiff."""
    assert (reference["error"] == "").all() and len(reference) == N_MC
    assert (reference["sim_balance_error"].abs() < 1e-2).all()  # the simulation's energy account closes
    assert ((reference["sim_storage_efficiency"] > 0) & (reference["sim_storage_efficiency"] < 1)).all()
    p = [parameters_for(r) for r in reference.to_dict("records")]
    x = np.log([q["theta"] ** 2 * q["len"] / q["stiff"] for q in p])
    slope = np.polyfit(x, np.log(reference["sim_stored_peak"]), 1)[0]
    assert slope == pytest.approx(1.0, abs=0.1)


def _wait_for_rows(out: Path, k: int, proc: subprocess.Popen | None = None, timeout: float = 180.0) -> int:
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        n = len(load_results(out))
        if n >= k:
            return n
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the sweep process ended early (code {proc.returncode}): {proc.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError(f"fewer than {k} results on disk after {timeout} s")


def test_resume_after_killing_the_whole_run(mc_sweep, reference, tmp_path, client2):
    """SIGKILL the CLI run (driver, nannies, workers) mid-sweep; a rerun completes it exactly."""
    out = tmp_path / "mc.csv"
    cmd = [sys.executable, "-m", "compactmodel.studies.variability", "--preset", "reference_device", "--n", str(N_MC),
           "--seed", "7", "--simulate", "--out", str(out), "--workers", "2",
           "--flush-seconds", "0", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _wait_for_rows(out, 3, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the process group we started: CLI + its cluster
        proc.wait(timeout=60)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    stored = load_results(out)
    k = len(stored)
    assert 3 <= k < N_MC, f"{k} results on disk at the kill: the kill did not interrupt the sweep"
    assert stored["case_id"].is_unique and set(stored["case_id"]) <= set(mc_sweep.ids)
    assert not out.exists()  # the table is only exported at the end
    partial = collect(mc_sweep, out)
    assert_same_table(partial, reference[reference["case_id"].isin(stored["case_id"])])

    t = run_sweep(mc_sweep, variability_task, out, scheduler=client2, progress=False)
    stats = t.attrs["stats"]
    assert (stats["cached"], stats["computed"], stats["lost"]) == (k, N_MC - k, 0)
    assert_same_table(t, reference)
    # on disk: one compacted part with one row per case, and the exported CSV equals the table
    parts = sorted(store_path(out).glob("part-*.parquet"))
    assert len(parts) == 1 and len(pd.read_parquet(parts[0])) == N_MC
    assert_same_table(pd.read_csv(out, keep_default_na=False, na_values=[""], float_precision="round_trip")
                      .assign(error=lambda d: d["error"].fillna("").astype("str")), t)


def test_killed_worker_is_replaced_and_its_case_recomputed(mc_sweep, reference, tmp_path, client2):
    """SIGKILL one of two worker processes mid-sweep: Dask reruns its case; same table, no duplicates."""
    out = tmp_path / "mc.csv"
    result: dict[str, object] = {}
    pids = client2.run(os.getpid)
    assert len(pids) == 2

    def run() -> None:
        try:
            result["table"] = run_sweep(mc_sweep, variability_task, out, scheduler=client2, progress=False,
                                        flush_seconds=0)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            result["error"] = exc

    th = threading.Thread(target=run)
    th.start()
    try:
        _wait_for_rows(out, 2)
        victim = sorted(pids.values())[0]
        os.kill(victim, signal.SIGKILL)
        k_at_kill = len(load_results(out))
    finally:
        th.join(timeout=300)
    assert not th.is_alive()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    assert k_at_kill < N_MC, "the sweep had finished before the worker was killed"
    client2.wait_for_workers(2, timeout=60)
    new_pids = set(client2.run(os.getpid).values())
    assert victim not in new_pids and len(new_pids) == 2  # the nanny restarted the worker
    t = result["table"]
    assert t.attrs["stats"]["computed"] == N_MC and t.attrs["stats"]["lost"] == 0  # type: ignore[union-attr]
    assert_same_table(t, reference)  # type: ignore[arg-type]


def test_a_corrupt_part_loses_only_its_own_cases_and_a_read_only_finished_store_reads(tmp_path, client1, monkeypatch):
    s = grid(x=[0, 1, 2, 4, 5, 6])
    out = tmp_path / "toy.csv"
    with monkeypatch.context() as m:
        m.setattr(sweeps._Store, "compact", lambda self: None)  # keep the parts of the first run
        ref = run_sweep(s, square_or_fail, out, scheduler=client1, progress=False, batch_size=2, flush_seconds=1e9)
    parts = sweeps._Store(out).parts()
    assert len(parts) >= 2
    lost = len(pd.read_parquet(parts[0]))
    parts[0].write_bytes(parts[0].read_bytes()[:40])
    with pytest.warns(sweeps.StoreWarning, match="moved aside"):
        t = run_sweep(s, square_or_fail, out, scheduler=client1, progress=False)
    assert t.attrs["stats"]["computed"] == lost and t.attrs["stats"]["cached"] == 6 - lost
    assert_same_table(t, ref)
    real_open = sweeps.os.open
    monkeypatch.setattr(sweeps.os, "open", lambda p, f, *a: (_ for _ in ()).throw(PermissionError(13, "denied", str(p)))
                        if f & (os.O_RDWR | os.O_WRONLY | os.O_CREAT) else real_open(p, f, *a))
    t2 = run_sweep(s, square_or_fail, out, scheduler=client1, progress=False)  # read-only, finished: no write
    assert t2.attrs["stats"]["cached"] == 6
    assert_same_table(t2, ref)
    with pytest.raises(ParameterError, match="read-only and 1 of 7 case"):
        run_sweep(grid(x=[0, 1, 2, 4, 5, 6, 7]), square_or_fail, out, scheduler=client1, progress=False)
