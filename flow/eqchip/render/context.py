"""Template context: every number the RTL templates need, computed once from the derived `Arch`.

The templates only print these values; all arithmetic on widths and offsets happens here so the
rendered SystemVerilog carries plain constants (docs/architecture.md is the contract).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from eqchip import __version__
from eqchip.config.arch import (
    Arch,
    MatrixArch,
    clog2,
    datapath_acc_bits,
    mtj_thresholds,
    transposed_acc_bits,
)
from eqchip.config.loader import LoadedDesign

ID_VALUE = 0x4551_0001   # docs/architecture.md, register map: ID


@dataclass(frozen=True)
class MacroSlot:
    """One macro of a bank: bank addresses lo .. hi-1 map to macro addresses 0 .. hi-lo-1."""

    index: int
    lo: int
    hi: int


@dataclass(frozen=True)
class MatrixCtx:
    """What the templates need of W_l beyond `MatrixArch` (both are merged into one dict)."""

    addr_bits: int          # bank address width, clog2(words)
    w_shift: int            # R_l
    b_shift: int            # Rb_l (biases of layer l + 1)
    groups: int             # column groups of mac_units weights per row (words_per_row x S)
    grp_bits: int           # clog2(groups)
    row_bits: int           # clog2(rows)
    srows: int              # rows in the bank: rows, plus the bias row of layer l (row `rows`)
    below_shift: int        # R_{l-1}: the update shift of the bias row (layer l's biases)
    dst_doff: int           # first dynamic-neuron number of layer l + 1
    is_last: bool           # l = L - 1: rows are output neurons (nudged)
    slots: tuple[MacroSlot, ...]
    w_thr: tuple[int, ...] = ()   # mtj: reachable pulse-level thresholds of the remainder (R_l)
    b_thr: tuple[int, ...] = ()   # mtj: the same for the bias shift Rb_l


@dataclass(frozen=True)
class LayerCtx:
    """Layer l = 0..L (0 = input x, no dynamics)."""

    index: int
    size: int
    doff: int               # first dynamic-neuron number (register map S[n], B[n]); -1 for x
    idx_bits: int           # clog2(size)
    groups: int             # column groups when the layer feeds W_l (0 for the output layer)
    grp_bits: int
    bias_regs: bool         # its biases are B[n] registers (not a bias row); False for x
    blocked: bool           # its transposed sums hold one column block (layer L-1, column blocks)
    tr_sel_bits: int        # bits of W_l's held column group the transposed accumulators take:
                            # grp_bits; for a blocked layer its sub-cycle (QW bits) when S is a
                            # power of two, none (0) when S = 1


def _slots(m: MatrixArch, words_per_macro: int) -> tuple[MacroSlot, ...]:
    return tuple(MacroSlot(index=k, lo=k * words_per_macro,
                           hi=min((k + 1) * words_per_macro, m.words))
                 for k in range(m.macros))


def _shift_bits(in_bits: int, shift: int) -> int:
    """Signed width holding round_shift(d, shift) of a signed in_bits-bit d, plus the
    rounding constant 2^(shift-1) as a positive number."""
    return max(in_bits + 1 + max(0, -shift), shift + 2)


def _thresholds(a: Arch, r: int) -> tuple[int, ...]:
    """MTJ pulse-level thresholds of a remainder of r bits that it can reach (the rest never
    count, `eqchip.golden.mtj.pulse_levels`)."""
    if not a.mtj or r <= 0:
        return ()
    return tuple(t for t in mtj_thresholds(a.mtj_probs, a.mtj_prob_bits, r) if t < 1 << r)


def build_context(loaded: LoadedDesign) -> dict[str, Any]:
    """Everything the templates reference (StrictUndefined catches a missing key)."""
    a: Arch = loaded.arch
    layers = a.layers
    n_in, n_out, n_dyn = layers[0], layers[-1], a.n_dynamic
    n_mat = a.n_matrices
    subcycles = a.subcycles_per_word
    doff = [-1, 0]
    for n in layers[1:-1]:
        doff.append(doff[-1] + n)
    mats = tuple(MatrixCtx(
        addr_bits=clog2(m.words), w_shift=m.w_update_shift, b_shift=m.b_update_shift,
        groups=m.words_per_row * subcycles, grp_bits=clog2(m.words_per_row * subcycles),
        row_bits=clog2(m.rows), srows=m.stored_rows,
        below_shift=a.matrices[m.index - 1].w_update_shift if m.bias_row else 0,
        dst_doff=doff[m.index + 1], is_last=m.index == n_mat - 1,
        slots=_slots(m, a.words_per_macro), w_thr=_thresholds(a, m.w_update_shift),
        b_thr=_thresholds(a, m.b_update_shift)) for m in a.matrices)
    pow2 = (subcycles & (subcycles - 1)) == 0

    def tr_sel_bits(l_idx: int, blocked: bool) -> int:
        if not blocked:
            return mats[l_idx].grp_bits if l_idx < n_mat else 1
        return 0 if subcycles == 1 else clog2(subcycles) if pow2 else mats[l_idx].grp_bits

    lays = []
    for l_idx in range(n_mat + 1):
        blocked = a.blocks > 1 and l_idx == n_mat - 1
        lays.append(LayerCtx(
            index=l_idx, size=layers[l_idx], doff=doff[l_idx], idx_bits=clog2(layers[l_idx]),
            groups=mats[l_idx].groups if l_idx < n_mat else 0,
            grp_bits=mats[l_idx].grp_bits if l_idx < n_mat else 1,
            bias_regs=l_idx > 0 and doff[l_idx] >= a.bias_registers.start, blocked=blocked,
            tr_sel_bits=tr_sel_bits(l_idx, blocked)))

    sb, wb = a.state_bits, a.weight_bits
    min_r = min(m.w_update_shift for m in a.matrices)
    max_r = max(m.w_update_shift for m in a.matrices)
    # dW datapath: a*a - b*b needs 2*SB + 1 signed bits; a left shift (R <= 0) widens it and
    # the rounding constant 2^(R-1) must fit as a positive number.
    dw_bits = max(2 * sb + 2 + max(0, -min_r), max_r + 2)
    wsum_bits = max(dw_bits, wb) + 1
    min_rb = min(m.b_update_shift for m in a.matrices)
    max_rb = max(m.b_update_shift for m in a.matrices)
    db_bits = max(_shift_bits(sb + 1, min_rb), _shift_bits(sb + 1, max_rb))
    accw = datapath_acc_bits(a)
    trw = transposed_acc_bits(a) if n_mat > 1 else 2

    widths = {
        "MATW": clog2(n_mat),
        "ADDRW": max(clog2(m.words) for m in a.matrices),
        # the cursor's row: a bias row is row N_{l+1}
        "ROWW": clog2(max(m.stored_rows for m in a.matrices)),
        "WCW": clog2(max(m.words_per_row for m in a.matrices)),
        "GRPW": clog2(max(c.groups for c in mats)),
        # column group of the t ports (matrices above W_0; W_0's t port is x, read as col_s)
        "TGW": max((c.grp_bits for c in mats[1:]), default=1),
        "QW": clog2(subcycles),
        "TW": clog2(max(a.t1, a.t2)),
        "XIW": clog2(n_in),
        "MW": clog2(a.mac_units),
        "YIW": clog2(n_out),
        "NIW": clog2(n_dyn),
        "PRODW": wb + sb,
        # forward sum of the M products (2M for a paired W_0)
        "FSUMW": wb + sb + clog2(a.mac_units * (2 if a.paired else 1)) + 1,
        # MAC multipliers: a weight (signed WB) or, in WUPD, a state (SB unsigned bits as a signed
        # SB+1) times a state; a weight product needs PRODW bits, an update product 2*SB
        "XW": max(wb, sb + 1),
        "MULW": max(wb + sb, 2 * sb),
        "ACCW": accw,
        "TRW": trw,
        "DWW": dw_bits,
        "WSUMW": wsum_bits,
        "DBW": db_bits,
        "BSUMW": max(db_bits, a.bias_bits) + 1,
    }
    # stochastic rounding: random bits per weight lane (max R_l) and for the bias lane (max Rb_l)
    stoch = {
        "STOCH": a.stochastic,
        "UW": max(1, max_r),
        "UBW": max(1, max_rb),
        "UBW_USED": a.stochastic and max_rb > 0,
        "LANES": a.mac_units + (1 if max_rb > 0 else 0),
        "prng_seeds": list(a.prng_seeds),
        "prng_seed": loaded.design.prng.seed,
    }
    # MTJ stochastic switching: pulse levels 0..K+1, their quantised P_sw, the stand-in lanes
    mtj = {
        "MTJ": a.mtj,
        "MTJ_BIAS": a.mtj and max_rb > 0,
        "MAXRB": max(1, max_rb),
        "LB": clog2(len(a.mtj_probs)) if a.mtj else 1,
        "PB": a.mtj_prob_bits,
        "mtj_probs": list(a.mtj_probs),
    }
    return {
        "eqchip_version": __version__,
        "name": a.name,
        "description": loaded.design.description,
        "macro_module": a.macro_module,
        "id_value": f"32'h{ID_VALUE:08X}",
        "layers": layers,
        "L": n_mat,
        "N0": n_in,
        "NL": n_out,
        "NDYN": n_dyn,
        "SB": sb,
        "SF": a.state_frac,
        "WB": wb,
        "WF": a.weight_frac,
        "BB": a.bias_bits,
        "AB": a.acc_bits,
        "BS": a.beta_shift,
        "T1": a.t1,
        "T2": a.t2,
        "SYM": a.symmetric,
        "ES": a.early_stop,                                  # convergence-gated phases
        "STW": clog2(max(a.t1, a.t2) + 1),                   # STEPs of a phase, 1 .. T
        "M": a.mac_units,
        "PAIR": a.paired,                                    # W_0 paired: both banks forward
        "S0": a.step_subcycles(a.matrices[0]),               # STEP sub-cycles of a word of W_0
        "BLK": a.blocks,                                     # column blocks of W_{L-1} in a STEP
        "BKW": clog2(a.blocks),
        # row of W_{L-2} within its block (W_{L-2}'s bias row may follow a full last block)
        "BRW": clog2(a.weights_per_word + (1 if a.n_matrices > 1
                                           and a.matrices[-2].bias_row else 0)),
        "BROWS": a.bias_rows,                                # hidden biases in bias rows
        "B_FIRST": a.bias_registers.start,                   # first B[n] register
        "CLO": 4,                                            # low bits of the event counters
        "PW": a.weights_per_word,
        "S": subcycles,
        "S_POW2": pow2,
        "WORDB": a.word_bits,
        "HDW": max(32, a.word_bits),
        "NDW": max(sb, a.bias_bits),                         # host data bits the neurons use
        "WD_USED": max(a.word_bits, sb, a.bias_bits, 2),     # host data bits used at all
        "WPM": a.words_per_macro,
        "MAB": a.macro_addr_bits,
        "clock_period_ns": a.clock_period_ns,
        "matrices": [asdict(m) | asdict(c) | {"slots": [asdict(s) for s in c.slots]}
                     for m, c in zip(a.matrices, mats, strict=True)],
        "layers_ctx": [asdict(x) for x in lays],
        **widths,
        **stoch,
        **mtj,
    }
