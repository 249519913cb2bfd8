"""The report's chip section: die and core area, the planned floorplan, the critical path and
the leakage at the fast corner. A pure reading of metrics.json (`area`, `floorplan`, `macros`,
`post_layout`) and of the timing and power reports the build state names (the synthesis.sta
node's reports/setup.rpt beside its sta.json; the last routing step's reports/timing/setup.rpt
and reports/power/<scenario>.rpt). Nothing is measured here; what no report holds is said."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from eqchip.asic.state import BuildState
from eqchip.figures import dig, fig

#: orientations that turn a macro by 90 degrees (its width and height swap)
_TURNED = ("R90", "R270", "MXR90", "MYR90")


def floorplan_section(metrics: dict[str, Any]) -> dict | None:
    """Die, core and macros as floorplan.size planned them before place and route (metrics.json
    `floorplan`, `area`, `macros`), with OpenROAD's die and core area beside them when the
    design was placed. None when the build has no floorplan plan."""
    fp = metrics.get("floorplan") or {}
    die, core = fp.get("die_um"), fp.get("core_um")
    if not die or not core:
        return None
    area = metrics.get("area") or {}
    mac = metrics.get("macros") or {}
    w, h = mac.get("width_um"), mac.get("height_um")
    macros = []
    for p in fp.get("placements") or []:
        turned = str(p.get("orientation", "R0")) in _TURNED
        macros.append({"instance": p["instance"], "cell": mac.get("cell"),
                       "orientation": p.get("orientation"), "x_um": p["x_um"],
                       "y_um": p["y_um"], "width_um": h if turned else w,
                       "height_um": w if turned else h})
    src = "metrics.json area.{} (floorplan.size plan, before place and route)"
    pl = dig(metrics, "post_layout", "figures") or {}
    out = {
        "label": "PLANNED by floorplan.size before place and route (OpenROAD may move the "
                 "macros; the layout picture shows where they are after routing)",
        "die_um": [0.0, 0.0, float(die[0]), float(die[1])],
        "core_um": [float(x) for x in core],
        "halo_um": fp.get("halo_um"),
        "target_utilization": fp.get("target_utilization"),
        "macros": macros,
        "die_area_um2": fig(area.get("die_um2"), "um2", src.format("die_um2")),
        "core_area_um2": fig(area.get("core_um2"), "um2", src.format("core_um2")),
        "post_layout_die_area_um2": None, "post_layout_core_area_um2": None,
    }
    for key in ("die_area_um2", "core_area_um2"):
        f = pl.get(key)
        if isinstance(f, dict) and f.get("value") is not None:
            out[f"post_layout_{key}"] = fig(f["value"], f.get("unit", "um2"),
                                            f"metrics.json post_layout.figures.{key} "
                                            f"({f.get('source')}, {f.get('file')})")
    return out


_START = re.compile(r"^Startpoint:\s*(\S+)")
_END = re.compile(r"^Endpoint:\s*(\S+)")
_CLOCKED = re.compile(r"clocked by (\S+?)\)")
_SLACK = re.compile(r"^\s*(-?[\d.]+)\s+slack \((MET|VIOLATED)\)")
_ARRIVAL = re.compile(r"^\s*(-?[\d.]+)\s+data arrival time")


def critical_path(report: Path, stage: str) -> dict | None:
    """The first (worst) path of an OpenSTA `report_checks -path_delay max` report: start and
    end point, the clock that launches and captures it, its data arrival and slack. None when
    the report holds no complete path."""
    try:
        lines = Path(report).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    path: dict[str, Any] = {}
    for i, line in enumerate(lines):
        if "startpoint" not in path and (m := _START.match(line)):
            path["startpoint"] = m.group(1)
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if c := _CLOCKED.search(line + nxt):
                path["start_clock"] = c.group(1)
        elif "startpoint" in path and "endpoint" not in path and (m := _END.match(line)):
            path["endpoint"] = m.group(1)
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if c := _CLOCKED.search(line + nxt):
                path["end_clock"] = c.group(1)
        elif line.startswith("Path Group:") and "group" not in path:
            path["group"] = line.split(":", 1)[1].strip()
        elif line.startswith("Corner:") and "corner" not in path:
            path["corner"] = line.split(":", 1)[1].strip()
        elif "endpoint" in path and "arrival_ns" not in path and (m := _ARRIVAL.match(line)):
            path["arrival_ns"] = float(m.group(1))
        elif "endpoint" in path and (m := _SLACK.match(line)):
            path["slack_ns"] = fig(float(m.group(1)), "ns",
                                   f"OpenSTA setup report {report}, worst path")
            path["met"] = m.group(2) == "MET"
            break
    if "slack_ns" not in path:
        return None
    return {"stage": stage, "report": str(report), "clock": path.get("end_clock")
            or path.get("start_clock") or path.get("group"), **path}


def critical_paths(state: BuildState | None, metrics: dict[str, Any],
                   design_period_ns: float) -> list[dict]:
    """The worst setup path after synthesis (synthesis.sta's reports/setup.rpt, beside the
    sta.json the state names) and, when the design was routed, after the last routing step
    (its reports/timing/setup.rpt), each with the clock period it was checked at (the design
    clock; post-route, metrics.json post_layout.corners.<corner>.clock_period_ns)."""
    if state is None:
        return []
    out = []
    if state.views.sta is not None:
        p = critical_path(state.views.sta.parent / "setup.rpt", "post-synthesis")
        if p:
            out.append({**p, "period_ns": design_period_ns})
    corners = dig(metrics, "post_layout", "corners") or {}
    for rpt in state.views.signoff_reports:
        if rpt.name == "setup.rpt" and rpt.parent.name == "timing":
            p = critical_path(rpt, f"post-route ({state.views.signoff_step})")
            if p:
                period = dig(corners, str(p.get("corner")), "clock_period_ns")
                out.append({**p, "period_ns": period if isinstance(period, int | float)
                            else design_period_ns})
    return out


def fast_leakage(state: BuildState | None) -> dict:
    """Leakage power at the fast corner: from the last routing step's power report of the fast
    scenario (reports/power/fast.rpt) when the flow wrote one; otherwise `value` is None and
    `note` says which power reports exist, so nothing is invented."""
    reports = [p for p in (state.views.signoff_reports if state else [])
               if p.parent.name == "power" and p.suffix == ".rpt"
               and p.stem != "activity_annotation"]
    fast = [p for p in reports if p.stem == "fast"]
    if fast:
        from eqchip.power.power import report_power_groups

        groups = report_power_groups(fast[0].read_text(encoding="utf-8", errors="replace"))
        total = groups.get("total")
        if total and total.get("leakage") is not None:
            return {"value": fig(total["leakage"], "W",
                                 f"OpenROAD report_power, fast scenario, Total leakage "
                                 f"({fast[0]})"), "note": None}
    if state is None or not state.views.signoff_reports:
        note = ("not measured: the design was not routed, and post-synthesis power is "
                "computed at the design corner only")
    else:
        names = ", ".join(p.name for p in reports) or "none"
        note = (f"not measured: the last routing step ({state.views.signoff_step}) wrote power "
                f"reports for {names} only (SiliconCompiler runs report_power in the typical "
                "scenario; the fast scenario checks hold only)")
    return {"value": None, "note": note}
