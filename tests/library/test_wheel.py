"""A wheel install works outside the checkout: the models are package data.

Builds a wheel from a copy of the tracked files, installs it (without dependencies) into a
fresh virtual environment in a temporary folder, makes this environment's site-packages
visible for the dependencies (numpy, PySpice, ...) but not the checkout, and from that folder
runs an ngspice deck that ``.include``s ``compactmodel.library_path()``, twice: through the
package (PySpice, in-process) and with the ngspice program, as a designer would.
"""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # builds a wheel and a virtual environment (~30 s)


def _tracked_copy(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for rel in filter(None, files):
        src = ROOT / rel.decode()
        if src.is_file():
            out = dest / rel.decode()
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, out)
    return dest


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    src = _tracked_copy(work / "src")
    dist = work / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                            str(src)], capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-3000:]
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1, wheels
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    # the dependencies come from this environment's site-packages, listed after the new one
    deps = [p for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]] if Path(p).is_dir()]
    (purelib / "zz_test_dependencies.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(purelib),
                    str(wheels[0])], check=True, capture_output=True, text=True)
    run_dir = work / "elsewhere"
    run_dir.mkdir()
    return python, run_dir, wheels[0]


def test_wheel_ships_the_library_and_the_numeric_twins(wheel_env):
    import zipfile

    _, _, wheel = wheel_env
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in ("compactmodel/library/spin_battery.lib", "compactmodel/library/spin_battery.va",
                "compactmodel/library/spin_loop.va", "compactmodel/library/numeric/spin_battery.py",
                "compactmodel/library/xschem/spin_battery.sym", "compactmodel/library/xschem/spin_loop.sym"):
        assert rel in names, rel


def test_installed_package_runs_a_deck_including_library_path(wheel_env):
    python, run_dir, _ = wheel_env
    script = textwrap.dedent(f"""
        import pathlib, subprocess, compactmodel
        from compactmodel import library_path, run_netlist
        from compactmodel.sim.deck import instance_line
        pkg = pathlib.Path(compactmodel.__file__).resolve()
        assert not pkg.is_relative_to({str(ROOT)!r}), pkg   # the installed copy, not the checkout
        lib = library_path()
        assert lib.is_file() and lib.is_relative_to(pkg.parent), lib
        deck = "\\n".join(["charge", f".include {{lib}}", "I1 0 p pwl(0 0 0.2n 0.15m)", "Vg gate 0 1.5",
                           instance_line("X1", ("p", "0", "gate", "wn"), {{}}), ".tran 10p 3n"])
        v = run_netlist(deck + "\\n.end\\n")
        wn_pyspice = float(v["wn"][-1])
        pathlib.Path("deck.cir").write_text(deck + "\\n.control\\nrun\\nprint wn[length(wn)-1]\\n.endc\\n.end\\n")
        out = subprocess.run(["ngspice", "-b", "deck.cir"], capture_output=True, text=True).stdout
        wn_ngspice = float(out.split("=")[-1].split()[0])
        print(wn_pyspice, wn_ngspice)
    """)
    proc = subprocess.run([str(python), "-c", script], cwd=run_dir, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    wn_pyspice, wn_ngspice = map(float, proc.stdout.split())
    # eq. (7): the charged reference device holds vartheta I L / (2 pi A) turns (0.15 mA: 3.15 turns)
    expected = 3.3e-16 * 0.15e-3 * 1e-6 / (2 * 3.141592653589793 * 2.5e-27)
    assert wn_pyspice == pytest.approx(expected, rel=0.01)
    assert wn_ngspice == pytest.approx(wn_pyspice, rel=1e-5)


def test_installed_package_runs_the_pyspice_example_outside_the_checkout(wheel_env, tmp_path):
    """issue 15: pip install (not editable), then the PySpice example, run from another folder."""
    import re

    python, run_dir, _ = wheel_env
    script = shutil.copy(ROOT / "examples" / "charge_store_release.py", run_dir / "charge_store_release.py")
    proc = subprocess.run([str(python), "-c", "import compactmodel, sys; print(compactmodel.__file__)"],
                          cwd=run_dir, capture_output=True, text=True)
    assert not Path(proc.stdout.strip()).resolve().is_relative_to(ROOT), proc.stdout
    proc = subprocess.run([str(python), str(script), "--out", str(tmp_path)], cwd=run_dir, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    charged, rated = map(float, re.search(r"after the charge\s+([0-9.e+-]+) turns \(rated winding, eq\. 7: ([0-9.e+-]+)\)",
                                          proc.stdout).groups())
    assert charged == pytest.approx(rated, rel=0.01)  # eq. (7) at the rated current
    assert (tmp_path / "charge_store_release.csv").stat().st_size > 1000
