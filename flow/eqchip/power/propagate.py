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
    _clock_gates(nl, lib, acts, clk_bits)
    for c in nl.cells:
        for pin, bits in c.conns.items():
            for i, b in enumerate(bits):
                ann.pins[(c.name, pin, i)] = _bit(acts, b, default_activity)
    return ann


def _clock_gates(nl: Netlist, lib: dict[str, CellLogic], acts: dict[int, NetActivity],
                 clk_bits: set[int]) -> None:
    """Integrated clock gates (pins CLK, GATE -> GCLK): the gated clock pulses in the cycles
    whose latched enable is 1, so it toggles 2 x P(GATE) times per cycle (duty P(GATE) / 2)."""
    for c in nl.cells:
        logic = lib.get(c.type)
        if logic is None or set(logic.outputs) != {"GCLK"} or \
                not {"CLK", "GATE"} <= set(logic.inputs):
            continue
        clk = (c.conns.get("CLK") or ["x"])[0]
        if clk not in clk_bits:
            continue
        en = _bit(acts, (c.conns.get("GATE") or ["x"])[0], 0.5).duty
        for b in c.conns.get("GCLK", []):
            if isinstance(b, int):
                acts[b] = NetActivity(2.0 * en, 0.5 * en, PROPAGATED)


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
