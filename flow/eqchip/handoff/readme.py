"""README.md of a handoff package: what the fab partner finds in it, what the layout was checked
for, and what they must supply themselves. A pure function of the build's records."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from eqchip.asic.state import BuildState
from eqchip.config import LoadedDesign
from eqchip.handoff.layout_checks import LayoutCheck

#: package folder -> what it holds (only the folders a package has are listed)
FOLDERS = (
    ("layout/", "GDSII of the routed top cell; DEF and abstract LEF of the same layout "
                "(`views/`); SPEF where the flow extracted one (`parasitics/`)"),
    ("netlist/final/", "the routed netlist with power pins (clock tree, buffers and resizing "
                       "included), as OpenROAD wrote it"),
    ("netlist/synthesis/", "the synthesized netlist (before place and route)"),
    ("constraints/", "the design's SDC; `final/`: as OpenROAD wrote it after routing"),
    ("macros/", "MRAM macro views: Liberty per corner, LEF, black-box Verilog (`.bb.v`), "
                "abstract GDS, and the behavioural Verilog model for simulation (`<cell>.v`)"),
    ("rtl/", "the rendered SystemVerilog"),
    ("reports/", "eqchip's metrics.json, build_state.json and report (json/md/html); "
                 "post-synthesis timing (`sta/`); per-corner timing and power of the last "
                 "routing step (`signoff/`)"),
    ("design/", "the eqchip design file the package was built from"),
)


def _checks_table(checks: list[LayoutCheck]) -> list[str]:
    lines = ["| check | result | detail |", "|---|---|---|"]
    lines += [f"| {c.name} | {'pass' if c.ok else '**FAIL**'} | {c.detail} |" for c in checks]
    return lines


_MODULE = re.compile(r"^\s*module\s+(\S+?)\s*\(([^;]*)\)\s*;", re.S)
_DECL = re.compile(r"^\s*(input|output|inout)\s+(?:wire\s+|reg\s+)?"
                   r"(?:\[\s*(-?\d+)\s*:\s*(-?\d+)\s*\]\s*)?([^\s;,]+)\s*;")


def top_pins(netlist: Path, top: str) -> list[dict]:
    """The top cell's pins as the netlist declares them: [{name, direction, width, bits}] in
    the order of the module header (read line by line, only up to the last port declaration;
    [] when the module is not found)."""
    pins: dict[str, dict] = {}
    order: list[str] = []
    head = ""
    in_top = False
    with open(netlist, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not in_top:
                if re.match(rf"^\s*module\s+{re.escape(top)}\b", line) or head:
                    head += line
                    if ";" in line:
                        m = _MODULE.match(head)
                        order = [p.strip() for p in m.group(2).split(",")] if m else []
                        in_top = True
                continue
            if re.match(r"^\s*endmodule", line):
                break
            d = _DECL.match(line)
            if d and d.group(4) in order:
                msb, lsb = d.group(2), d.group(3)
                width = abs(int(msb) - int(lsb)) + 1 if msb is not None else 1
                pins[d.group(4)] = {"name": d.group(4), "direction": d.group(1),
                                    "width": width,
                                    "bits": f"[{msb}:{lsb}]" if msb is not None else ""}
                if len(pins) == len(order):
                    break
    return [pins[n] for n in order if n in pins]


def _cover_sheet(state: BuildState, metrics: dict[str, Any], kind: str,
                 files: list[dict]) -> list[str]:
    """What is inside at a glance (files per role) and the top cell's pin list."""
    v = state.views
    netlist = v.final_netlist or v.netlist
    lines = ["## Cover sheet", "", "| item | value |", "|---|---|",
             f"| package | {kind} |", f"| top cell | `{state.top}` |"]
    die = (metrics.get("floorplan") or {}).get("die_um")
    if die:
        lines.append(f"| die (planned by eqchip's floorplan) | {die[0]:,.2f} x {die[1]:,.2f} "
                     "µm |")
    mac = metrics.get("macros") or {}
    if mac:
        lines.append(f"| MRAM macros | {mac.get('count')} x `{mac.get('cell')}` "
                     f"({mac.get('width_um')} x {mac.get('height_um')} µm) |")
    roles: dict[str, int] = {}
    for f in files:
        roles[f["role"]] = roles.get(f["role"], 0) + 1
    lines.append("| files by role | " + ", ".join(f"{k} {n}" for k, n in sorted(roles.items()))
                 + " (plus this README, manifest.json, SHA256SUMS) |")
    pins = top_pins(netlist, state.top) if netlist is not None and netlist.is_file() else []
    lines += ["", f"### Pins of `{state.top}`", ""]
    if pins:
        which = ("the routed netlist (`netlist/final/`, power pins included)"
                 if v.final_netlist else "the synthesized netlist (`netlist/synthesis/`)")
        lines += [f"{len(pins)} ports, {sum(p['width'] for p in pins)} bits, from {which}:",
                  "", "| pin | direction | width (bits) |", "|---|---|---|"]
        lines += [f"| `{p['name']}{p['bits']}` | {p['direction']} | {p['width']} |"
                  for p in pins]
    else:
        lines.append("No netlist in this build: no pin list.")
    return lines + [""]


def partner_readme(loaded: LoadedDesign, state: BuildState, metrics: dict[str, Any], kind: str,
                   checks: list[LayoutCheck], allow_violations: bool,
                   files: list[dict]) -> str:
    """The package's README.md (see the module docstring)."""
    arch = loaded.arch
    failed = [c for c in checks if not c.ok]
    pdk = metrics.get("pdk") or {}
    lines = [f"# {loaded.name}: fabrication handoff ({kind})", ""]
    if failed and allow_violations:
        lines += [f"**This layout FAILS {len(failed)} of the {len(checks)} layout checks and "
                  "was packaged with `--allow-violations`: it is not ready for fabrication "
                  "as it is.** The failing checks are listed below.", ""]
    if kind == "pre-layout":
        lines += ["**Pre-layout package: there is no layout.** The partner runs place and "
                  "route from the netlist, constraints and macro views.", ""]
    lines += [
        f"Top cell `{state.top}`: an Equilibrium Propagation training accelerator "
        f"({'-'.join(str(n) for n in arch.layers)} network) with "
        f"{(metrics.get('cells') or {}).get('macros', '?')} MRAM macro instance(s) of "
        f"`{state.macro.cell if state.macro else '?'}`, on SkyWater 130 nm "
        f"(`{pdk.get('stdcell_library', 'sky130_fd_sc_hd')}`), designed at the "
        f"`{state.corner}` corner for {loaded.design.clock.freq_mhz:g} MHz"
        f"{_slow_rating(loaded.design.clock)}. "
        "Made by eqchip; `manifest.json` lists every file with its role and SHA-256, "
        "`SHA256SUMS` the same for `sha256sum -c` (`eqchip handoff --verify` re-checks both).",
        "", *_cover_sheet(state, metrics, kind, files),
        "## What is inside", "", "| folder | content |", "|---|---|"]
    present = {f["path"].split("/")[0] + "/" for f in files}
    present |= {"/".join(f["path"].split("/")[:2]) + "/" for f in files}
    lines += [f"| `{folder}` | {what} |" for folder, what in FOLDERS if folder in present]
    if kind == "layout":
        lines += ["", "## Layout checks (before packing)", "", *_checks_table(checks), "",
                  "DRC here is OpenROAD's detailed router's own check, not a sign-off DRC: "
                  "no Magic or KLayout DRC deck and no LVS (Netgen) were run on this layout."]
        if not state.views.spef:
            lines += ["", "No SPEF: the PDK install the flow used carries no OpenRCX "
                          "extraction deck, so the timing and power in `reports/signoff/` use "
                          "OpenROAD's parasitics estimated from the global routes."]
    model = [f for f in files if f["path"].startswith("macros/") and f["path"].endswith(".v")
             and not f["path"].endswith(".bb.v")]
    if model:
        lines += ["", "## Simulating the MRAM", "",
                  f"`{model[0]['path']}` is a behavioural Verilog model of the macro (the "
                  "same ports as the black box: `CLK`, `CE`, `WE`, `ADDR`, `DIN`, `DOUT`; "
                  "`USE_POWER_PINS` adds `VPWR`/`VGND`): at a rising `CLK` edge with `CE` high, "
                  "`WE` = 1 writes `DIN` at `ADDR` and `WE` = 0 puts the word at `ADDR` on "
                  "`DOUT`; every word is 0 at time 0. Compile it with the "
                  "netlist (or the RTL) for a functional simulation of the block; define "
                  "`EQCHIP_MRAM_BER_PPM` to flip read bits with that probability per million."]
    lines += [
        "", "## What the partner must supply", "",
        "- **The MRAM macro layouts.** The macros in this package are abstracts: their LEF "
        "gives the outline, pins and routing obstructions and their GDS only the outline and "
        "pin shapes. The MTJ stack, the bit cells and the macro periphery come from the "
        "partner's MRAM process and must replace the abstract cells "
        f"`{state.macro.cell if state.macro else '?'}` of the same name and size at stream-out.",
        "- A sign-off DRC and LVS of the merged layout with the partner's decks.",
        "- The pad ring and the chip-level integration (this is one block: its pins are the "
        "host bus, `clk` and `rst_n`).",
        "",
    ]
    return "\n".join(lines)


def _slow_rating(clock) -> str:  # noqa: ANN001 - eqchip.config.design.Clock
    """The slow corner's own clock, when the design names one."""
    if clock.slow_corner_freq_mhz is None or clock.slow_corner_freq_mhz == clock.freq_mhz:
        return " (every sign-off corner is checked at that clock)"
    return (f"; at the slow corner (ss_n40C_1v40: 1.40 V, -40 C) it is rated for "
            f"{clock.slow_corner_freq_mhz:g} MHz, the clock setup is checked at there")

