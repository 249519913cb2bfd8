"""Atomic file writes: a reader sees the old file or the whole new one, never half of it."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eqchip.errors import OutputError


def write_bytes_atomic(path: Path, data: bytes, mode: int = 0o666) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    The file gets `mode` less the umask, as `open()` would give it. Only a regular file is ever
    replaced: a folder, device or symbolic link at `path` is refused. Any OS error becomes an
    `OutputError` naming the path.
    """
    write_files_atomic({Path(path): data}, mode)


def write_files_atomic(files: Mapping[Path, bytes], mode: int = 0o666) -> None:
    """Write several files all or nothing: every one goes to a temporary file beside it
    (written and synced) first, and only when all are written are they renamed into place, in
    the given order, with SIGINT/SIGTERM held back meanwhile. A failure (a full disk, a target
    that is not a regular file) removes the temporaries and leaves every old file as it was.
    """
    targets = [Path(p) for p in files]
    for path in targets:
        _check_target(path)
    written: list[tuple[Path, Path]] = []
    try:
        for path, data in zip(targets, files.values(), strict=True):
            written.append((_write_temp(path, data, mode), path))
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD) if _main_thread() else None
        try:
            for tmp, path in written:
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    raise _output_error(path, exc) from None
        finally:
            if held is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
    finally:
        for tmp, _path in written:
            tmp.unlink(missing_ok=True)


_HELD = {signal.SIGINT, signal.SIGTERM}


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _check_target(path: Path) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _output_error(path, exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"cannot write {path}: it exists and is not a regular file (a folder, "
                          "device or symbolic link); eqchip only replaces regular files",
                          hint="choose another output path")


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    """`data` in a new temporary file beside `path`, synced; removed again on any failure."""
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _output_error(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _output_error(path: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {path}: {exc.strerror or exc}",
                       hint="check that its folder can be created and written, and that the "
                            "disk is not full")


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def remove_outputs(*paths: Path) -> None:
    """Delete the previous run's result files (only regular files; a folder or link with that
    name is left alone and later refused by the atomic writer)."""
    for path in paths:
        try:
            if path.is_file() and not path.is_symlink():
                path.unlink()
        except OSError as exc:
            raise OutputError(f"cannot remove the previous run's {path}: "
                              f"{exc.strerror or exc}",
                              hint="make the folder writable (the old file must not look like "
                                   "this run's result)") from None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
