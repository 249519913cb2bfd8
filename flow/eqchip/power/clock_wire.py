"""What the report's pre-layout clock-tree and wire estimates need (eqchip.report.estimates),
recorded by the `synthesis.power` node so that the report only combines numbers.

From the netlist, its Liberty (the text and `read_liberty`'s cells) and the annotated activity:

* the clock sinks on the root clock net: flip-flops and latches (sequential cells with a CLK /
  CLK_N / GATE / GATE_N pin on `clock_bits`) and integrated clock gates
  (`sky130_fd_sc_hd__dlclkp_*`, `sdlclkp_*`), with the mean Liberty `capacitance` of their clock
  pins; flip-flops behind a clock gate are counted apart (`gated_flip_flops`): their gated
  clock is a cell output whose switching OpenSTA's power already includes;
* the clock buffer (`sky130_fd_sc_hd__clkbuf_4`): input capacitance and internal energy of one
  rise plus one fall of its output (the first entry of its `internal_power` tables);
* the Liberty's `wire_load` groups, `default_wire_load`, `wire_load_from_area` and
  `nom_voltage`;
* the signal nets by fanout (cell input pins on the net; clock nets excluded, the clock tree
  estimate covers them) with the sum of their toggles per cycle from the annotated activity.

Every number is plain data (JSON), named in `source`."""

from __future__ import annotations

import re
from pathlib import Path

from eqchip.power.liberty import CellLogic
from eqchip.power.netlist import Netlist
from eqchip.power.propagate import Annotation

CLOCK_GATE = re.compile(r"^sky130_fd_sc_\w+__s?dlclkp_\d+$")
CLOCK_PINS = ("CLK", "CLK_N", "GATE", "GATE_N")
CLOCK_BUFFER = "sky130_fd_sc_hd__clkbuf_4"


def _group_body(text: str, brace: int) -> str:
    depth = 0
    for n in range(brace, len(text)):
        depth += {"{": 1, "}": -1}.get(text[n], 0)
        if depth == 0:
            return text[brace + 1:n]
    raise ValueError("unbalanced braces in Liberty text")


def _attr(body: str, name: str) -> float | None:
    m = re.search(rf"\b{name}\s*:\s*([-0-9.eE+]+)\s*;", body)
    return float(m.group(1)) if m else None


def liberty_wire_loads(text: str) -> dict:
    """`wire_load` groups, `default_wire_load` and `wire_load_from_area` of a Liberty text."""
    models = {}
    for m in re.finditer(r'\bwire_load\s*\(\s*"?([\w.-]+)"?\s*\)\s*\{', text):
        body = _group_body(text, m.end() - 1)
        models[m.group(1)] = {
            "capacitance_pf_per_um": _attr(body, "capacitance"),
            "resistance_per_um": _attr(body, "resistance"),
            "slope_um": _attr(body, "slope"),
            "fanout_length_um": [[int(a), float(b)] for a, b in re.findall(
                r"fanout_length\s*\(\s*(\d+)\s*,\s*([-0-9.eE+]+)\s*\)", body)]}
    d = re.search(r'\bdefault_wire_load\s*:\s*"?([\w.-]+)"?\s*;', text)
    sel = [[float(a), float(b), n] for a, b, n in re.findall(
        r'wire_load_from_area\s*\(\s*([-0-9.eE+]+)\s*,\s*([-0-9.eE+]+)\s*,\s*"?([\w.-]+)"?\s*\)',
        text)]
    return {"models": models, "default": d.group(1) if d else None, "by_area": sel}


def _clock_pin(cl: CellLogic) -> str | None:
    return next((p for p in CLOCK_PINS if p in cl.caps), None)


def clock_wire_inputs(nl: Netlist, lib: dict[str, CellLogic], liberty: Path, liberty_text: str,
                      clock_bits: set[int], ann: Annotation | None, activity: str) -> dict:
    """The estimate inputs of activity_power.json (`clock_wire` section)."""
    lname = liberty.name
    ff = gates = gated = 0
    ff_cap = gate_cap = 0.0
    clock_nets = set(clock_bits)
    loads: dict[int, int] = {}
    for c in nl.cells:
        cl = lib.get(c.type)
        if cl is not None and CLOCK_GATE.match(c.type):
            gates += 1
            gate_cap += cl.caps.get("CLK", 0.0)
            clock_nets.update(b for b in c.conns.get("GCLK", []) if isinstance(b, int))
        elif cl is not None and cl.sequential and _clock_pin(cl) is not None:
            pin = _clock_pin(cl) or ""
            if clock_bits.intersection(c.conns.get(pin, [])):
                ff += 1
                ff_cap += cl.caps[pin]
            else:               # behind a clock gate: its GCLK net is a cell output, which
                gated += 1      # OpenSTA's power already counts (not a clock-tree sink)
        for pin, bits in c.conns.items():
            if c.dirs.get(pin) == "input":
                for b in bits:
                    if isinstance(b, int):
                        loads[b] = loads.get(b, 0) + 1
    fanouts: dict[int, dict[str, float]] = {}
    for b, n in loads.items():
        if b in clock_nets:
            continue
        row = fanouts.setdefault(n, {"nets": 0, "toggles_per_cycle": 0.0})
        row["nets"] += 1
        if ann is not None and b in ann.bits:
            row["toggles_per_cycle"] += ann.bits[b].density
    buf = lib.get(CLOCK_BUFFER)
    buf_energy = None
    if buf is not None:
        ip = next((i for i in buf.internal if i.pin == "X" and i.rise and i.fall), None)
        if ip is not None and ip.rise is not None and ip.fall is not None:
            buf_energy = ip.rise.values[0][0] + ip.fall.values[0][0]
    vdd = _attr(liberty_text, "nom_voltage")
    return {
        "flip_flops": ff, "clock_gates": gates, "gated_flip_flops": gated,
        "ff_clock_pin_pf": ff_cap / ff if ff else 0.0,
        "gate_clock_pin_pf": gate_cap / gates if gates else 0.0,
        "clock_buffer": CLOCK_BUFFER if buf is not None else None,
        "buffer_input_pf": buf.caps.get("A") if buf is not None else None,
        "buffer_internal_pj_per_cycle": buf_energy,
        "vdd_v": vdd,
        "wire_loads": liberty_wire_loads(liberty_text),
        "signal_fanouts": {str(k): v for k, v in sorted(fanouts.items())},
        "activity": activity if ann is not None else None,
        "source": (f"{lname}: clock pin, clkbuf_4 A capacitance and X internal_power (first "
                   f"entry), wire_load groups, nom_voltage; netlist cells and nets (clock nets "
                   f"excluded); toggles: {activity if ann is not None else 'none'}"),
    }
