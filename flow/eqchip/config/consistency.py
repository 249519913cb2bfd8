"""Rules that tie several fields of a design together. Each problem names every field involved."""

from __future__ import annotations

from eqchip.config.arch import PRNG_BITS, ceil_div, min_acc_bits, stored_rows
from eqchip.config.design import Design
from eqchip.config.mram_tech import MramTech
from eqchip.config.yamlsrc import Loc

Problem = tuple[Loc, str]


def _update_shifts(d: Design) -> list[int] | None:
    """R_l, the right shift of each matrix's weight update (None: the learning rates do not
    match the matrices, which design validation reports on its own)."""
    fp, ep = d.fixed_point, d.eqprop
    n_mat = len(d.network.layers) - 1
    if isinstance(ep.learning_rate, list) and len(ep.learning_rate) != n_mat:
        return None
    sf, k1 = fp.state_bits - 1, 1 if ep.symmetric else 0
    return [2 * sf - fp.weight_frac - ep.beta_shift + ls + k1 for ls in ep.lr_shifts(n_mat)]


def _nothing_to_round(shifts: list[int], rounding: str) -> list[Problem]:
    if max(shifts) > 0:
        return []
    return [(("fixed_point", "update_rounding"),
             f"{rounding} rounding has nothing to round: every weight update shift R_l "
             f"({shifts}) is <= 0, so updates are exact; use update_rounding: nearest "
             f"or smaller eqprop.learning_rate")]


def _rounding_problems(d: Design) -> list[Problem]:
    """Stochastic rounding draws the low R bits of a 32-bit generator output: R <= 32."""
    shifts = _update_shifts(d)
    if shifts is None:
        return []
    out: list[Problem] = []
    for i, r in enumerate(shifts):
        if r > PRNG_BITS:
            out.append((("fixed_point", "update_rounding"),
                        f"stochastic rounding of W_{i} shifts by R_{i} = {r} bits, more than the "
                        f"{PRNG_BITS} random bits of prng.kind {d.prng.kind}; raise "
                        f"eqprop.learning_rate[{i}] or fixed_point.weight_frac so that R <= "
                        f"{PRNG_BITS}, or use update_rounding: nearest"))
    return out + _nothing_to_round(shifts, "stochastic")


def _mtj_problems(d: Design, tech: MramTech) -> list[Problem]:
    """MTJ switching needs the technology's pulse levels, each within one clock cycle."""
    sw = tech.stochastic_switching
    if sw is None:
        return [(("fixed_point", "update_rounding"),
                 f"mtj needs stochastic-switching pulse levels, but MRAM technology "
                 f"{tech.name!r} has no stochastic_switching section; add one to its "
                 f"technology file (docs/mram.md) or use update_rounding: "
                 f"stochastic")]
    out: list[Problem] = []
    if tech.cell.write_current_ua <= sw.ic0_ua:
        out.append((("mram", "technology"),
                    f"mtj rounding takes the normal write of MRAM technology {tech.name!r} as "
                    f"deterministic, but its cell.write_current_ua ({tech.cell.write_current_ua} "
                    f"uA) does not exceed stochastic_switching.ic0_ua ({sw.ic0_ua} uA); raise "
                    "the write current above Ic0 or use update_rounding: stochastic"))
    widest = max(p.width_ns for p in sw.pulses)
    if widest > d.clock.period_ns:
        out.append((("clock", "freq_mhz"),
                    f"the widest stochastic-switching pulse of MRAM technology {tech.name!r} "
                    f"({widest} ns) does not fit in one clock cycle ({d.clock.period_ns:.2f} ns); "
                    f"allowed: <= {1000.0 / widest:.1f} MHz"))
    shifts = _update_shifts(d)
    return out if shifts is None else out + _nothing_to_round(shifts, "mtj")


def _bias_row_problems(d: Design) -> list[Problem]:
    """A bias row is the weight row of a constant-1 neuron above a hidden layer: it needs a
    hidden layer, the weights' format and nearest rounding (the random lanes' order)."""
    fp = d.fixed_point
    why = []
    if len(d.network.layers) < 3:
        why.append(f"network.layers {d.network.layers} has no hidden layer")
    if fp.bias_bits != fp.weight_bits:
        why.append(f"fixed_point.bias_bits ({fp.bias_bits}) is not weight_bits "
                   f"({fp.weight_bits})")
    if fp.update_rounding != "nearest":
        why.append(f"fixed_point.update_rounding is {fp.update_rounding}, not nearest")
    if not why:
        return []
    return [(("mram", "bias_rows"),
             f"hidden biases can be MRAM rows only as weights of the same format: "
             f"{'; '.join(why)}; set mram.bias_rows: false (biases in registers)")]


def design_problems(d: Design, tech: MramTech) -> list[Problem]:
    out: list[Problem] = []
    fp, ep, mr = d.fixed_point, d.eqprop, d.mram
    layers = d.network.layers
    n_mat = len(layers) - 1

    if fp.weight_frac >= fp.weight_bits:
        out.append((("fixed_point", "weight_frac"),
                    f"must be less than fixed_point.weight_bits ({fp.weight_bits}) so weights "
                    f"keep a sign bit; allowed: 1..{fp.weight_bits - 1}"))
    if ep.beta_shift > fp.weight_frac:
        out.append((("eqprop", "beta"),
                    f"beta = 2^-{ep.beta_shift} is finer than the weight fraction "
                    f"(fixed_point.weight_frac = {fp.weight_frac}); allowed: beta >= "
                    f"2^-{fp.weight_frac}"))
    if isinstance(ep.learning_rate, list) and len(ep.learning_rate) != n_mat:
        out.append((("eqprop", "learning_rate"),
                    f"has {len(ep.learning_rate)} entries but network.layers {layers} has "
                    f"{n_mat} weight matrices; give one rate per matrix or a single number"))
    need = min_acc_bits(layers, fp.state_bits, fp.weight_bits, fp.weight_frac, fp.bias_bits,
                        ep.beta_shift)
    if fp.acc_bits < need:
        out.append((("fixed_point", "acc_bits"),
                    f"{fp.acc_bits} bits can overflow: the largest fan-in in network.layers "
                    f"{layers} with weight_bits={fp.weight_bits}, state_bits={fp.state_bits}, "
                    f"bias_bits={fp.bias_bits} needs at least {need}; allowed: {need}..64"))
    if mr.bias_rows:
        out += _bias_row_problems(d)
    if fp.update_rounding == "stochastic":
        out += _rounding_problems(d)
    if fp.update_rounding == "mtj":
        out += _mtj_problems(d, tech)
    if mr.word_bits % fp.weight_bits:
        out.append((("mram", "word_bits"),
                    f"{mr.word_bits} is not a multiple of fixed_point.weight_bits "
                    f"({fp.weight_bits}); a word must hold whole weights, e.g. "
                    f"{fp.weight_bits * max(1, mr.word_bits // fp.weight_bits)}"))
        return out
    wpw = mr.word_bits // fp.weight_bits
    if wpw % d.parallel.mac_units:
        divisors = [k for k in range(1, wpw + 1) if wpw % k == 0]
        out.append((("parallel", "mac_units"),
                    f"{d.parallel.mac_units} does not divide the {wpw} weights per MRAM word "
                    f"(mram.word_bits / fixed_point.weight_bits); allowed: {divisors}"))
    total = 0
    for i in range(n_mat):
        wpr = ceil_div(layers[i], wpw)
        if wpr > mr.words_per_macro:
            out.append((("network", "layers", i),
                        f"layer {i} has {layers[i]} neurons: one row of W_{i} needs {wpr} MRAM "
                        f"words but mram.words_per_macro is {mr.words_per_macro}; rows may not "
                        f"span macros: raise mram.words_per_macro to >= {wpr} or widen "
                        f"mram.word_bits"))
        total += ceil_div(stored_rows(d, i) * wpr, mr.words_per_macro)
    if total > mr.max_macros:
        out.append((("mram", "words_per_macro"),
                    f"the network needs {total} macros of {mr.words_per_macro} words, more than "
                    f"mram.max_macros = {mr.max_macros}; use larger macros or raise max_macros"))
    corner = tech.corner_for(d.pdk.corner)
    if corner is None:
        out.append((("pdk", "corner"),
                    f"MRAM technology {tech.name!r} has no {d.pdk.corner!r} corner (it has "
                    f"{[c.name for c in tech.corners]}); pick one of those or add the corner to "
                    "its technology file"))
        return out
    period = d.clock.period_ns
    # The macro model (it imports only eqchip.config.mram_tech) gives the access times.
    from eqchip.config.mram_model import macro_model

    m = macro_model(mr.words_per_macro, mr.word_bits, tech, corner)
    slowest = max(m.read_ns + tech.timing.setup_ns * corner.delay_scale, m.write_ns)
    if period < slowest:
        out.append((("clock", "freq_mhz"),
                    f"{d.clock.freq_mhz} MHz (period {period:.2f} ns) is faster than MRAM "
                    f"technology {tech.name!r} allows for single-cycle access at corner "
                    f"{corner.name} ({slowest:.2f} ns); allowed: <= {1000.0 / slowest:.1f} MHz"))
    return out
