"""What `eqchip build` checks before it starts: paths the tools cannot read, and a missing
Icarus (the report would be vectorless only) said on the terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _build(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eqchip", "build", *args], capture_output=True,
                          text=True, timeout=300, env=env)


@pytest.mark.parametrize("folder", ["with space", "caf\u00e9", "br[ack]et"])
def test_build_path_the_tools_cannot_read_is_refused_up_front(pdk_root: Path, tmp_path: Path,
                                                              designs_dir: Path,
                                                              folder: str) -> None:
    root = tmp_path / folder / "build"
    proc = _build(str(designs_dir / "small.yaml"), "--build-dir", str(root))
    assert proc.returncode == 2, proc.stderr
    assert f"error: build folder {root / 'small'}" in proc.stderr
    assert "cannot read files there" in proc.stderr and "--build-dir" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not root.exists()                        # refused before anything was written


def test_tool_path_problems() -> None:
    from eqchip.pathcheck import tool_path_problem

    assert tool_path_problem(Path("/home/user/build/small-1.0_x+y")) is None
    assert tool_path_problem(Path("/a b")) == "contains a space"
    assert tool_path_problem(Path("/a\tb")) == "contains whitespace ('\\t')"
    assert "non-ASCII" in tool_path_problem(Path("/\u00fcber"))
    assert "Tcl" in tool_path_problem(Path("/x/$HOME"))


def test_pdk_path_the_tools_cannot_read_is_refused(tmp_path: Path, designs_dir: Path,
                                                   pdk_root: Path) -> None:
    odd = tmp_path / "my pdks"
    odd.symlink_to(pdk_root)
    proc = _build(str(designs_dir / "small.yaml"), "--build-dir", str(tmp_path / "b"),
                  env={**os.environ, "PDK_ROOT": str(odd)})
    assert proc.returncode == 2, proc.stderr
    assert f"PDK_ROOT {odd} contains a space" in proc.stderr


@pytest.mark.slow
def test_build_without_icarus_warns_that_the_report_is_vectorless(pdk_root: Path,
                                                                  tmp_path: Path,
                                                                  designs_dir: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sta",):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    env = {**os.environ, "PATH": str(bin_dir)}
    proc = _build(str(designs_dir / "small.yaml"), "--build-dir", str(tmp_path / "b"),
                  "--to", "elaborate", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr           # SC's pool workers end quietly
    assert "warning: Icarus Verilog (iverilog, vvp) is not installed" in proc.stderr
    assert "vectorless only" in proc.stderr
