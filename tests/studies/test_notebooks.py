"""Execute every jupytext notebook in notebooks/ (percent-format .py): a cell that raises fails.

Each ``notebooks/*.py`` is converted in memory with jupytext and run top to bottom by
nbclient in a python3 kernel of *this* interpreter, with the repository root as working
directory. Nothing is written back: the .py files stay output-free.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # long study: 'bash run tests -m "not slow"' skips it

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))

#: Seconds a single cell may run (the whole derivation notebook takes well under a minute).
CELL_TIMEOUT = 300


def _kernel_manager():
    """A python3 kernel manager bound to this interpreter.

    A kernel spec named python3 elsewhere on the machine (e.g. ~/.local/share/jupyter) could
    point at another Python without this project installed; with no kernel directories the
    spec manager falls back to ipykernel's built-in spec, which launches ``sys.executable``.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    ksm = KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
    spec = ksm.get_kernel_spec("python3")
    assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve(), spec.argv
    return KernelManager(kernel_name="python3", kernel_spec_manager=ksm)


@pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path: Path):
    import jupytext  # the test extra installs jupytext, nbclient and ipykernel: missing ones fail
    import nbclient

    nb = jupytext.read(path)  # percent format -> in-memory notebook
    assert any(cell.cell_type == "code" for cell in nb.cells), f"{path.name} has no code cells"
    client = nbclient.NotebookClient(
        nb,
        km=_kernel_manager(),
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(ROOT)}},  # cwd of the kernel: the repository root
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"{path.name}: a cell raised\n{exc}", pytrace=False)
