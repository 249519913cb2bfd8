"""Speed of the report's stages. Prints numbers; asserts nothing.

    python bench/bench_report.py                       # VCD parser on a synthetic dump
    python bench/bench_report.py --build build/small   # the report of an existing build
    python bench/bench_report.py --design designs/small.yaml --vcd step.vcd \
        --netlist build/small/job0/synthesis/0/outputs/small_top.vg [--gate-level]

The synthetic VCD has --signals vectors of 16 bits changing every cycle for --cycles cycles.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path


def synthetic_vcd(path: Path, signals: int, cycles: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    codes = [f"s{i}" for i in range(signals)]
    with open(path, "w") as fh:
        fh.write("$timescale 1ps $end\n$scope module tb $end\n$scope module dut $end\n")
        fh.write("$var wire 1 ! clk $end\n$var wire 1 \" busy $end\n")
        for i, c in enumerate(codes):
            fh.write(f"$var reg 16 {c} r{i} [15:0] $end\n")
        fh.write("$upscope $end\n$upscope $end\n$enddefinitions $end\n#0\n0!\n0\"\n")
        for k in range(cycles):
            t = k * 20000
            fh.write(f"#{t}\n1!\n")
            if k == 1:
                fh.write("1\"\n")
            if k == cycles - 1:
                fh.write("0\"\n")
            for c in codes:
                fh.write(f"b{rng.getrandbits(16):b} {c}\n")
            fh.write(f"#{t + 10000}\n0!\n")


def stage(name: str, fn):  # noqa: ANN001, ANN201
    t0 = time.perf_counter()
    out = fn()
    sys.stdout.write(f"{name:<34s} {time.perf_counter() - t0:8.3f} s\n")
    return out


def report_of_build(build: Path, repeat: int = 3) -> None:
    """Wall time of write_report() on a finished build, in this process (imports excluded)
    and as `eqchip report` (a new process, imports included)."""
    import statistics
    import subprocess

    t0 = time.perf_counter()
    from eqchip.report import write_report
    imports = time.perf_counter() - t0
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            t0 = time.perf_counter()
            write_report(build, out_dir=Path(tmp))
            runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "eqchip", "-q", "report", str(build), "-o", tmp],
                       check=True, capture_output=True)
        cli = time.perf_counter() - t0
    sys.stdout.write(f"import eqchip.report              {imports:8.3f} s\n"
                     f"write_report (median of {repeat})     {statistics.median(runs):8.3f} s\n"
                     f"eqchip report (new process)        {cli:8.3f} s\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--signals", type=int, default=500)
    ap.add_argument("--cycles", type=int, default=2000)
    ap.add_argument("--design")
    ap.add_argument("--vcd", type=Path)
    ap.add_argument("--netlist", type=Path)
    ap.add_argument("--gate-level", action="store_true", help="also time the gate-level path")
    ap.add_argument("--build", type=Path, help="time the report of this `eqchip build` folder "
                    "(a pure reading of its records)")
    a = ap.parse_args()
    if a.build is not None:
        report_of_build(a.build)
        return

    from eqchip.power.vcd import busy_windows, count, read_header

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "syn.vcd"
        synthetic_vcd(p, a.signals, a.cycles)
        mb = p.stat().st_size / 1e6
        hdr = read_header(p)
        win = stage("synthetic VCD: busy windows", lambda: busy_windows(
            p, hdr, "tb.dut.clk", "tb.dut.busy"))[0]
        t0 = time.perf_counter()
        act = count(p, hdr, win)
        dt = time.perf_counter() - t0
        sys.stdout.write(f"synthetic VCD: count {mb:.1f} MB, {len(act.toggles)} bits: "
                         f"{dt:.3f} s = {mb / dt:.1f} MB/s\n")
    if not (a.design and a.vcd and a.netlist):
        return

    from eqchip.asic.pdk import DESIGN_CORNER_TO_SC, Sky130Paths
    from eqchip.config import load_design
    from eqchip.power.activity import step_activity
    from eqchip.power.internal_power import internal_power
    from eqchip.power.liberty import read_liberty
    from eqchip.power.netlist import load_netlist
    from eqchip.power.propagate import annotate

    loaded = load_design(a.design)
    lib_path = Sky130Paths(Path(os.environ["PDK_ROOT"])).liberty(
        DESIGN_CORNER_TO_SC[loaded.design.pdk.corner])
    sa = stage("VCD -> activity of one step", lambda: step_activity(a.vcd))
    lib = stage("Liberty read", lambda: read_liberty(lib_path))
    with tempfile.TemporaryDirectory() as tmp:
        from eqchip.macros.spec import macro_for
        from eqchip.macros.verilog import blackbox_verilog

        bb = Path(tmp) / "bb.v"
        bb.write_text(blackbox_verilog(macro_for(loaded.arch, loaded.tech)))
        nl = stage("netlist load (yosys)", lambda: load_netlist(
            a.netlist, f"{loaded.name}_top", [lib_path], [bb]))
    ann = stage("activity propagation", lambda: annotate(nl, lib, sa.rates, "clk"))
    stage("internal power", lambda: internal_power(nl, lib, ann.pins,
                                                   loaded.arch.clock_period_ns))
    sys.stdout.write(f"cells {nl.n_cells}, annotated pins {len(ann.pins)}, "
                     f"VCD window {sa.cycles} cycles\n")
    if not a.gate_level:
        return
    from eqchip.power.gatesim import gate_level_vcd
    from eqchip.power.power import run_power

    with tempfile.TemporaryDirectory() as tmp:
        gvcd = stage("gate-level simulation (Icarus)", lambda: gate_level_vcd(
            loaded, a.netlist, lib_path, Path(tmp) / "gls"))
        mb = gvcd.stat().st_size / 1e6
        gsa = stage(f"gate-level VCD ({mb:.0f} MB) -> activity", lambda: step_activity(gvcd))
        gann = annotate(nl, lib, gsa.rates, "clk")
        stage("OpenSTA: vectorless + 2 annotations", lambda: run_power(
            Path(tmp) / "sta", a.netlist, f"{loaded.name}_top", [lib_path],
            loaded.arch.clock_period_ns, "clk", gann, set(), extra={"rtl": ann}))


if __name__ == "__main__":
    main()
