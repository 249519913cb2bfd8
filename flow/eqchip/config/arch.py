"""Quantities derived from a validated design: the numbers the RTL templates, the golden model,
the macro generator and the energy model all share (see docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass

from eqchip.config.design import Design
from eqchip.config.mram_tech import MramTech


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def clog2(n: int) -> int:
    """Bits needed to index n items (at least 1)."""
    return max(1, (n - 1).bit_length())


@dataclass(frozen=True)
class MatrixArch:
    """Weight matrix W_l (l = 0..L-1): rows = neurons of layer l+1, columns = layer l."""

    index: int
    rows: int
    cols: int
    words_per_row: int
    words: int
    macros: int
    lr_shift: int
    w_update_shift: int   # R_l: dW = round_shift(s_a s_a - s_b s_b, R_l)
    b_update_shift: int   # Rb_l for the biases of layer l+1
    bias_row: bool = False   # row `rows` holds the biases of layer l (docs: "Bias rows")

    @property
    def stored_rows(self) -> int:
        """Rows in the bank: the neurons of layer l+1, plus the bias row of layer l."""
        return self.rows + (1 if self.bias_row else 0)


@dataclass(frozen=True)
class Arch:
    name: str
    layers: tuple[int, ...]
    state_bits: int
    state_frac: int
    weight_bits: int
    weight_frac: int
    bias_bits: int
    acc_bits: int
    t1: int
    t2: int
    beta_shift: int
    symmetric: bool
    mac_units: int
    word_bits: int
    weights_per_word: int
    words_per_macro: int
    macro_addr_bits: int
    macro_module: str
    matrices: tuple[MatrixArch, ...]
    clock_period_ns: float
    update_rounding: str = "nearest"      # "nearest", "stochastic" or "mtj" (fixed_point.*)
    prng_seeds: tuple[int, ...] = ()      # stochastic / mtj: xorshift32 seed of lanes 0..M
    mtj_probs: tuple[int, ...] = ()       # mtj: P_sw of pulse levels 0..K+1, x 2^mtj_prob_bits
    mtj_prob_bits: int = 0
    early_stop: bool = False              # eqprop.early_stop: convergence-gated phases

    @property
    def stochastic(self) -> bool:
        """Digital stochastic rounding with the on-chip xorshift32 generator."""
        return self.update_rounding == "stochastic"

    @property
    def mtj(self) -> bool:
        """MTJ stochastic switching (docs/architecture.md, "MTJ stochastic switching")."""
        return self.update_rounding == "mtj"

    @property
    def random_update(self) -> bool:
        """The update draws random lanes (the PRNG, or the stand-in for the MTJ's noise)."""
        return self.update_rounding in ("stochastic", "mtj")

    @property
    def n_matrices(self) -> int:
        return len(self.matrices)

    @property
    def n_dynamic(self) -> int:
        """Neurons with dynamics (every layer but the input)."""
        return sum(self.layers[1:])

    @property
    def total_macros(self) -> int:
        return sum(m.macros for m in self.matrices)

    @property
    def subcycles_per_word(self) -> int:
        return self.weights_per_word // self.mac_units

    @property
    def paired(self) -> bool:
        """W_0 is processed "paired" in a STEP: it has no transposed use (layer 0 has no
        dynamics), so both multiplier banks form its forward products, two column groups per
        sub-cycle. Needs an even number of sub-cycles per word and a hidden layer (with one
        matrix the second bank is an SB x SB update multiplier only)."""
        return self.n_matrices > 1 and self.subcycles_per_word % 2 == 0

    def step_subcycles(self, m: MatrixArch) -> int:
        """COMPUTE sub-cycles of one word of `m` in a STEP (a WUPD always takes
        `subcycles_per_word`): half of them for a paired W_0."""
        s = self.subcycles_per_word
        return s // 2 if self.paired and m.index == 0 else s

    @property
    def blocks(self) -> int:
        """Column blocks of a STEP (docs/architecture.md, "Column blocks of the last matrix"):
        W_{L-1} is taken one word column at a time, each pass followed by the rows of W_{L-2}
        that are its columns, when that holds fewer sums: N_L partial sums and one block of P_w
        transposed sums instead of N_{L-1} transposed sums. wpr_{L-1} blocks, or 1 (the plain
        order: no hidden layer, one word per row of W_{L-1}, or no bits saved)."""
        if self.n_matrices == 1 or self.matrices[-1].words_per_row == 1:
            return 1
        top, low = self.matrices[-1], self.matrices[-2]
        trw, accw = transposed_acc_bits(self), datapath_acc_bits(self)
        blocked_bits = top.rows * accw + self.weights_per_word * trw
        return top.words_per_row if blocked_bits < low.rows * trw else 1

    @property
    def step_segments(self) -> int:
        """Runs of words a STEP reads one after the other, each begun by a FILL: the passes and
        row blocks of W_{L-1} and W_{L-2} (two per block), then one per lower matrix."""
        return self.n_matrices + 2 * (self.blocks - 1)

    @property
    def bias_rows(self) -> bool:
        """The hidden layers' biases are rows of the MRAM banks (docs/architecture.md, "Bias
        rows"), not registers: bias row of layer l = row N_{l+1} of W_l."""
        return any(m.bias_row for m in self.matrices)

    @property
    def bias_registers(self) -> range:
        """Dynamic-neuron numbers n whose bias is a register B[n]: the output layer's with bias
        rows, else all."""
        return range(self.n_dynamic - self.layers[-1] if self.bias_rows else 0, self.n_dynamic)

    @property
    def n_synapses(self) -> int:
        return sum(m.rows * m.cols for m in self.matrices)


def stored_rows(design: Design, l_idx: int) -> int:
    """Rows of W_l in its bank: N_{l+1}, plus the bias row of layer l (l >= 1) with
    `mram.bias_rows` (docs/architecture.md, "Bias rows"; validation checks that it applies)."""
    extra = 1 if design.mram.bias_rows and l_idx >= 1 else 0
    return design.network.layers[l_idx + 1] + extra


def macro_module_name(words: int, bits: int, tech: str) -> str:
    return f"eqchip_mram_{tech}_{words}x{bits}"


def derive(design: Design, tech: MramTech) -> Arch:
    fp, ep, mr = design.fixed_point, design.eqprop, design.mram
    layers = tuple(design.network.layers)
    sf = fp.state_bits - 1
    wpw = mr.word_bits // fp.weight_bits
    k1 = 1 if ep.symmetric else 0
    lrs = ep.lr_shifts(len(layers) - 1)
    mats = []
    for l_idx in range(len(layers) - 1):
        rows, cols = layers[l_idx + 1], layers[l_idx]
        wpr = ceil_div(cols, wpw)
        srows = stored_rows(design, l_idx)
        words = srows * wpr
        mats.append(MatrixArch(
            index=l_idx, rows=rows, cols=cols, words_per_row=wpr, words=words,
            macros=ceil_div(words, mr.words_per_macro), lr_shift=lrs[l_idx],
            w_update_shift=2 * sf - fp.weight_frac - ep.beta_shift + lrs[l_idx] + k1,
            b_update_shift=sf - fp.weight_frac - ep.beta_shift + lrs[l_idx] + k1,
            bias_row=srows > rows,
        ))
    return Arch(
        name=design.name, layers=layers, state_bits=fp.state_bits, state_frac=sf,
        weight_bits=fp.weight_bits, weight_frac=fp.weight_frac, bias_bits=fp.bias_bits,
        acc_bits=fp.acc_bits, t1=ep.t1, t2=ep.t2, beta_shift=ep.beta_shift,
        symmetric=ep.symmetric, early_stop=ep.early_stop, mac_units=design.parallel.mac_units,
        word_bits=mr.word_bits,
        weights_per_word=wpw, words_per_macro=mr.words_per_macro,
        macro_addr_bits=clog2(mr.words_per_macro),
        macro_module=macro_module_name(mr.words_per_macro, mr.word_bits, tech.name),
        matrices=tuple(mats), clock_period_ns=design.clock.period_ns,
        update_rounding=fp.update_rounding,
        prng_seeds=lane_seeds(design.prng.seed, design.parallel.mac_units)
        if fp.update_rounding in ("stochastic", "mtj") else (),
        **_mtj_fields(design, tech),
    )


def _mtj_fields(design: Design, tech: MramTech) -> dict:
    sw = tech.stochastic_switching
    if design.fixed_point.update_rounding != "mtj" or sw is None:
        return {}
    one = 1 << sw.probability_bits
    return {"mtj_probs": tuple(round(p * one) for p in sw.probabilities),
            "mtj_prob_bits": sw.probability_bits}


def mtj_thresholds(probs: tuple[int, ...], prob_bits: int, r: int) -> tuple[int, ...]:
    """Remainder thresholds t_1..t_K of the pulse levels for an update shift r > 0: a remainder
    rem (0 <= rem < 2^r) takes level #{k : rem >= t_k}, the level whose quantised P_sw is nearest
    to rem / 2^r (ties to the lower level). t_k = floor((P_{k-1} + P_k) 2^r / 2^(pb+1)) + 1;
    t_k >= 2^r means level k is never chosen (docs/architecture.md, "MTJ stochastic
    switching")."""
    return tuple((((probs[k - 1] + probs[k]) << r) >> (prob_bits + 1)) + 1
                 for k in range(1, len(probs)))


PRNG_BITS = 32     # xorshift32: random bits per lane and WUPD COMPUTE sub-cycle


def fmix32(h: int) -> int:
    """MurmurHash3's 32-bit finalizer (a bijection on 32-bit words)."""
    h &= 0xFFFF_FFFF
    h ^= h >> 16
    h = (h * 0x85EB_CA6B) & 0xFFFF_FFFF
    h ^= h >> 13
    h = (h * 0xC2B2_AE35) & 0xFFFF_FFFF
    return h ^ (h >> 16)


def lane_seeds(seed: int, mac_units: int) -> tuple[int, ...]:
    """xorshift32 seeds of the weight lanes 0..M-1 and the bias lane M (docs/architecture.md,
    "Stochastic rounding"): fmix32(seed + (k+1) * 0x9E3779B9 mod 2^32), 1 if that is 0."""
    out = []
    for k in range(mac_units + 1):
        h = fmix32((seed + (k + 1) * 0x9E37_79B9) & 0xFFFF_FFFF)
        out.append(h or 1)
    return tuple(out)


def acc_bound(layers: tuple[int, ...] | list[int], state_bits: int, weight_bits: int,
              weight_frac: int, bias_bits: int, beta_shift: int) -> int:
    """Largest magnitude a neuron's sum h can reach, for any weights, biases and states."""
    sf = state_bits - 1
    worst = 0
    for i in range(1, len(layers)):
        fan_in = layers[i - 1] + (layers[i + 1] if i + 1 < len(layers) else 0)
        m = fan_in * (1 << (weight_bits - 1)) * (1 << sf)          # sum of W*s
        m += (1 << (bias_bits - 1)) << sf                         # bias aligned to W*s
        if i == len(layers) - 1:
            m += (1 << sf) << max(0, weight_frac - beta_shift)    # beta*(y - s)
        worst = max(worst, m)
    return worst


def min_acc_bits(layers: tuple[int, ...] | list[int], state_bits: int, weight_bits: int,
                 weight_frac: int, bias_bits: int, beta_shift: int) -> int:
    """Smallest signed accumulator that cannot overflow for any weights, biases and states."""
    return acc_bound(layers, state_bits, weight_bits, weight_frac, bias_bits,
                     beta_shift).bit_length() + 1


def datapath_acc_bits(a: Arch) -> int:
    """Width of the hardware accumulator: the bound of `min_acc_bits` plus the rounding constant
    2^(WF-1) that the neuron update unit pre-adds (docs/architecture.md, "Neuron update unit")."""
    worst = acc_bound(a.layers, a.state_bits, a.weight_bits, a.weight_frac, a.bias_bits,
                      a.beta_shift)
    return (worst + (1 << (a.weight_frac - 1))).bit_length() + 1


def transposed_acc_bits(a: Arch) -> int:
    """Width of a transposed partial sum sum_i W_l[i, j] * s_{l+1}[i] (hidden layers only; a
    bias row adds b_l[j] << SF, one more row of the same bound)."""
    worst = 0
    for m in a.matrices[1:]:
        worst = max(worst, m.stored_rows * (1 << (a.weight_bits - 1)) * (1 << a.state_frac))
    return max(2, worst.bit_length() + 1)
