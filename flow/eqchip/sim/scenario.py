"""What a co-simulation run does, decided in plain Python (no simulator): the parameters to
load, the operations (inference / training on real samples) and, per operation, what the golden
model says every register must hold afterwards."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from eqchip import golden as g
from eqchip.config.arch import Arch
from eqchip.config.loader import LoadedDesign
from eqchip.fileio import write_bytes_atomic
from eqchip.golden.data import load_dataset, one_hot
from eqchip.golden.prng import PrngStream


@dataclass(frozen=True)
class SimConfig:
    """Handed to the cocotb test through the file named by $EQCHIP_SIM_CONFIG."""

    design: str                 # design YAML path
    simulator: str
    plan: str                   # .npz written by `write_plan`
    vcd: str | None             # dump the first training operation here
    result: str                 # JSON written by the test

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @staticmethod
    def from_file(path: Path) -> SimConfig:
        return SimConfig(**json.loads(Path(path).read_text()))


@dataclass(frozen=True)
class Op:
    kind: str                   # "infer" or "train"
    index: int
    x: np.ndarray               # (N_0,) state-format ints
    y: np.ndarray | None        # (N_L,) targets (training only)
    label: int | None


def initial_params(arch: Arch, seed: int, init: str, weights: Path | None) -> g.Params:
    if weights is not None:
        from eqchip.golden.results import load_weights

        return load_weights(Path(weights), arch)
    # "wide": twice the trainable init range, clipped to the formats; on narrow designs the
    # updates then saturate weights and biases (tests/test_cosim.py checks that they do)
    return g.init_params(arch, seed, gain=2.0 if init == "wide" else 1.0)


def operations(loaded: LoadedDesign, samples: int, seed: int, inference_only: bool,
               one_training_op: bool = False) -> list[Op]:
    """Inference only: `samples` inferences on test samples. One training op (for a VCD of
    exactly one training operation): just that. Otherwise: an inference, `samples` training
    operations on training samples, and an inference with the trained weights."""
    arch = loaded.arch
    tr = loaded.design.training
    data = load_dataset(tr.dataset, arch.layers, tr.test_size, tr.seed)
    xtr, xte = data.quantized(arch.state_frac)
    ytr = one_hot(data.y_train, data.n_classes, one=1 << arch.state_frac)
    if inference_only:
        n = min(samples, len(xte))
        return [Op("infer", i, xte[i], None, int(data.y_test[i])) for i in range(n)]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(xtr))[:samples]
    if one_training_op:
        return [Op("train", 0, xtr[order[0]], ytr[order[0]], int(data.y_train[order[0]]))]
    ops = [Op("infer", 0, xte[0], None, int(data.y_test[0]))]
    ops += [Op("train", k, xtr[i], ytr[i], int(data.y_train[i])) for k, i in enumerate(order)]
    ops.append(Op("infer", 1, xte[1 % len(xte)], None, int(data.y_test[1 % len(xte)])))
    return ops


def vcd_operation_step(loaded: LoadedDesign, seed: int = 0) -> g.TrainStep:
    """The golden model's result of the one training operation a VCD run simulates
    (`run_cosim(..., vcd=...)`, the activity of `synthesis.power`): initial parameters and
    sample of `seed`. Its counters are what the waveform must show; with eqprop.early_stop
    they follow its STEPs per phase (`.steps`), which `training_counters(arch, writes)` (the
    fixed schedule) does not know, and its free phase's cycles are
    `inference_counters(arch, .steps[0])`."""
    arch = loaded.arch
    (op,) = operations(loaded, 1, seed, inference_only=False, one_training_op=True)
    return g.train_step(arch, initial_params(arch, seed, "random", None), op.x, op.y)


def zero_update_op(arch: Arch, params: g.Params, ops: list[Op]) -> Op | None:
    """For a gated design (eqprop.early_stop): a training operation whose update is exactly
    zero, so that WUPD is skipped: the first training sample of `ops` whose free phase
    converges within T1 (with the parameters before the first training operation), with its
    own free output as the target (the nudge is 0, no nudged STEP changes a state). None if
    the design is not gated or no sample converges."""
    if not arch.early_stop:
        return None
    for o in ops:
        if o.kind != "train":
            continue
        free = g.relax(arch, params, o.x)
        if all(np.array_equal(a, b) for a, b in zip(free, g.relax(arch, params, o.x, 1, free),
                                                    strict=True)):
            return Op("train", len([q for q in ops if q.kind == "train"]), o.x,
                      free[-1].copy(), o.label)
    return None


def with_zero_update(arch: Arch, params: g.Params, ops: list[Op]) -> list[Op]:
    """`ops` with `zero_update_op` first among the training operations (gated designs; the
    parameters it was found with are those it runs with). A plan of one operation (the VCD of
    one training operation for the activity) stays as it is."""
    z = zero_update_op(arch, params, ops) if len(ops) > 1 else None
    if z is None:
        return ops
    k = next(i for i, o in enumerate(ops) if o.kind == "train")
    return ops[:k] + [z] + ops[k:]


def write_plan(path: Path, arch: Arch, params: g.Params, ops: list[Op]) -> None:
    """The initial parameters, the operations and, per operation, the golden model's register
    contents afterwards (S, counters, weights, biases; gated designs: STEPs per phase and the
    skip) in one .npz. A gated design gets one more training operation whose update is zero
    (`with_zero_update`, unless `ops` is one operation), so that the skip of WUPD is
    checked."""
    ops = with_zero_update(arch, params, ops)
    n_out = arch.layers[-1]
    arrays: dict[str, np.ndarray] = {
        "kind": np.array([1 if o.kind == "train" else 0 for o in ops], np.int64),
        "index": np.array([o.index for o in ops], np.int64),
        "label": np.array([-1 if o.label is None else o.label for o in ops], np.int64),
        "x": np.stack([o.x for o in ops]).astype(np.int64),
        "y": np.stack([o.y if o.y is not None else np.zeros(n_out, np.int64)
                       for o in ops]).astype(np.int64),
    }
    for l_idx in range(arch.n_matrices):
        arrays[f"W{l_idx}_init"] = params.weights[l_idx]
    arrays["b_init"] = params.flat_biases()
    s_exp, c_exp, b_exp, steps_exp, skip_exp = [], [], [], [], []
    w_exp: list[list[np.ndarray]] = [[] for _ in range(arch.n_matrices)]
    # stochastic rounding: the RTL's generator starts at its seed (the test bench resets the
    # DUT once) and keeps running from one training operation to the next
    prng = PrngStream(arch.prng_seeds) if arch.random_update else None
    prng_pos = 0
    for o in ops:
        if o.kind == "train":
            step = g.train_step(arch, params, o.x, o.y, prng, prng_pos)
            s, c, params = g.flat_states(step.s_final), step.counters, step.params
            prng_pos = step.prng_pos
            steps, skip = step.steps, step.skipped
        else:
            inf = g.infer(arch, params, o.x)
            s, c = g.flat_states(inf.states), inf.counters
            steps, skip = (int(inf.steps),), False
        steps_exp.append(list(steps) + [0] * (3 - len(steps)))
        skip_exp.append(int(skip))
        s_exp.append(s)
        c_exp.append([c.cycles, c.mram_reads, c.mram_writes])
        b_exp.append(params.flat_biases())
        for l_idx in range(arch.n_matrices):
            w_exp[l_idx].append(params.weights[l_idx])
    arrays["s_exp"] = np.stack(s_exp).astype(np.int64)
    arrays["c_exp"] = np.array(c_exp, np.int64)
    arrays["steps_exp"] = np.array(steps_exp, np.int64)     # (free, plus, minus), 0: none
    arrays["skip_exp"] = np.array(skip_exp, np.int64)
    arrays["b_exp"] = np.stack(b_exp).astype(np.int64)
    for l_idx in range(arch.n_matrices):
        arrays[f"W{l_idx}_exp"] = np.stack(w_exp[l_idx]).astype(np.int64)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_bytes_atomic(path, buf.getvalue())


def neuron_name(arch: Arch, n: int) -> str:
    """'layer l neuron i' of dynamic neuron number n."""
    for l_idx, size in enumerate(arch.layers[1:], start=1):
        if n < size:
            return f"layer {l_idx} neuron {n}"
        n -= size
    return f"neuron {n} (out of range)"


def first_state_mismatch(arch: Arch, got: list[int], want: np.ndarray, what: str,
                         first: int = 0) -> str | None:
    """The first register `what`[n], n = first, first + 1, ..., where RTL and golden differ."""
    for n, (a, b) in enumerate(zip(got, want.tolist(), strict=True), start=first):
        if a != b:
            return f"{what}[{n}] ({neuron_name(arch, n)}): RTL {a}, golden {b}"
    return None


def first_weight_mismatch(arch: Arch, layer: int, got: list[int], want: list[int]
                          ) -> str | None:
    m = arch.matrices[layer]
    wb, pw = arch.weight_bits, arch.weights_per_word
    for a, (gw, ww) in enumerate(zip(got, want, strict=True)):
        if gw == ww:
            continue
        i, c = divmod(a, m.words_per_row)
        for k in range(pw):
            j = c * pw + k
            gv = g.from_unsigned(gw >> (k * wb), wb)
            wv = g.from_unsigned(ww >> (k * wb), wb)
            if gv != wv:
                where = (f"padding of W_{layer} row {i}" if j >= m.cols
                         else f"bias of layer {layer} neuron {j} (bias row of W_{layer})"
                         if i == m.rows else f"W_{layer}[{i}, {j}]")
                return (f"{where} (word {a}, bits {k * wb + wb - 1}:{k * wb}): RTL {gv}, "
                        f"golden {wv}")
        return f"W_{layer} word {a}: RTL 0x{gw:x}, golden 0x{ww:x}"
    return None
