"""The simulated clock: the one definition of the clock every simulation of a design runs on
(the RTL co-simulation and the gate-level simulation of the netlist: the wrapper's clock
generator, the test bench's VCD window and the host bus's timeouts).

The simulators' precision is 1 ps (`timescale 1ns/1ps`, cocotb's time base), so the half
period is a whole number of picoseconds: the design's half period rounded to the nearest ps.
A design clock whose half period is not a whole number of ps (31 MHz: 16,129.03 ps) is
simulated with a period that differs from the design's by less than 1 ps (0.5 ps per half
period; under 0.1 % at the fastest clock the config accepts, 1000 MHz). Nothing the
simulations measure depends on it: results are compared bit for bit per operation, and the
activity is counted per clock cycle (toggles per cycle, duty, MRAM accesses at clock edges).
Power and energy convert cycles to time with the design's own period
(`Arch.clock_period_ns`), never with this one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimClock:
    """The simulated clock of a design whose clock period is `design_period_ns`."""

    design_period_ns: float
    half_ps: int                  # half period in whole picoseconds (>= 1)

    @property
    def period_ps(self) -> int:
        return 2 * self.half_ps

    @property
    def half_delay_ns(self) -> str:
        """The half period as a Verilog delay in ns at 1 ps precision, written exactly
        (16129 ps -> "16.129")."""
        return f"{self.half_ps // 1000}.{self.half_ps % 1000:03d}"

    @property
    def error_ps(self) -> float:
        """Simulated minus design period, ps (|error| < 1)."""
        return self.period_ps - self.design_period_ns * 1000.0


def sim_clock(period_ns: float) -> SimClock:
    """The simulated clock of a design clock of `period_ns` (see the module docstring)."""
    return SimClock(period_ns, max(1, round(period_ns * 500.0)))
