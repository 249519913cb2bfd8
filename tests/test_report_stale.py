"""`eqchip report` removes the previous report before it starts: a report that fails (or is
killed) midway never leaves an older one that looks current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_failed_report_leaves_no_previous_report(tmp_path: Path) -> None:
    build = tmp_path / "small"
    build.mkdir()
    for ext in ("json", "md", "html"):
        (build / f"report.{ext}").write_text(f"an older report ({ext})\n")
    (build / "metrics.json").write_text("{ damaged")
    proc = subprocess.run([sys.executable, "-m", "eqchip", "report", str(build), "--design",
                           "designs/small.yaml"], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert not any((build / f"report.{ext}").exists() for ext in ("json", "md", "html"))


def test_directory_given_as_design_is_called_a_directory(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "eqchip", "render", str(tmp_path), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert f"{tmp_path}: is a directory, not a design file" in proc.stderr
    assert "no such design file" not in proc.stderr
