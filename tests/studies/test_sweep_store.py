"""Sweep stores (issue 16 item 6): unreadable parts are quarantined, compaction reads back (no cluster)."""

from __future__ import annotations

import pytest

from compactmodel.studies import sweeps


def _row(i: int) -> dict:
    return {"case_id": f"{i:016x}", "inputs": "{}", "y": float(i), "error": ""}


def test_garbage_empty_and_truncated_parts_are_skipped_then_quarantined(tmp_path):
    store = sweeps._Store(tmp_path / "t.csv")
    store.open("m:task")
    good = store.write_part([_row(0), _row(1)])
    bad = store.write_part([_row(2)])
    bad.write_bytes(bad.read_bytes()[:20])  # truncated
    (store.dir / "part-00000000000000000001-0000001-000001.parquet").write_bytes(b"garbage")
    (store.dir / "part-00000000000000000002-0000001-000001.parquet").write_bytes(b"")
    store.close()
    with pytest.warns(sweeps.StoreWarning, match="unreadable"):
        df = sweeps.load_results(tmp_path / "t.csv")  # a reader without the lock skips, moves nothing
    assert sorted(df["case_id"]) == [_row(0)["case_id"], _row(1)["case_id"]] and bad.exists()
    store.open("m:task")
    with pytest.warns(sweeps.StoreWarning, match="moved aside"):
        df = store.read()
    assert len(df) == 2 and not bad.exists() and (store.dir / f"quarantine-{bad.name}").exists()
    assert store.parts() == [good]
    store.close()


def test_compaction_keeps_the_old_parts_until_the_new_one_reads_back(tmp_path, monkeypatch):
    store = sweeps._Store(tmp_path / "t.csv")
    store.open("m:task")
    parts = [store.write_part([_row(i)]) for i in range(3)]
    real = sweeps._atomic_write

    def torn(path, write):
        real(path, write)
        path.write_bytes(path.read_bytes()[:30])

    monkeypatch.setattr(sweeps, "_atomic_write", torn)
    with pytest.warns(sweeps.StoreWarning, match="old parts are kept"):
        store.compact()
    assert store.parts() == parts and len(store.read()) == 3
    monkeypatch.setattr(sweeps, "_atomic_write", real)
    store.compact()
    assert len(store.parts()) == 1 and len(store.read()) == 3
    store.close()


def test_a_read_only_store_opens_for_reading(tmp_path, monkeypatch):
    store = sweeps._Store(tmp_path / "t.csv")
    store.open("m:task")
    store.write_part([_row(0)])
    store.close()
    real_open = sweeps.os.open

    def no_write(path, flags, *a):  # what a read-only folder does (the tests may run as root)
        if flags & (sweeps.os.O_RDWR | sweeps.os.O_WRONLY | sweeps.os.O_CREAT):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *a)

    monkeypatch.setattr(sweeps.os, "open", no_write)
    ro = sweeps._Store(tmp_path / "t.csv")
    ro.open("m:task")
    assert ro.read_only and len(ro.read()) == 1
    ro.compact()  # nothing written
    ro.close()
