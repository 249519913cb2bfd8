"""README.md of a handoff package: what the fab partner finds in it, what the layout was checked
for, and what they must supply themselves. A pure function of the build's records."""

from __future__ import annotations

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
    ("macros/", "MRAM macro views: Liberty per corner, LEF, black-box Verilog, abstract GDS"),
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
        "", "## What is inside", "", "| folder | content |", "|---|---|"]
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

