"""`eqchip build` up to the OpenROAD boundary, with a STAND-IN `openroad` at the tool boundary.

For machines without a real OpenROAD (where one is found, tests/test_route.py builds to GDS
with it instead and this test is skipped). The test puts on PATH a stand-in executable named
`openroad` that answers `-version` like a real one (SiliconCompiler parses `26Q3-0-gabcdef0`
as OpenROAD 26Q3) and fails loudly when asked to run anything. So `eqchip build` must get
through all of its own orchestration - every node's tool path and version check, the
floorplan sizing node, in the first run and in a rerun that resumes the job - and then fail in
`cleanup.clean`, the first OpenROAD node, with the stand-in's error. This checks eqchip, not
OpenROAD.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

STANDIN_VERSION = "26Q3-0-gabcdef0"
STANDIN_ERROR = "STANDIN-0001"
STANDIN = f"""#!/bin/sh
# stand-in for OpenROAD at the tool boundary (eqchip's tests): answers -version, fails on
# anything else
if [ "$1" = "-version" ]; then echo "{STANDIN_VERSION}"; exit 0; fi
echo "[ERROR {STANDIN_ERROR}] stand-in openroad was asked to run: $*" >&2
exit 1
"""


def _build(design: Path, build_dir: Path, bin_dir: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "eqchip", "build", str(design), "--build-dir",
                           str(build_dir), "--no-report"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900, check=False)


@pytest.mark.slow
def test_build_reaches_openroad_with_a_standin(pdk_root: Path, designs_dir: Path,
                                               tmp_path: Path) -> None:
    from conftest import find_openroad_dir
    from siliconcompiler import ASIC

    if find_openroad_dir()[0] is not None:
        pytest.skip("a real OpenROAD is at hand: tests/test_route.py routes with it")

    bin_dir = tmp_path / "standin-bin"
    bin_dir.mkdir()
    exe = bin_dir / "openroad"
    exe.write_text(STANDIN)
    exe.chmod(0o755)
    build = tmp_path / "build"
    job = build / "small" / "job0"

    for attempt in ("first run", "rerun resuming the job"):
        proc = _build(designs_dir / "small.yaml", build, bin_dir, tmp_path)
        out = proc.stdout + proc.stderr
        assert "could not be found" not in out, (attempt, out)
        assert "version requirements" not in out, (attempt, out)
        assert proc.returncode == 3, (attempt, out)                  # ToolError
        assert STANDIN_ERROR in out and "cleanup.clean" in proc.stderr, (attempt, out)
        log = job / "cleanup.clean" / "0" / "cleanup.clean.log"
        assert STANDIN_ERROR in log.read_text(), attempt
        assert "Traceback" not in proc.stderr
        assert not (build / "small" / "metrics.json").exists()      # no result looks complete
        if attempt == "first run":
            syn_out = job / "synthesis" / "0" / "outputs"
            before = {p.name: p.stat().st_mtime_ns for p in syn_out.iterdir()}

    after = {p.name: p.stat().st_mtime_ns for p in syn_out.iterdir()}
    assert after == before                                           # the rerun resumed

    sc = ASIC.from_manifest(filepath=str(job / "small.pkg.json"))
    for step in ("elaborate", "synthesis", "synthesis.sta", "floorplan.size"):
        assert sc.get("record", "status", step=step, index="0") == "success", step
    assert sc.get("record", "status", step="cleanup.clean", index="0") == "error"
    assert sc.get("record", "toolversion", step="cleanup.clean", index="0") == STANDIN_VERSION
    assert sc.get("record", "toolpath", step="cleanup.clean", index="0") == str(exe)

    # what the first OpenROAD node was given: the floorplan the sizing node set
    node = ASIC.from_manifest(filepath=str(job / "cleanup.clean" / "0" / "inputs" /
                                           "small.pkg.json"))
    (x0, y0), (x1, y1) = node.get("constraint", "area", "diearea")
    assert x1 - x0 > 100 and y1 - y0 > 100
    comps = [c for c in node.getkeys("constraint", "component")]
    assert sorted(comps) == ["u_bank0/u_macro0", "u_bank1/u_macro0"]
    for c in comps:
        assert node.get("constraint", "component", c, "placement") is not None
