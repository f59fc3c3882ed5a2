"""The code blocks of README.md and notebooks/README.md run as pasted.

```spice blocks run in ngspice (batch mode, from the repository root, as the README says);
```python blocks run in a fresh interpreter in a temporary folder; ```bash blocks: the
``spinbattery`` and cheap ``python`` commands run, commands that install software or open a
GUI (``bash run ...``, ``jupyter lab``) are only checked for the files they name. Blocks with
no language are program output, not code.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "notebooks" / "README.md", ROOT / "examples" / "README.md"]
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)


def blocks(path: Path) -> list[tuple[str, str, int]]:
    """(language, code, line number) of every fenced block; the code is dedented by its fence's indent."""
    text = path.read_text()
    out = []
    for m in FENCE.finditer(text):
        indent = m.group("indent")
        body = "".join(line[len(indent):] if line.startswith(indent) else line
                       for line in m.group("body").splitlines(keepends=True))
        out.append((m.group("lang"), body, text[: m.start()].count("\n") + 1))
    return out


ALL = [(path, lang, code, line) for path in DOCS if path.exists() for lang, code, line in blocks(path)]


def _id(item) -> str:
    path, lang, _, line = item
    return f"{path.relative_to(ROOT)}:{line}:{lang or 'text'}"


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "MPLBACKEND": "Agg"}


def test_blocks_are_found_and_fences_are_not_indented_in_the_top_readme():
    langs = [lang for path, lang, _, _ in ALL if path.name == "README.md" and path.parent == ROOT]
    assert langs.count("python") >= 3 and "spice" in langs
    # an indented fence inside a list item cannot be pasted into python (IndentationError)
    text = (ROOT / "README.md").read_text()
    assert not re.search(r"^[ \t]+```python", text, re.M)


SPICE = [b for b in ALL if b[1] == "spice"]
PYTHON = [b for b in ALL if b[1] == "python"]
BASH = [b for b in ALL if b[1] == "bash"]


@pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice not installed")
@pytest.mark.parametrize("item", SPICE, ids=_id)
def test_spice_block_runs_in_ngspice(tmp_path, item):
    _, _, code, _ = item
    assert not code.lstrip().startswith("."), "the first line of a deck is its title; a dot-line there is lost"
    deck = tmp_path / "deck.cir"
    deck.write_text(code)
    proc = subprocess.run(["ngspice", "-b", str(deck)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert not [line for line in out.splitlines() if re.match(r"\s*error", line, re.I)], out[-3000:]
    measured = dict(re.findall(r"^(\w+)\s+=\s+(\S+)", proc.stdout, re.M))
    assert measured, "the block measures nothing"
    for name, value in measured.items():
        assert math.isfinite(float(value)), (name, value)
    if "wn_charged" in measured and "wn_stored" in measured:
        # charged to eq. (7); the closed ring shares the twist with the gate link (len/(len+lgate) < 1)
        eq7 = 3.3e-16 * 0.15e-3 * 1e-6 / (2 * math.pi * 2.5e-27)
        assert float(measured["wn_charged"]) == pytest.approx(eq7, rel=1e-3)
        assert float(measured["wn_stored"]) == pytest.approx(eq7 * 1e-6 / (1e-6 + 2e-8), rel=1e-3)


@pytest.mark.parametrize("item", PYTHON, ids=_id)
def test_python_block_runs(tmp_path, item):
    _, _, code, _ = item
    compile(code, "<README block>", "exec")  # a syntax or indentation error names the block
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=_env())
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-3000:]


def _bash_commands(code: str) -> list[list[str]]:
    cmds = []
    for raw in code.splitlines():
        line = raw.split(" #")[0].strip()
        if line and not line.startswith("#"):
            cmds.append(shlex.split(line))
    return cmds


@pytest.mark.parametrize("item", BASH, ids=_id)
def test_bash_block(tmp_path, item):
    path, _, code, _ = item
    for argv in _bash_commands(code):
        prog = argv[0]
        if prog == "bash" and argv[1:2] == ["run"]:  # installs apt packages and a venv: only check the verb
            assert (ROOT / "run").is_file() and argv[2] in ("demo", "tests")
        elif prog in ("jupyter", "jupytext"):  # not installed by the package: check the files they name
            named = [a for a in argv[1:] if a.endswith((".py", ".ipynb"))]
            assert named
            for a in named:
                src = ROOT / (a if a.endswith(".py") else a.replace(".ipynb", ".py"))
                assert src.is_file(), a
        elif prog == "python" and argv[1:3] == ["-m", "pytest"]:
            for a in argv[3:]:
                if not a.startswith("-"):
                    assert (ROOT / a).exists(), a
        elif prog == "ngspice" and argv[-1].startswith("examples/xschem/simulation/"):
            # the netlist that the xschem command before writes; tests/examples/test_xschem.py runs both
            assert (ROOT / "examples" / "xschem" / (Path(argv[-1]).stem + ".sch")).is_file(), argv[-1]
        elif prog == "ngspice":
            deck = next(a for a in argv if a.endswith(".cir"))
            assert (ROOT / deck).is_file(), deck  # the examples themselves run in tests/examples
        elif prog == "xschem":  # netlisted headless and simulated in tests/examples/test_xschem.py
            named = [a for a in argv[1:] if a.endswith((".sch", "xschemrc"))]
            assert named
            for a in named:
                assert (ROOT / a).is_file(), a
        elif prog == "python" and argv[1].startswith("examples/"):
            assert (ROOT / argv[1]).is_file()
            if "--help" in argv:
                proc = subprocess.run([sys.executable, str(ROOT / argv[1]), "--help"], cwd=tmp_path,
                                      capture_output=True, text=True, timeout=60, env=_env())
                assert proc.returncode == 0 and "--out" in proc.stdout
        elif prog == "spinbattery":  # runs in a temporary folder; files the README names under examples/ are the repo's
            args = [str(ROOT / a) if a.startswith("examples/") else a for a in argv[1:]]
            proc = subprocess.run([sys.executable, "-m", "compactmodel.cli", *args], cwd=tmp_path,
                                  capture_output=True, text=True, timeout=300, env=_env())
            assert proc.returncode == 0, proc.stderr[-2000:]
        else:
            pytest.fail(f"{path.name}: no rule to check the command {' '.join(argv)!r}")
