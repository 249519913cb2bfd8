"""Gate-level activity counted inside Verilator (eqchip.power.glcount) against the VCD readers
on Icarus (the reference): the same windows, toggles, duty and MRAM accesses, value for value;
and the choice of the gate-level simulator."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from eqchip.errors import ToolError
from eqchip.power.activity import from_activity, leading_activity, step_activity

needs_both = pytest.mark.skipif(
    shutil.which("iverilog") is None or shutil.which("verilator") is None,
    reason="needs Icarus Verilog and Verilator")

# a netlist-like DUT (one declaration per line, as Yosys writes them) with the accelerator's
# top-level ports: operations of `len` cycles, a counter, a vector register, an escaped name
# and a macro with CE/WE; busy rises and falls at clock edges
DUT = r"""
module mem(input CLK, input CE, input WE, input [3:0] ADDR, input [7:0] DIN,
           output reg [7:0] DOUT);
  initial DOUT = 8'h00;
  always @(posedge CLK) if (CE && !WE) DOUT <= DIN ^ {4'b0, ADDR};
endmodule
module acc_top(clk, rst_n, host_addr, host_wr, host_rd, host_wdata, busy, done);
  input clk;
  input rst_n;
  input [31:0] host_addr;
  input host_wr;
  input host_rd;
  input [31:0] host_wdata;
  output busy;
  output done;
  reg busy;
  reg done;
  reg [7:0] n;
  reg [7:0] len;
  reg [15:0] \u_acc/acc ;
  wire [7:0] dout;
  wire ce;
  wire we;
  assign ce = busy & n[0];
  assign we = busy & (n[2:0] == 3'd5);
  mem \u_bank/u_macro0  (.CLK(clk), .CE(ce), .WE(we), .ADDR(n[3:0]), .DIN(\u_acc/acc [7:0]),
                         .DOUT(dout));
  always @(posedge clk)
    if (!rst_n) begin busy <= 0; done <= 0; n <= 0; \u_acc/acc  <= 0; len <= 0; end
    else if (host_wr && !busy) begin busy <= 1; done <= 0; n <= 0; len <= host_wdata[7:0]; end
    else if (busy) begin
      n <= n + 1; \u_acc/acc  <= \u_acc/acc  + {dout, n} + 16'h35;
      if (n == len - 1) begin busy <= 0; done <= 1; end
    end
endmodule
"""

TB = """
`timescale 1ns/1ps
module tb;
  reg clk = 0, rst_n = 0, wr = 0; reg [31:0] wdata = 0; wire busy, done;
  acc_top dut(.clk(clk), .rst_n(rst_n), .host_addr(32'd0), .host_wr(wr), .host_rd(1'b0),
              .host_wdata(wdata), .busy(busy), .done(done));
  always #5 clk = ~clk;
  task op(input [7:0] n); begin
    @(negedge clk); wr = 1; wdata = n; @(negedge clk); wr = 0;
    wait (done); repeat (3) @(negedge clk);
  end endtask
  initial begin
`ifndef VERILATOR
    $dumpfile("acc.vcd"); $dumpvars(0, tb);
`endif
    repeat (2) @(negedge clk); rst_n = 1;
    op(17); op(LONG); op(9); op(LONG);
    $finish;
  end
endmodule
"""


def _icarus(tmp: Path, long: int) -> Path:
    (tmp / "dut.v").write_text(DUT)
    (tmp / "tb.v").write_text(TB.replace("LONG", str(long)))
    subprocess.run(["iverilog", "-g2012", "-o", "sim.vvp", "-s", "tb", "dut.v", "tb.v"],
                   cwd=tmp, check=True, capture_output=True)
    subprocess.run(["vvp", "-n", "sim.vvp"], cwd=tmp, check=True, capture_output=True)
    return tmp / "acc.vcd"


def _verilator(tmp: Path, long: int, inference: int):  # noqa: ANN202 - StreamActivity
    from eqchip.power import glcount

    (tmp / "dut.v").write_text(DUT)
    (tmp / "tb.v").write_text(TB.replace("LONG", str(long)))
    lay = glcount.instrument(tmp / "dut.v", "acc_top", ["u_bank/u_macro0"], tmp / "dut_mon.v")
    out = tmp / "counts.bin"
    (tmp / "glcount.cpp").write_text(glcount.counter_cpp(lay, inference, out))
    subprocess.run(["verilator", "--binary", "--timing", "-Wno-fatal", "--timescale", "1ns/1ps",
                    "--top-module", "tb", "-Mdir", "obj", "-o", "sim", "tb.v", "dut_mon.v",
                    "glcount.cpp", "-CFLAGS", "-O0"],
                   cwd=tmp, check=True, capture_output=True)
    subprocess.run(["obj/sim"], cwd=tmp, check=True, capture_output=True)
    return glcount.read_counts(out, lay, "tb.dut", 5000)


def _same(a, b) -> None:  # noqa: ANN001 - two Activity records, b read from a VCD
    assert a.window == b.window
    assert [(m.scope, m.reads, m.writes) for m in a.macros] == [
        (m.scope, m.reads, m.writes) for m in b.macros]
    assert set(a.toggles) == {k for k in b.toggles
                              if k[0].startswith("tb.dut.") and "u_macro0" not in k[0]}
    assert a.toggles == {k: v for k, v in b.toggles.items() if k in a.toggles}
    assert a.duty == {k: v for k, v in b.duty.items() if k in a.duty}


@needs_both
def test_counted_activity_equals_the_vcd_reader(tmp_path):
    """Four operations (17, 40, 9, 40 cycles): the longest, the first of two equals, and its
    first 13 cycles, counted inside Verilator = read from Icarus' VCD, bit for bit."""
    (tmp_path / "i").mkdir()
    (tmp_path / "v").mkdir()
    vcd = _icarus(tmp_path / "i", 40)
    sa = step_activity(vcd)
    inf = leading_activity(sa, 13)
    st = _verilator(tmp_path / "v", 40, 13)
    assert st.n_windows == sa.n_windows == 4
    assert st.step.window.cycles == 40 and st.step.window == sa.activity.window
    assert st.step.mram_reads > 0 and st.step.mram_writes > 0
    _same(st.step, sa.activity)
    _same(st.inference, inf.activity)
    # the netlist's names: an escaped vector bit as the annotation reads it
    rates = from_activity(vcd, st.scope, st.step, st.n_windows).rates
    assert rates == {k: v for k, v in sa.rates.items() if k in rates}
    assert rates[("u_acc.acc", 0)][0] > 0
    assert st.step.toggles[("tb.dut.n", 0)] == 40


@needs_both
def test_an_inference_longer_than_the_operation_gives_none(tmp_path):
    st = _verilator(tmp_path, 17, 18)
    assert st.step.window.cycles == 17 and st.inference is None


def test_the_declared_nets_of_a_netlist():
    from eqchip.power.glcount import top_nets

    nets, _, _ = top_nets(DUT, "acc_top")
    names = [(n.name, n.width, n.vector) for n in nets]
    assert names[:3] == [("clk", 1, False), ("rst_n", 1, False), ("host_addr", 32, True)]
    assert ("u_acc/acc", 16, True) in names and ("busy", 1, False) in names
    assert len(names) == len({n for n, _, _ in names})       # a port declared again counts once
    with pytest.raises(ToolError, match="no module nope"):
        top_nets(DUT, "nope")


def test_choice_of_the_gate_level_simulator(monkeypatch):
    """auto: Icarus for small x short (compiling costs more than simulating), Verilator for a
    digits-sized step; an explicit setting wins; an unknown one is a clear error."""
    from eqchip.power.gatesim import SIMULATOR_ENV, choose_simulator

    if shutil.which("verilator") is None or shutil.which("iverilog") is None:
        pytest.skip("needs Icarus Verilog and Verilator")
    monkeypatch.delenv(SIMULATOR_ENV, raising=False)
    assert choose_simulator(6000, 252)[0] == "icarus"
    sim, why = choose_simulator(30000, 17000)
    assert sim == "verilator" and "auto" in why
    monkeypatch.setenv(SIMULATOR_ENV, "icarus")
    assert choose_simulator(30000, 17000)[0] == "icarus"
    monkeypatch.setenv(SIMULATOR_ENV, "modelsim")
    with pytest.raises(ToolError, match="EQCHIP_GATE_SIMULATOR"):
        choose_simulator(10, 10)


LIB = "sky130A/libs.ref/sky130_fd_sc_hd/lib/sky130_fd_sc_hd__tt_025C_1v80.lib"


@pytest.mark.slow
@needs_both
def test_verilator_equals_icarus_on_small(small_build, pdk_root, tmp_path):
    """small's synthesized netlist (the session's build) on both gate-level simulators: the
    same windows, MRAM accesses and activity of every net, so the same annotation."""
    from eqchip.asic.state import read_state
    from eqchip.config import load_design
    from eqchip.macros.spec import macro_for
    from eqchip.power.gatesim import gate_level_activity
    from eqchip.power.liberty import read_liberty
    from eqchip.power.netlist import load_netlist
    from eqchip.power.propagate import annotate

    loaded = load_design(Path(__file__).resolve().parent.parent / "designs" / "small.yaml")
    lib = pdk_root / LIB
    netlist = read_state(small_build).views.netlist
    nl = load_netlist(netlist, "small_top", [lib])
    spec = macro_for(loaded.arch, loaded.tech)
    macros = sorted(c.name for c in nl.cells if c.type == spec.name)
    runs = {sim: gate_level_activity(loaded, netlist, lib, tmp_path / sim, macros, 50,
                                     simulator=sim) for sim in ("verilator", "icarus")}
    v, i = runs["verilator"].stream, runs["icarus"].stream
    assert runs["verilator"].simulator == "verilator" and v.n_windows == i.n_windows == 1
    for a, b in ((v.step, i.step), (v.inference, i.inference)):
        assert a.window == b.window
        assert [(m.reads, m.writes) for m in a.macros] == [(m.reads, m.writes) for m in b.macros]
        assert a.toggles == {k: n for k, n in b.toggles.items() if k in a.toggles}
        assert a.duty == {k: d for k, d in b.duty.items() if k in a.duty}
    # every net of the netlist Icarus dumped is counted
    inside = tuple(m.scope + "." for m in i.step.macros)      # the macros' own ports
    assert set(v.step.toggles) == {k for k in i.step.toggles if not k[0].startswith(inside)}
    liberty = read_liberty(lib)
    gv = from_activity(runs["verilator"].pipe, v.scope, v.step, 1)
    gi = from_activity(runs["icarus"].pipe, i.scope, i.step, 1)
    a, b = annotate(nl, liberty, gv.rates, "clk"), annotate(nl, liberty, gi.rates, "clk")
    assert a.bits == b.bits and a.pins == b.pins
