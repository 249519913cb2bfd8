"""RTL switching activity of one training step -> activity of the synthesized netlist.

1. `eqchip.power.vcd` finds the training operation in the VCD (the longest interval with the
   top's `busy` = 1) and counts, per bit, toggles and high time; it also counts MRAM reads and
   writes at each macro instance's rising CLK edges (CE, WE), independently of the RTL's own
   counter registers.
2. `eqchip.power.propagate` maps the measured rates onto the netlist nets that kept their RTL
   names (flip-flop outputs, ports, macro outputs) and propagates them through the gates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eqchip.power.vcd import (
    Activity,
    VcdError,
    Window,
    busy_windows,
    count,
    dut_scope,
    first_time_equal,
    macro_scopes,
    rising_edges,
)
from eqchip.power.vcd import read_header as read_vcd_header

TOP_PORTS = {"clk", "rst_n", "busy", "done", "host_addr", "host_wr", "host_rd"}


@dataclass(frozen=True)
class StepActivity:
    vcd: Path
    scope: str                                        # DUT instance path in the VCD
    activity: Activity
    rates: dict[tuple[str, int], tuple[float, float]]  # relative name -> (toggles/cycle, duty)
    n_windows: int

    @property
    def cycles(self) -> int:
        return self.activity.window.cycles


def step_activity(vcd: Path, which: str = "longest") -> StepActivity:
    """Activity of one operation of the VCD: the longest busy interval (a training step) by
    default, or `first` / `last`."""
    hdr = read_vcd_header(vcd)
    scope = dut_scope(hdr, TOP_PORTS)
    wins = busy_windows(vcd, hdr, f"{scope}.clk", f"{scope}.busy")
    if not wins:
        raise VcdError(f"{vcd}: `busy` never rose and fell: the VCD holds no complete operation",
                       hint="dump a whole training operation, up to and including the "
                            "clock edge where busy falls (`eqchip sim DESIGN --vcd FILE` does)")
    win = {"first": wins[0], "last": wins[-1]}.get(which) or max(wins, key=lambda w: w.cycles)
    act = count(vcd, hdr, win, macro_scopes(hdr, scope))
    return from_activity(Path(vcd), scope, act, len(wins))


def from_activity(vcd: Path, scope: str, act: Activity, n_windows: int) -> StepActivity:
    """The StepActivity of a window's `act` (read from `vcd`, the DUT at `scope`): its bits
    under the DUT renamed as the netlist spells them, with their toggles per cycle and duty."""
    prefix = scope + "."
    rates = {(_netlist_style(path[len(prefix):]), i): (act.rate((path, i)), act.duty[(path, i)])
             for (path, i) in act.toggles if path.startswith(prefix)}
    return StepActivity(Path(vcd), scope, act, rates, n_windows)


#: the controller's state S_SAVE (templates/rtl/ctrl.sv.j2: S_IDLE, S_CLEAR, S_FILL, S_COMP,
#: S_SAVE, ...): a training operation enters it at the clock edge where an inference with the
#: same inputs would end (`P_FREE: state <= training ? S_SAVE : S_IDLE`)
S_SAVE = 4


def free_phase_cycles(sa: StepActivity) -> int:
    """Cycles of the free phase (CLEAR + T1 STEPs) of the training step `sa` of an RTL VCD:
    the clock edges from busy's rise up to the edge where the controller enters SAVE_FREE."""
    hdr = read_vcd_header(sa.vcd)
    w = sa.activity.window
    t_save = first_time_equal(sa.vcd, hdr, f"{sa.scope}.u_ctrl.state", S_SAVE, w.start, w.end)
    if t_save is None:
        raise VcdError(f"{sa.vcd}: the controller never entered SAVE_FREE in the training step")
    return len(rising_edges(sa.vcd, hdr, f"{sa.scope}.clk", w.start, t_save))


def leading_activity(sa: StepActivity, cycles: int) -> StepActivity:
    """Activity of the first `cycles` busy cycles of the operation `sa` (same VCD): the window
    from busy's rise to the `cycles`-th rising clock edge after it."""
    hdr = read_vcd_header(sa.vcd)
    w = sa.activity.window
    edges = rising_edges(sa.vcd, hdr, f"{sa.scope}.clk", w.start, w.end)
    if len(edges) < cycles:
        raise VcdError(f"{sa.vcd}: the operation has {len(edges)} cycles, fewer than {cycles}")
    act = count(sa.vcd, hdr, Window(w.start, edges[cycles - 1], cycles),
                macro_scopes(hdr, sa.scope))
    return from_activity(sa.vcd, sa.scope, act, sa.n_windows)


def _netlist_style(name: str) -> str:
    """A VCD name as eqchip.power.netlist spells it: no escapes, '.' between levels (a
    gate-level VCD writes `\\u_ctrl/state`, the netlist `u_ctrl/state` = `u_ctrl.state`)."""
    return name.replace("\\", "").replace("/", ".")
