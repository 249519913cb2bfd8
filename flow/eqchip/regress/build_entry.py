"""The one place eqchip.regress calls into `eqchip build` (so its API can move freely): build a
design exactly like `eqchip build` does, report included (`eqchip.pipeline.build_design`).
Regress never writes a report itself; it reads the one the build left."""

from __future__ import annotations

from pathlib import Path


def run_build(design_yaml: str, build_root: str, scheduler: str | None = None) -> str | None:
    """Build one design into `<build_root>/<design>` like `eqchip build` (steps whose inputs did
    not change are not rerun), leaving metrics.json and report.json there.

    `scheduler` "slurm" runs every flow node as a Slurm job (`eqchip regress --scheduler`).
    Returns the flow's notice (e.g. it stopped early because a tool is missing on this
    machine), or None. A failed build or report raises EqchipError: the design's build fails.
    """
    from eqchip.asic.run import BuildOptions
    from eqchip.config import load_design
    from eqchip.pipeline import build_design

    done = build_design(load_design(design_yaml),
                        BuildOptions(build_root=Path(build_root), scheduler=scheduler))
    notes = [n for n in (done.build.notice, done.skipped) if n]
    return "\n".join(notes) or None
