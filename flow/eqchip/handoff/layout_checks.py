"""What a layout must pass before `eqchip handoff` packs it for a fab: a pure reading of the
build's records (BuildState, metrics.json) and of the GDS and DEF they name.

- the GDS has one top cell, the design's top module;
- every MRAM macro instance of the routed netlist is in the GDS top cell, at the place the
  DEF gives it (PLACED or FIXED);
- OpenROAD's detailed router left 0 DRC violations (router DRC: not a sign-off DRC, which
  needs Magic or KLayout decks; docs/flow.md);
- the antenna check after routing found no violating net or pin;
- setup and hold are met at every sign-off corner (eqchip.asic.corners; metrics.json
  `post_layout.corners`).
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eqchip.asic.corners import signoff_checks
from eqchip.asic.state import BuildState


@dataclass(frozen=True)
class LayoutCheck:
    name: str
    ok: bool
    detail: str

    def doc(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def _read_def(path: Path) -> str:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        return fh.read()


def def_placements(def_file: Path, cell: str) -> dict[str, tuple[float, float, str]]:
    """Instance -> (x um, y um, orientation) of every component of master `cell` that the DEF
    places (PLACED or FIXED)."""
    text = _read_def(def_file)
    m = re.search(r"UNITS\s+DISTANCE\s+MICRONS\s+(\d+)", text)
    units = int(m.group(1)) if m else 1000
    out = {}
    for c in re.finditer(rf"-\s+(\S+)\s+{re.escape(cell)}\b[^;]*?\+\s+(?:PLACED|FIXED)\s+"
                         r"\(\s*(-?\d+)\s+(-?\d+)\s*\)\s+(\w+)", text):
        out[c.group(1)] = (int(c.group(2)) / units, int(c.group(3)) / units, c.group(4))
    return out


def gds_instances(gds: Path, top: str, cell: str) -> tuple[list[str], list[tuple[float, float]]]:
    """The GDS's top cell names and the origins (um) of the instances of `cell` in `top`."""
    import klayout.db as kdb

    layout = kdb.Layout()
    layout.read(str(gds))
    tops = [c.name for c in layout.top_cells()]
    if not layout.has_cell(top):
        return tops, []
    origins = [(round(i.trans.disp.x * layout.dbu, 3), round(i.trans.disp.y * layout.dbu, 3))
               for i in layout.cell(top).each_inst() if i.cell.name == cell]
    return tops, origins


def _figure(metrics: dict[str, Any], name: str) -> dict[str, Any] | None:
    return ((metrics.get("post_layout") or {}).get("figures") or {}).get(name)


def check_layout(state: BuildState, metrics: dict[str, Any]) -> list[LayoutCheck]:
    """Every check of the module docstring, in order."""
    v = state.views
    out: list[LayoutCheck] = []
    tops: list[str] = []
    origins: list[tuple[float, float]] = []
    macro = state.macro.cell if state.macro else None
    if v.gds is None or not v.gds.is_file():
        out.append(LayoutCheck("gds_top_cell", False, "the build has no GDS (write.gds)"))
    else:
        tops, origins = gds_instances(v.gds, state.top, macro or "")
        out.append(LayoutCheck("gds_top_cell", tops == [state.top],
                               f"top cells of {v.gds.name}: {', '.join(tops) or 'none'} "
                               f"(expected {state.top})"))
    expected = int((metrics.get("cells") or {}).get("macros") or 0)
    if macro is not None:
        placed = def_placements(v.def_, macro) if v.def_ and v.def_.is_file() else {}
        def_origins = sorted((round(x, 3), round(y, 3)) for x, y, _ in placed.values())
        ok = len(placed) == expected and sorted(origins) == def_origins and expected > 0
        out.append(LayoutCheck(
            "macros_placed", ok,
            f"{expected} {macro} instance(s) in the netlist; {len(placed)} placed in the DEF; "
            f"{len(origins)} in the GDS top cell"
            + ("" if sorted(origins) == def_origins else " at other places than the DEF's")))
    for name, what in (("drc_errors", "detailed-router DRC violations"),
                       ("antenna_violating_nets", "antenna-violating nets"),
                       ("antenna_violating_pins", "antenna-violating pins")):
        fig = _figure(metrics, name)
        if fig is None:
            out.append(LayoutCheck(name, False, f"no {what} figure in metrics.json "
                                                "(post_layout): the routing step did not run"))
        else:
            out.append(LayoutCheck(name, fig["value"] == 0,
                                   f"{fig['value']:g} {what} (from {fig['source']})"))
    corners = (metrics.get("post_layout") or {}).get("corners") or {}
    for corner, checks in signoff_checks(state.sc_corner).items():
        for check in (c for c in checks if c in ("setup", "hold")):
            fig = (corners.get(corner) or {}).get(f"{check}_ws_ns")
            if fig is None:
                out.append(LayoutCheck(f"{check}_{corner}", False,
                                       f"no {check} slack at the {corner} corner in "
                                       "metrics.json (post_layout.corners)"))
            else:
                period = (corners.get(corner) or {}).get("clock_period_ns")
                at = f" at {1000.0 / period:g} MHz" if period else ""
                out.append(LayoutCheck(f"{check}_{corner}", fig["value"] >= 0,
                                       f"{check} worst slack {fig['value']:+.3f} ns at the "
                                       f"{corner} corner{at} (from {fig['source']})"))
    return out
