"""A synthesized gate-level netlist as data: cells, pin connections, net names (via Yosys JSON).

Yosys (pyosys) reads the netlist with the Liberty cells and the MRAM macro black boxes as
library modules, so every cell carries its port directions. It runs in a child process so its
log and state never mix with ours.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from eqchip.errors import ToolError

Bit = int | str          # a Yosys net bit id, or a constant "0" / "1" / "x" / "z"
_BIT = re.compile(r"^(.*)\[(\d+)\]$")


@dataclass(frozen=True)
class Cell:
    name: str
    type: str
    dirs: dict[str, str] = field(hash=False)            # pin -> input / output / inout
    conns: dict[str, list[Bit]] = field(hash=False)     # pin -> bits, LSB first


@dataclass
class Netlist:
    top: str
    cells: list[Cell]
    ports: dict[str, tuple[str, list[Bit]]]             # name -> (direction, bits)
    bit_names: dict[int, list[tuple[str, int]]]         # bit -> [(net name, index)]

    @property
    def n_cells(self) -> int:
        return len(self.cells)


_SCRIPT = r"""
import json, sys
from pyosys import libyosys as ys
args = json.loads(sys.argv[1])
d = ys.Design()
for lib in args["liberty"]:
    ys.run_pass(f"read_liberty -lib -ignore_miss_dir -setattr blackbox {lib}", d)
for v in args["lib_verilog"]:
    ys.run_pass(f"read_verilog -lib {v}", d)
ys.run_pass(f"read_verilog {args['netlist']}", d)
ys.run_pass(f"hierarchy -top {args['top']}", d)
ys.run_pass("flatten", d)
ys.run_pass(f"write_json {args['out']}", d)
"""


def load_netlist(netlist: Path, top: str, liberty: list[Path],
                 lib_verilog: list[Path] | None = None) -> Netlist:
    """Read `netlist` (structural Verilog) with Yosys; `lib_verilog` = black-box modules."""
    netlist = Path(netlist)
    if not netlist.is_file():
        raise ToolError(f"netlist {netlist} does not exist", hint="run `eqchip build` first")
    with tempfile.TemporaryDirectory(prefix="eqchip-netlist-") as tmp:
        out = Path(tmp) / "netlist.json"
        args = {"liberty": [str(p) for p in liberty], "netlist": str(netlist), "top": top,
                "lib_verilog": [str(p) for p in (lib_verilog or [])], "out": str(out)}
        proc = subprocess.run([sys.executable, "-c", _SCRIPT, json.dumps(args)],
                              capture_output=True, text=True, check=False, timeout=3600)
        if proc.returncode != 0 or not out.is_file():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise ToolError(f"yosys could not read the netlist {netlist}:\n{tail}",
                            hint="check that the netlist, the Liberty file and the macro "
                                 "black boxes belong together")
        data = json.loads(out.read_text())
    return _from_json(data, top, netlist)


def _from_json(data: dict, top: str, src: Path) -> Netlist:
    mods = data.get("modules", {})
    if top not in mods:
        raise ToolError(f"{src}: no module {top!r} in the netlist (has {sorted(mods)[:5]})")
    m = mods[top]
    known = {name: mod.get("ports", {}) for name, mod in mods.items()}
    cells: list[Cell] = []
    for name, c in m.get("cells", {}).items():
        dirs = dict(c.get("port_directions") or {})
        if not dirs and c["type"] in known:
            dirs = {p: v["direction"] for p, v in known[c["type"]].items()}
        cells.append(Cell(name, c["type"], dirs, {p: list(b) for p, b in
                                                    c.get("connections", {}).items()}))
    ports = {n: (p["direction"], list(p["bits"])) for n, p in m.get("ports", {}).items()}
    names: dict[int, list[tuple[str, int]]] = {}
    for n, info in m.get("netnames", {}).items():
        bits = info["bits"]
        off = int(info.get("offset", 0))
        upto = bool(info.get("upto", 0))
        name = n.lstrip("\\")
        dotted = name.replace("/", ".")   # yosys writes hierarchy as u_ctrl/state, VCD u_ctrl.state
        split = _BIT.match(dotted) if len(bits) == 1 else None
        for i, b in enumerate(bits):
            if isinstance(b, int):
                idx = off + (len(bits) - 1 - i if upto else i)
                keys = names.setdefault(b, [])
                keys.append((name, idx))
                if dotted != name:
                    keys.append((dotted, idx))
                if split:     # a vector bit kept as its own wire: "a_q[3]" is bit 3 of a_q
                    keys.append((split.group(1), int(split.group(2))))
    return Netlist(top, cells, ports, names)
