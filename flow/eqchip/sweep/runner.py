"""Run a sweep: write every point's design, run the unfinished ones (`jobs` at a time, each in
its own worker process), and collect every point's record.

Layout of the sweep folder:

    <out>/points/<id>/design.yaml, params.json   the point (id: hash of the design contents)
    <out>/points/<id>/train/, build/<design>/    its training run, its build and report
    <out>/points/<id>/point.log, result.json     its log; its record, written last
    <out>/sc_settings.json                       SiliconCompiler settings for Slurm runs

A point is finished when its record says ok for the design now in design.yaml; everything
else (no record, failed, changed design) runs again, so a killed sweep resumes and added axis
values run only the new points.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil

import eqchip
from eqchip.buildlock import build_lock
from eqchip.config.loader import load_design
from eqchip.errors import EqchipError, ToolError
from eqchip.fileio import write_json_atomic, write_text_atomic
from eqchip.interrupts import GRACE_S, Guard, end_process_tree, interruptible
from eqchip.sweep.points import Point
from eqchip.sweep.record import PointResult, read_result, result_path, write_result
from eqchip.sweep.worker import DESIGN_FILE, POINT_LOG, failed_result, log_of

#: (event, point id, record or None); events: start, done
Listener = Callable[[str, str, PointResult | None], None]


@dataclass(frozen=True)
class RunOptions:
    out_dir: Path
    jobs: int = 1
    scheduler: str | None = None          # None: this machine; "slurm"
    partition: str | None = None          # Slurm partition (None: the default one)
    shared_paths: tuple[str, ...] = ("/",)  # paths every Slurm node sees (SC copies the rest)


def point_dir(out_dir: Path, point: Point) -> Path:
    return Path(out_dir) / "points" / point.id


def prepare(out_dir: Path, points: list[Point]) -> None:
    """Write each valid point's design.yaml and params.json (only when changed)."""
    for p in points:
        d = point_dir(out_dir, p)
        text = p.yaml_text()
        f = d / DESIGN_FILE
        if not f.is_file() or f.read_text(encoding="utf-8") != text:
            write_text_atomic(f, text)
        params = json.dumps(p.params, indent=2, sort_keys=True) + "\n"
        pf = d / "params.json"
        if not pf.is_file() or pf.read_text(encoding="utf-8") != params:
            write_text_atomic(pf, params)


def finished(out_dir: Path, point: Point) -> PointResult | None:
    """The point's ok record for the design in its design.yaml, else None (run it)."""
    d = point_dir(out_dir, point)
    rec = read_result(d)
    if rec is None or rec.status != "ok":
        return None
    try:
        sha = load_design(d / DESIGN_FILE).sha256
    except EqchipError:
        return None
    return rec if rec.design_sha256 == sha else None


def invalid_result(point: Point) -> PointResult:
    return PointResult(id=point.id, name=str(point.design.get("name", point.id)),
                       params=point.params, status="invalid", error="; ".join(point.problems))


def worker_env(opts: RunOptions) -> dict[str, str]:
    """The workers' environment: this eqchip importable by `python3` (Slurm jobs run the
    `python3` on PATH), and for Slurm SiliconCompiler's shared paths (unless the environment
    names a settings file already)."""
    env = dict(os.environ)
    src_root = str(Path(eqchip.__file__).resolve().parent.parent)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if src_root not in parts:
        env["PYTHONPATH"] = os.pathsep.join([src_root, *parts])
    if opts.scheduler == "slurm" and not env.get("SC_SYSTEM_SETTINGS"):
        settings = Path(opts.out_dir).resolve() / "sc_settings.json"
        write_json_atomic(settings, {"scheduler-slurm": {"sharedpaths": list(opts.shared_paths)}})
        env["SC_SYSTEM_SETTINGS"] = str(settings)
    return env


def check_scheduler(scheduler: str | None) -> None:
    if scheduler != "slurm":
        return
    import shutil

    missing = [b for b in ("sinfo", "srun") if shutil.which(b) is None]
    if missing:
        raise ToolError(f"--scheduler slurm: {', '.join(missing)} not found on PATH",
                        hint="run on a machine of the Slurm cluster (a login node), or start a "
                             "local one: bash scripts/slurm-local.sh start DIR")
    probe = subprocess.run(["sinfo", "--noheader", "--format", "%P %t"], capture_output=True,
                           text=True, timeout=30)
    if probe.returncode != 0 or not probe.stdout.strip():
        raise ToolError(f"--scheduler slurm: sinfo found no cluster: "
                        f"{(probe.stderr or probe.stdout).strip() or 'no partitions'}",
                        hint="start slurmctld/slurmd, or set SLURM_CONF to the cluster's "
                             "slurm.conf")


class _Workers:
    """The running worker processes, so an interrupted sweep stops them and waits for them.

    `guard` is the sweep's interrupt guard (None: interrupts are the caller's): once it got
    SIGINT/SIGTERM (its handler passed the signal on to every descendant, `guard.seen`) no
    worker starts, and a worker that ends leaves no record written for it here (the point is
    not finished: the rerun resumes it)."""

    def __init__(self, guard: Guard | None = None) -> None:
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._guard = guard
        self._stopping = False

    @property
    def stopping(self) -> bool:
        return self._stopping or (self._guard is not None and self._guard.signum is not None)

    def run(self, cmd: list[str], log: Path, env: dict[str, str]) -> int | None:
        """The worker's exit code; None when the sweep is stopping (no worker started)."""
        with open(log, "ab") as fh:
            with self._lock:
                if self.stopping:
                    return None
                proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, env=env)
                self._procs.add(proc)
            try:
                return proc.wait()
            finally:
                with self._lock:
                    self._procs.discard(proc)

    def stop(self) -> None:
        """End every running worker and wait for it: SIGTERM unless the interrupt handler sent
        it already (a second one would tell the worker to kill its tools at once), then the
        worker ends its own process tree within eqchip.interrupts.GRACE_S and exits; after
        WORKER_GRACE_S the worker and everything below it are killed."""
        with self._lock:
            self._stopping = True
            procs = list(self._procs)
        trees = {p.pid: _tree(p.pid) for p in procs}
        signalled = self._guard.seen if self._guard is not None else {}
        for p in procs:
            if p.poll() is None and p.pid not in signalled:
                p.terminate()
        deadline = time.monotonic() + WORKER_GRACE_S
        for p in procs:
            try:
                p.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        late = [p for p in procs if p.poll() is None]
        if late:
            end_process_tree([q for p in late for q in trees[p.pid] + _tree(p.pid)],
                             grace_s=0.0)
        for p in procs:
            p.wait()


#: seconds an interrupted worker gets to end its process tree (it gives its tools
#: eqchip.interrupts.GRACE_S) before it is killed with them
WORKER_GRACE_S = GRACE_S + 20.0


def _tree(pid: int) -> list[psutil.Process]:
    """Process `pid` and everything below it (empty when it has ended)."""
    try:
        proc = psutil.Process(pid)
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return []


@contextlib.contextmanager
def sweep_lock(out_dir: Path, notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the sweep folder's lock (eqchip.buildlock, as `eqchip build` holds its build
    folder's): two sweeps in one folder would run the same points at once. The processes the
    sweep starts do not hold it; a lock left by a killed sweep is taken over (said to
    `notify`)."""
    with build_lock(Path(out_dir), notify=notify,
                    busy_hint="wait for it to finish, stop it, or give this sweep another "
                              "folder (-o)"):
        yield


def run_points(points: list[Point], opts: RunOptions,
               listener: Listener | None = None) -> list[PointResult]:
    """Run every unfinished valid point; return every point's record, in `points` order."""
    check_scheduler(opts.scheduler)
    return _run_points(points, opts, listener)


def _run_points(points: list[Point], opts: RunOptions,
                listener: Listener | None) -> list[PointResult]:
    emit = listener or (lambda _e, _i, _r: None)
    out = Path(opts.out_dir).resolve()
    valid = [p for p in points if p.valid]
    prepare(out, valid)
    records: dict[str, PointResult] = {}
    todo: list[Point] = []
    for p in points:
        if not p.valid:
            records[p.id] = invalid_result(p)
            continue
        done = finished(out, p)
        if done is not None:
            records[p.id] = done
        else:
            todo.append(p)
    env = worker_env(opts) if todo else {}
    with _interrupts(out) as guard:
        workers = _Workers(guard)
        _run_todo(todo, out, opts, env, workers, emit, records)
    return [records[p.id] for p in points]


def _run_todo(todo: list[Point], out: Path, opts: RunOptions, env: dict[str, str],
              workers: _Workers, emit: Listener, records: dict[str, PointResult]) -> None:
    """Run the points of `todo`, `opts.jobs` at a time, into `records`. Whatever ends it early
    (an interrupt) stops the workers and waits for them before it is raised."""

    def one(p: Point) -> PointResult:
        d = point_dir(out, p)
        result_path(d).unlink(missing_ok=True)
        log = d / POINT_LOG
        log.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "eqchip.sweep.worker", str(d)]
        if opts.scheduler:
            cmd += ["--scheduler", opts.scheduler]
        if opts.partition:
            cmd += ["--partition", opts.partition]
        emit("start", p.id, None)
        t0 = time.monotonic()
        rc = workers.run(cmd, log, env)
        rec = read_result(d) if rc is not None else None
        if rec is None or (rc != 0 and rec.status == "ok"):
            why = (f"the point's process ended with exit code {rc} (killed or crashed) "
                   "without a result" if rc is not None else "not run: the sweep was stopped")
            rec = failed_result(d, why, opts.scheduler, time.monotonic() - t0)
            if workers.stopping:          # interrupted, not failed: no record, not counted
                rec.params, rec.log = p.params, log_of(d)
                return rec
            write_result(d, rec)
        rec.params = p.params
        rec.log = log_of(d)
        emit("done", p.id, rec)
        return rec

    pool = ThreadPoolExecutor(max_workers=max(1, opts.jobs))
    try:
        for p, rec in zip(todo, pool.map(one, todo), strict=True):
            records[p.id] = rec
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        workers.stop()
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)


def _interrupts(out: Path) -> contextlib.AbstractContextManager[Guard | None]:
    """SIGINT/SIGTERM end the sweep's whole process tree (its workers and everything they
    started: each worker ends its own point's tree, eqchip.sweep.worker) and exit 130/143
    (eqchip.interrupts), as for `eqchip build`; the sweep waits for its workers to end first.
    Signal handlers can only be set in the main thread: elsewhere the caller handles
    interrupts (yields None)."""
    if threading.current_thread() is not threading.main_thread():
        return contextlib.nullcontext()
    return interruptible(f"sweep in {out}", "rerun the same `eqchip sweep` command to resume "
                         "(finished points are kept)")
