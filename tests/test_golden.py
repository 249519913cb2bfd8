"""The bit-exact golden model: fixed-point helpers, a hand-computed network, the cycle schedule
against an independent enumeration, MRAM packing, and agreement with the float reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from eqchip import golden as g
from eqchip.config import load_design
from eqchip.config.arch import Arch
from eqchip.golden import float_ref
from eqchip.golden.model import _Net, _step, arithmetic_mode
from eqchip.golden.train import dequantize_params, init_params


def _design(tmp_path: Path, designs_dir: Path, base: str, **changes: object) -> Arch:
    """A variant of a shipped design: changes are 'section.field' -> value."""
    src = yaml.safe_load((designs_dir / f"{base}.yaml").read_text())
    for key, value in changes.items():
        section, name = key.split("__")
        src[section][name] = value
    path = tmp_path / f"{base}_variant.yaml"
    path.write_text(yaml.safe_dump(src))
    return load_design(path).arch


# ---- fixed-point helpers --------------------------------------------------------------------

@pytest.mark.parametrize(("d", "r", "want"), [
    (5, 1, 3), (4, 1, 2), (-5, 1, -2), (-6, 2, -1), (-7, 2, -2), (6, 2, 2), (7, 3, 1),
    (-4, 3, 0), (-5, 3, -1), (3, 0, 3), (3, -2, 12), (-3, -1, -6), (0, 5, 0),
])
def test_round_shift_half_up(d: int, r: int, want: int) -> None:
    assert g.round_shift(d, r) == want
    assert g.round_shift(np.array([d], np.int64), r)[0] == want


def test_sat_clip_and_quantize() -> None:
    assert g.sat(40000, 16) == 32767 and g.sat(-40000, 16) == -32768 and g.sat(-5, 4) == -5
    assert g.sat(8, 4) == 7 and g.sat(-9, 4) == -8
    assert list(g.sat(np.array([-9, 0, 8]), 4)) == [-8, 0, 7]
    assert g.clip_state(300, 8) == 256 and g.clip_state(-1, 8) == 0 and g.clip_state(17, 8) == 17
    assert list(g.quantize_state(np.array([0.5, 1 / 512, 0.999, 1.5, -0.1]), 8)) == \
        [128, 1, 256, 256, 0]
    assert list(g.quantize_signed(np.array([0.25, -0.25, -1 / 32, 100.0, -100.0]), 4, 8)) == \
        [4, -4, 0, 127, -128]      # -0.5 LSB rounds half up to 0
    assert g.to_unsigned(-1, 16) == 0xFFFF and g.to_unsigned(5, 16) == 5
    assert g.from_unsigned(0x8000, 16) == -32768 and g.from_unsigned(0x17FFF, 16) == 32767
    with pytest.raises(ValueError):
        g.to_unsigned(1 << 15, 16)


# ---- a tiny network, computed by hand ------------------------------------------------------

@pytest.fixture
def tiny(tmp_path: Path, designs_dir: Path) -> Arch:
    """2-1-1, SF = 4, WB = BB = 8, WF = 4, beta = 1/2, lr = 1/2, +beta only, T1 = T2 = 1,
    two weights per 16-bit word, one MAC (S = 2), the hidden bias in W_1's bias row."""
    return _design(tmp_path, designs_dir, "small", network__layers=[2, 1, 1],
                   fixed_point__state_bits=5, fixed_point__weight_bits=8,
                   fixed_point__weight_frac=4, fixed_point__bias_bits=8,
                   fixed_point__acc_bits=16, eqprop__t1=1, eqprop__t2=1, eqprop__beta=0.5,
                   eqprop__symmetric=False, eqprop__learning_rate=0.5, mram__word_bits=16,
                   mram__bias_rows=True, parallel__mac_units=1)


def test_tiny_network_by_hand(tiny: Arch) -> None:
    p = g.Params([np.array([[8, -4]]), np.array([[12]])], [np.array([2]), np.array([-3])])
    x, y = np.array([16, 8]), np.array([16])          # x = (1.0, 0.5), y = 1.0
    # free step from 0: h1 = 2<<4 + 8*16 - 4*8 + 12*0 = 128 -> (128+8)>>4 = 8
    #                   h2 = -3<<4 + 12*0 = -48 -> (-48+8)>>4 = -3 -> clipped to 0
    # +beta step:       h1 = 128 -> 8;  h2 = -48 + 12*8 + (16-0)<<3 = 176 -> 184>>4 = 11
    # update (K=0): R = 8-4-1+1 = 4, Rb = 4-4-1+1 = 0
    #   W0: a1 a0 - b1 b0 = 0 -> unchanged; W1: 11*8 - 0*8 = 88 -> 96>>4 = 6 -> 18
    #   b1: 8 - 8 = 0; b2: 11 - 0 = 11 -> 8
    t = g.train_step(tiny, p, x, y)
    assert [list(s) for s in t.s_free] == [[8], [0]]
    assert [list(s) for s in t.s_plus] == [[8], [11]]
    assert t.s_minus is None and t.s_final is t.s_plus
    assert t.params.weights[0].tolist() == [[8, -4]] and t.params.weights[1].tolist() == [[18]]
    assert t.params.biases[0].tolist() == [2] and t.params.biases[1].tolist() == [8]
    # bias rows (WB = BB): W_1's bank holds its row and the bias row of layer 1 ([b1] = [2],
    # unchanged); b1's update is W_1's bias row's: round_shift(16*8 - 16*8, R_0 = 4) = 0
    assert tiny.bias_rows and tiny.bias_registers == range(1, 2)
    assert [w.tolist() for w in t.written] == [[False], [True, False]]
    # STEP = 2 FILL + W_1's 2 words * 2 sub-cycles + W_0's word * 1 (paired: both multipliers
    # forward) = 7; training = CLEAR 1 + 2*7 + SAVE_FREE 1 + WUPD (1 FILL + 3 words * 2 + 1
    # write) = 24
    assert t.counters == g.Counters(cycles=24, mram_reads=9, mram_writes=1)
    assert g.infer(tiny, p, x).counters == g.Counters(cycles=8, mram_reads=3, mram_writes=0)
    assert p.weights[1].tolist() == [[12]]              # the input params are not modified


def test_saturated_neurons_and_weights(tiny: Arch) -> None:
    p = g.Params([np.array([[8, -4]]), np.array([[125]])], [np.array([2]), np.array([126])])
    t = g.train_step(tiny, p, np.array([16, 8]), np.array([16]))
    # free: s1 = 8, h2 = 126<<4 = 2016 -> 126 -> clip 16
    # +beta: h1 = 32 + 96 + 125*16 = 2128 -> 133 -> clip 16; h2 = 2016 + 125*8 + 0 -> clip 16
    # W0 += round_shift(16*[16, 8] - 8*[16, 8], 4) = [8, 4]; W1 += (16*16 - 16*8 + 8)>>4 = 8
    # -> 133 saturates at 127; b1 += 16 - 8; b2 += 0
    assert [list(s) for s in t.s_free] == [[8], [16]]
    assert [list(s) for s in t.s_plus] == [[16], [16]]
    assert t.params.weights[0].tolist() == [[16, 0]] and t.params.weights[1].tolist() == [[127]]
    assert t.params.biases[0].tolist() == [10] and t.params.biases[1].tolist() == [126]
    assert t.counters.mram_writes == 3           # W_0's word, W_1's word and b1's bias row


def test_update_saturates_both_ways(tiny: Arch) -> None:
    x = np.array([16, 16])
    hi, lo = [x, np.array([16]), np.array([16])], [x, np.array([0]), np.array([0])]
    p = g.Params([np.array([[120, -120]]), np.array([[-120]])], [np.array([120]),
                                                                 np.array([-120])])
    up, _ = g.update(tiny, p, hi, lo)           # dW = (256 + 8) >> 4 = 16, db = 16
    down, _ = g.update(tiny, p, lo, hi)
    assert up.weights[0].tolist() == [[127, -104]] and up.biases[0].tolist() == [127]
    assert down.weights[0].tolist() == [[104, -128]] and down.weights[1].tolist() == [[-128]]
    assert down.biases[1].tolist() == [-128]


def test_bias_rows_update_as_the_bias_rule(designs_dir: Path) -> None:
    """A hidden bias in a bias row is updated as a weight of a constant-1 row with the shift
    R_{l-1}; that is exactly the bias rule round_shift(a - b, Rb_{l-1}), sat to BB bits
    (docs/architecture.md, "Bias rows"), saturation included."""
    arch = load_design(designs_dir / "digits.yaml").arch
    assert arch.bias_rows and arch.bias_registers == range(32, 42)
    rng = np.random.default_rng(2)
    one = 1 << arch.state_frac
    lim = 1 << (arch.bias_bits - 1)
    for _ in range(20):
        p = init_params(arch, int(rng.integers(1000)))
        p.biases[0][:4] = [lim - 1, -lim, lim - 2, -lim + 1]     # at the saturation limits
        a = [rng.integers(0, one + 1, n) for n in arch.layers]
        b = [rng.integers(0, one + 1, n) for n in arch.layers]
        a[0] = b[0]
        new, _ = g.update(arch, p, a, b)
        m0 = arch.matrices[0]
        want = g.sat(p.biases[0] + g.round_shift(a[1] - b[1], m0.b_update_shift),
                     arch.bias_bits)
        assert (new.biases[0] == want).all()


# ---- cycle schedule against an independent enumeration --------------------------------------

def _enumerate_operation(arch: Arch, training: bool, changed: set[tuple[int, int]]) -> tuple:
    """Walk the controller's schedule cycle by cycle, each cycle with the MRAM port operation it
    does; return (cycles, reads, writes)."""
    trace: list[tuple[str, str]] = []          # (what, port: "" / "R" / "W")
    order = list(reversed(arch.matrices))        # W_{L-1} first
    s_sub = arch.subcycles_per_word

    def segments() -> list[tuple[int, int]]:
        """(matrix, words) of the runs of words a STEP reads in order."""
        if arch.blocks == 1:                      # the plain order (test below)
            return [(m.index, m.words) for m in order]
        top, low = order[0], order[1]
        p_w = arch.weights_per_word
        runs = []
        for b in range(top.words_per_row):
            runs.append((top.index, top.stored_rows))    # word b of every row and the bias row
            rows = min(low.rows, (b + 1) * p_w) - b * p_w             # rows of block b
            if b == top.words_per_row - 1 and low.bias_row:
                rows += 1                                # W_{L-2}'s bias row ends the last block
            runs.append((low.index, rows * low.words_per_row))
        runs += [(m.index, m.words) for m in order[2:]]
        return runs

    def step() -> None:
        for mat, n_words in segments():
            trace.append(("FILL", "R"))          # READ of the segment's first word
            # a paired W_0 (both multiplier banks forward) takes half the sub-cycles
            m_sub = s_sub // 2 if mat == 0 and arch.n_matrices > 1 and s_sub % 2 == 0 \
                else s_sub
            for a in range(n_words):
                trace.extend([("MAC", "")] * (m_sub - 1))
                # last sub-cycle: READ of the next word of the segment
                trace.append(("MAC", "R" if a < n_words - 1 else ""))

    trace.append(("CLEAR", ""))
    for _ in range(arch.t1):
        step()
    if training:
        trace.append(("SAVE_FREE", ""))
        for _ in range(arch.t2):
            step()
        if arch.symmetric:
            trace.append(("SWAP", ""))
            for _ in range(arch.t2):
                step()
        words = [(m.index, a) for m in order for a in range(m.words)]
        trace.append(("WFILL", "R"))
        for n, w in enumerate(words):
            trace.extend([("CALC", "")] * (s_sub - 1))
            last = n == len(words) - 1
            if w in changed:
                trace.append(("CALC", "W"))       # the WRITE takes the port ...
                trace.append(("WNEXT", "" if last else "R"))   # ... the next READ its own cycle
            else:
                trace.append(("CALC", "" if last else "R"))
    ports = [p for _, p in trace]
    return len(trace), ports.count("R"), ports.count("W")


@pytest.mark.parametrize("name", ["small", "digits", "mnist"])
def test_counters_match_enumeration(name: str, designs_dir: Path) -> None:
    arch = load_design(designs_dir / f"{name}.yaml").arch
    c = g.inference_counters(arch)
    assert (c.cycles, c.mram_reads, c.mram_writes) == _enumerate_operation(arch, False, set())
    changed = {(0, 0), (0, arch.matrices[0].words - 1), (arch.n_matrices - 1, 0)}
    c = g.training_counters(arch, len(changed))
    assert (c.cycles, c.mram_reads, c.mram_writes) == _enumerate_operation(arch, True, changed)


def test_paired_w0_rule(tmp_path: Path, designs_dir: Path) -> None:
    """W_0 is paired in a STEP only with an even number of sub-cycles and a hidden layer."""
    digits = load_design(designs_dir / "digits.yaml").arch          # 8 weights, 4 MAC units
    assert digits.subcycles_per_word == 2 and digits.paired
    assert [digits.step_subcycles(m) for m in digits.matrices] == [1, 2]
    small = load_design(designs_dir / "small.yaml").arch            # one sub-cycle per word
    assert not small.paired and [small.step_subcycles(m) for m in small.matrices] == [1, 1]
    odd = _design(tmp_path, designs_dir, "small", mram__word_bits=96)   # 3 sub-cycles: odd
    assert odd.subcycles_per_word == 3 and not odd.paired
    one = _design(tmp_path, designs_dir, "small", network__layers=[4, 2], mram__word_bits=64)
    assert one.subcycles_per_word == 2 and not one.paired               # no hidden layer
    # 64 x 32 x 10 MACs (forward and transposed on W_1) in 8 FILLs (4 column blocks: a pass of
    # W_1 with its bias row and 8 rows of W_0 each) + 256 x 1 + (40 + 4) x 2 cycles
    assert digits.blocks == 4 and digits.step_segments == 8
    assert g.step_cycles(digits) == 8 + 256 + 88


def test_column_blocks_only_where_they_hold_fewer_sums(designs_dir: Path) -> None:
    """digits: 10 partial sums (31 bits) + 8 transposed sums (28 bits) instead of 32
    transposed sums; small (4-4-2, two weights per word): 2 partial + 2 transposed sums would
    hold more bits than the 4 transposed sums of the plain order, which it keeps."""
    digits = load_design(designs_dir / "digits.yaml").arch
    assert digits.blocks == digits.matrices[1].words_per_row == 4
    small = load_design(designs_dir / "small.yaml").arch
    assert small.matrices[1].words_per_row == 2 and small.blocks == 1
    assert small.step_segments == small.n_matrices


def test_asymmetric_counters_match_enumeration(tiny: Arch) -> None:
    for writes in ({(0, 0)}, set(), {(0, 0), (1, 0)}):
        c = g.training_counters(tiny, len(writes))
        assert (c.cycles, c.mram_reads, c.mram_writes) == _enumerate_operation(tiny, True, writes)


def test_written_words_follow_packed_words(designs_dir: Path) -> None:
    """A word is written iff its packed MRAM bits changed."""
    arch = load_design(designs_dir / "small.yaml").arch
    p = init_params(arch, 3)
    rng = np.random.default_rng(1)
    n_written = 0
    for _ in range(20):
        x = rng.integers(0, 257, arch.layers[0])
        y = np.zeros(arch.layers[-1], np.int64)
        y[rng.integers(arch.layers[-1])] = 256
        t = g.train_step(arch, p, x, y)
        for m in arch.matrices:
            before = g.pack_bank(arch, m.index, p.weights, p.biases)
            after = g.pack_bank(arch, m.index, t.params.weights, t.params.biases)
            assert [a != b for a, b in zip(before, after, strict=True)] == \
                t.written[m.index].tolist()
        assert t.counters == g.training_counters(arch, t.counters.mram_writes)
        assert t.counters.mram_writes == sum(int(w.sum()) for w in t.written)
        n_written += t.counters.mram_writes
        p = t.params
    assert n_written > 0


# ---- memory layout ---------------------------------------------------------------------------

def test_pack_layout_by_hand(tiny: Arch) -> None:
    # W_0 is 1x2 with 2 weights per 16-bit word: column 0 in bits 7:0, column 1 in bits 15:8
    assert g.pack_matrix(tiny, 0, np.array([[8, -4]])) == [0xFC08]
    assert g.pack_matrix(tiny, 1, np.array([[-1]])) == [0x00FF]          # padding is 0
    assert g.unpack_matrix(tiny, 0, [0xFC08]).tolist() == [[8, -4]]
    assert g.word_address(tiny, 0, 0, 1) == (0, 8)


@pytest.mark.parametrize("name", ["small", "digits"])   # registers / bias rows
def test_pack_roundtrip(name: str, designs_dir: Path) -> None:
    arch = load_design(designs_dir / f"{name}.yaml").arch
    rng = np.random.default_rng(0)
    lim = 1 << (arch.weight_bits - 1)
    ws = [rng.integers(-lim, lim, (m.rows, m.cols)) for m in arch.matrices]
    bs = [rng.integers(-lim, lim, n) for n in arch.layers[1:]]
    for m in arch.matrices:
        w = ws[m.index]
        words = g.pack_bank(arch, m.index, ws, bs)
        assert len(words) == m.words and all(0 <= v < (1 << arch.word_bits) for v in words)
        w_back, b_back = g.unpack_bank(arch, m.index, words)
        assert (w_back == w).all()
        # with bias rows (digits), the bias row of W_l (l >= 1) holds the biases of layer l
        assert (b_back is None) == (not m.bias_row)
        assert b_back is None or (b_back == bs[m.index - 1]).all()
        # element check against the documented bit position
        i, j = m.rows - 1, m.cols - 1
        a, bit = g.word_address(arch, m.index, i, j)
        assert g.from_unsigned(words[a] >> bit, arch.weight_bits) == w[i, j]


# ---- vectorization and arithmetic modes ------------------------------------------------------

def test_batch_equals_single_and_int_equals_float(designs_dir: Path) -> None:
    arch = load_design(designs_dir / "digits.yaml").arch
    assert arithmetic_mode(arch) == "float"
    p = init_params(arch, 0, gain=2.0)
    rng = np.random.default_rng(5)
    x = rng.integers(0, 257, (7, arch.layers[0]))
    batch = g.infer(arch, p, x)
    for k in range(len(x)):
        single = g.infer(arch, p, x[k])
        assert all((a[k] == b).all() for a, b in zip(batch.states, single.states, strict=True))
    y = np.zeros((7, arch.layers[-1]), np.int64)
    y[:, 3] = 256
    s = g.relax(arch, p, x)
    for mode_a, mode_b in (("float", "int"),):
        na, nb = _Net.build(arch, p, mode_a), _Net.build(arch, p, mode_b)
        assert all((u == v).all() for u, v in
                   zip(_step(na, x, s, y, -1), _step(nb, x, s, y, -1), strict=True))
    assert max(int(v.max()) for v in batch.states) > 0      # not a dead network


def test_check_params_rejects_out_of_range(tiny: Arch) -> None:
    g.check_params(tiny, g.Params.zeros(tiny))
    with pytest.raises(ValueError):
        g.check_params(tiny, g.Params([np.array([[128, 0]]), np.array([[0]])],
                                      [np.array([0]), np.array([0])]))
    with pytest.raises(ValueError):
        g.infer(tiny, g.Params.zeros(tiny), np.array([17, 0]))   # x above 1.0


# ---- float reference agrees with a wide bit-exact model --------------------------------------

def test_float_reference_matches_wide_fixed_point(tmp_path: Path, designs_dir: Path) -> None:
    arch = _design(tmp_path, designs_dir, "small", fixed_point__state_bits=16,
                   fixed_point__weight_bits=32, fixed_point__weight_frac=24,
                   fixed_point__bias_bits=32, fixed_point__acc_bits=64, mram__word_bits=64)
    hp = float_ref.FloatHyper.from_arch(arch)
    sf = arch.state_frac
    p = init_params(arch, 7, gain=1.5)
    fp = f_init = dequantize_params(arch, p)
    rng = np.random.default_rng(2)
    xs = rng.random((30, arch.layers[0]))
    labels = rng.integers(0, arch.layers[-1], 30)
    xq = g.quantize_state(xs, sf)
    xf = g.to_float(xq, sf)
    inf_q = g.to_float(g.infer(arch, p, xq).output, sf)
    inf_f = float_ref.infer(hp, fp, xf)[-1]
    assert np.abs(inf_q - inf_f).max() < 1e-3 and inf_f.max() > 0.05
    for k in range(30):
        y = np.zeros(arch.layers[-1])
        y[labels[k]] = 1.0
        p = g.train_step(arch, p, xq[k], g.quantize_state(y, sf)).params
        fp = float_ref.train_batch(hp, fp, xf[k:k + 1], y[None, :])
    for wq, wf, w0 in zip(p.weights, fp.weights, f_init.weights, strict=True):
        assert np.abs(g.to_float(wq, arch.weight_frac) - wf).max() < 1e-3
        assert np.abs(wf - w0).max() > 1e-2          # training really moved the weights


# ---- literal per-element transcription of the contract ---------------------------------------

def _reference_train(arch: Arch, w: list, b: list, x: list, y: list) -> tuple:
    """docs/architecture.md written out with Python ints and loops, one neuron at a time."""
    sf, wf, bs, n = arch.state_frac, arch.weight_frac, arch.beta_shift, arch.layers

    def rs(d: int, r: int) -> int:
        return (d + (1 << (r - 1))) >> r if r > 0 else d << (-r)

    def step(s: list, sigma: int) -> list:
        full = [x] + s
        new = []
        for lay in range(1, len(n)):
            row = []
            for i in range(n[lay]):
                h = b[lay - 1][i] << sf
                h += sum(w[lay - 1][i][j] * full[lay - 1][j] for j in range(n[lay - 1]))
                if lay < len(n) - 1:
                    h += sum(w[lay][k][i] * full[lay + 1][k] for k in range(n[lay + 1]))
                elif sigma:
                    h += sigma * ((y[i] - full[lay][i]) << (wf - bs))
                row.append(min(max(rs(h, wf), 0), 1 << sf))
            new.append(row)
        return new

    s = [[0] * k for k in n[1:]]
    for _ in range(arch.t1):
        s = step(s, 0)
    s_free = s
    for _ in range(arch.t2):
        s = step(s, 1)
    s_plus, s_b = s, s_free
    if arch.symmetric:
        s = s_free
        for _ in range(arch.t2):
            s = step(s, -1)
        s_b = s
    a, bb = [x] + s_plus, [x] + s_b
    lo_w, hi_w = -(1 << (arch.weight_bits - 1)), (1 << (arch.weight_bits - 1)) - 1
    lo_b, hi_b = -(1 << (arch.bias_bits - 1)), (1 << (arch.bias_bits - 1)) - 1
    raw_w = [[[w[m.index][i][j] + rs(a[m.index + 1][i] * a[m.index][j]
                                     - bb[m.index + 1][i] * bb[m.index][j], m.w_update_shift)
               for j in range(m.cols)] for i in range(m.rows)] for m in arch.matrices]
    w2 = [[[min(max(v, lo_w), hi_w) for v in row] for row in mat] for mat in raw_w]
    b2 = [[min(max(b[m.index][i] + rs(a[m.index + 1][i] - bb[m.index + 1][i],
                                      m.b_update_shift), lo_b), hi_b)
           for i in range(m.rows)] for m in arch.matrices]
    clamped = sum(v != min(max(v, lo_w), hi_w) for mat in raw_w for row in mat for v in row)
    return s_free, s_plus, w2, b2, clamped


@pytest.mark.parametrize(("variant", "min_clamped"), [
    ({}, 0),
    ({"eqprop__symmetric": False, "fixed_point__weight_bits": 6, "fixed_point__weight_frac": 5,
      "fixed_point__bias_bits": 6, "fixed_point__state_bits": 7, "eqprop__beta": 0.25,
      "eqprop__learning_rate": 1.0, "network__layers": [5, 3, 3, 2], "mram__word_bits": 18,
      "parallel__mac_units": 3}, 1),
])
def test_model_matches_literal_contract(variant: dict, min_clamped: int, tmp_path: Path,
                                        designs_dir: Path) -> None:
    arch = _design(tmp_path, designs_dir, "small", **variant)
    rng = np.random.default_rng(11)
    one, wl, bl = 1 << arch.state_frac, 1 << (arch.weight_bits - 1), 1 << (arch.bias_bits - 1)
    unit = 1 << arch.weight_frac                # 1.0
    changed = saturated = 0
    for trial in range(12):
        ws = [rng.integers(-unit // 2, unit // 2, (m.rows, m.cols)) for m in arch.matrices]
        bs = [rng.integers(-unit // 4, unit // 4, m.rows) for m in arch.matrices]
        if trial % 2:                           # some weights and biases at their limits
            for v, lim in [(w, wl) for w in ws] + [(v, bl) for v in bs]:
                mask = rng.random(v.shape) < 0.3
                v[mask] = np.where(rng.random(v.shape) < 0.5, lim - 1, -lim)[mask]
        p = g.Params(ws, bs)
        x = rng.integers(0, one + 1, arch.layers[0])
        y = rng.integers(0, one + 1, arch.layers[-1])
        s_free, s_plus, w2, b2, clamped = _reference_train(
            arch, [w.tolist() for w in p.weights], [v.tolist() for v in p.biases],
            x.tolist(), y.tolist())
        t = g.train_step(arch, p, x, y)
        assert [v.tolist() for v in t.s_free] == s_free
        assert [v.tolist() for v in t.s_plus] == s_plus
        assert [v.tolist() for v in t.params.weights] == w2
        assert [v.tolist() for v in t.params.biases] == b2
        changed += sum(int((u != v).sum()) for u, v in zip(p.weights, t.params.weights,
                                                             strict=True))
        saturated += clamped
    assert changed > 5 and saturated >= min_clamped    # updates (and saturation) exercised


# ---- stochastic update rounding (docs/architecture.md, "Stochastic rounding") ----------------

def _xorshift_reference(seed: int, n: int) -> list[int]:
    """The contract's generator, written out independently of eqchip.golden.prng."""
    out, x = [], seed
    for _ in range(n):
        out.append(x)
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
    return out


def test_prng_stream_matches_the_generator_step_by_step() -> None:
    from eqchip.golden.prng import PrngStream

    seeds = (1, 0x9E3779B9, 0xFFFFFFFF)
    s = PrngStream(seeds)
    n = 2 * s.CHAINS * s.CHAIN_LEN + 1000                       # crosses two chunk borders
    ref = np.array([_xorshift_reference(x, n) for x in seeds]).T
    # out of order, across chunk borders, and jumping back to the start
    chunk = s.CHAINS * s.CHAIN_LEN
    for t, k in [(0, 7), (chunk - 5, 10), (2 * chunk + 3, 900), (12345, 40000), (0, n)]:
        assert np.array_equal(s.outputs(t, k), ref[t:t + k]), (t, k)
    with pytest.raises(ValueError, match="nonzero"):
        PrngStream((0, 1))


def test_lane_seeds_follow_the_contract() -> None:
    from eqchip.config.arch import lane_seeds

    def fmix32(h: int) -> int:
        h ^= h >> 16
        h = (h * 0x85EBCA6B) % 2**32
        h ^= h >> 13
        h = (h * 0xC2B2AE35) % 2**32
        return h ^ (h >> 16)

    seeds = lane_seeds(5, 4)
    assert seeds == tuple(fmix32((5 + (k + 1) * 0x9E3779B9) % 2**32) for k in range(5))
    assert len(set(seeds)) == 5 and all(0 < x < 2**32 for x in seeds)


@pytest.mark.parametrize("d", [-37, -1, 0, 1, 5, 100, 255])
def test_stochastic_shift_is_unbiased(d: int) -> None:
    """Over all 2^r values of u, stoch_shift averages to exactly d / 2^r, and every result is
    floor or ceil of it."""
    from eqchip.golden.fixedpoint import stochastic_shift

    r = 4
    u = np.arange(1 << r, dtype=np.int64)
    out = stochastic_shift(np.full(1 << r, d, np.int64), r, u | (0xABC << r))  # high bits ignored
    assert int(out.sum()) == d
    assert set(out.tolist()) <= {d >> r, -((-d) >> r)}
    assert stochastic_shift(d, -2, 7) == d * 4 and stochastic_shift(d, 0, 3) == d


def test_stochastic_update_uses_the_documented_lanes(tmp_path: Path, designs_dir: Path) -> None:
    """Weight W_l[i, j] takes lane j % M in the sub-cycle of (row i, group j // M), W_{L-1}
    first; the bias of neuron i takes lane M in row i's first sub-cycle."""
    arch = _design(tmp_path, designs_dir, "small", fixed_point__update_rounding="stochastic",
                   fixed_point__weight_frac=6)
    assert arch.stochastic and arch.mac_units == 2 and arch.subcycles_per_word == 1
    assert min(m.b_update_shift for m in arch.matrices) > 0
    p = g.init_params(arch, 0)
    rng = np.random.default_rng(3)
    x = rng.integers(0, 257, 4)
    a = [x] + [rng.integers(0, 257, n) for n in arch.layers[1:]]
    b = [x] + [rng.integers(0, 257, n) for n in arch.layers[1:]]
    n_sub = sum(m.words for m in arch.matrices)            # S = 1
    rnd = rng.integers(0, 2**32, (n_sub, arch.mac_units + 1))
    new, _ = g.update(arch, p, a, b, rnd)
    t = 0
    for m in reversed(arch.matrices):                       # W_{L-1} first
        for i in range(m.rows):
            for c in range(m.words_per_row):
                for k in range(arch.mac_units):
                    j = c * arch.mac_units + k
                    if j >= m.cols:
                        continue
                    d = int(a[m.index + 1][i] * a[m.index][j] - b[m.index + 1][i] * b[m.index][j])
                    u = int(rnd[t, k]) % (1 << m.w_update_shift)
                    want = g.sat(int(p.weights[m.index][i, j]) + ((d + u) >> m.w_update_shift),
                                 arch.weight_bits)
                    assert new.weights[m.index][i, j] == want, (m.index, i, j)
                if c == 0:
                    db = int(a[m.index + 1][i] - b[m.index + 1][i])
                    u = int(rnd[t, arch.mac_units]) % (1 << m.b_update_shift)
                    want = g.sat(int(p.biases[m.index][i]) + ((db + u) >> m.b_update_shift),
                                 arch.bias_bits)
                    assert new.biases[m.index][i] == want, (m.index, i)
                t += 1
    assert t == n_sub


def test_stochastic_train_step_runs_the_generator_on(tmp_path: Path, designs_dir: Path) -> None:
    from eqchip.golden.prng import PrngStream

    arch = _design(tmp_path, designs_dir, "digits6")
    assert arch.stochastic and len(arch.prng_seeds) == arch.mac_units + 1
    p = g.init_params(arch, 0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 257, 64)
    y = np.zeros(10, np.int64)
    y[3] = 256
    stream = PrngStream(arch.prng_seeds)
    t0 = g.train_step(arch, p, x, y, stream, 0)
    n_sub = sum(m.words for m in arch.matrices) * arch.subcycles_per_word
    assert t0.prng_pos == n_sub
    again = g.train_step(arch, p, x, y)                       # default: own stream, position 0
    assert all(np.array_equal(u, v) for u, v in zip(t0.params.weights, again.params.weights,
                                                     strict=True))
    later = g.train_step(arch, p, x, y, stream, t0.prng_pos)  # the generator has moved on
    assert any(not np.array_equal(u, v) for u, v in zip(t0.params.weights, later.params.weights,
                                                         strict=True))
    assert later.prng_pos == 2 * n_sub
