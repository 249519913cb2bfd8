"""Floating-point reference network with the chip's structure: the same synchronous step,
the same free / +beta / [-beta] phases and the same update rule, in float64 without rounding or
saturation; trains on mini-batches (batch_size = 1 is the chip's online schedule)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eqchip.config.arch import Arch


@dataclass(frozen=True)
class FloatParams:
    weights: list[np.ndarray]   # float64 (N_{l+1}, N_l)
    biases: list[np.ndarray]    # float64 (N_{l+1},)

    def copy(self) -> FloatParams:
        return FloatParams([w.copy() for w in self.weights], [b.copy() for b in self.biases])


@dataclass(frozen=True)
class FloatHyper:
    t1: int
    t2: int
    beta: float
    symmetric: bool
    lrs: tuple[float, ...]

    @staticmethod
    def from_arch(arch: Arch) -> FloatHyper:
        return FloatHyper(arch.t1, arch.t2, 2.0 ** -arch.beta_shift, arch.symmetric,
                          tuple(2.0 ** -m.lr_shift for m in arch.matrices))


def step(p: FloatParams, x: np.ndarray, s: list[np.ndarray], y: np.ndarray | None,
         nudge: float) -> list[np.ndarray]:
    """One synchronous step; `nudge` = sigma * beta (0 in the free phase)."""
    n = len(s)
    out = []
    for l_idx in range(1, n + 1):
        prev = x if l_idx == 1 else s[l_idx - 2]
        h = p.biases[l_idx - 1] + prev @ p.weights[l_idx - 1].T
        if l_idx < n:
            h = h + s[l_idx] @ p.weights[l_idx]
        elif nudge:
            h = h + nudge * (y - s[-1])
        out.append(np.clip(h, 0.0, 1.0))
    return out


def relax(p: FloatParams, x: np.ndarray, steps: int, states: list[np.ndarray] | None = None,
          y: np.ndarray | None = None, nudge: float = 0.0) -> list[np.ndarray]:
    s = [np.zeros(x.shape[:-1] + (w.shape[0],)) for w in p.weights] if states is None \
        else states
    for _ in range(steps):
        s = step(p, x, s, y, nudge)
    return s


def infer(hp: FloatHyper, p: FloatParams, x: np.ndarray) -> list[np.ndarray]:
    return relax(p, np.asarray(x, np.float64), hp.t1)


def train_batch(hp: FloatHyper, p: FloatParams, x: np.ndarray, y: np.ndarray) -> FloatParams:
    """One update from a mini-batch x (B, N_0), y (B, N_L): the mean of per-sample updates."""
    s_free = relax(p, x, hp.t1)
    s_plus = relax(p, x, hp.t2, s_free, y, hp.beta)
    k = 1
    if hp.symmetric:
        s_b = relax(p, x, hp.t2, s_free, y, -hp.beta)
        k = 2
    else:
        s_b = s_free
    a, b = [x] + s_plus, [x] + s_b
    nb = x.shape[0]
    ws, bs = [], []
    for l_idx, (w, bias) in enumerate(zip(p.weights, p.biases, strict=True)):
        scale = hp.lrs[l_idx] / (k * hp.beta) / nb
        dw = a[l_idx + 1].T @ a[l_idx] - b[l_idx + 1].T @ b[l_idx]
        db = (a[l_idx + 1] - b[l_idx + 1]).sum(axis=0)
        ws.append(w + scale * dw)
        bs.append(bias + scale * db)
    return FloatParams(ws, bs)


def train_epoch(hp: FloatHyper, p: FloatParams, x: np.ndarray, y: np.ndarray,
                order: np.ndarray, batch_size: int) -> FloatParams:
    """One pass over (x, y) in `order`, in mini-batches of `batch_size`."""
    for i in range(0, len(order), batch_size):
        idx = order[i:i + batch_size]
        p = train_batch(hp, p, x[idx], y[idx])
    return p
