"""Gate-level simulation of the synthesized netlist with the co-simulation's own testbench.

Yosys turns the Liberty cells into simulatable Verilog (`read_liberty` keeps each cell's
`function` and `ff` groups); Icarus runs the netlist, these cell models and the behavioural MRAM
model under the same cocotb test (`eqchip.sim.tb_accel`) that checks the RTL against the golden
model, so the gate-level run is checked bit for bit too. The run is the RTL VCD's (reset, host
load, one training operation on the same sample), and its VCD gives the zero-delay toggle rate
of every net of the netlist: the reference the RTL-plus-propagation estimate
(`eqchip.power.propagate`) is compared with.

`gate_level_activity` (the build's way) measures only the netlist's own nets and the MRAM
macros' pins, on either simulator (`choose_simulator`): Verilator counts toggles and high time
inside its compiled model (`eqchip.power.glcount`, no VCD); Icarus, the reference, dumps them
into a named pipe that `eqchip.power.vcdstream` reads while it writes. Both give the same
numbers bit for bit (tests/test_glcount.py); disk and memory stay bounded whatever the
design's size.
`gate_level_vcd` writes every signal, cell insides included, to a file: the reference the
streamed run is tested against, for small designs.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eqchip.config import LoadedDesign
from eqchip.errors import EqchipError, ToolError
from eqchip.fileio import write_text_atomic
from eqchip.power.vcdstream import StreamActivity, stream_activity
from eqchip.sim.sources import SimSources

_CELLS = r"""
import sys
from pyosys import libyosys as ys
lib, out = sys.argv[1:3]
d = ys.Design()
ys.run_pass(f"read_liberty -ignore_miss_func {lib}", d)
ys.run_pass(f"write_verilog -noattr {out}", d)
"""


# Integrated clock gates (`clock_gating_integrated_cell : "latch_posedge"`, pins CLK, GATE,
# GCLK): `read_liberty` gives them no model, so they get this one. The enable latch is
# transparent while CLK is low; GCLK = CLK & latch, a continuous assignment, so gated flip-flops
# sample their D in the same simulation step as the ungated ones.
_ICG_CELL = re.compile(r'cell\s*\(\s*"?([A-Za-z0-9_]+)"?\s*\)\s*\{(?:(?!\bcell\s*\().)*?'
                       r'clock_gating_integrated_cell\s*:\s*"latch_posedge"', re.S)
_ICG_MODEL = """
module {name} (CLK, GATE, GCLK);
  input CLK, GATE;
  output GCLK;
  reg en;
  always @(CLK or GATE) if (!CLK) en = GATE;
  assign GCLK = CLK & en;
endmodule
"""


def icg_models(liberty_text: str) -> str:
    """Verilog models of the liberty's positive-edge integrated clock-gating cells."""
    return "".join(_ICG_MODEL.format(name=n) for n in _ICG_CELL.findall(liberty_text))


def cell_models(liberty: Path, out: Path) -> Path:
    """Verilog models of every cell of `liberty` (Yosys `read_liberty`, plus `icg_models`)."""
    proc = subprocess.run([sys.executable, "-c", _CELLS, str(liberty), str(out)],
                          capture_output=True, text=True, check=False, timeout=600)
    if proc.returncode != 0 or not out.is_file():
        raise ToolError(f"yosys could not turn {liberty} into cell models:\n"
                        + "\n".join(proc.stderr.strip().splitlines()[-10:]))
    with out.open("a") as f:
        f.write(icg_models(liberty.read_text(errors="replace")))
    return out


@dataclass(frozen=True)
class GateLevelRun:
    """A gate-level simulation and the activity it measured (`gate_level_activity`)."""

    stream: StreamActivity
    pipe: Path                      # Icarus: the named pipe the VCD went through (removed
                                    # after); Verilator: the counter's result file
    sim_seconds: float              # wall time of the simulator run (reader in parallel)
    sim_cpu_seconds: float          # CPU time of the simulator's build and run
    reader_cpu_seconds: float       # CPU time of the VCD reader thread / the result reader
    build_seconds: float
    simulator: str = "icarus"


def _plan(loaded: LoadedDesign, work: Path, seed: int) -> Path:
    """The plan of the RTL VCD's run (`run_cosim(..., vcd=...)`): reset, host load, one
    training operation on the first training sample, checked against the golden model."""
    from eqchip.sim import scenario

    plan = work / "plan.npz"
    params = scenario.initial_params(loaded.arch, seed, "random", None)
    scenario.write_plan(plan, loaded.arch, params,
                        scenario.operations(loaded, 1, seed, inference_only=False,
                                            one_training_op=True))
    return plan


def _sources(loaded: LoadedDesign, netlist: Path, liberty: Path, work: Path,
             wrapper: Callable[[str], str] | None = None) -> SimSources:
    """The netlist, the cell models and the co-simulation's own MRAM model and wrapper
    (`wrapper(text)` may rewrite the wrapper's Verilog)."""
    from eqchip.sim.sources import write_sources

    cells = cell_models(liberty, work / "cells.v")
    rtl = write_sources(loaded, work / "cosim")
    render_dir = work / "cosim" / "render"
    extra = [f for f in rtl.files if not f.resolve().is_relative_to(render_dir)]
    if wrapper is not None:
        (wrap,) = [f for f in extra if f.stem == rtl.toplevel]
        gl = work / f"{rtl.toplevel}_gl.sv"
        write_text_atomic(gl, wrapper(wrap.read_text()))
        extra = [gl if f == wrap else f for f in extra]
    return SimSources(toplevel=rtl.toplevel, dut_top=rtl.dut_top,
                      files=(Path(netlist).resolve(), cells, *extra),
                      verilator_config=rtl.verilator_config)


def _check(run, loaded: LoadedDesign, log_path: Path) -> None:  # noqa: ANN001 - SimRun
    if run.result.get("mismatch"):
        raise ToolError(f"gate-level netlist of {loaded.name} differs from the golden model: "
                        f"{run.result['mismatch']}", hint=f"see {log_path}")
    if run.exit_code != 0 or run.failed:
        raise ToolError(f"gate-level simulation of {loaded.name} failed (exit code "
                        f"{run.exit_code}; log: {log_path})")


def gate_level_vcd(loaded: LoadedDesign, netlist: Path, liberty: Path, work: Path,
                   seed: int = 0, timeout_s: float = 3600.0) -> Path:
    """Run the co-simulation test on `netlist` (Icarus) and return the VCD of its training
    operation (the operation `eqchip sim --vcd` dumps for the RTL), every signal of the DUT
    and of its cell instances written to disk: the reference `gate_level_activity` is checked
    against, affordable for small designs only (~6 bytes per cell and cycle)."""
    from eqchip.sim import scenario
    from eqchip.sim.runner import run_testbench

    work = Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    src = _sources(loaded, netlist, liberty, work)
    log_path = work / "gatesim.log"
    log_path.write_text("")
    vcd = work / "gate_step.vcd"
    cfg = scenario.SimConfig(design=str(loaded.path.resolve()), simulator="icarus",
                             plan=str(_plan(loaded, work, seed)), vcd=str(vcd),
                             result=str(work / "result.json"))
    run = run_testbench(src, cfg, work, build_dir=work / "build", log_path=log_path, dump=vcd,
                        timeout_s=timeout_s, what=f"gate-level simulation of {loaded.name}")
    _check(run, loaded, log_path)
    if not vcd.is_file():
        raise ToolError(f"gate-level simulation wrote no VCD (log {log_path})")
    return vcd


# The wrapper's dump block (eqchip.sim.sources.wrapper_verilog), replaced for the streamed run
_DUMP_BLOCK = re.compile(r"`ifdef EQCHIP_VCD\n.*?`endif\n`endif\n", re.S)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def _verilog_name(name: str) -> str:
    return name if _IDENT.fullmatch(name) else f"\\{name} "


def dump_block(path: Path, scopes: list[str]) -> str:
    """Verilog that dumps only `dut`'s own nets (the netlist's wires: depth 1, not the insides
    of its cell instances) and the ports of the instances `scopes` into `path` while the
    wrapper's `dump_on` is high."""
    lines = [f'        $dumpfile("{path}");', "        $dumpvars(1, dut);"]
    lines += [f"        $dumpvars(1, dut.{_verilog_name(s)});" for s in scopes]
    return ("`ifndef VERILATOR\n    initial begin\n" + "\n".join(lines)
            + "\n        $dumpoff;\n    end\n"
            "    always @(posedge dump_on) $dumpon;\n"
            "    always @(negedge dump_on) $dumpoff;\n`endif\n")


#: gate-level simulators: Verilator counts the activity inside its compiled model
#: (eqchip.power.glcount), Icarus (the reference) streams its VCD into eqchip.power.vcdstream
GATE_SIMULATORS = ("verilator", "icarus")
#: the environment variable that chooses the build's gate-level simulator: verilator, icarus or
#: auto (the default: `choose_simulator`)
SIMULATOR_ENV = "EQCHIP_GATE_SIMULATOR"
#: CPU cost model of `choose_simulator`, measured on this 2-core machine (bench/
#: bench_simspeed.py): Icarus simulates ~1.4e6 cell-cycles per CPU second and compiles in
#: seconds; Verilator's build and run (Verilator, C++ at -O0, the runtime library, the
#: co-simulation test with the monitor) took 25 s for small's 6k cells and 75-90 s for a 20k-cell
#: digits netlist, about 12 s plus 3.5 ms per cell
ICARUS_CELL_CYCLES_PER_S = 1.4e6
VERILATOR_FIXED_S = 12.0
VERILATOR_S_PER_CELL = 3.5e-3


def choose_simulator(cells: int, cycles: int, setting: str | None = None) -> tuple[str, str]:
    """The gate-level simulator for a netlist of `cells` simulated for `cycles` (the training
    step's), and why: `setting` (else $EQCHIP_GATE_SIMULATOR) `verilator` or `icarus` when that
    simulator is installed; `auto` (the default) the one the cost model above says is cheaper,
    among those installed. ToolError for an unknown setting."""
    import shutil

    setting = (setting or os.environ.get(SIMULATOR_ENV) or "auto").strip().lower()
    if setting not in (*GATE_SIMULATORS, "auto"):
        raise ToolError(f"${SIMULATOR_ENV}={setting!r} is no gate-level simulator",
                        hint=f"set it to one of {', '.join(GATE_SIMULATORS)}, auto")
    have = {"verilator": all(shutil.which(t) for t in ("verilator", "make", "g++")),
            "icarus": all(shutil.which(t) for t in ("iverilog", "vvp"))}
    if setting != "auto":
        if have[setting]:
            return setting, f"${SIMULATOR_ENV}={setting}"
        other = next(s for s in GATE_SIMULATORS if s != setting)
        return other, f"{setting} ({SIMULATOR_ENV}) is not installed: {other} instead"
    icarus_s = cells * cycles / ICARUS_CELL_CYCLES_PER_S
    verilator_s = VERILATOR_FIXED_S + VERILATOR_S_PER_CELL * cells
    best = "verilator" if verilator_s < icarus_s else "icarus"
    if not have[best]:
        best = next(s for s in GATE_SIMULATORS if s != best)
    return best, (f"auto: estimated {verilator_s:.0f} s of CPU on Verilator, "
                  f"{icarus_s:.0f} s on Icarus")


def gate_level_activity(loaded: LoadedDesign, netlist: Path, liberty: Path, work: Path,
                        macro_instances: list[str], inference_cycles: int | None,
                        seed: int = 0, timeout_s: float = 3600.0,
                        simulator: str = "verilator") -> GateLevelRun:
    """Run the co-simulation test on `netlist` and measure the activity of the training
    operation and of its first `inference_cycles` cycles, nothing on disk: on Verilator counted
    inside the simulation (`eqchip.power.glcount`), on Icarus from its VCD going into a named
    pipe that `eqchip.power.vcdstream` reads while the simulator writes it. Both measure the
    netlist's own nets and the CLK/CE/WE of `macro_instances` (the MRAM macros): the nets the
    annotation reads (`eqchip.power.propagate`), not the insides of every cell instance."""
    if simulator not in GATE_SIMULATORS:
        raise ToolError(f"unknown gate-level simulator {simulator!r}",
                        hint=f"use one of {', '.join(GATE_SIMULATORS)}")
    work = Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if simulator == "verilator":
        return _verilator_activity(loaded, netlist, liberty, work, macro_instances,
                                   inference_cycles, seed, timeout_s)
    return _icarus_activity(loaded, netlist, liberty, work, macro_instances, inference_cycles,
                            seed, timeout_s)


def _verilator_activity(loaded: LoadedDesign, netlist: Path, liberty: Path, work: Path,
                        macro_instances: list[str], inference_cycles: int | None,
                        seed: int, timeout_s: float) -> GateLevelRun:
    """The netlist with the activity monitor (eqchip.power.glcount) on Verilator."""
    from eqchip.power import glcount
    from eqchip.sim import scenario
    from eqchip.sim.clock import sim_clock
    from eqchip.sim.runner import run_testbench

    top = f"{loaded.arch.name}_top"
    counted = work / "activity.bin"
    counted.unlink(missing_ok=True)
    inst = work / f"{top}_monitored.v"
    # sampled while the test bench's dump_on is high (it rises one edge before busy)
    lay = glcount.instrument(netlist, top, macro_instances, inst,
                             enable=f"{loaded.arch.name}_tb.dump_on")
    cpp = work / "glcount.cpp"
    write_text_atomic(cpp, glcount.counter_cpp(lay, inference_cycles, counted))
    src = _sources(loaded, inst, liberty, work)
    # the monitored nets as variables of the model: read by the monitor, not recomputed in it
    vlt = work / "monitored.vlt"
    write_text_atomic(vlt, src.verilator_config.read_text()
                      + f'public_flat_rd -module "{top}" -var "*"\n')
    src = SimSources(src.toplevel, src.dut_top, src.files, vlt, (cpp,))
    log_path = work / "gatesim.log"
    log_path.write_text("")
    # a `vcd` makes the test bench raise dump_on around the training operation; Verilator
    # writes none (the model is built without tracing)
    cfg = scenario.SimConfig(design=str(loaded.path.resolve()), simulator="verilator",
                             plan=str(_plan(loaded, work, seed)), vcd=str(counted),
                             result=str(work / "result.json"))
    cpu0 = _children_cpu()
    run = run_testbench(src, cfg, work, build_dir=work / "build_verilator", log_path=log_path,
                        timeout_s=timeout_s, what=f"gate-level simulation of {loaded.name}",
                        opt="compile", poller=_reporter(loaded, work))
    cpu = _children_cpu() - cpu0
    _check(run, loaded, log_path)
    t0 = time.thread_time()
    stream = glcount.read_counts(counted, lay, f"{src.toplevel}.dut",
                                 sim_clock(loaded.arch.clock_period_ns).half_ps)
    return GateLevelRun(stream, counted, run.run_seconds, cpu, time.thread_time() - t0,
                        run.build_seconds, "verilator")


def _icarus_activity(loaded: LoadedDesign, netlist: Path, liberty: Path, work: Path,
                     macro_instances: list[str], inference_cycles: int | None,
                     seed: int, timeout_s: float) -> GateLevelRun:
    """The netlist on Icarus, its VCD streamed through a named pipe (the reference)."""
    from eqchip.sim import scenario
    from eqchip.sim.runner import run_testbench

    pipe = work / "gate_step.vcd.fifo"
    pipe.unlink(missing_ok=True)
    os.mkfifo(pipe)
    try:
        block = dump_block(pipe, macro_instances)

        def wrapper(text: str) -> str:
            if not _DUMP_BLOCK.search(text):
                raise ToolError("the co-simulation wrapper (eqchip.sim.sources) has no "
                                "`ifdef EQCHIP_VCD block to replace")
            return _DUMP_BLOCK.sub(lambda _: block, text, count=1)

        src = _sources(loaded, netlist, liberty, work, wrapper)
        log_path = work / "gatesim.log"
        log_path.write_text("")
        cfg = scenario.SimConfig(design=str(loaded.path.resolve()), simulator="icarus",
                                 plan=str(_plan(loaded, work, seed)), vcd=str(pipe),
                                 result=str(work / "result.json"))
        reader = _PipeReader(pipe, inference_cycles)
        reader.start()
        cpu0 = _children_cpu()
        try:
            run = run_testbench(src, cfg, work, build_dir=work / "build_gl",
                                log_path=log_path, timeout_s=timeout_s,
                                what=f"gate-level simulation of {loaded.name}",
                                poller=_reporter(loaded, work))
        finally:
            reader.finish()
        cpu = _children_cpu() - cpu0
        _check(run, loaded, log_path)
        if reader.error is not None:
            raise reader.error
        assert reader.result is not None
        return GateLevelRun(reader.result, pipe, run.run_seconds, cpu, reader.cpu_seconds,
                            run.build_seconds, "icarus")
    finally:
        pipe.unlink(missing_ok=True)


def _reporter(loaded: LoadedDesign, work: Path):  # noqa: ANN202 - eqchip.sim.progress.Poller
    """The test bench's progress reporter, writing the simulated time into work/progress
    while the simulation runs (what `eqchip build` shows: eqchip.buildwatch)."""
    from eqchip.sim.clock import sim_clock
    from eqchip.sim.progress import Poller

    return Poller(work / "progress", sim_clock(loaded.arch.clock_period_ns).period_ps, 0, 0,
                  lambda _p: None)


def _children_cpu() -> float:
    """User + system CPU seconds of this process's finished child processes."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


class _PipeReader(threading.Thread):
    """Reads the VCD from the pipe as the simulator writes it (the simulator blocks while the
    pipe is full: memory stays bounded). On an error it keeps draining the pipe so that the
    simulator is never left blocked."""

    def __init__(self, pipe: Path, inference_cycles: int | None) -> None:
        super().__init__(name="vcd-pipe-reader", daemon=True)
        self.pipe = pipe
        self.inference_cycles = inference_cycles
        self.result: StreamActivity | None = None
        self.error: EqchipError | None = None
        self.cpu_seconds = 0.0

    def run(self) -> None:
        t0 = time.thread_time()
        with open(self.pipe, "rb") as fh:
            try:
                self.result = stream_activity(fh, self.pipe, self.inference_cycles)
            except EqchipError as exc:
                self.error = exc
            except Exception as exc:  # noqa: BLE001 - reported as the simulation's error
                self.error = ToolError(f"reading the gate-level VCD failed: {exc!r}")
            finally:
                while fh.read(1 << 20):
                    pass
        self.cpu_seconds = time.thread_time() - t0

    def finish(self) -> None:
        """After the simulator ended: if it never opened the pipe, open it for writing once
        so that the reader sees an empty stream and ends; then wait for the reader."""
        while self.is_alive():
            try:
                os.close(os.open(self.pipe, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass                    # the reader is not (yet) waiting in open(): retry
            self.join(0.2)
        if self.result is None and self.error is None:
            self.error = ToolError(f"the gate-level simulation wrote no VCD into {self.pipe}")
