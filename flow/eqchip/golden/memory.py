"""Weights <-> raw MRAM words (docs/architecture.md, "Memory layout"), as Python ints.

Row i of W_l occupies words `i * wpr_l .. i * wpr_l + wpr_l - 1`; weight W_l[i, j] with
`j = c * P_w + k` sits in bits `[k*WB + WB-1 : k*WB]` of word c of its row, two's complement,
column 0 in the least significant bits. Padding columns are 0. With bias rows
(docs/architecture.md, "Bias rows") the bank of W_l, l >= 1, holds the biases of layer l as one
more row, row N_{l+1}, in the weights' format.
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


def pack_matrix(arch: Arch, layer: int, w: np.ndarray, rows: int | None = None) -> list[int]:
    """The raw MRAM words of the rows of matrix `layer` (non-negative Python ints): its
    `rows * wpr_l` weight words (`rows`: N_{l+1} unless given, 1 for a bias row)."""
    m = arch.matrices[layer]
    n_rows = m.rows if rows is None else rows
    w = np.asarray(w)
    if w.shape != (n_rows, m.cols):
        raise ValueError(f"W_{layer} has shape {w.shape}, expected {(n_rows, m.cols)}")
    wb, pw = arch.weight_bits, arch.weights_per_word
    words: list[int] = []
    for i in range(n_rows):
        row = [int(v) for v in w[i]]
        for c in range(m.words_per_row):
            word = 0
            for k, v in enumerate(row[c * pw:(c + 1) * pw]):
                word |= to_unsigned(v, wb) << (k * wb)
            words.append(word)
    return words


def pack_bank(arch: Arch, layer: int, weights: list[np.ndarray], biases: list[np.ndarray]
              ) -> list[int]:
    """All `words_l` raw words of the bank of W_layer: its rows, then its bias row if any (the
    biases of layer `layer`, `biases[layer - 1]`)."""
    words = pack_matrix(arch, layer, weights[layer])
    if arch.matrices[layer].bias_row:
        words += pack_matrix(arch, layer, np.asarray(biases[layer - 1])[None, :], rows=1)
    return words


def unpack_bank(arch: Arch, layer: int, words: list[int]) -> tuple[np.ndarray, np.ndarray | None]:
    """Inverse of `pack_bank`: (W_layer, the biases of its bias row or None)."""
    m = arch.matrices[layer]
    if len(words) != m.words:
        raise ValueError(f"the bank of W_{layer} has {m.words} words, got {len(words)}")
    n_w = m.rows * m.words_per_row
    w = unpack_matrix(arch, layer, list(words[:n_w]))
    if not m.bias_row:
        return w, None
    return w, unpack_matrix(arch, layer, list(words[n_w:]), rows=1)[0]


def unpack_matrix(arch: Arch, layer: int, words: list[int], rows: int | None = None
                  ) -> np.ndarray:
    """Inverse of `pack_matrix` (padding bits are ignored). Returns int64 (rows, cols)."""
    m = arch.matrices[layer]
    n_rows = m.rows if rows is None else rows
    if len(words) != n_rows * m.words_per_row:
        raise ValueError(f"{n_rows} rows of W_{layer} need {n_rows * m.words_per_row} words, "
                         f"got {len(words)}")
    wb, pw = arch.weight_bits, arch.weights_per_word
    w = np.zeros((n_rows, m.cols), dtype=np.int64)
    for i in range(n_rows):
        for c in range(m.words_per_row):
            word = int(words[i * m.words_per_row + c])
            for k in range(pw):
                j = c * pw + k
                if j < m.cols:
                    w[i, j] = from_unsigned(word >> (k * wb), wb)
    return w


def changed_words(arch: Arch, layer: int, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Boolean per bank address: True iff at least one weight of the word changed. `old` and
    `new` have the bank's stored rows (the weights, then the bias row if any)."""
    m = arch.matrices[layer]
    pw = arch.weights_per_word
    diff = np.asarray(old) != np.asarray(new)
    pad = m.words_per_row * pw - m.cols
    if pad:
        diff = np.concatenate([diff, np.zeros((diff.shape[0], pad), dtype=bool)], axis=1)
    return diff.reshape(diff.shape[0], m.words_per_row, pw).any(axis=2).reshape(-1)
