"""`BuildState` from SiliconCompiler's own records of a job: the flowgraph with each node's
tool, task and status from the job manifest, and each view's file from `find_result` of the
node that makes it (only nodes that completed in this job)."""

from __future__ import annotations

from pathlib import Path

from eqchip.asic.flow import FLOORPLAN_STEP, POWER_STEP, STA_STEP
from eqchip.asic.libraries import MacroFiles
from eqchip.asic.state import BuildState, MacroViews, NodeRecord, Views
from eqchip.asic.tasks.parasitics import STEP as PARASITICS_STEP

SYNTHESIS_STEP = "synthesis"


def _get(proj, *key: str, step: str, group: str = "record"):  # noqa: ANN001, ANN202
    try:
        return proj.get(group, *key, step=step, index="0")
    except (ValueError, KeyError, LookupError):
        return None


def flow_nodes(proj, steps: list[str]) -> list[NodeRecord]:  # noqa: ANN001
    """Every node of the flowgraph, with its tool, task and SC status."""
    flow = proj.get_flow()
    out = []
    for step in steps:
        node = flow.get_graph_node(step, "0")
        out.append(NodeRecord(step=step, tool=node.get("tool"), task=node.get("task"),
                              status=_get(proj, "status", step=step)))
    return out


def _result(proj, step: str, done: list[str], filetype: str | None = None,  # noqa: ANN001
            directory: str = "outputs", filename: str | None = None) -> Path | None:
    if step not in done:
        return None
    try:
        found = proj.find_result(filetype=filetype, step=step, index="0", directory=directory,
                                 filename=filename)
    except (ValueError, KeyError, LookupError):
        return None
    return Path(found) if found else None


def _last_route_step(steps: list[str], done: list[str]) -> str | None:
    routed = [s for s in steps if s.startswith("route.") and s in done]
    return routed[-1] if routed else None


def signoff_reports(reports: Path) -> list[Path]:
    """The timing reports (all corners, reports/timing/**/*.rpt) and power reports
    (reports/power/*.rpt) one OpenROAD step wrote, sorted."""
    found = [*reports.glob("timing/**/*.rpt"), *reports.glob("power/*.rpt")]
    return sorted(p for p in found if p.is_file())


def build_state(proj, *, design: str, design_path: Path, design_sha256: str,  # noqa: ANN001
                top: str, corner: str, sc_corner: str, pdk_root: Path, job: str,
                job_dir: Path, flow: str, steps: list[str], sdc: Path,
                rtl: tuple[Path, ...], macro: MacroFiles | None,
                render_manifest: Path | None = None,
                technology: Path | None = None) -> BuildState:
    manifest = job_dir / f"{design}.pkg.json"
    nodes = flow_nodes(proj, steps)
    done = [n.step for n in nodes if n.status == "success"]
    views = Views(
        rtl=list(rtl), sdc=sdc, render_manifest=render_manifest, technology=technology,
        netlist=_result(proj, SYNTHESIS_STEP, done, "vg"),
        netlist_json=_result(proj, SYNTHESIS_STEP, done, "netlist.json"),
        floorplan=_result(proj, FLOORPLAN_STEP, done, directory="reports",
                          filename="floorplan.json"),
        sta=_result(proj, STA_STEP, done, directory="reports", filename="sta.json"),
        activity=_result(proj, POWER_STEP, done, directory="reports",
                         filename="activity_power.json"),
        vcd=_result(proj, POWER_STEP, done, directory="reports", filename=f"{top}.step.vcd"),
        gds=_result(proj, "write.gds", done, "gds"),
        def_=_result(proj, "write.views", done, "def"),
        final_netlist=_result(proj, "write.views", done, "lvs.vg"),
        final_sdc=_result(proj, "write.views", done, "sdc"),
        abstract_lef=_result(proj, "write.views", done, "lef"),
        spef=[p for c in ("minimum", "typical", "maximum")
              if (p := _result(proj, "write.views", done, f"{c}.spef")) is not None]
        or [p for p in [_result(proj, PARASITICS_STEP, done, "spef")] if p is not None],
    )
    step = _last_route_step(steps, done)
    if step is not None:
        views.signoff_step = step
        views.signoff_reports = signoff_reports(job_dir / step / "0" / "reports")
    mv = None
    if macro is not None:
        mv = MacroViews(cell=macro.name, liberty=dict(macro.liberty), lef=macro.lef,
                        gds=macro.gds, blackbox_v=macro.blackbox_v, width_um=macro.width_um,
                        height_um=macro.height_um)
    return BuildState(design=design, design_path=design_path, design_sha256=design_sha256,
                      top=top, corner=corner, sc_corner=sc_corner, pdk_root=pdk_root, job=job,
                      job_dir=job_dir, manifest=manifest if manifest.is_file() else None,
                      flow=flow, nodes=nodes, completed=done, macro=mv, views=views)
