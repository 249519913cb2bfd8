"""The streaming VCD reader (eqchip.power.vcdstream) against the file reader it replaces for
gate-level simulations (eqchip.power.activity / vcd): the same windows, toggles, duty and MRAM
accesses, value for value, on VCDs that Icarus writes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from eqchip.power.activity import from_activity, leading_activity, step_activity
from eqchip.power.vcdstream import stream_activity

needs_iverilog = pytest.mark.skipif(shutil.which("iverilog") is None, reason="needs iverilog")

# a DUT with the accelerator's top-level ports: operations of `len` cycles (host_wdata), a
# counter, a vector register and a macro with CE/WE; busy rises and falls at clock edges
DUT = """
module mem(input CLK, input CE, input WE, input [3:0] ADDR, input [7:0] DIN,
           output reg [7:0] DOUT);
  always @(posedge CLK) if (CE && !WE) DOUT <= DIN ^ {4'b0, ADDR};
endmodule
module acc_top(input clk, input rst_n, input [31:0] host_addr, input host_wr, input host_rd,
               input [31:0] host_wdata, output reg busy, output reg done);
  reg [7:0] n, len; reg [15:0] acc; wire [7:0] dout;
  wire ce = busy & n[0], we = busy & (n[2:0] == 3'd5);
  mem u_macro0 (.CLK(clk), .CE(ce), .WE(we), .ADDR(n[3:0]), .DIN(acc[7:0]), .DOUT(dout));
  always @(posedge clk)
    if (!rst_n) begin busy <= 0; done <= 0; n <= 0; acc <= 0; len <= 0; end
    else if (host_wr && !busy) begin busy <= 1; done <= 0; n <= 0; len <= host_wdata[7:0]; end
    else if (busy) begin
      n <= n + 1; acc <= acc + {dout, n} + 16'h35;
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
    $dumpfile("acc.vcd"); $dumpvars(0, tb);
    repeat (2) @(negedge clk); rst_n = 1;
    op(17); op(LONG); op(9);
    $finish;
  end
endmodule
"""


def _vcd(tmp: Path, long: int = 40) -> Path:
    (tmp / "dut.v").write_text(DUT)
    (tmp / "tb.v").write_text(TB.replace("LONG", str(long)))
    subprocess.run(["iverilog", "-g2012", "-o", "sim.vvp", "-s", "tb", "dut.v", "tb.v"],
                   cwd=tmp, check=True, capture_output=True)
    subprocess.run(["vvp", "-n", "sim.vvp"], cwd=tmp, check=True, capture_output=True)
    return tmp / "acc.vcd"


def _same(a, b) -> None:  # noqa: ANN001 - two Activity records
    assert a.window == b.window
    assert [(m.scope, m.reads, m.writes) for m in a.macros] == [
        (m.scope, m.reads, m.writes) for m in b.macros]
    assert a.toggles == {k: v for k, v in b.toggles.items() if k in a.toggles}
    assert a.duty == {k: v for k, v in b.duty.items() if k in a.duty}


@needs_iverilog
@pytest.mark.parametrize("chunk", [1 << 24, 64, 1000])
def test_stream_equals_the_file_reader(tmp_path, chunk):
    """Longest operation and its first 13 cycles, whatever the chunking of the stream."""
    vcd = _vcd(tmp_path)
    sa = step_activity(vcd)
    inf = leading_activity(sa, 13)
    with open(vcd, "rb") as fh:
        st = stream_activity(fh, vcd, 13, chunk_bytes=chunk)
    assert st.n_windows == sa.n_windows == 3
    assert st.step.window.cycles == 40 and st.inference.window.cycles == 13
    assert st.step.mram_reads > 0 and st.step.mram_writes > 0
    assert set(st.step.toggles) == {k for k in sa.activity.toggles
                                    if k[0].startswith("tb.dut.")}
    _same(st.step, sa.activity)
    _same(st.inference, inf.activity)
    assert from_activity(vcd, st.scope, st.step, st.n_windows).rates == sa.rates
    # a counter bit toggles, a constant does not; the duty is a fraction of the window
    assert st.step.toggles[("tb.dut.n", 0)] == 40
    assert st.step.toggles[("tb.dut.host_addr", 3)] == 0
    assert 0.0 < st.step.duty[("tb.dut.busy", 0)] <= 1.0


@needs_iverilog
def test_longest_operation_first_of_equals_and_short_inference(tmp_path):
    """Two operations of equal length: the first is taken (like `max`); an inference window
    longer than the operation gives none."""
    vcd = _vcd(tmp_path, long=17)
    sa = step_activity(vcd)
    with open(vcd, "rb") as fh:
        st = stream_activity(fh, vcd, 18)
    assert st.step.window == sa.activity.window and st.step.window.cycles == 17
    assert st.inference is None
    _same(st.step, sa.activity)


def test_a_pipe_nobody_writes_ends_with_an_error(tmp_path):
    """The simulator never opened the pipe (it died first): the reader is released and
    reports it, instead of waiting forever."""
    from eqchip.power.gatesim import _PipeReader

    pipe = tmp_path / "v.fifo"
    os.mkfifo(pipe)
    r = _PipeReader(pipe, None)
    r.start()
    r.finish()
    assert not r.is_alive() and r.result is None
    assert "no $enddefinitions" in r.error.message


LIB = "sky130A/libs.ref/sky130_fd_sc_hd/lib/sky130_fd_sc_hd__tt_025C_1v80.lib"


@pytest.mark.slow
@needs_iverilog
def test_gate_level_stream_equals_the_full_vcd(small_build, pdk_root, tmp_path):
    """small's netlist simulated twice: today's VCD of every signal on disk, read by
    step_activity / leading_activity, and the streamed run that dumps only the netlist's nets:
    the same windows, MRAM accesses and activity of every net, so the same annotation."""
    from eqchip.asic.state import read_state
    from eqchip.config import load_design
    from eqchip.macros.spec import macro_for
    from eqchip.power.gatesim import gate_level_activity, gate_level_vcd
    from eqchip.power.liberty import read_liberty
    from eqchip.power.netlist import load_netlist
    from eqchip.power.propagate import annotate

    loaded = load_design(Path(__file__).resolve().parent.parent / "designs" / "small.yaml")
    lib = pdk_root / LIB
    netlist = read_state(small_build).views.netlist
    nl = load_netlist(netlist, "small_top", [lib])
    spec = macro_for(loaded.arch, loaded.tech)
    macros = sorted(c.name for c in nl.cells if c.type == spec.name)
    assert macros
    vcd = gate_level_vcd(loaded, netlist, lib, tmp_path / "file")
    sa = step_activity(vcd)      # (the inference window is compared on the small VCDs above)
    run = gate_level_activity(loaded, netlist, lib, tmp_path / "stream", macros, 50,
                              simulator="icarus")
    st = run.stream
    assert not run.pipe.exists() and run.sim_seconds > 0
    assert st.bytes_read < vcd.stat().st_size / 3       # the cell instances' insides left out
    assert st.inference is not None and st.inference.window.cycles == 50
    _same(st.step, sa.activity)
    gsa = from_activity(run.pipe, st.scope, st.step, st.n_windows)
    assert gsa.rates == {k: v for k, v in sa.rates.items() if k in gsa.rates}
    liberty = read_liberty(lib)
    a, b = annotate(nl, liberty, gsa.rates, "clk"), annotate(nl, liberty, sa.rates, "clk")
    assert a.bits == b.bits and a.pins == b.pins
    assert a.origin_counts().get("sim", 0) >= 0.99 * sum(a.origin_counts().values())
