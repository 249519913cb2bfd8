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
    has_all = all(shutil.which(t) for t in ("openroad", "klayout", "iverilog", "vvp",
                                            "verilator"))
    # 0: everything runs; 5: the build runs but stops early (no OpenROAD here)
    assert proc.returncode == (0 if has_all else 5), proc.stderr
    out = proc.stdout
    for tool in ("slang", "yosys", "sta (OpenSTA)", "openroad", "klayout", "icarus (iverilog, "
                 "vvp)", "verilator"):
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
        # the versions the pinned SiliconCompiler expects, and where its install script is
        assert "pinned by SiliconCompiler 0.38.11" in proc.stderr
        assert "toolscripts/ubuntu22/install-openroad.sh" in proc.stderr
        assert "eqchip build runs here, but it stops after post-synthesis" in proc.stderr


def test_doctor_without_pdk_says_how_to_install(tmp_path: Path) -> None:
    env = {**os.environ, "PDK_ROOT": str(tmp_path)}
    proc = doctor(env)
    assert proc.returncode == 4
    assert "PDK" in proc.stderr and "ciel" in proc.stderr
    assert "eqchip build cannot run here" in proc.stderr
    assert "MISSING (required)" in proc.stdout


def _bin_with(tmp_path: Path, *tools: str) -> str:
    """A PATH holding only `tools` (links to the real ones)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for t in tools:
        (bin_dir / t).symlink_to(shutil.which(t))
    return str(bin_dir)


def test_doctor_checks_simulators_and_fails_when_the_build_cannot_run(pdk_root: Path,
                                                                      tmp_path: Path) -> None:
    if not shutil.which("sta"):
        import pytest
        pytest.skip("needs OpenSTA (`sta`) on PATH")
    # no Icarus, no Verilator: the build runs, but its report is vectorless only
    proc = doctor({**os.environ, "PATH": _bin_with(tmp_path, "sta")})
    assert proc.returncode == 5, proc.stderr
    assert "icarus (iverilog, vvp) missing" in proc.stderr
    assert "apt-get install iverilog" in proc.stderr
    assert "vectorless only" in proc.stderr and "Verilator" in proc.stderr
    # no OpenSTA: the build cannot run at all, and doctor must not say it can
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = doctor({**os.environ, "PATH": str(empty)})
    assert proc.returncode == 3, proc.stderr
    assert "eqchip build cannot run here: missing sta" in proc.stderr
    assert "can run here" not in proc.stdout


def test_not_run_notice_never_names_a_step_that_ran() -> None:
    from eqchip.asic.capabilities import not_run_summary

    ran = ["elaborate", "synthesis"]
    blocked = ["synthesis.sta", "floorplan.init", "floorplan.tapcell", "write.gds"]
    names = not_run_summary(blocked, ran)
    assert names == ["synthesis.sta", "floorplan", "write"]
    assert not set(names) & set(ran)
