"""Atomic file writes: a reader sees the old file or the whole new one, never half of it."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from eqchip.errors import OutputError


def write_bytes_atomic(path: Path, data: bytes, mode: int = 0o666) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    The file gets `mode` less the umask, as `open()` would give it. Only a regular file is ever
    replaced: a folder, device or symbolic link at `path` is refused. Any OS error becomes an
    `OutputError` naming the path.
    """
    path = Path(path)
    try:
        st = path.lstat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _output_error(path, exc) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"cannot write {path}: it exists and is not a regular file (a folder, "
                          "device or symbolic link); eqchip only replaces regular files",
                          hint="choose another output path")
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _output_error(path, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
