"""`write_report`: the one entry point (`eqchip report` and the end of `eqchip build`)."""

from __future__ import annotations

from pathlib import Path

from eqchip.config import LoadedDesign, load_design
from eqchip.errors import ConfigError, EqchipError
from eqchip.report.analysis import Analysis, analyse
from eqchip.report.inputs import (
    REPORT_WORK,
    BuildFiles,
    design_path_from_metrics,
    find_macro_libs,
    find_netlist,
    find_sdc,
    find_vcd,
    read_metrics,
)
from eqchip.report.layout_image import find_layout, render_layout
from eqchip.report.render import ReportPaths, write_outputs
from eqchip.resources import pdk_root_from_env


def _design(build_dir: Path, design: LoadedDesign | Path | str | None, metrics: dict
            ) -> LoadedDesign:
    if isinstance(design, LoadedDesign):
        return design
    if design is not None:
        return load_design(design)
    path = design_path_from_metrics(metrics)
    if path is not None and path.is_file():
        return load_design(path)
    cands = sorted(build_dir.glob("*.yaml")) + sorted((build_dir / "eqchip").glob("*.yaml"))
    if len(cands) == 1:
        return load_design(cands[0])
    try:
        return load_design(build_dir.name)
    except EqchipError:
        raise ConfigError(f"cannot tell which design {build_dir} was built from",
                          hint="pass the design: eqchip report BUILD_DIR --design "
                               "designs/<name>.yaml") from None


def _pdk_root(pdk_root: Path | None) -> Path | None:
    return Path(pdk_root) if pdk_root is not None else pdk_root_from_env()


def _check_metrics(metrics_path: Path, metrics: dict, loaded: LoadedDesign,
                   without_build: bool) -> None:
    """A report describes one build of this design: metrics.json must exist and come from the
    same design YAML (sha256), else the figures would mix a stale build with this design."""
    if not metrics_path.is_file():
        if without_build:
            return
        raise EqchipError(f"{metrics_path}: no such file; {metrics_path.parent} is not an "
                          "`eqchip build` output",
                          hint=f"run `eqchip build {loaded.path} --build-dir "
                               f"{metrics_path.parent}` first, or pass the build's output "
                               "folder")
    sha = metrics.get("design_sha256")
    if sha != loaded.sha256:
        raise EqchipError(
            f"{metrics_path}: built from another version of {loaded.path} (design_sha256 "
            f"{str(sha)[:12]} != {loaded.sha256[:12]}); the build is stale",
            hint=f"rebuild with `eqchip build {loaded.path}`, or pass the design the build "
                 "was made from with --design")


def write_report(build_dir: Path, design: LoadedDesign | Path | str | None = None, *,
                 vcd: Path | None = None, netlist: Path | None = None,
                 out_dir: Path | None = None, pdk_root: Path | None = None,
                 layout: Path | None = None, work_dir: Path | None = None,
                 gate_level: bool = True, simulate: bool = True,
                 without_build: bool = False) -> ReportPaths:
    """Analyse a build directory and write report.json, report.md and report.html.

    build_dir: `eqchip build` output (metrics.json, netlist, SDC, macro views; searched
    recursively). design: the design (LoadedDesign or YAML path); default: from metrics.json
    or the build directory's name. vcd: VCD of one training step (default: the newest *.vcd
    under build_dir; none -> vectorless power only). out_dir: default build_dir.
    pdk_root: default $PDK_ROOT. work_dir: keep OpenSTA scripts/logs there (default:
    <out_dir>/report_work). gate_level: simulate the netlist too (Icarus, the co-simulation's
    test) for the activity of every net; off: RTL activity propagated through the gates.
    simulate: when no VCD is given or found, run the co-simulation (Icarus) of one training
    step to make one (off: vectorless power only). without_build: accept a folder with no
    metrics.json (MRAM-only figures from the design, e.g. before a build); default: an
    EqchipError. A metrics.json of another design version (design_sha256) is always an error.
    """
    return write_report_analysis(build_dir, design, vcd=vcd, netlist=netlist, out_dir=out_dir,
                                 pdk_root=pdk_root, layout=layout, work_dir=work_dir,
                                 gate_level=gate_level, simulate=simulate,
                                 without_build=without_build)[0]


def write_report_analysis(build_dir: Path, design: LoadedDesign | Path | str | None = None, *,
                          vcd: Path | None = None, netlist: Path | None = None,
                          out_dir: Path | None = None, pdk_root: Path | None = None,
                          layout: Path | None = None, work_dir: Path | None = None,
                          gate_level: bool = True, simulate: bool = True,
                          without_build: bool = False) -> tuple[ReportPaths, Analysis]:
    """`write_report`, also returning the analysis (energy model, power run, activity)."""
    build_dir = Path(build_dir)
    if not build_dir.is_dir():
        raise EqchipError(f"build directory {build_dir} does not exist",
                          hint="run `eqchip build <design>` first, or pass its output folder")
    metrics_path = build_dir / "metrics.json"
    metrics = read_metrics(metrics_path)
    loaded = _design(build_dir, design, metrics)
    _check_metrics(metrics_path, metrics, loaded, without_build)
    top = f"{loaded.arch.name}_top"
    out_dir = Path(out_dir) if out_dir is not None else build_dir
    files = BuildFiles(
        build_dir=build_dir,
        metrics=metrics_path if metrics_path.is_file() else None,
        netlist=Path(netlist) if netlist is not None else find_netlist(build_dir, top),
        sdc=find_sdc(build_dir, top),
        macro_libs=find_macro_libs(build_dir, loaded.arch.macro_module,
                                   loaded.design.pdk.corner),
        vcd=Path(vcd) if vcd is not None else find_vcd(build_dir),
        layout=Path(layout) if layout is not None else find_layout(build_dir, top),
    )
    work = Path(work_dir) if work_dir is not None else out_dir / REPORT_WORK
    sim_note = None
    if files.vcd is None and simulate:
        files, sim_note = _simulate_step(loaded, files, work)
    an = analyse(loaded, files, _pdk_root(pdk_root), metrics, work, gate_level)
    if sim_note:
        an.data["notes"].insert(0, sim_note)
    png = None
    if files.layout is not None:
        try:
            png = render_layout(files.layout)
        except Exception as exc:  # noqa: BLE001 - a broken layout must not lose the report
            an.data["notes"].append(f"layout {files.layout} could not be rendered: {exc}")
    return write_outputs(an.data, out_dir, png), an


def _simulate_step(loaded: LoadedDesign, files: BuildFiles, work: Path
                   ) -> tuple[BuildFiles, str]:
    """Run the RTL co-simulation (Icarus) of one training step and use its VCD."""
    import dataclasses
    import shutil

    if shutil.which("iverilog") is None or shutil.which("vvp") is None:
        return files, "no VCD and no Icarus Verilog to simulate one: power is vectorless only"
    from eqchip.sim.runner import run_cosim

    vcd = Path(work).resolve() / "cosim" / "step.vcd"
    try:
        res = run_cosim(loaded, vcd.parent, "icarus", samples=1, vcd=vcd)
    except EqchipError as exc:
        return files, (f"co-simulation for the activity failed ({exc.message.splitlines()[0]})"
                       ": power is vectorless only")
    if res.vcd is None:
        return files, "the co-simulation wrote no VCD: power is vectorless only"
    return (dataclasses.replace(files, vcd=res.vcd),
            f"activity from a co-simulation of one training step run for this report "
            f"({res.vcd})")
