"""Training loops: the bit-exact chip (online, one `train_step` per sample) side by side with the
float reference, same initial weights, same sample order, learning curve per epoch."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from eqchip.config.arch import Arch
from eqchip.golden import float_ref
from eqchip.golden.counters import Counters
from eqchip.golden.data import Dataset, one_hot
from eqchip.golden.fixedpoint import quantize_signed, to_float
from eqchip.golden.model import Params, TrainStep, infer, train_step
from eqchip.golden.prng import PrngStream


def init_float_params(arch: Arch, seed: int, gain: float = 1.0) -> float_ref.FloatParams:
    """Laborieux et al. P_MLP init (torch nn.Linear): W, b ~ U(-g/sqrt(fan_in), g/sqrt(fan_in))."""
    rng = np.random.default_rng(seed)
    ws, bs = [], []
    for m in arch.matrices:
        bound = gain / np.sqrt(m.cols)
        ws.append(rng.uniform(-bound, bound, size=(m.rows, m.cols)))
        bs.append(rng.uniform(-bound, bound, size=m.rows))
    return float_ref.FloatParams(ws, bs)


def quantize_params(arch: Arch, p: float_ref.FloatParams) -> Params:
    wf = arch.weight_frac
    return Params([quantize_signed(w, wf, arch.weight_bits) for w in p.weights],
                  [quantize_signed(b, wf, arch.bias_bits) for b in p.biases])


def dequantize_params(arch: Arch, p: Params) -> float_ref.FloatParams:
    wf = arch.weight_frac
    return float_ref.FloatParams([to_float(w, wf) for w in p.weights],
                                 [to_float(b, wf) for b in p.biases])


def init_params(arch: Arch, seed: int, gain: float = 1.0) -> Params:
    """Quantized `init_float_params`."""
    return quantize_params(arch, init_float_params(arch, seed, gain))


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The sample order of one epoch (shared by the chip and the float reference)."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def train_epoch(arch: Arch, params: Params, xq: np.ndarray, yq: np.ndarray,
                order: np.ndarray, prng: PrngStream | None = None, prng_pos: int = 0,
                on_step: Callable[[TrainStep], None] | None = None
                ) -> tuple[Params, Counters, int]:
    """Online training: one chip training operation per sample, in `order`. Returns the new
    parameters, the summed counters and the PRNG position afterwards (stochastic rounding:
    the generator keeps running from `prng_pos`, as on the chip). `on_step` sees every
    operation's result (STEPs per phase, skipped update)."""
    total = Counters(0, 0, 0)
    if arch.random_update and prng is None:
        prng = PrngStream(arch.prng_seeds)
    for i in order:
        r = train_step(arch, params, xq[i], yq[i], prng, prng_pos)
        params, prng_pos = r.params, r.prng_pos
        total = total + r.counters
        if on_step is not None:
            on_step(r)
    return params, total, prng_pos


def accuracy(arch: Arch, params: Params, xq: np.ndarray, labels: np.ndarray,
             batch: int = 1024) -> float:
    """Fraction of samples whose chip inference output has its argmax at the label."""
    hits = 0
    for i in range(0, len(labels), batch):
        hits += int((infer(arch, params, xq[i:i + batch]).prediction == labels[i:i + batch])
                    .sum())
    return hits / max(1, len(labels))


def float_accuracy(hp: float_ref.FloatHyper, p: float_ref.FloatParams, x: np.ndarray,
                   labels: np.ndarray) -> float:
    out = float_ref.infer(hp, p, x)[-1]
    return float((np.argmax(out, axis=1) == labels).mean())


@dataclass(frozen=True)
class EpochStats:
    epoch: int
    exact_train_acc: float
    exact_test_acc: float
    float_train_acc: float | None
    float_test_acc: float | None
    exact_seconds: float
    float_seconds: float
    mram_writes: int         # words written by the chip during the epoch
    cycles: int              # chip cycles of all training operations of the epoch
    # mean STEPs per phase of the epoch's training operations (T1 / T2 without
    # eqprop.early_stop; minus: None without symmetric nudging) and the share of them that
    # skipped WUPD (docs/architecture.md, "Convergence-gated phases")
    mean_steps_free: float = 0.0
    mean_steps_plus: float = 0.0
    mean_steps_minus: float | None = None
    skipped_updates: float = 0.0


@dataclass(frozen=True)
class TrainingResult:
    params: Params
    float_params: float_ref.FloatParams | None
    curve: list[EpochStats]
    dataset: str
    n_train: int
    n_test: int

    @property
    def final_test_acc(self) -> float:
        return self.curve[-1].exact_test_acc if self.curve else float("nan")


def run_training(arch: Arch, data: Dataset, epochs: int, seed: int, float_batch: int = 1,
                 with_float: bool = True, gain: float = 1.0,
                 on_epoch: Callable[[EpochStats], None] | None = None) -> TrainingResult:
    """Train the bit-exact chip model (online) and, optionally, the float reference (mini-batch
    `float_batch`; 1 = the chip's schedule) from the same initial weights and sample order."""
    sf = arch.state_frac
    xq_tr, xq_te = data.quantized(sf)
    yq_tr = one_hot(data.y_train, arch.layers[-1], 1 << sf)
    x_tr_f, x_te_f = to_float(xq_tr, sf), to_float(xq_te, sf)   # same inputs as the chip
    y_tr_f = one_hot(data.y_train, arch.layers[-1], 1.0)
    f0 = init_float_params(arch, seed, gain)
    params = quantize_params(arch, f0)
    fparams = dequantize_params(arch, params) if with_float else None
    hp = float_ref.FloatHyper.from_arch(arch)
    curve: list[EpochStats] = []
    prng = PrngStream(arch.prng_seeds) if arch.random_update else None
    prng_pos = 0                  # the chip's generator starts at its seed after reset
    for ep in range(1, epochs + 1):
        order = epoch_order(seed, ep, len(data.y_train))
        t0 = time.perf_counter()
        ops: list[tuple[tuple[int, ...], bool]] = []
        params, cnt, prng_pos = train_epoch(arch, params, xq_tr, yq_tr, order, prng, prng_pos,
                                            lambda r, ops=ops: ops.append((r.steps, r.skipped)))
        tr = accuracy(arch, params, xq_tr, data.y_train)
        te = accuracy(arch, params, xq_te, data.y_test)
        t1 = time.perf_counter()
        ftr = fte = None
        if fparams is not None:
            fparams = float_ref.train_epoch(hp, fparams, x_tr_f, y_tr_f, order, float_batch)
            ftr = float_accuracy(hp, fparams, x_tr_f, data.y_train)
            fte = float_accuracy(hp, fparams, x_te_f, data.y_test)
        t2 = time.perf_counter()
        steps = np.array([s for s, _ in ops], np.float64).reshape(len(ops), -1)
        mean = steps.mean(axis=0) if len(ops) else np.zeros(3 if arch.symmetric else 2)
        st = EpochStats(ep, tr, te, ftr, fte, t1 - t0, t2 - t1, cnt.mram_writes, cnt.cycles,
                        float(mean[0]), float(mean[1]),
                        float(mean[2]) if arch.symmetric else None,
                        float(np.mean([k for _, k in ops])) if ops else 0.0)
        curve.append(st)
        if on_epoch is not None:
            on_epoch(st)
    return TrainingResult(params, fparams, curve, data.name, len(data.y_train),
                          len(data.y_test))
