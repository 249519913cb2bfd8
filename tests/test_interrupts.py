"""Ctrl-C and SIGTERM during a real `eqchip build`: exit 130/143 with one line, the whole
process tree ends, no result that looks complete is left, a second build is refused meanwhile.
Each test interrupts a build of small.yaml during synthesis (a few seconds of tool time)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow


def _sigint_as_in_a_terminal() -> None:
    # pytest itself may run with SIGINT ignored (started in the background by a
    # non-interactive shell, as `cmd &` does); the build then rightly keeps it ignored, so give
    # the build the terminal's default disposition that a Ctrl-C relies on
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(build_root: Path, designs_dir: Path) -> subprocess.Popen:
    # a session of its own: os.killpg then acts like Ctrl-C in a terminal (the whole group)
    return subprocess.Popen([sys.executable, "-m", "eqchip", "build",
                             str(designs_dir / "small.yaml"), "--build-dir", str(build_root),
                             "--to", "synthesis", "--no-report"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_sigint_as_in_a_terminal)


def _wait_for_yosys(proc: subprocess.Popen, timeout: float = 180) -> list[psutil.Process]:
    """The build's descendants once yosys (or eqchip's pyosys shim) runs among them."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the build ended before synthesis ran: {proc.returncode}\n{out}\n{err}")
        try:
            kids = psutil.Process(proc.pid).children(recursive=True)
            if any("yosys" in " ".join(k.cmdline()) for k in kids):
                return kids
        except psutil.Error:
            pass
        time.sleep(0.2)
    proc.kill()
    pytest.fail("yosys did not start")


def _left_running(procs: list[psutil.Process]) -> list[str]:
    alive = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(" ".join(p.cmdline())[:120])
        except psutil.Error:
            pass
    return alive


def _finish(proc: subprocess.Popen) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the build did not end within 60 s of the signal")


def test_sigterm_ends_the_tree_and_a_parallel_build_is_refused(pdk_root: Path,
                                                               designs_dir: Path,
                                                               tmp_path: Path) -> None:
    root = tmp_path / "build"
    proc = _start(root, designs_dir)
    try:
        kids = _wait_for_yosys(proc)
        second = subprocess.run([sys.executable, "-m", "eqchip", "build",
                                 str(designs_dir / "small.yaml"), "--build-dir", str(root),
                                 "--to", "synthesis", "--no-report"],
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 7, second.stderr
        assert f"in use by another eqchip build (pid {proc.pid}, started " in second.stderr
        assert proc.poll() is None                  # the first build was not disturbed
        os.kill(proc.pid, signal.SIGTERM)           # the main process only, as `kill <pid>`
        out, err = _finish(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 128 + signal.SIGTERM, out + err
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert lines == ["error: build of small interrupted by SIGTERM; rerun the same `eqchip "
                     "build` command to resume (finished steps are kept)"], err
    assert _left_running(kids) == []
    assert not (root / "small" / "metrics.json").exists()


def test_ctrl_c_exits_130_and_leaves_nothing_running(pdk_root: Path, designs_dir: Path,
                                                     tmp_path: Path) -> None:
    root = tmp_path / "build"
    proc = _start(root, designs_dir)
    try:
        kids = _wait_for_yosys(proc)
        os.killpg(proc.pid, signal.SIGINT)          # Ctrl-C: the whole foreground group
        out, err = _finish(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, out + err
    assert "interrupted by SIGINT" in err and "to resume" in err
    # eqchip's line last, no Python or SiliconCompiler traceback before it
    assert err.strip().splitlines()[-1].startswith("error: build of small interrupted by")
    assert "Traceback" not in out + err and "Backtrace" not in out + err
    assert 'File "' not in out + err, out + err
    assert _left_running(kids) == []
    assert not (root / "small" / "metrics.json").exists()
