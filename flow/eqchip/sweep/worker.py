"""One sweep point, in its own process: `python3 -m eqchip.sweep.worker POINT_DIR ...`.

Two steps run side by side: bit-exact training (`eqchip train`, a child process) and the build
(SiliconCompiler, through `adapter.build_point`) followed by its report (`eqchip report`, a
child process). With `--scheduler slurm` the training and the report are Slurm jobs (`srun`)
and SiliconCompiler submits every flow node as a Slurm job. A step whose output is there for
this design (training summary, report) is not run again. The result record is written last.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from eqchip.config import load_design
from eqchip.errors import EqchipError
from eqchip.sweep.adapter import build_point
from eqchip.sweep.record import PointResult, write_result

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


def run_point(point_dir: Path, scheduler: str | None, partition: str | None) -> PointResult:
    t0 = time.monotonic()
    point_dir = Path(point_dir).resolve()
    yaml_path = point_dir / DESIGN_FILE
    loaded = load_design(yaml_path)
    sha = loaded.sha256
    params = (_read_json(point_dir / "params.json") or {})
    result = PointResult(id=point_dir.name, name=loaded.name, params=params, status="failed",
                         design_sha256=sha, log=log_of(point_dir), scheduler=scheduler or "local")

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
        build_root = point_dir / "build"
        build_dir = build_root / loaded.name
        report = _read_json(build_dir / "report.json")
        if report is None or (report.get("design") or {}).get("sha256") != sha:
            _say(f"building {loaded.name} (scheduler: {scheduler or 'local'})")
            built = build_point(yaml_path, build_root, scheduler, partition)
            result.build_status, result.build_notice = built.status, built.notice
            report_log = point_dir / "report.log"
            _say("writing the report")
            with open(report_log, "wb") as fh:
                rep = subprocess.Popen(
                    step_command(["report", str(build_dir), "--design", str(yaml_path)],
                                 scheduler=scheduler, partition=partition,
                                 job_name=f"eqchip-{point_dir.name}-report"),
                    stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                _finish(rep, report_log, "report")
            report = _read_json(build_dir / "report.json")
            if report is None:
                raise StepFailed(f"the report left no {build_dir / 'report.json'}")
        else:
            _say("build and report done before, kept")
            metrics = _read_json(build_dir / "metrics.json") or {}
            result.build_status = metrics.get("status")
            result.build_notice = metrics.get("notice")
    except BaseException:
        if train is not None and train.poll() is None:
            train.terminate()
            train.wait()
        raise
    if train is not None:
        _finish(train, point_dir / "train.log", "training")
    summary = _read_json(summary_path)
    if summary is None:
        raise StepFailed(f"training left no {summary_path}")

    fig = report["energy"]["figures"]
    result.accuracy = float(summary["final_test_acc"])
    result.energy_per_inference_pj = float(fig["energy_per_inference"]["value"])
    result.energy_per_training_sample_pj = float(fig["energy_per_training_sample"]["value"])
    result.energy_per_mac_pj = float(fig["pj_per_synop_inference"]["value"])
    result.area_um2 = float(report["area"]["total_um2"]["value"])
    result.fmax_mhz = float(report["timing"]["fmax_mhz"]["value"])
    result.status = "ok"
    result.seconds = round(time.monotonic() - t0, 3)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m eqchip.sweep.worker")
    ap.add_argument("point_dir", type=Path)
    ap.add_argument("--scheduler", choices=["slurm"], default=None)
    ap.add_argument("--partition", default=None)
    args = ap.parse_args(argv)

    def interrupt(_sig: int, _frame: object) -> None:
        raise KeyboardInterrupt    # stops the training child and SC's nodes on the way out

    signal.signal(signal.SIGTERM, interrupt)
    t0 = time.monotonic()
    try:
        result = run_point(args.point_dir, args.scheduler, args.partition)
    except Exception as exc:  # noqa: BLE001 - every failure becomes the point's record
        text = str(exc) if isinstance(exc, EqchipError) else traceback.format_exc()
        _say(f"failed: {text}")
        failed = failed_result(args.point_dir, text, args.scheduler, time.monotonic() - t0)
        write_result(args.point_dir, failed)
        return 1
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
