"""`eqchip build`: RTL -> netlist -> timing and power (and on to GDS where OpenROAD is
installed) with SiliconCompiler on sky130; writes build/<design>/metrics.json and, once
post-synthesis timing and power ran, the PPA report (report.json/md/html, `eqchip report`).

The report is written here, in the command layer, so that eqchip.asic never imports
eqchip.report. `build_with_report` is the one build-then-report path; `eqchip regress` uses it
too (eqchip.regress.build_entry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from eqchip.errors import EqchipError, FlowIncomplete
from eqchip.ui import Console

if TYPE_CHECKING:
    from eqchip.asic.run import BuildOptions, BuildResult
    from eqchip.config import LoadedDesign
    from eqchip.report import ReportPaths

#: the step whose timing and power the report needs (eqchip.asic.flow.STA_STEP)
_REPORT_NEEDS = "synthesis.sta"


@dataclass(frozen=True)
class BuildReport:
    build: BuildResult
    report: ReportPaths | None        # None: not requested or not due (see skipped)
    skipped: str | None = None        # why no report was written


def report_skip_reason(result: BuildResult) -> str | None:
    """Why the report cannot be written after this build (None: it can): it needs the
    post-synthesis timing and power of the synthesis.sta step."""
    flow = result.metrics.get("flow") or {}
    if _REPORT_NEEDS not in (flow.get("completed") or []) or not result.metrics.get("timing"):
        return f"no report: post-synthesis timing and power ({_REPORT_NEEDS}) did not run"
    return None


def write_build_report(result: BuildResult, loaded: LoadedDesign) -> ReportPaths:
    """`eqchip report` of the build's folder. Any failure becomes an EqchipError that says the
    report (not the build) failed, keeping the exit code of an EqchipError."""
    from eqchip.report import write_report

    build_dir = result.metrics_path.parent
    hint = (f"metrics.json is written; run `eqchip report {build_dir}` to retry, or build with "
            "--no-report")
    try:
        return write_report(build_dir, loaded)
    except EqchipError as exc:
        msg = f"report of {build_dir} failed: {exc.message}"
        if exc.hint:
            hint = f"{exc.hint}; {hint}"
        try:
            err = type(exc)(msg, hint=hint)
        except TypeError:             # a subclass with its own constructor
            err = EqchipError(msg, hint=hint)
        err.exit_code = exc.exit_code
        raise err from exc
    except Exception as exc:          # noqa: BLE001 - any report crash is reported, not lost
        raise EqchipError(f"report of {build_dir} failed: {type(exc).__name__}: {exc}",
                          hint=hint) from exc


def build_with_report(loaded: LoadedDesign, opts: BuildOptions, *, report: bool = True,
                      notify: Callable[[str], None] | None = None) -> BuildReport:
    """`eqchip build` without the terminal output: run the flow (metrics.json), then write the
    report when requested and post-synthesis timing and power ran. Raises EqchipError when the
    report fails; a flow stopped for missing tools is `result.stop_reason == "missing_tools"`
    (not raised)."""
    from eqchip.asic.run import build

    result = build(loaded, opts, notify=notify)
    if not report:
        return BuildReport(result, None, "no report: --no-report")
    skipped = report_skip_reason(result)
    if skipped:
        return BuildReport(result, None, skipped)
    if notify:
        notify(f"writing the report of {result.metrics_path.parent}")
    return BuildReport(result, write_build_report(result, loaded))


def _fmt(value: object, unit: str = "", digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}{unit}"
    return f"{value}{unit}"


def _summary(console: Console, result: BuildResult) -> None:
    m = result.metrics
    area = m.get("area") or {}
    timing = m.get("timing") or {}
    power = m.get("power") or {}
    cells = m.get("cells") or {}
    flow = m.get("flow") or {}
    console.kv(f"eqchip build {result.design}", [
        ("status", result.status + (f" ({result.stop_reason})" if result.stop_reason else "")),
        ("steps run", ", ".join(result.steps_run) or "-"),
        ("tool errors / warnings", f"{_fmt((flow.get('errors') or {}).get('total'))} / "
                                   f"{_fmt((flow.get('warnings') or {}).get('total'))}"),
        ("cells (std / macros)", f"{_fmt(cells.get('stdcell'))} / {_fmt(cells.get('macros'))}"),
        ("area std cells", _fmt(area.get("stdcell_um2"), " um^2", 6)),
        ("area macros", _fmt(area.get("macros_um2"), " um^2", 6)),
        ("setup WNS / TNS", f"{_fmt(timing.get('setup_wns_ns'), ' ns')} / "
                            f"{_fmt(timing.get('setup_tns_ns'), ' ns')}"),
        ("achievable clock", _fmt(timing.get("achievable_freq_mhz"), " MHz")),
        ("timing met", _fmt(timing.get("met"))),
        ("power total", _fmt(power.get("total"), " W")),
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
    from eqchip.asic.run import BuildOptions, build
    from eqchip.config import load_design

    loaded = load_design(design)
    opts = BuildOptions(build_root=build_dir, to=tuple(to), clean=clean, jobname=jobname,
                        verbose=verbose)
    result = build(loaded, opts, notify=console.info)
    _summary(console, result)
    incomplete = result.stop_reason == "missing_tools"
    skipped = report_skip_reason(result) if report else None
    if report and skipped is None:
        console.info(f"writing the report of {result.metrics_path.parent}")
        try:
            paths = write_build_report(result, loaded)
        except EqchipError:
            if incomplete:            # the flow notice is not lost behind the report error
                console.warn(result.notice or "flow incomplete")
            console.warn("the build finished but its report failed (error below)")
            raise
        console.ok(f"wrote {paths.json}, {paths.markdown}, {paths.html}")
    elif report and skipped:
        console.info(skipped)
    if incomplete:
        raise FlowIncomplete(result.notice or "flow incomplete",
                             hint="install the missing tools (`eqchip doctor` shows how) and "
                                  "rerun; the job resumes where it stopped")
    console.ok(f"wrote {result.metrics_path}")
