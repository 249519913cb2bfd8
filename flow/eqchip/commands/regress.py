"""`eqchip regress`: build designs, compare their PPA metrics with committed baselines."""

from __future__ import annotations

from pathlib import Path

import click

from eqchip.buildlock import build_locks
from eqchip.fileio import remove_outputs, write_text_atomic
from eqchip.interrupts import interruptible
from eqchip.pathcheck import check_build_paths
from eqchip.regress.errors import RegressionFailed
from eqchip.regress.history import check_history
from eqchip.regress.junit import write_junit
from eqchip.regress.rules import load_rules
from eqchip.regress.runner import RegressConfig, RegressResult, load_designs, regress
from eqchip.regress.summary import (
    COLUMNS,
    counts,
    markdown,
    shown,
    table_rows,
    unruled_changes,
)
from eqchip.resources import designs_dir
from eqchip.ui import Console


def _build_fn(scheduler: str):  # noqa: ANN202
    """The regress build function for `--scheduler` (picklable: worker processes run it)."""
    from functools import partial

    from eqchip.regress.runner import build_with_eqchip

    return build_with_eqchip if scheduler == "local" else partial(build_with_eqchip,
                                                                  scheduler=scheduler)


@click.command("regress")
@click.argument("designs", nargs=-1)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Designs built in parallel (one process each).")
@click.option("--update-baseline", is_flag=True,
              help="Rewrite the changed values of the baselines and print the diff.")
@click.option("--build-root", type=click.Path(path_type=Path), default=Path("build"),
              show_default=True, help="Builds go to <build-root>/<design>.")
@click.option("--no-build", is_flag=True,
              help="Compare the metrics already in <build-root>/<design> without building.")
@click.option("--baselines", type=click.Path(path_type=Path), default=None,
              help="Baseline folder [default: designs/baselines].")
@click.option("--rules", "rules_path", type=click.Path(path_type=Path), default=None,
              help="Rules file [default: designs/regress_rules.yaml].")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None,
              help="Folder for junit.xml and summary.md [default: <build-root>/regress].")
@click.option("--history", type=click.Path(path_type=Path), default=None,
              help="History database [default: <build-root>/regress/history.sqlite].")
@click.option("--no-history", is_flag=True, help="Do not record this run in the history.")
@click.option("--scheduler", type=click.Choice(["local", "slurm"]), default="local",
              show_default=True, help="slurm: every flow node of every build runs as a Slurm "
                                      "job (see docs/sweep.md for the cluster's needs).")
@click.option("--all", "show_all", is_flag=True,
              help="Also list the metrics without a rule in the terminal table.")
@click.pass_obj
def command(console: Console, designs: tuple[str, ...], jobs: int, update_baseline: bool,
            build_root: Path, no_build: bool, baselines: Path | None, rules_path: Path | None,
            out: Path | None, history: Path | None, no_history: bool, show_all: bool,
            scheduler: str) -> None:
    """Build DESIGNS (names or YAML files; default: every design with a baseline), compare
    their metrics with the committed baselines under the rules, write JUnit XML and a Markdown
    summary, and record the run in the history. Exits 1 on any regression."""
    out = out or build_root / "regress"
    junit = out / "junit.xml"
    summary = out / "summary.md"
    # the last run's results go first: a run that fails or is killed before writing its own
    # must not leave them looking like its result (CI publishes junit.xml)
    remove_outputs(junit, summary)
    baselines = baselines or designs_dir() / "baselines"
    rules = load_rules(rules_path or designs_dir() / "regress_rules.yaml")
    if history is None and not no_history:
        history = build_root / "regress" / "history.sqlite"
    cfg = RegressConfig(designs=load_designs(list(designs), baselines), build_root=build_root,
                        baselines_dir=baselines, rules=rules, jobs=jobs,
                        update_baseline=update_baseline, build=not no_build,
                        history=None if no_history else history,
                        build_fn=_build_fn(scheduler))
    if cfg.history is not None:       # a damaged history is an error before the builds
        locked = check_history(cfg.history)
        if locked:
            console.warn(locked)
    folders = [build_root / d.name for d in cfg.designs]
    if no_build:                      # only read: lock the builds there are, create nothing
        folders = [f for f in folders if f.is_dir()]
    else:
        check_build_paths(folders[0])
    # the build folders are this run's (no `eqchip build` into them meanwhile); Ctrl-C or
    # SIGTERM end every build process and exit 130 / 143 without results
    with build_locks(folders, notify=console.warn), \
            interruptible("regression run", "rerun it; the builds resume where they stopped"):
        result = regress(cfg)
    _show(console, result, show_all)
    write_junit(junit, [r.outcome for r in result.runs])
    write_text_atomic(summary, markdown([r.outcome for r in result.runs], result.commit))
    console.info(f"JUnit XML: {junit}")
    console.info(f"summary:   {summary}")
    if result.history_problem is not None:
        console.warn(f"this run is not recorded in the history: {result.history_problem}")
    elif cfg.history is not None:
        console.info(f"history:   {cfg.history}")
    if update_baseline:
        _show_updates(console, result)
    broken = [(r.outcome.design, r.outcome.error.splitlines()[0]) for r in result.runs
              if r.outcome.error is not None]
    if update_baseline:
        if broken:
            raise RegressionFailed("no baseline update for " + "; ".join(
                f"{d}: {e}" for d, e in broken), hint="see the errors above")
        return
    if result.failed:
        bad = [r.outcome.design for r in result.runs if r.failed]
        regressed = result.failures
        lines = [f"{'PPA regression' if regressed else 'regression run failed'} in "
                 f"{', '.join(bad)}:"]
        lines += [f"  {m.explain()}" for m in regressed]
        lines += [f"  {d}: {e}" for d, e in broken]
        hint = ("fix the design or flow; if the change is intended, run `eqchip regress "
                "--update-baseline` and commit the reviewed baseline diff") if regressed \
            else "see the errors above"
        raise RegressionFailed("\n".join(lines), hint=hint)
    console.ok(f"no regressions in {len(result.runs)} design(s) at {result.commit[:12]}")


def _show(console: Console, result: RegressResult, show_all: bool) -> None:
    for run in result.runs:
        for w in run.warnings:
            console.warn(w)
        o = run.outcome
        if o.error is not None:
            console.error(f"{o.design}: {o.error}")
            continue
        console.table(f"{o.design}: {counts(o.results)}", COLUMNS,
                      table_rows(shown(o.results, show_all)))
        info = unruled_changes(o.results)
        if info and not show_all:
            console.info(f"{o.design}: {len(info)} metrics without a rule changed, appeared or "
                         "vanished (information only; --all lists them, so does the summary)")
        if o.version_changes:
            console.table(f"{o.design}: tool / PDK versions differ from the baseline",
                          ("name", "baseline", "now"),
                          [(v.name, v.old or "-", v.new or "-") for v in o.version_changes])


def _show_updates(console: Console, result: RegressResult) -> None:
    for run in result.runs:
        u = run.update
        if u is None:
            continue
        if u.empty and u.diff == "":
            console.ok(f"{u.path}: unchanged")
            continue
        console.info(u.diff.rstrip("\n"))
        console.ok(f"{u.path}: {len(u.changed)} changed, {len(u.added)} added, "
                   f"{len(u.removed)} removed; review the diff and commit it")
