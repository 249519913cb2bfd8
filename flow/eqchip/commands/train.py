"""`eqchip train DESIGN`: train the bit-exact chip model (and the float reference) on the
design's data set; write weights, learning curve and a summary."""

from __future__ import annotations

import time
from pathlib import Path

import click

from eqchip.errors import EqchipError
from eqchip.ui import Console


@click.command("train")
@click.argument("design")
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: out/<design>/train).")
@click.option("--epochs", type=click.IntRange(1, 1000), default=None,
              help="Epochs (default: training.epochs of the design).")
@click.option("--float-batch", type=click.IntRange(1, 4096), default=None,
              help="Mini-batch of the float reference (default: training.batch_size of the "
                   "design; 1 = the chip's online schedule).")
@click.option("--no-float", is_flag=True, help="Skip the float reference.")
@click.pass_obj
def command(console: Console, design: str, out_dir: Path | None, epochs: int | None,
            float_batch: int | None, no_float: bool) -> None:
    """Train DESIGN (a YAML file or a shipped design name) with the bit-exact golden model."""
    import numpy as np

    from eqchip.config import load_design
    from eqchip.golden.counters import inference_counters
    from eqchip.golden.data import load_dataset
    from eqchip.golden.results import write_run
    from eqchip.golden.train import EpochStats, run_training

    ld = load_design(design)
    arch, tr = ld.arch, ld.design.training
    float_batch = float_batch or tr.batch_size
    out = out_dir if out_dir is not None else Path("out") / ld.name / "train"
    if out.exists() and not out.is_dir():
        raise EqchipError(f"{out} exists and is not a folder", "pass another -o folder")
    n_epochs = epochs if epochs is not None else tr.epochs
    data = load_dataset(tr.dataset, arch.layers, tr.test_size, tr.seed)
    console.info(f"training {ld.name} ({'-'.join(map(str, arch.layers))}) on {data.name}: "
                 f"{len(data.y_train)} train / {len(data.y_test)} test samples, {n_epochs} "
                 f"epochs, online (one sample per training operation), "
                 f"{arch.update_rounding} update rounding")

    def progress(s: EpochStats) -> None:
        f = "" if s.float_test_acc is None else f", float {s.float_test_acc:.4f}"
        minus = "" if s.mean_steps_minus is None else f"/{s.mean_steps_minus:.2f}"
        console.info(f"epoch {s.epoch:3d}: bit-exact test {s.exact_test_acc:.4f} "
                     f"(train {s.exact_train_acc:.4f}){f}; STEPs/phase "
                     f"{s.mean_steps_free:.2f}/{s.mean_steps_plus:.2f}{minus}, skipped updates "
                     f"{100 * s.skipped_updates:.1f} %  [{s.exact_seconds:.1f} s]")

    t0 = time.perf_counter()
    result = run_training(arch, data, n_epochs, tr.seed, float_batch=float_batch,
                          with_float=not no_float, on_epoch=progress)
    seconds = time.perf_counter() - t0
    last = result.curve[-1]
    n_ops = n_epochs * result.n_train
    inf = inference_counters(arch)
    if arch.early_stop:     # gated: the STEPs of an inference depend on the sample (test set)
        from eqchip.golden.model import infer

        steps = infer(arch, result.params, data.quantized(arch.state_frac)[1]).steps
        mean_inf = float(np.mean([inference_counters(arch, int(n)).cycles for n in steps]))
    else:
        mean_inf = float(inf.cycles)
    summary = {
        "design": ld.name, "design_file": str(ld.path), "design_sha256": ld.sha256,
        "dataset": data.name, "n_train": result.n_train, "n_test": result.n_test,
        "epochs": n_epochs, "seed": tr.seed, "update_rounding": arch.update_rounding,
        "float_batch": None if no_float else float_batch,
        "final_test_acc": last.exact_test_acc, "final_train_acc": last.exact_train_acc,
        "best_test_acc": max(s.exact_test_acc for s in result.curve),
        "float_final_test_acc": last.float_test_acc,
        "training_operations": n_ops,
        "mean_training_cycles": sum(s.cycles for s in result.curve) / n_ops,
        "mean_training_mram_writes": sum(s.mram_writes for s in result.curve) / n_ops,
        "inference_cycles": inf.cycles, "inference_mram_reads": inf.mram_reads,
        "early_stop": arch.early_stop, "mean_inference_cycles": mean_inf,
        "last_epoch_mean_steps": [last.mean_steps_free, last.mean_steps_plus,
                                  *([last.mean_steps_minus] if arch.symmetric else [])],
        "last_epoch_skipped_updates": last.skipped_updates,
        "seconds": round(seconds, 3),
    }
    files = write_run(out, arch, result, summary)
    console.kv(f"eqchip train {ld.name}", [
        ("bit-exact test accuracy", f"{last.exact_test_acc:.4f}"),
        ("float test accuracy", "-" if last.float_test_acc is None
         else f"{last.float_test_acc:.4f}"),
        ("time", f"{seconds:.1f} s"),
        *((k, str(p)) for k, p in files.items()),
    ])
    console.ok(f"trained {ld.name}: bit-exact test accuracy {last.exact_test_acc:.4f}")
