"""Routing layers of the sky130 tech LEF: direction, track pitch/offset, minimum width/spacing.

Read from the PDK (`sky130_fd_sc_hd__nom.tlef`) so pins land on the tracks the router uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from eqchip.errors import PdkError
from eqchip.resources import pdk_root_from_env

TLEF_REL = Path("sky130A/libs.ref/sky130_fd_sc_hd/techlef/sky130_fd_sc_hd__nom.tlef")
SITE_NAME = "unithd"


@dataclass(frozen=True)
class RoutingLayer:
    name: str
    direction: str        # HORIZONTAL or VERTICAL
    pitch: float          # track pitch across the preferred direction
    offset: float
    width: float          # minimum width
    spacing: float        # minimum spacing (narrow wires)


@dataclass(frozen=True)
class TechLef:
    path: Path
    grid: float
    site_width: float
    site_height: float
    layers: dict[str, RoutingLayer]

    def layer(self, name: str) -> RoutingLayer:
        if name not in self.layers:
            raise PdkError(f"{self.path}: routing layer {name!r} not found",
                           hint=f"use one of {sorted(self.layers)}")
        return self.layers[name]


def find_tech_lef(pdk_root: Path | None = None) -> Path:
    """The sky130_fd_sc_hd tech LEF under pdk_root, else under $PDK_ROOT."""
    root = pdk_root or pdk_root_from_env()
    if root is None:
        raise PdkError("no sky130 PDK: the macro LEF needs the routing tracks of the tech LEF",
                       hint="set PDK_ROOT to an open_pdks install that has sky130A")
    path = Path(root) / TLEF_REL
    if not path.is_file():
        raise PdkError(f"tech LEF not found: {path}",
                       hint="set PDK_ROOT to an open_pdks install that has sky130A")
    return path


def _num(block: str, key: str) -> list[float] | None:
    m = re.search(rf"^\s*{key}\s+([-0-9.eE+ ]+?)\s*;", block, re.M)
    return [float(x) for x in m.group(1).split()] if m else None


def read_tech_lef(path: Path) -> TechLef:
    text = Path(path).read_text()
    grid = _num(text, "MANUFACTURINGGRID")
    site = re.search(rf"SITE\s+{SITE_NAME}\b(.*?)END\s+{SITE_NAME}", text, re.S)
    if grid is None or site is None:
        raise PdkError(f"{path}: no MANUFACTURINGGRID or SITE {SITE_NAME}",
                       hint="point PDK_ROOT at a complete sky130A install")
    size = re.search(r"SIZE\s+([0-9.]+)\s+BY\s+([0-9.]+)", site.group(1))
    if size is None:
        raise PdkError(f"{path}: SITE {SITE_NAME} has no SIZE <width> BY <height> statement",
                       hint="point PDK_ROOT at a complete sky130A install")
    layers: dict[str, RoutingLayer] = {}
    for m in re.finditer(r"^LAYER\s+(\w+)\s*$(.*?)^END\s+\1\s*$", text, re.S | re.M):
        name, body = m.group(1), m.group(2)
        if not re.search(r"TYPE\s+ROUTING\s*;", body):
            continue
        direction = re.search(r"DIRECTION\s+(\w+)\s*;", body)
        pitch, offset, width = _num(body, "PITCH"), _num(body, "OFFSET"), _num(body, "WIDTH")
        spacing = re.search(r"SPACINGTABLE.*?WIDTH\s+0\s+([0-9.]+)", body, re.S)
        spacing_simple = _num(body, "SPACING")
        if not (direction and pitch and offset and width):
            continue
        horizontal = direction.group(1) == "HORIZONTAL"
        # PITCH/OFFSET may give x and y; take the one across the preferred direction.
        i = 1 if (horizontal and len(pitch) > 1) else 0
        j = 1 if (horizontal and len(offset) > 1) else 0
        sp = float(spacing.group(1)) if spacing else (spacing_simple[0] if spacing_simple
                                                      else width[0])
        layers[name] = RoutingLayer(name, direction.group(1), pitch[i], offset[j],
                                    width[0], sp)
    return TechLef(Path(path), grid[0], float(size.group(1)), float(size.group(2)), layers)
