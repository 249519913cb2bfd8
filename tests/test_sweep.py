"""`eqchip sweep`: spec and points (fast), then real sweeps of designs/sweeps/tiny_clock.yaml:
killed and resumed locally, the Pareto front checked on its results, one of its points through
a real Slurm cluster (its jobcomp log proves the jobs), failed points recorded with their log,
one sweep per folder, SIGTERM ending a running sweep's whole process tree."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eqchip.sweep.pareto import dominates
from eqchip.sweep.points import evaluate, expand
from eqchip.sweep.record import METRICS, PointResult, read_result
from eqchip.sweep.spec import OBJECTIVES, load_sweep
from eqchip.sweep.table import read_table

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "designs" / "sweeps" / "tiny_clock.yaml"


def _eqchip(*args: str, cwd: Path | None = None, timeout: int = 1500,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eqchip", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout, env=env)


# --- spec and points (no tools) ---------------------------------------------------------------

def test_shipped_sweeps_expand(designs_dir: Path) -> None:
    files = sorted((designs_dir / "sweeps").glob("*.yaml"))
    assert TINY in files
    for f in files:
        spec, base = load_sweep(f)
        points = expand(spec, base)
        assert len({p.id for p in points}) == len(points)
        assert len({p.design["name"] for p in points}) == len(points)
    spec, base = load_sweep(designs_dir / "sweeps" / "small_variants.yaml")
    assert sum(p.valid for p in expand(spec, base)) >= 8


def test_grid_links_sample_and_invalid_points(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(f"""name: s
base: {REPO / 'designs' / 'small.yaml'}
axes:
  fixed_point.weight_bits: [8, 16]
  parallel.mac_units: {{from: 1, to: 3, step: 1}}
link:
  fixed_point.weight_frac: fixed_point.weight_bits - 3
  mram.word_bits: 2 * fixed_point.weight_bits
""")
    spec, base = load_sweep(f)
    points = expand(spec, base)
    assert len(points) == 6
    for p in points:
        wb = p.design["fixed_point"]["weight_bits"]
        assert p.design["fixed_point"]["weight_frac"] == wb - 3
        assert p.design["mram"]["word_bits"] == 2 * wb
        # 3 MAC units cannot share a word of two weights: reported, not raised
        assert p.valid == (p.design["parallel"]["mac_units"] != 3), p.problems
    again = expand(*load_sweep(f))
    assert [p.id for p in again] == [p.id for p in points]
    f.write_text(f.read_text() + "sample: {points: 3, seed: 7}\n")
    sampled = expand(*load_sweep(f))
    assert len(sampled) == 3 and {p.id for p in sampled} <= {p.id for p in points}
    assert evaluate("max(2, fixed_point.weight_bits // 4)", points[0].design) == 2
    with pytest.raises(ValueError, match="not allowed"):
        evaluate("__import__('os')", points[0].design)


def test_bad_sweep_file_is_one_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("name: bad\nbase: small\naxes:\n  fixed_point.weight_bit: [8]\n")
    proc = _eqchip("sweep", str(f), "--dry-run")
    assert proc.returncode == 2
    assert str(f) in proc.stderr and "'fixed_point.weight_bit' is not a design field" in \
        proc.stderr and "did you mean fixed_point.weight_bits" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- real sweeps ------------------------------------------------------------------------------

def _valid_ids() -> list[str]:
    return [p.id for p in expand(*load_sweep(TINY)) if p.valid]


def _invalid_ids() -> list[str]:
    return [p.id for p in expand(*load_sweep(TINY)) if not p.valid]


@pytest.fixture(scope="module")
def local_sweep(pdk_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny_clock run locally, killed (the whole process group) once its first point finished,
    then rerun: the rerun must finish only the missing point."""
    work = tmp_path_factory.mktemp("sweep_local")
    out = work / "out"
    ids = _valid_ids()
    cmd = [sys.executable, "-m", "eqchip", "sweep", str(TINY), "-o", str(out), "--jobs", "1"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    first = None
    deadline = time.monotonic() + 1200
    while first is None and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
        first = next((i for i in ids if (out / "points" / i / "result.json").is_file()), None)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert first is not None, "no point finished before the deadline"
    assert not (out / "results.json").exists(), "a killed sweep must not look complete"
    missing = [i for i in ids if i != first]
    assert all(read_result(out / "points" / i) is None for i in missing)
    kept = (out / "points" / first / "result.json").stat().st_mtime_ns

    rerun = _eqchip("sweep", str(TINY), "-o", str(out), "--jobs", "1", cwd=work)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"({len(missing)} points run now)" in rerun.stdout
    assert (out / "points" / first / "result.json").stat().st_mtime_ns == kept
    for i in ids:
        assert read_result(out / "points" / i).status == "ok"
    return out


def test_resumed_sweep_outputs(local_sweep: Path) -> None:
    out = local_sweep
    table = read_table(out / "results.json")
    ids = _valid_ids()
    assert [r.result.id for r in table.rows if r.result.status == "ok"] == ids
    invalid = [r.result for r in table.rows if r.result.status == "invalid"]
    assert [r.id for r in invalid] == _invalid_ids()
    assert all("parallel.mac_units" in r.error for r in invalid)
    header = (out / "results.csv").read_text().splitlines()[0].split(",")
    for col in ("clock.freq_mhz", "parallel.mac_units", *METRICS, "on_front", "status"):
        assert col in header
    assert len((out / "results.csv").read_text().splitlines()) == 1 + len(table.rows)
    for r in table.ok:
        assert 0.0 <= r.accuracy <= 1.0 and r.energy_per_inference_pj > 0 and r.area_um2 > 0
        assert r.build_status == "partial" or r.build_status == "complete"
    html = (out / "sweep.html").read_text()
    assert html.count("<circle") == 2 * len(ids)           # two panels
    assert "<title>" in html and "clock.freq_mhz = 20" in html
    assert "<script src" not in html and "<link" not in html and "http" not in html.replace(
        "http://www.w3.org/2000/svg", "")
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    best = (out / "best.yaml").read_text()
    assert best == (out / "points" / table.best / "design.yaml").read_text()
    proc = _eqchip("render", str(out / "best.yaml"), "-o", str(out / "best_rtl"))
    assert proc.returncode == 0, proc.stderr


def test_pareto_front_on_real_results(local_sweep: Path) -> None:
    table = read_table(local_sweep / "results.json")
    rows = {r.result.id: r.result.model_dump() for r in table.rows if r.result.status == "ok"}
    on = set(table.front)
    assert on and on <= set(rows)
    for i in on:
        assert not any(dominates(rows[j], rows[i], OBJECTIVES) for j in rows if j != i), i
    off = set(rows) - on
    assert off, "tiny_clock has a dominated point (the slower clock)"
    for i in off:
        assert any(dominates(rows[j], rows[i], OBJECTIVES) for j in rows), i
    assert table.best in on
    flags = {r.result.id: r.on_front for r in table.rows}
    assert {i for i, f in flags.items() if f} == on


def _one_point_sweep(folder: Path) -> Path:
    """tiny_clock with its faster clock only: one valid point (the same id as in tiny_clock:
    the ids hash the design) and one invalid one."""
    one = folder / "tiny_clock.yaml"
    one.write_text(TINY.read_text().replace("base: ../small.yaml",
                                            f"base: {REPO / 'designs' / 'small.yaml'}")
                   .replace("clock.freq_mhz: [50, 20]", "clock.freq_mhz: [50]"))
    return one


def _jobcomp(path: Path) -> list[dict[str, str]]:
    jobs = []
    for line in path.read_text().splitlines():
        rec = dict(f.split("=", 1) for f in line.split() if "=" in f)
        jobs.append(rec)
    return jobs


def test_slurm_sweep_matches_local(local_sweep: Path, slurm_cluster: Path,
                                   tmp_path: Path) -> None:
    """The faster point of tiny_clock (and its invalid one) swept through the Slurm cluster:
    Slurm's own record shows its training, report and every flow step as completed jobs, and
    the results equal the local run's for the same point. (One point: a second would go
    through the same code again, and costs a build.)"""
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    one = _one_point_sweep(work)
    points = expand(*load_sweep(one))
    ids = [p.id for p in points if p.valid]
    assert len(ids) == 1 and ids[0] in _valid_ids() and len(points) == 2
    proc = _eqchip("sweep", str(one), "-o", str(out), "--jobs", "2", "--scheduler", "slurm",
                   cwd=work)
    log = slurm_cluster / "slurmctld.log"
    assert proc.returncode == 0, proc.stdout + proc.stderr + log.read_text()[-3000:]
    # Slurm's own record of finished jobs, those submitted from this sweep's folder
    jobs = [j for j in _jobcomp(slurm_cluster / "jobcomp.log")
            if Path(j.get("WorkDir", "")).resolve() == work.resolve()]
    names = [j["Name"] for j in jobs]
    assert all(j["JobState"] == "COMPLETED" for j in jobs), jobs
    for i in ids:
        assert f"eqchip-{i}-train" in names and f"eqchip-{i}-report" in names
    for step in ("elaborate_0", "synthesis_0", "synthesis.sta_0"):
        assert sum(n.endswith(f"_{step}") for n in names) == len(ids), names
    local = {r.result.id: r.result for r in read_table(local_sweep / "results.json").rows}
    slurm = read_table(out / "results.json")
    assert [r.result.id for r in slurm.rows] == [p.id for p in points]
    for b in (r.result for r in slurm.rows):
        a = local[b.id]
        assert a.status == b.status
        assert b.scheduler == ("slurm" if b.status == "ok" else "local")
        for m in METRICS:
            assert getattr(a, m) == getattr(b, m), (b.id, m)
    assert slurm.front == ids and slurm.best == ids[0]


def test_failed_points_are_recorded_and_do_not_stop_the_others(pdk_root: Path,
                                                               tmp_path: Path) -> None:
    """Every build fails (PDK_ROOT points nowhere): each point gets a failed record with its
    log, the sweep still tabulates all of them and exits 1 naming the logs. The folder's lock
    record of a sweep that was killed (no process holds the lock) is taken over, with a
    warning."""
    from eqchip.buildlock import LOCK_NAME

    out = tmp_path / "out"
    out.mkdir()
    dead = {"pid": 999999999, "started_utc": "2026-01-01T00:00:00Z",
            "command": "eqchip sweep tiny_clock (killed)"}
    (out / LOCK_NAME).write_text(json.dumps(dead) + "\n")
    env = {**os.environ, "PDK_ROOT": str(tmp_path / "no_pdk"), "COLUMNS": "200"}
    proc = _eqchip("sweep", str(TINY), "-o", str(out), "--jobs", "1", env=env, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "taking over the lock of a build that ended without releasing it (pid 999999999" \
        in proc.stderr.replace("\n", " ")
    assert (out / LOCK_NAME).read_text() == ""          # released at the end
    assert "Traceback" not in proc.stderr
    assert "points failed" in proc.stderr and "point.log" in proc.stderr
    doc = json.loads((out / "results.json").read_text())
    statuses = [r["result"]["status"] for r in doc["rows"]]
    assert statuses.count("failed") == len(_valid_ids())
    assert statuses.count("invalid") == len(_invalid_ids())
    for r in doc["rows"]:
        rec = r["result"]
        if rec["status"] == "failed":
            assert "PDK" in rec["error"] or "pdk" in rec["error"]
            assert "PDK" in (out / rec["log"]).read_text() or "pdk" in (out / rec["log"]
                                                                        ).read_text()
    assert doc["front"] == [] and doc["best"] is None and not (out / "best.yaml").exists()


def test_one_sweep_per_folder(tmp_path: Path) -> None:
    """A sweep holds its folder's lock (eqchip.buildlock, a POSIX lock of this process, as a
    running sweep holds it): a second sweep there is refused, naming the holder. (A lock left
    by a sweep that ended is taken over: test_failed_points_are_recorded_...)"""
    from eqchip.buildlock import build_lock

    out = tmp_path / "out"
    with build_lock(out):
        proc = _eqchip("sweep", "tiny_clock", "-o", str(out), timeout=120)
    assert proc.returncode == 7, proc.stdout + proc.stderr          # BuildLocked
    assert f"{out} is in use by another eqchip build (pid {os.getpid()}, started " \
        in proc.stderr
    assert "give this sweep another folder (-o)" in proc.stderr
    assert not (out / "points").exists() and not (out / "results.json").exists()


def test_sigterm_ends_the_sweep_tree_and_a_second_sweep_is_refused(pdk_root: Path,
                                                                   tmp_path: Path) -> None:
    """While a sweep runs its first point, a second sweep into its folder is refused (exit 7,
    naming the first); `kill <pid>` of the sweep ends every process it started and exits 143
    with one line; nothing looks finished."""
    import psutil

    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "eqchip", "sweep", str(TINY), "-o", str(out),
                             "--jobs", "1"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "COLUMNS": "200"})
    try:
        kids: list[psutil.Process] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                kids = psutil.Process(proc.pid).children(recursive=True)
                cmds = [" ".join(k.cmdline()) for k in kids]
            except psutil.Error:
                cmds = []
            # the point's worker and a step it started (training or the build's tools)
            if any("eqchip.sweep.worker" in c for c in cmds) and len(kids) >= 2:
                break
            time.sleep(0.2)
        assert proc.poll() is None and len(kids) >= 2, "the sweep did not start a point"
        second = _eqchip("sweep", str(TINY), "-o", str(out), timeout=120)
        assert second.returncode == 7, second.stdout + second.stderr
        assert f"in use by another eqchip build (pid {proc.pid}, started " in second.stderr
        assert proc.poll() is None                      # the first sweep was not disturbed
        os.kill(proc.pid, signal.SIGTERM)               # the main process only, as `kill <pid>`
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the sweep did not end within 60 s of SIGTERM")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 128 + signal.SIGTERM, err
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert errors == [f"error: sweep in {out} interrupted by SIGTERM; rerun the same `eqchip "
                      "sweep` command to resume (finished points are kept)"], err
    assert "Traceback" not in err
    alive = []
    for k in kids:
        try:
            if k.is_running() and k.status() != psutil.STATUS_ZOMBIE:
                alive.append(" ".join(k.cmdline())[:120])
        except psutil.Error:
            pass
    assert alive == []
    assert not (out / "results.json").exists()
    assert all(read_result(d) is None or read_result(d).status != "ok"
               for d in (out / "points").iterdir())


def _processes_naming(text: str) -> list[str]:
    """Running processes whose command line contains `text` (pid: command)."""
    import psutil

    found = []
    for p in psutil.process_iter(["pid", "cmdline", "status"]):
        cmd = " ".join(p.info.get("cmdline") or [])
        if text in cmd and p.info.get("status") != psutil.STATUS_ZOMBIE:
            found.append(f"{p.info['pid']}: {cmd[:120]}")
    return found


def _synthesis_process(root: int):  # noqa: ANN202 - psutil.Process | None
    """The synthesis node's yosys (or eqchip's pyosys shim, eqchip/bin/yosys) running a
    script (`yosys -c ...`, not a `--version` probe) below process `root`, or None."""
    import psutil

    try:
        kids = psutil.Process(root).children(recursive=True)
    except psutil.Error:
        return None
    for k in kids:
        try:
            cmd = k.cmdline()
        except psutil.Error:              # ended meanwhile, or a zombie
            continue
        if any(Path(a).name == "yosys" for a in cmd[:2]) and "-c" in cmd:
            return k
    return None


def test_point_interrupted_in_synthesis_resumes_to_the_same_results(local_sweep: Path,
                                                                    tmp_path: Path) -> None:
    """`kill <pid>` of a sweep while its point's synthesis runs (issue 23): the sweep exits 143
    once every process of the point has ended, nothing of the point reads as done (no ok
    record, no metrics.json or report.json of a build that did not finish), and the rerun
    builds the point again and gives exactly the figures of the uninterrupted run of the same
    point (`local_sweep`). A point left as the bug left it (synthesis `running` in its
    build_state.json beside a metrics.json, a report without area) is rebuilt by the rerun
    too, not kept. (Before the fix the interrupted worker's SiliconCompiler run swallowed the
    interrupt and the worker wrote those files in some runs, and exited 0 without a word in
    the others: which one depends on which process handles the signal first.)"""
    import psutil

    from eqchip.config import load_design

    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    one = _one_point_sweep(work)
    (pid,) = [p.id for p in expand(*load_sweep(one)) if p.valid]
    point = out / "points" / pid
    proc = subprocess.Popen([sys.executable, "-m", "eqchip", "sweep", str(one), "-o", str(out),
                             "--jobs", "1"], cwd=work, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "COLUMNS": "200"})
    try:
        synth: psutil.Process | None = None
        deadline = time.monotonic() + 300
        while synth is None and time.monotonic() < deadline and proc.poll() is None:
            synth = _synthesis_process(proc.pid)
            time.sleep(0.1)
        assert synth is not None, "the point's synthesis did not start"
        time.sleep(2.0)
        assert synth.is_running() and synth.status() != psutil.STATUS_ZOMBIE, \
            "synthesis ended before the signal: the test must interrupt it"
        os.kill(proc.pid, signal.SIGTERM)               # the main process only, as `kill <pid>`
        t0 = time.monotonic()
        try:
            _, err = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            pytest.fail("the sweep did not end within 90 s of SIGTERM")
        stopped_s = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 128 + signal.SIGTERM, err
    # the sweep ended after its point's processes, not before them
    assert _processes_naming(str(out)) == []
    time.sleep(2.0)                                     # nothing is left to write anything
    rec = read_result(point)
    assert rec is None or rec.status != "ok", rec
    build_dir = point / "build" / load_design(point / "design.yaml").name
    assert build_dir.is_dir()
    left = sorted(f.name for f in build_dir.iterdir()
                  if f.name in ("metrics.json", "report.json", "report.md", "report.html"))
    assert left == [], f"an interrupted build left {left} (stopped in {stopped_s:.1f} s)"
    assert not (out / "results.json").exists()
    # the point's worker ended through its interrupt guard and says so (not a silent exit)
    log = (point / "point.log").read_text()
    assert f"point {pid} interrupted by SIGTERM; rerun the sweep to resume it" in log, log

    uninterrupted = read_result(local_sweep / "points" / pid)
    assert uninterrupted is not None and uninterrupted.status == "ok"
    _rerun_matches(one, out, pid, uninterrupted)

    # the files an interrupted point was left with before issue 23 was fixed (a build_state
    # with synthesis still `running`, metrics.json, a report without its area, a failed
    # record): the rerun builds and reports the point again instead of keeping them
    state = json.loads((build_dir / "build_state.json").read_text())
    (synthesis,) = [n for n in state["nodes"] if n["step"] == "synthesis"]
    synthesis["status"] = "running"
    (build_dir / "build_state.json").write_text(json.dumps(state, indent=2) + "\n")
    report = json.loads((build_dir / "report.json").read_text())
    report["area"] = None
    (build_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (point / "result.json").unlink()
    _rerun_matches(one, out, pid, uninterrupted)


def _rerun_matches(sweep: Path, out: Path, pid: str, expected: PointResult) -> None:
    """Rerun `sweep` in `out`: its one point `pid` is built again (not kept: no "nothing
    changed") and gives every figure of `expected`."""
    point = out / "points" / pid
    rerun = _eqchip("sweep", str(sweep), "-o", str(out), "--jobs", "1", cwd=sweep.parent)
    log = (point / "point.log").read_text()
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr + log
    assert "(1 points run now)" in rerun.stdout
    assert "nothing changed since the last build" not in log, log   # the build ran again
    resumed = read_result(point)
    assert resumed is not None and resumed.status == "ok", log
    for m in METRICS:
        assert getattr(resumed, m) == getattr(expected, m), m
    assert resumed.build_status == expected.build_status
    (build_dir,) = [d for d in (point / "build").iterdir() if d.is_dir()]
    metrics = json.loads((build_dir / "metrics.json").read_text())
    assert metrics["design_sha256"] == resumed.design_sha256
    state = json.loads((build_dir / "build_state.json").read_text())
    ran = {n["step"]: n["status"] for n in state["nodes"]}
    assert all(ran[s] == "success" for s in metrics["flow"]["completed"]) and \
        "synthesis" in metrics["flow"]["completed"], ran


# --- the sweep folder's outputs across runs -----------------------------------------------------

#: what a finished run leaves beside its points (eqchip.sweep.folder)
RUN_OUTPUTS = ("results.json", "results.csv", "sweep.html", "sweep.png", "best.yaml")


def _tiny_with_clocks(folder: Path, clocks: str, name: str = "tiny_clock",
                      macs: str = "[2, 3]") -> Path:
    f = folder / f"{name}.yaml"
    f.write_text(TINY.read_text().replace("base: ../small.yaml",
                                          f"base: {REPO / 'designs' / 'small.yaml'}")
                 .replace("name: tiny_clock", f"name: {name}")
                 .replace("clock.freq_mhz: [50, 20]", f"clock.freq_mhz: {clocks}")
                 .replace("parallel.mac_units: [2, 3]", f"parallel.mac_units: {macs}"))
    return f


def test_interrupted_rerun_with_a_new_axis_value_leaves_no_stale_outputs(
        local_sweep: Path, tmp_path: Path) -> None:
    """A finished tiny_clock folder, rerun with one more clock and stopped (SIGTERM) while the
    new point runs: the last run's table, plots and best design are gone (they described the
    old points and would look complete); the finished points are kept."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(local_sweep, out, symlinks=True)
    assert all((out / name).is_file() for name in RUN_OUTPUTS)
    sweep = _tiny_with_clocks(tmp_path, "[50, 20, 40]")
    new = [p.id for p in expand(*load_sweep(sweep)) if p.valid and p.id not in _valid_ids()]
    assert len(new) == 1
    proc = subprocess.Popen([sys.executable, "-m", "eqchip", "sweep", str(sweep), "-o",
                             str(out), "--jobs", "1"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and \
                not _processes_naming(f"eqchip.sweep.worker {out / 'points' / new[0]}"):
            time.sleep(0.2)
        assert proc.poll() is None, "the rerun ended before its new point started"
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert [n for n in RUN_OUTPUTS if (out / n).exists()] == []
    assert json.loads((out / "sweep.json").read_text())["sweep"] == "tiny_clock"
    assert all(read_result(out / "points" / i).status == "ok" for i in _valid_ids())
    assert read_result(out / "points" / new[0]) is None


def test_a_second_sweep_does_not_replace_the_first_ones_results(local_sweep: Path,
                                                                tmp_path: Path) -> None:
    """A second sweep into a finished sweep's folder replaced its results.csv and deleted its
    best.yaml without a word when all its points were invalid: a sweep without a valid point
    is refused (exit 2) before it touches the folder, and a sweep of another name is refused
    (exit 6) naming the sweep the folder holds; the first sweep's outputs stay byte for
    byte."""
    out = tmp_path / "out"
    out.mkdir()
    for name in RUN_OUTPUTS:
        (out / name).write_bytes((local_sweep / name).read_bytes())
    before = {n: (out / n).read_bytes() for n in RUN_OUTPUTS}
    for name, code, says in (
            ("other", 2, "none of the sweep's 1 points is a valid design"),
            ("tiny_clock", 2, "none of the sweep's 1 points is a valid design")):
        f = _tiny_with_clocks(tmp_path, "[50]", name=name, macs="[3]")
        proc = _eqchip("sweep", str(f), "-o", str(out), cwd=tmp_path, timeout=120)
        assert proc.returncode == code, proc.stdout + proc.stderr
        assert says in proc.stderr and "Traceback" not in proc.stderr
        assert f"{out} was left as it was" in proc.stderr.replace("\n", " ")
    f = _tiny_with_clocks(tmp_path, "[50]", name="other")
    proc = _eqchip("sweep", str(f), "-o", str(out), cwd=tmp_path, timeout=120)
    assert proc.returncode == 6, proc.stdout + proc.stderr
    assert f"{out} holds the results of sweep 'tiny_clock' (results.json); this is sweep " \
        "'other'" in proc.stderr.replace("\n", " ")
    assert "give this sweep its own folder (-o DIR)" in proc.stderr
    assert {n: (out / n).read_bytes() for n in RUN_OUTPUTS} == before
    assert not (out / "points").exists()
