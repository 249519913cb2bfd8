"""Cell internal power from the Liberty `internal_power` tables, per net activity.

Debian's OpenSTA 2.0.17 reads no `internal_power` group of sky130_fd_sc_hd (its report shows 0
internal power for every flip-flop), yet the flip-flops' clock-pin energy is a large share of
the logic power. eqchip therefore computes it itself, the way OpenSTA defines it:

* input pin p:  sum over its groups of  E(slew) x P(when) x D(p)        per clock cycle
* output pin o: sum over related pins r of  E(slew, C_load) x w_r x D(o) per clock cycle,
  w_r = share of o's toggles caused by r (Boolean difference, as in `eqchip.power.propagate`),
  or 1/(number of related pins) for flip-flop outputs.

E = average of the rise and fall tables (rise and fall alternate), read at a nominal input
slew `slew_ns` and, for outputs, at the load C_load = sum of the input pin capacitances the net
drives (no wire capacitance: post-synthesis, as OpenSTA without parasitics). Power = energy per
cycle / clock period. D is in toggles per cycle, P are signal probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from eqchip.power.liberty import CellLogic, compile_function
from eqchip.power.netlist import Netlist
from eqchip.power.propagate import NetActivity, Truth

NOMINAL_SLEW_NS = 0.1


@dataclass(frozen=True)
class InternalPowerResult:
    sequential_w: float
    combinational_w: float
    cells: int                   # cells with internal-power tables that were evaluated
    slew_ns: float

    @property
    def total_w(self) -> float:
        return self.sequential_w + self.combinational_w


def _prob(expr: str, duties: dict[str, float]) -> float:
    """P(expr = 1) with independent inputs of the given duties (pins not given: 0.5)."""
    if not expr:
        return 1.0
    t = _truth(expr)
    return t.probability(np.array([duties.get(n, 0.5) for n in t.pins]))


def internal_power(nl: Netlist, lib: dict[str, CellLogic],
                   pin_act: dict[tuple[str, str, int], NetActivity], period_ns: float,
                   slew_ns: float = NOMINAL_SLEW_NS,
                   only: set[str] | None = None) -> InternalPowerResult:
    """`pin_act`: activity of every cell pin (cell, pin, bit) -> NetActivity. `only`: the
    names of the cells to count (default: all)."""
    load: dict[int, float] = {}
    for c in nl.cells:
        cl = lib.get(c.type)
        if cl is None:
            continue
        for p, cap in cl.caps.items():
            for b in c.conns.get(p, []):
                if isinstance(b, int):
                    load[b] = load.get(b, 0.0) + cap
    seq = comb = 0.0
    n = 0
    for c in nl.cells:
        cl = lib.get(c.type)
        if cl is None or not cl.internal or only is not None and c.name not in only:
            continue
        n += 1
        duties = {p: pin_act[(c.name, p, 0)].duty for p in c.conns if (c.name, p, 0) in pin_act}
        dens = {p: pin_act[(c.name, p, 0)].density for p in c.conns
                if (c.name, p, 0) in pin_act}
        e_cycle = 0.0
        by_out: dict[str, list] = {}
        for ip in cl.internal:
            if ip.pin in cl.outputs:
                by_out.setdefault(ip.pin, []).append(ip)
            else:
                e_cycle += ip.energy(slew_ns) * _prob(ip.when, duties) * dens.get(ip.pin, 0.0)
        for out, groups in by_out.items():
            bits = c.conns.get(out, [])
            c_load = load.get(bits[0], 0.0) if bits and isinstance(bits[0], int) else 0.0
            d_out = dens.get(out, 0.0)
            weights = _weights(cl, out, groups, duties, dens)
            for ip, w in zip(groups, weights, strict=True):
                e_cycle += ip.energy(slew_ns, c_load) * w * d_out * _prob(ip.when, duties)
        watts = e_cycle * 1e-12 / (period_ns * 1e-9)       # pJ per cycle -> W
        if cl.sequential:
            seq += watts
        else:
            comb += watts
    return InternalPowerResult(seq, comb, n, slew_ns)


@lru_cache(maxsize=4096)
def _truth(func: str) -> Truth:
    """The one cache of compiled Liberty functions (`function` and `when` strings)."""
    fn, names = compile_function(func)
    return Truth(fn, names)


def _weights(cl: CellLogic, out: str, groups: list, duties: dict[str, float],
             dens: dict[str, float]) -> list[float]:
    """Share of the output's toggles caused by each group's related pin: P(dy/dr) x D(r),
    normalized (groups of one related pin split by `when` are weighted by P(when) in the
    caller)."""
    func = cl.outputs.get(out, "")
    rel = [g.related_pin for g in groups]
    if cl.sequential or not func:
        return [1.0 / len(groups)] * len(groups)
    t = _truth(func)
    if not t.pins:
        return [1.0 / len(groups)] * len(groups)
    _, pd = t.differences(np.array([duties.get(n, 0.5) for n in t.pins]))
    by_pin = {n: float(pd[i]) * dens.get(n, 0.0) for i, n in enumerate(t.pins)}
    share = [by_pin.get(r, 0.0) for r in rel]
    # each related pin once, in the groups' order: a set's order follows the string hash seed,
    # and a float sum in another order can differ in its last bit from one process to the next
    total = sum(by_pin.get(r, 0.0) for r in dict.fromkeys(rel))
    if total <= 0:
        return [1.0 / len(groups)] * len(groups)
    return [x / total for x in share]


def default_pin_activity(nl: Netlist, clock_bits: set[int], density: float = 0.1,
                         duty: float = 0.5) -> dict[tuple[str, str, int], NetActivity]:
    """OpenSTA's vectorless assumption: every net `density` toggles per cycle at `duty`, the
    clock 2 toggles per cycle; constants never toggle."""
    out: dict[tuple[str, str, int], NetActivity] = {}
    for c in nl.cells:
        for p, bits in c.conns.items():
            for i, b in enumerate(bits):
                if isinstance(b, str):
                    out[(c.name, p, i)] = NetActivity(0.0, 1.0 if b == "1" else 0.0, "constant")
                elif b in clock_bits:
                    out[(c.name, p, i)] = NetActivity(2.0, 0.5, "clock")
                else:
                    out[(c.name, p, i)] = NetActivity(density, duty, "default")
    return out
