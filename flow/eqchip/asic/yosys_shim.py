"""A `yosys` executable backed by pyosys, for machines without yosys >= 0.48 on PATH.

SiliconCompiler's yosys tasks run `yosys -c script.tcl` (Tcl mode) and read the version from
`yosys --version`. PyPI's pyosys is libyosys without Tcl and without a `main`, so this module
hosts the script in Python's own Tcl interpreter (`tkinter.Tcl()`) and registers a `yosys`
Tcl command that runs passes through `run_pass`/`Pass.call`, returning what `tee -s
result.string` stored, exactly like yosys' own Tcl command. `install_shim()` writes a small
executable `yosys` script into a directory that the build puts at the front of PATH; a real
yosys found on PATH always wins (see `real_yosys()`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from eqchip.fileio import write_bytes_atomic

MIN_VERSION = (0, 48)
_VERSION_RE = re.compile(r"Yosys\s+(\d+)\.(\d+)")


def parse_version(text: str) -> tuple[int, int] | None:
    m = _VERSION_RE.search(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def yosys_version(exe: str | Path) -> tuple[int, int] | None:
    """Version of a yosys executable, or None if it does not run."""
    try:
        out = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                             timeout=60, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_version(out)


def real_yosys(path: str | None = None) -> tuple[str, tuple[int, int]] | None:
    """A yosys >= 0.48 on PATH that is not an eqchip shim: (path, version) or None."""
    exe = shutil.which("yosys", path=path)
    if exe is None or is_shim(Path(exe)):
        return None
    version = yosys_version(exe)
    if version is None or version < MIN_VERSION:
        return None
    return exe, version


def pyosys_version() -> str | None:
    """Version string of the installed pyosys (e.g. '0.70'), or None."""
    try:
        from pyosys import libyosys as ys
    except ImportError:
        return None
    v = parse_version(ys.yosys_maybe_version())
    return f"{v[0]}.{v[1]}" if v else None


_MARK = "# eqchip pyosys yosys shim"


def is_shim(exe: Path) -> bool:
    try:
        with open(exe, encoding="utf-8", errors="replace") as fh:
            return _MARK in fh.read(400)
    except OSError:
        return False


def install_shim(bin_dir: Path) -> Path:
    """Write the executable `bin_dir/yosys` that runs `main()` with this Python."""
    exe = Path(bin_dir) / "yosys"
    text = (f"#!{sys.executable}\n{_MARK}\n"
            "import sys\n"
            "from eqchip.asic.yosys_shim import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    current = exe.read_text(encoding="utf-8") if exe.is_file() else None
    if current != text or not os.access(exe, os.X_OK):
        # content and executable mode land together: no moment with a non-executable shim
        write_bytes_atomic(exe, text.encode("utf-8"), mode=0o777)
    return exe


def _usage() -> str:
    return ("usage: yosys --version | yosys [-q] -c script.tcl | yosys -p 'passes' [files]\n"
            "(eqchip shim over pyosys: Tcl scripts, -p pass lists and .ys scripts)\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the shim: a subset of the yosys command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(_usage())
        return 0 if args else 1
    try:
        from pyosys import libyosys as ys
    except ImportError:
        sys.stderr.write("ERROR: pyosys is not installed (pip install pyosys)\n")
        return 1
    if args[0] in ("-V", "--version"):
        sys.stdout.write(ys.yosys_maybe_version() + "\n")
        return 0
    tcl_script: str | None = None
    passes: list[str] = []
    files: list[str] = []
    it = iter(args)
    for a in it:
        if a == "-c":
            tcl_script = next(it, None)
        elif a == "-p":
            passes.append(next(it, ""))
        elif a in ("-q", "-Q", "-T"):
            continue
        elif a.startswith("-"):
            sys.stderr.write(f"ERROR: option {a} is not supported by the eqchip yosys shim\n"
                             + _usage())
            return 1
        else:
            files.append(a)
    ys.yosys_setup()
    design = ys.yosys_get_design()
    try:
        if tcl_script is not None:
            return _run_tcl(ys, design, tcl_script)
        for f in files:
            if f.endswith(".ys"):
                ys.run_pass(f"script {f}", design)
            else:
                ys.run_pass(f"read {f}", design)
        for p in passes:
            ys.run_pass(p, design)
        return 0
    finally:
        sys.stdout.flush()


def _run_tcl(ys, design, script: str) -> int:  # noqa: ANN001 - pyosys types are dynamic
    import tkinter

    interp = tkinter.Tcl()

    def yosys_cmd(*argv: str) -> str:
        args = list(argv)
        if args and args[0] == "-import":
            raise RuntimeError("yosys -import is not supported by the eqchip yosys shim")
        design.scratchpad_unset("result.string")
        sys.stdout.flush()
        if len(args) == 1:
            ys.run_pass(args[0], design)
        elif args:
            ys.Pass.call(design, args)
        ys.log_flush()
        sys.stdout.flush()
        return design.scratchpad_get_string("result.string")

    interp.createcommand("yosys", yosys_cmd)
    try:
        interp.eval(f"source {{{script}}}")
    except tkinter.TclError as exc:
        ys.log_flush()
        sys.stdout.flush()
        info = interp.eval("set ::errorInfo") if interp.eval("info exists ::errorInfo") == "1" \
            else str(exc)
        sys.stdout.write(f"ERROR: Tcl: {exc}\n{info}\n")
        sys.stdout.flush()
        return 1
    return 0
