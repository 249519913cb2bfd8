"""What a failing or interrupted `eqchip build` puts on the terminal: SiliconCompiler's messages
and eqchip's one clear error last, no Python traceback (SC's "Backtrace:" blocks and its node
processes' tracebacks go to job.log, the node logs and the job's sc_stderr.log).

The full disk is real: a small tmpfs mounted for the test (as root; skipped otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

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
