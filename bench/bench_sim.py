"""RTL simulation speed: clock cycles per second of the co-simulation (cocotb + Icarus Verilog /
Verilator) while the accelerator runs operations, plus build and total run time.

    python bench/bench_sim.py [design ...] [--samples N]     (default: small digits)

Each run is a full bit-exact co-simulation (inference, N training operations, inference). The
speed counts only the cycles of the operations (busy), over the wall time the simulator spent
on them; host-bus traffic and Python start-up show up in the run time. Builds go to a
temporary folder; nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from eqchip.config import load_design
from eqchip.resources import designs_dir
from eqchip.sim import SIMULATORS, run_cosim
from eqchip.sim.runner import missing_tools
from eqchip.ui import Console


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("designs", nargs="*", default=["small", "digits"])
    ap.add_argument("--samples", type=int, default=1, help="training operations per run")
    args = ap.parse_args()
    console = Console()
    rows = []
    with tempfile.TemporaryDirectory(prefix="eqchip-bench-sim-") as tmp:
        for name in args.designs:
            path = Path(name) if Path(name).is_file() else designs_dir() / f"{name}.yaml"
            loaded = load_design(path)
            for sim in SIMULATORS:
                if missing_tools(sim):
                    rows.append((loaded.name, sim, "-", "-", "-", "-", "missing tools"))
                    continue
                r = run_cosim(loaded, Path(tmp) / f"{loaded.name}_{sim}", simulator=sim,
                              samples=args.samples)
                rows.append((loaded.name, sim, f"{r.op_cycles}",
                             f"{r.cycles_per_second:,.0f}", f"{r.build_seconds:.1f}",
                             f"{r.run_seconds:.1f}", "bit-exact"))
                shutil.rmtree(Path(tmp) / f"{loaded.name}_{sim}", ignore_errors=True)
    console.table("RTL co-simulation speed", ["design", "simulator", "cycles simulated",
                                              "cycles/s", "build s", "run s", "result"], rows)


if __name__ == "__main__":
    main()
