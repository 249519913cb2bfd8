"""Energy per operation from cycle counts, MRAM accesses and power (pure arithmetic).

    E_logic_dyn  = P_logic_dyn  x cycles x T_clk      (P from activity-annotated OpenSTA power)
    E_logic_leak = P_logic_leak x cycles x T_clk
    E_mram_read  = reads  x E_read_word   (E_read_word:  macro model, periphery included)
    E_mram_write = writes x E_write_word  (E_write_word: macro model, periphery included)
    E_mram_leak  = n_macros x P_macro_leak x cycles x T_clk
    E_mram_sw    = sum_k attempts_k x E_attempt_k   (update_rounding: mtj only: stochastic writes
                   of the training step by pulse level, eqchip.config.mram_model)
    E            = sum of the parts

Synaptic operations (MACs W*s that the mathematics needs; padding excluded) per STEP:
forward `sum_l rows_l * cols_l` plus transposed `sum_{l>=1} rows_l * cols_l` (layer 0 has no
dynamics). A weight update is one dW of one synapse (every synapse once per training step).
TOPS/W counts a MAC as 2 operations. Every number is a `Figure` that says where it came from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from eqchip.config.arch import Arch
from eqchip.golden.counters import (
    Counters,
    nudged_steps,
    step_cycles,
    total_words,
    word_pass_cycles,
)


@dataclass(frozen=True)
class Figure:
    """One reported number, its unit, and its provenance (a file + field, or a formula)."""

    value: float
    unit: str
    source: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PowerInputs:
    """Logic power of the synthesized netlist and MRAM technology numbers, with sources."""

    logic_dynamic_w: Figure
    logic_leakage_w: Figure
    read_pj_per_word: Figure
    write_pj_per_word: Figure
    macro_leakage_w: Figure          # one macro
    n_macros: int


@dataclass(frozen=True)
class OpEnergy:
    """Energy of one operation, by part (pJ)."""

    name: str
    counters: Counters
    counters_source: str
    period_ns: float
    parts: dict[str, Figure] = field(default_factory=dict)

    @property
    def total_pj(self) -> float:
        return sum(f.value for f in self.parts.values())

    @property
    def time_ns(self) -> float:
        return self.counters.cycles * self.period_ns

    def total(self) -> Figure:
        return Figure(self.total_pj, "pJ", f"sum of {', '.join(self.parts)} of {self.name}")

    def as_dict(self) -> dict:
        return {"cycles": self.counters.cycles, "mram_reads": self.counters.mram_reads,
                "mram_writes": self.counters.mram_writes,
                "counters_source": self.counters_source, "time_ns": self.time_ns,
                "parts_pj": {k: v.as_dict() for k, v in self.parts.items()},
                "total_pj": self.total().as_dict()}


def op_energy(name: str, c: Counters, counters_source: str, period_ns: float,
              p: PowerInputs, extra: dict[str, Figure] | None = None) -> OpEnergy:
    t_ns = c.cycles * period_ns
    # W x ns = nJ = 1e3 pJ
    parts = {
        "logic_dynamic": Figure(p.logic_dynamic_w.value * t_ns * 1e3, "pJ",
                                f"P_logic_dyn ({p.logic_dynamic_w.source}) x {c.cycles} cycles "
                                f"x {period_ns:g} ns"),
        "logic_leakage": Figure(p.logic_leakage_w.value * t_ns * 1e3, "pJ",
                                f"P_logic_leak ({p.logic_leakage_w.source}) x {c.cycles} cycles "
                                f"x {period_ns:g} ns"),
        "mram_read": Figure(c.mram_reads * p.read_pj_per_word.value, "pJ",
                            f"{c.mram_reads} reads ({counters_source}) x E_read_word "
                            f"({p.read_pj_per_word.source})"),
        "mram_write": Figure(c.mram_writes * p.write_pj_per_word.value, "pJ",
                             f"{c.mram_writes} writes ({counters_source}) x E_write_word "
                             f"({p.write_pj_per_word.source})"),
        "mram_leakage": Figure(p.n_macros * p.macro_leakage_w.value * t_ns * 1e3, "pJ",
                               f"{p.n_macros} macros x P_macro_leak "
                               f"({p.macro_leakage_w.source}) x {c.cycles} cycles x "
                               f"{period_ns:g} ns"),
    }
    return OpEnergy(name, c, counters_source, period_ns, parts | (extra or {}))


def synops_per_step(arch: Arch) -> int:
    fwd = sum(m.rows * m.cols for m in arch.matrices)
    bwd = sum(m.rows * m.cols for m in arch.matrices if m.index >= 1)
    return fwd + bwd


def steps_per_training(arch: Arch) -> int:
    return arch.t1 + nudged_steps(arch)


def steps_of(arch: Arch, c: Counters, training: bool) -> int:
    """STEPs of the operation with counters `c`: the fixed schedule's, or with convergence-gated
    phases (eqprop.early_stop) the ones it took: every STEP reads every word once, and so does
    a WUPD that was not skipped (a skipped one has no cycles: docs/architecture.md)."""
    if not arch.early_stop:
        return steps_per_training(arch) if training else arch.t1
    n = c.mram_reads // total_words(arch)
    if training and c.cycles != 2 + (1 if arch.symmetric else 0) + n * step_cycles(arch):
        n -= 1
    return n


@dataclass(frozen=True)
class EnergyReport:
    inference: OpEnergy
    training: OpEnergy
    weight_update: OpEnergy          # the WUPD part of the training step (biases included)
    figures: dict[str, Figure]

    def as_dict(self) -> dict:
        return {"inference": self.inference.as_dict(), "training_step": self.training.as_dict(),
                "weight_update_phase": self.weight_update.as_dict(),
                "figures": {k: v.as_dict() for k, v in self.figures.items()}}


def energy_report(arch: Arch, p: PowerInputs, inference: Counters, training: Counters,
                  inference_source: str, training_source: str,
                  p_inference: PowerInputs | None = None,
                  mtj_write: Figure | None = None) -> EnergyReport:
    """`p` is the training step's power; `p_inference` the inference's own (measured over its
    window), or None: the inference then uses `p` too. `mtj_write`: energy of the stochastic
    MTJ writes of one training step (update_rounding: mtj), part of the training step and of its
    weight-update phase."""
    extra = {"mram_stochastic_write": mtj_write} if mtj_write is not None else None
    per = arch.clock_period_ns
    none = {"mram_stochastic_write": Figure(0.0, "pJ", "an inference updates no weight")} \
        if mtj_write is not None else None
    inf = op_energy("inference", inference, inference_source, per, p_inference or p, none)
    trn = op_energy("training step", training, training_source, per, p, extra)
    # WUPD: FILL (1) + word pass + one cycle per written word (eqchip.golden.counters.wupd_cycles)
    wupd_c = Counters(cycles=word_pass_cycles(arch) + training.mram_writes + 1,
                      mram_reads=sum(m.words for m in arch.matrices),
                      mram_writes=training.mram_writes)
    wupd = op_energy("weight update phase", wupd_c,
                     "docs/architecture.md cycle schedule: WUPD", per, p, extra)
    n_inf, n_trn = steps_of(arch, inference, False), steps_of(arch, training, True)
    s_inf = n_inf * synops_per_step(arch)
    s_trn = n_trn * synops_per_step(arch)
    gated = " (early_stop: the STEPs the operation took)" if arch.early_stop else ""
    n_syn = arch.n_synapses
    e_inf, e_trn = inf.total_pj, trn.total_pj
    f: dict[str, Figure] = {
        "synops_per_step": Figure(synops_per_step(arch), "MAC",
                                  "sum_l rows*cols (forward) + sum_{l>=1} rows*cols (transposed)"),
        "synops_per_inference": Figure(s_inf, "MAC", f"{n_inf} STEPs{gated} x synops_per_step"
                                       if gated else "T1 x synops_per_step"),
        "synops_per_training_step": Figure(
            s_trn, "MAC", f"{n_trn} STEPs{gated} x synops_per_step" if gated
            else "(T1 + T2 x (2 if symmetric else 1)) x synops_per_step"),
        "weight_updates_per_training_step": Figure(n_syn, "updates", "n_synapses"),
        "energy_per_inference": inf.total(),
        "energy_per_training_sample": trn.total(),
        "pj_per_synop_inference": Figure(e_inf / s_inf, "pJ/MAC",
                                         "energy_per_inference / synops_per_inference"),
        "pj_per_synop_training": Figure(
            e_trn / (s_trn + n_syn), "pJ/op",
            "energy_per_training_sample / (synops_per_training_step + weight updates)"),
        "energy_per_weight_update": Figure(wupd.total_pj / n_syn, "pJ",
                                           "weight_update_phase energy / n_synapses"),
        "tops_per_w_inference": Figure(2.0 * s_inf / e_inf, "TOPS/W",
                                       "2 ops/MAC x synops_per_inference / energy_per_inference"
                                       " (ops/pJ = TOPS/W)"),
        "tops_per_w_training": Figure(2.0 * (s_trn + n_syn) / e_trn, "TOPS/W",
                                      "2 x (synops + weight updates) / energy_per_training_sample"),
        "inference_latency": Figure(inf.time_ns, "ns", "inference cycles x clock period"),
        "training_step_latency": Figure(trn.time_ns, "ns", "training cycles x clock period"),
        "inferences_per_second": Figure(1e9 / inf.time_ns, "1/s", "1 / inference_latency"),
    }
    return EnergyReport(inf, trn, wupd, f)


