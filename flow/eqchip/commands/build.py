"""`eqchip build`: RTL -> netlist -> timing and power (and on to GDS where OpenROAD is
installed) with SiliconCompiler on sky130; writes build/<design>/metrics.json and, once
post-synthesis timing and power ran, the PPA report (report.json/md/html, `eqchip report`).

The build-then-report steps live in eqchip.pipeline, shared with `eqchip regress`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from eqchip.buildsummary import post_layout_rows, show_summary
from eqchip.errors import EqchipError, FlowIncomplete
from eqchip.pipeline import build_design
from eqchip.ui import Console

__all__ = ["command", "post_layout_rows"]

if TYPE_CHECKING:
    from eqchip.asic.run import BuildResult


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
        built.append(result)          # the summary follows the report, whose figures it leads

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
            show_summary(console, built[0], None, "no report: it failed (error below)")
            if built[0].stop_reason == "missing_tools":   # the notice is not lost behind the
                console.warn(built[0].notice or "flow incomplete")   # report error
            console.warn("the build finished but its report failed (error below)")
            raise
        guard.check()                 # SC may have swallowed an interrupt and returned
    result = done.build
    show_summary(console, result, done.report.json if done.report else None, done.skipped)
    if done.report is not None:
        paths = done.report
        console.ok(f"wrote {paths.json}, {paths.markdown}, {paths.html}")
    elif report and done.skipped:
        console.info(done.skipped)
    if result.stop_reason == "missing_tools":
        # the documented partial outcome: a notice, not an error, and exit code 5
        exc = FlowIncomplete(result.notice or "flow incomplete",
                             hint="install the missing tools (`eqchip doctor` shows how) and "
                                  "rerun; the job resumes where it stopped")
        exc.notice = True
        raise exc
    console.ok(f"wrote {result.metrics_path}")
