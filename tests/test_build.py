"""`eqchip build` end to end with the real tools: slang, yosys (or the pyosys shim), OpenSTA."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eqchip.config import load_design

HAS_OPENROAD = shutil.which("openroad") is not None


def eqchip(args: list[str], cwd: Path, env: dict[str, str] | None = None,
           timeout: int = 900) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ if env is None else env)
    full_env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "eqchip", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def small(small_build_run):
    """The session's build of small.yaml (tests/conftest.py: `eqchip build` with its report):
    (the finished process, the --build-dir, its metrics.json)."""
    metrics = small_build_run.dir / "metrics.json"
    assert metrics.is_file(), small_build_run.proc.stdout + small_build_run.proc.stderr
    return small_build_run.proc, small_build_run.root, json.loads(metrics.read_text())


@pytest.mark.slow
def test_small_stops_honestly_where_tools_are_missing(small) -> None:
    proc, _, m = small
    if HAS_OPENROAD:
        pytest.skip("OpenROAD present: the whole flow runs")
    assert proc.returncode == 5, proc.stdout + proc.stderr      # FlowIncomplete
    assert m["status"] == "partial" and m["stop_reason"] == "missing_tools"
    assert "openroad" in m["notice"] and "openroad" in proc.stderr
    assert "openroad" in m["flow"]["missing_tools"]
    assert set(m["flow"]["completed"]) == {"elaborate", "synthesis", "floorplan.size",
                                           "synthesis.sta", "synthesis.power"}
    assert m["floorplan"]["die_um"][0] > 100 and len(m["floorplan"]["placements"]) == 2


@pytest.mark.slow
def test_build_ends_with_the_report(small) -> None:
    """Without --no-report, `eqchip build` writes report.json/md/html once post-synthesis
    timing and power ran (here also when the flow stopped for a missing OpenROAD)."""
    proc, build, m = small
    d = build / "small"
    metrics = d / "metrics.json"
    for name in ("report.json", "report.md", "report.html"):
        f = d / name
        assert f.is_file(), proc.stdout + proc.stderr
        assert f.stat().st_mtime >= metrics.stat().st_mtime     # made from this build
    assert "wrote " + str(d / "report.json") in proc.stdout
    rep = json.loads((d / "report.json").read_text())
    assert rep["design"]["sha256"] == m["design_sha256"]
    assert rep["area"]["stdcell_um2"]["value"] == pytest.approx(m["area"]["stdcell_um2"],
                                                          rel=1e-3)
    assert all(c["ok"] for c in rep["cross_checks"]), rep["cross_checks"]


@pytest.mark.slow
def test_tool_errors_and_warnings_per_step(small) -> None:
    """metrics.json carries SC's per-node `errors` / `warnings` metrics: one entry per step
    that ran, each equal to the lines of the node's <step>.errors / <step>.warnings file."""
    from siliconcompiler import ASIC

    _, build, m = small
    job = build / "small" / "job0"
    sc = ASIC.from_manifest(filepath=str(job / "small.pkg.json"))
    for kind in ("errors", "warnings"):
        counts = m["flow"][kind]
        assert set(counts["by_step"]) == set(m["flow"]["completed"])
        assert counts["total"] == sum(counts["by_step"].values())
        for step, n in counts["by_step"].items():
            assert n == sc.get("metric", kind, step=step, index="0")
            listing = job / step / "0" / f"{step}.{kind}"
            if listing.is_file():
                assert n == len(listing.read_text().splitlines()), listing
    assert m["flow"]["errors"]["total"] == 0
    assert m["flow"]["warnings"]["by_step"]["synthesis"] > 0     # yosys/ABC always warn


@pytest.mark.slow
def test_small_netlist_keeps_every_mram_macro(small, designs_dir: Path) -> None:
    _, build, m = small
    arch = load_design(designs_dir / "small.yaml").arch
    netlist = (build / "small" / "job0" / "synthesis" / "0" / "outputs" / "small_top.vg")
    text = netlist.read_text()
    instances = re.findall(rf"^\s*{arch.macro_module}\s+(\S+)\s*\(", text, re.M)
    assert len(instances) == arch.total_macros
    assert f"module {arch.macro_module}" not in text          # black box, not synthesized
    assert m["cells"]["macros"] == arch.total_macros
    assert m["macros"]["count"] == arch.total_macros


@pytest.mark.slow
def test_small_areas_power_timing(small) -> None:
    _, _, m = small
    area, timing = m["area"], m["timing"]
    assert area["stdcell_um2"] > 0
    assert area["macros_um2"] == pytest.approx(
        m["macros"]["count"] * m["macros"]["width_um"] * m["macros"]["height_um"])
    assert area["total_um2"] == pytest.approx(area["stdcell_um2"] + area["macros_um2"])
    for lp in (m["power"]["logic"]["vectorless"], m["power"]["logic"]["annotated"]):
        parts = {k: lp[k]["value"] for k in ("internal_w", "switching_w", "leakage_w")}
        assert all(v > 0 for v in parts.values()), parts
        assert lp["total_w"]["value"] == pytest.approx(sum(parts.values()))
    assert timing["met"] is True
    assert timing["setup_wns_ns"] == 0.0 and timing["hold_wns_ns"] == 0.0
    assert timing["achievable_freq_mhz"] >= m["clock"]["target_freq_mhz"]
    assert {"slang", "yosys", "sta"} <= set(m["tools"])
    assert set(m["runtime_s"]) >= {"elaborate", "synthesis", "synthesis.sta"}
    assert m["pdk"]["stdcell_library"] == "sky130_fd_sc_hd"


@pytest.mark.slow
def test_rerun_resumes_instead_of_starting_over(small, designs_dir: Path) -> None:
    """A rebuild with nothing changed reruns no node and leaves metrics.json and
    build_state.json byte-identical, report.json identical apart from its timestamp. (It
    rebuilds the session's build in place: a copy elsewhere would not resume.)"""
    proc0, build, _ = small
    d = build / "small"
    node = d / "job0" / "synthesis" / "0"
    before = {p: p.stat().st_mtime_ns for p in (node / "outputs").iterdir()}
    records = {n: (d / n).read_bytes() for n in ("metrics.json", "build_state.json")}
    report = json.loads((d / "report.json").read_text())
    proc = eqchip(["build", str(designs_dir / "small.yaml"), "--build-dir", str(build)],
                  cwd=build.parent)
    assert proc.returncode == proc0.returncode, proc.stdout + proc.stderr
    after = {p: p.stat().st_mtime_ns for p in (node / "outputs").iterdir()}
    assert before == after
    for name, data in records.items():
        assert (d / name).read_bytes() == data, name
    again = json.loads((d / "report.json").read_text())
    assert again.pop("generated")["eqchip_version"] == report.pop("generated")["eqchip_version"]
    assert again == report


@pytest.mark.slow
def test_report_failure_is_not_silent(small, designs_dir: Path) -> None:
    """A report that cannot be written (the activity and power record it reads is damaged
    here) fails the build with a non-zero exit that is not 5, and the missing-tools notice is
    still shown. The session's build is used in place (a copy would not resume): the record is
    restored afterwards and a rebuild, which resumes, writes the report again."""
    proc0, build, _ = small
    d = build / "small"
    rec = d / "job0" / "synthesis.power" / "0" / "reports" / "activity_power.json"
    good = rec.read_bytes()
    stat = rec.stat()
    rec.write_text("{ damaged")
    os.utime(rec, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    try:
        proc = eqchip(["build", str(designs_dir / "small.yaml"), "--build-dir", str(build)],
                      cwd=build.parent)
    finally:
        rec.write_bytes(good)
        os.utime(rec, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        again = eqchip(["build", str(designs_dir / "small.yaml"), "--build-dir", str(build)],
                       cwd=build.parent)
    assert proc.returncode not in (0, 5), proc.stdout + proc.stderr
    assert "report of " in proc.stderr and "failed" in proc.stderr
    assert "Traceback" not in proc.stderr
    if proc0.returncode == 5:
        assert "warning: flow incomplete" in proc.stderr
    assert again.returncode == proc0.returncode, again.stdout + again.stderr
    assert (d / "report.json").is_file()


@pytest.mark.slow
def test_shorter_rebuild_reports_only_its_own_steps(small, designs_dir: Path,
                                                    tmp_path: Path) -> None:
    """A copy of a finished build rebuilt `--to elaborate`: the old synthesis and sta node
    folders stay on disk, but their area, cells and timing are not this build's (null), and
    the old report is gone rather than left looking current."""
    _, build, m0 = small
    assert m0["area"] and m0["timing"]              # the copy starts with real numbers
    copy = tmp_path / "build"
    shutil.copytree(build, copy, symlinks=True)
    d = copy / "small"
    for name in ("report.json", "report.md", "report.html"):   # an older report, if gone
        if not (d / name).exists():                             # (reruns with --no-report)
            (d / name).write_text("report of an older build\n")
    assert (d / "job0" / "synthesis" / "0" / "reports" / "stat.json").is_file()
    proc = eqchip(["build", str(designs_dir / "small.yaml"), "--build-dir", str(copy),
                   "--to", "elaborate"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    m = json.loads((d / "metrics.json").read_text())
    assert m["flow"]["completed"] == ["elaborate"]
    assert m["area"] is None and m["cells"] is None
    assert m["timing"] is None and m["power"] is None
    assert "floorplan" not in m and "yosys" not in m["tools"]
    for name in ("report.json", "report.md", "report.html"):
        assert not (d / name).exists(), name


@pytest.mark.slow
def test_full_flow_project_passes_sc_checks(small, designs_dir: Path) -> None:
    """The project as the OpenROAD nodes of the job get it: the job's manifest after the run,
    with the floorplan the floorplan.size node set (die/core, fixed macro positions with
    halos, pins). SC's manifest check and every node's required keys and files pass."""
    from siliconcompiler import ASIC

    from eqchip.asic.checks import node_problems, project_problems
    from eqchip.asic.flow import flow_steps

    _, build, m = small
    loaded = load_design(designs_dir / "small.yaml")
    project = ASIC.from_manifest(filepath=str(build / "small" / "job0" / "small.pkg.json"))
    steps = flow_steps(project.get_flow())
    assert "floorplan.power_grid" in steps and "write.gds" in steps
    assert project_problems(project, steps) == []

    comps = project.getkeys("constraint", "component")
    assert len(comps) == loaded.arch.total_macros
    for name in comps:
        c = project.constraint.component.get_component(name)
        assert c.get_placement() is not None
        assert c.get_halo() == (loaded.design.flow.macro_halo_um,) * 2
    (x0, y0), (x1, y1) = project.get("constraint", "area", "diearea")
    assert [x1 - x0, y1 - y0] == m["floorplan"]["die_um"]
    assert project.get("constraint", "area", "corearea")
    macro = m["macros"]["cell"]
    macro_lib = project.get_library(macro)
    assert macro_lib.get("tool", "openroad", "power_grid_fileset") == ["openroad.powergrid"]
    pdn = macro_lib.find_files("fileset", "openroad.powergrid", "file", "tcl")
    assert f"-cells {{{macro}}}" in Path(pdn[0]).read_text()
    assert project.get_library("sky130hd").get("tool", "openroad", "power_grid_fileset")

    # the checks do catch a broken setup: a missing macro power-grid script
    Path(pdn[0]).rename(Path(pdn[0]).with_suffix(".bak"))
    try:
        assert node_problems(project, "floorplan.power_grid")
    finally:
        Path(pdn[0]).with_suffix(".bak").rename(Path(pdn[0]))


@pytest.mark.slow
def test_to_stops_after_the_step(pdk_root: Path, designs_dir: Path, tmp_path: Path) -> None:
    proc = eqchip(["build", str(designs_dir / "small.yaml"), "--build-dir", "b",
                   "--to", "elaborate"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    job = tmp_path / "b" / "small" / "job0"
    assert (job / "elaborate" / "0" / "outputs" / "small_top.sv").is_file()
    assert not (job / "synthesis").exists()
    m = json.loads((tmp_path / "b" / "small" / "metrics.json").read_text())
    assert m["status"] == "partial" and m["stop_reason"] == "requested"
    assert m["flow"]["completed"] == ["elaborate"]
    # no timing or power yet, so no report (it is on by default)
    assert not (tmp_path / "b" / "small" / "report.json").exists()
    assert "no report: post-synthesis timing and power" in proc.stdout


def test_unknown_step_is_rejected(pdk_root: Path, designs_dir: Path, tmp_path: Path) -> None:
    proc = eqchip(["build", str(designs_dir / "small.yaml"), "--to", "no_such_step"],
                  cwd=tmp_path)
    assert proc.returncode == 1
    assert "no_such_step" in proc.stderr and "synthesis.sta" in proc.stderr


def test_missing_pdk_is_a_clear_error(designs_dir: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PDK_ROOT"}
    proc = eqchip(["build", str(designs_dir / "small.yaml")], cwd=tmp_path, env=env)
    assert proc.returncode == 4
    assert "PDK_ROOT" in proc.stderr and "Traceback" not in proc.stderr
    env["PDK_ROOT"] = str(tmp_path / "nowhere")
    proc = eqchip(["build", str(designs_dir / "small.yaml")], cwd=tmp_path, env=env)
    assert proc.returncode == 4 and "nowhere" in proc.stderr


@pytest.mark.slow
def test_digits_through_post_synthesis_timing_and_power(pdk_root: Path, designs_dir: Path,
                                                          tmp_path: Path) -> None:
    """digits (its macros, bias rows and column blocks) through synthesis and OpenSTA, with
    yosys' own ABC script as small and mnist use it: 50 s of synthesis on this machine against
    154 s for the default AREA1, which the suite's time budget cannot spare (AREA1's area and
    timing are measured by bench builds)."""
    text = (designs_dir / "digits.yaml").read_text()
    assert "\nflow:" not in text
    design = tmp_path / "digits.yaml"
    design.write_text(text + "flow:\n  synthesis_strategy: yosys\n")
    proc = eqchip(["build", str(design), "--build-dir", "b",
                   "--to", "synthesis.sta", "--no-report"], cwd=tmp_path, timeout=1500)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    arch = load_design(design).arch
    m = json.loads((tmp_path / "b" / "digits" / "metrics.json").read_text())
    netlist = tmp_path / "b" / "digits" / "job0" / "synthesis" / "0" / "outputs" / "digits_top.vg"
    instances = re.findall(rf"^\s*{arch.macro_module}\s+(\S+)\s*\(", netlist.read_text(), re.M)
    assert len(instances) == arch.total_macros
    assert m["cells"]["macros"] == arch.total_macros
    assert m["area"]["stdcell_um2"] > 0 and m["area"]["macros_um2"] > 0
    assert m["power"] is None            # logic power is synthesis.power's, not reached here
    assert m["timing"]["setup_slack_ns"] is not None
    assert m["timing"]["achievable_freq_mhz"] > 0
    assert m["timing"]["met"], m["timing"]
