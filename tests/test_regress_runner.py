"""The regress runner's process pool with the real build entry point, and run provenance."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import time
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

from eqchip.config import load_design
from eqchip.regress.provenance import git_commit, package_versions, pdk_fingerprint
from eqchip.regress.runner import run_builds


def _build_or_die(design_yaml: str, build_root: str) -> str | None:
    """A build function whose worker process dies for the design `twin` (as a crashed tool
    or the out-of-memory killer would end it)."""
    if Path(design_yaml).stem == "twin":
        time.sleep(1.0)          # let the first design's result reach the parent first
        os._exit(9)
    return f"built {Path(design_yaml).stem} into {build_root}"


def test_a_dead_worker_is_that_designs_error(tmp_path: Path, designs_dir: Path) -> None:
    twin = tmp_path / "twin.yaml"
    twin.write_text((designs_dir / "small.yaml").read_text().replace("name: small", "name: twin"))
    designs = [load_design(designs_dir / "small.yaml"), load_design(twin)]
    out = run_builds(designs, tmp_path / "build", jobs=1, build=_build_or_die)
    assert [o.design for o in out] == ["small", "twin"]
    assert out[0].error is None and out[0].note == f"built small into {tmp_path / 'build'}"
    assert out[1].error is not None and "build process of twin failed" in out[1].error
    assert "BrokenProcessPool" in out[1].error


def test_parallel_builds_report_each_failure(tmp_path: Path, designs_dir: Path) -> None:
    """Two designs built by two worker processes; the PDK is missing, so each real build fails
    at once and regress reports both as JUnit errors instead of stopping at the first."""
    twin = tmp_path / "twin.yaml"
    twin.write_text((designs_dir / "small.yaml").read_text().replace("name: small", "name: twin"))
    env = {**os.environ, "PDK_ROOT": str(tmp_path / "no_pdk"), "COLUMNS": "200"}
    proc = subprocess.run(
        ["eqchip", "regress", "small", str(twin), "--jobs", "2", "--update-baseline",
         "--build-root", str(tmp_path / "build"), "--baselines", str(tmp_path / "bl"),
         "--history", str(tmp_path / "h.sqlite")],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no baseline update for small: " in proc.stderr and "; twin: " in proc.stderr
    junit = ET.parse(tmp_path / "build" / "regress" / "junit.xml").getroot()
    errors = {c.get("classname"): c.find("error") for c in junit.iter("testcase")}
    assert set(errors) == {"regress.small", "regress.twin"}
    for err in errors.values():
        assert err is not None and "PDK_ROOT" in err.text
    assert not (tmp_path / "bl").exists()               # nothing to update from failed builds
    with sqlite3.connect(tmp_path / "h.sqlite") as conn:  # failed runs are history too
        rows = conn.execute("SELECT design, passed FROM runs ORDER BY design").fetchall()
        assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == 0
    assert rows == [("small", 0), ("twin", 0)]


def test_provenance(repo_root: Path, pdk_root: Path, tmp_path: Path) -> None:
    commit = git_commit(repo_root)
    assert commit is not None
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", commit), commit
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo_root, capture_output=True,
                          text=True, check=True).stdout.strip()
    assert commit.startswith(head)
    assert (git_commit(repo_root / "designs") or "").startswith(head)
    assert git_commit(tmp_path) is None                 # not in a git checkout
    versions = package_versions()
    assert versions["tools.siliconcompiler"] == metadata.version("siliconcompiler")
    fp = pdk_fingerprint(str(pdk_root), "sky130_fd_sc_hd__tt_025C_1v80.lib")
    assert list(fp) == ["pdk.sky130_fd_sc_hd__tt_025C_1v80.lib.sha256"]
    assert re.fullmatch(r"[0-9a-f]{16}", fp["pdk.sky130_fd_sc_hd__tt_025C_1v80.lib.sha256"])
    assert pdk_fingerprint(str(pdk_root), "no_such.lib") == {}
    assert pdk_fingerprint(None, "x.lib") == {}
