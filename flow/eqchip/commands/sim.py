"""`eqchip sim DESIGN`: co-simulate the rendered RTL (cocotb, Icarus or Verilator) against the
bit-exact golden model, operation by operation and register by register."""

from __future__ import annotations

from pathlib import Path

import click

from eqchip.ui import Console


@click.command("sim")
@click.argument("design")
@click.option("--simulator", type=click.Choice(["icarus", "verilator"]), default="icarus",
              show_default=True, help="HDL simulator.")
@click.option("--samples", type=click.IntRange(1, 100000), default=None,
              help="Training operations (default 3); with --weights: test samples to infer "
                   "(default 50).")
@click.option("--weights", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="weights.npz from `eqchip train`: check trained inference "
                                 "(same class as the golden model) instead of training.")
@click.option("--vcd", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a VCD of the DUT during one training operation (only that "
                   "operation runs).")
@click.option("--init", type=click.Choice(["random", "wide"]), default="random",
              show_default=True, help="Initial weights: the trainable random init, or twice its "
                                      "range (drives updates into saturation).")
@click.option("--seed", type=int, default=0, show_default=True, help="Sample order and init.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Work folder (default: build/<design>/sim).")
@click.pass_obj
def command(console: Console, design: str, simulator: str, samples: int | None,
            weights: Path | None, vcd: Path | None, init: str, seed: int,
            out_dir: Path | None) -> None:
    """Co-simulate DESIGN (a YAML file or a shipped design name) against the golden model."""
    from eqchip.config import load_design
    from eqchip.errors import EqchipError
    from eqchip.interrupts import interruptible
    from eqchip.sim import run_cosim

    if weights is not None and vcd is not None:
        raise EqchipError("--vcd records a training operation; it cannot be combined with "
                          "--weights", "drop one of the two options")
    loaded = load_design(design)
    n = samples if samples is not None else (50 if weights is not None else 3)
    work = out_dir or Path("build") / loaded.name / "sim"
    console.info(f"co-simulating {loaded.name} on {simulator}: "
                 + (f"{n} inferences with {weights}" if weights else
                    "one training operation (VCD)" if vcd else
                    f"inference, {n} training operation(s), inference"))
    with interruptible(f"simulation of {loaded.name}", "rerun it"):   # the simulator ends too
        res = run_cosim(loaded, work, simulator=simulator, samples=n, seed=seed, init=init,
                        weights=weights, vcd=vcd)
    console.table(f"eqchip sim {loaded.name} ({simulator}): every register matches the "
                  "golden model", ["operation", "cycles", "MRAM reads", "MRAM writes", "class"],
                  [(f"{o['kind']} {o['index']}", o["cycles"], o["mram_reads"], o["mram_writes"],
                    f"{o['rtl_class']} (golden {o['golden_class']})" if "rtl_class" in o
                    else "-") for o in res.ops[:20]])
    items = [("operations", len(res.ops)), ("simulated cycles", res.op_cycles),
             ("RTL speed", f"{res.cycles_per_second:,.0f} cycles/s"),
             ("build / run", f"{res.build_seconds:.1f} s / {res.run_seconds:.1f} s"),
             ("log", str(res.log))]
    if res.n_infer:
        items.insert(1, ("inference class agreement", f"{res.agree}/{res.n_infer}"))
    if res.vcd is not None:
        items.append(("VCD (one training operation)", str(res.vcd)))
    console.kv("summary", items)
    if res.agree != res.n_infer:
        raise EqchipError(f"{loaded.name}: RTL and golden model predict different classes "
                          f"({res.agree}/{res.n_infer} agree)")
    console.ok(f"{loaded.name}: RTL matches the golden model bit for bit "
               f"({len(res.ops)} operations on {simulator})")
