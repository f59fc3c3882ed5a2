"""Optional extras: the core install stays lean, the sweep stack loads only when a sweep runs,
and a missing extra is named in the error.

``pyproject.toml``: ``sweeps`` (dask[distributed], pandas, pyarrow), ``notebooks`` (jupyterlab,
nbconvert, jupytext, ipykernel), ``test`` (everything the suite imports), ``vajax``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
SWEEP_STACK = {"dask", "distributed", "pandas", "pyarrow"}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for r in requirements}


def test_core_dependencies_leave_out_the_sweep_and_notebook_stacks():
    project = _project()
    core = _names(project["dependencies"])
    assert not core & (SWEEP_STACK | {"jupyterlab", "nbconvert", "jupytext", "pytest"}), core
    assert {"numpy", "scipy", "sympy", "lcapy", "pyspice"} <= core  # compactmodel.network needs lcapy
    extras = project["optional-dependencies"]
    assert _names(extras["sweeps"]) == {"dask", "pandas", "pyarrow"}
    assert "distributed" in extras["sweeps"][0]  # dask[distributed]
    assert {"jupyterlab", "nbconvert", "jupytext"} <= _names(extras["notebooks"])
    # the test suite runs the sweeps and the notebooks: its extra holds what they import
    assert {"dask", "pandas", "pyarrow", "jupytext", "nbclient", "ipykernel", "pytest", "import-linter"} <= _names(
        extras["test"])


def test_the_run_script_installs_the_test_extra():
    assert ".[test" in (ROOT / "run").read_text()


def test_no_module_imports_the_sweep_stack_at_import_time():
    code = ("import compactmodel.cli, compactmodel.studies.sweeps, compactmodel.studies.variability, "
            "compactmodel.network, compactmodel.sim.pyspice\n"
            "import json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not loaded & SWEEP_STACK, loaded & SWEEP_STACK


def test_a_missing_sweep_stack_names_the_extra(monkeypatch, tmp_path):
    import importlib.util

    from compactmodel.studies import sweeps

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a))
    with pytest.raises(ImportError, match=r"pyarrow.*spin-battery-compact-model\[sweeps\]"):
        sweeps.run_sweep(sweeps.grid(x=[1.0]), abs, tmp_path / "out.csv")
    sweeps.grid(x=[1.0]).table()  # pandas alone is enough for the case table
