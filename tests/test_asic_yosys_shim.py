"""The pyosys-backed `yosys` shim that SiliconCompiler calls when no yosys >= 0.48 is on PATH."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from eqchip.asic.yosys_shim import install_shim, is_shim, parse_version, real_yosys

pyosys = pytest.importorskip("pyosys", reason="pyosys is not installed")


@pytest.fixture
def shim(tmp_path: Path) -> Path:
    return install_shim(tmp_path / "bin")


def test_version_line_parses_like_sc_expects(shim: Path) -> None:
    out = subprocess.run([str(shim), "--version"], capture_output=True, text=True, check=True)
    # SC's YosysTask.parse_version takes the second word
    assert out.stdout.split()[0] == "Yosys"
    version = parse_version(out.stdout)
    assert version is not None and version >= (0, 48)
    assert is_shim(shim)


def test_tcl_mode_returns_tee_result_and_writes_netlist(shim: Path, tmp_path: Path) -> None:
    (tmp_path / "t.v").write_text(
        "module top(input a, b, output y); assign y = a ^ b; endmodule\n")
    (tmp_path / "s.tcl").write_text(
        "yosys read_verilog t.v\n"
        "set mods [yosys tee -q -s result.string ls]\n"
        "if { [string first top $mods] < 0 } { error \"ls returned: $mods\" }\n"
        "yosys synth -top top\n"
        "yosys write_verilog -noattr out.v\n"
        "puts \"MODULES=[string trim $mods]\"\n")
    out = subprocess.run([str(shim), "-c", "s.tcl"], cwd=tmp_path, capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "MODULES=" in out.stdout and "top" in out.stdout.split("MODULES=")[1]
    assert "module top" in (tmp_path / "out.v").read_text()


@pytest.mark.parametrize("script", ["yosys no_such_pass_xyz\n", "error {tcl failure}\n"])
def test_errors_exit_nonzero(shim: Path, tmp_path: Path, script: str) -> None:
    (tmp_path / "bad.tcl").write_text(script)
    out = subprocess.run([str(shim), "-c", "bad.tcl"], cwd=tmp_path, capture_output=True,
                         text=True, check=False)
    assert out.returncode != 0
    assert "ERROR" in out.stdout + out.stderr


def test_real_yosys_on_path_wins_over_shim(tmp_path: Path) -> None:
    """A yosys >= 0.48 on PATH is used; the shim and old versions are not."""
    bindir = tmp_path / "real"
    bindir.mkdir()
    exe = bindir / "yosys"
    exe.write_text("#!/bin/sh\necho 'Yosys 0.60 (git sha1 0, clang)'\n")
    exe.chmod(0o755)
    found = real_yosys(path=str(bindir))
    assert found == (str(exe), (0, 60))
    exe.write_text("#!/bin/sh\necho 'Yosys 0.23 (debian)'\n")
    assert real_yosys(path=str(bindir)) is None
    shim_dir = install_shim(tmp_path / "shim").parent
    assert real_yosys(path=str(shim_dir)) is None
    assert real_yosys(path=os.pathsep.join([str(shim_dir)])) is None


def test_shim_is_written_executable_and_repaired(tmp_path: Path) -> None:
    exe = install_shim(tmp_path / "bin")
    assert os.access(exe, os.X_OK) and is_shim(exe)
    exe.chmod(0o644)                  # e.g. copied without modes: reinstalling fixes it
    assert not os.access(exe, os.X_OK)
    again = install_shim(tmp_path / "bin")
    assert again == exe and os.access(exe, os.X_OK)
    assert sorted(p.name for p in exe.parent.iterdir()) == ["yosys"]   # no temp files left
