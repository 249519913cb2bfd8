"""How long a co-simulation will run, and how far it is: the cycles its plan simulates
(`planned_cycles`) and the simulated time the test bench's reporter writes
(`eqchip.sim.tb_progress`), polled while the simulator runs (`Poller`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eqchip.config.arch import Arch

#: the environment of the test bench's reporter: its file, the simulated clock period (ps)
PROGRESS_ENV = "EQCHIP_SIM_PROGRESS"
PERIOD_ENV = "EQCHIP_SIM_PERIOD_PS"
#: cycles of the test bench outside the operations: reset and the ID read
_START_CYCLES = 5


@dataclass(frozen=True)
class Progress:
    """`done` of about `total` clock cycles simulated; `op_cycles` of the total are the
    operations' own (the rest is host-bus traffic: loads, read-backs)."""

    done: int
    total: int
    op_cycles: int


def planned_cycles(arch: Arch, plan: Path) -> tuple[int, int]:
    """(operation cycles, all cycles) the test bench (`eqchip.sim.tb_accel`) simulates for
    the plan: the golden model's cycles of every operation, plus one bus cycle per host
    write and read (parameter load and read-backs, inputs, targets, states, counters)."""
    with np.load(plan, allow_pickle=False) as z:
        kinds = z["kind"].tolist()
        op = int(z["c_exp"][:, 0].sum())
    params = sum(m.words for m in arch.matrices) + len(arch.bias_registers)
    check = params + (1 if arch.bias_registers.start else 0)
    bus = _START_CYCLES + params + check
    for kind in kinds:
        bus += arch.layers[0] + 2 + arch.n_dynamic + 4 + 1       # x, start, S, counters
        if kind == 1:
            bus += arch.layers[-1] + check                          # y, parameters read back
    return op, op + bus


class Poller:
    """Reads the reporter's file (simulated ps) and hands `Progress` to `callback`."""

    def __init__(self, path: Path, period_ps: int, op_cycles: int, total: int,
                 callback: Callable[[Progress], None]) -> None:
        self.path = path
        self.period_ps = period_ps
        self.op_cycles = op_cycles
        self.total = total
        self.callback = callback
        self.last = -1
        path.unlink(missing_ok=True)

    def start(self) -> None:
        self.callback(Progress(0, self.total, self.op_cycles))

    def poll(self) -> None:
        try:
            ps = int(self.path.read_text().strip() or 0)
        except (OSError, ValueError):
            return
        done = min(self.total, ps // max(1, self.period_ps))
        if done != self.last:
            self.last = done
            self.callback(Progress(done, self.total, self.op_cycles))

    def finish(self) -> None:
        self.callback(Progress(self.total, self.total, self.op_cycles))
        self.path.unlink(missing_ok=True)
