"""`eqchip doctor`: tools, PDK files, runnable steps, install hints."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**env, "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "eqchip", "doctor"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_doctor_reports_tools_pdk_and_steps(pdk_root: Path) -> None:
    proc = doctor(dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for tool in ("slang", "yosys", "sta (OpenSTA)", "openroad", "klayout"):
        assert tool in out
    assert "sky130_fd_sc_hd__tt_025C_1v80.lib" in out and str(pdk_root) in out
    for step in ("elaborate", "synthesis.sta", "floorplan.power_grid", "write.gds"):
        assert step in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines()
            if line.count("│") >= 4}
    assert rows["synthesis.sta"].rstrip("│ ").endswith("yes") == (shutil.which("sta")
                                                                  is not None)
    has_or = shutil.which("openroad") is not None
    assert rows["floorplan.init"].rstrip("│ ").endswith("yes") == has_or
    if not has_or:
        assert "openroad missing" in proc.stderr and "OpenROAD" in proc.stderr


def test_doctor_without_pdk_says_how_to_install(tmp_path: Path) -> None:
    env = {**os.environ, "PDK_ROOT": str(tmp_path)}
    proc = doctor(env)
    assert proc.returncode == 0
    assert "PDK" in proc.stderr and "ciel" in proc.stderr
    assert "MISSING (required)" in proc.stdout
