"""Training data: scikit-learn's 8x8 digits (ships with scikit-learn, no download) or a small
deterministic synthetic task. Inputs are real values in [0, 1]; `quantize_state` turns them into
the chip's state format."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eqchip.errors import ConfigError
from eqchip.golden.fixedpoint import quantize_state


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray   # float64 (n, N_0) in [0, 1]
    y_train: np.ndarray   # int labels (n,)
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    def quantized(self, sf: int) -> tuple[np.ndarray, np.ndarray]:
        """(x_train, x_test) in the state format with `sf` fraction bits."""
        return quantize_state(self.x_train, sf), quantize_state(self.x_test, sf)


def one_hot(labels: np.ndarray, n_classes: int, one: float | int = 1.0) -> np.ndarray:
    """Targets: `one` at the label, 0 elsewhere (pass one = 2^SF for chip states)."""
    dtype = np.int64 if isinstance(one, int) else np.float64
    out = np.zeros((len(labels), n_classes), dtype=dtype)
    out[np.arange(len(labels)), labels] = one
    return out


def load_digits_split(test_size: int, seed: int) -> Dataset:
    """8x8 digits scaled to [0, 1] (pixel / 16), stratified split fixed by `seed`."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = d.data.astype(np.float64) / 16.0
    y = d.target.astype(np.int64)
    if not 0 < test_size < len(y):
        raise ConfigError(f"training.test_size = {test_size} must be 1..{len(y) - 1} for the "
                          f"digits data set ({len(y)} samples)")
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=test_size, random_state=seed,
                                          stratify=y)
    return Dataset("digits", xtr, ytr, xte, yte, 10)


def synthetic(n_inputs: int, n_classes: int, test_size: int, seed: int,
              train_size: int | None = None) -> Dataset:
    """Random inputs in [0, 1]; label = argmax of a fixed random linear teacher."""
    rng = np.random.default_rng(seed)
    n_train = train_size if train_size is not None else max(4 * test_size, 64)
    n = n_train + test_size
    x = rng.random((n, n_inputs))
    teacher = rng.normal(size=(n_inputs, n_classes))
    logits = (x - 0.5) @ teacher
    y = np.argmax(logits, axis=1).astype(np.int64)
    return Dataset("synthetic", x[:n_train], y[:n_train], x[n_train:], y[n_train:], n_classes)


def load_dataset(name: str, layers: tuple[int, ...], test_size: int, seed: int) -> Dataset:
    """The design's training data set; checks it fits the network's input and output layers."""
    if name == "digits":
        if layers[0] != 64 or layers[-1] != 10:
            raise ConfigError(
                f"training.dataset 'digits' needs 64 inputs and 10 outputs but network.layers "
                f"is {list(layers)}", "use layers [64, ..., 10] or training.dataset: synthetic")
        return load_digits_split(test_size, seed)
    if name == "synthetic":
        return synthetic(layers[0], layers[-1], test_size, seed)
    raise ConfigError(f"training.dataset {name!r} is unknown; allowed: digits, synthetic")
