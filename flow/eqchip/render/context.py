"""Template context: every number the RTL templates need, computed once from the derived `Arch`.

The templates only print these values; all arithmetic on widths and offsets happens here so the
rendered SystemVerilog carries plain constants (docs/architecture.md is the contract).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from eqchip import __version__
from eqchip.config.arch import Arch, MatrixArch, clog2
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
    src_layer: int          # l
    dst_layer: int          # l + 1
    src_goff: int           # offset of layer l in the all-neuron vector {s_dyn, x}
    dst_goff: int           # offset of layer l + 1 in the all-neuron vector
    slots: tuple[MacroSlot, ...]


@dataclass(frozen=True)
class LayerCtx:
    """A dynamic layer l = 1..L."""

    index: int
    size: int
    doff: int               # first dynamic-neuron number (register map S[n], B[n])
    is_output: bool
    fwd_matrix: int         # W_{l-1} feeds this layer forward
    tr_matrix: int | None   # W_l feeds it transposed (l < L)
    b_shift: int            # Rb of the matrix whose update owns these biases (l - 1)
    b_dw_bits: int          # width of db = round_shift(a - b, Rb)
    b_sum_bits: int         # width of b + db before saturation


def _slots(m: MatrixArch, words_per_macro: int) -> tuple[MacroSlot, ...]:
    return tuple(MacroSlot(index=k, lo=k * words_per_macro,
                           hi=min((k + 1) * words_per_macro, m.words))
                 for k in range(m.macros))


def _shift_bits(in_bits: int, shift: int) -> int:
    """Signed width holding round_shift(d, shift) of a signed in_bits-bit d, plus the
    rounding constant 2^(shift-1) as a positive number."""
    return max(in_bits + 1 + max(0, -shift), shift + 2)


def build_context(loaded: LoadedDesign) -> dict[str, Any]:
    """Everything the templates reference (StrictUndefined catches a missing key)."""
    a: Arch = loaded.arch
    layers = a.layers
    n_in, n_out, n_dyn = layers[0], layers[-1], a.n_dynamic
    n_all = n_in + n_dyn
    # The all-neuron vector is {s_dyn, x}: x at 0 .. N0-1, dynamic neuron n at N0 + n.
    goff = [0]
    for n in layers[:-1]:
        goff.append(goff[-1] + n)
    doff = [g - n_in for g in goff]
    n_mat = a.n_matrices
    mats = tuple(MatrixCtx(
        addr_bits=clog2(m.words), w_shift=m.w_update_shift,
        src_layer=m.index, dst_layer=m.index + 1, src_goff=goff[m.index],
        dst_goff=goff[m.index + 1], slots=_slots(m, a.words_per_macro)) for m in a.matrices)
    dyn = tuple(LayerCtx(
        index=l_idx, size=layers[l_idx], doff=doff[l_idx], is_output=l_idx == n_mat,
        fwd_matrix=l_idx - 1, tr_matrix=l_idx if l_idx < n_mat else None,
        b_shift=a.matrices[l_idx - 1].b_update_shift,
        b_dw_bits=_shift_bits(a.state_bits + 1, a.matrices[l_idx - 1].b_update_shift),
        b_sum_bits=max(_shift_bits(a.state_bits + 1, a.matrices[l_idx - 1].b_update_shift),
                       a.bias_bits) + 1)
        for l_idx in range(1, n_mat + 1))

    sb, sf, wb = a.state_bits, a.state_frac, a.weight_bits
    min_r = min(m.w_update_shift for m in a.matrices)
    max_r = max(m.w_update_shift for m in a.matrices)
    # dW datapath: a*a - b*b needs 2*SB + 1 signed bits; a left shift (R <= 0) widens it and
    # the rounding constant 2^(R-1) must fit as a positive number.
    dw_bits = max(2 * sb + 2 + max(0, -min_r), max_r + 2)
    wsum_bits = max(dw_bits, wb) + 1
    max_cols_padded = max(m.words_per_row for m in a.matrices) * a.weights_per_word
    subcycles = a.subcycles_per_word

    widths = {
        "MATW": clog2(n_mat),
        "ADDRW": max(clog2(m.words) for m in a.matrices),
        "ROWW": clog2(max(m.rows for m in a.matrices)),
        "WCW": clog2(max(m.words_per_row for m in a.matrices)),
        "COLW": clog2(max_cols_padded),
        "QW": clog2(subcycles),
        "TW": clog2(max(a.t1, a.t2)),
        "GW": clog2(n_all),
        "XIW": clog2(n_in),
        "YIW": clog2(n_out),
        "NIW": clog2(n_dyn),
        "PRODW": wb + sb,
        "DWW": dw_bits,
        "WSUMW": wsum_bits,
    }
    return {
        "eqchip_version": __version__,
        "design_sha256": loaded.sha256,
        "name": a.name,
        "description": loaded.design.description,
        "macro_module": a.macro_module,
        "id_value": f"32'h{ID_VALUE:08X}",
        "layers": layers,
        "L": n_mat,
        "N0": n_in,
        "NL": n_out,
        "NDYN": n_dyn,
        "NALL": n_all,
        "SB": sb,
        "SF": sf,
        "WB": wb,
        "WF": a.weight_frac,
        "BB": a.bias_bits,
        "AB": a.acc_bits,
        "BS": a.beta_shift,
        "T1": a.t1,
        "T2": a.t2,
        "SYM": a.symmetric,
        "M": a.mac_units,
        "PW": a.weights_per_word,
        "S": subcycles,
        "WORDB": a.word_bits,
        "HDW": max(32, a.word_bits),
        "NDW": max(sb, a.bias_bits),                         # host data bits the neurons use
        "WD_USED": max(a.word_bits, sb, a.bias_bits, 2),     # host data bits used at all
        "WPM": a.words_per_macro,
        "MAB": a.macro_addr_bits,
        "clock_period_ns": a.clock_period_ns,
        "matrices": [asdict(m) | asdict(c) | {"slots": [asdict(s) for s in c.slots]}
                     for m, c in zip(a.matrices, mats, strict=True)],
        "dyn_layers": [asdict(d) for d in dyn],
        **widths,
    }
