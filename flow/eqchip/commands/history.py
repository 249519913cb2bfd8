"""`eqchip history`: metric trends from the regression history, as a table and plots."""

from __future__ import annotations

from pathlib import Path

import click

from eqchip.errors import EqchipError
from eqchip.regress.history import read_runs
from eqchip.regress.trend import TABLE_COLUMNS, table_rows, trends, write_plots
from eqchip.ui import Console

#: the headline PPA numbers of metrics.json and report.json (docs/metrics.md, docs/regress.md);
#: the plot shows them in the order of eqchip.regress.trend.HEADLINE, then the rest by name
DEFAULT_METRICS = ("report.energy.figures.energy_per_*", "*pj_per_synop*", "*tops_per_w*",
                   "timing.setup_slack_ns", "timing.achievable_freq_mhz", "area.total_um2",
                   "area.stdcell_um2", "power.logic.*total_w", "flow.errors.*")


@click.command("history")
@click.argument("designs", nargs=-1)
@click.option("--db", type=click.Path(path_type=Path),
              default=Path("build") / "regress" / "history.sqlite", show_default=True,
              help="History database written by `eqchip regress`.")
@click.option("-m", "--metric", "metrics", multiple=True,
              help="Metric name or pattern (repeatable) [default: energy per inference, "
                   "training sample and MAC, TOPS/W, setup slack and fmax, area, logic power, "
                   "tool errors].")
@click.option("--last", type=click.IntRange(1), default=None,
              help="Only the last N runs of each design.")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None,
              help="Folder for history.png and history.html [default: beside the database].")
@click.pass_obj
def command(console: Console, designs: tuple[str, ...], db: Path, metrics: tuple[str, ...],
            last: int | None, out: Path | None) -> None:
    """Print how DESIGNS' metrics (default: all designs) moved over the recorded runs, and
    write a PNG plot (headline metrics first, units on every axis), a self-contained HTML page
    and history.json (the plotted data)."""
    runs = read_runs(db, list(designs) or None, last, warn=console.warn)
    if not runs:
        raise EqchipError(f"{db}: no runs recorded"
                          + (f" for {', '.join(designs)}" if designs else ""),
                          hint="run `eqchip regress` for these designs first")
    items = trends(runs, list(metrics or DEFAULT_METRICS))
    if not items:
        raise EqchipError(f"{db}: no metric matches {', '.join(metrics or DEFAULT_METRICS)}",
                          hint="list metric names with `eqchip history -m '*'`")
    console.table(f"{len(runs)} runs, {runs[0].time_utc} .. {runs[-1].time_utc}",
                  TABLE_COLUMNS, table_rows(items))
    png, html = write_plots(out or db.parent, items, runs)
    console.ok(f"plot: {png}")
    console.ok(f"page: {html}")
    console.ok(f"data: {html.with_name('history.json')}")
