"""Convergence-gated phases (eqprop.early_stop): what the gate saves on a design (default digits).

    python bench/bench_early_stop.py [designs/digits.yaml]
    python bench/bench_early_stop.py [designs/digits.yaml] --build [--build-dir DIR]

Golden model (always): the design is trained with its own schedule (training section, the
weights are the same with and without the gate), then every test sample runs one inference and
one training operation from those weights, with and without the gate. Prints the mean and 90th
percentile of STEPs per phase, the share of skipped updates, and the mean cycles and MRAM reads
per inference and per training sample (gated / fixed schedule).

--build: `eqchip build` of the design without and with the gate (synthesis, timing, activity
power and the report; no layout: OpenROAD is not put on PATH). Prints the standard-cell (logic)
area of both and its growth (target <= 2 %), and the energy per inference and per training
sample: the gated build's mean over the test set (report.json `convergence`) against the fixed
schedule on the same build and against the ungated build's report (targets <= 0.35x). A build
takes about 8 minutes of CPU on digits. --build-dir keeps the two builds there (reused when
present, `eqchip build` reruns only what changed).

Needs PDK_ROOT (or ../shared/pdk beside the checkout) for --build. Prints the numbers; writes
nothing into the repository.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml
from benchenv import REPO, bench_env  # bench/benchenv.py (the script folder is on sys.path)


def say(line: str) -> None:
    print(line, flush=True)  # noqa: T201  (a bench prints its figures)


def gated_yaml(src: Path, folder: Path, gate: bool) -> Path:
    """The design with eqprop.early_stop set to `gate` (same name: same build layout)."""
    d = yaml.safe_load(src.read_text())
    d["eqprop"]["early_stop"] = gate
    path = folder / ("gated" if gate else "fixed") / src.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    return path


def golden(src: Path, folder: Path) -> None:
    from eqchip import golden as g
    from eqchip.config import load_design
    from eqchip.report import convergence as cv

    loaded = load_design(gated_yaml(src, folder, True))
    arch = loaded.arch
    conv = cv.design_convergence(loaded)
    say(f"{arch.name}: T1 = {arch.t1}, T2 = {arch.t2}, {conv.weights_source}")
    say(f"{'':24s} {'fixed':>8s} {'gated mean':>11s} {'gated p90':>10s}")
    say(f"{'inference STEPs':24s} {arch.t1:8d} {conv.inference_steps.mean():11.2f} "
          f"{np.percentile(conv.inference_steps, 90):10.1f}")
    names = ("free", "+beta", "-beta")
    for k, t in enumerate(g.counters.phase_limits(arch)):
        col = conv.training_steps[:, k]
        say(f"{'training ' + names[k] + ' STEPs':24s} {t:8d} {col.mean():11.2f} "
              f"{np.percentile(col, 90):10.1f}")
    say(f"{'skipped updates':24s} {0:8.1%} {conv.skipped.mean():11.1%}")
    inf_fixed = g.inference_counters(arch)
    inf = [g.inference_counters(arch, int(n)) for n in conv.inference_steps]
    trn = [g.training_counters(arch, int(w), tuple(int(v) for v in s), bool(k))
           for s, k, w in zip(conv.training_steps, conv.skipped, conv.writes, strict=True)]
    trn_fixed = [g.training_counters(arch, int(w)) for w in conv.writes]
    for what, got, ref in (("inference", inf, [inf_fixed] * len(inf)),
                           ("training sample", trn, trn_fixed)):
        for field in ("cycles", "mram_reads"):
            a = np.mean([getattr(c, field) for c in got])
            b = np.mean([getattr(c, field) for c in ref])
            say(f"{what + ' ' + field:24s} {b:8.0f} {a:11.0f}   ratio {a / b:.3f}")


def build(design: Path, out: Path, env: dict[str, str]) -> dict:
    """`eqchip build` (as far as it goes without OpenROAD) and its report.json."""
    proc = subprocess.run([sys.executable, "-m", "eqchip", "-q", "build", str(design),
                           "--build-dir", str(out)], env=env, capture_output=True, text=True,
                          check=False)
    report = out / design.stem / "report.json"
    if proc.returncode not in (0, 5) or not report.is_file():
        sys.exit(f"eqchip build {design} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(report.read_text())


def builds(src: Path, folder: Path, build_dir: Path) -> None:
    env = bench_env()
    fixed = build(gated_yaml(src, folder, False), build_dir / "fixed", env)
    gated = build(gated_yaml(src, folder, True), build_dir / "gated", env)
    a0 = fixed["area"]["stdcell_um2"]["value"]
    a1 = gated["area"]["stdcell_um2"]["value"]
    say(f"{'logic area (um2)':24s} {a0:12.0f} {a1:12.0f}   growth {a1 / a0 - 1:+.2%} "
          "(target <= +2 %)")
    for name, rep in (("fixed", fixed), ("gated", gated)):
        slack = (rep.get("timing") or {}).get("setup_slack_ns") or {}
        bad = [c["id"] for c in rep.get("cross_checks", []) if not c["ok"]]
        say(f"{name}: setup slack {slack.get('value', float('nan')):.3f} ns, failed "
            f"cross-checks: {', '.join(bad) or 'none'}")
    e = gated["convergence"]["energy"]
    f0 = fixed["energy"]["figures"]
    for what, key, fig in (("inference", "inference_pj", "energy_per_inference"),
                           ("training sample", "training_sample_pj",
                            "energy_per_training_sample")):
        d = e[key]
        same = e["inference_ratio" if key == "inference_pj" else "training_ratio"]
        other = d["mean"] / f0[fig]["value"]
        say(f"energy per {what:16s} gated {d['mean']:10.1f} pJ (p10 {d['p10']:.1f}, "
              f"p90 {d['p90']:.1f}, std {d['std']:.1f}); vs fixed schedule on the same build "
              f"{same:.3f}x, vs the ungated build's report {other:.3f}x (target <= 0.35x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("design", nargs="?", default=str(REPO / "designs" / "digits.yaml"))
    ap.add_argument("--build", action="store_true", help="also build both designs")
    ap.add_argument("--build-dir", type=Path, default=None)
    args = ap.parse_args()
    src = Path(args.design)
    with tempfile.TemporaryDirectory(prefix="eqchip-bench-es-") as tmp:
        golden(src, Path(tmp))
        if args.build:
            builds(src, Path(tmp), args.build_dir or Path(tmp) / "build")


if __name__ == "__main__":
    main()
