"""Generated files are exactly what the generator writes now, and carry intact content stamps."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compactmodel.library import LibraryIntegrityError, _check_stamp, stamp_matches, verify_library
from compactmodel.symbolic.emit import REPO_COPIES, REPO_ROOT, generated_files, model_files


def test_committed_files_equal_generator_output():
    for rel, text in generated_files().items():
        on_disk = (REPO_ROOT / rel).read_text()
        assert on_disk == text, f"{rel} is stale: run 'python -m compactmodel.symbolic.emit'"


def test_every_shipped_file_carries_the_sha256_of_its_body():
    checked = verify_library()
    assert {p.name for p in checked} >= {"spin_battery.lib", "spin_battery.va", "spin_loop.va", "spin_battery.py"}
    for path in checked:  # the stamp is what `tail -n +2 FILE | sha256sum` prints
        first, _, rest = path.read_text().partition("\n")
        assert first.endswith(hashlib.sha256(rest.encode()).hexdigest())


def test_an_edited_library_is_refused_with_a_message_that_says_what_to_do(tmp_path):
    text = (REPO_ROOT / "netlists" / "spin_battery.lib").read_text()
    edited = tmp_path / "spin_battery.lib"
    edited.write_text(text.replace("rw=1600.0", "rw=1700.0", 1))
    assert stamp_matches(text) and not stamp_matches(edited.read_text())
    assert not stamp_matches(text[: len(text) // 2])  # a truncated copy
    with pytest.raises(LibraryIntegrityError, match="edited or damaged.*regenerate"):
        _check_stamp(str(edited), 0, 0)


def _copy_generated(root: Path) -> None:
    for rel in list(model_files()) + ["README.md"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / rel, root / rel)


def test_check_answers_from_the_fingerprint_cache_and_still_sees_an_edit(tmp_path):
    """First --check derives and records; the second answers without deriving; an edit is still stale."""
    root = tmp_path / "repo"
    _copy_generated(root)
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))

    def check() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "compactmodel.symbolic.emit", "--check", "--root", str(root)],
                              capture_output=True, text=True, env=env, cwd=tmp_path)

    first, second = check(), check()
    assert first.returncode == 0 and first.stdout.strip() == "up to date", first.stdout + first.stderr
    assert second.returncode == 0 and "nothing re-derived" in second.stdout, second.stdout
    copy = root / REPO_COPIES[Path("compactmodel/library/spin_battery.lib")]
    copy.write_text(copy.read_text() + "* a hand edit\n")
    third = check()
    assert third.returncode == 1 and "netlists/spin_battery.lib" in third.stdout, third.stdout


def test_emit_reports_progress_for_every_model_it_derives():
    """issue 15 item 6: emit says what it is doing while it derives (one timestamped line per stage,
    on stderr, so that --check's one-line answer on stdout stays parseable)."""
    import re

    lines = []
    files = model_files(progress=lines.append)
    derived = [ln for ln in lines if ln.startswith("derived ")]
    assert len(derived) == 4, lines
    assert [ln.split()[1] for ln in derived] == ["spin_battery", "spin_battery_n48", "spin_loop", "spin_loop_n48"]
    assert any("ngspice library" in ln for ln in lines) and any("Verilog-A" in ln for ln in lines)
    assert files  # the same files as without a progress callback (test above checks their content)
    proc = subprocess.run([sys.executable, "-m", "compactmodel.symbolic.emit", "--check", "--force"],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    stamps = [float(m) for m in re.findall(r"^\[\s*([0-9.]+) s\]", proc.stderr, re.M)]
    assert len(stamps) >= 7 and stamps == sorted(stamps), proc.stderr
    assert proc.stdout.strip() == "up to date", proc.stdout


def test_generator_output_does_not_depend_on_lcapy_being_imported():
    """lcapy, imported (by compactmodel.network or a notebook) before the generator runs, changes how SymPy's
    default str printer orders sums (pi - 2.5*nub became -2.5*nub + pi): the generated comments once differed
    in a full test run that had collected tests/test_network.py. The generator prints with a fixed order."""
    code = ("import lcapy\n"
            "from compactmodel.symbolic.emit import generated_files, REPO_ROOT\n"
            "print([str(r) for r, t in generated_files().items() if (REPO_ROOT / r).read_text() != t])\n")
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
