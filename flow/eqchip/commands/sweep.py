"""`eqchip sweep SWEEP.yaml`: design-space exploration with an accuracy x energy x area
Pareto front, run locally (`--jobs N`) or with every flow node as a Slurm job."""

from __future__ import annotations

from pathlib import Path

import click

from eqchip.errors import EqchipError
from eqchip.ui import Console


def _fmt(v: object, spec: str) -> str:
    return "-" if v is None else format(v, spec)


@click.command("sweep")
@click.argument("sweep_file", metavar="SWEEP.yaml")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Sweep folder (default: out/sweeps/<sweep name>).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Points run at the same time (one worker process each).")
@click.option("--scheduler", type=click.Choice(["local", "slurm"]), default="local",
              show_default=True,
              help="slurm: training, report and every SiliconCompiler flow node of every "
                   "point run as Slurm jobs (srun); needs a shared filesystem.")
@click.option("--partition", default=None,
              help="Slurm partition (default: the cluster's default partition).")
@click.option("--shared-path", "shared_paths", multiple=True, default=("/",),
              show_default=True,
              help="Path prefix every Slurm node can read (repeatable); SiliconCompiler copies "
                   "inputs outside them. Ignored when SC_SYSTEM_SETTINGS is set.")
@click.option("--dry-run", is_flag=True, help="List the points (and invalid ones); run nothing.")
@click.pass_obj
def command(console: Console, sweep_file: str, out_dir: Path | None, jobs: int,
            scheduler: str, partition: str | None, shared_paths: tuple[str, ...],
            dry_run: bool) -> None:
    """Run the sweep SWEEP.yaml: every point of its grid trained bit-exactly and built with its
    report; writes results.csv/json (Pareto front marked), sweep.png/html and best.yaml.
    A rerun runs only the points not finished yet. Exit 1 when a point failed."""
    from eqchip.sweep.api import plan, run_sweep
    from eqchip.sweep.progress import SweepProgress
    from eqchip.sweep.runner import RunOptions

    spec, base, points = plan(sweep_file)
    out = out_dir if out_dir is not None else Path("out") / "sweeps" / spec.name
    invalid = [p for p in points if not p.valid]
    for p in invalid:
        console.warn(f"point {p.id} skipped, invalid design: {'; '.join(p.problems)}")
    console.info(f"sweep {spec.name}: base {base}, {len(points)} points "
                 f"({len(invalid)} invalid), folder {out}")
    if dry_run:
        console.table(f"points of {spec.name}", ["id", "valid", *spec.axis_values(),
                                                 *spec.link], [
            [p.id, "yes" if p.valid else "no",
             *(p.params.get(k, "-") for k in [*spec.axis_values(), *spec.link])]
            for p in points])
        return
    opts = RunOptions(out_dir=out, jobs=jobs, scheduler=None if scheduler == "local"
                      else scheduler, partition=partition, shared_paths=shared_paths)
    with SweepProgress(len(points) - len(invalid), enabled=not console.quiet) as bar:
        done = run_sweep(sweep_file, opts, bar, notify=console.warn)
    t = done.table
    console.table(f"sweep {spec.name} ({done.ran} points run now)",
                  ["point", *t.params, "status", "accuracy", "E/inf pJ", "area um2",
                   "fmax MHz", "front"],
                  [[r.result.id, *(r.result.params.get(p, "-") for p in t.params),
                    r.result.status, _fmt(r.result.accuracy, ".4f"),
                    _fmt(r.result.energy_per_inference_pj, ".4g"),
                    _fmt(r.result.area_um2, ".4g"), _fmt(r.result.fmax_mhz, ".4g"),
                    "*" if r.on_front else ""] for r in t.rows])
    for name, path in done.files.items():
        console.info(f"{name}: {path}")
    failed = [r.result for r in t.rows if r.result.status == "failed"]
    if failed:
        raise EqchipError(f"{len(failed)} of {len(t.rows)} points failed: " + "; ".join(
            f"{r.id} (log {out / (r.log or '')})" for r in failed),
            hint="read the logs; a rerun runs only the points not finished")
    console.ok(f"sweep {spec.name}: {len(t.ok)} points, {len(t.front)} on the Pareto front, "
               f"best {t.best}")
