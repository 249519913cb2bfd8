"""Copy generated inputs into the build tree only when their content changed, so file
timestamps stay put and SiliconCompiler's resume does not rerun finished steps."""

from __future__ import annotations

from pathlib import Path

from eqchip.fileio import write_bytes_atomic


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` atomically unless `path` already holds exactly it. True if written."""
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return False
    write_bytes_atomic(path, data)
    return True


def sync_file(src: Path, dst: Path) -> bool:
    return write_if_changed(dst, Path(src).read_bytes())


def sync_tree(src: Path, dst: Path) -> list[Path]:
    """Mirror every file under `src` into `dst` (changed files only; stale files removed).
    Returns the destination files that were (re)written."""
    src, dst = Path(src), Path(dst)
    changed: list[Path] = []
    wanted: set[Path] = set()
    for f in sorted(p for p in src.rglob("*") if p.is_file()):
        target = dst / f.relative_to(src)
        wanted.add(target)
        if sync_file(f, target):
            changed.append(target)
    if dst.is_dir():
        for f in dst.rglob("*"):
            if f.is_file() and f not in wanted:
                f.unlink()
    return changed
