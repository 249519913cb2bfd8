"""A real routed build: `eqchip build` of tests/data/route_tiny.yaml (a 2-2-2 network) through
every node of the flow with the real OpenROAD and KLayout (skipped where there are none, see
conftest.find_openroad_dir; tests/test_build_openroad_boundary.py covers those machines).

The assertions read the real outputs: the GDS (KLayout's Python module), the DEF placements,
metrics.json's post-route figures, the build summary, the report, and a rerun with nothing
changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from eqchip.asic.state import BuildState, read_state

DESIGN = Path(__file__).resolve().parent / "data" / "route_tiny.yaml"
#: the routing steps whose records the post-route figures come from (route.detailed, or the
#: antenna repair that reroutes after it)
ROUTE_STEPS = ("route.detailed", "route.detailed_antenna_repair")


@dataclass(frozen=True)
class Routed:
    dir: Path                              # <build root>/route_tiny
    proc: subprocess.CompletedProcess[str]
    wall_s: float
    env: dict[str, str]


def _build(build_root: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "eqchip", "build", str(DESIGN), "--build-dir",
                           str(build_root)], cwd=build_root, env=env, capture_output=True,
                          text=True, timeout=1800, check=False)
    return proc, time.monotonic() - t0


@pytest.fixture(scope="module")
def routed(pdk_root: Path, openroad_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Routed:
    root = tmp_path_factory.mktemp("route_tiny")
    env = {**os.environ, "PATH": f"{openroad_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "COLUMNS": "200"}
    proc, wall = _build(root, env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return Routed(root / "route_tiny", proc, wall, env)


def _state(routed: Routed) -> BuildState:
    return read_state(routed.dir)


def test_every_node_ran_with_the_real_tools(routed: Routed) -> None:
    state = _state(routed)
    statuses = {n.step: n.status for n in state.nodes}
    # SC skips the steps with nothing to do here (route.repair_timing: timing met;
    # dfm.metal_fill: the PDK install has no fill rules)
    assert statuses and all(s in ("success", "skipped") for s in statuses.values()), statuses
    assert statuses["route.detailed"] == "success" and statuses["write.gds"] == "success"
    tools = {n.step: n.tool for n in state.nodes}
    assert tools["route.detailed"] == "openroad" and tools["write.gds"] == "klayout"
    metrics = json.loads((routed.dir / "metrics.json").read_text())
    assert metrics["status"] == "complete" and metrics["stop_reason"] is None
    # the versions SC recorded of the layout tools that ran
    tools = metrics.get("tools") or {}
    assert tools.get("openroad") and tools.get("klayout"), tools


def test_gds_holds_both_macros_at_their_placements(routed: Routed) -> None:
    import klayout.db as kdb

    state = _state(routed)
    assert state.views.gds is not None and state.views.gds.is_file()
    assert state.views.def_ is not None and state.views.def_.is_file()
    layout = kdb.Layout()
    layout.read(str(state.views.gds))
    tops = [c.name for c in layout.top_cells()]
    assert tops == [state.top], tops
    top = layout.cell(state.top)
    macro = state.macro.cell
    dbu = layout.dbu
    placed = sorted((round(i.trans.disp.x * dbu, 3), round(i.trans.disp.y * dbu, 3))
                    for i in top.each_inst() if i.cell.name == macro)
    assert len(placed) == 2, placed
    # the same places as the DEF's components (lower-left corner, N orientation)
    comps = _def_components(state.views.def_, macro)
    assert sorted(comps) == placed


def _def_components(def_file: Path, cell: str) -> list[tuple[float, float]]:
    import gzip
    import re

    opener = gzip.open if def_file.suffix == ".gz" else open
    with opener(def_file, "rt") as fh:
        text = fh.read()
    units = int(re.search(r"UNITS DISTANCE MICRONS (\d+)", text).group(1))
    out = []
    for m in re.finditer(rf"-\s+\S+\s+{re.escape(cell)}\s+\+\s+(?:PLACED|FIXED)\s+"
                         r"\(\s*(-?\d+)\s+(-?\d+)\s*\)\s+(\w+)", text):
        assert m.group(3) in ("N", "FN", "S", "FS"), m.group(0)
        out.append((round(int(m.group(1)) / units, 3), round(int(m.group(2)) / units, 3)))
    return out


def test_routed_clean_with_timing_met(routed: Routed) -> None:
    metrics = json.loads((routed.dir / "metrics.json").read_text())
    pl = metrics["post_layout"]
    assert pl["stage"] == "post-route"
    figs = pl["figures"]
    assert figs["drc_errors"]["value"] == 0 and figs["drc_errors"]["source"] in ROUTE_STEPS
    assert figs["setup_ws_ns"]["value"] >= 0, figs["setup_ws_ns"]
    assert figs["hold_ws_ns"]["value"] >= 0, figs["hold_ws_ns"]
    assert figs["wirelength_um"]["value"] > 0
    assert 0 < figs["clock_power_share"]["value"] < 1
    # post-route standard-cell area includes taps, clock buffers and repair: above synthesis
    assert figs["stdcell_area_um2"]["value"] > metrics["area"]["stdcell_um2"]


def test_summary_and_report_show_post_route_with_sources(routed: Routed) -> None:
    out = " ".join(routed.proc.stdout.replace("│", " ").split())    # table cells unwrapped
    assert "post-route: setup worst slack" in out
    assert any(f"(from {step})" in out for step in ROUTE_STEPS), out
    assert "post-route: DRC violations" in out
    report = json.loads((routed.dir / "report.json").read_text())
    rows = {r["id"]: r for r in report["post_layout"]["rows"]}
    assert rows["drc_errors"]["post_layout"]["value"] == 0
    assert rows["setup_ws_ns"]["post_layout"]["source"].startswith(("route.", "dfm."))
    md = (routed.dir / "report.md").read_text()
    assert "post-route" in md.lower()


def test_rerun_with_nothing_changed_takes_seconds(routed: Routed) -> None:
    before = (routed.dir / "metrics.json").read_bytes()
    proc, wall = _build(routed.dir.parent, routed.env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "nothing changed since the last build" in proc.stdout + proc.stderr
    assert wall < 60, wall
    assert json.loads((routed.dir / "metrics.json").read_bytes())["post_layout"] == \
        json.loads(before)["post_layout"]


def _handoff(routed: Routed, build_dir: Path, out: Path, *extra: str
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eqchip", "handoff", str(DESIGN), "--build-dir",
                           str(build_dir), "-o", str(out), *extra], cwd=out.parent,
                          env=routed.env, capture_output=True, text=True, timeout=600,
                          check=False)


def test_handoff_holds_the_layout_and_verifies(routed: Routed, tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    proc = _handoff(routed, routed.dir, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "layout" and manifest["violations_allowed"] is False
    checks = {c["name"]: c for c in manifest["layout_checks"]}
    assert all(c["ok"] for c in checks.values()), checks
    for name in ("gds_top_cell", "macros_placed", "drc_errors", "antenna_violating_nets",
                 "setup_slow", "setup_typical", "hold_typical", "hold_fast"):
        assert name in checks, name
    paths = {f["path"]: f["role"] for f in manifest["files"]}
    state = _state(routed)
    assert paths[f"layout/{state.views.gds.name}"] == "layout"
    assert paths[f"netlist/final/{state.views.final_netlist.name}"] == "netlist"
    assert any(p.startswith("constraints/final/") for p in paths)
    for corner in ("slow", "typical", "fast"):
        assert any(p.startswith(f"reports/signoff/timing/scenarios/{corner}/") for p in paths), \
            corner
    assert any(p.startswith("reports/signoff/power/") for p in paths)
    assert any(p.startswith("macros/") and p.endswith(".lef") for p in paths)
    readme = (out / "README.md").read_text()
    assert "What the partner must supply" in readme and "MRAM macro layouts" in readme
    assert "not a sign-off DRC" in readme
    verify = _handoff(routed, routed.dir, out, "--verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_handoff_of_a_layout_with_a_violation_is_refused(routed: Routed, tmp_path: Path) -> None:
    """A layout whose GDS lost one MRAM macro instance: refused (exit 8, naming the check);
    packaged only with --allow-violations, which the README and manifest then say."""
    import klayout.db as kdb

    state = _state(routed)
    layout = kdb.Layout()
    layout.read(str(state.views.gds))
    top = layout.cell(state.top)
    inst = next(i for i in top.each_inst() if i.cell.name == state.macro.cell)
    inst.delete()
    broken = tmp_path / "broken.gds"
    layout.write(str(broken))
    # a build folder whose records name that GDS: the build's own folders linked in (the
    # record's paths are relative to the build folder), its files copied
    bad = tmp_path / "copy" / routed.dir.name
    bad.mkdir(parents=True)
    for entry in routed.dir.iterdir():
        if entry.name == "build_state.json":
            continue
        if entry.is_dir():
            (bad / entry.name).symlink_to(entry, target_is_directory=True)
        else:
            (bad / entry.name).write_bytes(entry.read_bytes())
    doc = json.loads((routed.dir / "build_state.json").read_text())
    doc["views"]["gds"] = str(broken)
    (bad / "build_state.json").write_text(json.dumps(doc))

    out = tmp_path / "pkg"
    refused = _handoff(routed, bad, out)
    assert refused.returncode == 8, refused.stdout + refused.stderr
    assert "macros_placed" in refused.stderr and "--allow-violations" in refused.stderr
    assert "Traceback" not in refused.stderr and not out.exists()
    allowed = _handoff(routed, bad, out, "--allow-violations")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["violations_allowed"] is True
    assert [c["name"] for c in manifest["layout_checks"] if not c["ok"]] == ["macros_placed"]
    assert "FAILS 1 of the" in (out / "README.md").read_text()
    assert _handoff(routed, bad, out, "--verify").returncode == 0


def test_post_route_energy_nodes_and_power(routed: Routed) -> None:
    """postroute.parasitics (SPEF of the routed nets, the power netlist with its clock tree)
    and postroute.power (the routed netlist's gate-level simulation and power with the SPEF):
    tests/route_power_checks.py."""
    from route_power_checks import check_post_route_nodes, check_post_route_power

    check_post_route_nodes(routed.dir)
    check_post_route_power(routed.dir)


def test_report_headline_energy_is_post_route(routed: Routed) -> None:
    from route_power_checks import check_post_route_report

    check_post_route_report(routed.dir)


def test_report_gives_timing_at_every_signoff_corner(routed: Routed) -> None:
    report = json.loads((routed.dir / "report.json").read_text())
    rows = {(c["corner"], c["check"]): c for c in report["post_layout"]["corners"]}
    assert set(rows) == {("slow", "setup"), ("typical", "setup"), ("typical", "hold"),
                         ("fast", "hold")}
    assert rows[("slow", "setup")]["liberty_corner"] == "ss_n40C_1v40"
    assert rows[("fast", "hold")]["liberty_corner"] == "ff_100C_1v95"
    assert all(r["met"] for r in rows.values()), rows
    md = (routed.dir / "report.md").read_text()
    assert "Timing at the sign-off corners" in md and "ss_n40C_1v40" in md


def test_slow_corner_is_signed_off_at_its_own_clock(routed: Routed) -> None:
    """route_tiny names a slower clock for the slow corner (clock.slow_corner_freq_mhz):
    OpenROAD read it into the slow scenario's own timing mode, and every corner's figures say
    which clock they were checked at."""
    from eqchip.asic.corners import SLOW_CLOCK_MODE
    from eqchip.config import load_design

    clock = load_design(DESIGN).design.clock
    assert clock.slow_corner_freq_mhz is not None and \
        clock.slow_corner_freq_mhz < clock.freq_mhz
    corners = json.loads((routed.dir / "metrics.json").read_text())["post_layout"]["corners"]
    assert corners["slow"]["clock_period_ns"] == pytest.approx(clock.slow_corner_period_ns)
    assert corners["typical"]["clock_period_ns"] == pytest.approx(clock.period_ns)
    assert corners["fast"]["clock_period_ns"] == pytest.approx(clock.period_ns)
    state = _state(routed)
    step = corners["slow"]["source"]
    log = (routed.dir / state.job / step / "0" / f"{step}.log").read_text(errors="replace")
    assert f"Reading SDC into mode ({SLOW_CLOCK_MODE})" in log
    assert f"with mode: {SLOW_CLOCK_MODE}" in log
    report = json.loads((routed.dir / "report.json").read_text())
    clocks = {(c["corner"], c["check"]): c["clock_mhz"] for c in report["post_layout"]["corners"]}
    assert clocks[("slow", "setup")] == pytest.approx(clock.slow_corner_freq_mhz)
    assert clocks[("typical", "setup")] == pytest.approx(clock.freq_mhz)
