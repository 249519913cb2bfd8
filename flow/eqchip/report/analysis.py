"""Everything a report states, computed from a build directory (see docs/report.md).

`analyse()` returns a JSON-ready dict; each number sits in a `{value, unit, source}` figure so a
reader can trace it to a file or a formula. Missing inputs (no netlist, no VCD, no OpenSTA)
leave the corresponding sections null and add a note; nothing is invented.
"""

from __future__ import annotations

import datetime as _dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from eqchip import __version__
from eqchip.config import LoadedDesign
from eqchip.config.arch import Arch
from eqchip.fileio import write_text_atomic
from eqchip.golden.counters import Counters, inference_counters, training_counters
from eqchip.report.activity import StepActivity, step_activity
from eqchip.report.energy import EnergyReport, Figure, PowerInputs, energy_report
from eqchip.report.inputs import BuildFiles
from eqchip.report.internal_power import (
    default_pin_activity,
    internal_power,
)
from eqchip.report.liberty import CellLogic, read_liberty
from eqchip.report.netlist import Netlist, load_netlist
from eqchip.report.postlayout import post_layout_section
from eqchip.report.power import PowerRun, run_power, sta_exe
from eqchip.report.propagate import Annotation, annotate
from eqchip.report.sections import (
    area_section,
    check,
    design_section,
    logic_power,
    metrics_checks,
    power_section,
    timing_section,
    tools_section,
)
from eqchip.report.vcd import read_header as read_vcd_header
from eqchip.report.vcd import values_at

SCHEMA = "eqchip-report/1"
#: gate-level simulation only below this many cells x training-step cycles (small.yaml: 5e6;
#: the VCD grows with the product, ~6 bytes per cell-cycle)
GATE_LEVEL_MAX_CELL_CYCLES = 3e7


@dataclass
class Analysis:
    data: dict
    energy: EnergyReport
    power: PowerRun | None
    activity: StepActivity | None
    annotation: Annotation | None
    notes: list[str] = field(default_factory=list)






def representative_step(loaded: LoadedDesign) -> tuple[Counters, str]:
    """Golden-model counters of one training step: initial weights (training.seed) and the
    first training sample of the design's data set."""
    import numpy as np

    from eqchip import golden as g
    from eqchip.golden.data import load_dataset

    d, arch = loaded.design, loaded.arch
    ds = load_dataset(d.training.dataset, arch.layers, d.training.test_size, d.training.seed)
    x = g.quantize_state(ds.x_train[0], arch.state_frac)
    y = np.zeros(arch.layers[-1], np.int64)
    y[int(ds.y_train[0])] = 1 << arch.state_frac
    step = g.train_step(arch, g.init_params(arch, d.training.seed), x, y)
    return step.counters, (f"golden model train_step (init_params seed {d.training.seed}, "
                           f"first '{d.training.dataset}' training sample)")


def stdcell_liberty(pdk_root: Path, corner: str) -> Path:
    from eqchip.asic.pdk import DESIGN_CORNER_TO_SC, Sky130Paths

    return Sky130Paths(Path(pdk_root)).liberty(DESIGN_CORNER_TO_SC[corner])


def _macro_lib(loaded: LoadedDesign, files: BuildFiles, work: Path) -> Path:
    if files.macro_libs:
        return files.macro_libs[0]
    from eqchip.macros.electrical import electrical
    from eqchip.macros.liberty import liberty_text
    from eqchip.macros.spec import macro_for

    spec = macro_for(loaded.arch, loaded.tech)
    path = work / f"{spec.name}.lib"
    write_text_atomic(path, liberty_text(spec, electrical(spec, loaded.tech.typical_corner),
                                         spec.area_um2))
    return path


def _blackbox(loaded: LoadedDesign, work: Path) -> Path:
    from eqchip.macros.spec import macro_for
    from eqchip.macros.verilog import blackbox_verilog

    spec = macro_for(loaded.arch, loaded.tech)
    path = work / f"{spec.name}.blackbox.v"
    write_text_atomic(path, blackbox_verilog(spec))
    return path








def analyse(loaded: LoadedDesign, files: BuildFiles, pdk_root: Path | None,
            metrics: dict, work: Path | None = None, gate_level: bool = True) -> Analysis:
    """Everything the report states. gate_level: also simulate the netlist (Icarus) for the
    exact activity of every net; else RTL activity + propagation only."""
    arch, tech = loaded.arch, loaded.tech
    notes: list[str] = []
    checks: list[dict] = []
    tmp_ctx = tempfile.TemporaryDirectory(prefix="eqchip-report-") if work is None else None
    work = Path(tmp_ctx.name) if tmp_ctx is not None else work
    work.mkdir(parents=True, exist_ok=True)
    try:
        liberty = stdcell_liberty(pdk_root, loaded.design.pdk.corner) if pdk_root else None
        # --- activity from the RTL simulation -------------------------------------------------
        sa: StepActivity | None = None
        if files.vcd is not None:
            sa = step_activity(files.vcd)
        else:
            notes.append("no VCD of a training step: power is vectorless only "
                         "(run `eqchip sim <design> --vcd FILE` and pass --vcd)")
        # --- netlist, area, power --------------------------------------------------------------
        nl = lib = None
        area = None
        run: PowerRun | None = None
        ann: Annotation | None = None
        ann_rtl: Annotation | None = None
        gsa: StepActivity | None = None
        logic: dict[str, dict] = {}
        if files.netlist is not None and liberty is not None and liberty.is_file():
            lib = read_liberty(liberty)
            nl = load_netlist(files.netlist, f"{arch.name}_top", [liberty],
                              [_blackbox(loaded, work)])
            area = area_section(nl, lib, loaded, files.netlist, liberty, metrics)
            ann_rtl = annotate(nl, lib, sa.rates, "clk") if sa is not None else None
            ann = ann_rtl
            if sa is not None and gate_level:
                gls = _gate_level(loaded, files.netlist, liberty, work, nl, lib, sa, notes,
                                  checks)
                if gls is not None:
                    gsa, ann = gls
            if sta_exe() is not None:
                bus = {(c.name, p) for c in nl.cells for p, b in c.conns.items()
                       if c.type not in lib and len(b) > 1 or
                       (c.type not in lib and p in ("ADDR", "DIN", "DOUT"))}
                extra = {"rtl_propagated": ann_rtl} if gsa is not None and ann_rtl else None
                run = run_power(work / "sta", files.netlist, f"{arch.name}_top",
                                [liberty, _macro_lib(loaded, files, work)],
                                arch.clock_period_ns, "clk", ann, bus, files.sdc, extra=extra)
                clk = {b for b in nl.ports.get("clk", ("input", []))[1] if isinstance(b, int)}
                logic["vectorless"] = logic_power(
                    run.vectorless, internal_power(nl, lib, default_pin_activity(nl, clk),
                                                   arch.clock_period_ns),
                    "vectorless", run.log)
                method = "gate-level simulation" if gsa is not None else "RTL + propagation"
                if run.annotated is not None and ann is not None:
                    logic["annotated"] = logic_power(
                        run.annotated, internal_power(nl, lib, ann.pins, arch.clock_period_ns),
                        f"annotated: {method}", run.log)
                if "rtl_propagated" in run.extra and ann_rtl is not None:
                    logic["rtl_propagated"] = logic_power(
                        run.extra["rtl_propagated"],
                        internal_power(nl, lib, ann_rtl.pins, arch.clock_period_ns),
                        "annotated: RTL + propagation", run.log)
            else:
                notes.append("OpenSTA (`sta`) not found: no power analysis")
        else:
            notes.append("no synthesized netlist (or no PDK): no area, timing or power from "
                         "the netlist; run `eqchip build` first")
        # --- counters ------------------------------------------------------------------------
        inf_c = inference_counters(arch)
        inf_src = "docs/architecture.md cycle schedule (eqchip.golden.inference_counters)"
        if sa is not None:
            a = sa.activity
            writes = a.mram_writes
            trn_c = Counters(sa.cycles, a.mram_reads, writes)
            trn_src = f"RTL simulation {files.vcd.name}: busy cycles, macro CE/WE at CLK edges"
            checks += _rtl_checks(sa, arch, notes)
        else:
            trn_c, trn_src = representative_step(loaded)
        # --- energy --------------------------------------------------------------------------
        if logic:
            which = "annotated" if "annotated" in logic else "vectorless"
            lp = logic[which]
            logic_dyn = Figure(lp["dynamic_w"]["value"], "W",
                               f"{which} logic power: OpenSTA switching + eqchip internal")
            logic_leak = Figure(lp["leakage_w"]["value"], "W", lp["leakage_w"]["source"])
            if which == "vectorless":
                notes.append("logic energy uses VECTORLESS power (no activity annotation)")
        else:
            logic_dyn = Figure(0.0, "W", "not available (no netlist power): logic energy "
                                         "omitted")
            logic_leak = Figure(0.0, "W", logic_dyn.source)
            notes.append("logic energy is missing: energy figures cover the MRAM only")
        spec, mram = mram_inputs(loaded)
        pin = PowerInputs(logic_dynamic_w=logic_dyn, logic_leakage_w=logic_leak,
                          n_macros=arch.total_macros, **mram)
        en = energy_report(arch, pin, inf_c, trn_c, inf_src, trn_src)
        checks += metrics_checks(metrics, loaded, area, run)
        # the same energy by time: (all power) x time + accesses x energy per access
        t = en.training
        by_time = ((pin.logic_dynamic_w.value + pin.logic_leakage_w.value
                    + pin.n_macros * pin.macro_leakage_w.value) * t.time_ns * 1e3
                   + t.counters.mram_reads * pin.read_pj_per_word.value
                   + t.counters.mram_writes * pin.write_pj_per_word.value)
        checks.append(check(
            "energy_sum_of_parts",
            "training-step energy: sum of its parts = total power x time + "
            "MRAM accesses x energy per access (pJ, within 1e-9)",
            by_time, t.total_pj, 1e-9))
        # --- assemble --------------------------------------------------------------------------
        data = {
            "schema": SCHEMA,
            "generated": {"eqchip_version": __version__,
                          "time_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
            "design": design_section(loaded),
            "tools": tools_section(run, metrics),
            "pdk": {"name": "sky130A", "stdcell_library": loaded.design.pdk.stdcell_library,
                    "corner": loaded.design.pdk.corner,
                    "liberty": str(liberty) if liberty else None,
                    "mram_technology": {"name": tech.name,
                                        "file": f"pdk_cfg/mram/{tech.name}.yaml",
                                        "sources": [s.ref for s in tech.sources]}},
            "sources": {k: (str(v) if v else None) for k, v in (
                ("build_dir", files.build_dir), ("metrics_json", files.metrics),
                ("netlist", files.netlist), ("sdc", files.sdc), ("vcd", files.vcd),
                ("layout", files.layout))},
            "area": area,
            "timing": timing_section(run, arch.clock_period_ns, metrics),
            "post_layout": post_layout_section(metrics),
            "power": power_section(run, gsa or sa, ann, nl, lib, logic, ann_rtl, gsa),
            "mram": {"macro": spec.name, "n_macros": arch.total_macros,
                     "read_pj_per_word": pin.read_pj_per_word.as_dict(),
                     "write_pj_per_word": pin.write_pj_per_word.as_dict(),
                     "macro_leakage_w": pin.macro_leakage_w.as_dict()},
            "energy": en.as_dict(),
            "cross_checks": checks,
            "notes": notes,
        }
        return Analysis(data, en, run, sa, ann, notes)
    finally:
        if tmp_ctx is not None:
            tmp_ctx.cleanup()


def _rtl_checks(sa: StepActivity, arch: Arch, notes: list[str]) -> list[dict]:
    """The step's counts from the waveform against the architecture schedule and against the
    RTL's own counter registers at the end of the step."""
    a = sa.activity
    expect = training_counters(arch, a.mram_writes)
    out = [check("training_cycles_schedule",
                 "training cycles: RTL busy cycles = architecture schedule",
                 expect.cycles, sa.cycles),
           check("training_reads_schedule",
                 "training MRAM reads: RTL macro accesses = architecture schedule",
                 expect.mram_reads, a.mram_reads)]
    regs = rtl_counters(sa)
    for name, observed in (("cycles", sa.cycles), ("mram_reads", a.mram_reads),
                           ("mram_writes", a.mram_writes)):
        if name in regs:
            out.append(check(f"rtl_register_{name}",
                             f"RTL register {name} after the step = count from the waveform "
                             "(busy cycles / macro CE, WE at CLK)", regs[name], observed))
        else:
            notes.append(f"RTL counter register `{name}` not found in the VCD")
    return out


def rtl_counters(sa: StepActivity) -> dict[str, int]:
    """The top's `cycles`, `mram_reads`, `mram_writes` registers (CYCLES, MRAM_READS,
    MRAM_WRITES) as they stand when the operation ends."""
    hdr = read_vcd_header(sa.vcd)
    names = {f"{sa.scope}.{n}": n for n in ("cycles", "mram_reads", "mram_writes")}
    vals = values_at(sa.vcd, hdr, list(names), sa.activity.window.end)
    return {names[p]: v for p, v in vals.items()}










def mram_inputs(loaded: LoadedDesign):  # noqa: ANN201 - (MacroSpec, PowerInputs fields)
    """MRAM energy per access and macro leakage at the design corner, from the technology
    file through eqchip.macros.electrical (the numbers the macro's Liberty view carries)."""
    from eqchip.macros.electrical import electrical
    from eqchip.macros.spec import macro_for

    tech = loaded.tech
    spec = macro_for(loaded.arch, tech)
    corner = next((c for c in tech.corners
                   if c.name.startswith(loaded.design.pdk.corner + "_")), tech.typical_corner)
    el = electrical(spec, corner)
    tfile = f"pdk_cfg/mram/{tech.name}.yaml"
    at = f"corner {corner.name}"
    return spec, {
        "read_pj_per_word": Figure(el.read_energy_pj, "pJ",
                                   f"{spec.bits} bits x energy.read_pj_per_bit x {at} "
                                   f"energy_scale {corner.energy_scale:g} ({tfile})"),
        "write_pj_per_word": Figure(el.write_energy_pj, "pJ",
                                    f"{spec.bits} bits x energy.write_pj_per_bit x {at} "
                                    f"energy_scale {corner.energy_scale:g} ({tfile})"),
        "macro_leakage_w": Figure(el.leakage_uw * 1e-6, "W",
                                  f"energy.standby_leakage_uw + standby_leakage_uw_per_kbit x "
                                  f"{spec.capacity_bits / 1024:g} kbit, x {at} leakage_scale "
                                  f"{corner.leakage_scale:g} ({tfile})"),
    }


def _gate_level(loaded: LoadedDesign, netlist: Path, liberty: Path, work: Path, nl: Netlist,
                lib: dict[str, CellLogic], sa: StepActivity, notes: list[str],
                checks: list[dict]) -> tuple[StepActivity, Annotation] | None:
    """Simulate the netlist (same test as the RTL co-simulation) and annotate from it."""
    import shutil

    from eqchip.errors import EqchipError
    from eqchip.report.gatesim import gate_level_vcd

    size = len(nl.cells) * sa.cycles
    if size > GATE_LEVEL_MAX_CELL_CYCLES:
        notes.append(f"no gate-level simulation: {len(nl.cells)} cells x {sa.cycles} cycles "
                     f"exceeds {GATE_LEVEL_MAX_CELL_CYCLES:.0e} cell-cycles; power uses the RTL "
                     "activity propagated through the gates")
        return None
    if shutil.which("iverilog") is None or shutil.which("vvp") is None:
        notes.append("Icarus Verilog not found: no gate-level simulation; power uses the RTL "
                     "activity propagated through the gates")
        return None
    try:
        vcd = gate_level_vcd(loaded, netlist, liberty, work / "gatesim")
        gsa = step_activity(vcd)
    except EqchipError as exc:
        notes.append(f"gate-level simulation failed ({exc.message.splitlines()[0]}); power "
                     "uses the RTL activity propagated through the gates")
        return None
    a, r = gsa.activity, sa.activity
    checks += [
        check("gls_cycles", "gate-level simulation: training cycles = RTL",
              sa.cycles, gsa.cycles),
        check("gls_mram_accesses", "gate-level simulation: MRAM reads / writes = RTL",
              f"{r.mram_reads}/{r.mram_writes}", f"{a.mram_reads}/{a.mram_writes}"),
    ]
    return gsa, annotate(nl, lib, gsa.rates, "clk")


