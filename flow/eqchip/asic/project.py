"""The SiliconCompiler ASIC project of one eqchip design: RTL and top module, SDC, sky130 PDK and
standard cells from open_pdks, MRAM macros as libraries, timing scenario, floorplan options and
eqchip's flowgraph. Jobs, logs and manifests live where SC puts them: <builddir>/<design>/<job>.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from siliconcompiler import ASIC, Design

from eqchip.asic.flow import STA_STEP, make_flow
from eqchip.asic.libraries import MacroFiles, make_macro_library, make_stdcell_library
from eqchip.asic.pdk import DESIGN_CORNER_TO_SC, Sky130Paths

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
    jobname: str = DEFAULT_JOB
    yosys_path: Path | None = None    # directory with the pyosys shim (None: real yosys)
    defines: tuple[str, ...] = field(default_factory=tuple)


CLOCKGATE_MIN_FANOUT = 4   # smallest register group worth its own clock gate


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
    scenario = project.constraint.timing.make_scenario(sc_corner)
    scenario.add_libcorner(sc_corner)
    scenario.set_pexcorner("typical")
    scenario.add_check(["setup", "hold", "power"])

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

    from siliconcompiler.tools.yosys.syn_asic import ASICSynthesis

    syn = ASICSynthesis.find_task(project)
    for task in (syn if isinstance(syn, set) else {syn}):
        # registers written with enables sit behind integrated clock gates (yosys `clockgate`)
        task.set_yosys_mapclockgates(True)
        task.set_yosys_minclockgatefanout(CLOCKGATE_MIN_FANOUT)
        if spec.yosys_path is not None:
            task.set_path(str(spec.yosys_path), clobber=True)
    return project


__all__ = ["DEFAULT_JOB", "ProjectSpec", "STA_STEP", "make_project"]
