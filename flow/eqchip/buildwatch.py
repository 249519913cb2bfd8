"""What a running build is doing, for `eqchip build`'s progress display: the flowgraph nodes
that are running (their folder exists, their output manifest does not yet), for how long, and
for `synthesis.power` the cycles its simulation has simulated (the test bench's progress
reporter, `eqchip.sim.tb_progress`, writes the simulated time into the node's work folder).

A display only: it reads the job folder SiliconCompiler writes while the build runs (there is
no record of a node that has not finished), and nothing else depends on what it shows.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from eqchip.config.arch import Arch
from eqchip.ui import Console

#: the folders of a power node's simulations that run with the progress reporter
_SIM_WORK = (("work/gatesim", "gate-level simulation"),)


@dataclass(frozen=True)
class RunningNode:
    step: str
    seconds: float
    detail: str = ""

    def text(self) -> str:
        s = int(self.seconds)
        return (f"running {self.step} ({s // 60}:{s % 60:02d})"
                + (f", {self.detail}" if self.detail else ""))


def running_nodes(job_dir: Path, design: str, arch: Arch, first_seen: dict[str, float],
                  now: float) -> list[RunningNode]:
    """The nodes of `job_dir` that run now; `first_seen` (step -> time) is kept by the
    caller between calls: a node's time counts from when it was first seen running."""
    out = []
    if not job_dir.is_dir():
        return out
    for node in sorted(job_dir.glob("*/0")):
        step = node.parent.name
        if (node / "outputs" / f"{design}.pkg.json").is_file():
            first_seen.pop(step, None)
            continue
        t0 = first_seen.setdefault(step, now)
        out.append(RunningNode(step, now - t0, _sim_detail(node, arch)))
    return out


def _sim_detail(node: Path, arch: Arch) -> str:
    from eqchip.sim.clock import sim_clock
    from eqchip.sim.progress import planned_cycles

    for sub, what in _SIM_WORK:
        rep, plan = node / sub / "progress", node / sub / "plan.npz"
        try:
            ps = int(rep.read_text().strip())
            total = planned_cycles(arch, plan)[1]
        except (OSError, ValueError, KeyError):
            continue
        done = min(total, ps // sim_clock(arch.clock_period_ns).period_ps)
        return f"{what}: {done:,} of about {total:,} cycles"
    return ""


class BuildWatcher:
    """A thread that shows `running_nodes` once a second while the build runs (a status line
    in a terminal, a plain line per change of node or per minute in a log)."""

    def __init__(self, console: Console, job_dir: Path, design: str, arch: Arch) -> None:
        self.console, self.job_dir, self.design, self.arch = console, job_dir, design, arch
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="build-watch", daemon=True)
        self._status = console.status_line()

    def __enter__(self) -> BuildWatcher:
        self._status.__enter__()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5.0)
        self._status.__exit__(*exc)

    def _loop(self) -> None:
        seen: dict[str, float] = {}
        while not self._stop.wait(1.0):
            try:
                nodes = running_nodes(self.job_dir, self.design, self.arch, seen,
                                      time.monotonic())
            except OSError:
                continue
            if nodes:
                self._status.update("; ".join(n.text() for n in nodes),
                                    key=" ".join(n.step for n in nodes))
