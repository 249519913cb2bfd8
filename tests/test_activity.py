"""Switching activity: VCD toggles, MRAM access counting, Liberty functions, propagation and
OpenSTA annotation, on small circuits simulated and synthesized by the real tools."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eqchip.power.liberty import compile_function, read_liberty
from eqchip.power.netlist import Cell, Netlist
from eqchip.power.propagate import SIM, annotate
from eqchip.power.vcd import busy_windows, count, macro_scopes, read_header, values_at

needs_iverilog = pytest.mark.skipif(shutil.which("iverilog") is None, reason="needs iverilog")

COUNTER = """
module cnt(input clk, input rst_n, input en, output reg [3:0] q, output busy);
  assign busy = en;
  always @(posedge clk) if (!rst_n) q <= 0; else if (en) q <= q + 1;
endmodule
"""

TB = """
`timescale 1ns/1ps
module tb;
  reg clk = 0, rst_n = 0, en = 0;
  wire [3:0] q; wire busy;
  cnt dut(.clk(clk), .rst_n(rst_n), .en(en), .q(q), .busy(busy));
  always #5 clk = ~clk;
  initial begin
    $dumpfile("cnt.vcd"); $dumpvars(0, tb);
    @(negedge clk); rst_n = 1; @(negedge clk); en = 1;
    repeat (NCYC) @(negedge clk);
    en = 0; repeat (3) @(negedge clk); $finish;
  end
endmodule
"""


def _sim(tmp: Path, files: dict[str, str], top: str = "tb") -> Path:
    for name, text in files.items():
        (tmp / name).write_text(text)
    subprocess.run(["iverilog", "-g2012", "-o", "sim.vvp", "-s", top, *files], cwd=tmp,
                   check=True, capture_output=True)
    subprocess.run(["vvp", "-n", "sim.vvp"], cwd=tmp, check=True, capture_output=True)
    return tmp


@needs_iverilog
def test_counter_toggles_duty_and_cycles(tmp_path):
    n = 32
    _sim(tmp_path, {"cnt.v": COUNTER, "tb.v": TB.replace("NCYC", str(n))})
    vcd = tmp_path / "cnt.vcd"
    hdr = read_header(vcd)
    wins = busy_windows(vcd, hdr, "tb.dut.clk", "tb.dut.busy")
    assert len(wins) == 1 and wins[0].cycles == n
    act = count(vcd, hdr, wins[0])
    # a binary counter: bit k toggles n / 2^k times, high half the time
    for k in range(4):
        assert act.toggles[("tb.dut.q", k)] == n >> k
        assert act.rate(("tb.dut.q", k)) == pytest.approx(1.0 / (1 << k))
        assert act.duty[("tb.dut.q", k)] == pytest.approx(0.5, abs=0.07)
    assert act.toggles[("tb.dut.clk", 0)] == 2 * n


# an operation like the accelerator's: busy rises and falls at rising clock edges
OP = """
module op(input clk, input start, output reg busy, output reg [7:0] n);
  initial begin busy = 0; n = 0; end
  always @(posedge clk)
    if (start) begin busy <= 1; n <= 0; end
    else if (busy) begin n <= n + 1; if (n == NCYC - 1) busy <= 0; end
endmodule
"""

OP_TB = """
`timescale 1ns/1ps
module tb;
  reg clk = 0, start = 0; wire busy; wire [7:0] n;
  op dut(.clk(clk), .start(start), .busy(busy), .n(n));
  always #5 clk = ~clk;
  initial begin
    $dumpfile("op.vcd"); $dumpvars(0, tb);
    repeat (2) @(negedge clk); start = 1; @(negedge clk); start = 0;
    repeat (NCYC + 3) @(negedge clk); $finish;
  end
endmodule
"""


@needs_iverilog
def test_values_at_every_rising_edge(tmp_path):
    """values_at_edges: one snapshot per rising clock edge, with the registers the edge wrote,
    the same as values_at at each edge's time."""
    from eqchip.power.vcd import rising_edges, values_at_edges

    n = 9
    _sim(tmp_path, {"cnt.v": COUNTER, "tb.v": TB.replace("NCYC", str(n))})
    vcd = tmp_path / "cnt.vcd"
    hdr = read_header(vcd)
    paths = ["tb.dut.q", "tb.dut.busy"]
    snaps = values_at_edges(vcd, hdr, "tb.dut.clk", paths)
    edges = rising_edges(vcd, hdr, "tb.dut.clk", -1, 10**15)
    assert len(snaps) == len(edges) == n + 5
    assert snaps == [values_at(vcd, hdr, paths, t) for t in edges]
    assert [s["tb.dut.q"] for s in snaps][-1] == n       # the counter stepped once per en cycle


@needs_iverilog
def test_a_window_needs_the_edge_where_busy_falls(tmp_path):
    """`eqchip sim --vcd` cuts from busy's rise to one cycle after its fall: the reader sees
    the whole operation; a cut at the falling edge itself holds no complete operation."""
    from eqchip.sim.vcd import window_vcd

    n, period = 12, 10_000
    _sim(tmp_path, {"op.v": OP.replace("NCYC", str(n)), "tb.v": OP_TB.replace("NCYC", str(n))})
    full = tmp_path / "op.vcd"
    (w,) = busy_windows(full, read_header(full), "tb.dut.clk", "tb.dut.busy")
    assert (w.cycles, w.end - w.start) == (n, n * period)
    one_more = tmp_path / "one_more.vcd"
    window_vcd(full, one_more, "tb", w.start, w.end + period)
    hdr = read_header(one_more)
    assert busy_windows(one_more, hdr, "tb.dut.clk", "tb.dut.busy") == [w]
    assert values_at(one_more, hdr, ["tb.dut.n", "tb.dut.busy"], w.end) == {
        "tb.dut.n": n, "tb.dut.busy": 0}
    cut = tmp_path / "cut.vcd"
    window_vcd(full, cut, "tb", w.start, w.end)
    assert busy_windows(cut, read_header(cut), "tb.dut.clk", "tb.dut.busy") == []


MACRO_TB = """
`timescale 1ns/1ps
module tb;
  reg clk = 0, busy = 0, ce = 0, we = 0; reg [ADDRW-1:0] addr = 0; reg [BITS-1:0] din = 0;
  wire [BITS-1:0] dout;
  MACRO u_macro0 (.CLK(clk), .CE(ce), .WE(we), .ADDR(addr), .DIN(din), .DOUT(dout));
  always #5 clk = ~clk;
  integer i;
  initial begin
    $dumpfile("m.vcd"); $dumpvars(0, tb);
    @(negedge clk); ce = 1; we = 1;                     // outside busy: not counted
    @(negedge clk); ce = 0; we = 0; busy = 1;
    for (i = 0; i < 7; i = i + 1) begin                 // 7 reads, 3 writes, 2 idle cycles
      @(negedge clk); ce = 1; we = (i % 2 == 1); addr = i; din = i;
    end
    @(negedge clk); ce = 0; we = 0;
    @(negedge clk); @(negedge clk); busy = 0;
    @(negedge clk); ce = 1; @(negedge clk); ce = 0;   // after busy: not counted
    repeat (2) @(negedge clk); $finish;
  end
endmodule
"""


@needs_iverilog
def test_mram_accesses_counted_at_clock_edges(tmp_path, designs_dir):
    from eqchip.config import load_design
    from eqchip.macros.spec import macro_for
    from eqchip.macros.verilog import behavioural_verilog

    loaded = load_design(designs_dir / "small.yaml")
    spec = macro_for(loaded.arch, loaded.tech)
    tb = (MACRO_TB.replace("MACRO", spec.name).replace("ADDRW", str(spec.addr_bits))
          .replace("BITS", str(spec.bits)))
    _sim(tmp_path, {"macro.v": behavioural_verilog(spec), "tb.v": tb})
    vcd = tmp_path / "m.vcd"
    hdr = read_header(vcd)
    scopes = macro_scopes(hdr, "tb")
    assert scopes == ["tb.u_macro0"]
    win = busy_windows(vcd, hdr, "tb.clk", "tb.busy")[0]
    act = count(vcd, hdr, win, scopes)
    assert (act.mram_reads, act.mram_writes) == (4, 3)


LIB = "sky130A/libs.ref/sky130_fd_sc_hd/lib/sky130_fd_sc_hd__tt_025C_1v80.lib"


@pytest.fixture(scope="module")
def sky130_lib(pdk_root):
    return read_liberty(pdk_root / LIB)


@pytest.mark.parametrize("cell,pin,ref", [
    ("sky130_fd_sc_hd__a21oi_1", "Y", lambda v: 1 - ((v["A1"] & v["A2"]) | v["B1"])),
    ("sky130_fd_sc_hd__xor2_1", "X", lambda v: v["A"] ^ v["B"]),
    ("sky130_fd_sc_hd__mux2_1", "X", lambda v: v["A1"] if v["S"] else v["A0"]),
    ("sky130_fd_sc_hd__o311a_1", "X", lambda v: (v["A1"] | v["A2"] | v["A3"]) & v["B1"]
     & v["C1"]),
])
def test_liberty_functions_match_the_cell_logic(sky130_lib, cell, pin, ref):
    fn, names = compile_function(sky130_lib[cell].outputs[pin])
    for code in range(1 << len(names)):
        v = {n: (code >> k) & 1 for k, n in enumerate(names)}
        assert fn(v) == ref(v), (cell, v)


def _one_cell_netlist(cell: str, pins: dict[str, int | str], out: str) -> Netlist:
    conns = {p: [b] for p, b in pins.items()}
    dirs = {p: ("output" if p == out else "input") for p in pins}
    names = {b: [(f"n{b}", 0)] for b in pins.values() if isinstance(b, int)}
    return Netlist("t", [Cell("u0", cell, dirs, conns)], {}, names)


@pytest.mark.parametrize("cell,out,dens,duty,want_d,want_p", [
    # inverter: same toggles, complement probability
    ("sky130_fd_sc_hd__inv_1", "Y", {"A": 0.3}, {"A": 0.2}, 0.3, 0.8),
    # AND: y toggles when an input toggles while the other is 1: 0.5*0.2 + 0.5*0.2
    ("sky130_fd_sc_hd__and2_1", "X", {"A": 0.2, "B": 0.2}, {"A": 0.5, "B": 0.5}, 0.2, 0.25),
    # XOR: every input toggle toggles y
    ("sky130_fd_sc_hd__xor2_1", "X", {"A": 0.3, "B": 0.4}, {"A": 0.5, "B": 0.5}, 0.7, 0.5),
    # capped at one toggle per cycle (zero-delay model)
    ("sky130_fd_sc_hd__xor2_1", "X", {"A": 0.9, "B": 0.9}, {"A": 0.5, "B": 0.5}, 1.0, 0.5),
])
def test_propagation_through_one_gate(sky130_lib, cell, out, dens, duty, want_d, want_p):
    pins: dict[str, int | str] = {p: k + 2 for k, p in enumerate(dens)}
    pins[out] = 1
    nl = _one_cell_netlist(cell, pins, out)
    sim = {(f"n{pins[p]}", 0): (dens[p], duty[p]) for p in dens}
    ann = annotate(nl, sky130_lib, sim, "clk")
    y = ann.bits[1]
    assert y.density == pytest.approx(want_d)
    assert y.duty == pytest.approx(want_p)
    assert all(ann.bits[pins[p]].origin == SIM for p in dens)


@pytest.mark.parametrize("enable", [0.0, 0.25, 1.0])
def test_clock_gate_passes_clock_pulses_only_while_enabled(sky130_lib, enable):
    """sky130 integrated clock gate (dlclkp): GCLK pulses in the cycles whose latched GATE is
    1, i.e. 2 x P(GATE) toggles per cycle, high half of such a cycle."""
    nl = Netlist("t", [Cell("icg", "sky130_fd_sc_hd__dlclkp_1",
                            {"CLK": "input", "GATE": "input", "GCLK": "output"},
                            {"CLK": [2], "GATE": [3], "GCLK": [1]})],
                 {"clk": ("input", [2])}, {3: [("en", 0)], 1: [("gclk", 0)]})
    ann = annotate(nl, sky130_lib, {("en", 0): (0.1, enable)}, "clk")
    assert ann.bits[1].density == pytest.approx(2.0 * enable)
    assert ann.bits[1].duty == pytest.approx(0.5 * enable)


SYNTH = r"""
import sys
from pyosys import libyosys as ys
lib, src, out = sys.argv[1:4]
d = ys.Design()
for c in [f"read_verilog {src}", "synth -top cnt -flatten", f"dfflibmap -liberty {lib}",
          f"abc -liberty {lib}", "opt_clean -purge", f"write_verilog -noattr -noexpr {out}"]:
    ys.run_pass(c, d)
"""


@pytest.mark.slow
@needs_iverilog
@pytest.mark.skipif(shutil.which("sta") is None, reason="needs OpenSTA (sta)")
def test_annotated_power_follows_the_simulated_activity(tmp_path, pdk_root, sky130_lib):
    from eqchip.power.netlist import load_netlist
    from eqchip.power.power import run_power

    lib = pdk_root / LIB
    _sim(tmp_path, {"cnt.v": COUNTER, "tb.v": TB.replace("NCYC", "64")})
    subprocess.run([sys.executable, "-c", SYNTH, str(lib), "cnt.v", "cnt.vg"], cwd=tmp_path,
                   check=True, capture_output=True)
    nl = load_netlist(tmp_path / "cnt.vg", "cnt", [lib])
    vcd = tmp_path / "cnt.vcd"
    hdr = read_header(vcd)
    act = count(vcd, hdr, busy_windows(vcd, hdr, "tb.dut.clk", "tb.dut.busy")[0])
    rates = {(p[len("tb.dut."):], i): (act.rate((p, i)), act.duty[(p, i)])
             for (p, i) in act.toggles if p.startswith("tb.dut.")}
    ann = annotate(nl, sky130_lib, rates, "clk")
    flops = [c for c in nl.cells if sky130_lib[c.type].sequential]
    assert len(flops) == 4 and not ann.unmatched_flops      # q[3:0] keep their names
    run = run_power(tmp_path / "sta", tmp_path / "cnt.vg", "cnt", [lib], 10.0, "clk", ann,
                    set())
    assert run.pins_matched_in_sta == run.pins_annotated > 0
    sw1 = run.annotated.total.switching_w
    assert sw1 > 0


    def scaled(f: float):  # noqa: ANN202 - the annotation with every density times f
        return type(ann)(ann.bits, {k: type(a)(a.density * f, a.duty, a.origin)
                                    for k, a in ann.pins.items()}, [])

    # switching power is linear in the annotated activity (the clock net keeps its own)
    run0 = run_power(tmp_path / "sta0", tmp_path / "cnt.vg", "cnt", [lib], 10.0, "clk",
                     scaled(0.0), set())
    run2 = run_power(tmp_path / "sta2", tmp_path / "cnt.vg", "cnt", [lib], 10.0, "clk",
                     scaled(2.0), set())
    sw0, sw2 = run0.annotated.total.switching_w, run2.annotated.total.switching_w
    assert sw1 > sw0
    assert sw2 - sw0 == pytest.approx(2 * (sw1 - sw0), rel=1e-3)
    # the vectorless run does not depend on the annotation
    assert run2.vectorless.total.total_w == pytest.approx(run.vectorless.total.total_w)


def test_rtl_simulation_budget(designs_dir: Path, tmp_path: Path) -> None:
    """The synthesis.power node co-simulates a training step only within the cell-cycle budget:
    small's netlist is far below it, an mnist-sized netlist over it (vectorless, with a note)."""
    from eqchip.config import load_design
    from eqchip.golden.counters import training_counters
    from eqchip.power.measure import RTL_SIM_MAX_CELL_CYCLES, rtl_sim_over_budget

    def netlist(cells: int) -> Path:
        path = tmp_path / f"n{cells}.vg"
        path.write_text("module t ();\n" + "".join(
            f"  sky130_fd_sc_hd__inv_1 _{i}_ (.A(a), .Y(y));\n" for i in range(cells))
            + "endmodule\n")
        return path

    small = load_design(designs_dir / "small.yaml")
    assert rtl_sim_over_budget(small, netlist(7000)) is None
    mnist = load_design(designs_dir / "mnist.yaml")
    cycles = training_counters(mnist.arch, 0).cycles
    over = int(RTL_SIM_MAX_CELL_CYCLES / cycles) + 1
    assert rtl_sim_over_budget(mnist, netlist(over - 2)) is None
    note = rtl_sim_over_budget(mnist, netlist(over))
    assert note is not None and f"{cycles} cycles" in note and "not simulated" in note


_WEIGHTS_SCRIPT = """
import sys
from types import SimpleNamespace
from eqchip.power.internal_power import _weights
cell = SimpleNamespace(outputs={"X": "A^B^C"}, sequential=False)
groups = [SimpleNamespace(related_pin=p) for p in "ABC"]
# an XOR's output follows every input: shares 0.1 : 0.2 : 0.3, whose float sum depends on the order
print(repr(_weights(cell, "X", groups, {}, {"A": 0.1, "B": 0.2, "C": 0.3})))
"""


def test_internal_power_weights_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """The share of an output's toggles per related pin is normalized by a sum over the pins in
    a fixed order: builds in two processes give bit-identical power (a set's order follows
    PYTHONHASHSEED, and 0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1 in floating point)."""
    outs = set()
    for seed in range(8):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        run = subprocess.run([sys.executable, "-c", _WEIGHTS_SCRIPT], env=env, check=True,
                             capture_output=True, text=True)
        outs.add(run.stdout.strip())
    assert len(outs) == 1, outs
    shares = ast.literal_eval(outs.pop())
    assert shares == pytest.approx([1 / 6, 2 / 6, 3 / 6])
