"""One build at a time per build folder.

`build_lock(folder)` takes an exclusive POSIX record lock (`lockf`) on `<folder>/.eqchip-lock`
and writes who holds it (pid, start time, command) into the file. A second build into the same
folder is refused at once with that record. The kernel releases the lock when its process ends,
however it ends, so a lock left by a crashed or killed build is never in the way: the next
build takes it over and says whose it was (the record is still in the file). Before it does,
it looks for processes of the dead build still working in the folder (SiliconCompiler's node
processes and their tools run with their working directory in it) and refuses while there are
any, naming them. The lock is the process's own: processes the build forks do not hold it, so
an idle helper SiliconCompiler left behind does not block the folder. (A POSIX lock is released
when its process closes any descriptor of the file: nothing in eqchip opens it but this module.)
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psutil

from eqchip.errors import BuildLocked, OutputError

LOCK_NAME = ".eqchip-lock"

__all__ = ["LOCK_NAME", "BuildLocked", "build_lock", "build_locks", "working_in"]


def _record() -> dict[str, object]:
    return {"pid": os.getpid(), "started_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": " ".join(["eqchip", *sys.argv[1:]])[:300]}


def _read(fd: int) -> dict[str, object] | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 4096)
        rec = json.loads(data.decode("utf-8")) if data.strip() else None
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) else None


def describe(rec: dict[str, object] | None) -> str:
    if not rec:
        return "a build whose record is unreadable"
    return (f"pid {rec.get('pid')}, started {rec.get('started_utc')} UTC: "
            f"{rec.get('command') or 'eqchip'}")


def working_in(folder: Path) -> list[str]:
    """Other processes whose working directory is inside `folder` ("pid: command")."""
    root = Path(folder).resolve()
    found = []
    for p in psutil.process_iter(["pid", "cwd", "cmdline"]):
        cwd = p.info.get("cwd")
        if p.info["pid"] == os.getpid() or not cwd:
            continue
        try:
            inside = Path(cwd).is_relative_to(root)
        except (OSError, ValueError):
            inside = False
        if inside:
            cmd = " ".join(p.info.get("cmdline") or [])[:80]
            found.append(f"{p.info['pid']}: {cmd}")
    return found


#: the fix BuildLocked names when a running build holds the folder
BUSY_HINT = "wait for it to finish, stop it, or build into another --build-dir"


@contextmanager
def build_lock(folder: Path, notify: Callable[[str], None] | None = None, *,
               busy_hint: str = BUSY_HINT) -> Iterator[Path]:
    """Hold the lock of build folder `folder` (created if needed) for the block.

    Raises BuildLocked naming the running command (its record) when another process holds
    it, with `busy_hint` as the fix. A record left by a process that ended without releasing
    it is taken over (reported to `notify`)."""
    folder = Path(folder)
    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(f"cannot create the build lock {path}: {exc.strerror or exc}",
                          hint="check that the build folder can be created and written") \
            from None
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError):
            raise BuildLocked(f"{folder} is in use by another eqchip build "
                              f"({describe(_read(fd))})", hint=busy_hint) from None
        except OSError as exc:
            raise OutputError(f"cannot lock {path}: {exc.strerror or exc}",
                              hint="use a build folder on a local file system") from None
        old = _read(fd)
        if old is not None:
            left = working_in(folder)
            if left:
                raise BuildLocked(
                    f"{folder}: the build that held it ended without cleaning up "
                    f"({describe(old)}) and processes it started still work in the folder: "
                    + "; ".join(left[:5]) + ("; ..." if len(left) > 5 else ""),
                    hint="stop them (kill <pid>) or wait for them, then rerun; the job resumes")
            if notify is not None:
                notify(f"{folder}: taking over the lock of a build that ended without "
                       f"releasing it ({describe(old)}); its job resumes")
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(_record()) + "\n").encode(), 0)
        try:
            yield path
        finally:
            # an empty lock file is a released lock; the lock ends with the descriptor
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
    finally:
        os.close(fd)


@contextmanager
def build_locks(folders: list[Path], notify: Callable[[str], None] | None = None
                ) -> Iterator[None]:
    """Hold the locks of several build folders (all or none)."""
    with ExitStack() as stack:
        for folder in folders:
            stack.enter_context(build_lock(folder, notify))
        yield
