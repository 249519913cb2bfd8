"""The on-chip pseudo-random generator of stochastic update rounding, bit for bit
(docs/architecture.md, "Stochastic rounding").

Lanes 0..M-1 (one per weight-update unit) and lane M (the bias unit) each hold a 32-bit
xorshift register, seeded at reset with `Arch.prng_seeds`; every lane advances once per WUPD
COMPUTE sub-cycle. Position `t` = WUPD COMPUTE sub-cycles since reset; the output of lane k at
position t is its register value x_k[t] (x_k[0] = seed_k, x_k[t+1] = xorshift32(x_k[t])).

`PrngStream.outputs(t, n)` returns x[t .. t+n-1] for all lanes without a Python loop per value:
xorshift32 is linear over GF(2), so the state at t + c is a 32x32 bit-matrix power applied to the
state at t. A chunk of `P x C` outputs is P chains of C consecutive values, started C apart and
stepped together with numpy.
"""

from __future__ import annotations

import numpy as np

MASK32 = 0xFFFF_FFFF


def xorshift32(x: int) -> int:
    """One step: x ^= x << 13; x ^= x >> 17; x ^= x << 5 (32-bit)."""
    x ^= (x << 13) & MASK32
    x ^= x >> 17
    return x ^ ((x << 5) & MASK32)


def _step_array(x: np.ndarray) -> np.ndarray:
    x = x ^ (x << np.uint32(13))
    x = x ^ (x >> np.uint32(17))
    return x ^ (x << np.uint32(5))


def _columns(n: int) -> list[int]:
    """Columns of the bit matrix of n xorshift32 steps: column b = image of the bit 1 << b."""
    cols = []
    for b in range(32):
        x = 1 << b
        for _ in range(n):
            x = xorshift32(x)
        cols.append(x)
    return cols


def _apply(cols: list[int], x: int) -> int:
    out = 0
    b = 0
    while x:
        if x & 1:
            out ^= cols[b]
        x >>= 1
        b += 1
    return out


def _apply_array(cols: list[int], x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    for b, c in enumerate(cols):
        out ^= ((x >> np.uint32(b)) & np.uint32(1)) * np.uint32(c)
    return out


def _square(cols: list[int]) -> list[int]:
    return [_apply(cols, c) for c in cols]


class PrngStream:
    """Outputs of all lanes by position (a cache of the current chunk; no global state)."""

    CHAINS = 1024
    CHAIN_LEN = 256

    def __init__(self, seeds: tuple[int, ...]) -> None:
        if not seeds or any(not 0 < s <= MASK32 for s in seeds):
            raise ValueError(f"xorshift32 seeds must be nonzero 32-bit values, got {seeds}")
        self.seeds = tuple(seeds)
        self._chunk = self.CHAINS * self.CHAIN_LEN
        self._jump_chain = _columns(self.CHAIN_LEN)            # T^C
        self._start = -1                                       # position of the cached chunk
        self._cache = np.zeros((0, len(seeds)), np.uint32)
        self._state_at: dict[int, tuple[int, ...]] = {0: self.seeds}   # chunk start -> states

    def _states(self, start: int) -> tuple[int, ...]:
        """Lane states at a chunk start (jump ahead from the nearest known chunk start)."""
        if start in self._state_at:
            return self._state_at[start]
        known = max(k for k in self._state_at if k <= start)
        states = list(self._state_at[known])
        gap = start - known
        cols = _columns(1)
        bit = 0
        while gap:                     # binary powers T^(2^bit)
            if gap & 1:
                states = [_apply(cols, s) for s in states]
            gap >>= 1
            bit += 1
            if gap:
                cols = _square(cols)
        self._state_at = {0: self.seeds, start: tuple(states)}
        return self._state_at[start]

    def _fill(self, start: int) -> None:
        states = np.array(self._states(start), np.uint32)
        # chain starts x[p*C], p = 0..P-1, by doubling: starts[m:2m] = T^(mC) starts[0:m]
        starts = np.empty((self.CHAINS, len(states)), np.uint32)
        starts[0] = states
        jump, m = self._jump_chain, 1
        while m < self.CHAINS:
            starts[m:2 * m] = _apply_array(jump, starts[:m])
            jump, m = _square(jump), 2 * m
        self._state_at[start + self._chunk] = tuple(
            int(v) for v in _apply_array(self._jump_chain, starts[-1:])[0])
        out = np.empty((self.CHAINS, self.CHAIN_LEN, len(states)), np.uint32)
        x = starts
        for c in range(self.CHAIN_LEN):
            out[:, c] = x
            x = _step_array(x)
        self._cache = out.reshape(self._chunk, len(states))
        self._start = start

    def outputs(self, t: int, n: int) -> np.ndarray:
        """x[t .. t+n-1] of every lane: (n, lanes) int64."""
        parts = []
        while n > 0:
            base = t - t % self._chunk
            if base != self._start:
                self._fill(base)
            lo = t - base
            take = min(n, self._chunk - lo)
            parts.append(self._cache[lo:lo + take])
            t += take
            n -= take
        if not parts:
            return np.zeros((0, len(self.seeds)), np.int64)
        return np.concatenate(parts).astype(np.int64)
