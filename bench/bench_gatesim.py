"""What the gate-level simulation of a build's netlist costs, with its VCD streamed through a
pipe (eqchip.power.gatesim.gate_level_activity, as the synthesis.power node runs it): wall
time of the simulator, CPU time of the VCD reader, peak memory, the VCD bytes that never touch
the disk, value changes, and cell-cycles per second (the rate behind
eqchip.power.measure.GATE_LEVEL_MAX_CELL_CYCLES). Prints the numbers; asserts nothing.

    python bench/bench_gatesim.py designs/small.yaml [--build-dir build] [--work DIR] [--file]
        [--simulator icarus|verilator]

Reads the build's records (build_state.json: netlist, RTL VCD, activity_power.json for the
liberty) of `eqchip build`. `--file` also runs the previous way for comparison: every signal,
cell insides included, into a VCD file read afterwards (small designs only: ~6 bytes per cell
and cycle on disk).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchenv import bench_env  # bench/benchenv.py (the script folder is on sys.path)


def _peak_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its largest finished child."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("design", type=Path)
    ap.add_argument("--build-dir", type=Path, default=Path("build"))
    ap.add_argument("--work", type=Path, default=None, help="scratch directory (default: a "
                    "temporary one)")
    ap.add_argument("--file", action="store_true", help="also run the VCD-file way")
    ap.add_argument("--simulator", choices=["icarus", "verilator"], default="icarus",
                    help="gate-level simulator of the streamed run (bench/bench_simspeed.py "
                         "compares both)")
    args = ap.parse_args()
    os.environ.update(bench_env())

    from eqchip.asic.state import read_state
    from eqchip.config import load_design
    from eqchip.macros.spec import macro_for
    from eqchip.power.activity import free_phase_cycles, leading_activity, step_activity
    from eqchip.power.gatesim import gate_level_activity, gate_level_vcd
    from eqchip.power.netlist import load_netlist

    loaded = load_design(args.design)
    state = read_state(args.build_dir / loaded.arch.name)
    v = state.views
    if v.netlist is None or v.vcd is None or v.activity is None:
        sys.exit(f"{args.build_dir / loaded.arch.name}: no netlist / RTL VCD / "
                 "activity_power.json: run `eqchip build` first")
    liberty = Path(json.loads(v.activity.read_text())["liberty"])
    nl = load_netlist(v.netlist, f"{loaded.arch.name}_top", [liberty])
    spec = macro_for(loaded.arch, loaded.tech)
    macros = sorted(c.name for c in nl.cells if c.type == spec.name)
    rtl = step_activity(v.vcd)
    n_inf = free_phase_cycles(rtl)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_gatesim_"))
    cell_cycles = len(nl.cells) * rtl.cycles
    rows: list[tuple[str, str]] = [
        ("design", loaded.name), ("cells", f"{len(nl.cells)}"),
        ("training-step cycles", f"{rtl.cycles}"), ("cell-cycles", f"{cell_cycles:.3e}"),
    ]
    rss_before = _peak_mb()[0]
    t0 = time.perf_counter()
    run = gate_level_activity(loaded, v.netlist, liberty, work / "stream", macros, n_inf,
                              simulator=args.simulator)
    wall = time.perf_counter() - t0
    rss_after = _peak_mb()[0]
    st = run.stream
    rows += [
        ("stream: wall s (cell models, build, simulation)", f"{wall:.1f}"),
        ("stream: simulation s", f"{run.sim_seconds:.1f}"),
        ("stream: simulator CPU s (build + run)", f"{run.sim_cpu_seconds:.1f}"),
        ("stream: VCD reader CPU s", f"{run.reader_cpu_seconds:.1f}"),
        ("stream: cell-cycles per simulator CPU s",
         f"{cell_cycles / max(run.sim_cpu_seconds, 1e-9):.3e}"),
        ("stream: VCD bytes streamed (not on disk)", f"{st.bytes_read:.3e}"),
        ("stream: value changes read", f"{st.value_changes:.3e}"),
        ("stream: gate-level cycles / MRAM reads / writes",
         f"{st.step.window.cycles} / {st.step.mram_reads} / {st.step.mram_writes}"),
        ("RTL cycles / MRAM reads / writes", f"{rtl.cycles} / {rtl.activity.mram_reads} / "
                                               f"{rtl.activity.mram_writes}"),
    ]
    if args.file:
        t0 = time.perf_counter()
        vcd = gate_level_vcd(loaded, v.netlist, liberty, work / "file")
        t1 = time.perf_counter()
        gsa = step_activity(vcd)
        leading_activity(gsa, n_inf)
        t2 = time.perf_counter()
        rows += [("file: wall s (cell models, build, simulation)", f"{t1 - t0:.1f}"),
                 ("file: VCD bytes on disk", f"{vcd.stat().st_size:.3e}"),
                 ("file: reading the VCD s (step + inference)", f"{t2 - t1:.1f}")]
    me, child = _peak_mb()
    rows += [("peak RSS MB: this process before the gate-level run (netlist, RTL VCD)",
              f"{rss_before:.0f}"),
             ("peak RSS MB: this process after it (+ the VCD reader)", f"{rss_after:.0f}"),
             ("peak RSS MB: this process at the end", f"{me:.0f}"),
             ("peak RSS MB: largest child (vvp)", f"{child:.0f}")]
    width = max(len(k) for k, _ in rows)
    for k, val in rows:
        sys.stdout.write(f"{k:<{width}}  {val}\n")


if __name__ == "__main__":
    main()
