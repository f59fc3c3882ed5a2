"""Edited, binary or missing model libraries are refused with a one-line message (issue 16, item 2)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from compactmodel.library import LibraryIntegrityError, check_file, library_path, subckt_library
from compactmodel.sim.ngspice import check_instances
from compactmodel.symbolic.emit import REPO_ROOT

SHIPPED = REPO_ROOT / "netlists" / "spin_battery.lib"


def _doubled(tmp_path):
    """A copy of the shipped library with one coefficient doubled (stamp line kept)."""
    text = SHIPPED.read_text()
    m = re.search(r"rw=([0-9.e+-]+)", text)
    edited = tmp_path / "spin_battery.lib"
    edited.write_text(text.replace(m.group(0), f"rw={2 * float(m.group(1))!r}", 1))
    return edited


def _deck(lib) -> str:
    return f"t\n.include {lib}\nX1 p 0 g wn spin_battery len=1u\nI1 0 p 1u\nVg g 0 1.5\n.tran 1p 10p\n.end\n"


def _one_line(err) -> str:
    msg = str(err.value)
    assert "\n" not in msg
    return msg


def test_the_shipped_library_and_its_cut_copies_pass():
    assert len(check_file(SHIPPED)) == 64 and check_file(library_path()) == check_file(SHIPPED)
    check_file(subckt_library("spin_battery"))  # the per-subcircuit copy is stamped too
    check_instances(_deck(SHIPPED))
    check_instances(_deck(subckt_library("spin_battery")))


def test_an_edited_library_is_refused_where_a_deck_includes_it(tmp_path):
    edited = _doubled(tmp_path)
    with pytest.raises(LibraryIntegrityError) as err:
        check_file(edited)
    msg = _one_line(err)
    assert str(edited) in msg and "edited or damaged" in msg and "spinbattery emit --out" in msg
    with pytest.raises(LibraryIntegrityError, match="does not match its content stamp"):
        check_instances(_deck(edited))  # what run_netlist runs before ngspice sees the deck


def test_a_binary_or_missing_library_gets_a_clear_message(tmp_path):
    binary = tmp_path / "spin_battery.lib"
    binary.write_bytes(b"* content-sha256: 00\n\x00\x01\xff\xfe garbage")
    with pytest.raises(LibraryIntegrityError) as err:
        check_file(binary)
    assert "is not a text file" in _one_line(err) and str(binary) in str(err.value)
    with pytest.raises(LibraryIntegrityError, match="is not a text file"):
        check_instances(_deck(binary))
    latin = tmp_path / "latin.lib"
    latin.write_bytes(b"* content-sha256: 00\n* caf\xe9\n")
    with pytest.raises(LibraryIntegrityError, match="is not a text file"):
        check_file(latin)
    with pytest.raises(LibraryIntegrityError) as err:
        check_file(tmp_path / "nope.lib")
    assert "does not exist" in _one_line(err) and "regenerate" in str(err.value)
    with pytest.raises(LibraryIntegrityError, match="is a folder"):
        check_file(tmp_path)
    unstamped = tmp_path / "mine.lib"
    unstamped.write_text(SHIPPED.read_text().partition("\n")[2])
    with pytest.raises(LibraryIntegrityError, match="has no 'content-sha256:' line 1"):
        check_file(unstamped)
    check_instances(_deck(unstamped))  # a user's own unstamped library is the user's business


def test_the_check_script_for_plain_ngspice_users(tmp_path):
    edited = _doubled(tmp_path)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "compactmodel.library.check", *map(str, args)],
                              capture_output=True, text=True, cwd=REPO_ROOT)

    ok = run(SHIPPED)
    assert ok.returncode == 0 and ok.stdout.strip() == f"ok {SHIPPED}", ok.stderr
    bad = run(SHIPPED, edited)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1 and str(edited) in bad.stderr
    # the shell recipe quoted in the README agrees
    recipe = ('test "$(tail -n +2 {f} | sha256sum | cut -d" " -f1)" = "$(head -1 {f} | awk \'{{print $NF}}\')"')
    assert subprocess.run(["sh", "-c", recipe.format(f=SHIPPED)]).returncode == 0
    assert subprocess.run(["sh", "-c", recipe.format(f=edited)]).returncode == 1
