"""`eqchip report BUILD_DIR`: PPA and energy report (report.json, report.md, report.html)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import click

from eqchip.buildlock import build_lock
from eqchip.errors import OutputError
from eqchip.interrupts import interruptible
from eqchip.ui import Console


@click.command("report")
@click.argument("build_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--design", "design", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Design YAML the build was made from (default: the one build_state.json "
                   "names).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the report (default: BUILD_DIR).")
@click.option("--compare-with", "compare_with", metavar="NAME",
              help="Compare per synapse with the build NAME in the same build root (default: "
                   "the design's report.compare_with).")
@click.pass_obj
def command(console: Console, build_dir: Path, design: Path | None,
            out_dir: Path | None, compare_with: str | None) -> None:
    """Write the PPA and energy report of BUILD_DIR (an `eqchip build` output folder).

    A reading of the build's records (build_state.json, metrics.json and the activity and
    power its synthesis.power step measured): area from the netlist, timing and power from
    OpenSTA (vectorless and annotated with the switching activity of a simulated training
    step), post-layout figures where OpenROAD ran, energy per inference, training sample,
    synaptic operation and weight update, and cross-checks against the RTL counters."""
    from eqchip.report import write_report_analysis

    _refuse_packages(build_dir, out_dir)
    # the report files are written all or nothing at the end (a report that fails or is
    # killed leaves the previous one as it was); while it runs, no build may write into the
    # folder
    with (build_lock(build_dir, notify=console.warn) if build_dir.is_dir() else nullcontext()), \
            interruptible(f"report of {build_dir}", f"rerun `eqchip report {build_dir}`"):
        paths, an = write_report_analysis(build_dir, design, out_dir=out_dir,
                                          compare_with=compare_with)
    console.kv(f"report of {an.data['design']['name']}", summary_rows(an.data))
    for n in an.data["notes"] + (an.data.get("comparison") or {}).get("notes", []):
        console.warn(n)
    bad = [c["name"] for c in an.data["cross_checks"] if not c["ok"]]
    for name in bad:
        console.warn(f"cross-check failed: {name}")
    extra = "".join(f", {p}" for p in (paths.floorplan_png, paths.layout_png) if p)
    console.ok(f"wrote {paths.json}, {paths.markdown}, {paths.html}{extra}")


def summary_rows(data: dict) -> list[tuple[str, str]]:
    """The terminal summary of report.json's data: the headline energy and, for a design with
    the convergence gate, its test-set mean energy beside the fixed schedule's (ratio)."""
    f = data["energy"]["figures"]
    rows = [
        ("energy / inference", f"{f['energy_per_inference']['value']:.4g} pJ"),
        ("energy / training sample", f"{f['energy_per_training_sample']['value']:.4g} pJ"),
    ]
    conv = data.get("convergence") or {}
    e = conv.get("energy")
    if e:
        n, skipped = conv["samples"], conv["skipped_updates"]["value"]
        rows += [
            (f"energy / inference, gated (mean of {n})",
             f"{e['inference_pj']['mean']:.4g} pJ, x{e['inference_ratio']:.3g} of the fixed "
             f"schedule ({e['fixed_schedule_inference_pj']:.4g} pJ)"),
            (f"energy / training sample, gated (mean of {n})",
             f"{e['training_sample_pj']['mean']:.4g} pJ, x{e['training_ratio']:.3g} of the "
             f"fixed schedule ({e['fixed_schedule_training_sample_pj']:.4g} pJ), "
             f"{skipped * 100:.0f} % updates skipped"),
        ]
    rows += [
        ("energy / synaptic op (inference)", f"{f['pj_per_synop_inference']['value']:.4g} pJ"),
        ("energy / weight update", f"{f['energy_per_weight_update']['value']:.4g} pJ"),
        ("TOPS/W (inference)", f"{f['tops_per_w_inference']['value']:.4g}"),
        ("bit-exact test accuracy", _accuracy(data.get("accuracy") or {})),
    ]
    return rows


def _accuracy(acc: dict) -> str:
    """The report's accuracy beside the energy, or the command that makes it."""
    fig = acc.get("test_accuracy")
    if not fig:
        return f"not trained: run `{acc.get('command')}`"
    n = f", n = {acc['n_test']}" if acc.get("n_test") else ""
    return f"{fig['value']:.1f} % ({acc.get('epochs')} epochs{n})"


def _refuse_packages(build_dir: Path, out_dir: Path | None) -> None:
    """No report of, or into, a handoff package: it would rewrite files its SHA256SUMS lists
    and leave a lock file, so the package would fail `eqchip handoff --verify`."""
    from eqchip.handoff.package import enclosing_package

    for folder, role in ((build_dir, "build folder"), (out_dir or build_dir, "output folder")):
        pkg = enclosing_package(folder)
        if pkg is not None:
            raise OutputError(
                f"{folder}: the report's {role} lies in the handoff package {pkg}; eqchip "
                "report writes nothing into a package (its SHA256SUMS would no longer match)",
                hint="report on the build folder the package was made from, and give -o a "
                     "folder outside the package")
