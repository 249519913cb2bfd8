"""`eqchip sweep` without the terminal: expand, run, tabulate, plot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eqchip.errors import ConfigError
from eqchip.pathcheck import check_sweep_paths
from eqchip.sweep.folder import claim_folder
from eqchip.sweep.plots import write_plots
from eqchip.sweep.points import Point, expand
from eqchip.sweep.runner import Listener, RunOptions, run_points, sweep_lock
from eqchip.sweep.spec import SweepSpec, load_sweep
from eqchip.sweep.table import SweepTable, make_table, write_table


@dataclass(frozen=True)
class SweepOutcome:
    spec: SweepSpec
    points: list[Point]
    table: SweepTable
    files: dict[str, Path]
    ran: int                          # points run now (the others were finished before)


def plan(sweep_yaml: Path | str) -> tuple[SweepSpec, Path, list[Point]]:
    """The spec, its base design and its points (validated, nothing run)."""
    spec, base = load_sweep(sweep_yaml)
    return spec, base, expand(spec, base)


def run_sweep(sweep_yaml: Path | str, opts: RunOptions, listener: Listener | None = None,
              notify: Callable[[str], None] | None = None) -> SweepOutcome:
    """Run the sweep in `opts.out_dir`, holding its lock (a lock a killed sweep left is taken
    over and said to `notify`)."""
    spec, base, points = plan(sweep_yaml)
    out = Path(opts.out_dir)
    check_sweep_paths(out)                  # before anything is written or trained
    if not any(p.valid for p in points):
        raise ConfigError(
            f"{sweep_yaml}: none of the sweep's {len(points)} points is a valid design (first: "
            f"{'; '.join(points[0].problems) if points else 'no points'}); nothing was run and "
            f"{out} was left as it was",
            hint="fix the sweep's set, axes or link; `eqchip sweep FILE --dry-run` lists every "
                 "point and why it is invalid")
    ran: list[str] = []

    def listen(event, pid, rec):  # noqa: ANN001, ANN202
        if event == "start":
            ran.append(pid)
        if listener is not None:
            listener(event, pid, rec)

    with sweep_lock(out, notify):                      # one sweep per folder at a time
        # another sweep's folder is refused; the last run's table and plots go now: until
        # this run writes its own, nothing here looks like a finished run
        claim_folder(out, spec.name, sweep_yaml, base)
        records = run_points(points, opts, listen)
        table = make_table(spec.name, str(base), records)
        files = write_table(table, opts.out_dir)
        files.update(write_plots(table, opts.out_dir))
    return SweepOutcome(spec, points, table, files, len(ran))
