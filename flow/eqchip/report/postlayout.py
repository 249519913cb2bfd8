"""The report's post-layout section: a pure reading of metrics.json `post_layout` (OpenROAD's
per-step figures, each naming its step) beside the post-synthesis figures of the same build."""

from __future__ import annotations

from typing import Any

#: (figure id, label) in the order the report shows them
LABELS = (
    ("stdcell_area_um2", "standard-cell area"),
    ("macro_area_um2", "macro area"),
    ("die_area_um2", "die area"),
    ("utilization", "instance utilization"),
    ("setup_ws_ns", "setup worst slack"),
    ("setup_tns_ns", "setup total negative slack"),
    ("hold_ws_ns", "hold worst slack"),
    ("fmax_mhz", "achievable clock"),
    ("clock_skew_setup_ns", "clock skew (setup)"),
    ("power_total_w", "total power"),
    ("clock_power_w", "clock network power"),
    ("clock_power_share", "clock network share of power"),
    ("wirelength_um", "routed wirelength"),
    ("drc_errors", "DRC violations"),
    ("clock_buffers", "clock buffers"),
    ("clock_inverters", "clock inverters"),
)


def _post_synthesis(metrics: dict[str, Any]) -> dict[str, Any]:
    area = metrics.get("area") or {}
    timing = metrics.get("timing") or {}
    # no post-synthesis counterpart of OpenROAD's total power (macros and clock network
    # included): eqchip's post-synthesis power (metrics.json power) is the logic only
    return {"stdcell_area_um2": area.get("stdcell_um2"),
            "macro_area_um2": area.get("macros_um2"),
            "setup_ws_ns": timing.get("setup_slack_ns"),
            "setup_tns_ns": timing.get("setup_tns_ns"),
            "hold_ws_ns": timing.get("hold_slack_ns"),
            "fmax_mhz": timing.get("achievable_freq_mhz")}


def post_layout_section(metrics: dict[str, Any]) -> dict[str, Any] | None:
    """None before any place-and-route step completed."""
    pl = metrics.get("post_layout")
    if not pl:
        return None
    figs = pl.get("figures") or {}
    syn = _post_synthesis(metrics)
    rows = []
    for fid, label in LABELS:
        fig = figs.get(fid)
        if fig is None:
            continue
        rows.append({"id": fid, "label": label, "unit": fig["unit"],
                     "post_layout": {"value": fig["value"], "unit": fig["unit"],
                                     "source": f"{fig['source']} ({fig.get('file')})"},
                     "post_synthesis": syn.get(fid)})
    return {"stage": pl.get("stage"), "last_step": pl.get("last_step"), "rows": rows,
            "corners": corner_rows(pl.get("corners") or {})}


#: (check, label) of a corner's rows, in the order the report shows them
CORNER_CHECKS = (("setup", "setup"), ("hold", "hold"))


def corner_rows(corners: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per sign-off corner and check (metrics.json `post_layout.corners`): the clock it
    is checked at, worst and total negative slack with their report files."""
    rows = []
    for corner in ("slow", "typical", "fast"):
        c = corners.get(corner)
        if not c:
            continue
        for check, label in CORNER_CHECKS:
            ws, tns = c.get(f"{check}_ws_ns"), c.get(f"{check}_tns_ns")
            if ws is None:
                continue
            period = c.get("clock_period_ns")
            rows.append({"id": f"{corner}_{check}", "corner": corner,
                         "liberty_corner": c.get("liberty_corner"),
                         "clock_mhz": round(1000.0 / period, 4) if period else None,
                         "check": label, "ws_ns": ws["value"],
                         "tns_ns": tns["value"] if tns else None, "met": ws["value"] >= 0,
                         "source": f"{ws['source']} ({ws['file']})"})
    return rows
