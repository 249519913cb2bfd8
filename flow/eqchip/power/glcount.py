"""Gate-level activity counted inside a compiled simulation (Verilator), no VCD at all.

The netlist's top module gets a monitor (`instrument`): after every clock edge (1 ps later,
when the zero-delay netlist has settled) it hands all the module's own nets and the MRAM
macros' CLK/CE/WE pins, one wide vector, to a C++ function (DPI-C, `counter_cpp`) that counts,
per bit, the toggles and the samples it was high in the training operation's window and in
its leading inference window. The result is the `StreamActivity` that
`eqchip.power.vcdstream` gives from the Icarus VCD of the same run, value for value:

- the operation: the longest busy interval (first of equals), from the edge where busy rises
  to the edge where it falls; its cycles are the rising edges in between (the samples / 2);
- the inference: the first `inference_cycles` cycles of that operation (none when shorter);
- per bit, toggles: changes between consecutive samples at edges inside the window (a VCD
  holds one value per bit and time step, so glitches inside a time step are no toggle there
  either); high time: samples high x half period (nothing changes between edges);
- MRAM reads and writes at the macros' rising CLK edges inside the window (CE, WE just
  before).

What differs from Icarus: Verilator has no x. Icarus starts every net at x and counts x as 0
(`eqchip.power.vcd`), Verilator starts at 0; a net whose Icarus value is still x inside the
window (a register not yet written since power-up, and the gates it feeds) can read 1 on
Verilator. tests/test_glcount.py bounds the difference on real netlists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eqchip.errors import ToolError
from eqchip.fileio import write_text_atomic
from eqchip.power.vcd import Activity, MacroAccess, VcdHeader, VcdVar, Window, _split_range
from eqchip.power.vcdstream import StreamActivity

_DECL = re.compile(r"^\s*(?:input|output|inout|wire|reg)\s+(?:\[\s*(-?\d+)\s*:\s*(-?\d+)\s*\]\s*)?"
                   r"(\\\S+|[A-Za-z_][A-Za-z0-9_$]*)\s*;", re.M)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_MACRO_PINS = ("CLK", "CE", "WE")
#: the DPI-C function the monitor calls (defined by `counter_cpp`)
SAMPLE_FN = "eqchip_glcount_sample"
MAGIC = "eqchip-glcount/1"


@dataclass(frozen=True)
class Net:
    """A net declared in the netlist's top module: `name` as written (escaped names without
    their backslash), its declared range (msb = left, lsb = right; a scalar is 0:0)."""

    name: str
    msb: int
    lsb: int
    vector: bool

    @property
    def width(self) -> int:
        return abs(self.msb - self.lsb) + 1

    @property
    def verilog(self) -> str:
        return self.name if _IDENT.fullmatch(self.name) else f"\\{self.name} "

    @property
    def vcd_name(self) -> str:
        """As Icarus writes it in a VCD `$var` (escaped names keep their backslash)."""
        base = self.name if _IDENT.fullmatch(self.name) else f"\\{self.name}"
        return base + (f"[{self.msb}:{self.lsb}]" if self.vector else "")


def top_nets(netlist_text: str, top: str) -> tuple[list[Net], int, int]:
    """The nets declared in module `top` of a structural netlist (Yosys' or OpenROAD's
    `write_verilog`: one declaration per line; ports declared again as wires count once), and
    the offsets of the module's header and of its `endmodule`."""
    m = re.search(rf"^\s*module\s+{re.escape(top)}\b", netlist_text, re.M)
    if m is None:
        raise ToolError(f"no module {top} in the netlist")
    end = netlist_text.find("endmodule", m.end())
    if end < 0:
        raise ToolError(f"module {top} of the netlist has no endmodule")
    seen: dict[str, Net] = {}
    for d in _DECL.finditer(netlist_text, m.end(), end):
        name = d.group(3).lstrip("\\")
        if name in seen:
            continue
        if d.group(1) is None:
            seen[name] = Net(name, 0, 0, False)
        else:
            seen[name] = Net(name, int(d.group(1)), int(d.group(2)), True)
    return list(seen.values()), m.start(), end


@dataclass(frozen=True)
class Layout:
    """Where every monitored bit sits in the vector handed to the counter: the nets first (bit
    0 = the first net's right-hand bit), then CLK, CE, WE of each macro instance."""

    nets: list[Net]
    macros: list[str]                 # instance names as in the netlist (no backslash)
    n_bits: int
    busy: int                         # bit index of the top's busy port

    def macro_bit(self, k: int, pin: str) -> int:
        return self.n_net_bits + 3 * k + _MACRO_PINS.index(pin)

    @property
    def n_net_bits(self) -> int:
        return self.n_bits - 3 * len(self.macros)


def layout(nets: list[Net], macros: list[str]) -> Layout:
    offset, busy = 0, None
    for n in nets:
        if n.name == "busy" and n.width == 1:
            busy = offset
        offset += n.width
    if busy is None:
        raise ToolError("the netlist's top module has no 1-bit `busy` port")
    return Layout(nets, list(macros), offset + 3 * len(macros), busy)


def monitor_verilog(lay: Layout, enable: str | None = None) -> str:
    """The monitor added to the netlist's top module (see the module docstring). `enable`: a
    hierarchical name (the test bench's `dump_on`) outside whose high time nothing is sampled
    (the host load, before and after the operation: the counter's work only where it counts;
    it must rise at least one edge before busy)."""
    def esc(name: str) -> str:
        return name if _IDENT.fullmatch(name) else f"\\{name} "

    parts = [n.verilog for n in lay.nets]
    parts += [f"{esc(m)}.{p}" for m in lay.macros for p in _MACRO_PINS]
    body = ",\n      ".join(reversed(parts))          # concatenation: MSB first
    return (f"  // eqchip.power.glcount: activity monitor of the gate-level simulation "
            f"(Verilator; not part of the chip)\n"
            f'  import "DPI-C" function void {SAMPLE_FN}(input bit [{lay.n_bits - 1}:0] nets, '
            "input real t_ns);\n"
            "  always @(clk) begin\n"
            "    #0.001;\n"
            + (f"    if ({enable})\n" if enable else "")
            + f"    {SAMPLE_FN}({{\n      {body}}}, $realtime);\n"
            "  end\n")


def instrument(netlist: Path, top: str, macros: list[str], out: Path,
               enable: str | None = None) -> Layout:
    """Write `out`: `netlist` with the monitor in its top module (`monitor_verilog`); returns
    the bit layout."""
    text = Path(netlist).read_text(errors="replace")
    nets, _start, end = top_nets(text, top)
    lay = layout(nets, macros)
    write_text_atomic(out, text[:end] + monitor_verilog(lay, enable) + text[end:])
    return lay


_CPP = r"""// generated by eqchip.power.glcount: toggles and high samples per bit, in the training
// operation (the longest busy interval) and its first INF samples (the inference window)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>
#include "svdpi.h"

namespace {
constexpr long NB = @NB@;
constexpr long NW = (NB + 31) / 32;
constexpr long BUSY = @BUSY@;
constexpr long INF = @INF@;            // samples of the inference window (0: none)
const std::vector<long> MCLK = {@MCLK@};
const std::vector<long> MCE = {@MCE@};
const std::vector<long> MWE = {@MWE@};
const char* const OUT = "@OUT@";

struct Acc {
    std::vector<uint32_t> tog, high;
    std::vector<uint64_t> reads, writes;
    long samples = 0;
    long long w0 = 0, w1 = -1;
    void start(long long t) {
        tog.assign(NB, 0); high.assign(NB, 0);
        reads.assign(MCLK.size(), 0); writes.assign(MCLK.size(), 0);
        samples = 0; w0 = t; w1 = -1;
    }
};

std::vector<uint32_t> prev(NW, 0);
bool have_prev = false, busy_prev = false;
long kin = -1;                        // samples counted since busy rose (-1: no window open)
long windows = 0;
Acc step, inf, best_step, best_inf;
bool have_best = false, best_inf_ok = false;

inline int bit(const uint32_t* v, long i) { return (v[i >> 5] >> (i & 31)) & 1; }

void add(Acc& a, const uint32_t* v, const uint32_t* p) {
    for (long w = 0; w < NW; ++w) {
        uint32_t d = v[w] ^ p[w];
        while (d) { a.tog[w * 32 + __builtin_ctz(d)]++; d &= d - 1; }
        uint32_t h = v[w];
        while (h) { a.high[w * 32 + __builtin_ctz(h)]++; h &= h - 1; }
    }
    a.samples++;
}

void put(FILE* f, const Acc& a) {
    std::fprintf(f, "%lld %lld %ld", a.w0, a.w1, a.samples);
    for (size_t m = 0; m < a.reads.size(); ++m)
        std::fprintf(f, " %llu %llu", (unsigned long long)a.reads[m],
                     (unsigned long long)a.writes[m]);
    std::fprintf(f, "\n");
}

void write_out() {
    std::string tmp = std::string(OUT) + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) return;
    std::fprintf(f, "@MAGIC@ %ld %ld %d\n", NB, windows, best_inf_ok ? 1 : 0);
    put(f, best_step);
    put(f, best_inf_ok ? best_inf : best_step);
    std::fwrite(best_step.tog.data(), 4, NB, f);
    std::fwrite(best_step.high.data(), 4, NB, f);
    if (best_inf_ok) {
        std::fwrite(best_inf.tog.data(), 4, NB, f);
        std::fwrite(best_inf.high.data(), 4, NB, f);
    }
    std::fclose(f);
    std::rename(tmp.c_str(), OUT);
}
}  // namespace

extern "C" void @FN@(const svBitVecVal* nets, double t_ns) {
    const uint32_t* v = reinterpret_cast<const uint32_t*>(nets);
    const uint32_t* p = prev.data();
    const long long t = std::llround(t_ns * 1000.0) - 1;   // the edge 1 ps before
    if (have_prev && kin >= 0) {
        // MRAM accesses at this edge: CLK rising, CE / WE as they were just before it
        for (size_t m = 0; m < MCLK.size(); ++m) {
            if (bit(v, MCLK[m]) && !bit(p, MCLK[m]) && bit(p, MCE[m])) {
                const bool wr = bit(p, MWE[m]);
                (wr ? step.writes : step.reads)[m]++;
                if (INF && kin >= 1 && kin <= INF && inf.w1 < 0) (wr ? inf.writes : inf.reads)[m]++;
            }
        }
        if (INF && kin == INF && inf.w1 < 0) inf.w1 = t;   // the INF/2-th rising edge
    }
    const bool busy = have_prev && bit(v, BUSY);
    if (busy && !busy_prev) {
        step.start(t);
        inf.start(t);
        kin = 0;
    }
    if (busy && kin >= 0) {
        add(step, v, p);
        if (kin < INF) add(inf, v, p);
        kin++;
    } else if (!busy && busy_prev && kin >= 0) {
        step.w1 = t;
        windows++;
        if (!have_best || step.samples > best_step.samples) {
            best_step = step;
            best_inf_ok = INF && inf.w1 >= 0;
            if (best_inf_ok) best_inf = inf;
            have_best = true;
        }
        write_out();
        kin = -1;
    }
    for (long w = 0; w < NW; ++w) prev[w] = v[w];
    busy_prev = busy;
    have_prev = true;
}
"""


def counter_cpp(lay: Layout, inference_cycles: int | None, out: Path) -> str:
    """The C++ of the counter for `lay`, writing its result to `out`."""
    def ints(pin: str) -> str:
        return ", ".join(str(lay.macro_bit(k, pin)) for k in range(len(lay.macros)))

    text = _CPP
    for key, val in (("@NB@", str(lay.n_bits)), ("@BUSY@", str(lay.busy)),
                     ("@INF@", str(2 * inference_cycles if inference_cycles else 0)),
                     ("@MCLK@", ints("CLK")), ("@MCE@", ints("CE")), ("@MWE@", ints("WE")),
                     ("@OUT@", json.dumps(str(out))[1:-1]), ("@MAGIC@", MAGIC),
                     ("@FN@", SAMPLE_FN)):
        text = text.replace(key, val)
    return text


def read_counts(path: Path, lay: Layout, scope: str, half_ps: int) -> StreamActivity:
    """The counter's result file as the `StreamActivity` the VCD reader would give (the VCD
    names Icarus would write under `scope`, time in ps)."""
    if not Path(path).is_file():
        raise ToolError(f"the gate-level simulation counted no complete operation ({path} "
                        "missing): `busy` never rose and fell")
    data = Path(path).read_bytes()
    lines = data.split(b"\n", 3)
    head = lines[0].decode().split()
    if len(lines) < 4 or head[:1] != [MAGIC] or int(head[1]) != lay.n_bits:
        raise ToolError(f"{path}: not a result of this monitor ({lay.n_bits} bits)")
    windows, inf_ok = int(head[2]), head[3] == "1"
    arrays = np.frombuffer(lines[3], np.uint32)
    nb = lay.n_bits
    if len(arrays) != nb * (4 if inf_ok else 2):
        raise ToolError(f"{path}: truncated counter result")
    hdr, vars_ = _header(lay, scope)
    macros = [f"{scope}.{m}" for m in lay.macros]        # Icarus writes scopes unescaped
    order = sorted(range(len(macros)), key=lambda k: macros[k])

    def activity(line: bytes, tog: np.ndarray, high: np.ndarray) -> Activity:
        f = [int(x) for x in line.split()]
        w0, w1, samples = f[:3]
        acc = f[3:]
        win = Window(w0, w1, samples // 2)
        act = Activity(window=win, timescale_s=1e-12,
                       macros=[MacroAccess(macros[k], acc[2 * k], acc[2 * k + 1])
                               for k in order])
        span = max(1, w1 - w0)
        t_list, h_list = tog.tolist(), high.tolist()
        for v, base in vars_:
            for i, b in enumerate(v.bit_names()):
                act.toggles[b] = t_list[base + i]
                act.duty[b] = float(h_list[base + i] * half_ps) / span
        return act

    step = activity(lines[1], arrays[:nb], arrays[nb:2 * nb])
    inf = activity(lines[2], arrays[2 * nb:3 * nb], arrays[3 * nb:]) if inf_ok else None
    return StreamActivity(hdr, scope, step, inf, windows, len(data), 0)


def _header(lay: Layout, scope: str) -> tuple[VcdHeader, list[tuple[VcdVar, int]]]:
    """The VCD header Icarus would write for the monitored nets (`$dumpvars(1, dut)`), and
    each variable's first bit in the vector."""
    out: list[tuple[VcdVar, int]] = []
    base = 0
    for n in lay.nets:
        name, msb, lsb = _split_range(n.vcd_name, n.width)
        out.append((VcdVar(str(base), f"{scope}.{name}", n.width, lsb, msb), base))
        base += n.width
    scopes = {scope: {v.path[len(scope) + 1:] for v, _ in out}}
    return VcdHeader(1e-12, [v for v, _ in out], scopes, 0), out
