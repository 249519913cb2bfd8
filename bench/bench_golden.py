"""Golden-model throughput: relaxation sample-steps per second for inference batches, and
training operations (and sample-steps) per second for the online training step.

Run: python bench/bench_golden.py [design ...]   (default: small digits mnist)
"""

from __future__ import annotations

import sys
import time

import numpy as np

from eqchip import golden as g
from eqchip.config import load_design
from eqchip.config.arch import Arch


def _timed(fn, min_seconds: float = 1.0) -> tuple[float, int]:
    """Call fn until min_seconds passed; return (seconds per call, calls)."""
    fn()
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= min_seconds:
            return dt / n, n


def bench(arch: Arch) -> list[str]:
    rng = np.random.default_rng(0)
    p = g.init_params(arch, 0)
    one = 1 << arch.state_frac
    lines = []
    for batch in (1, 64, 1024):
        x = rng.integers(0, one + 1, (batch, arch.layers[0]))
        sec, _ = _timed(lambda x=x: g.infer(arch, p, x))
        rate = batch * arch.t1 / sec
        lines.append(f"{arch.name:8s} inference batch {batch:5d}: {rate:12,.0f} sample-steps/s "
                     f"({batch / sec:10,.0f} inferences/s)")
    x = rng.integers(0, one + 1, arch.layers[0])
    y = np.zeros(arch.layers[-1], np.int64)
    y[0] = one
    sec, _ = _timed(lambda: g.train_step(arch, p, x, y))
    steps = arch.t1 + arch.t2 * (2 if arch.symmetric else 1)
    lines.append(f"{arch.name:8s} training (online)   : {steps / sec:12,.0f} sample-steps/s "
                 f"({1 / sec:10,.0f} training ops/s, {steps} steps each)")
    return lines


def main(argv: list[str]) -> int:
    names = argv or ["small", "digits", "mnist"]
    for name in names:
        for line in bench(load_design(name).arch):
            print(line)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
