"""The regress runner's process pool with the real build entry point, and run provenance."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from eqchip.regress.provenance import git_commit, package_versions, pdk_fingerprint


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


def test_provenance(repo_root: Path, pdk_root: Path) -> None:
    commit = git_commit(repo_root)
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", commit), commit
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo_root, capture_output=True,
                          text=True, check=True).stdout.strip()
    assert commit.startswith(head)
    versions = package_versions()
    assert versions["tools.siliconcompiler"] == "0.38.11"
    fp = pdk_fingerprint(str(pdk_root), "sky130_fd_sc_hd__tt_025C_1v80.lib")
    assert list(fp) == ["pdk.sky130_fd_sc_hd__tt_025C_1v80.lib.sha256"]
    assert re.fullmatch(r"[0-9a-f]{16}", fp["pdk.sky130_fd_sc_hd__tt_025C_1v80.lib.sha256"])
    assert pdk_fingerprint(str(pdk_root), "no_such.lib") == {}
    assert pdk_fingerprint(None, "x.lib") == {}
