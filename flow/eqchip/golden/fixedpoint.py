"""Integer helpers of docs/architecture.md ("Fixed-point arithmetic"), scalar and vectorized.

The helpers work on Python ints and on int64 numpy arrays alike. `>>` on numpy signed integers
and on Python ints is an arithmetic shift (floor division by a power of two), as in the contract.
"""

from __future__ import annotations

import numpy as np


def round_shift(d, r: int):
    """`(d + 2^(r-1)) >>> r` for r > 0 (round half up), `d << -r` for r <= 0."""
    if r > 0:
        return (d + (1 << (r - 1))) >> r
    return d << (-r)


def stochastic_shift(d, r: int, u):
    """Stochastic rounding: `(d + (u mod 2^r)) >>> r` for r > 0 (u: random bits, its low r bits
    are used), `d << -r` for r <= 0 (exact, no randomness)."""
    if r > 0:
        return (d + (u & ((1 << r) - 1))) >> r
    return d << (-r)


def sat(v, n: int):
    """Saturate to the signed n-bit range -2^(n-1) .. 2^(n-1)-1."""
    lo, hi = -(1 << (n - 1)), (1 << (n - 1)) - 1
    if isinstance(v, np.ndarray):
        return np.minimum(np.maximum(v, lo), hi)
    return min(max(v, lo), hi)


def clip_state(v, sf: int):
    """Clip to the state range 0 .. 2^sf (0.0 .. 1.0)."""
    hi = 1 << sf
    if isinstance(v, np.ndarray):
        return np.minimum(np.maximum(v, 0), hi)
    return min(max(v, 0), hi)


def quantize_state(x: np.ndarray, sf: int) -> np.ndarray:
    """Real values -> states: round half up of x * 2^sf, clipped to 0 .. 2^sf (int64)."""
    q = np.floor(np.asarray(x, dtype=np.float64) * (1 << sf) + 0.5).astype(np.int64)
    return clip_state(q, sf)


def quantize_signed(x: np.ndarray, frac: int, bits: int) -> np.ndarray:
    """Real values -> signed fixed point with `frac` fraction bits, round half up, saturated."""
    q = np.floor(np.asarray(x, dtype=np.float64) * (1 << frac) + 0.5)
    lim = float(1 << (bits - 1))
    q = np.clip(q, -lim, lim - 1)
    return q.astype(np.int64)


def to_float(v: np.ndarray, frac: int) -> np.ndarray:
    """Fixed point -> float64 (exact for |v| < 2^53)."""
    return np.asarray(v, dtype=np.float64) / float(1 << frac)


def to_unsigned(v: int, bits: int) -> int:
    """Two's complement bit pattern of a signed value, as a non-negative Python int."""
    if not -(1 << (bits - 1)) <= v < (1 << (bits - 1)):
        raise ValueError(f"{v} does not fit in {bits} signed bits")
    return v & ((1 << bits) - 1)


def from_unsigned(u: int, bits: int) -> int:
    """Signed value of a `bits`-wide two's complement pattern."""
    u &= (1 << bits) - 1
    return u - (1 << bits) if u >> (bits - 1) else u
