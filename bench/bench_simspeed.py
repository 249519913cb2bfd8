"""Simulation speed of eqchip (issue 24), per design and simulator: the wall and CPU time of the
RTL co-simulation (`eqchip sim`: inference, N training operations, inference) and of the
gate-level activity of the synthesized netlist (eqchip.power.gatesim, as synthesis.power runs
it), beside the whole `eqchip build` to post-synthesis power and its bare synthesis time.

    python bench/bench_simspeed.py [design ...] [--parts cosim,build,gatelevel]
        [--simulators verilator,icarus] [--build-dir DIR] [--samples N]
    (default designs: small digits bench/designs/net100.yaml)

`build` runs `eqchip build DESIGN --to synthesis.power --to synthesis.sta` (into --build-dir,
kept, or a temporary folder) and prints its wall and CPU time, the synthesis and
synthesis.power node times SiliconCompiler recorded, the gate-level simulator the node chose
and the annotated logic power. `gatelevel` simulates that build's netlist once per simulator
and prints whether the toggle counts and duty of every net are equal. CPU time is this
process's children (the simulators, compilers, SC's node processes) plus its own; the CPU is
shared, so the load average is printed with every row. Prints the numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchenv import REPO, bench_env  # bench/benchenv.py (the script folder is on sys.path)

DEFAULT = ["small", "digits", str(REPO / "bench" / "designs" / "net100.yaml")]


def _cpu() -> float:
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    s = resource.getrusage(resource.RUSAGE_SELF)
    return c.ru_utime + c.ru_stime + s.ru_utime + s.ru_stime


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


class Rows:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, *row: object) -> None:
        r = tuple(str(x) for x in row) + (_load(),)
        self.rows.append(r)
        sys.stdout.write("  ".join(r) + "\n")
        sys.stdout.flush()


def cosim(loaded, sim: str, samples: int, tmp: Path, rows: Rows) -> None:  # noqa: ANN001
    from eqchip.sim import run_cosim

    c0, t0 = _cpu(), time.perf_counter()
    r = run_cosim(loaded, tmp / f"cosim_{loaded.name}_{sim}", simulator=sim, samples=samples)
    rows.add(loaded.name, f"co-simulation ({sim})", f"{time.perf_counter() - t0:.1f}",
             f"{_cpu() - c0:.1f}", f"{r.op_cycles} op cycles, build {r.build_seconds:.1f} s, "
             f"run {r.run_seconds:.1f} s, {r.cycles_per_second:,.0f} cycles/s")


def build(design: Path, root: Path, env: dict[str, str], rows: Rows, name: str) -> Path:
    c0, t0 = _cpu(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "eqchip", "-q", "build", str(design),
                           "--build-dir", str(root), "--to", "synthesis.power", "--to",
                           "synthesis.sta", "--no-report"], env=env, capture_output=True,
                          text=True, check=False)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    if proc.returncode not in (0, 5):
        sys.exit(f"eqchip build {design} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    d = root / name
    m = json.loads((d / "metrics.json").read_text())
    rt = m.get("runtime_s") or {}
    ap = json.loads(next(d.glob("*/synthesis.power/0/reports/activity_power.json")).read_text())
    gl = ap.get("gate_level") or {}
    ann = ((ap.get("logic") or {}).get("annotated") or {}).get("total_w", {}).get("value")
    rows.add(name, "build to post-synthesis power", f"{wall:.1f}", f"{cpu:.1f}",
             f"synthesis {rt.get('synthesis', 0):.1f} s, synthesis.power "
             f"{rt.get('synthesis.power', 0):.1f} s (gate-level on "
             f"{str(gl.get('simulator', '-')).split(' ')[0]}, {gl.get('sim_cpu_seconds', '-')} s "
             f"simulator CPU), annotated logic power {ann} W")
    return d


def gatelevel(loaded, build_dir: Path, sims: list[str], tmp: Path, rows: Rows) -> None:  # noqa: ANN001
    from eqchip.asic.state import read_state
    from eqchip.macros.spec import macro_for
    from eqchip.power.activity import free_phase_cycles, step_activity
    from eqchip.power.gatesim import gate_level_activity
    from eqchip.power.netlist import load_netlist

    v = read_state(build_dir).views
    liberty = Path(json.loads(v.activity.read_text())["liberty"])
    nl = load_netlist(v.netlist, f"{loaded.arch.name}_top", [liberty])
    spec = macro_for(loaded.arch, loaded.tech)
    macros = sorted(c.name for c in nl.cells if c.type == spec.name)
    n_inf = free_phase_cycles(step_activity(v.vcd))
    got = {}
    for sim in sims:
        c0, t0 = _cpu(), time.perf_counter()
        run = gate_level_activity(loaded, v.netlist, liberty, tmp / f"gl_{loaded.name}_{sim}",
                                  macros, n_inf, simulator=sim)
        st = run.stream
        got[sim] = st
        rows.add(loaded.name, f"gate-level activity ({sim})", f"{time.perf_counter() - t0:.1f}",
                 f"{_cpu() - c0:.1f}", f"{len(nl.cells)} cells x {st.step.window.cycles} "
                 f"cycles, build {run.build_seconds:.1f} s, run {run.sim_seconds:.1f} s")
    if len(got) == 2:
        a, b = got.values()
        diff = sum(1 for w in ("step", "inference") if getattr(a, w) is not None
                   for k, n in getattr(a, w).toggles.items()
                   if getattr(b, w).toggles.get(k) != n or
                   getattr(b, w).duty.get(k) != getattr(a, w).duty[k])
        rows.add(loaded.name, "gate-level: simulators agree", "-", "-",
                 f"{len(a.step.toggles)} bits: {diff} differ in toggles or duty "
                 "(step and inference windows)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("designs", nargs="*", default=DEFAULT)
    ap.add_argument("--parts", default="cosim,build,gatelevel")
    ap.add_argument("--simulators", default="verilator,icarus")
    ap.add_argument("--build-dir", type=Path, default=None)
    ap.add_argument("--samples", type=int, default=3, help="training operations of the "
                    "co-simulation (eqchip sim's default: 3)")
    args = ap.parse_args()
    env = bench_env()
    os.environ.update(env)
    parts = set(args.parts.split(","))
    sims = args.simulators.split(",")

    from eqchip.config import load_design

    rows = Rows()
    sys.stdout.write("design  what  wall s  CPU s  details  load (1/5/15 min)\n")
    with tempfile.TemporaryDirectory(prefix="eqchip-bench-simspeed-") as t:
        tmp = Path(t)
        root = args.build_dir or tmp / "builds"
        for name in args.designs:
            loaded = load_design(name)
            if "cosim" in parts:
                for sim in sims:
                    cosim(loaded, sim, args.samples, tmp, rows)
            if "build" in parts:
                build(loaded.path, root, env, rows, loaded.arch.name)
            if "gatelevel" in parts:
                gatelevel(loaded, root / loaded.arch.name, sims, tmp, rows)


if __name__ == "__main__":
    main()
