"""What wraps every `eqchip build`: checks before anything is written, one build per folder,
and interrupts that end the whole process tree.

    with guarded_build(console, loaded, build_dir, report=report) as guard:
        result = build(...)
        guard.check()      # SiliconCompiler may have swallowed an interrupt and returned
        ...

Before the block: the PDK is checked (no folder is created for a build that cannot start),
the folders the tools read must be paths they can read (eqchip.pathcheck), and a missing
Icarus is said on the terminal (the report would be vectorless only). During it: the build
folder's lock (eqchip.buildlock) and SIGINT/SIGTERM handling (eqchip.interrupts); an
interrupted build's metrics.json and report are removed and the command exits 130/143.
A sweep's point (eqchip.sweep.worker) takes the same pieces: `preflight`, `build_interrupts`
around the whole point (training, build, report) and the lock around its build.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from eqchip.buildlock import build_lock
from eqchip.config import LoadedDesign
from eqchip.interrupts import Guard, interruptible
from eqchip.pathcheck import check_build_paths
from eqchip.ui import Console

VECTORLESS_WARNING = (
    "Icarus Verilog (iverilog, vvp) is not installed: the report's logic power and energy will "
    "be vectorless only (no simulated switching activity; energy per op comes out about twice "
    "as high); `eqchip doctor` says how to install it")


def preflight(console: Console, loaded: LoadedDesign, build_dir: Path, report: bool) -> Path:
    """The checks before a build writes anything; returns the design's build folder."""
    from eqchip.asic.capabilities import has_icarus
    from eqchip.asic.pdk import DESIGN_CORNER_TO_SC, check_pdk

    folder = Path(build_dir) / loaded.name
    check_pdk(corner=DESIGN_CORNER_TO_SC[loaded.design.pdk.corner])
    check_build_paths(folder)
    if report and not has_icarus():
        console.warn(VECTORLESS_WARNING)
    return folder


def build_interrupts(folder: Path, what: str, resume_hint: str
                     ) -> AbstractContextManager[Guard]:
    """SIGINT/SIGTERM during the block end its whole process tree, remove the build outputs
    of `folder` (eqchip.asic.run.clear_outputs: nothing of an interrupted build looks
    current) and raise `Interrupted` ("<what> interrupted by ...; <resume_hint>")."""

    def clear() -> None:
        from eqchip.asic.run import clear_outputs

        clear_outputs(folder)

    return interruptible(what, resume_hint, on_interrupt=clear)


@contextmanager
def guarded_build(console: Console, loaded: LoadedDesign, build_dir: Path,
                  report: bool = True) -> Iterator[Guard]:
    """`preflight`, then hold the build folder's lock and end the build's process tree on
    SIGINT/SIGTERM for the block (see the module docstring)."""
    folder = preflight(console, loaded, build_dir, report)
    with build_lock(folder, notify=console.warn), \
            build_interrupts(folder, f"build of {loaded.name}",
                             "rerun the same `eqchip build` command to resume (finished "
                             "steps are kept)") as guard:
        yield guard
