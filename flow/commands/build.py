"""`eqchip build`: RTL -> netlist -> timing and power (and on to GDS where OpenROAD is
installed) with SiliconCompiler on sky130; writes build/<design>/metrics.json."""

from __future__ import annotations

from pathlib import Path

import click

from eqchip.errors import FlowIncomplete
from eqchip.ui import Console


def _fmt(value: object, unit: str = "", digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}{unit}"
    return f"{value}{unit}"


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
@click.option("-v", "--verbose", is_flag=True, help="Show SiliconCompiler's progress log.")
@click.pass_obj
def command(console: Console, design: str, build_dir: Path, to: tuple[str, ...],
            clean: bool, jobname: str, verbose: bool) -> None:
    """Synthesize DESIGN (a design YAML) for sky130 with SiliconCompiler.

    Runs elaborate (slang), synthesis (yosys; MRAM macros stay black boxes) and post-synthesis
    timing and power (OpenSTA), then floorplan, place, CTS, route and GDS where OpenROAD and
    KLayout are installed. A rerun resumes the job. Exit code 5 when the flow had to stop
    early because a tool is missing (see `eqchip doctor`)."""
    from eqchip.asic.run import BuildOptions, build
    from eqchip.config import load_design

    loaded = load_design(design)
    opts = BuildOptions(build_root=build_dir, to=tuple(to), clean=clean, jobname=jobname,
                        verbose=verbose)
    result = build(loaded, opts, notify=console.info)
    m = result.metrics
    area = m.get("area") or {}
    timing = m.get("timing") or {}
    power = m.get("power") or {}
    cells = m.get("cells") or {}
    console.kv(f"eqchip build {result.design}", [
        ("status", result.status + (f" ({result.stop_reason})" if result.stop_reason else "")),
        ("steps run", ", ".join(result.steps_run) or "-"),
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
    if result.stop_reason == "missing_tools":
        raise FlowIncomplete(result.notice or "flow incomplete",
                             hint="install the missing tools (`eqchip doctor` shows how) and "
                                  "rerun; the job resumes where it stopped")
    console.ok(f"wrote {result.metrics_path}")
