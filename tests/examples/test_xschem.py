"""The xschem symbols and the example schematic (issue 15, item 5).

* the committed symbols (``xschem/`` and the package-data copy) are the generator's output, and
  their pins and parameters are those of the ``.subckt`` lines of the shipped library;
* ``examples/xschem/charge.sch`` netlists headless with xschem (``-q -x -n -s -r``, no X display)
  into a temporary folder, and the netlist simulates in ``ngspice -b`` to the final winding of
  eq. (7), winding = theta I len / (2 pi stiff), within 1 %;
* a schematic with a ``spin_loop`` instance netlists to the loop's port order and parameters.

Neither xschem nor ngspice is optional here: a missing binary fails the test (``bash run`` installs
both).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from compactmodel.core.parameters import LOOP_PARAMETERS, PARAMETERS, validate
from compactmodel.library import symbols

ROOT = Path(__file__).resolve().parents[2]
SCHEMATIC = ROOT / "examples" / "xschem" / "charge.sch"
RCFILE = ROOT / "examples" / "xschem" / "xschemrc"
SYMBOL_DIRS = [ROOT / "xschem", ROOT / "compactmodel" / "library" / "xschem"]


def binary(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed (bash run installs it: apt-get install {name})"
    return path


@pytest.mark.parametrize("folder", SYMBOL_DIRS, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize("subckt", sorted(symbols.SYMBOLS))
def test_committed_symbol_is_generator_output(folder, subckt):
    assert (folder / f"{subckt}.sym").read_text() == symbols.symbol_text(subckt), (
        "regenerate: python -m compactmodel.library.symbols xschem compactmodel/library/xschem"
    )


@pytest.mark.parametrize("subckt", sorted(symbols.SYMBOLS))
def test_symbol_matches_subckt_line(subckt):
    """Pins in port order and every instance parameter with the library's default."""
    text = (ROOT / "netlists" / "spin_battery.lib").read_text()
    m = re.search(rf"^\.subckt {subckt} (.*)\n\+ (.*)$", text, re.M)
    assert m, subckt
    ports = m.group(1).split()
    lib_defaults = dict(kv.split("=") for kv in m.group(2).split())
    sym = symbols.symbol_text(subckt)
    assert re.findall(r"^B 5 .* \{name=(\S+) dir=inout\}$", sym, re.M) == ports
    template = re.search(r'template="name=B1 (.*)"', sym).group(1)
    sym_defaults = dict(kv.split("=") for kv in template.split())
    assert list(sym_defaults) == list(lib_defaults)
    assert {k: float(v) for k, v in sym_defaults.items()} == {k: float(v) for k, v in lib_defaults.items()}
    table = PARAMETERS if subckt == "spin_battery" else LOOP_PARAMETERS
    assert list(sym_defaults) == [p.name for p in table]
    fmt = re.search(r'format="(.*)"', sym).group(1)
    assert fmt == f"X@name @pinlist {subckt} " + " ".join(f"{k}=@{k}" for k in lib_defaults)


def test_run_script_installs_xschem():
    run = (ROOT / "run").read_text()
    assert re.search(r"command -v xschem .*\|\| need_apt\+=\(xschem\)", run)


def netlist(schematic: Path, tmp_path: Path) -> Path:
    """Netlist ``schematic`` headless with the example's xschemrc into tmp_path/sim/xschem/netlist.

    The schematic includes the library as ``../../../netlists/spin_battery.lib`` (relative to the
    netlist folder, three levels below the repository top in the shipped layout), so the
    temporary tree mirrors that: tmp_path/netlists -> the repository's netlists/.
    """
    outdir = tmp_path / "sim" / "xschem" / "netlist"
    outdir.mkdir(parents=True)
    (tmp_path / "netlists").symlink_to(ROOT / "netlists")
    rc = tmp_path / "xschemrc"
    rc.write_text(f"set netlist_dir {{{outdir}}}\nsource {{{RCFILE}}}\n")
    proc = subprocess.run(
        [binary("xschem"), "--rcfile", str(rc), "-q", "-x", "-n", "-s", "-r", str(schematic)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    spice = outdir / f"{schematic.stem}.spice"
    assert spice.exists(), out
    text = spice.read_text()
    assert "MISSING" not in text, text
    return spice


def test_charge_schematic_netlists_and_simulates(tmp_path):
    spice = netlist(SCHEMATIC, tmp_path)
    text = spice.read_text()
    # the instance: the symbol's port order and every parameter at its default
    inst = re.search(r"^XB1 (.*(?:\n\+.*)*)", text, re.M).group(1).replace("\n+", " ").split()
    assert inst[:5] == ["p", "0", "gate", "wn", "spin_battery"]
    p = validate(None)
    assert {k: float(v) for k, v in (kv.split("=") for kv in inst[5:])} == dict(p)
    current = float(re.search(r"^Ich 0 p pwl\(0 0 0\.2n (\S+)m\)$", text, re.M).group(1)) * 1e-3
    assert re.search(r"^Vg gate 0 (\S+)$", text, re.M).group(1) == "1.5"
    assert ".tran 1p 10n" in text

    proc = subprocess.run(
        [binary("ngspice"), "-b", str(spice)], cwd=spice.parent, capture_output=True, text=True, timeout=120,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert not [line for line in out.splitlines() if re.match(r"\s*error", line, re.I)], out[-3000:]
    wn = float(re.search(r"^RESULT wn_final (\S+) turns$", out, re.M).group(1))
    expected = p["theta"] * current * p["len"] / (2 * math.pi * p["stiff"])  # eq. (7)
    assert expected == pytest.approx(2.10085, rel=1e-4)
    assert wn == pytest.approx(expected, rel=0.01)


def test_spin_loop_symbol_netlists(tmp_path):
    """A spin_loop instance netlists in the loop's port order; ngspice accepts it (.op, gate open)."""
    sch = tmp_path / "loop.sch"
    labels = {"p1": (-80, -30), "n1": (-80, -10), "p2": (-80, 10), "n2": (-80, 30), "gate": (80, -10), "wn": (80, 10)}
    nets = {"p1": "a", "n1": "0", "p2": "b", "n2": "0", "gate": "g", "wn": "w"}
    lines = ["G {}", "V {}", "S {}", "E {}", "C {spin_loop.sym} 0 0 0 0 {name=L1 len=2e-06}"]
    for i, (pin, (x, y)) in enumerate(labels.items()):
        lines.append(f"C {{devices/lab_pin.sym}} {x} {y} 0 0 {{name=l{i} lab={nets[pin]}}}")
    lines.append(
        'C {devices/code.sym} 0 200 0 0 {name=s1 only_toplevel=false value="\n'
        ".include ../../../netlists/spin_battery.lib\nI1 0 a 1u\nR1 b 0 1k\nVg g 0 1.5\n"
        '.control\nop\nprint v(a)\nquit 0\n.endc\n"}'
    )
    sch.write_text("\n".join(lines) + "\n")
    spice = netlist(sch, tmp_path)
    text = spice.read_text()
    inst = re.search(r"^XL1 (.*(?:\n\+.*)*)", text, re.M).group(1).replace("\n+", " ").split()
    assert inst[:7] == ["a", "0", "b", "0", "g", "w", "spin_loop"]
    params = {k: float(v) for k, v in (kv.split("=") for kv in inst[7:])}
    assert params == {**{q.name: q.default for q in LOOP_PARAMETERS}, "len": 2e-06}
    proc = subprocess.run(
        [binary("ngspice"), "-b", str(spice)], cwd=spice.parent, capture_output=True, text=True, timeout=120,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert re.search(r"^v\(a\) = ", out, re.M), out[-3000:]
