"""Nothing writes into the repository (or the installed package) unless asked.

Every ``spinbattery`` subcommand and every ``python -m compactmodel.<module>`` main answers
``--help`` at once without running anything, and real commands run from another folder write
only there (``--out``, default: the current folder). ``git status`` of the repository, ignored
files included (``out/`` is ignored), is the witness.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "compactmodel"


def _git_state() -> list[str]:
    """``git status`` lines, untracked and ignored files included, byte caches left out."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return sorted(line for line in out.splitlines()
                  if "__pycache__" not in line and ".pytest_cache" not in line and not line.endswith(".pyc"))


def _module_mains() -> list[str]:
    """Dotted names of the package's modules with an ``if __name__ == "__main__"`` block."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
                found.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "MPLBACKEND": "Agg"}


def test_the_module_mains_are_found():
    mains = _module_mains()
    for name in ("compactmodel.cli", "compactmodel.symbolic.emit", "compactmodel.studies.writes",
                 "compactmodel.studies.retention", "compactmodel.studies.variability"):
        assert name in mains


@pytest.mark.parametrize("module", _module_mains())
def test_module_main_help_only_prints_help(tmp_path, module):
    before = _git_state()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", module, "--help"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env=_env())
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.match(r"usage: ", proc.stdout), proc.stdout[:500]
    assert elapsed < 30  # it parsed its arguments and stopped (writes took ~2 min when --help was ignored)
    assert list(tmp_path.iterdir()) == []
    assert _git_state() == before


@pytest.mark.parametrize("sub", ["demo", "emit", "simulate", "info", "derive"])
def test_every_subcommand_takes_out(tmp_path, sub):
    proc = subprocess.run([sys.executable, "-m", "compactmodel.cli", sub, "--help"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env=_env())
    assert proc.returncode == 0 and "--out" in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_version_flag_prints_the_package_version(tmp_path):
    text = (PACKAGE / "_version.py").read_text()
    version = re.search(r'__version__ = "([^"]+)"', text).group(1)
    proc = subprocess.run([sys.executable, "-m", "compactmodel.cli", "--version"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env=_env())
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"spinbattery {version}"


def test_real_commands_from_another_folder_leave_the_repository_alone(tmp_path):
    before = _git_state()
    env = _env()

    def run(*args, timeout=300):
        proc = subprocess.run([sys.executable, "-m", *args], cwd=tmp_path, capture_output=True, text=True,
                              timeout=timeout, env=env)
        assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-2500:]
        return proc.stdout

    run("compactmodel.cli", "info", "--json", "--out", "info.json")
    run("compactmodel.cli", "simulate", "Charge at 0.15 mA for 1 ns; Close gate; Hold for 1 ns; Release into load "
        "for 1 ns", "--load", "resistor:1000", "--no-plots", "--quiet")
    run("compactmodel.studies.retention")
    assert (tmp_path / "info.json").is_file()
    assert (tmp_path / "out" / "results.csv").is_file()  # simulate's default --out: ./out of the current folder
    assert (tmp_path / "retention.md").is_file() and (tmp_path / "retention.png").is_file()
    assert _git_state() == before


def test_demo_writes_its_figures_and_report_only_into_out(tmp_path):
    before = _git_state()
    proc = subprocess.run([sys.executable, "-m", "compactmodel.cli", "demo", "--out", "figs"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, env=_env())
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-2500:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figs"]
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [
        "battery_report.png", "demo.csv", "demo.png", "demo_energy.png", "demo_write.png"]
    assert (tmp_path / "figs" / "battery_report.png").stat().st_size > 50_000
    assert _git_state() == before
