"""One sweep point, in its own process: `python3 -m eqchip.sweep.worker POINT_DIR ...`.

Two steps run side by side: bit-exact training (`eqchip train`, a child process) and the build
(SiliconCompiler, through `adapter.build_point`) followed by its report (`eqchip report`, a
child process). With `--scheduler slurm` the training and the report are Slurm jobs (`srun`)
and SiliconCompiler submits every flow node as a Slurm job. A step whose output is there for
this design (training summary, the report of a current build) is not run again; the build
always goes through SiliconCompiler's resume (a finished, current build is reused in seconds).
The point runs under `eqchip build`'s guard: SIGINT/SIGTERM end every process it started,
remove its build's metrics and report, and the worker exits 128+signal without a record. The
result record is written last.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from eqchip.config import LoadedDesign, load_design
from eqchip.errors import EqchipError, Interrupted
from eqchip.interrupts import Guard
from eqchip.sweep.adapter import build_point
from eqchip.sweep.record import PointResult, write_result

if TYPE_CHECKING:
    from eqchip.ui import Console

DESIGN_FILE = "design.yaml"
POINT_LOG = "point.log"


class StepFailed(EqchipError):
    pass


def log_of(point_dir: Path) -> str:
    """The point's log, relative to the sweep folder."""
    return f"points/{Path(point_dir).name}/{POINT_LOG}"


def _say(text: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
    sys.stderr.flush()


def _read_json(path: Path) -> dict | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def step_command(args: list[str], *, scheduler: str | None, partition: str | None,
                 job_name: str) -> list[str]:
    """`python3 -m eqchip ARGS`, as a Slurm job (srun, `python3` from PATH) or locally (this
    interpreter)."""
    if scheduler == "slurm":
        cmd = ["srun", "--job-name", job_name, "--chdir", os.getcwd(), "--ntasks", "1"]
        if partition:
            cmd += ["--partition", partition]
        return [*cmd, "python3", "-m", "eqchip", "-q", *args]
    return [sys.executable, "-m", "eqchip", "-q", *args]


def _finish(proc: subprocess.Popen, log: Path, what: str) -> None:
    rc = proc.wait()
    if rc != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-8:]
        raise StepFailed(f"{what} failed (exit {rc}): " + " | ".join(tail),
                         hint=f"see {log}")


def report_figures(report: dict | None, sha: str) -> dict[str, float] | None:
    """The point's energy, area and timing figures from its report.json, or None when there is
    no report, it is of another design, or a figure is missing (write the report again)."""
    if report is None or (report.get("design") or {}).get("sha256") != sha:
        return None
    try:
        fig = report["energy"]["figures"]
        return {
            "energy_per_inference_pj": float(fig["energy_per_inference"]["value"]),
            "energy_per_training_sample_pj":
                float(fig["energy_per_training_sample"]["value"]),
            "energy_per_mac_pj": float(fig["pj_per_synop_inference"]["value"]),
            "area_um2": float(report["area"]["total_um2"]["value"]),
            # the netlist's own clock (register to register), not one that follows the
            # target clock (eqchip.asic.fmax)
            "fmax_mhz": float(report["timing"]["achievable_freq_mhz"]["value"]),
        }
    except (KeyError, TypeError, ValueError):
        return None


def run_point(point_dir: Path, scheduler: str | None, partition: str | None) -> PointResult:
    """Train, build and report the point, guarded as `eqchip build` is (eqchip.buildguard):
    checks before anything runs, the build folder's lock during the build, and SIGINT/SIGTERM
    end every process the point started, remove the build's metrics and report and raise
    `Interrupted`."""
    from eqchip.buildguard import build_interrupts, preflight
    from eqchip.ui import Console

    t0 = time.monotonic()
    point_dir = Path(point_dir).resolve()
    loaded = load_design(point_dir / DESIGN_FILE)
    params = (_read_json(point_dir / "params.json") or {})
    result = PointResult(id=point_dir.name, name=loaded.name, params=params, status="failed",
                         design_sha256=loaded.sha256, log=log_of(point_dir),
                         scheduler=scheduler or "local")
    console = Console(stream=sys.stderr)
    folder = preflight(console, loaded, point_dir / "build", report=True)
    with build_interrupts(folder, f"point {point_dir.name}",
                          "rerun the sweep to resume it") as guard:
        _run_steps(point_dir, loaded, result, scheduler, partition, guard, console)
    result.status = "ok"
    result.seconds = round(time.monotonic() - t0, 3)
    return result


def _run_steps(point_dir: Path, loaded: LoadedDesign, result: PointResult,
               scheduler: str | None, partition: str | None, guard: Guard,
               console: Console) -> None:
    """Training beside the build and its report; fills `result`'s figures."""
    from eqchip.buildlock import build_lock

    sha = loaded.sha256
    yaml_path = point_dir / DESIGN_FILE
    train_dir = point_dir / "train"
    summary_path = train_dir / "summary.json"
    summary = _read_json(summary_path)
    train = None
    if summary is None or summary.get("design_sha256") != sha:
        summary_path.unlink(missing_ok=True)
        train_log = point_dir / "train.log"
        _say(f"training {loaded.name}")
        with open(train_log, "wb") as fh:
            train = subprocess.Popen(
                step_command(["train", str(yaml_path), "-o", str(train_dir), "--no-float"],
                             scheduler=scheduler, partition=partition,
                             job_name=f"eqchip-{point_dir.name}-train"),
                stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    else:
        _say("training done before, kept")

    try:
        build_dir = point_dir / "build" / loaded.name
        # always through the build: it reuses a finished, current build in seconds (its
        # recorded inputs, job manifest and node statuses) and otherwise (re)runs or resumes
        # it, removing the last build's metrics and report first
        _say(f"building {loaded.name} (scheduler: {scheduler or 'local'})")
        with build_lock(build_dir, notify=console.warn):     # `eqchip report` takes it too
            built = build_point(yaml_path, point_dir / "build", scheduler, partition,
                                notify=_say)
        guard.check()        # SiliconCompiler may have swallowed an interrupt and returned
        result.build_status, result.build_notice = built.status, built.notice
        figures = report_figures(_read_json(build_dir / "report.json"), sha)
        if figures is None:
            report_log = point_dir / "report.log"
            _say("writing the report")
            with open(report_log, "wb") as fh:
                rep = subprocess.Popen(
                    step_command(["report", str(build_dir), "--design", str(yaml_path)],
                                 scheduler=scheduler, partition=partition,
                                 job_name=f"eqchip-{point_dir.name}-report"),
                    stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                _finish(rep, report_log, "report")
            guard.check()
            figures = report_figures(_read_json(build_dir / "report.json"), sha)
            if figures is None:
                raise StepFailed(f"the report left no figures in {build_dir / 'report.json'}",
                                 hint=f"see {report_log}")
        else:
            _say("report of this build done before, kept")
    except BaseException:
        if train is not None and train.poll() is None:
            train.terminate()
            train.wait()
        raise
    if train is not None:
        _finish(train, point_dir / "train.log", "training")
    guard.check()
    summary = _read_json(summary_path)
    if summary is None or summary.get("design_sha256") != sha:
        raise StepFailed(f"training left no {summary_path} for this design")
    result.accuracy = float(summary["final_test_acc"])
    for name, value in figures.items():
        setattr(result, name, value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m eqchip.sweep.worker")
    ap.add_argument("point_dir", type=Path)
    ap.add_argument("--scheduler", choices=["slurm"], default=None)
    ap.add_argument("--partition", default=None)
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    try:
        result = run_point(args.point_dir, args.scheduler, args.partition)
    except Interrupted as exc:
        # every process of the point has ended and its build outputs are removed: no record,
        # the point is not finished and the next sweep resumes it
        _say(f"stopped: {exc.message}")
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - every failure becomes the point's record
        text = str(exc) if isinstance(exc, EqchipError) else traceback.format_exc()
        _say(f"failed: {text}")
        failed = failed_result(args.point_dir, text, args.scheduler, time.monotonic() - t0)
        write_result(args.point_dir, failed)
        return 1
    # written after the guard: a signal from here on ends the process before or after the
    # (atomic) record, never with a record whose build outputs were removed
    write_result(args.point_dir, result)
    _say(f"done in {result.seconds:.1f} s")
    return 0


def failed_result(point_dir: Path, error: str, scheduler: str | None,
                  seconds: float) -> PointResult:
    """The record of a point that failed (tool error, killed process)."""
    point_dir = Path(point_dir)
    params = _read_json(point_dir / "params.json") or {}
    name = point_dir.name
    sha = None
    try:
        loaded = load_design(point_dir / DESIGN_FILE)
        name, sha = loaded.name, loaded.sha256
    except EqchipError:
        pass
    return PointResult(id=point_dir.name, name=name, params=params, status="failed",
                       design_sha256=sha, error=error, log=log_of(point_dir),
                       seconds=round(seconds, 3), scheduler=scheduler or "local")


if __name__ == "__main__":
    sys.exit(main())
