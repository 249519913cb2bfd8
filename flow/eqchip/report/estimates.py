"""Pre-layout estimates of what post-synthesis power leaves out: the clock tree and the wires.

Both are ESTIMATES (every result carries a `label` saying so and how it was made); once a placed
and routed design exists, its extracted parasitics replace them.

* Wire capacitance: the Liberty wire-load model (`wire_load("Small")` .. `("Huge")`,
  `default_wire_load`): a net of fanout n has length `fanout_length(n)` (beyond the table:
  last length + slope x extra fanout) and capacitance `capacitance x length`. The model is
  selected by area: the Liberty's `wire_load_selection` (`wire_load_from_area`) when it has one,
  else area thresholds given by the caller (sky130_fd_sc_hd has no selection group, and its four
  tables are identical, so there the choice changes the name, not the number).
* Clock tree: a buffer tree over the clock sinks (flip-flops and clock gates), `sinks_per_buffer`
  loads per buffer at every level up to one root buffer; its capacitance is the sink clock pins
  + buffer inputs + the wire-load capacitance of every buffer's net, switched once per cycle,
  plus the buffers' internal energy.

Units: pF, V, MHz, um, uW (pF x V^2 x MHz = uW), pJ. Pure functions over text and numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

ESTIMATE = "estimate (pre-layout)"


@dataclass(frozen=True)
class WireLoad:
    name: str
    capacitance_pf_per_um: float
    resistance_per_um: float
    slope_um: float
    fanout_length_um: dict[int, float]

    def length_um(self, fanout: int) -> float:
        if fanout < 1:
            return 0.0
        if fanout in self.fanout_length_um:
            return self.fanout_length_um[fanout]
        top = max(self.fanout_length_um)
        if fanout > top:
            return self.fanout_length_um[top] + self.slope_um * (fanout - top)
        lower = max(k for k in self.fanout_length_um if k < fanout)
        upper = min(k for k in self.fanout_length_um if k > fanout)
        x = (fanout - lower) / (upper - lower)
        return (1 - x) * self.fanout_length_um[lower] + x * self.fanout_length_um[upper]

    def net_cap_pf(self, fanout: int) -> float:
        return self.capacitance_pf_per_um * self.length_um(fanout)


@dataclass(frozen=True)
class WireLoads:
    models: dict[str, WireLoad]
    default: str | None
    by_area: tuple[tuple[float, float, str], ...]     # wire_load_from_area (lo, hi, name)


def _group_body(text: str, start: int) -> str:
    depth = 0
    i = text.index("{", start)
    for n in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[n], 0)
        if depth == 0:
            return text[i + 1:n]
    raise ValueError("unbalanced braces in Liberty text")


def _num(body: str, name: str) -> float:
    m = re.search(rf"\b{name}\s*:\s*([-0-9.eE+]+)\s*;", body)
    if m is None:
        raise ValueError(f"wire_load without {name}")
    return float(m.group(1))


def parse_wire_loads(lib_text: str) -> WireLoads:
    """Every `wire_load` group, `default_wire_load` and `wire_load_selection` of a Liberty."""
    models: dict[str, WireLoad] = {}
    for m in re.finditer(r'\bwire_load\s*\(\s*"?([\w.-]+)"?\s*\)\s*\{', lib_text):
        body = _group_body(lib_text, m.start())
        fl = {int(a): float(b) for a, b in
              re.findall(r"fanout_length\s*\(\s*(\d+)\s*,\s*([-0-9.eE+]+)\s*\)", body)}
        if not fl:
            raise ValueError(f"wire_load {m.group(1)} has no fanout_length")
        models[m.group(1)] = WireLoad(m.group(1), _num(body, "capacitance"),
                                      _num(body, "resistance"), _num(body, "slope"), fl)
    d = re.search(r'\bdefault_wire_load\s*:\s*"?([\w.-]+)"?\s*;', lib_text)
    sel = tuple((float(a), float(b), n) for a, b, n in re.findall(
        r'wire_load_from_area\s*\(\s*([-0-9.eE+]+)\s*,\s*([-0-9.eE+]+)\s*,\s*"?([\w.-]+)"?\s*\)',
        lib_text))
    return WireLoads(models, d.group(1) if d else None, sel)


# Area thresholds (um^2) when the Liberty has no wire_load_selection: an estimate.
DEFAULT_AREA_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (250_000.0, "Small"), (1_000_000.0, "Medium"), (4_000_000.0, "Large"))


def select_wire_load(loads: WireLoads, area_um2: float,
                     thresholds: tuple[tuple[float, str], ...] = DEFAULT_AREA_THRESHOLDS,
                     largest: str = "Huge") -> tuple[WireLoad, str]:
    """The wire-load model for a design of `area_um2` and why it was chosen."""
    for lo, hi, name in loads.by_area:
        if lo <= area_um2 < hi and name in loads.models:
            return loads.models[name], f"wire_load_selection: {lo:g} <= area < {hi:g} um^2"
    for limit, name in thresholds:
        if area_um2 < limit and name in loads.models:
            return loads.models[name], (f"area {area_um2:.0f} um^2 < {limit:g} um^2 "
                                        f"(eqchip threshold; the Liberty has no selection)")
    if largest in loads.models:
        return loads.models[largest], f"area {area_um2:.0f} um^2 above every threshold"
    if loads.default and loads.default in loads.models:
        return loads.models[loads.default], "the Liberty's default_wire_load"
    raise ValueError("the Liberty has no wire_load models")


def dynamic_power_uw(cap_pf: float, vdd: float, clock_mhz: float,
                     transitions_per_cycle: float) -> float:
    """Switching power of `cap_pf` making `transitions_per_cycle` transitions each cycle: each
    transition costs C V^2 / 2 on average (charging draws C V^2, discharging draws nothing)."""
    return 0.5 * transitions_per_cycle * cap_pf * vdd * vdd * clock_mhz


@dataclass(frozen=True)
class WireEstimate:
    wire_load: str
    selection: str
    nets: int
    cap_pf: float
    power_uw: float
    label: str


def wire_estimate(fanouts: Mapping[int, int], wl: WireLoad, selection: str, vdd: float,
                  clock_mhz: float, transitions_per_cycle: float) -> WireEstimate:
    """Wire capacitance of the signal nets (`fanouts`: fanout -> number of nets) and its
    switching power at an average activity."""
    if transitions_per_cycle < 0 or clock_mhz <= 0 or vdd <= 0:
        raise ValueError("activity must be >= 0, clock and supply > 0")
    cap = sum(n * wl.net_cap_pf(fo) for fo, n in fanouts.items())
    nets = sum(fanouts.values())
    return WireEstimate(wl.name, selection, nets, cap,
                        dynamic_power_uw(cap, vdd, clock_mhz, transitions_per_cycle),
                        f"{ESTIMATE}: Liberty wire_load(\"{wl.name}\") x {nets} nets, "
                        f"{transitions_per_cycle:g} transitions per net per cycle")


@dataclass(frozen=True)
class ClockTreeEstimate:
    sinks: int
    levels: int
    buffers: int
    sink_cap_pf: float
    buffer_input_cap_pf: float
    wire_cap_pf: float
    switching_uw: float
    buffer_internal_uw: float
    label: str

    @property
    def cap_pf(self) -> float:
        return self.sink_cap_pf + self.buffer_input_cap_pf + self.wire_cap_pf

    @property
    def power_uw(self) -> float:
        return self.switching_uw + self.buffer_internal_uw


def clock_tree_estimate(flip_flops: int, clock_gates: int, ff_clock_pin_pf: float,
                        gate_clock_pin_pf: float, buffer_input_pf: float, wl: WireLoad,
                        vdd: float, clock_mhz: float, sinks_per_buffer: int = 10,
                        buffer_internal_pj_per_cycle: float = 0.0) -> ClockTreeEstimate:
    """A buffer tree over `flip_flops + clock_gates` sinks. Level 1 has ceil(N/k) buffers, each
    next level ceil(previous/k), up to one root buffer; every buffer's net has fanout
    ceil(children / buffers) and wire-load capacitance. The clock charges every node once per
    cycle: P = C V^2 f, plus buffers x internal energy per cycle x f."""
    if min(flip_flops, clock_gates) < 0 or sinks_per_buffer < 2:
        raise ValueError("counts must be >= 0 and sinks_per_buffer >= 2")
    if vdd <= 0 or clock_mhz <= 0:
        raise ValueError("supply and clock must be > 0")
    sinks = flip_flops + clock_gates
    sink_cap = flip_flops * ff_clock_pin_pf + clock_gates * gate_clock_pin_pf
    buffers = levels = 0
    wire = 0.0
    children = sinks
    while children > 1 or (levels == 0 and children == 1):
        n = math.ceil(children / sinks_per_buffer)
        wire += n * wl.net_cap_pf(math.ceil(children / n))
        buffers += n
        levels += 1
        children = n
    buf_cap = buffers * buffer_input_pf
    switching = (sink_cap + buf_cap + wire) * vdd * vdd * clock_mhz
    internal = buffers * buffer_internal_pj_per_cycle * clock_mhz
    return ClockTreeEstimate(
        sinks, levels, buffers, sink_cap, buf_cap, wire, switching, internal,
        f"{ESTIMATE}: {buffers} clock buffers in {levels} levels over {sinks} sinks "
        f"({flip_flops} flip-flops, {clock_gates} clock gates), {sinks_per_buffer} loads per "
        f"buffer, Liberty wire_load(\"{wl.name}\")")


# ---------------------------------------------------------------- Liberty numbers used above

def _cell_body(lib_text: str, cell: str) -> str:
    m = re.search(rf'\bcell\s*\(\s*"?{re.escape(cell)}"?\s*\)\s*\{{', lib_text)
    if m is None:
        raise ValueError(f"cell {cell} not in the Liberty")
    return _group_body(lib_text, m.start())


def pin_capacitance_pf(lib_text: str, cell: str, pin: str) -> float:
    """`capacitance` of an input pin of a Liberty cell."""
    body = _cell_body(lib_text, cell)
    m = re.search(rf'\bpin\s*\(\s*"?{re.escape(pin)}"?\s*\)\s*\{{', body)
    if m is None:
        raise ValueError(f"cell {cell} has no pin {pin}")
    c = re.search(r"^\s*capacitance\s*:\s*([0-9.eE+-]+)\s*;", _group_body(body, m.start()),
                  re.M)
    if c is None:
        raise ValueError(f"pin {cell}/{pin} has no capacitance")
    return float(c.group(1))


def _first_value(body: str, kind: str) -> float:
    m = re.search(rf"\b{kind}\s*\([^)]*\)\s*\{{", body)
    if m is None:
        raise ValueError(f"no {kind} table")
    v = re.search(r"values\s*\(\s*\"\s*([-0-9.eE+]+)", _group_body(body, m.start()))
    if v is None:
        raise ValueError(f"{kind} table without values")
    return float(v.group(1))


def output_internal_energy_pj(lib_text: str, cell: str, pin: str) -> float:
    """Internal energy of one rise plus one fall of an output pin (pJ), from the first entry
    (fastest input, smallest load) of its internal_power tables: a clock buffer's energy per
    clock cycle beyond its load."""
    body = _cell_body(lib_text, cell)
    m = re.search(rf'\bpin\s*\(\s*"?{re.escape(pin)}"?\s*\)\s*\{{', body)
    if m is None:
        raise ValueError(f"cell {cell} has no pin {pin}")
    pb = _group_body(body, m.start())
    ip = re.search(r"\binternal_power\s*\(\s*\)\s*\{", pb)
    if ip is None:
        raise ValueError(f"pin {cell}/{pin} has no internal_power")
    g = _group_body(pb, ip.start())
    return _first_value(g, "rise_power") + _first_value(g, "fall_power")
