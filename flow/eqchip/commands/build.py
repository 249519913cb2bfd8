"""`eqchip build`: RTL -> netlist -> timing and power (and on to GDS where OpenROAD is
installed) with SiliconCompiler on sky130; writes build/<design>/metrics.json and, once
post-synthesis timing and power ran, the PPA report (report.json/md/html, `eqchip report`).

The build-then-report steps live in eqchip.pipeline, shared with `eqchip regress`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from eqchip.errors import EqchipError, FlowIncomplete
from eqchip.pipeline import build_design
from eqchip.ui import Console

if TYPE_CHECKING:
    from eqchip.asic.run import BuildResult


def _fmt(value: object, unit: str = "", digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}{unit}"
    return f"{value}{unit}"


#: post-layout figures the summary shows: (figure id, label, unit, significant digits)
_POST_LAYOUT = (("stdcell_area_um2", "area std cells", " um^2", 6),
                ("setup_ws_ns", "setup worst slack", " ns", 4),
                ("hold_ws_ns", "hold worst slack", " ns", 4),
                ("fmax_mhz", "achievable clock", " MHz", 4),
                ("power_total_w", "power total", " W", 4),
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
                    else _fmt(value, unit, digits))
            rows.append((f"{pl.get('stage', 'post-layout')}: {label}",
                         f"{text}  (from {fig['source']})"))
    return rows


def flowgraph_rows(result: BuildResult) -> list[tuple[str, str, str, str]]:
    """(step, tool/task, status, wall time) of every node of the flowgraph, in execution
    order; the time is SiliconCompiler's record of the node's task (metrics.json
    runtime_s)."""
    if result.state is None:
        return []
    runtime = result.metrics.get("runtime_s") or {}
    return [(n.step, f"{n.tool}/{n.task}", n.status or "not run",
             f"{runtime[n.step]:.1f} s" if n.step in runtime else "-")
            for n in result.state.nodes]


def _logic_power(metrics: dict, which: str) -> str:
    """Logic power `which` (vectorless / annotated) of the synthesis.power node, or '-'."""
    power = metrics.get("power") or {}
    lp = (power.get("logic") or {}).get(which)
    if not lp:
        return "-"
    return f"{_fmt(lp['total_w']['value'], ' W')}  (from {power.get('source', 'synthesis.power')})"


def _summary(console: Console, result: BuildResult) -> None:
    rows = flowgraph_rows(result)
    if rows:
        console.table(f"flowgraph {result.state.flow if result.state else ''}",
                      ("step", "tool/task", "status", "time"), rows)
    m = result.metrics
    area = m.get("area") or {}
    timing = m.get("timing") or {}
    cells = m.get("cells") or {}
    flow = m.get("flow") or {}
    console.kv(f"eqchip build {result.design}", [
        ("status", result.status + (f" ({result.stop_reason})" if result.stop_reason else "")),
        ("steps run", ", ".join(result.steps_run) or "-"),
        ("tool errors / warnings", f"{_fmt((flow.get('errors') or {}).get('total'))} / "
                                   f"{_fmt((flow.get('warnings') or {}).get('total'))}"),
        ("cells (std / macros)", f"{_fmt(cells.get('stdcell'))} / {_fmt(cells.get('macros'))}"),
        ("area std cells (post-synthesis)", _fmt(area.get("stdcell_um2"), " um^2", 6)),
        ("area macros", _fmt(area.get("macros_um2"), " um^2", 6)),
        ("setup WNS / TNS", f"{_fmt(timing.get('setup_wns_ns'), ' ns')} / "
                            f"{_fmt(timing.get('setup_tns_ns'), ' ns')}"),
        ("achievable clock (post-synthesis)", _fmt(timing.get("achievable_freq_mhz"), " MHz")),
        ("timing met (post-synthesis)", _fmt(timing.get("met"))),
        ("logic power (post-synthesis, vectorless)", _logic_power(m, "vectorless")),
        ("logic power (activity-annotated)", _logic_power(m, "annotated")),
        *post_layout_rows(m),
        ("job", str(result.job_dir)),
        ("metrics", str(result.metrics_path)),
        ("wall time", f"{result.wall_s:.1f} s"),
    ])


@click.command("build")
@click.argument("design")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build"), show_default=True,
              help="SiliconCompiler build directory; jobs go to BUILD_DIR/<design>/<job>.")
@click.option("--to", "to", multiple=True, metavar="STEP",
              help="Stop after this flow step (e.g. synthesis, synthesis.sta, floorplan.init); "
                   "repeatable. Default: the whole flow.")
@click.option("--clean", is_flag=True, help="Start the job over instead of resuming it.")
@click.option("--job", "jobname", default="job0", show_default=True, help="SC job name.")
@click.option("--report/--no-report", "report", default=True, show_default=True,
              help="Write the PPA report (report.json/md/html, as `eqchip report`) once "
                   "post-synthesis timing and power ran.")
@click.option("-v", "--verbose", is_flag=True, help="Show SiliconCompiler's progress log.")
@click.pass_obj
def command(console: Console, design: str, build_dir: Path, to: tuple[str, ...],
            clean: bool, jobname: str, report: bool, verbose: bool) -> None:
    """Synthesize DESIGN (a design YAML) for sky130 with SiliconCompiler.

    Runs elaborate (slang), synthesis (yosys; MRAM macros stay black boxes) and post-synthesis
    timing and power (OpenSTA), then floorplan, place, CTS, route and GDS where OpenROAD and
    KLayout are installed, and writes the PPA report (`eqchip report`) at the end. A rerun
    resumes the job. Exit code 5 when the flow had to stop early because a tool is missing
    (see `eqchip doctor`); a failed report exits non-zero with its own error."""
    from eqchip.asic.run import BuildOptions
    from eqchip.buildguard import guarded_build
    from eqchip.buildwatch import BuildWatcher
    from eqchip.config import load_design

    loaded = load_design(design)
    opts = BuildOptions(build_root=build_dir, to=tuple(to), clean=clean, jobname=jobname,
                        verbose=verbose)
    built: list[BuildResult] = []

    def on_built(result: BuildResult) -> None:
        built.append(result)
        _summary(console, result)

    # checks first; one build per folder; Ctrl-C / SIGTERM end the process tree (exit 130/143)
    with guarded_build(console, loaded, build_dir, report=report) as guard:
        try:
            # the running node, its time and the power node's simulated cycles, once a second
            with BuildWatcher(console, build_dir / loaded.arch.name / jobname,
                              loaded.arch.name, loaded.arch):
                done = build_design(loaded, opts, report=report, notify=console.info,
                                    on_built=on_built)
        except EqchipError:
            guard.check()             # an interrupt SC turned into a failed run is an interrupt
            if not built:
                raise
            if built[0].stop_reason == "missing_tools":   # the notice is not lost behind the
                console.warn(built[0].notice or "flow incomplete")   # report error
            console.warn("the build finished but its report failed (error below)")
            raise
        guard.check()                 # SC may have swallowed an interrupt and returned
    result = done.build
    incomplete = result.stop_reason == "missing_tools"
    if done.report is not None:
        paths = done.report
        console.ok(f"wrote {paths.json}, {paths.markdown}, {paths.html}")
    elif report and done.skipped:
        console.info(done.skipped)
    if incomplete:
        raise FlowIncomplete(result.notice or "flow incomplete",
                             hint="install the missing tools (`eqchip doctor` shows how) and "
                                  "rerun; the job resumes where it stopped")
    console.ok(f"wrote {result.metrics_path}")
