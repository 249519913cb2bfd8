"""Orchestration overhead of `eqchip build`: wall time of `eqchip build DESIGN --to synthesis
--clean` over the wall time of running the same yosys synthesis script directly (the command
SC recorded for the synthesis node, rerun in a copy of that node's directory).

    python bench/bench_build.py [designs/small.yaml] [--repeat N]
    python bench/bench_build.py [designs/small.yaml] --rebuild [--build-dir DIR]

--rebuild: the rerun contract instead. A full `eqchip build` (as far as this machine's tools
go), then a second one with nothing changed, and `eqchip report` on the result: prints the
wall time of each, and whether metrics.json and report.json are byte-identical apart from
timestamps (`wall_time_s`, `generated.time_utc`). --build-dir reuses (and keeps) a build.

Needs PDK_ROOT (or ../shared/pdk beside the checkout). Prints the numbers; writes nothing into
the repository (the build goes to a temporary directory).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchenv import bench_env  # bench/benchenv.py (the script folder is on sys.path)

REPO = Path(__file__).resolve().parent.parent



def time_build(design: Path, build: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "eqchip", "-q", "build", str(design),
                           "--build-dir", str(build), "--to", "synthesis", "--clean"],
                          env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"eqchip build failed ({proc.returncode}):\n{proc.stderr}")
    return wall


def time_direct_yosys(node: Path, env: dict[str, str]) -> float:
    """Rerun SC's recorded yosys command for the node in a scratch copy of the node."""
    from siliconcompiler import ASIC

    design = node.parent.parent.parent.name
    proj = ASIC.from_manifest(filepath=str(node / "outputs" / f"{design}.pkg.json"))
    toolpath = proj.get("record", "toolpath", step="synthesis", index="0")
    toolargs = proj.get("record", "toolargs", step="synthesis", index="0")
    exe = toolpath if toolpath and Path(toolpath).is_file() else shutil.which("yosys")
    with tempfile.TemporaryDirectory(prefix="eqchip-bench-node-") as tmp:
        work = Path(tmp) / "node"
        shutil.copytree(node, work, symlinks=True)
        shutil.rmtree(work / "outputs")
        (work / "outputs").mkdir()
        env = dict(env)
        env["PATH"] = str(Path(exe).parent) + os.pathsep + env.get("PATH", "")
        t0 = time.perf_counter()
        proc = subprocess.run([exe, *toolargs.split()], cwd=work, env=env,
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(f"direct yosys run failed ({proc.returncode}):\n{proc.stdout[-2000:]}")
    return wall


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(wall s, exit code); also prints the CPU time (user + sys) it took, which the load of
    a shared machine does not inflate."""
    import resource

    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "eqchip", "-q", *args], env=env,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    sys.stdout.write(f"  eqchip {args[0]}: wall {wall:.2f} s, cpu {cpu:.2f} s\n")
    if proc.returncode not in (0, 5):
        sys.exit(f"eqchip {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return wall, proc.returncode


def _without_timestamps(path: Path) -> bytes:
    import json

    doc = json.loads(path.read_bytes())
    doc.pop("wall_time_s", None)
    (doc.get("generated") or {}).pop("time_utc", None)
    return json.dumps(doc, sort_keys=True).encode()


def rebuild(design: Path, build: Path, env: dict[str, str]) -> None:
    from eqchip.config import load_design

    d = build / load_design(design).name
    first, rc = _timed(["build", str(design), "--build-dir", str(build)], env)
    files = {n: (d / n).read_bytes() for n in ("metrics.json", "report.json")}
    second, rc2 = _timed(["build", str(design), "--build-dir", str(build)], env)
    same = {n: (d / n).read_bytes() == b for n, b in files.items()}
    report, _ = _timed(["report", str(d)], env)
    out = sys.stdout.write
    out(f"design                              {design.name} (exit {rc}, {rc2})\n")
    out(f"eqchip build (first, or resumed)    {first:8.2f} s\n")
    out(f"eqchip build again, nothing changed {second:8.2f} s\n")
    out(f"eqchip report on that build         {report:8.2f} s\n")
    for n, b in files.items():
        (Path(build) / f".{n}.first").write_bytes(b)
        ident = _without_timestamps(Path(build) / f".{n}.first") == _without_timestamps(d / n)
        out(f"{n:13s} after the rebuild: byte-identical {same[n]}, identical apart from "
            f"timestamps {ident}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("design", nargs="?", default=str(REPO / "designs" / "small.yaml"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--build-dir", type=Path)
    args = ap.parse_args()
    env = bench_env()
    design = Path(args.design).resolve()
    if args.rebuild:
        if args.build_dir is not None:
            rebuild(design, args.build_dir.resolve(), env)
        else:
            with tempfile.TemporaryDirectory(prefix="eqchip-bench-") as tmp:
                rebuild(design, Path(tmp) / "build", env)
        return
    from eqchip.config import load_design

    name = load_design(design).name
    builds, directs = [], []
    with tempfile.TemporaryDirectory(prefix="eqchip-bench-") as tmp:
        build = Path(tmp) / "build"
        for _ in range(args.repeat):
            builds.append(time_build(design, build, env))
            directs.append(time_direct_yosys(build / name / "job0" / "synthesis" / "0", env))
    b, d = statistics.median(builds), statistics.median(directs)
    out = sys.stdout.write
    out(f"design                          {name}\n")
    out(f"eqchip build --to synthesis     {b:8.2f} s (median of {len(builds)})\n")
    out(f"direct yosys, same script       {d:8.2f} s\n")
    out(f"orchestration overhead          {b - d:8.2f} s\n")
    out(f"ratio build / direct yosys      {b / d:8.2f}\n")


if __name__ == "__main__":
    main()
