"""What `eqchip build` shows when it ends: the headline figures first (energy per MAC, per
inference, per training sample and TOPS/W from the report.json the build wrote, logic power,
area, timing), then the flowgraph with the steps a missing tool kept from running on one line,
then where the tools' warnings are. Reads the build's records (BuildResult, metrics.json) and
report.json's typed energy figures; writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from eqchip.asic.state import read_record
from eqchip.errors import EqchipError
from eqchip.ui import Console

if TYPE_CHECKING:
    from eqchip.asic.run import BuildResult

#: SC node statuses of a node that did not run (eqchip.asic.run.UNRUN)
_UNRUN = (None, "pending")


class FigureRecord(BaseModel):
    """One reported figure of report.json: `{value, unit, source}`."""

    model_config = ConfigDict(extra="allow")

    value: float
    unit: str
    source: str


class EnergyFigures(BaseModel):
    model_config = ConfigDict(extra="allow")

    pj_per_synop_inference: FigureRecord
    energy_per_inference: FigureRecord
    energy_per_training_sample: FigureRecord
    tops_per_w_inference: FigureRecord
    tops_per_w_training: FigureRecord | None = None


class _Energy(BaseModel):
    model_config = ConfigDict(extra="allow")

    figures: EnergyFigures


class _Design(BaseModel):
    model_config = ConfigDict(extra="allow")

    sha256: str


class ReportHeadline(BaseModel):
    """The part of report.json the build summary shows (docs/report.md)."""

    model_config = ConfigDict(extra="allow")

    design: _Design
    energy: _Energy
    energy_stage: Literal["post-synthesis", "post-route"] = "post-synthesis"


def read_headline(path: Path) -> ReportHeadline:
    """report.json's headline figures; EqchipError naming the file and field when it cannot
    be read."""
    return read_record(path, ReportHeadline, "report", f"rerun `eqchip report {path.parent}`")


def _fmt(value: object, unit: str = "", digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}{unit}"
    return f"{value}{unit}"


def _mw(watts: float | None) -> str:
    return "-" if watts is None else _fmt(float(watts) * 1e3, " mW")


#: post-layout figures the summary shows: (figure id, label, unit, significant digits)
_POST_LAYOUT = (("stdcell_area_um2", "area std cells", " um^2", 6),
                ("setup_ws_ns", "setup worst slack", " ns", 4),
                ("hold_ws_ns", "hold worst slack", " ns", 4),
                ("fmax_mhz", "achievable clock", " MHz", 4),
                ("power_total_w", "power total", " mW", 4),
                ("clock_power_share", "clock network share", "", 3),
                ("wirelength_um", "routed wirelength", " um", 6),
                ("drc_errors", "DRC violations", "", 6),
                ("clock_skew_setup_ns", "clock skew", " ns", 3))


def post_layout_rows(metrics: dict) -> list[tuple[str, str]]:
    """Summary rows of metrics.json `post_layout`, each with the step it comes from (none
    before a place-and-route step completed)."""
    pl = metrics.get("post_layout") or {}
    figs = pl.get("figures") or {}
    rows = []
    for fid, label, unit, digits in _POST_LAYOUT:
        fig = figs.get(fid)
        if fig is not None:
            value = fig["value"]
            text = (f"{value:.1%}" if fid == "clock_power_share"
                    else _mw(value) if fid == "power_total_w"
                    else _fmt(value, unit, digits))
            rows.append((f"{pl.get('stage', 'post-layout')}: {label}",
                         f"{text}  (from {fig['source']})"))
    return rows


def energy_rows(report: ReportHeadline | None, why_not: str | None) -> list[tuple[str, str]]:
    """The energy figures of the report, each labelled with its stage (post-synthesis, or
    post-route on a routed build); without a report, one row saying why."""
    if report is None:
        return [("energy per MAC / inference / training sample", why_not or "no report")]
    f, stage = report.energy.figures, report.energy_stage
    rows = [("energy per MAC (inference)", f"{_fmt(f.pj_per_synop_inference.value)} pJ/MAC"),
            ("energy per inference", f"{_fmt(f.energy_per_inference.value)} pJ"),
            ("energy per training sample", f"{_fmt(f.energy_per_training_sample.value)} pJ"),
            ("TOPS/W (inference)", f"{_fmt(f.tops_per_w_inference.value)} TOPS/W")]
    if f.tops_per_w_training is not None:
        rows.append(("TOPS/W (training)", f"{_fmt(f.tops_per_w_training.value)} TOPS/W"))
    return [(label, f"{value}  ({stage}, report.json)") for label, value in rows]


def _logic_power(metrics: dict, which: str) -> str:
    """Logic power `which` (vectorless / annotated) of the synthesis.power node in mW, or '-'."""
    power = metrics.get("power") or {}
    lp = (power.get("logic") or {}).get(which)
    if not lp:
        return "-"
    return f"{_mw(lp['total_w']['value'])}  (from {power.get('source', 'synthesis.power')})"


def headline_rows(result: BuildResult, report: ReportHeadline | None,
                  why_not: str | None) -> list[tuple[str, str]]:
    """Energy, logic power, area and timing: what a researcher reads first."""
    m = result.metrics
    area = m.get("area") or {}
    timing = m.get("timing") or {}
    return [
        *energy_rows(report, why_not),
        ("logic power (post-synthesis, activity-annotated)", _logic_power(m, "annotated")),
        ("logic power (post-synthesis, vectorless)", _logic_power(m, "vectorless")),
        ("area (std cells + macros)",
         f"{_fmt(area.get('total_um2'), ' um^2', 6)}  (std cells "
         f"{_fmt(area.get('stdcell_um2'), ' um^2', 6)} + macros "
         f"{_fmt(area.get('macros_um2'), ' um^2', 6)}, post-synthesis)"),
        ("setup WNS / TNS (post-synthesis)", f"{_fmt(timing.get('setup_wns_ns'), ' ns')} / "
                                             f"{_fmt(timing.get('setup_tns_ns'), ' ns')}"),
        ("achievable clock (post-synthesis)",
         f"{_fmt(timing.get('achievable_freq_mhz'), ' MHz')}  (timing met: "
         f"{_fmt(timing.get('met'))})"),
        *post_layout_rows(m),
    ]


def _counts(metrics: dict) -> tuple[dict, dict]:
    flow = metrics.get("flow") or {}
    return ((flow.get("errors") or {}).get("by_step") or {},
            (flow.get("warnings") or {}).get("by_step") or {})


def flowgraph_rows(result: BuildResult) -> list[tuple[str, str, str, str, str]]:
    """(step, tool/task, status, errors / warnings, wall time) of every node that ran, in
    execution order, then one row for the nodes SC skipped and one for the nodes that did
    not run: the missing tools and
    `eqchip doctor` when a tool kept them from running. The time is SiliconCompiler's record
    of the node's task (metrics.json runtime_s)."""
    if result.state is None:
        return []
    runtime = result.metrics.get("runtime_s") or {}
    errors, warnings = _counts(result.metrics)
    rows = [(n.step, f"{n.tool}/{n.task}", n.status,
             f"{errors.get(n.step, '-')} / {warnings.get(n.step, '-')}",
             f"{runtime[n.step]:.1f} s" if n.step in runtime else "-")
            for n in result.state.nodes if n.status not in (*_UNRUN, "skipped")]
    skipped = [n.step for n in result.state.nodes if n.status == "skipped"]
    if skipped:
        rows.append((f"{len(skipped)} steps", ", ".join(skipped), "skipped",
                     "skipped by the flow", "-"))
    unrun = [n.step for n in result.state.nodes if n.status in _UNRUN]
    if unrun:
        if result.stop_reason == "missing_tools":
            why = ("missing " + ", ".join(sorted({t.name for t in result.missing}))
                   + " (see `eqchip doctor`)")
        elif result.stop_reason == "requested":
            why = "after the --to steps"
        else:
            why = "not needed"
        ran = {n.step.split(".")[0] for n in result.state.nodes
               if n.status not in (*_UNRUN, "skipped")}
        groups = dict.fromkeys(s.split(".")[0] for s in unrun)
        rows.append((f"{len(unrun)} steps", ", ".join(g + (" (rest)" if g in ran else "")
                                                      for g in groups), "not run", why, "-"))
    return rows


def warning_lines(result: BuildResult) -> list[str]:
    """Where the tools' errors and warnings are: per step with any, its count and the node's
    listing (<step>.errors / <step>.warnings, else its log), and SiliconCompiler's job.log."""
    errors, warnings = _counts(result.metrics)
    lines = []
    for kind, counts in (("errors", errors), ("warnings", warnings)):
        where = []
        for step, n in counts.items():
            if n:
                node = result.job_dir / step / "0"
                listing = node / f"{step}.{kind}"
                if not listing.is_file():
                    listing = node / f"{step}.log"
                where.append(f"{step} {n} ({listing})")
        if where:
            lines.append(f"tool {kind}: " + ", ".join(where))
    lines.append(f"SiliconCompiler's log: {result.job_dir / 'job.log'}")
    return lines


def show_summary(console: Console, result: BuildResult, report_json: Path | None,
                 why_not: str | None = None) -> None:
    """The build's summary: headline figures, flowgraph, details, where the warnings are.
    report_json: the report this build wrote (None: why_not says why there is none)."""
    report = None
    if report_json is not None:
        try:
            report = read_headline(report_json)
        except EqchipError as exc:
            console.warn(str(exc))
            why_not = f"report.json unreadable: {exc.message}"
    stage = report.energy_stage if report is not None else "post-synthesis"
    console.kv(f"eqchip build {result.design}: headline figures ({stage})",
               headline_rows(result, report, why_not))
    rows = flowgraph_rows(result)
    if rows:
        console.table(f"flowgraph {result.state.flow if result.state else ''}",
                      ("step", "tool/task", "status", "errors / warnings", "time"), rows)
    m = result.metrics
    flow = m.get("flow") or {}
    cells = m.get("cells") or {}
    console.kv(f"eqchip build {result.design}", [
        ("status", result.status + (f" ({result.stop_reason})" if result.stop_reason else "")),
        ("steps run", ", ".join(result.steps_run) or "-"),
        ("tool errors / warnings", f"{_fmt((flow.get('errors') or {}).get('total'))} / "
                                   f"{_fmt((flow.get('warnings') or {}).get('total'))}  "
                                   "(per step in the flowgraph; files below)"),
        ("cells (std / macros)", f"{_fmt(cells.get('stdcell'))} / {_fmt(cells.get('macros'))}"),
        ("job", str(result.job_dir)),
        ("metrics", str(result.metrics_path)),
        ("wall time", f"{result.wall_s:.1f} s"),
    ])
    for line in warning_lines(result):
        console.info(line)
