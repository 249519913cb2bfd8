"""Switching activity of every net of a gate-level netlist, seeded by an RTL simulation.

Nets whose name survives synthesis (flip-flop outputs keep their register names, ports keep
theirs, MRAM macro outputs keep the RTL wire) take the toggle rate and duty measured in the
RTL VCD. The other nets get theirs by propagating through each cell's Boolean function
(Liberty `function`): with inputs independent, signal probability P(y) = sum over input
patterns of f * prob(pattern), and transition density D(y) = sum_i P(df/dx_i) D(x_i) (Najm's
Boolean-difference rule), capped at 1 toggle per cycle (zero-delay: a net settles once per
clock; glitches are not modelled). Nets neither simulated nor reachable from simulated ones
(unmatched flip-flops, floating inputs) get `default_activity` and are counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product

import numpy as np

from eqchip.power.liberty import CellLogic, compile_function
from eqchip.power.netlist import Bit, Cell, Netlist

SIM, PROPAGATED, DEFAULT, CONSTANT, CLOCK = "sim", "propagated", "default", "constant", "clock"


@dataclass(frozen=True)
class NetActivity:
    density: float       # toggles per clock cycle
    duty: float          # probability of 1
    origin: str


@dataclass
class Annotation:
    """Activity per net bit and per cell pin, with where each number came from."""

    bits: dict[int, NetActivity] = field(default_factory=dict)
    pins: dict[tuple[str, str, int], NetActivity] = field(default_factory=dict)
    unmatched_flops: list[str] = field(default_factory=list)

    def origin_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.bits.values():
            out[a.origin] = out.get(a.origin, 0) + 1
        return out

    def flop_coverage(self, n_flops: int) -> float:
        return 1.0 - len(self.unmatched_flops) / n_flops if n_flops else 1.0


class Truth:
    """Truth table of one cell output and its Boolean differences, for probability math."""

    def __init__(self, fn: Callable[[dict[str, int]], int], pins: list[str]) -> None:
        self.pins = pins
        n = len(pins)
        pats = list(product((0, 1), repeat=n))
        self.bits = np.array(pats, dtype=float).reshape(len(pats), n)
        self.f = np.array([fn(dict(zip(pins, p, strict=True))) for p in pats], dtype=float)
        idx = {p: k for k, p in enumerate(pats)}
        self.diff = np.zeros((n, len(pats)))
        for i in range(n):
            for k, p in enumerate(pats):
                q = list(p)
                q[i] ^= 1
                self.diff[i, k] = float(self.f[k] != self.f[idx[tuple(q)]])

    def probability(self, p: np.ndarray) -> float:
        """P(f = 1), inputs independent with P(x) = p."""
        return float(np.where(self.bits > 0, p, 1.0 - p).prod(axis=1) @ self.f)

    def differences(self, p: np.ndarray) -> tuple[float, np.ndarray]:
        """P(f = 1) and P(df/dx_i = 1) for every input, inputs independent with P(x) = p."""
        probs = np.where(self.bits > 0, p, 1.0 - p)            # (patterns, n)
        prob = float(probs.prod(axis=1) @ self.f)
        pd = np.empty(len(self.pins))
        for i in range(len(self.pins)):
            others = np.delete(probs, i, axis=1).prod(axis=1)
            # each pattern pair is visited twice (x_i = 0 and 1): weight by the half
            pd[i] = float((self.diff[i] * others).sum()) * 0.5
        return prob, pd

    def apply(self, p: np.ndarray, d: np.ndarray) -> tuple[float, float]:
        if not len(self.pins):
            return 0.0, float(self.f[0])
        prob, pd = self.differences(p)
        return float(pd @ d), prob


def annotate(nl: Netlist, lib: dict[str, CellLogic],
             sim: dict[tuple[str, int], tuple[float, float]], clock_port: str,
             default_activity: float = 0.1) -> Annotation:
    """`sim`: (net name, bit index) -> (toggles per cycle, duty) from the RTL VCD, with names
    relative to the design's top instance."""
    ann = Annotation()
    acts = ann.bits
    clk_bits = {b for b in nl.ports.get(clock_port, ("input", []))[1] if isinstance(b, int)}
    for b in clk_bits:
        acts[b] = NetActivity(2.0, 0.5, CLOCK)
    for b, names in nl.bit_names.items():
        if b in acts:
            continue
        for key in names:
            if key in sim:
                d, p = sim[key]
                acts[b] = NetActivity(min(d, 1.0) if b not in clk_bits else d, p, SIM)
                break
    drivers: dict[int, tuple[Cell, str]] = {}
    for c in nl.cells:
        for pin, bits in c.conns.items():
            if c.dirs.get(pin) == "output":
                for b in bits:
                    if isinstance(b, int):
                        drivers[b] = (c, pin)
    # flip-flops / latches / black boxes whose outputs were not simulated
    for c in nl.cells:
        logic = lib.get(c.type)
        if logic is not None and not logic.sequential:
            continue
        for pin, bits in c.conns.items():
            if c.dirs.get(pin) != "output":
                continue
            for b in bits:
                if isinstance(b, int) and b not in acts:
                    acts[b] = NetActivity(default_activity, 0.5, DEFAULT)
                    if logic is not None:
                        ann.unmatched_flops.append(f"{c.name}/{pin}")
    for _, (_, bits) in nl.ports.items():
        for b in bits:
            if isinstance(b, int) and b not in acts and b not in drivers:
                acts[b] = NetActivity(default_activity, 0.5, DEFAULT)
    _propagate(nl, lib, acts, default_activity)
    _clock_network(nl, lib, acts, clk_bits)
    for c in nl.cells:
        for pin, bits in c.conns.items():
            for i, b in enumerate(bits):
                ann.pins[(c.name, pin, i)] = _bit(acts, b, default_activity)
    return ann


#: Liberty functions of a one-input buffer and inverter (a clock tree's cells)
_BUFFER = {"A", "(A)"}
_INVERTER = {"!A", "(!A)", "A'", "(A')"}


def clock_network(nl: Netlist, lib: dict[str, CellLogic], clk_bits: set[int]
                  ) -> tuple[list[str], list[str]]:
    """The cells of the clock network, in the order they are reached from the clock port:
    (buffers and inverters: what a clock-tree synthesis inserts between the port, the clock
    gates and the flip-flops; a synthesized netlist has none, integrated clock gates)."""
    tree, gates = _clock_walk(nl, lib, clk_bits)
    return [c.name for c in tree], [c.name for c in gates]


def _clock_walk(nl: Netlist, lib: dict[str, CellLogic], clk_bits: set[int]
                ) -> tuple[list[Cell], list[Cell]]:
    """(clock-tree buffers and inverters, integrated clock gates) reached from `clk_bits`
    through buffers, inverters and clock gates, in that order."""
    by_input: dict[int, list[Cell]] = {}
    for c in nl.cells:
        logic = lib.get(c.type)
        if logic is None or logic.sequential and not _is_icg(logic):
            continue
        pin = "CLK" if _is_icg(logic) else (logic.inputs[0] if len(logic.inputs) == 1 and
                                             len(logic.outputs) == 1 else None)
        if pin is None:
            continue
        if not _is_icg(logic) and next(iter(logic.outputs.values())).replace(" ", "") not in \
                _BUFFER | _INVERTER:
            continue
        for b in c.conns.get(pin, [])[:1]:
            if isinstance(b, int):
                by_input.setdefault(b, []).append(c)
    tree: list[Cell] = []
    gates: list[Cell] = []
    seen: set[str] = set()
    frontier = list(clk_bits)
    while frontier:
        nxt: list[int] = []
        for b in frontier:
            for c in by_input.get(b, []):
                if c.name in seen:
                    continue
                seen.add(c.name)
                (gates if _is_icg(lib[c.type]) else tree).append(c)
                for pin, bits in c.conns.items():
                    if c.dirs.get(pin) == "output":
                        nxt += [x for x in bits if isinstance(x, int)]
        frontier = nxt
    return tree, gates


def _is_icg(logic: CellLogic) -> bool:
    return set(logic.outputs) == {"GCLK"} and {"CLK", "GATE"} <= set(logic.inputs)


def _clock_network(nl: Netlist, lib: dict[str, CellLogic], acts: dict[int, NetActivity],
                   clk_bits: set[int]) -> None:
    """The clock's activity through the clock network, from the port on: a clock-tree buffer
    passes its input's activity on (an inverter with the duty mirrored); an integrated clock
    gate (pins CLK, GATE -> GCLK) pulses in the cycles whose latched enable is 1, so its output
    toggles P(GATE) x the clock's toggles per cycle (duty P(GATE) x the clock's duty). Applied
    in the order the nets are reached from the port, over whatever the simulation or the
    propagation gave these nets (zero-delay activity caps a net at one toggle per cycle; a
    clock net has two)."""
    tree, gates = _clock_walk(nl, lib, clk_bits)
    is_gate = {c.name for c in gates}
    # each cell once its input's clock activity is known (buffers after gates after buffers)
    pending = [*tree, *gates]
    clock = {b: acts[b] for b in clk_bits if b in acts}
    progress = True
    while pending and progress:
        progress = False
        rest = []
        for c in pending:
            logic = lib[c.type]
            pin = "CLK" if c.name in is_gate else logic.inputs[0]
            src = (c.conns.get(pin) or ["x"])[0]
            if src not in clock:
                rest.append(c)
                continue
            a = clock[src]
            if c.name in is_gate:
                en = _bit(acts, (c.conns.get("GATE") or ["x"])[0], 0.5).duty
                out = NetActivity(a.density * en, a.duty * en, PROPAGATED)
                pins = ["GCLK"]
            else:
                inv = next(iter(logic.outputs.values())).replace(" ", "") in _INVERTER
                out = NetActivity(a.density, 1.0 - a.duty if inv else a.duty, a.origin)
                pins = list(logic.outputs)
            for p in pins:
                for b in c.conns.get(p, []):
                    if isinstance(b, int):
                        acts[b] = out
                        clock[b] = out
            progress = True
        pending = rest


def _bit(acts: dict[int, NetActivity], b: Bit, default: float) -> NetActivity:
    if isinstance(b, str):
        return NetActivity(0.0, 1.0 if b == "1" else 0.0, CONSTANT)
    return acts.get(b, NetActivity(default, 0.5, DEFAULT))


def _propagate(nl: Netlist, lib: dict[str, CellLogic], acts: dict[int, NetActivity],
               default: float) -> None:
    tables: dict[tuple[str, str], Truth] = {}
    comb = [c for c in nl.cells if c.type in lib and not lib[c.type].sequential]
    waiting: dict[int, list[int]] = {}
    missing: list[int] = []
    for k, c in enumerate(comb):
        need = {b for p in lib[c.type].inputs for b in c.conns.get(p, [])
                if isinstance(b, int) and b not in acts}
        missing.append(len(need))
        for b in need:
            waiting.setdefault(b, []).append(k)
    ready = [k for k, n in enumerate(missing) if n == 0]
    done = [False] * len(comb)

    def evaluate(k: int) -> None:
        c = comb[k]
        logic = lib[c.type]
        for pin, text in logic.outputs.items():
            outs = [b for b in c.conns.get(pin, []) if isinstance(b, int)]
            if not outs or outs[0] in acts and acts[outs[0]].origin == SIM:
                continue
            if not text:
                res = NetActivity(default, 0.5, DEFAULT)
            else:
                key = (c.type, pin)
                if key not in tables:
                    fn, names = compile_function(text)
                    tables[key] = Truth(fn, names)
                t = tables[key]
                ins = [_bit(acts, (c.conns.get(n) or ["x"])[0], default) for n in t.pins]
                dens, prob = t.apply(np.array([a.duty for a in ins]),
                                     np.array([a.density for a in ins]))
                res = NetActivity(min(dens, 1.0), prob, PROPAGATED)
            for b in outs:
                if b not in acts:
                    acts[b] = res
                    for j in waiting.pop(b, []):
                        missing[j] -= 1
                        if missing[j] == 0:
                            ready.append(j)

    while True:
        while ready:
            k = ready.pop()
            if not done[k]:
                done[k] = True
                evaluate(k)
        rest = [k for k in range(len(comb)) if not done[k]]
        if not rest:
            break
        # a combinational loop or an undriven input: break it with the default activity
        c = comb[rest[0]]
        for p in lib[c.type].inputs:
            for b in c.conns.get(p, []):
                if isinstance(b, int) and b not in acts:
                    acts[b] = NetActivity(default, 0.5, DEFAULT)
                    for j in waiting.pop(b, []):
                        missing[j] -= 1
                        if missing[j] == 0:
                            ready.append(j)
        if not ready:
            ready.append(rest[0])
