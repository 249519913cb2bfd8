"""MTJ stochastic switching as the rounding of weight and bias updates, bit for bit
(docs/architecture.md, "MTJ stochastic switching"; `fixed_point.update_rounding: mtj`).

An update `d` with shift R > 0 moves the weight by its integer part `d >>> R` for certain and by
one more LSB if the stochastic write of that update switched. The remainder `rem = d mod 2^R`
picks the pulse level whose quantised switching probability P_k is nearest to `rem / 2^R`
(`eqchip.config.arch.mtj_thresholds`); level 0 is "no pulse", levels 1..K are the stochastic
pulses and level K+1 the normal write pulse (P = 1: a certain step). The device switches with
probability P_k: on silicon that is the MTJ's thermal noise; here (and in the behavioural RTL)
it is a seeded stand-in, `switched = (u mod 2^pb) < P_k` with `u` the 32-bit lane value of the
same xorshift32 lanes that digital stochastic rounding uses (`eqchip.golden.prng`, same lane
order and positions), so that RTL == golden holds bit for bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from eqchip.config.arch import Arch, mtj_thresholds

if TYPE_CHECKING:
    from eqchip.golden.model import TrainStep


def pulse_levels(rem: np.ndarray, probs: tuple[int, ...], prob_bits: int, r: int) -> np.ndarray:
    """Pulse level (0 = no pulse) of each remainder 0 <= rem < 2^r."""
    level = np.zeros(np.shape(rem), np.int64)
    for t in mtj_thresholds(probs, prob_bits, r):
        level += np.asarray(rem >= t, np.int64)
    return level


def mtj_shift(d: np.ndarray, r: int, u: np.ndarray, probs: tuple[int, ...], prob_bits: int
              ) -> np.ndarray:
    """`(d >>> r) + switched` for r > 0, `d << -r` for r <= 0 (exact: no pulse)."""
    d = np.asarray(d, np.int64)
    if r <= 0:
        return d << (-r)
    level = pulse_levels(d & ((1 << r) - 1), probs, prob_bits, r)
    p = np.asarray(probs, np.int64)[level]
    switched = (np.asarray(u, np.int64) & ((1 << prob_bits) - 1)) < p
    return (d >> r) + switched.astype(np.int64)


def level_counts(d: np.ndarray, r: int, probs: tuple[int, ...], prob_bits: int) -> np.ndarray:
    """Attempted stochastic writes per pulse level 1..K for the updates `d` (energy model;
    levels 0 and K+1 attempt nothing: their step is certain)."""
    k = len(probs) - 2
    if r <= 0:
        return np.zeros(k, np.int64)
    level = pulse_levels(np.asarray(d, np.int64) & ((1 << r) - 1), probs, prob_bits, r)
    return np.bincount(level.reshape(-1), minlength=k + 2)[1:k + 1].astype(np.int64)


def step_attempts(arch: Arch, x: np.ndarray, step: TrainStep) -> np.ndarray:
    """Attempted stochastic writes per pulse level 1..K of one training operation (weights and
    biases), from the pair the operation updated with (docs/architecture.md)."""
    counts = np.zeros(len(arch.mtj_probs) - 2, np.int64)
    if not arch.mtj:
        return counts
    a = [np.asarray(x)] + list(step.s_plus)
    b = [np.asarray(x)] + list(step.s_minus if step.s_minus is not None else step.s_free)
    pr, pb = arch.mtj_probs, arch.mtj_prob_bits
    for m in arch.matrices:
        lo, hi = m.index, m.index + 1
        d = np.outer(a[hi], a[lo]) - np.outer(b[hi], b[lo])
        counts += level_counts(d, m.w_update_shift, pr, pb)
        counts += level_counts(a[hi] - b[hi], m.b_update_shift, pr, pb)
    return counts
