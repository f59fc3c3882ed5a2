"""The house in layers: import contracts, a fast import without SymPy, the public API."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import compactmodel

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sympy", "lcapy", "dask", "distributed", "pandas", "pyarrow")


def _modules_after(code: str) -> set[str]:
    """Top-level package names in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_linter_contracts_are_kept():
    """pyproject.toml's contracts: layers import only downward, the run-time layers import no SymPy,
    lcapy or sweep stack, and no sibling modules import each other in a cycle."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "lint-imports (import-linter) is not installed: it is in the test extras"
    proc = subprocess.run([exe, "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "3 kept, 0 broken" in proc.stdout


def test_import_compactmodel_loads_nothing_heavy():
    loaded = _modules_after("import compactmodel")
    assert not loaded & {*HEAVY, "numpy", "scipy", "PySpice", "matplotlib"}, loaded & {*HEAVY, "numpy", "scipy"}


def test_simulation_path_imports_pyspice_but_not_sympy():
    """``from compactmodel import Simulation`` and a built simulation (rating, numeric twin, first deck)."""
    code = ("from compactmodel import Simulation, ResistorLoad\n"
            "sim = Simulation(['Charge at 0.1 mA for 1 ns', 'Close gate'], load=ResistorLoad(1000.0))\n"
            "from compactmodel.sim.simulation import _Setpoints\n"
            "sim._deck(sim.experiment.steps[0][1], _Setpoints(), _Setpoints(), 1e-9, None, False)\n"
            "import compactmodel.sim.ngspice")
    loaded = _modules_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_demo_uses_the_committed_library_without_sympy():
    """The README demo builds its protocol and simulation from the committed models (no derivation)."""
    code = ("from compactmodel.studies.demo import DEMO_ARRAY, demo_protocol\n"
            "from compactmodel import Simulation, LogicLoad\n"
            "Simulation(demo_protocol(), load=LogicLoad(), n_series=DEMO_ARRAY[0], n_parallel=DEMO_ARRAY[1])")
    assert "sympy" not in _modules_after(code)


@pytest.mark.parametrize("name", compactmodel.__all__)
def test_every_public_name_resolves(name):
    assert getattr(compactmodel, name) is not None
    assert name in dir(compactmodel)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'simulate'"):
        compactmodel.simulate  # noqa: B018


@pytest.mark.parametrize("package", ["core", "physics", "devices", "symbolic", "library", "sim", "verify", "studies"])
def test_each_subpackage_says_what_lives_there_and_what_it_may_import(package):
    import importlib

    doc = importlib.import_module(f"compactmodel.{package}").__doc__ or ""
    assert "What it may import" in doc or "may import" in doc, f"compactmodel.{package} docstring"
