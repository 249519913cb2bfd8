"""build/<design>/metrics.json: the numbers the report and regression tools read (schema in
docs/metrics.md). Everything comes from SC's job manifest and the reports of its nodes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eqchip.asic.floorplan import Floorplan
from eqchip.asic.flow import FLOORPLAN_STEP, FRONTEND_TOOLS, POWER_STEP, STA_STEP
from eqchip.asic.libraries import MacroFiles
from eqchip.asic.macro_views import liberty_area
from eqchip.asic.postroute import PNR_PREFIXES

#: how activity_power.json's logic power is made (eqchip.power.sections.logic_power)
LOGIC_POWER_METHOD = ("every OpenSTA report_power group but Macro: OpenSTA switching and "
                      "leakage + internal power from the Liberty internal_power tables "
                      "(eqchip.power.internal_power); vectorless: OpenSTA's default activities, "
                      "annotated: one simulated training step")

SCHEMA = "eqchip.metrics/2"
SYNTHESIS_STEP = "synthesis"


@dataclass(frozen=True)
class RunInfo:
    design: str
    top: str
    design_sha256: str
    job_dir: Path
    flow: str
    steps: list[str]                 # every step of the flow, in order
    requested: list[str]             # steps the user asked to reach
    status: str                      # complete | partial
    stop_reason: str | None          # None | requested | missing_tools | failed
    notice: str | None
    missing_tools: list[str]
    clock_period_ns: float
    corner: str
    pdk_root: Path
    yosys_kind: str                  # "yosys" or "pyosys shim"
    slow_clock_period_ns: float | None = None   # the slow corner's setup clock, if its own


def _node(proj, key: str, step: str, group: str = "metric") -> Any:  # noqa: ANN001
    try:
        return proj.get(group, key, step=step, index="0")
    except (ValueError, KeyError, LookupError):
        return None


def _json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _step_json(job_dir: Path, step: str, report: str, done: list[str]) -> dict[str, Any] | None:
    """reports/<report> of the step's node 0, only when the step completed (else None)."""
    if step not in done:
        return None
    return _json(job_dir / step / "0" / "reports" / report)


def _rounded(value: Any) -> float | None:
    return round(value, 6) if isinstance(value, int | float) else None


def _counts(proj, metric: str, steps: list[str]) -> dict[str, Any]:  # noqa: ANN001
    """SC's per-node `errors` / `warnings` metric (what the tool's log matched; each node's
    `<step>.errors` / `<step>.warnings` file lists the lines): per step that recorded one, and
    their sum (null when no step recorded any)."""
    by_step: dict[str, int] = {}
    for step in steps:
        v = _node(proj, metric, step)
        if v is not None:
            by_step[step] = int(v)
    return {"total": sum(by_step.values()) if by_step else None, "by_step": by_step}


def collect_metrics(proj, info: RunInfo,  # noqa: ANN001
                    macro: MacroFiles | None) -> dict[str, Any]:
    """Build the metrics.json document from a finished (or partial) SC job."""
    import lambdapdk
    import siliconcompiler

    done = [s for s in info.steps if _node(proj, "status", s, "record") == "success"]
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "design": info.design,
        "top": info.top,
        "design_sha256": info.design_sha256,
        "status": info.status,
        "stop_reason": info.stop_reason,
        "notice": info.notice,
        "flow": {"name": info.flow, "job_dir": str(info.job_dir), "steps": info.steps,
                 "requested": info.requested, "completed": done,
                 "missing_tools": info.missing_tools,
                 "errors": _counts(proj, "errors", info.steps),
                 "warnings": _counts(proj, "warnings", info.steps)},
        "pdk": {"name": "sky130", "variant": "sky130A", "stdcell_library": "sky130_fd_sc_hd",
                "corner": info.corner, "pdk_root": str(info.pdk_root)},
        "clock": {"target_period_ns": info.clock_period_ns,
                  "target_freq_mhz": round(1000.0 / info.clock_period_ns, 6)},
    }

    tools: dict[str, Any] = {"siliconcompiler": siliconcompiler.__version__,
                             "lambdapdk": getattr(lambdapdk, "__version__", None)}
    for step, name in FRONTEND_TOOLS.items():
        v = _node(proj, "toolversion", step, "record") if step in done else None
        if v:
            tools[name] = v
    if "yosys" in tools:
        tools["yosys_kind"] = info.yosys_kind
    # the layout tools, as SC recorded the version of the run's last node of each
    for name, steps in (("openroad", [s for s in info.steps if s.startswith(PNR_PREFIXES)]),
                        ("klayout", ["write.gds"])):
        v = next((v for s in reversed(steps) if s in done
                  and (v := _node(proj, "toolversion", s, "record"))), None)
        if v:
            tools[name] = v
    out["tools"] = tools

    # ---- cells and areas (synthesis) -------------------------------------------------------
    # A step's files are read only when it completed in this job: a rebuild that stops
    # earlier leaves the old node folders behind, and their numbers are not this build's.
    fp_doc = _step_json(info.job_dir, FLOORPLAN_STEP, "floorplan.json", done)
    floorplan = Floorplan.from_json(fp_doc) if fp_doc else None
    stat = _step_json(info.job_dir, SYNTHESIS_STEP, "stat.json", done)
    cells: dict[str, Any] = {}
    area: dict[str, Any] = {}
    if stat:
        design = stat.get("design", stat)
        by_type = dict(design.get("num_cells_by_type", {}))
        total_area = float(design.get("area", 0.0))
        n_macro = int(by_type.get(macro.name, 0)) if macro else 0
        macro_lib_area = (liberty_area(macro.typical_liberty, macro.name) or 0.0) if macro else 0.0
        std_area = total_area - n_macro * macro_lib_area
        macro_phys = n_macro * macro.width_um * macro.height_um if macro else 0.0
        cells = {"total": int(design.get("num_cells", 0)),
                 "stdcell": int(design.get("num_cells", 0)) - n_macro,
                 "macros": n_macro,
                 "registers": _node(proj, "registers", "synthesis"),
                 "sequential_area_um2": design.get("sequential_area"),
                 "by_type": by_type}
        area = {"stdcell_um2": round(std_area, 4),
                "macros_um2": round(macro_phys, 4),
                "total_um2": round(std_area + macro_phys, 4),
                "die_um2": None, "core_um2": None, "utilization": None}
    if floorplan is not None and area:
        area["die_um2"] = round(floorplan.die_area_um2, 4)
        area["core_um2"] = round(floorplan.core_area_um2, 4)
        area["utilization"] = round(area["stdcell_um2"] /
                                    max(floorplan.core_area_um2 - floorplan.blocked_area_um2,
                                        1e-9), 6)
        area["utilization_source"] = "planned floorplan"
    out["cells"] = cells or None
    out["area"] = area or None
    if macro:
        out["macros"] = {"cell": macro.name, "count": cells.get("macros") if cells else None,
                         "width_um": macro.width_um, "height_um": macro.height_um}
    if floorplan is not None:
        out["floorplan"] = {
            "die_um": list(floorplan.die), "core_um": list(floorplan.core),
            "halo_um": floorplan.halo_um, "target_utilization": floorplan.target_utilization,
            "placements": [{"instance": p.instance, "x_um": p.x, "y_um": p.y,
                            "orientation": p.orientation} for p in floorplan.placements]}

    # ---- timing (eqchip's sta task) ---------------------------------------------------------
    sta = _step_json(info.job_dir, STA_STEP, "sta.json", done)
    out["timing"] = None
    if sta:
        setup = sta.get("setup_slack_ns")
        hold = sta.get("hold_slack_ns")
        out["timing"] = {
            "stage": "post-synthesis (ideal clocks, no wire parasitics)",
            "corner": info.corner,
            "setup_wns_ns": None if setup is None else min(0.0, setup),
            "setup_tns_ns": sta.get("setup_tns_ns"),
            "setup_slack_ns": setup,
            "hold_wns_ns": None if hold is None else min(0.0, hold),
            "hold_tns_ns": sta.get("hold_tns_ns"),
            "hold_slack_ns": hold,
            # the netlist's own clock (register-to-register paths), the same at any target;
            # the I/O paths with the SDC's I/O budget beside it (eqchip.asic.fmax)
            "achievable_period_ns": _rounded(sta.get("fmax_period_ns")),
            "achievable_freq_mhz": sta.get("fmax_mhz"),
            "achievable_basis": sta.get("fmax_basis"),
            "io_limited_freq_mhz": sta.get("io_fmax_mhz"),
            "met": None if setup is None or hold is None else (setup >= 0.0 and hold >= 0.0),
        }

    # ---- logic power (the synthesis.power node) ---------------------------------------------
    # the one computation of logic power: report.json's power.logic is the same file's
    ap = _step_json(info.job_dir, POWER_STEP, "activity_power.json", done)
    source = f"{POWER_STEP} reports/activity_power.json"
    out["power"] = None if not ap or not ap.get("logic") else {
        "stage": "post-synthesis (standard cells; the MRAM macros are in report.json's energy)",
        "source": source, "method": LOGIC_POWER_METHOD, "logic": ap["logic"]}
    out["activity_power"] = None if not ap else {
        "source": source, "counters": ap.get("counters"), "notes": ap.get("notes")}

    # ---- post-layout figures (OpenROAD's own per-step records) ----------------------------
    # None until a place-and-route step completed; each figure names its step
    from eqchip.asic.corners import corner_periods
    from eqchip.asic.pdk import DESIGN_CORNER_TO_SC
    from eqchip.asic.postroute import job_records, post_route

    sc_corner = DESIGN_CORNER_TO_SC[info.corner]
    out["post_layout"] = post_route(done, job_records(info.job_dir, sc_corner), sc_corner,
                                    corner_periods(info.clock_period_ns,
                                                   info.slow_clock_period_ns))

    # ---- post-route logic power (the postroute.power node: the routed netlist's gate-level
    #      simulation with OpenROAD's estimated parasitics); None until that node completed
    from eqchip.asic.tasks.routed_power import routed_power_metrics

    out["power_post_route"] = routed_power_metrics(info.job_dir, done)

    # ---- run time per step -----------------------------------------------------------------
    runtime: dict[str, float] = {}
    for step in info.steps:
        t = _node(proj, "tasktime", step)
        if t is not None:
            runtime[step] = round(float(t), 4)
    out["runtime_s"] = runtime
    return out
