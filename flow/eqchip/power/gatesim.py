"""Gate-level simulation of the synthesized netlist with the co-simulation's own testbench.

Yosys turns the Liberty cells into simulatable Verilog (`read_liberty` keeps each cell's
`function` and `ff` groups); Icarus runs the netlist, these cell models and the behavioural MRAM
model under the same cocotb test (`eqchip.sim.tb_accel`) that checks the RTL against the golden
model, so the gate-level run is checked bit for bit too. The VCD of its first training
operation gives the zero-delay toggle rate of every net of the netlist: the reference the
RTL-plus-propagation estimate (`eqchip.power.propagate`) is compared with.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from eqchip.config import LoadedDesign
from eqchip.errors import ToolError

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


def gate_level_vcd(loaded: LoadedDesign, netlist: Path, liberty: Path, work: Path,
                   seed: int = 0, timeout_s: float = 3600.0) -> Path:
    """Run the co-simulation test on `netlist` (Icarus) and return the VCD of its first
    training operation (the same operation `eqchip sim --vcd` dumps for the RTL)."""
    from eqchip.sim import scenario
    from eqchip.sim.runner import run_testbench
    from eqchip.sim.sources import SimSources, write_sources

    work = Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    arch = loaded.arch
    cells = cell_models(liberty, work / "cells.v")
    # the co-simulation's own wrapper and MRAM model; the netlist replaces the rendered RTL
    rtl = write_sources(loaded, work / "cosim")
    render_dir = work / "cosim" / "render"
    extra = tuple(f for f in rtl.files if not f.resolve().is_relative_to(render_dir))
    src = SimSources(toplevel=rtl.toplevel, dut_top=rtl.dut_top,
                     files=(Path(netlist).resolve(), cells, *extra),
                     verilator_config=rtl.verilator_config)
    log_path = work / "gatesim.log"
    log_path.write_text("")
    vcd = work / "gate_step.vcd"
    plan = work / "plan.npz"
    params = scenario.initial_params(arch, seed, "random", None)
    scenario.write_plan(plan, arch, params,
                        scenario.operations(loaded, 1, seed, inference_only=False))
    cfg = scenario.SimConfig(design=str(loaded.path.resolve()), simulator="icarus",
                             plan=str(plan), vcd=str(vcd), result=str(work / "result.json"))
    run = run_testbench(src, cfg, work, build_dir=work / "build", log_path=log_path, dump=vcd,
                        timeout_s=timeout_s, what=f"gate-level simulation of {loaded.name}")
    if run.result.get("mismatch"):
        raise ToolError(f"gate-level netlist of {loaded.name} differs from the golden model: "
                        f"{run.result['mismatch']}", hint=f"see {log_path}")
    if not vcd.is_file():
        raise ToolError(f"gate-level simulation wrote no VCD (log {log_path})")
    return vcd
