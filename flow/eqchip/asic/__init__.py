"""eqchip.asic: the SiliconCompiler (0.38) ASIC flow of an eqchip design on sky130.

Public API:
  * `eqchip.asic.run.build(loaded, BuildOptions(...)) -> BuildResult` - what `eqchip build`
    runs; writes build/<design>/metrics.json (schema: docs/metrics.md).
  * `eqchip.asic.run.stage(loaded, opts)` + `eqchip.asic.project.make_project(spec)` - the
    full-flow SC project; `eqchip.asic.checks.project_problems(project, steps)` runs SC's
    own pre-run checks on it.
  * `eqchip.asic.pdk.check_pdk(root)` / `make_pdk(paths)`,
    `eqchip.asic.libraries.make_stdcell_library(paths)` / `make_macro_library(files, pdk)`.
  * `eqchip.asic.flow.make_flow()` - SC's ASICFlow with eqchip's `synthesis.sta` task
    (`eqchip.asic.tasks.sta_debian.PostSynthesisStaTask`) and `floorplan.size` task
    (`eqchip.asic.tasks.floorplan_size.FloorplanSizeTask`, between synthesis and
    cleanup.clean).
  * `eqchip.asic.yosys_shim` - a `yosys` executable over pyosys when no yosys >= 0.48 exists.
  * `eqchip.asic.doctor.diagnose()` - what `eqchip doctor` prints.
"""
