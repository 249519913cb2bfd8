"""The bit-exact integer model of the accelerator (docs/architecture.md).

* `relax` / `infer` run the synchronous relaxation on one sample `(N_0,)` or a batch `(B, N_0)`:
  samples never interact in hardware, so a batch is B independent inference operations.
* `train_step` is ONE training operation of the chip on ONE sample (online learning): free
  phase, +beta phase, [-beta phase], weight and bias update. Training over a data set is a
  sequential loop of `train_step` calls (`eqchip.golden.train`), never a mini-batch.
* Counters are per operation (what CYCLES / MRAM_READS / MRAM_WRITES show afterwards). With
  convergence-gated phases (`eqprop.early_stop`, docs/architecture.md) a phase ends after the
  first STEP that changes no state, so the STEPs per phase (`Inference.steps`,
  `TrainStep.steps`) and the counters depend on the sample; a training operation whose nudged
  STEPs changed nothing skips WUPD (`TrainStep.skipped`) and leaves the PRNG where it was.

Arithmetic: states, weights and biases are int64 arrays. The sums `W s` are formed exactly: in
float64 when every partial sum is below 2^53 (BLAS, fast), else in int64. The bound is
`eqchip.config.arch.min_acc_bits` of the widths; valid designs need at most 61 bits (fan-in
<= 8192, 32-bit weights and biases, 16-bit states), so int64 never overflows (checked). The
update products `a a^T - b b^T` are below 2^31 and `dW` below 2^48 for every valid width.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eqchip.config.arch import Arch, min_acc_bits
from eqchip.golden.counters import (
    Counters,
    inference_counters,
    training_counters,
)
from eqchip.golden.fixedpoint import clip_state, round_shift, sat, stochastic_shift
from eqchip.golden.memory import changed_words
from eqchip.golden.mtj import mtj_shift
from eqchip.golden.prng import PrngStream

States = list[np.ndarray]


@dataclass(frozen=True)
class Params:
    """Integer weights `weights[l]` (rows = N_{l+1}, cols = N_l) and biases `biases[l]` of
    layer l+1 (N_{l+1},), both int64, in the arch's fixed-point formats."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]

    def copy(self) -> Params:
        return Params([w.copy() for w in self.weights], [b.copy() for b in self.biases])

    @staticmethod
    def zeros(arch: Arch) -> Params:
        return Params([np.zeros((m.rows, m.cols), np.int64) for m in arch.matrices],
                      [np.zeros(m.rows, np.int64) for m in arch.matrices])

    def flat_biases(self) -> np.ndarray:
        """Biases in B[n] register order (dynamic neurons of layers 1..L in order)."""
        return np.concatenate(self.biases)


def check_params(arch: Arch, p: Params) -> None:
    """Raise ValueError unless shapes and integer ranges match the arch."""
    if len(p.weights) != arch.n_matrices or len(p.biases) != arch.n_matrices:
        raise ValueError(f"need {arch.n_matrices} weight matrices and bias vectors")
    wlim, blim = 1 << (arch.weight_bits - 1), 1 << (arch.bias_bits - 1)
    for m, w, b in zip(arch.matrices, p.weights, p.biases, strict=True):
        if w.shape != (m.rows, m.cols) or b.shape != (m.rows,):
            raise ValueError(f"W_{m.index} {w.shape} / b {b.shape}: expected "
                             f"{(m.rows, m.cols)} / {(m.rows,)}")
        if w.min(initial=0) < -wlim or w.max(initial=0) >= wlim:
            raise ValueError(f"W_{m.index} exceeds {arch.weight_bits} signed bits")
        if b.min(initial=0) < -blim or b.max(initial=0) >= blim:
            raise ValueError(f"biases of layer {m.index + 1} exceed {arch.bias_bits} signed bits")


def flat_states(states: States) -> np.ndarray:
    """States in S[n] register order (last axis concatenated over layers 1..L)."""
    return np.concatenate(states, axis=-1)


def arithmetic_mode(arch: Arch) -> str:
    """'float' (float64 BLAS, exact below 2^53) or 'int' (int64)."""
    need = min_acc_bits(arch.layers, arch.state_bits, arch.weight_bits, arch.weight_frac,
                        arch.bias_bits, arch.beta_shift)
    if need > 63:
        raise ValueError(f"sums need {need} bits: beyond int64 (no valid design does this)")
    return "float" if need <= 53 else "int"


@dataclass
class _Net:
    """Per-call view of the parameters in the arithmetic mode (no global state)."""

    arch: Arch
    mode: str
    fwd: list[np.ndarray] = field(default_factory=list)    # W_l^T (N_l, N_{l+1})
    bwd: list[np.ndarray] = field(default_factory=list)    # W_l   (N_{l+1}, N_l)
    bias_h: list[np.ndarray] = field(default_factory=list)  # b << SF

    @staticmethod
    def build(arch: Arch, p: Params, mode: str | None = None) -> _Net:
        mode = arithmetic_mode(arch) if mode is None else mode
        dt = np.float64 if mode == "float" else np.int64
        n = _Net(arch, mode)
        for w, b in zip(p.weights, p.biases, strict=True):
            wd = np.asarray(w).astype(dt)
            n.fwd.append(np.ascontiguousarray(wd.T))
            n.bwd.append(wd)
            n.bias_h.append(np.asarray(b, dtype=np.int64) << arch.state_frac)
        return n

    def mm(self, s: np.ndarray, w: np.ndarray) -> np.ndarray:
        if self.mode == "float":
            return (s.astype(np.float64) @ w).astype(np.int64)
        return s @ w


def _step(net: _Net, x: np.ndarray, s: States, y: np.ndarray | None, sigma: int) -> States:
    a = net.arch
    n_layers = len(s)
    out: States = []
    for l_idx in range(1, n_layers + 1):
        prev = x if l_idx == 1 else s[l_idx - 2]
        h = net.bias_h[l_idx - 1] + net.mm(prev, net.fwd[l_idx - 1])
        if l_idx < n_layers:
            h = h + net.mm(s[l_idx], net.bwd[l_idx])
        elif sigma:
            h = h + sigma * ((y - s[-1]) << (a.weight_frac - a.beta_shift))
        out.append(clip_state(round_shift(h, a.weight_frac), a.state_frac))
    return out


def _phase(net: _Net, x: np.ndarray, s: States, y: np.ndarray | None, sigma: int, t_max: int
           ) -> tuple[States, np.ndarray, np.ndarray]:
    """One phase of up to `t_max` STEPs on a batch. Returns the states after it, the STEPs the
    convergence-gated controller takes per sample (up to and including the first STEP that
    changes no state, at most `t_max`; `t_max` for an ungated design) and per sample whether
    any STEP changed a state.

    A gated design stops stepping once no sample changes any more: every later STEP would
    change nothing (docs/architecture.md, "Convergence-gated phases"). An ungated design runs
    all `t_max` STEPs, literally (the reference the gate is checked against)."""
    batch = x.shape[:-1]
    taken = np.zeros(batch, np.int64)
    moved = np.zeros(batch, bool)
    live = np.ones(batch, bool)
    for _ in range(t_max):
        new = _step(net, x, s, y, sigma)
        changed = np.zeros(batch, bool)
        for a_new, a_old in zip(new, s, strict=True):
            changed |= (a_new != a_old).any(axis=-1)
        taken += live
        moved |= changed
        live &= changed
        s = new
        if net.arch.early_stop and not live.any():
            break
    if not net.arch.early_stop:
        taken[...] = t_max
    return s, taken, moved


def _check_states(arch: Arch, v: np.ndarray, n: int, what: str) -> np.ndarray:
    v = np.asarray(v)
    if v.shape[-1] != n or v.ndim not in (1, 2):
        raise ValueError(f"{what} must have shape ({n},) or (B, {n}), got {v.shape}")
    if not np.issubdtype(v.dtype, np.integer):
        raise ValueError(f"{what} must be integers in the state format (see quantize_state)")
    v = v.astype(np.int64)
    if v.size and (v.min() < 0 or v.max() > (1 << arch.state_frac)):
        raise ValueError(f"{what} must lie in 0..2^{arch.state_frac}")
    return v


def zero_states(arch: Arch, batch: tuple[int, ...] = ()) -> States:
    """CLEAR: all dynamic states 0."""
    return [np.zeros(batch + (n,), np.int64) for n in arch.layers[1:]]


def relax(arch: Arch, params: Params, x: np.ndarray, steps: int | None = None,
          states: States | None = None, y: np.ndarray | None = None, sigma: int = 0) -> States:
    """Run `steps` (default T1) synchronous STEPs from `states` (default CLEAR = zeros).

    x: (N_0,) or (B, N_0) ints; y: target, needed when sigma = +1/-1. Returns [s_1 .. s_L].
    """
    x = _check_states(arch, x, arch.layers[0], "x")
    if sigma not in (-1, 0, 1):
        raise ValueError("sigma must be -1, 0 or +1")
    if sigma:
        if y is None:
            raise ValueError("a nudged phase needs the target y")
        y = _check_states(arch, y, arch.layers[-1], "y")
    s = zero_states(arch, x.shape[:-1]) if states is None else [np.asarray(v, np.int64)
                                                                  for v in states]
    net = _Net.build(arch, params)
    for _ in range(arch.t1 if steps is None else steps):
        s = _step(net, x, s, y, sigma)
    return s


@dataclass(frozen=True)
class Inference:
    states: States          # [s_1 .. s_L], each (N_l,) or (B, N_l)
    steps: np.ndarray       # STEPs of the free phase per sample (shape () or (B,)): T1
                            # without eqprop.early_stop
    arch: Arch = field(repr=False)

    @property
    def counters(self) -> Counters:
        """Counters of ONE inference operation: of the sample (one sample), or of every sample
        of the batch (ungated: they are equal); a gated batch has one per sample
        (`counters_of`)."""
        if self.steps.ndim == 0:
            return inference_counters(self.arch, int(self.steps) if self.arch.early_stop
                                      else None)
        if self.arch.early_stop:
            raise ValueError("a batch of gated inferences has counters per sample: "
                             "use counters_of(i)")
        return inference_counters(self.arch)

    def counters_of(self, i: int) -> Counters:
        return inference_counters(self.arch, int(np.asarray(self.steps).reshape(-1)[i])
                                  if self.arch.early_stop else None)

    @property
    def output(self) -> np.ndarray:
        return self.states[-1]

    @property
    def prediction(self) -> np.ndarray:
        """argmax of the output layer (first index on ties)."""
        return np.argmax(self.states[-1], axis=-1)


def infer(arch: Arch, params: Params, x: np.ndarray) -> Inference:
    """Inference operation: CLEAR + T1 STEPs (gated: until the first STEP that changes no
    state), on one sample or a batch."""
    x = _check_states(arch, x, arch.layers[0], "x")
    s, taken, _ = _phase(_Net.build(arch, params), x, zero_states(arch, x.shape[:-1]), None, 0,
                         arch.t1)
    return Inference(s, taken, arch)


@dataclass(frozen=True)
class TrainStep:
    params: Params                 # weights and biases after WUPD (biases included)
    s_free: States
    s_plus: States
    s_minus: States | None         # None without symmetric nudging
    written: list[np.ndarray]      # per matrix: bool per bank address, True = word written
    counters: Counters
    prng_pos: int = 0              # PRNG position after the operation (WUPD sub-cycles so far)
    steps: tuple[int, ...] = ()    # STEPs per phase (n_free, n_plus[, n_minus]); (T1, T2[, T2])
                                   # without eqprop.early_stop
    skipped: bool = False          # early_stop: no nudged STEP changed a state, WUPD skipped

    @property
    def s_final(self) -> States:
        """What the S registers hold after the operation (s_minus if symmetric, else s_plus)."""
        return self.s_minus if self.s_minus is not None else self.s_plus


def wupd_subcycles(arch: Arch) -> int:
    """WUPD COMPUTE sub-cycles of one training operation (= PRNG steps it consumes)."""
    return sum(m.words for m in arch.matrices) * arch.subcycles_per_word


def update_randoms(arch: Arch, rnd: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per matrix, the PRNG outputs that round each weight and bias update.

    `rnd` (wupd_subcycles, M + 1): lane outputs of the operation's WUPD COMPUTE sub-cycles in
    order (W_{L-1} first, rows, words, sub-cycles). Weight W_l[i, j] of column group g = j // M
    uses lane j % M in the sub-cycle of (row i, group g); the bias of neuron i of layer l+1 uses
    lane M in the first sub-cycle of row i of W_l (docs/architecture.md, "Stochastic rounding").
    (Random rounding has no bias rows.)
    """
    mu, s = arch.mac_units, arch.subcycles_per_word
    u_w: list[np.ndarray] = [np.empty(0)] * arch.n_matrices
    u_b: list[np.ndarray] = [np.empty(0)] * arch.n_matrices
    off = 0
    for m in reversed(arch.matrices):
        per_row = m.words_per_row * s
        block = rnd[off:off + m.rows * per_row]
        u_w[m.index] = block[:, :mu].reshape(m.rows, per_row * mu)[:, :m.cols]
        u_b[m.index] = block[::per_row, mu]
        off += m.rows * per_row
    return u_w, u_b


def _bias_update(arch: Arch, m_below: int, bias: np.ndarray, a_l: np.ndarray, b_l: np.ndarray
                 ) -> np.ndarray:
    """New biases of layer l = m_below + 1 held in the bias row of W_l (docs/architecture.md,
    "Bias rows"): the weight update of a row whose states are the constant 1 (2^SF), with the
    shift R_{l-1} of the matrix whose rows are layer l (= round_shift(a - b, Rb_{l-1}))."""
    one = 1 << arch.state_frac
    d = one * a_l - one * b_l
    db = round_shift(d, arch.matrices[m_below].w_update_shift)
    return sat(bias + db, arch.weight_bits)


def update(arch: Arch, params: Params, a: States, b: States, rnd: np.ndarray | None = None
           ) -> tuple[Params, list[np.ndarray]]:
    """WUPD (weights and biases) with the pair (a, b) = ([x, a_1..a_L], [x, b_1..b_L]), 1-D.

    `rnd`: the PRNG outputs of this WUPD (see `update_randoms`), needed with stochastic
    rounding; nearest rounding ignores it."""
    if arch.random_update:
        if rnd is None:
            raise ValueError(f"{arch.update_rounding} update rounding needs the random lane "
                             "outputs (rnd)")
        u_w, u_b = update_randoms(arch, rnd)
    new_w, new_b = [], []
    for m, w, bias in zip(arch.matrices, params.weights, params.biases, strict=True):
        lo, hi = m.index, m.index + 1
        d = np.outer(a[hi], a[lo]) - np.outer(b[hi], b[lo])
        db = a[hi] - b[hi]
        if arch.stochastic:
            dw = stochastic_shift(d, m.w_update_shift, u_w[m.index])
            dbias = stochastic_shift(db, m.b_update_shift, u_b[m.index])
        elif arch.mtj:
            pr, pb = arch.mtj_probs, arch.mtj_prob_bits
            dw = mtj_shift(d, m.w_update_shift, u_w[m.index], pr, pb)
            dbias = mtj_shift(db, m.b_update_shift, u_b[m.index], pr, pb)
        else:
            dw = round_shift(d, m.w_update_shift)
            dbias = round_shift(db, m.b_update_shift)
        new_w.append(sat(w + dw, arch.weight_bits))
        if hi < arch.n_matrices and arch.matrices[hi].bias_row:
            new_b.append(_bias_update(arch, m.index, bias, a[hi], b[hi]))
        else:
            new_b.append(sat(bias + dbias, arch.bias_bits))
    written = []
    for m in arch.matrices:
        old, new = params.weights[m.index], new_w[m.index]
        if m.bias_row:
            old = np.vstack([old, params.biases[m.index - 1][None, :]])
            new = np.vstack([new, new_b[m.index - 1][None, :]])
        written.append(changed_words(arch, m.index, old, new))
    return Params(new_w, new_b), written


def train_step(arch: Arch, params: Params, x: np.ndarray, y: np.ndarray,
               prng: PrngStream | None = None, prng_pos: int = 0) -> TrainStep:
    """One training operation on one sample: x (N_0,), y (N_L,) ints in the state format.

    Stochastic rounding: the PRNG sits at position `prng_pos` (WUPD COMPUTE sub-cycles since
    reset) when the operation starts; `prng` is the generator of the arch (pass one stream to
    every call of a training run: it caches outputs). The result's `prng_pos` is the position
    after the operation, the next operation's start."""
    x = _check_states(arch, x, arch.layers[0], "x")
    y = _check_states(arch, y, arch.layers[-1], "y")
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError("train_step takes one sample: x (N_0,), y (N_L,) (online learning)")
    net = _Net.build(arch, params)
    xb, yb = x[None, :], y[None, :]
    s_free, n_free, _ = _phase(net, xb, zero_states(arch, (1,)), None, 0, arch.t1)
    s_plus, n_plus, moved = _phase(net, xb, s_free, yb, 1, arch.t2)
    steps = [int(n_free[0]), int(n_plus[0])]
    s_minus = None
    if arch.symmetric:
        s_minus, n_minus, moved_m = _phase(net, xb, s_free, yb, -1, arch.t2)
        steps.append(int(n_minus[0]))
        moved = moved | moved_m
    s_free1, s_plus1 = [v[0] for v in s_free], [v[0] for v in s_plus]
    s_minus1 = None if s_minus is None else [v[0] for v in s_minus]
    a_pair = [x] + s_plus1
    b_pair = [x] + (s_minus1 if s_minus1 is not None else s_free1)
    if arch.early_stop and not bool(moved[0]):
        # zero-update skip: s_plus (= s_minus) = s_free, every update is exactly 0; no WUPD,
        # the generators are not advanced (docs/architecture.md, "Convergence-gated phases")
        written = [np.zeros(m.words, bool) for m in arch.matrices]
        return TrainStep(params.copy(), s_free1, s_plus1, s_minus1, written,
                         training_counters(arch, 0, tuple(steps), skipped=True), prng_pos,
                         tuple(steps), True)
    n_sub = wupd_subcycles(arch)
    rnd = None
    if arch.random_update:
        prng = PrngStream(arch.prng_seeds) if prng is None else prng
        if prng.seeds != arch.prng_seeds:
            raise ValueError("the PRNG stream was made for other seeds than the arch's")
        rnd = prng.outputs(prng_pos, n_sub)
    new, written = update(arch, params, a_pair, b_pair, rnd)
    writes = int(sum(int(wr.sum()) for wr in written))
    return TrainStep(new, s_free1, s_plus1, s_minus1, written,
                     training_counters(arch, writes, tuple(steps)), prng_pos + n_sub,
                     tuple(steps), False)
