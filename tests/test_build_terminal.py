"""What a failing or interrupted `eqchip build` puts on the terminal: SiliconCompiler's messages
and eqchip's one clear error last, no Python traceback (SC's "Backtrace:" blocks and its node
processes' tracebacks go to job.log, the node logs and the job's sc_stderr.log).

The full disk is real: a small tmpfs mounted for the test (as root; skipped otherwise). The
backtrace SC logs for the exception that stopped a node or the run (a Ctrl-C that ends a node's
tool, a full disk) is SC's own `print_traceback` on a real SC project's logger set up as
`eqchip build` sets it up; a node process's uncaught exception is a real forked process."""

from __future__ import annotations

import logging
import multiprocessing
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

#: big enough for the staged RTL, macro views and SC's first manifests, not for synthesis
FULL_DISK_MB = 20


@pytest.fixture
def small_disk(tmp_path: Path):  # noqa: ANN201 - yields the mount point
    mnt = tmp_path / f"disk_{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (a disk that fills up) needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FULL_DISK_MB}m", "tmpfs",
                           str(mnt)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _assert_no_tracebacks(out: str, err: str) -> None:
    assert "Traceback" not in out + err, err
    assert "Backtrace" not in out + err, out
    assert "--- Logging error ---" not in err
    assert 'File "' not in out + err, out + err


@pytest.mark.slow
def test_full_disk_ends_in_one_clear_error(pdk_root: Path, designs_dir: Path,
                                          small_disk: Path) -> None:
    """A disk filling up during a build printed 730 lines with 25 SC tracebacks before
    eqchip's error: now SC's error messages and eqchip's error last."""
    proc = subprocess.run([sys.executable, "-m", "eqchip", "build",
                           str(designs_dir / "small.yaml"), "--build-dir", str(small_disk)],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode not in (0, 5), proc.stdout + proc.stderr
    _assert_no_tracebacks(proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1 and lines[-2] == errors[0], proc.stderr
    assert "No space left on device" in errors[0]
    assert lines[-1].startswith("  fix: ")
    assert len((proc.stdout + proc.stderr).splitlines()) < 30
    job = small_disk / "small" / "job0"
    assert "Backtrace:" in (job / "job.log").read_text(errors="replace")


def test_sc_backtraces_stay_off_the_terminal(capfd: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    """SC's `print_traceback` (the 9-line "Backtrace:" a Ctrl-C printed) on the project logger
    as `eqchip build` configures it: the message stays, the backtrace goes to the log files
    only; a node's records (prefixed with job, step and index) likewise."""
    from siliconcompiler import ASIC, Design, utils

    from eqchip.asic.run import _quiet_terminal

    project = ASIC(Design("t"))
    _quiet_terminal(project, verbose=False)
    job_log = logging.FileHandler(tmp_path / "job.log")
    project.logger.addHandler(job_log)
    try:
        raise BrokenPipeError(32, "the run's manager process was interrupted")
    except BrokenPipeError as exc:
        utils.print_traceback(project.logger, exc)
    node = "| ERROR    | job0 | synthesis            | 0 | "
    for text in ("Failed in run() for yosys/syn_asic", "Backtrace:",
                 '  File "/x/schedulernode.py", line 1150, in execute',
                 "    self.__task.pre_process()", "Run failed: interrupted"):
        project.logger.error(node + text)
    job_log.close()
    project.logger.removeHandler(job_log)
    out, err = capfd.readouterr()
    assert "the run's manager process was interrupted" in out
    assert "Failed in run() for yosys/syn_asic" in out and "Run failed: interrupted" in out
    _assert_no_tracebacks(out, err)
    kept = (tmp_path / "job.log").read_text()
    assert kept.count("Backtrace:") == 2 and "in execute" in kept


def _node_process_fails() -> None:
    raise OSError(28, "No space left on device")


def test_node_process_tracebacks_go_to_the_log(capfd: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    """A process forked during the SC run (as SC forks its nodes) that dies of an uncaught
    exception writes its traceback to the job's sc_stderr.log, not to the terminal."""
    from eqchip.asic.scterm import STDERR_LOG, stderr_to

    log = tmp_path / "job0" / STDERR_LOG
    with stderr_to(log):
        proc = multiprocessing.get_context("fork").Process(target=_node_process_fails)
        proc.start()
        proc.join(60)
    assert proc.exitcode == 1
    out, err = capfd.readouterr()
    _assert_no_tracebacks(out, err)
    assert "OSError: [Errno 28] No space left on device" in log.read_text()
    with stderr_to(tmp_path / "unused" / STDERR_LOG):
        pass
    assert not (tmp_path / "unused").exists()          # created on the first write only
