"""`eqchip sim DESIGN`: co-simulate the rendered RTL (cocotb, Icarus or Verilator) against the
bit-exact golden model, operation by operation and register by register."""

from __future__ import annotations

from pathlib import Path

import click

from eqchip.sim.progress import Progress
from eqchip.ui import Console


def _op_cycles(loaded, n: int, weights: Path | None, vcd: Path | None) -> int:  # noqa: ANN001
    """Cycles of the operations the run will simulate (the golden model's schedule)."""
    from eqchip.golden.counters import inference_counters, training_counters

    train, infer = training_counters(loaded.arch, 0).cycles, inference_counters(loaded.arch).cycles
    if weights is not None:
        return n * infer
    return train if vcd is not None else n * train + 2 * infer


#: `auto` simulates fewer operation cycles than this on Icarus: Verilator's build (half a minute
#: and more) costs more than Icarus simulating them (small: 1.7 s to build, 970 cycles)
ICARUS_BELOW_CYCLES = 5000


def _simulator(console: Console, choice: str, cycles: int) -> str:
    """`auto`: Verilator when its tools are installed (else Icarus, with a note), Icarus for a
    run of fewer than ICARUS_BELOW_CYCLES operation cycles."""
    from eqchip.sim.runner import missing_tools

    if choice != "auto":
        return choice
    if cycles < ICARUS_BELOW_CYCLES and not missing_tools("icarus"):
        return "icarus"
    missing = missing_tools("verilator")
    if not missing:
        return "verilator"
    console.info(f"note: Verilator is not usable here (missing {', '.join(missing)}): "
                 "simulating on Icarus, which is slower")
    return "icarus"


@click.command("sim")
@click.argument("design")
@click.option("--simulator", type=click.Choice(["auto", "icarus", "verilator"]), default="auto",
              show_default=True, help="HDL simulator; auto: Verilator (compiled, the fastest "
                                      "here) when installed, else Icarus.")
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
    simulator = _simulator(console, simulator, _op_cycles(loaded, n, weights, vcd))
    console.info(f"co-simulating {loaded.name} on {simulator}: "
                 + (f"{n} inferences with {weights}" if weights else
                    "one training operation (VCD)" if vcd else
                    f"inference, {n} training operation(s), inference")
                 + " (building the simulation model first)")
    with interruptible(f"simulation of {loaded.name}", "rerun it"), \
            console.progress(f"simulating {loaded.name}", "cycles") as bar:
        started: list[bool] = []

        def progress(p: Progress) -> None:
            if not started:
                started.append(True)
                console.info(f"model built; simulating about {p.total:,} clock cycles "
                             f"({p.op_cycles:,} in the operations, the rest host-bus loads "
                             "and read-backs)")
            bar.update(p.done, p.total)

        res = run_cosim(loaded, work, simulator=simulator, samples=n, seed=seed, init=init,
                        weights=weights, vcd=vcd, progress=progress)
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
