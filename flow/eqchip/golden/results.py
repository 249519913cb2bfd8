"""Files of a training run: weights (.npz), learning curve (CSV, PNG), summary (JSON).

Every file is written atomically. `load_weights` reads the .npz back and refuses weights
trained for a different architecture.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np

from eqchip.config.arch import Arch
from eqchip.errors import ConfigError
from eqchip.fileio import write_bytes_atomic, write_json_atomic, write_text_atomic
from eqchip.golden.model import Params, check_params
from eqchip.golden.train import TrainingResult

# Arch numbers stored with the weights; loading checks them against the design.
_ARCH_KEYS = ("state_bits", "weight_bits", "weight_frac", "bias_bits")


def save_weights(path: Path, arch: Arch, params: Params, design_sha256: str = "") -> None:
    arrays: dict[str, np.ndarray] = {"layers": np.asarray(arch.layers, np.int64)}
    for k in _ARCH_KEYS:
        arrays[k] = np.asarray(getattr(arch, k), np.int64)
    arrays["design_name"] = np.asarray(arch.name)
    arrays["design_sha256"] = np.asarray(design_sha256)
    for i, (w, b) in enumerate(zip(params.weights, params.biases, strict=True)):
        arrays[f"W{i}"] = np.asarray(w, np.int64)
        arrays[f"b{i}"] = np.asarray(b, np.int64)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_bytes_atomic(path, buf.getvalue())


def load_weights(path: Path, arch: Arch) -> Params:
    """Integer weights saved by `save_weights`; ConfigError naming the file and the problem if
    it is not such a file (missing keys, a bare .npy, bad shapes) or does not fit `arch`."""
    path = Path(path)
    hint = f"give the weights.npz written by `eqchip train {arch.name}`"
    try:
        z = np.load(path, allow_pickle=False)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the weights file: {exc.strerror or exc}",
                          hint) from None
    except (ValueError, zipfile.BadZipFile) as exc:
        raise ConfigError(f"{path}: not a weights file written by `eqchip train` ({exc})",
                          hint) from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise ConfigError(f"{path}: not a weights file written by `eqchip train`: it holds one "
                          f"bare array (a .npy file), not the named arrays of an .npz", hint)
    n = arch.n_matrices
    with z:
        missing = [k for k in ("layers", *_ARCH_KEYS, *(f"{c}{i}" for i in range(n)
                                                          for c in ("W", "b")))
                   if k not in z.files]
        if missing:
            raise ConfigError(f"{path}: not a weights file written by `eqchip train`: no "
                              f"array {', '.join(missing)}", hint)
        try:
            stored = {"layers": tuple(int(v) for v in np.asarray(z["layers"]).reshape(-1))}
            stored.update({k: int(z[k]) for k in _ARCH_KEYS})
            want = {"layers": tuple(arch.layers)}
            want.update({k: int(getattr(arch, k)) for k in _ARCH_KEYS})
            bad = [f"{k} {stored[k]} != {want[k]}" for k in want if stored[k] != want[k]]
            if bad:
                raise ConfigError(f"{path}: weights do not fit design {arch.name!r}: "
                                  + ", ".join(bad), "retrain with `eqchip train` for this design")
            p = Params([z[f"W{i}"].astype(np.int64) for i in range(n)],
                       [z[f"b{i}"].astype(np.int64) for i in range(n)])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: not a weights file written by `eqchip train`: an array "
                              f"has the wrong type or shape ({exc})", hint) from None
    try:
        check_params(arch, p)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}", hint) from None
    return p


CURVE_COLUMNS = ("epoch", "exact_train_acc", "exact_test_acc", "float_train_acc",
                 "float_test_acc", "exact_seconds", "float_seconds", "mram_writes", "cycles",
                 "mean_steps_free", "mean_steps_plus", "mean_steps_minus", "skipped_updates")


def curve_csv(result: TrainingResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CURVE_COLUMNS)
    for s in result.curve:
        row = [getattr(s, c) for c in CURVE_COLUMNS]
        w.writerow(["" if v is None else (f"{v:.6f}" if isinstance(v, float) else v)
                    for v in row])
    return buf.getvalue()


def curve_png(result: TrainingResult, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    ep = [s.epoch for s in result.curve]
    ax.plot(ep, [s.exact_test_acc for s in result.curve], "o-", label="bit-exact test")
    ax.plot(ep, [s.exact_train_acc for s in result.curve], ".--", label="bit-exact train")
    if result.curve and result.curve[0].float_test_acc is not None:
        ax.plot(ep, [s.float_test_acc for s in result.curve], "s-", label="float test")
        ax.plot(ep, [s.float_train_acc for s in result.curve], ".:", label="float train")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def write_run(out: Path, arch: Arch, result: TrainingResult, summary: dict) -> dict[str, Path]:
    """Write weights.npz, curve.csv, curve.png and summary.json into `out`."""
    files = {"weights": out / "weights.npz", "curve_csv": out / "curve.csv",
             "curve_png": out / "curve.png", "summary": out / "summary.json"}
    save_weights(files["weights"], arch, result.params, str(summary.get("design_sha256", "")))
    write_text_atomic(files["curve_csv"], curve_csv(result))
    write_bytes_atomic(files["curve_png"],
                       curve_png(result, f"{arch.name}: {result.dataset}, online EqProp"))
    write_json_atomic(files["summary"], summary)
    return files
