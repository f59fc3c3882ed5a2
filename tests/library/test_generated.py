"""Generated files are exactly what the generator writes now."""

import subprocess
import sys

from compactmodel.symbolic.emit import REPO_ROOT, generated_files


def test_committed_files_equal_generator_output():
    for rel, text in generated_files().items():
        on_disk = (REPO_ROOT / rel).read_text()
        assert on_disk == text, f"{rel} is stale: run 'python -m compactmodel.symbolic.emit'"


def test_emit_check_cli_reports_up_to_date():
    proc = subprocess.run([sys.executable, "-m", "compactmodel.symbolic.emit", "--check"], capture_output=True, text=True, cwd=REPO_ROOT)
    assert proc.returncode == 0 and "up to date" in proc.stdout, proc.stdout + proc.stderr
