"""Write every view of one macro into DIR/<macro>/ (all writes atomic):

    <macro>.bb.v                 black box for synthesis
    <macro>.v                    behavioural model for simulation
    <macro>__<corner>.lib        Liberty, one per corner of the technology file
    <macro>.lef                  LEF abstract
    <macro>.gds                  abstract GDS (boundary, pins, labels)
    macro.json                   spec, geometry and electrical numbers per corner
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eqchip import __version__
from eqchip.fileio import write_json_atomic, write_text_atomic
from eqchip.macros.electrical import electrical
from eqchip.macros.floorplan import Floorplan, floorplan, um
from eqchip.macros.gds import write_gds
from eqchip.macros.lef import lef_text
from eqchip.macros.liberty import liberty_text
from eqchip.macros.spec import MacroSpec
from eqchip.macros.techlef import TechLef, find_tech_lef, read_tech_lef
from eqchip.macros.verilog import behavioural_verilog, blackbox_verilog


@dataclass(frozen=True)
class MacroViews:
    spec: MacroSpec
    dir: Path
    blackbox_v: Path
    behavioural_v: Path
    liberty: dict[str, Path]     # corner name -> .lib
    lef: Path
    gds: Path | None
    json: Path
    width_um: float
    height_um: float

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def liberty_typical(self) -> Path:
        return self.liberty[self.spec.tech.typical_corner.name]

    @property
    def area_um2(self) -> float:
        return self.width_um * self.height_um


def _rounded(parts: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 6) for k, v in parts.items()}


def _summary(spec: MacroSpec, fp: Floorplan, tech_lef: TechLef,
             files: dict[str, Any]) -> dict[str, Any]:
    corners = {}
    for c in spec.tech.corners:
        el = electrical(spec, c)
        m = el.model
        corners[c.name] = {
            "read_energy_pj": el.read_energy_pj, "write_energy_pj": el.write_energy_pj,
            "leakage_uw": el.leakage_uw, "read_ns": el.read_ns, "write_ns": el.write_ns,
            "setup_ns": el.setup_ns, "hold_ns": el.hold_ns, "min_period_ns": el.min_period_ns,
            "voltage": c.voltage, "temperature": c.temperature,
            "read_energy_parts_pj": _rounded(m.read_parts),
            "write_energy_parts_pj": _rounded(m.write_parts),
            "leakage_parts_uw": _rounded(m.leakage_parts),
            "read_delay_parts_ns": _rounded(m.read_delay_parts),
            "write_delay_parts_ns": _rounded(m.write_delay_parts),
            "write_attempts": m.write_attempts, "read_window_ns": m.read_window_ns,
        }
    org = spec.organisation
    tt = electrical(spec, spec.tech.typical_corner).model
    return {
        "generator": f"eqchip {__version__}",
        "name": spec.name,
        "words": spec.words, "bits": spec.bits, "addr_bits": spec.addr_bits,
        "capacity_bits": spec.capacity_bits,
        "organisation": {"rows": org.rows, "columns": org.cols, "column_mux": org.mux,
                         "bitline_um": round(org.bitline_um, 4),
                         "wordline_um": round(org.wordline_um, 4),
                         "bitline_pf": round(tt.caps.bitline_pf, 6),
                         "wordline_pf": round(tt.caps.wordline_pf, 6)},
        "technology": spec.tech.model_dump(mode="json"),
        "area_requested_um2": spec.area_um2,
        "area_parts_um2": _rounded(spec.area_parts_um2),
        "area_um2": fp.area_um2, "width_um": um(fp.width), "height_um": um(fp.height),
        "corners": corners,
        "tech_lef": str(tech_lef.path),
        "pins": [{"name": p.name, "direction": p.port.direction, "use": p.port.use,
                  "edge": p.edge,
                  "shapes": [[s.layer, um(s.x0), um(s.y0), um(s.x1), um(s.y1)]
                             for s in p.shapes]} for p in fp.pins],
        "files": files,
    }


def generate_macro_views(spec: MacroSpec, out_dir: Path | str, pdk_root: Path | None = None,
                         gds: bool = True) -> MacroViews:
    """Write all views of `spec` into `out_dir/<macro name>/` and return their paths.

    The LEF needs the sky130 tech LEF (routing tracks): from `pdk_root`, else $PDK_ROOT."""
    tech_lef = read_tech_lef(find_tech_lef(pdk_root))
    fp = floorplan(spec, tech_lef)
    d = Path(out_dir) / spec.name
    js = d / "macro.json"           # completion marker: gone while the views are rewritten
    js.unlink(missing_ok=True)
    bb, beh = d / f"{spec.name}.bb.v", d / f"{spec.name}.v"
    write_text_atomic(bb, blackbox_verilog(spec))
    write_text_atomic(beh, behavioural_verilog(spec))
    libs: dict[str, Path] = {}
    for c in spec.tech.corners:
        libs[c.name] = d / f"{spec.name}__{c.name}.lib"
        write_text_atomic(libs[c.name], liberty_text(spec, electrical(spec, c), fp.area_um2))
    lef = d / f"{spec.name}.lef"
    write_text_atomic(lef, lef_text(spec, fp))
    gds_path = None
    if gds:
        gds_path = d / f"{spec.name}.gds"
        write_gds(spec, fp, gds_path)
    files = {"blackbox_v": bb.name, "behavioural_v": beh.name, "lef": lef.name,
             "gds": gds_path.name if gds_path else None,
             "liberty": {k: v.name for k, v in libs.items()}}
    write_json_atomic(js, _summary(spec, fp, tech_lef, files))
    return MacroViews(spec=spec, dir=d, blackbox_v=bb, behavioural_v=beh, liberty=libs, lef=lef,
                      gds=gds_path, json=js, width_um=um(fp.width), height_um=um(fp.height))
