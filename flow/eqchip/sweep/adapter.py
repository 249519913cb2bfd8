"""The one place eqchip.sweep calls into `eqchip build` (its API may move: repoint it here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BuiltPoint:
    build_dir: Path                  # <build_root>/<design>: metrics.json, later report.json
    status: str                      # complete | partial
    notice: str | None


def build_point(design_yaml: Path, build_root: Path, scheduler: str | None = None,
                partition: str | None = None,
                notify: Callable[[str], None] | None = None) -> BuiltPoint:
    """Build one design like `eqchip build --no-report` (SC resumes unchanged steps), every
    flow node through `scheduler` (None: this machine; "slurm": one Slurm job per node).
    A failed build (also one SiliconCompiler did not finish) raises EqchipError; a flow stopped
    for missing tools is status partial. A finished build whose inputs did not change is
    reused (said to `notify`)."""
    from eqchip.asic.run import BuildOptions
    from eqchip.config import load_design
    from eqchip.pipeline import build_design

    done = build_design(load_design(design_yaml),
                        BuildOptions(build_root=Path(build_root), scheduler=scheduler,
                                     scheduler_queue=partition), report=False,
                        notify=notify)
    result = done.build
    return BuiltPoint(result.metrics_path.parent, result.status, result.notice)
