"""Where a run came from: git commit of the checkout, tool versions and a PDK fingerprint."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

from eqchip.fileio import sha256_file

PACKAGES = ("eqchip", "siliconcompiler", "lambdapdk", "pyosys", "klayout")


def git_commit(directory: Path | None = None) -> str | None:
    """HEAD of the git checkout holding `directory` (default: eqchip's own source folder),
    suffixed `-dirty` with local changes to tracked files; None when it is not in a git
    checkout (e.g. eqchip runs from an installed wheel) or git is missing."""
    cwd = Path(directory) if directory is not None else Path(__file__).resolve().parent
    if cwd.is_file():
        cwd = cwd.parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                              text=True, timeout=30, check=True).stdout.strip()
        status = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain",
                                 "--untracked-files=no"], cwd=cwd, capture_output=True,
                                text=True, timeout=60, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not head:
        return None
    return f"{head}-dirty" if status else head


def package_versions() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in PACKAGES:
        try:
            out[f"tools.{name}"] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def pdk_fingerprint(pdk_root: str | None, liberty_name: str | None = None) -> dict[str, str]:
    """A short hash of the corner's liberty file: the PDK carries no version file, but any
    change of the cell data changes this."""
    if not pdk_root or not liberty_name:
        return {}
    lib = Path(pdk_root) / "sky130A" / "libs.ref" / "sky130_fd_sc_hd" / "lib" / liberty_name
    if not lib.is_file():
        return {}
    return {f"pdk.{liberty_name}.sha256": sha256_file(lib)[:16]}
