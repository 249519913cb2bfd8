"""Routed builds: `eqchip build` of each design to GDS with the real OpenROAD and KLayout, then
the figures of the layout from its records (metrics.json, report.json).

    python bench/bench_route.py [small digits ...] [--build-dir DIR] [--openroad DIR]

Per design it prints the wall time of the build and of each flow stage (SC's task times, summed
per stage: synthesis, power, floorplan, place, cts, route, write), the post-route standard-cell
and core area, the setup and hold worst slack of every sign-off corner, wire length, router DRC
and antenna violations, the clock network's share of power, and the energy per MAC after
synthesis beside the post-route one where the build has it.

OpenROAD: --openroad DIR, else $EQCHIP_TEST_OPENROAD, else ../shared/tools/openroad/install.sh
beside the checkout, else `openroad` on PATH. --build-dir keeps (and resumes) the builds;
without it they go to a temporary folder. Writes nothing into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchenv import REPO, bench_env  # bench/benchenv.py (the script folder is on sys.path)


def out(line: str) -> None:
    sys.stdout.write(line + "\n")


STAGES = ("elaborate", "synthesis", "floorplan", "place", "cts", "route", "dfm", "write")


def openroad_dir(arg: Path | None) -> Path:
    if arg is not None:
        return arg
    if os.environ.get("EQCHIP_TEST_OPENROAD"):
        return Path(os.environ["EQCHIP_TEST_OPENROAD"])
    script = REPO.parent / "shared" / "tools" / "openroad" / "install.sh"
    if script.is_file():
        out = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=True)
        return Path(out.stdout.strip().splitlines()[-1])
    found = shutil.which("openroad")
    if found is None:
        sys.exit("no OpenROAD: pass --openroad DIR (the folder of the openroad executable)")
    return Path(found).parent


def stage_of(step: str) -> str:
    head = step.split(".")[0]
    if step.startswith("synthesis.power"):
        return "power (synthesis.power)"
    if step.startswith("synthesis.sta"):
        return "timing (synthesis.sta)"
    return head if head in STAGES else step


def fig(section: dict, name: str, fmt: str = "{:.4g}", unit: str = "") -> str:
    f = (section or {}).get(name)
    return "-" if f is None else fmt.format(f["value"]) + unit


def show(design: str, build_dir: Path, wall: float) -> None:
    metrics = json.loads((build_dir / "metrics.json").read_text())
    report = json.loads((build_dir / "report.json").read_text()) \
        if (build_dir / "report.json").is_file() else {}
    pl = metrics.get("post_layout") or {}
    figs = pl.get("figures") or {}
    stages: dict[str, float] = {}
    for step, secs in (metrics.get("runtime_s") or {}).items():
        stages[stage_of(step)] = stages.get(stage_of(step), 0.0) + secs
    out(f"\n== {design}: {metrics['status']} ({pl.get('stage', 'no layout')}), "
          f"wall {wall / 60:.1f} min")
    for stage, secs in stages.items():
        out(f"  {stage:28s} {secs:8.1f} s")
    area = metrics.get("area") or {}
    out(f"  std-cell area post-synthesis / post-route: {area.get('stdcell_um2', 0):,.0f} / "
          f"{fig(figs, 'stdcell_area_um2', '{:,.0f}')} um2; core "
          f"{fig(figs, 'core_area_um2', '{:,.0f}')} um2, die {fig(figs, 'die_area_um2', '{:,.0f}')}"
          " um2")
    for corner, c in (pl.get("corners") or {}).items():
        period = c.get("clock_period_ns")
        clock = f" at {1000.0 / period:g} MHz" if period else ""
        out(f"  {corner:8s} ({c.get('liberty_corner')}{clock}): setup WNS "
              f"{fig(c, 'setup_ws_ns', '{:+.3f}', ' ns')}, hold WNS "
              f"{fig(c, 'hold_ws_ns', '{:+.3f}', ' ns')}, met {c.get('met')}")
    out(f"  wire length {fig(figs, 'wirelength_um', '{:,.0f}', ' um')}, router DRC "
          f"{fig(figs, 'drc_errors', '{:.0f}')}, antenna nets/pins "
          f"{fig(figs, 'antenna_violating_nets', '{:.0f}')}/"
          f"{fig(figs, 'antenna_violating_pins', '{:.0f}')}, clock network "
          f"{fig(figs, 'clock_power_share', '{:.1%}')} of the power "
          f"({fig(figs, 'power_total_w', '{:.4g}', ' W')} in all, OpenROAD)")
    headline = (report.get("energy") or {}).get("figures") or {}
    routed = report.get("energy_stage") == "post-route"
    syn_figs = ((report.get("energy_post_synthesis") or {}).get("figures") or {}) if routed \
        else headline
    post_figs = headline if routed else {}
    for key, what, unit, fmt in (("pj_per_synop_inference", "per MAC (inference)", "pJ", ".3f"),
                                 ("pj_per_synop_training", "per MAC (training)", "pJ", ".3f"),
                                 ("energy_per_inference", "per inference", "pJ", ".1f"),
                                 ("energy_per_training_sample", "per training sample", "pJ",
                                  ".1f"),
                                 ("tops_per_w_inference", "TOPS/W (inference)", "", ".4f")):
        a, b = syn_figs.get(key), post_figs.get(key)
        out(f"  {what:28s} post-synthesis {'-' if a is None else format(a['value'], fmt)} "
            f"{unit}, post-route {'-' if b is None else format(b['value'], fmt)} {unit}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("designs", nargs="*", default=["small", "digits"])
    ap.add_argument("--build-dir", type=Path, default=None)
    ap.add_argument("--openroad", type=Path, default=None)
    args = ap.parse_args()
    env = bench_env()
    env["PATH"] = f"{openroad_dir(args.openroad)}{os.pathsep}{env.get('PATH', '')}"
    tmp = None
    root = args.build_dir
    if root is None:
        tmp = tempfile.TemporaryDirectory(prefix="eqchip-bench-route-")
        root = Path(tmp.name)
    root.mkdir(parents=True, exist_ok=True)
    for design in args.designs:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "eqchip", "-q", "build", design,
                               "--build-dir", str(root)], env=env, capture_output=True,
                              text=True, check=False)
        wall = time.perf_counter() - t0
        name = Path(design).stem
        if proc.returncode != 0:
            out(f"\n== {name}: eqchip build exited {proc.returncode}\n{proc.stderr[-3000:]}")
            continue
        show(name, root / name, wall)
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
