"""One build per build folder: a second build is refused at once, a crashed build's lock is
taken over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from eqchip.buildlock import LOCK_NAME, BuildLocked, build_lock

HOLDER = """
import fcntl, json, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX)
os.write(fd, json.dumps({"pid": os.getpid(), "started_utc": "2026-01-01T00:00:00Z",
                         "command": "eqchip build small"}).encode())
print("locked", flush=True)
time.sleep(60)
"""

@contextmanager
def lock_held_by_another_process(folder: Path) -> Iterator[int]:
    """A process that holds `folder`'s build lock (record: pid, 2026-01-01, "eqchip build
    small") while the block runs; yields its pid. It is killed afterwards, as in a crash."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder / LOCK_NAME)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


TRY_LOCK = """
import sys
from eqchip.buildlock import BuildLocked, build_lock
try:
    with build_lock(sys.argv[1]):
        print("locked")
except BuildLocked as exc:
    print("BuildLocked", exc)
"""


def test_second_build_is_refused_naming_the_running_one(tmp_path: Path) -> None:
    folder = tmp_path / "small"
    folder.mkdir()
    with lock_held_by_another_process(folder) as holder_pid:
        start = time.monotonic()
        with pytest.raises(BuildLocked) as info, build_lock(folder):
            pass
        assert time.monotonic() - start < 2              # refused at once, no waiting
        msg = str(info.value)
        assert f"pid {holder_pid}" in msg and "started 2026-01-01T00:00:00Z" in msg
        assert "eqchip build small" in msg and "--build-dir" in msg
        assert info.value.exit_code == 7
    # the holder is gone (as after a crash): the kernel released its flock
    notes: list[str] = []
    with build_lock(folder, notify=notes.append):
        # another process sees this one as the holder (the record names this pid)
        other = subprocess.run([sys.executable, "-c", TRY_LOCK, str(folder)],
                               capture_output=True, text=True, timeout=60)
        assert other.stdout.startswith("BuildLocked"), other.stdout + other.stderr
        assert f"pid {os.getpid()}, started " in other.stdout
    assert len(notes) == 1 and f"pid {holder_pid}" in notes[0] and "taking over" in notes[0]
    assert (folder / LOCK_NAME).read_text() == ""        # released: an empty record
    with build_lock(folder, notify=notes.append):        # a clean release is no news
        pass
    assert len(notes) == 1


def test_takeover_waits_for_processes_of_the_dead_build(tmp_path: Path) -> None:
    folder = tmp_path / "small"
    node = folder / "job0" / "synthesis" / "0"
    node.mkdir(parents=True)
    # the record of a build killed with -9, and one of its tools still working in the folder
    (folder / LOCK_NAME).write_text(json.dumps({"pid": 999999, "started_utc": "x",
                                                "command": "eqchip build small"}))
    tool = subprocess.Popen(["sleep", "60"], cwd=node)
    try:
        with pytest.raises(BuildLocked) as info, build_lock(folder):
            pass
        assert f"{tool.pid}: sleep 60" in str(info.value)
        assert "still work in the folder" in str(info.value)
    finally:
        tool.kill()
        tool.wait()
    notes: list[str] = []
    with build_lock(folder, notify=notes.append):
        pass
    assert len(notes) == 1 and "pid 999999" in notes[0]


def test_cli_refuses_a_build_into_a_locked_folder(tmp_path: Path, designs_dir: Path) -> None:
    folder = tmp_path / "build" / "small"
    folder.mkdir(parents=True)
    with lock_held_by_another_process(folder) as holder_pid:
        proc = subprocess.run([sys.executable, "-m", "eqchip", "build",
                               str(designs_dir / "small.yaml"), "--build-dir",
                               str(tmp_path / "build")], capture_output=True, text=True,
                              timeout=120)
    assert proc.returncode == 7, proc.stderr
    assert f"in use by another eqchip build (pid {holder_pid}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == [LOCK_NAME]     # nothing touched


def test_regress_refuses_a_design_whose_folder_is_being_built(tmp_path: Path) -> None:
    folder = tmp_path / "build" / "small"
    folder.mkdir(parents=True)
    with lock_held_by_another_process(folder) as holder_pid:
        proc = subprocess.run([sys.executable, "-m", "eqchip", "regress", "small", "--no-build",
                               "--build-root", str(tmp_path / "build"), "--no-history"],
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 7, proc.stderr
    assert f"in use by another eqchip build (pid {holder_pid}" in proc.stderr
    assert not (tmp_path / "build" / "regress" / "junit.xml").exists()
