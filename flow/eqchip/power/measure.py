"""Activity-annotated power of a synthesized netlist: the measurement the build's
`synthesis.power` node makes (eqchip.asic.tasks.activity_power) and the report reads.

From the VCD of one training step (the RTL co-simulation), the netlist, its Liberty and the
MRAM macro's views: the step's activity and counts (checked against the architecture schedule
and the RTL's own counter registers), a gate-level simulation of the netlist (Icarus) for the
activity of every net, OpenSTA's vectorless and annotated power, eqchip's internal power from
the Liberty tables, the netlist area, and the inputs of the report's clock-tree and wire
estimates (eqchip.power.clock_wire). The inference is measured on its own: the free phase of
the same step (CLEAR + T1 STEPs, an inference's operations) is a window of its own, with its
cycles, MRAM accesses and a second annotated OpenSTA power (`inference`). Returns one
JSON-ready dict (activity_power.json); every number a `{value, unit, source}` figure. Missing
tools or inputs leave sections null and add a note; nothing is invented. A gate-level
simulation that ran and failed (the netlist differs from the golden model, the simulator or
the VCD reader failed) raises its EqchipError: it is no reason to fall back to the propagated
RTL activity silently (the `synthesis.power` node fails with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eqchip.config import LoadedDesign
from eqchip.figures import check
from eqchip.golden.counters import training_counters
from eqchip.power.activity import (
    StepActivity,
    free_phase_cycles,
    from_activity,
    leading_activity,
    step_activity,
)
from eqchip.power.clock_wire import clock_wire_inputs
from eqchip.power.internal_power import default_pin_activity, internal_power
from eqchip.power.liberty import CellLogic, read_liberty
from eqchip.power.netlist import Netlist, load_netlist
from eqchip.power.power import PowerRun, run_power, sta_exe
from eqchip.power.propagate import Annotation, annotate, clock_network
from eqchip.power.routed import clock_network_section, post_route_section
from eqchip.power.sections import area_section, logic_power, power_section
from eqchip.power.vcd import VcdError, values_at
from eqchip.power.vcd import read_header as read_vcd_header

SCHEMA = "eqchip.activity-power/1"
#: gate-level simulation only below this many cells x training-step cycles. Its VCD is read
#: from a pipe as Icarus writes it (eqchip.power.vcdstream), so disk and memory do not grow with
#: the product; the simulation time does. The limit is a budget of simulator CPU time times
#: Icarus' rate: bench/bench_gatesim.py measured 1.4e6 cell-cycles per CPU second on digits
#: (30k cells x 17k cycles in ~6.5 min; small: 2e6 cell-cycles in ~10 s); 1e6 keeps a margin.
#: digits (5e8) fits; mnist (~1e11) would take a day and stays on the propagated path.
GATE_LEVEL_BUDGET_S = 3600.0
CELL_CYCLES_PER_S = 1.0e6
GATE_LEVEL_MAX_CELL_CYCLES = GATE_LEVEL_BUDGET_S * CELL_CYCLES_PER_S
#: the RTL co-simulation of one training step (whose VCD every activity figure comes from) only
#: below this many netlist cells x training-step cycles. Measured on digits: 26,858 cells x
#: 10,060 cycles (2.7e8) took 11 s of Icarus with compilation and wrote a 25.5 MB VCD, so 2e10
#: is about 15 minutes and 2 GB of VCD. mnist (~7e10) is over it: its power is vectorless.
RTL_SIM_MAX_CELL_CYCLES = 2.0e10


def rtl_sim_over_budget(loaded: LoadedDesign, netlist: Path) -> str | None:
    """A note why the training step is not co-simulated for the activity, or None."""
    cells = netlist.read_text(errors="replace").count("sky130_fd_sc_hd__")
    cycles = training_counters(loaded.arch, 0).cycles
    if cells * cycles <= RTL_SIM_MAX_CELL_CYCLES:
        return None
    return (f"the RTL co-simulation of a training step ({cycles} cycles) of {cells} cells "
            f"({cells * cycles:.1e} cell-cycles) is over eqchip's budget of "
            f"{RTL_SIM_MAX_CELL_CYCLES:.0e} (eqchip.power.measure.RTL_SIM_MAX_CELL_CYCLES: about "
            "15 minutes of Icarus and 2 GB of VCD); not simulated")


def measure(loaded: LoadedDesign, *, netlist: Path, liberty: Path, macro_lib: Path,
            blackbox: Path, sdc: Path | None, vcd: Path | None, macro_size_um: tuple[float,
            float] | None, work: Path, gate_level: bool = True,
            spef: Path | None = None) -> dict:
    """activity_power.json of `netlist` (see the module docstring). `spef`: the wire
    parasitics of a routed netlist; OpenSTA reads them, and `post_route`
    (eqchip.power.routed) adds the same power with the wire-load model and the clock tree's."""
    arch = loaded.arch
    notes: list[str] = []
    checks: list[dict] = []
    work.mkdir(parents=True, exist_ok=True)
    sa: StepActivity | None = None
    if vcd is not None:
        sa = step_activity(vcd)
    else:
        notes.append("no VCD of a training step: power is vectorless only")
    lib = read_liberty(liberty)
    nl = load_netlist(netlist, f"{arch.name}_top", [liberty], [blackbox])
    size = {"macros": {"width_um": macro_size_um[0], "height_um": macro_size_um[1]}} \
        if macro_size_um else {}
    area = area_section(nl, lib, loaded, netlist, liberty, size)
    ann_rtl = annotate(nl, lib, sa.rates, "clk") if sa is not None else None
    ann = ann_rtl
    rtl_inf = _rtl_inference(sa, notes) if sa is not None else None
    gsa: StepActivity | None = None
    gls: GateLevel | None = None
    if sa is not None and gate_level:
        gls = _gate_level(loaded, netlist, liberty, work, nl, lib, sa,
                          rtl_inf.cycles if rtl_inf is not None else None, notes, checks)
        if gls is not None:
            gsa, ann = gls.step, gls.annotation
    inf = _inference_window(rtl_inf, gls, notes, checks)
    ann_inf = annotate(nl, lib, inf.rates, "clk") if inf is not None else None
    ann_inf_rtl = annotate(nl, lib, rtl_inf.rates, "clk") \
        if gls is not None and rtl_inf is not None else None
    clk = {b for b in nl.ports.get("clk", ("input", []))[1] if isinstance(b, int)}
    method = "gate-level simulation" if gsa is not None else "RTL + propagation"
    clock_wire = clock_wire_inputs(nl, lib, liberty, liberty.read_text(errors="replace"), clk,
                                   ann, f"annotated: {method}")
    run: PowerRun | None = None
    post_route: dict | None = None
    clock_net: dict | None = None
    logic: dict[str, dict] = {}
    if sta_exe() is not None:
        bus = {(c.name, p) for c in nl.cells for p, b in c.conns.items()
               if c.type not in lib and len(b) > 1 or
               (c.type not in lib and p in ("ADDR", "DIN", "DOUT"))}
        # the further annotations OpenSTA reports on, each with the label of its figures
        extra: dict[str, tuple[Annotation, str]] = {}
        if gsa is not None and ann_rtl is not None:
            extra["rtl_propagated"] = (ann_rtl, "annotated: RTL + propagation")
        if ann_inf is not None:
            extra["inference"] = (ann_inf, f"annotated: {method}, inference window")
        if ann_inf_rtl is not None:
            extra["inference_rtl_propagated"] = (
                ann_inf_rtl, "annotated: RTL + propagation, inference window")
        tree, gates = clock_network(nl, lib, clk)
        run = run_power(work / "sta", netlist, f"{arch.name}_top", [liberty, macro_lib],
                        arch.clock_period_ns, "clk", ann, bus, sdc,
                        extra={k: x for k, (x, _label) in extra.items()}, spef=spef,
                        instances=(tree + gates) or None)
        clock_net = clock_network_section(run, nl, lib, tree, gates, ann, ann_inf,
                                          arch.clock_period_ns, method)
        logic["vectorless"] = logic_power(
            run.vectorless, internal_power(nl, lib, default_pin_activity(nl, clk),
                                           arch.clock_period_ns), "vectorless", run.log)
        if run.annotated is not None and ann is not None:
            logic["annotated"] = logic_power(
                run.annotated, internal_power(nl, lib, ann.pins, arch.clock_period_ns),
                f"annotated: {method}", run.log)
        for name, (extra_ann, label) in extra.items():
            if name in run.extra:
                logic[name] = logic_power(
                    run.extra[name],
                    internal_power(nl, lib, extra_ann.pins, arch.clock_period_ns),
                    label, run.log)
        if spef is not None and run.annotated is not None and ann is not None:
            post_route = post_route_section(
                run=run, nl=nl, lib=lib, netlist=netlist, top=f"{arch.name}_top",
                liberty=[liberty, macro_lib], period_ns=arch.clock_period_ns, ann=ann,
                ann_inf=ann_inf, bus=bus, sdc=sdc, tree=tree, gates=gates, method=method,
                work=work)
    else:
        notes.append("OpenSTA (`sta`) not found: no power analysis")
    counters = None
    if sa is not None:
        a = sa.activity
        counters = {"cycles": sa.cycles, "mram_reads": a.mram_reads,
                    "mram_writes": a.mram_writes,
                    "source": f"RTL simulation {sa.vcd.name}: busy cycles, macro CE/WE at "
                              "CLK edges"}
        checks = _rtl_checks(sa, loaded, notes) + checks
    return {
        "schema": SCHEMA,
        "design_sha256": loaded.sha256,
        "netlist": str(netlist), "liberty": str(liberty), "vcd": str(vcd) if vcd else None,
        "area": area,
        "power": power_section(run, gsa or sa, ann, nl, lib, logic, ann_rtl, gsa),
        "logic": logic or None,
        "clock_wire": clock_wire,
        "counters": counters,
        "inference": _inference_section(inf, logic.get("inference"), method,
                                        logic.get("inference_rtl_propagated")),
        "gate_level": gls.record if gls is not None else None,
        "spef": str(spef) if spef is not None else None,
        "clock_network": clock_net,
        "post_route": post_route,
        "sta": None if run is None else {"version": run.sta_version,
                                         "setup_slack_ns": run.setup_slack_ns,
                                         "log": run.log.name},
        "checks": checks,
        "notes": notes,
    }


def _rtl_inference(sa: StepActivity, notes: list[str]) -> StepActivity | None:
    """The inference inside the RTL training step: its free phase (CLEAR + T1 STEPs, the same
    controller states, inputs and weights as an inference; the RTL leaves it for SAVE_FREE where
    an inference ends), from busy's rise to the edge where the controller enters SAVE_FREE."""
    try:
        return leading_activity(sa, free_phase_cycles(sa))
    except VcdError as exc:
        notes.append(f"no inference window ({exc}): inference power not measured")
        return None


def _inference_window(rtl: StepActivity | None, gls: GateLevel | None, notes: list[str],
                      checks: list[dict]) -> StepActivity | None:
    """The inference window whose activity annotates the inference power: the gate-level
    simulation's when it ran (the same number of cycles from its own busy rise: the netlist
    has no state names), else the RTL's."""
    if rtl is None or gls is None:
        return rtl
    if gls.inference is None:
        notes.append(f"no inference window in the gate-level simulation (fewer than "
                     f"{rtl.cycles} cycles): inference power not measured")
        return None
    a, r = gls.inference.activity, rtl.activity
    checks.append(check("gls_inference_mram_accesses",
                        "gate-level simulation: inference-window MRAM reads / writes = RTL",
                        f"{r.mram_reads}/{r.mram_writes}", f"{a.mram_reads}/{a.mram_writes}"))
    return gls.inference


def _inference_section(inf: StepActivity | None, logic: dict | None, method: str,
                       logic_rtl: dict | None) -> dict | None:
    if inf is None:
        return None
    a = inf.activity
    out = {"window": "free phase of the simulated training step (CLEAR + T1 STEPs: the "
                     "operations of an inference on the same sample and weights), from busy's "
                     "rise to the clock edge where the RTL controller enters SAVE_FREE",
           "cycles": inf.cycles, "mram_reads": a.mram_reads, "mram_writes": a.mram_writes,
           "source": f"simulation {inf.vcd.name}, free-phase window: busy cycles, macro CE/WE "
                     "at CLK edges",
           "activity_method": method,
           "logic": logic}
    if logic_rtl is not None:
        out["logic_rtl_propagated"] = logic_rtl
    return out


def _rtl_checks(sa: StepActivity, loaded: LoadedDesign, notes: list[str]) -> list[dict]:
    """The step's counts from the waveform against the architecture schedule and against the
    RTL's own counter registers at the end of the step. With eqprop.early_stop the schedule is
    data-dependent: the golden model's counters of the simulated operation (its STEPs per phase
    and skip), eqchip.sim.scenario.vcd_operation_step."""
    a = sa.activity
    if loaded.arch.early_stop:
        from eqchip.sim.scenario import vcd_operation_step

        expect = vcd_operation_step(loaded).counters
    else:
        expect = training_counters(loaded.arch, a.mram_writes)
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


@dataclass(frozen=True)
class GateLevel:
    """The gate-level simulation's activity: the training step, its inference window, the
    annotation from the step, and the run's record for activity_power.json."""

    step: StepActivity
    inference: StepActivity | None
    annotation: Annotation
    record: dict


def _gate_level(loaded: LoadedDesign, netlist: Path, liberty: Path, work: Path, nl: Netlist,
                lib: dict[str, CellLogic], sa: StepActivity, inference_cycles: int | None,
                notes: list[str], checks: list[dict]) -> GateLevel | None:
    """Simulate the netlist (the RTL VCD's test: the same training operation), its VCD
    streamed through a pipe, and annotate from it. None (with a note) over the budget or
    without Icarus / pyosys; a simulation that ran and failed raises its EqchipError."""
    import importlib.util
    import shutil

    from eqchip.macros.spec import macro_for
    from eqchip.power.gatesim import choose_simulator, gate_level_activity

    size = len(nl.cells) * sa.cycles
    simulator, why = choose_simulator(len(nl.cells), sa.cycles)
    if size > GATE_LEVEL_MAX_CELL_CYCLES:
        notes.append(f"no gate-level simulation: {len(nl.cells)} cells x {sa.cycles} cycles "
                     f"exceeds {GATE_LEVEL_MAX_CELL_CYCLES:.1e} cell-cycles (about "
                     f"{GATE_LEVEL_BUDGET_S / 60:.0f} min of Icarus at "
                     f"{CELL_CYCLES_PER_S:.1e} cell-cycles/s); power uses the RTL activity "
                     "propagated through the gates")
        return None
    if shutil.which("iverilog") is None and shutil.which("verilator") is None:
        notes.append("neither Icarus Verilog nor Verilator found: no gate-level simulation; "
                     "power uses the RTL activity propagated through the gates")
        return None
    if importlib.util.find_spec("pyosys") is None:
        notes.append("pyosys not installed (the Liberty cells' Verilog models): no gate-level "
                     "simulation; power uses the RTL activity propagated through the gates")
        return None
    spec = macro_for(loaded.arch, loaded.tech)
    macros = sorted(c.name for c in nl.cells if c.type == spec.name)
    # a simulation that ran and failed raises (the module docstring): no fallback
    run = gate_level_activity(loaded, netlist, liberty, work / "gatesim", macros,
                              inference_cycles,
                              timeout_s=max(7200.0, 10 * size / CELL_CYCLES_PER_S),
                              simulator=simulator)
    st = run.stream
    gsa = from_activity(run.pipe, st.scope, st.step, st.n_windows)
    ginf = from_activity(run.pipe, st.scope, st.inference, st.n_windows) \
        if st.inference is not None else None
    a, r = gsa.activity, sa.activity
    checks += [
        check("gls_cycles", "gate-level simulation: training cycles = RTL",
              sa.cycles, gsa.cycles),
        check("gls_mram_accesses", "gate-level simulation: MRAM reads / writes = RTL",
              f"{r.mram_reads}/{r.mram_writes}", f"{a.mram_reads}/{a.mram_writes}"),
    ]
    counted = {"verilator": "counted inside the simulation (eqchip.power.glcount): no VCD",
               "icarus": "streamed through a named pipe into eqchip.power.vcdstream while "
                         "Icarus wrote it; not stored"}
    record = {
        "simulator": f"{run.simulator} (eqchip.power.gatesim, the co-simulation test on the "
                     f"netlist; chosen by {why})",
        "vcd": counted[run.simulator],
        "dumped": f"the netlist's own nets and the ports of {len(macros)} MRAM macro "
                  "instances (not the insides of the cell instances)",
        "cells": len(nl.cells), "cycles": gsa.cycles, "cell_cycles": size,
        "vcd_bytes": st.bytes_read, "value_changes": st.value_changes,
        "sim_seconds": round(run.sim_seconds, 3),
        "sim_cpu_seconds": round(run.sim_cpu_seconds, 3),
        "reader_cpu_seconds": round(run.reader_cpu_seconds, 3),
        "build_seconds": round(run.build_seconds, 3),
    }
    return GateLevel(gsa, ginf, annotate(nl, lib, gsa.rates, "clk"), record)
