"""The SiliconCompiler ASIC project of one eqchip design: RTL and top module, SDC, sky130 PDK and
standard cells from open_pdks, MRAM macros as libraries, timing scenario, floorplan options and
eqchip's flowgraph. Jobs, logs and manifests live where SC puts them: <builddir>/<design>/<job>.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from siliconcompiler import ASIC, Design

from eqchip.asic.corners import signoff_checks
from eqchip.asic.flow import STA_STEP, make_flow
from eqchip.asic.libraries import MacroFiles, make_macro_library, make_stdcell_library
from eqchip.asic.pdk import DESIGN_CORNER_TO_SC, Sky130Paths, sky130_cfg_dir

DEFAULT_JOB = "job0"


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


CLOCKGATE_MIN_FANOUT = 4   # smallest register group worth its own clock gate
#: OpenROAD prescript of the CTS step, in pdk_cfg/sky130
CTS_PRESCRIPT = "openroad/cts_one_tree.tcl"


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
