"""Post-layout figures of a build from OpenROAD's own per-step records.

Every OpenROAD node of the flow writes `reports/metrics.json` (OpenROAD's metrics, e.g.
`sc__metric__timing__setup__ws`, `sc__step__route__wirelength`) and `reports/power/<scenario>.rpt`
(OpenSTA's `report_power` inside OpenROAD, with a Clock group). Each figure is taken from the
latest place-and-route step (floorplan.*, place.*, cts.*, route.*, dfm.*, in flow order) that
completed and recorded it, and names that step as its source; `write.*` only export views and
are not sources. The clock network's share of power comes from the power report of the step
that gave the total power.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eqchip.asic.corners import LIBERTY_CORNERS, signoff_checks
from eqchip.asic.tasks.floorplan_size import STEP as FLOORPLAN_STEP
from eqchip.power.power import report_power_groups

PNR_PREFIXES = ("floorplan.", "place.", "cts.", "route.", "dfm.")
METRICS_REPORT = "reports/metrics.json"

#: figure -> (OpenROAD metric key, unit, scale to the unit)
FIGURES: dict[str, tuple[str, str, float]] = {
    "stdcell_area_um2": ("sc__metric__design__instance__area__stdcell", "um2", 1.0),
    "macro_area_um2": ("sc__metric__design__instance__area__macros", "um2", 1.0),
    "die_area_um2": ("sc__metric__design__die__area", "um2", 1.0),
    "core_area_um2": ("sc__metric__design__core__area", "um2", 1.0),
    "utilization": ("sc__metric__design__instance__utilization", "fraction", 1.0),
    "setup_ws_ns": ("sc__metric__timing__setup__ws", "ns", 1.0),
    "setup_tns_ns": ("sc__metric__timing__setup__tns", "ns", 1.0),
    "hold_ws_ns": ("sc__metric__timing__hold__ws", "ns", 1.0),
    "hold_tns_ns": ("sc__metric__timing__hold__tns", "ns", 1.0),
    "fmax_mhz": ("sc__metric__timing__fmax", "MHz", 1e-6),
    "clock_skew_setup_ns": ("sc__metric__clock__skew__setup", "ns", 1.0),
    "clock_skew_hold_ns": ("sc__metric__clock__skew__hold", "ns", 1.0),
    "power_total_w": ("sc__metric__power__total", "W", 1.0),
    "power_internal_w": ("sc__metric__power__internal__total", "W", 1.0),
    "power_switching_w": ("sc__metric__power__switching__total", "W", 1.0),
    "power_leakage_w": ("sc__metric__power__leakage__total", "W", 1.0),
    "wirelength_um": ("sc__step__route__wirelength", "um", 1.0),
    "global_route_wirelength_um": ("sc__step__global_route__wirelength", "um", 1.0),
    "drc_errors": ("sc__step__route__drc_errors", "count", 1.0),
    "antenna_violating_nets": ("sc__step__antenna__violating__nets", "count", 1.0),
    "antenna_violating_pins": ("sc__step__antenna__violating__pins", "count", 1.0),
    "clock_buffers": ("sc__cellarea__design__instance__count__class:clock_buffer", "count", 1.0),
    "clock_inverters": ("sc__cellarea__design__instance__count__class:clock_inverter", "count",
                        1.0),
}


#: per-corner worst slack reports SC writes when the flow has several timing scenarios:
#: reports/timing/scenarios/<scenario>/worst_slack.<setup|hold>.<scenario>.rpt, one line
#: "worst slack max|min <ns>" (and total_negative_slack.<check>.<scenario>.rpt: "tns ...")
SCENE_REPORT = "reports/timing/scenarios/{scene}/{kind}.{check}.{scene}.rpt"


@dataclass(frozen=True)
class StepRecords:
    """What one completed OpenROAD step left: its metrics.json, its power report, and the
    per-corner slack reports (report path -> text)."""

    metrics: dict[str, Any]
    power_report: str | None = None
    power_report_name: str | None = None
    scene_reports: dict[str, str] | None = None


def is_pnr_step(step: str) -> bool:
    """An OpenROAD place-and-route step (not eqchip's own floorplan.size)."""
    return step.startswith(PNR_PREFIXES) and step != FLOORPLAN_STEP


def post_route(steps: list[str], records: Callable[[str], StepRecords | None],
               design_corner: str = "typical",
               periods: dict[str, float] | None = None) -> dict | None:
    """The `post_layout` section of metrics.json from the completed steps (flow order) and a
    reader of each step's records (`periods`: SC corner -> the clock period its checks ran at,
    eqchip.asic.corners.corner_periods); None when no place-and-route step left any."""
    recs = {s: r for s in steps if is_pnr_step(s) and (r := records(s)) is not None}
    if not recs:
        return None
    order = [s for s in steps if s in recs]
    figures: dict[str, dict[str, Any]] = {}
    for name, (key, unit, scale) in FIGURES.items():
        for step in reversed(order):
            value = recs[step].metrics.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool) \
                    and abs(value) < 1e24:
                v = value * scale if scale != 1.0 else value
                figures[name] = {"value": v, "unit": unit, "source": step,
                                 "file": METRICS_REPORT, "key": key}
                break
    total = figures.get("power_total_w")
    clock = None
    if total is not None:
        rec = recs[total["source"]]
        groups = report_power_groups(rec.power_report) if rec.power_report else {}
        if "clock" in groups and groups.get("total", {}).get("total"):
            share = groups["clock"]["total"] / groups["total"]["total"]
            src = {"source": total["source"], "file": rec.power_report_name}
            figures["clock_power_w"] = {"value": groups["clock"]["total"], "unit": "W", **src}
            figures["clock_power_share"] = {"value": round(share, 6), "unit": "fraction", **src}
            clock = {k: v for k, v in groups.items()}
    last = order[-1]
    routed = any(s.startswith("route.") for s in order)
    return {"stage": "post-route" if routed else "post-placement" if any(
                s.startswith(("place.", "cts.")) for s in order) else "floorplan",
            "last_step": last, "steps": order, "figures": figures,
            "power_groups_w": clock,
            "corners": corner_timing(order, recs, signoff_checks(design_corner), periods)}


def _slack_value(text: str) -> float | None:
    """The number of SC's one-line "worst slack max 1.23" / "tns min 0.00" report."""
    words = text.split()
    try:
        return float(words[-1]) if words else None
    except ValueError:
        return None


def corner_timing(order: list[str], recs: dict[str, StepRecords],
                  checks: dict[str, list[str]],
                  periods: dict[str, float] | None = None) -> dict[str, dict] | None:
    """Worst and total negative slack of each corner's sign-off checks (`checks`: SC corner ->
    setup/hold, eqchip.asic.corners) at its clock (`periods`), from the per-scenario reports
    of the latest place-and-route step that wrote them; None when no step did (one timing
    scenario)."""
    for step in reversed(order):
        reports = recs[step].scene_reports or {}
        if not reports:
            continue
        out: dict[str, dict] = {}
        for path, text in sorted(reports.items()):
            parts = Path(path).name.split(".")        # worst_slack.setup.slow.rpt
            if len(parts) != 4:
                continue
            kind, check, scene = parts[0], parts[1], parts[2]
            value = _slack_value(text)
            if value is None or kind not in ("worst_slack", "total_negative_slack") or \
                    check not in checks.get(scene, ()):
                continue
            key = f"{check}_{'ws' if kind == 'worst_slack' else 'tns'}_ns"
            entry = out.setdefault(scene, {"liberty_corner": LIBERTY_CORNERS.get(scene),
                                           "clock_period_ns": (periods or {}).get(scene),
                                           "source": step})
            entry[key] = {"value": value, "unit": "ns", "source": step, "file": path}
        for entry in out.values():
            entry["met"] = all(v["value"] >= 0 for k, v in entry.items()
                               if k.endswith("_ws_ns"))
        return out or None
    return None


def job_records(job_dir: Path, scenario: str,
                scenarios: tuple[str, ...] = tuple(LIBERTY_CORNERS)
                ) -> Callable[[str], StepRecords | None]:
    """Reader of the records of node <step>/0 of an SC job folder: metrics, the power report
    of `scenario`, the slack reports of each of `scenarios`."""
    def read(step: str) -> StepRecords | None:
        node = Path(job_dir) / step / "0"
        try:
            metrics = json.loads((node / METRICS_REPORT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        rpt_name = f"reports/power/{scenario}.rpt"
        try:
            rpt = (node / rpt_name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            rpt = None
        scenes = {}
        for scene in scenarios:
            for check in ("setup", "hold"):
                for kind in ("worst_slack", "total_negative_slack"):
                    rel = SCENE_REPORT.format(scene=scene, kind=kind, check=check)
                    try:
                        scenes[rel] = (node / rel).read_text(encoding="utf-8",
                                                             errors="replace")
                    except OSError:
                        pass
        return StepRecords(metrics if isinstance(metrics, dict) else {}, rpt, rpt_name,
                           scenes)
    return read
