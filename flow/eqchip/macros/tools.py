"""Run the real parsers on generated views: Yosys (pyosys, in a child process because Yosys
exits the process on an error), OpenSTA (`sta`, a Tcl script) and KLayout's LEF/GDS readers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from eqchip.errors import ToolError

STA_TIMEOUT_S = 120

_YOSYS_CHILD = r"""
import json, sys
from pyosys import libyosys as ys
kind, path, defines = sys.argv[1], sys.argv[2], sys.argv[3:]
d = ys.Design()
if kind == "liberty":
    ys.run_pass(f"tee -q read_liberty -lib {path}", d)
else:
    flags = " ".join(f"-D{x}" for x in defines)
    ys.run_pass(f"tee -q read_verilog -sv {flags} {path}", d)
out = {}
for name, mod in d.modules_.items():
    ports = {}
    for wname, w in mod.wires_.items():
        if w.port_id:
            direction = ("inout" if (w.port_input and w.port_output)
                         else "input" if w.port_input else "output")
            ports[wname.str().lstrip("\\")] = [direction, w.width, w.port_id]
    out[name.str().lstrip("\\")] = ports
print("@@JSON@@" + json.dumps(out))
"""


def yosys_modules(path: Path, kind: str, defines: tuple[str, ...] = ()) -> dict[str, dict]:
    """Modules and ports Yosys sees in a Verilog (`kind="verilog"`) or Liberty file:
    {module: {port: [direction, width, position]}}."""
    try:
        import pyosys  # noqa: F401
    except ImportError as exc:
        raise ToolError("pyosys (Yosys Python module) is not installed",
                        hint="pip install pyosys") from exc
    proc = subprocess.run([sys.executable, "-c", _YOSYS_CHILD, kind, str(path), *defines],
                          capture_output=True, text=True, timeout=120)
    marker = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@JSON@@")]
    if proc.returncode != 0 or not marker:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-8:])
        raise ToolError(f"Yosys could not read {path} as {kind}:\n{tail}")
    return json.loads(marker[0][len("@@JSON@@"):])


def sta_binary() -> str | None:
    return shutil.which("sta")


def sta_version() -> str:
    exe = sta_binary()
    if exe is None:
        raise ToolError("OpenSTA (`sta`) is not on PATH", hint="apt-get install opensta")
    return subprocess.run([exe, "-version"], capture_output=True, text=True,
                          timeout=30).stdout.strip()


def run_sta(script: str, workdir: Path) -> str:
    """Run a Tcl script in OpenSTA; fail on a non-zero exit or an `Error` line."""
    exe = sta_binary()
    if exe is None:
        raise ToolError("OpenSTA (`sta`) is not on PATH", hint="apt-get install opensta")
    workdir.mkdir(parents=True, exist_ok=True)
    tcl = workdir / "run.tcl"
    tcl.write_text(script + "\nexit\n")
    proc = subprocess.run([exe, "-no_splash", "-exit", str(tcl)], capture_output=True,
                          text=True, timeout=STA_TIMEOUT_S, cwd=workdir)
    out = proc.stdout + proc.stderr
    errors = [ln for ln in out.splitlines() if re.match(r"^\s*Error", ln)]
    if proc.returncode != 0 or errors:
        raise ToolError(f"OpenSTA failed on {tcl}:\n" + "\n".join(errors or out.splitlines()[-8:]))
    return out


@dataclass(frozen=True)
class KLayoutView:
    """What KLayout read from a LEF or GDS: the top cell, its bounding box (nm) and, per
    layer name, the boxes (nm) and text labels."""

    cell: str
    bbox: tuple[int, int, int, int]
    boxes: dict[str, list[tuple[int, int, int, int]]]
    labels: dict[str, list[tuple[str, int, int]]]


def klayout_read(path: Path, cell: str | None = None) -> KLayoutView:
    try:
        import klayout.db as kdb
    except ImportError as exc:
        raise ToolError("the klayout Python module is not installed",
                        hint="pip install klayout") from exc
    ly = kdb.Layout()
    try:
        ly.read(str(path))
    except RuntimeError as exc:
        raise ToolError(f"KLayout could not read {path}: {exc}") from exc
    cells = [c for c in ly.each_cell() if cell is None or c.name == cell]
    if not cells:
        raise ToolError(f"KLayout found no cell {cell!r} in {path}")
    top = cells[0]
    scale = ly.dbu * 1000.0  # database units -> nm
    boxes: dict[str, list[tuple[int, int, int, int]]] = {}
    labels: dict[str, list[tuple[str, int, int]]] = {}
    for li in ly.layer_indexes():
        info = ly.get_info(li)
        key = info.name or f"{info.layer}/{info.datatype}"
        for sh in top.shapes(li).each():
            if sh.is_text():
                t = sh.text
                labels.setdefault(key, []).append(
                    (t.string, round(t.x * scale), round(t.y * scale)))
            elif sh.is_box() or sh.is_polygon():
                b = sh.bbox()
                boxes.setdefault(key, []).append(
                    (round(b.left * scale), round(b.bottom * scale),
                     round(b.right * scale), round(b.top * scale)))
    b = top.bbox()
    return KLayoutView(top.name, (round(b.left * scale), round(b.bottom * scale),
                                  round(b.right * scale), round(b.top * scale)), boxes, labels)
