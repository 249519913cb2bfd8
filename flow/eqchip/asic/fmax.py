"""The achievable clock of a synthesized netlist, a property of the netlist rather than of the
target clock it was timed at.

With the SDC of eqchip.asic.sdc host-bus inputs arrive, and outputs must be stable,
IO_FRACTION of the period before the clock edge. The slack of a path at a period P is
(its share of the period) * P - (its delay, clock uncertainty and setup included), so the
shortest period a path allows is P - slack / share, whatever P it was timed at. The synthesis.sta
node times the netlist a second time at REFERENCE_PERIOD_NS (OpenSTA's times are single
precision, good to 0.06 ns only at a 1 ms target) with the same constraints:

- register to register (flip-flops and MRAM macros): share 1, so P - slack, the same at any
  target. This is the achievable clock (`fmax_mhz`).
- input to register and register to output: share 1 - IO_FRACTION; input to output:
  1 - 2 * IO_FRACTION. The fastest clock at which these meet too, with the I/O budget scaling
  with the period, is `io_fmax_mhz`, reported beside it.

Taking P - (worst slack of all paths) as fmax made it follow the target (a 0.001 MHz target
reported 0.005 MHz for a netlist that reaches 69.9 MHz: its worst path was an input path that
started 20 % of a 1 ms period late). The slacks come from pdk_cfg/sky130/opensta/
sc_sta_postsyn.tcl (`regslack`, `inslack`, `outslack`, `inoutslack`).
"""

from __future__ import annotations

from eqchip.asic.sdc import IO_FRACTION, sdc_text

#: the period (ns) the classes of paths are timed at to measure their delays
REFERENCE_PERIOD_NS = 10.0
#: the SDC of that timing (written by the synthesis.sta node beside its inputs)
REFERENCE_SDC = "sta_fmax.sdc"


def reference_sdc_text() -> str:
    """The design's constraints (eqchip.asic.sdc) at REFERENCE_PERIOD_NS."""
    return sdc_text(REFERENCE_PERIOD_NS)

#: slacks this large are OpenSTA's "no constrained path"
_NO_PATH = 1e9


def _period(slack: float | None, period_ns: float, share: float) -> float | None:
    if slack is None or abs(slack) >= _NO_PATH or share <= 0:
        return None
    p = period_ns - slack / share
    return p if p > 0 else None


def timing_figures(slacks: dict[str, float], period_ns: float = REFERENCE_PERIOD_NS,
                   io_fraction: float = IO_FRACTION) -> dict[str, float | None]:
    """fmax and the I/O-limited clock from the worst setup slack of each class of paths timed
    at `period_ns` (ns, MHz)."""
    reg = _period(slacks.get("regslack"), period_ns, 1.0)
    io = [p for p in (_period(slacks.get("inslack"), period_ns, 1.0 - io_fraction),
                      _period(slacks.get("outslack"), period_ns, 1.0 - io_fraction),
                      _period(slacks.get("inoutslack"), period_ns, 1.0 - 2.0 * io_fraction))
          if p is not None]
    p_io = max(io) if io else None
    return {
        "fmax_mhz": None if reg is None else 1000.0 / reg,
        "fmax_period_ns": reg,
        "fmax_basis": "register-to-register paths (flip-flops and MRAM macros)",
        "io_fmax_mhz": None if p_io is None else 1000.0 / p_io,
        "io_fmax_period_ns": p_io,
        "io_budget_fraction": io_fraction,
        "reg_setup_slack_ns": slacks.get("regslack"),
        "input_setup_slack_ns": slacks.get("inslack"),
        "output_setup_slack_ns": slacks.get("outslack"),
        "input_to_output_setup_slack_ns": slacks.get("inoutslack"),
    }
