"""eqchip.golden: bit-exact numpy model of the accelerator (docs/architecture.md).

API (stable; all integers are int64 numpy arrays in the arch's fixed-point formats)::

    from eqchip.config import load_design
    from eqchip import golden as g
    arch = load_design("designs/small.yaml").arch

    p = g.init_params(arch, seed=0)             # Params(weights=[W_l (rows, cols)], biases=[b])
    p = g.Params.zeros(arch); g.check_params(arch, p)
    x = g.quantize_state(x_float, arch.state_frac)          # (N_0,) or (B, N_0), 0..2^SF

    r = g.infer(arch, p, x)        # Inference: .states [s_1..s_L], .output, .prediction,
                                   #   .counters = Counters(cycles, mram_reads, mram_writes),
                                   #   .steps (free-phase STEPs per sample; T1 unless
                                   #   eqprop.early_stop), .counters_of(i) (gated batches)
    s = g.relax(arch, p, x, steps=None, states=None, y=None, sigma=0)   # -> [s_1..s_L]
    t = g.train_step(arch, p, x, y)  # ONE sample (online: the chip trains one sample per
                                     #   operation). TrainStep: .params (new), .s_free, .s_plus,
                                     #   .s_minus (None if not symmetric), .s_final (S registers
                                     #   afterwards), .written [bool per bank address],
                                     #   .counters (per operation), .steps (STEPs per phase),
                                     #   .skipped (early_stop: zero update, WUPD skipped)
    g.flat_states(states), p.flat_biases()        # S[n] / B[n] register order (B[n]: the
                                                  #   registers are arch.bias_registers)
    g.pack_bank(arch, l, p.weights, p.biases) -> list[int]   # raw MRAM words of the bank of
                                                  #   W_l (host bus W_l word a): rows, bias row
    g.unpack_bank(arch, l, words) -> (W, biases of the bias row or None)
    g.pack_matrix(arch, l, W) -> list[int]       # the weight rows only
    g.unpack_matrix(arch, l, words) -> W
    g.to_unsigned(v, bits), g.from_unsigned(u, bits)          # two's complement patterns
    g.inference_counters(arch[, n_free]), g.training_counters(arch, writes[, steps, skipped]),
    g.step_cycles(arch)
    g.load_weights(path, arch) -> Params        # weights.npz of `eqchip train` (checked)

Batches: `relax`/`infer` accept (B, N) arrays, B independent inference operations (bit-exact
per sample). Training is online by construction: `train.train_epoch` loops over samples.
"""

from eqchip.golden.counters import (
    Counters,
    inference_counters,
    step_cycles,
    training_counters,
)
from eqchip.golden.fixedpoint import (
    clip_state,
    from_unsigned,
    quantize_signed,
    quantize_state,
    round_shift,
    sat,
    to_float,
    to_unsigned,
)
from eqchip.golden.memory import (
    changed_words,
    pack_bank,
    pack_matrix,
    unpack_bank,
    unpack_matrix,
    word_address,
)
from eqchip.golden.model import (
    Inference,
    Params,
    TrainStep,
    check_params,
    flat_states,
    infer,
    relax,
    train_step,
    update,
    zero_states,
)
from eqchip.golden.results import load_weights
from eqchip.golden.train import init_params

__all__ = [
    "Counters", "inference_counters", "step_cycles", "training_counters",
    "clip_state", "from_unsigned", "quantize_signed", "quantize_state", "round_shift", "sat",
    "to_float", "to_unsigned",
    "changed_words", "pack_bank", "pack_matrix", "unpack_bank", "unpack_matrix", "word_address",
    "Inference", "Params", "TrainStep", "check_params", "flat_states", "infer", "relax",
    "train_step", "update", "zero_states", "init_params", "load_weights",
]
