"""cocotb driver of the accelerator's host bus (docs/architecture.md, "Host interface").

Inputs change on the falling clock edge and are sampled on the rising edge; a read returns
its data with host_rvalid one cycle later. Callers only see write/read/wait_done.
"""

from __future__ import annotations

from typing import Any

from cocotb.triggers import FallingEdge, RisingEdge, with_timeout
from cocotb.utils import get_sim_time

ID_VALUE = 0x4551_0001
REG_ID, REG_CTRL, REG_STATUS, REG_CYCLES, REG_READS, REG_WRITES = 0, 1, 2, 3, 4, 5
# eqprop.early_stop only: STEPs per phase of the last operation; STATUS bit 2 = WUPD skipped
REG_STEPS_FREE, REG_STEPS_PLUS, REG_STEPS_MINUS = 6, 7, 8
STATUS_SKIPPED = 0b100
X_BASE, Y_BASE, S_BASE, B_BASE = 0x0001_0000, 0x0002_0000, 0x0003_0000, 0x0004_0000
CTRL_INFER, CTRL_TRAIN = 1, 2


def w_base(layer: int) -> int:
    return 0x0100_0000 * (layer + 1)


class HostBus:
    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self.clk = dut.clk
        self.cycles = 0      # clock cycles this driver has waited for (bus transactions)
        self.done_time_ps = 0  # when the last operation's done rose

    async def idle(self) -> None:
        await FallingEdge(self.clk)
        self.dut.host_wr.value = 0
        self.dut.host_rd.value = 0

    async def reset(self, cycles: int = 3) -> None:
        await FallingEdge(self.clk)
        self.dut.rst_n.value = 0
        self.dut.host_wr.value = 0
        self.dut.host_rd.value = 0
        self.dut.host_addr.value = 0
        self.dut.host_wdata.value = 0
        self.dut.dump_on.value = 0
        for _ in range(cycles):
            await FallingEdge(self.clk)
        self.dut.rst_n.value = 1

    async def write(self, addr: int, data: int) -> None:
        """One write cycle (the caller is at a falling edge or idle)."""
        self.dut.host_addr.value = addr
        self.dut.host_wdata.value = data
        self.dut.host_wr.value = 1
        self.dut.host_rd.value = 0
        await FallingEdge(self.clk)
        self.dut.host_wr.value = 0
        self.cycles += 1

    async def read(self, addr: int) -> int:
        self.dut.host_addr.value = addr
        self.dut.host_rd.value = 1
        self.dut.host_wr.value = 0
        await FallingEdge(self.clk)          # the rising edge in between took the read
        self.dut.host_rd.value = 0
        if int(self.dut.host_rvalid.value) != 1:
            raise AssertionError(f"host read of 0x{addr:08x}: host_rvalid is not 1 one cycle "
                                 "after host_rd")
        self.cycles += 1
        return int(self.dut.host_rdata.value)

    async def write_many(self, base: int, values: list[int]) -> None:
        for i, v in enumerate(values):
            await self.write(base + i, v)

    async def read_many(self, base: int, n: int) -> list[int]:
        return [await self.read(base + i) for i in range(n)]

    async def start(self, ctrl: int) -> None:
        await self.write(REG_CTRL, ctrl)

    async def wait_done(self, timeout_cycles: int, period_ps: int) -> None:
        """Wait until the operation started by `start` finishes (done rises); `start` returns
        after the edge that took the CTRL write, so busy is already high here. `period_ps`:
        the simulated clock's period in whole ps (`eqchip.sim.clock`), so that the timeout is
        a whole number of simulator steps."""
        if int(self.dut.busy.value) != 1:
            raise AssertionError("busy did not rise in the cycle after the CTRL write")
        await with_timeout(RisingEdge(self.dut.done), timeout_cycles * period_ps, "ps")
        self.done_time_ps = get_sim_time("ps")
        await FallingEdge(self.clk)
