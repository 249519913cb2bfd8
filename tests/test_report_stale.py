"""A directory given as the design file is named as such (the report that fails midway now
leaves the previous report untouched: tests/test_report_outputs.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_directory_given_as_design_is_called_a_directory(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "eqchip", "render", str(tmp_path), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert f"{tmp_path}: is a directory, not a design file" in proc.stderr
    assert "no such design file" not in proc.stderr
