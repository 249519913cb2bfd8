"""The SiliconCompiler ASIC project of one eqchip design: RTL and top module, SDC, sky130 PDK and
standard cells from open_pdks, MRAM macros as libraries, timing scenario, floorplan options and
eqchip's flowgraph. Jobs, logs and manifests live where SC puts them: <builddir>/<design>/<job>.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from siliconcompiler import ASIC, Design

from eqchip.asic.corners import SLOW_CLOCK_MODE, SLOW_CORNER, signoff_checks
from eqchip.asic.flow import STA_STEP, make_flow
from eqchip.asic.libraries import MacroFiles, make_macro_library, make_stdcell_library
from eqchip.asic.pdk import DESIGN_CORNER_TO_SC, Sky130Paths, sky130_cfg_dir

DEFAULT_JOB = "job0"
#: the design's fileset holding the slow corner's SDC (read only by that corner's timing mode)
SLOW_SDC_FILESET = "sdc.slowclock"


@dataclass(frozen=True)
class ProjectSpec:
    """Everything `make_project` needs; paths are absolute."""

    design: str                       # SC design name (the design YAML's name)
    top: str                          # top module, e.g. small_top
    rtl_files: tuple[Path, ...]
    sdc: Path
    pdk: Sky130Paths
    macros: tuple[MacroFiles, ...]
    clock_period_ns: float
    build_root: Path                  # SC [option,builddir]; jobs go to build_root/design/job
    corner: str = "tt"                # design.pdk.corner
    target_utilization: float = 0.4
    core_margin_um: float = 10.0
    macro_halo_um: float = 10.0
    synthesis_strategy: str | None = None   # ABC script of syn_asic (None: yosys' default)
    jobname: str = DEFAULT_JOB
    yosys_path: Path | None = None    # directory with the pyosys shim (None: real yosys)
    defines: tuple[str, ...] = field(default_factory=tuple)
    design_yaml: Path | None = None   # the design YAML (the synthesis.power node loads it)
    slow_sdc: Path | None = None      # the slow corner's SDC when it has its own clock
    slow_clock_period_ns: float | None = None


CLOCKGATE_MIN_FANOUT = 4   # smallest register group worth its own clock gate
#: OpenROAD prescript of the CTS step, in pdk_cfg/sky130
CTS_PRESCRIPT = "openroad/cts_one_tree.tcl"
#: empty sites kept beside every standard cell in global / detailed placement (OpenROAD's
#: `-pad_left/-pad_right`): without them sky130_fd_sc_hd's met1 pins sit so close that the
#: detailed router starts from ~2,000 met1 shorts and spends most of a build removing them
#: (measured in bench/bench_route.py; OpenROAD-flow-scripts pads sky130 cells the same way)
GLOBAL_CELL_PADDING = 2
DETAIL_CELL_PADDING = 1
#: antenna ratio margin (%) of the diode repair after global routing: on route_tiny that repair
#: left 0 of 23 nets over the limit on the global routes, the detailed routes of 3 nets then
#: broke it and the repair after detailed routing rerouted (30 % of the routing time); a
#: margin fixes nets close to the limit before the detailed routes exist
GLOBAL_ROUTE_ANTENNA_MARGIN = 15.0
#: hold slack (ns) the timing repair after clock tree synthesis leaves at every corner: the
#: routed wires move hold by a few ps (small: fast-corner hold -0.010 ns after routing with 0
#: margin, so its handoff was refused)
CTS_HOLD_MARGIN_NS = 0.1


def _tasks(found: object) -> set:
    """SC's find_task gives one task or a set of them."""
    return found if isinstance(found, set) else {found}


def make_project(spec: ProjectSpec) -> ASIC:
    design = Design(spec.design)
    with design.active_fileset("rtl"):
        design.set_topmodule(spec.top)
        for f in spec.rtl_files:
            filetype = "systemverilog" if f.suffix == ".sv" else "verilog"
            design.add_file(str(f), filetype=filetype)
        for d in spec.defines:
            design.add_define(d)
    with design.active_fileset("sdc"):
        design.add_file(str(spec.sdc), filetype="sdc")
    if spec.slow_sdc is not None:
        with design.active_fileset(SLOW_SDC_FILESET):
            design.add_file(str(spec.slow_sdc), filetype="sdc")

    project = ASIC(design)
    project.add_fileset(["rtl", "sdc"])

    stdcells = make_stdcell_library(spec.pdk)
    pdk = stdcells.get_dep(stdcells.get("asic", "pdk"))
    project.add_dep(pdk)
    project.set_pdk(pdk)
    project.set_mainlib(stdcells)
    project.add_asiclib(stdcells)
    for views in spec.macros:
        macro_lib = make_macro_library(views, pdk)
        macro_lib.set_openroad_macro_placement_halo(spec.macro_halo_um, spec.macro_halo_um)
        project.add_asiclib(macro_lib)
    project.set_asic_delaymodel("nldm")

    sc_corner = DESIGN_CORNER_TO_SC[spec.corner]
    for corner, checks in signoff_checks(sc_corner).items():
        scenario = project.constraint.timing.make_scenario(corner)
        scenario.add_libcorner(corner)
        scenario.set_pexcorner("typical")
        scenario.add_check(checks)
        if corner == SLOW_CORNER and spec.slow_sdc is not None:
            # the slow corner's setup at its own clock (eqchip.asic.corners)
            mode = project.constraint.timing.make_mode(SLOW_CLOCK_MODE)
            mode.add_sdcfileset(spec.design, SLOW_SDC_FILESET)
            scenario.set_mode(SLOW_CLOCK_MODE)

    area = project.constraint.area
    area.set_density(round(spec.target_utilization * 100.0, 3))
    area.set_coremargin(spec.core_margin_um)
    area.set_aspectratio(1.0)

    project.set_flow(make_flow())
    opt = project.option
    opt.set_builddir(str(spec.build_root))
    opt.set_jobname(spec.jobname)
    opt.set_nodashboard(True)
    opt.set_nodisplay(True)
    opt.set_quiet(True)

    from eqchip.asic.tasks.sta_debian import PostSynthesisStaTask

    sta = PostSynthesisStaTask.find_task(project)
    sta.set("var", "clock_period", spec.clock_period_ns)

    from eqchip.asic.macro_views import liberty_area
    from eqchip.asic.tasks.floorplan_size import FloorplanSizeTask

    fs = FloorplanSizeTask.find_task(project)
    fs.set("var", "target_utilization", spec.target_utilization)
    fs.set("var", "core_margin", spec.core_margin_um)
    fs.set("var", "halo", spec.macro_halo_um)
    if spec.macros:
        m = spec.macros[0]          # one macro type per design (eqchip.macros)
        fs.set("var", "macro_cell", m.name)
        fs.set("var", "macro_width", m.width_um)
        fs.set("var", "macro_height", m.height_um)
        fs.set("var", "macro_lib_area", liberty_area(m.typical_liberty, m.name) or 0.0)

    from eqchip.asic.tasks.activity_power import ActivityPowerTask

    ap = ActivityPowerTask.find_task(project)
    if spec.design_yaml is not None:
        ap.set("var", "design", str(spec.design_yaml))
    ap.set("var", "stdcell_liberty", str(spec.pdk.liberty(sc_corner)))
    if spec.macros:
        m = spec.macros[0]
        ap.set("var", "macro_liberty", str(m.liberty.get(sc_corner) or m.typical_liberty))
        ap.set("var", "macro_blackbox", str(m.blackbox_v))
        ap.set("var", "macro_width", m.width_um)
        ap.set("var", "macro_height", m.height_um)

    from siliconcompiler.tools.openroad.clock_tree_synthesis import CTSTask

    for task in _tasks(CTSTask.find_task(project)):
        # one clock tree for macros, clock gates and flip-flops (the file says why)
        task.add_prescript(str(sky130_cfg_dir() / CTS_PRESCRIPT), dataroot=..., clobber=True)

    _pad_cells(project)

    from siliconcompiler.tools.openroad.antenna_repair import AntennaRepairTask

    for task in _tasks(AntennaRepairTask.find_task(project)):
        task.set("var", "ant_margin", GLOBAL_ROUTE_ANTENNA_MARGIN)

    from siliconcompiler.tools.openroad.repair_timing import RepairTimingTask

    for task in _tasks(RepairTimingTask.find_task(project)):
        task.set("var", "rsz_hold_slack_margin", CTS_HOLD_MARGIN_NS)

    from siliconcompiler.tools.yosys.syn_asic import ASICSynthesis

    for task in _tasks(ASICSynthesis.find_task(project)):
        # the design's corner, not the first scenario with a setup check (the slow one)
        task.add_yosys_synthesiscorner(sc_corner, clobber=True)
        # registers written with enables sit behind integrated clock gates (yosys `clockgate`)
        task.set_yosys_mapclockgates(True)
        task.set_yosys_minclockgatefanout(CLOCKGATE_MIN_FANOUT)
        if spec.synthesis_strategy is not None:
            task.set_yosys_strategy(spec.synthesis_strategy)
        if spec.yosys_path is not None:
            task.set_path(str(spec.yosys_path), clobber=True)
    return project


def _pad_cells(project: ASIC) -> None:
    """GLOBAL_CELL_PADDING / DETAIL_CELL_PADDING on every OpenROAD task that places cells
    (SC reads the global padding from the main library but not the detailed one)."""
    from siliconcompiler.tools.openroad._apr import OpenROADDPLParameter, OpenROADGPLParameter

    for cls, var, pad in ((OpenROADGPLParameter, "pad_global_place", GLOBAL_CELL_PADDING),
                          (OpenROADDPLParameter, "pad_detail_place", DETAIL_CELL_PADDING)):
        for sub in _subclasses(cls):
            try:
                found = sub.find_task(project)
            except Exception:  # noqa: BLE001 - a task class this flow does not use
                continue
            for task in _tasks(found):
                if task.valid("var", var):
                    task.set("var", var, pad)


def _subclasses(cls: type) -> list[type]:
    out: list[type] = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


#: schedulers `set_scheduler` accepts (None: run every node on this machine)
SCHEDULERS = ("slurm",)


def set_scheduler(project: ASIC, name: str | None, queue: str | None = None) -> None:
    """Run every flow node through SC's scheduler `name` ("slurm": one `srun` job per node on
    partition `queue`, default: the cluster's default partition; the job runs `python3` from
    PATH, which must import eqchip for the custom tasks). None keeps SC's local scheduler."""
    if name is None:
        return
    if name not in SCHEDULERS:
        raise ValueError(f"unknown scheduler {name!r}; use one of {', '.join(SCHEDULERS)}")
    project.option.scheduler.set_name(name)
    if queue:
        project.option.scheduler.set_queue(queue)


__all__ = ["DEFAULT_JOB", "ProjectSpec", "SCHEDULERS", "STA_STEP", "make_project",
           "set_scheduler"]
