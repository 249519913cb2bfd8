"""cocotb test module the runner loads: the accelerator test (`eqchip.sim.tb_accel.cosim`),
plus, when $EQCHIP_SIM_PROGRESS names a file, a reporter that writes the simulated time (ps)
into it every few thousand clock cycles, so that the command running the simulator shows
its progress (`eqchip.sim.progress`). The reporter wakes on timers between clock edges and
drives nothing: the simulation is the same with or without it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import cocotb
from cocotb.triggers import Timer
from cocotb.utils import get_sim_time

from eqchip.sim import tb_accel
from eqchip.sim.progress import PERIOD_ENV, PROGRESS_ENV


async def _report(path: Path, step_ps: int) -> None:
    """Write the simulated time every `step_ps` (doubled while updates come faster than
    every 0.2 s, so the reporter costs nothing next to the simulation)."""
    last = time.monotonic()
    while True:
        await Timer(step_ps, "ps")
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(f"{get_sim_time('ps')}\n")
        os.replace(tmp, path)
        now = time.monotonic()
        if now - last < 0.2:
            step_ps *= 2
        last = now


@cocotb.test()
async def cosim(dut) -> None:
    """The co-simulation of `eqchip.sim.tb_accel` with the progress reporter beside it."""
    target = os.environ.get(PROGRESS_ENV)
    if target:
        period_ps = int(os.environ.get(PERIOD_ENV, "20000"))
        cocotb.start_soon(_report(Path(target), 1000 * period_ps))
    await tb_accel.cosim._func(dut)  # noqa: SLF001 - the test's coroutine, run as this test
