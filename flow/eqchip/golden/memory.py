"""Weights <-> raw MRAM words (docs/architecture.md, "Memory layout"), as Python ints.

Row i of W_l occupies words `i * wpr_l .. i * wpr_l + wpr_l - 1`; weight W_l[i, j] with
`j = c * P_w + k` sits in bits `[k*WB + WB-1 : k*WB]` of word c of its row, two's complement,
column 0 in the least significant bits. Padding columns are 0.
"""

from __future__ import annotations

import numpy as np

from eqchip.config.arch import Arch
from eqchip.golden.fixedpoint import from_unsigned, to_unsigned


def word_address(arch: Arch, layer: int, row: int, col: int) -> tuple[int, int]:
    """(bank address, bit offset) of W_layer[row, col]."""
    m = arch.matrices[layer]
    c, k = divmod(col, arch.weights_per_word)
    return row * m.words_per_row + c, k * arch.weight_bits


def pack_matrix(arch: Arch, layer: int, w: np.ndarray) -> list[int]:
    """The `words_l` raw MRAM words of matrix `layer` (non-negative Python ints)."""
    m = arch.matrices[layer]
    w = np.asarray(w)
    if w.shape != (m.rows, m.cols):
        raise ValueError(f"W_{layer} has shape {w.shape}, expected {(m.rows, m.cols)}")
    wb, pw = arch.weight_bits, arch.weights_per_word
    words: list[int] = []
    for i in range(m.rows):
        row = [int(v) for v in w[i]]
        for c in range(m.words_per_row):
            word = 0
            for k, v in enumerate(row[c * pw:(c + 1) * pw]):
                word |= to_unsigned(v, wb) << (k * wb)
            words.append(word)
    return words


def unpack_matrix(arch: Arch, layer: int, words: list[int]) -> np.ndarray:
    """Inverse of `pack_matrix` (padding bits are ignored). Returns int64 (rows, cols)."""
    m = arch.matrices[layer]
    if len(words) != m.words:
        raise ValueError(f"W_{layer} needs {m.words} words, got {len(words)}")
    wb, pw = arch.weight_bits, arch.weights_per_word
    w = np.zeros((m.rows, m.cols), dtype=np.int64)
    for i in range(m.rows):
        for c in range(m.words_per_row):
            word = int(words[i * m.words_per_row + c])
            for k in range(pw):
                j = c * pw + k
                if j < m.cols:
                    w[i, j] = from_unsigned(word >> (k * wb), wb)
    return w


def changed_words(arch: Arch, layer: int, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Boolean per bank address: True iff at least one weight of the word changed."""
    m = arch.matrices[layer]
    pw = arch.weights_per_word
    diff = np.asarray(old) != np.asarray(new)
    pad = m.words_per_row * pw - m.cols
    if pad:
        diff = np.concatenate([diff, np.zeros((m.rows, pad), dtype=bool)], axis=1)
    return diff.reshape(m.rows, m.words_per_row, pw).any(axis=2).reshape(-1)
