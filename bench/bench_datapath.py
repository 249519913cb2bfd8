"""Where the accelerator's area and energy go, per design: standard cells, flip-flops,
clock-gating cells, standard-cell area, MACs per cycle, logic and MRAM energy per MAC of an
inference. Prints the numbers; asserts nothing.

    python bench/bench_datapath.py [DESIGN.yaml ...] [--build-dir DIR] [--build]

Default designs: the shipped small, digits, digits6 and digits6_mtj (mnist on request); a design
without a build is skipped with a message.

Reads `<build-dir>/<design>/metrics.json` and `report.json` written by `eqchip build`
(`--build` runs `eqchip build` first; needs PDK_ROOT). MAC/cycle comes from the golden model's
cycle schedule (synaptic MACs of a STEP / cycles of a STEP); logic pJ/MAC is report.json's
(logic_dynamic + logic_leakage) of an inference over its MACs, MRAM pJ/MAC the same for
(mram_read + mram_write + mram_leakage).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benchenv import bench_env  # bench/benchenv.py (the script folder is on sys.path)

REPO = Path(__file__).resolve().parent.parent
FLIP_FLOP = ("__df", "__edf", "__sdf", "__dlx")   # sky130_fd_sc_hd flip-flops and latches
CLOCK_GATE = ("__dlclkp", "__sdlclkp")



def figures(design: Path, build_dir: Path) -> dict[str, float]:
    from eqchip.config import load_design
    from eqchip.golden.counters import step_cycles
    from eqchip.report.energy import synops_per_step

    arch = load_design(design).arch
    out = build_dir / arch.name
    metrics = json.loads((out / "metrics.json").read_text())
    report = json.loads((out / "report.json").read_text())
    cells = metrics["cells"]["by_type"]
    std = {k: v for k, v in cells.items() if k.startswith("sky130_")}
    inf = report["energy"]["inference"]["parts_pj"]
    macs = report["energy"]["figures"]["synops_per_inference"]["value"]
    timing = report["timing"]
    return {
        "std cells": sum(std.values()),
        "flip-flops": sum(v for k, v in std.items() if any(f in k for f in FLIP_FLOP)),
        "clock gates": sum(v for k, v in std.items() if any(f in k for f in CLOCK_GATE)),
        "std area um2": metrics["area"]["stdcell_um2"],
        "MAC/cycle": synops_per_step(arch) / step_cycles(arch),
        "logic pJ/MAC": (inf["logic_dynamic"]["value"] + inf["logic_leakage"]["value"]) / macs,
        "MRAM pJ/MAC": (inf["mram_read"]["value"] + inf["mram_write"]["value"]
                        + inf["mram_leakage"]["value"]) / macs,
        "setup slack ns": (timing.get("setup_slack_ns") or {}).get("value", float("nan")),
        "fmax MHz": (timing.get("fmax_mhz") or {}).get("value", float("nan")),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("designs", nargs="*", type=Path,
                    default=[REPO / "designs" / f"{n}.yaml"
                             for n in ("small", "digits", "digits6", "digits6_mtj")])
    ap.add_argument("--build-dir", type=Path, default=REPO / "build")
    ap.add_argument("--build", action="store_true", help="run `eqchip build` first")
    a = ap.parse_args()
    rows: list[tuple[str, dict[str, float]]] = []
    for d in a.designs:
        if a.build:
            subprocess.run([sys.executable, "-m", "eqchip", "-q", "build", str(d),
                            "--build-dir", str(a.build_dir)], env=bench_env(), check=False)
        if not (a.build_dir / d.stem / "report.json").is_file():
            sys.stderr.write(f"{d.stem}: no build with a report in {a.build_dir} (skipped)\n")
            continue
        rows.append((d.stem, figures(d, a.build_dir)))
    if not rows:
        sys.exit("no builds to read: run `eqchip build` of the designs (or pass --build)")
    keys = list(rows[0][1])
    sys.stdout.write(f"{'':<14s}" + "".join(f"{name:>14s}" for name, _ in rows) + "\n")
    for k in keys:
        vals = "".join(f"{v[k]:>14d}" if isinstance(v[k], int) else
                       f"{v[k]:>14.0f}" if abs(v[k]) >= 100 else f"{v[k]:>14.3f}"
                       for _, v in rows)
        sys.stdout.write(f"{k:<14s}{vals}\n")


if __name__ == "__main__":
    main()
