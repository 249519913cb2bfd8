"""Floorplan of the chip core from an area estimate: die and core size from the synthesized
standard-cell area, the target utilization and the MRAM macros with their halos; macros at
fixed, row-aligned positions along the bottom of the core; host-bus pins on the left and right
edges. Applied to the SC project as [constraint,area], [constraint,component] and
[constraint,pin] settings that SC's OpenROAD floorplan tasks read."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

SITE_W = 0.46   # sky130 unithd site width, um
ROW_H = 2.72    # sky130 unithd row height, um


def _snap_up(x: float, step: float) -> float:
    return round(math.ceil(x / step - 1e-9) * step, 4)


@dataclass(frozen=True)
class MacroPlacement:
    instance: str
    macro: str
    x: float
    y: float
    orientation: str = "R0"


@dataclass(frozen=True)
class Floorplan:
    die: tuple[float, float]                    # width, height (um), origin at (0, 0)
    core: tuple[float, float, float, float]     # x0, y0, x1, y1 (um)
    stdcell_area_um2: float
    macro_area_um2: float
    blocked_area_um2: float                     # macros including their halos
    halo_um: float
    target_utilization: float
    placements: tuple[MacroPlacement, ...]

    @property
    def core_area_um2(self) -> float:
        x0, y0, x1, y1 = self.core
        return (x1 - x0) * (y1 - y0)

    @property
    def die_area_um2(self) -> float:
        return self.die[0] * self.die[1]

    @property
    def stdcell_utilization(self) -> float:
        """Standard-cell area over the core area left free by macros and their halos."""
        free = self.core_area_um2 - self.blocked_area_um2
        return self.stdcell_area_um2 / free if free > 0 else float("inf")

    @property
    def total_utilization(self) -> float:
        """(standard cells + macros) over the core area."""
        return (self.stdcell_area_um2 + self.macro_area_um2) / self.core_area_um2

    def to_json(self) -> dict:
        return {"die": list(self.die), "core": list(self.core),
                "stdcell_area_um2": self.stdcell_area_um2,
                "macro_area_um2": self.macro_area_um2,
                "blocked_area_um2": self.blocked_area_um2, "halo_um": self.halo_um,
                "target_utilization": self.target_utilization,
                "placements": [{"instance": p.instance, "macro": p.macro, "x": p.x, "y": p.y,
                                "orientation": p.orientation} for p in self.placements]}

    @classmethod
    def from_json(cls, d: dict) -> Floorplan:
        """Inverse of `to_json` (reports/floorplan.json of the floorplan.size node)."""
        return cls(die=(float(d["die"][0]), float(d["die"][1])),
                   core=tuple(float(v) for v in d["core"]),  # type: ignore[arg-type]
                   stdcell_area_um2=float(d["stdcell_area_um2"]),
                   macro_area_um2=float(d["macro_area_um2"]),
                   blocked_area_um2=float(d["blocked_area_um2"]), halo_um=float(d["halo_um"]),
                   target_utilization=float(d["target_utilization"]),
                   placements=tuple(MacroPlacement(p["instance"], p["macro"], float(p["x"]),
                                                   float(p["y"]), p.get("orientation", "R0"))
                                    for p in d["placements"]))


def plan_floorplan(stdcell_area_um2: float, macro: str, macro_w: float, macro_h: float,
                   instances: list[str], target_utilization: float, core_margin_um: float,
                   halo_um: float) -> Floorplan:
    """Square-ish core: a macro block of ceil(n/cols) rows at the bottom, standard cells above
    at `target_utilization`."""
    n = len(instances)
    cell_w, cell_h = macro_w + 2 * halo_um, macro_h + 2 * halo_um
    pitch_x, pitch_y = _snap_up(cell_w, SITE_W), _snap_up(cell_h, ROW_H)
    std_needed = stdcell_area_um2 / target_utilization
    side = math.sqrt(max(std_needed + n * pitch_x * pitch_y, 1.0))
    cols = max(1, min(n, int(side // pitch_x))) if n else 1
    rows = math.ceil(n / cols) if n else 0
    core_w = _snap_up(max(side, cols * pitch_x + 2 * SITE_W if n else 0.0, 20.0), SITE_W)
    macro_band = rows * pitch_y + 2 * ROW_H if n else 0.0
    # free area (core minus macros with halos) = standard cells / target utilization
    core_h = _snap_up(max((std_needed + n * cell_w * cell_h) / core_w, macro_band, 20.0), ROW_H)
    x0 = _snap_up(core_margin_um, SITE_W)
    y0 = _snap_up(core_margin_um, ROW_H)
    core = (x0, y0, round(x0 + core_w, 4), round(y0 + core_h, 4))
    die = (_snap_up(core[2] + core_margin_um, SITE_W), _snap_up(core[3] + core_margin_um, ROW_H))
    bx, by = _snap_up(x0 + halo_um, SITE_W), _snap_up(y0 + halo_um, ROW_H)
    placements = []
    for i, inst in enumerate(sorted(instances)):
        r, c = divmod(i, cols)
        placements.append(MacroPlacement(inst, macro, round(bx + c * pitch_x, 4),
                                         round(by + r * pitch_y, 4)))
    return Floorplan(die=die, core=core, stdcell_area_um2=stdcell_area_um2,
                     macro_area_um2=n * macro_w * macro_h,
                     blocked_area_um2=n * cell_w * cell_h, halo_um=halo_um,
                     target_utilization=target_utilization, placements=tuple(placements))


@dataclass(frozen=True)
class NetlistInfo:
    """What the floorplan needs from the synthesized netlist (yosys JSON)."""

    macro_instances: dict[str, str]     # instance -> macro cell
    inputs: tuple[str, ...]             # port names (buses as one name)
    outputs: tuple[str, ...]
    port_bits: dict[str, int]


def read_netlist(netlist_json: Path, top: str, macro_cells: set[str]) -> NetlistInfo:
    data = json.loads(Path(netlist_json).read_text(encoding="utf-8"))
    mod = data["modules"][top]
    inst = {name: c["type"] for name, c in mod.get("cells", {}).items()
            if c.get("type") in macro_cells}
    ins, outs, bits = [], [], {}
    for name, p in mod.get("ports", {}).items():
        bits[name] = len(p.get("bits", []))
        (outs if p.get("direction") == "output" else ins).append(name)
    return NetlistInfo(macro_instances=inst, inputs=tuple(ins), outputs=tuple(outs),
                       port_bits=bits)


def apply_floorplan(project, fp: Floorplan, netlist: NetlistInfo) -> None:  # noqa: ANN001
    """Write the floorplan into the SC project's constraints. Every value is set by its full
    keypath on the project, so that SC's journal records it (a node's journal is how a value
    set while the node runs reaches the later nodes, and reruns that resume it)."""
    project.set("constraint", "area", "diearea", [(0.0, 0.0), (fp.die[0], fp.die[1])])
    project.set("constraint", "area", "corearea",
                [(fp.core[0], fp.core[1]), (fp.core[2], fp.core[3])])
    for p in fp.placements:
        key = ("constraint", "component", p.instance)
        project.set(*key, "placement", (p.x, p.y))
        project.set(*key, "rotation", p.orientation)
        project.set(*key, "halo", (fp.halo_um, fp.halo_um))
        project.set(*key, "partname", p.macro)
    order = 0
    for side, names in ((1, netlist.inputs), (3, netlist.outputs)):
        for name in names:
            width = netlist.port_bits.get(name, 1)
            bit_names = [name] if width == 1 else [f"{name}[{b}]" for b in range(width)]
            for bit in bit_names:
                project.set("constraint", "pin", bit, "side", side)
                project.set("constraint", "pin", bit, "order", order)
                order += 1
