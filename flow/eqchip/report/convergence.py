"""Convergence-gated phases in the report: STEPs per phase, skipped updates and energy per
operation as distributions over the design's test set (docs/architecture.md,
"Convergence-gated phases"; docs/report.md).

With `eqprop.early_stop` the counters of an operation depend on the sample, so one simulated
operation no longer stands for all. The golden model gives, per test sample, the STEPs each
phase takes and whether the update is skipped, with the weights the design's own training
reaches (`eqchip train`'s schedule: training.epochs, training.seed, online); the energies come
from the build's measured power, scaled per operation:

    E_cycle_step = (logic dynamic + logic leakage + MRAM leakage of the inference) / its cycles
    E_cycle_wupd = the same of the training step (its average power)
    E_STEP       = step_cycles x E_cycle_step + words x E_read_word
    E_WUPD(w)    = wupd_cycles(w) x E_cycle_wupd + words x E_read_word + w x E_write_word
                   (+ the stochastic MTJ writes of the measured step, update_rounding: mtj)
    inference    = E_cycle_step + n_free x E_STEP                             (CLEAR + STEPs)
    training     = (2 [+1 SWAP]) x E_cycle_step + (n_free + n_plus [+ n_minus]) x E_STEP
                   + (0 if skipped else E_WUPD(w))

The fixed schedule (T1, T2 STEPs, WUPD always) through the same formulas is the reference the
gate is measured against ("saved"): same build, same power, same weights, same samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eqchip.config import LoadedDesign
from eqchip.config.arch import Arch
from eqchip.golden.counters import phase_limits, step_cycles, total_words, wupd_cycles
from eqchip.report.energy import EnergyReport

PERCENTILES = (10, 50, 90)


@dataclass(frozen=True)
class Convergence:
    """Per test sample: the STEPs of an inference, of each phase of a training operation, the
    skip and the MRAM words the training operation writes (all from the same weights)."""

    inference_steps: np.ndarray      # (n,)
    training_steps: np.ndarray       # (n, phases): free, plus[, minus]
    skipped: np.ndarray              # (n,) bool
    writes: np.ndarray               # (n,)
    weights_source: str
    dataset: str = ""                # the data set the samples are from

    @property
    def n(self) -> int:
        return len(self.inference_steps)


def trained_params(loaded: LoadedDesign):  # noqa: ANN201 - golden Params
    """The weights `eqchip train` reaches for the design (its training section, no float
    reference): the network whose convergence the report states."""
    from eqchip.golden.data import load_dataset
    from eqchip.golden.train import run_training

    arch, tr = loaded.arch, loaded.design.training
    data = load_dataset(tr.dataset, arch.layers, tr.test_size, tr.seed)
    return run_training(arch, data, tr.epochs, tr.seed, with_float=False).params


def measure(arch: Arch, params, x: np.ndarray, labels: np.ndarray,  # noqa: ANN001 - Params
            weights_source: str, dataset: str = "") -> Convergence:
    """The golden model over the samples `x` (state format) with one-hot targets of `labels`:
    one inference and one training operation per sample, each from `params` (the operations
    do not chain: the distribution is that of the network as it is)."""
    from eqchip import golden as g
    from eqchip.golden.data import one_hot

    inf = g.infer(arch, params, x)
    y = one_hot(labels, arch.layers[-1], 1 << arch.state_frac)
    steps, skipped, writes = [], [], []
    for xi, yi in zip(x, y, strict=True):
        t = g.train_step(arch, params, xi, yi)
        steps.append(t.steps)
        skipped.append(t.skipped)
        writes.append(t.counters.mram_writes)
    return Convergence(np.asarray(inf.steps, np.int64).reshape(-1),
                       np.asarray(steps, np.int64).reshape(len(x), -1),
                       np.asarray(skipped, bool), np.asarray(writes, np.int64), weights_source,
                       dataset)


def design_convergence(loaded: LoadedDesign) -> Convergence:
    """`measure` over the design's test set with `trained_params`."""
    from eqchip.golden.data import load_dataset

    arch, tr = loaded.arch, loaded.design.training
    data = load_dataset(tr.dataset, arch.layers, tr.test_size, tr.seed)
    return measure(arch, trained_params(loaded), data.quantized(arch.state_frac)[1],
                   data.y_test, f"golden model weights after the design's training "
                   f"({tr.epochs} epochs of '{tr.dataset}', seed {tr.seed}, online), "
                   f"{len(data.y_test)} test samples", tr.dataset)


@dataclass(frozen=True)
class OpScale:
    """Energy per cycle of STEP and of WUPD work, per MRAM access, from the measured report."""

    e_cycle_step: float
    e_cycle_wupd: float
    e_read: float
    e_write: float
    e_mtj: float                     # stochastic MTJ writes of one (non-skipped) update

    @staticmethod
    def from_energy(en: EnergyReport) -> OpScale:
        def per_cycle(op) -> float:  # noqa: ANN001 - OpEnergy
            timed = ("logic_dynamic", "logic_leakage", "mram_leakage")
            return sum(op.parts[k].value for k in timed if k in op.parts) / op.counters.cycles

        trn = en.training
        reads = trn.counters.mram_reads
        e_read = trn.parts["mram_read"].value / reads if reads else 0.0
        writes = trn.counters.mram_writes
        e_write = trn.parts["mram_write"].value / writes if writes else 0.0
        mtj = trn.parts.get("mram_stochastic_write")
        return OpScale(per_cycle(en.inference), per_cycle(trn), e_read, e_write,
                       mtj.value if mtj is not None else 0.0)

    def wupd(self, arch: Arch, writes: np.ndarray) -> np.ndarray:
        cyc = np.array([wupd_cycles(arch, int(w)) for w in writes], np.float64)
        return (cyc * self.e_cycle_wupd + total_words(arch) * self.e_read
                + writes * self.e_write + self.e_mtj)

    def inference(self, arch: Arch, n_free: np.ndarray) -> np.ndarray:
        return self.e_cycle_step + n_free * self.step(arch)

    def step(self, arch: Arch) -> float:
        return step_cycles(arch) * self.e_cycle_step + total_words(arch) * self.e_read

    def training(self, arch: Arch, steps: np.ndarray, skipped: np.ndarray, writes: np.ndarray
                 ) -> np.ndarray:
        overhead = (2 + (1 if arch.symmetric else 0)) * self.e_cycle_step
        return (overhead + steps.sum(axis=1) * self.step(arch)
                + np.where(skipped, 0.0, self.wupd(arch, writes)))


def _dist(v: np.ndarray, unit: str, source: str) -> dict:
    v = np.asarray(v, np.float64)
    out = {"mean": float(v.mean()), "std": float(v.std()), "min": float(v.min()),
           "max": float(v.max()), "unit": unit, "source": source}
    out.update({f"p{q}": float(np.percentile(v, q)) for q in PERCENTILES})
    return out


def section(arch: Arch, conv: Convergence, scale: OpScale | None, energy_source: str) -> dict:
    """report.json's `convergence` section: STEPs per phase (inference, and each phase of a
    training operation), the share of skipped updates and, with `scale`, energy per inference
    and per training sample (distribution, and against the fixed schedule)."""
    names = ("free", "plus", "minus")[:conv.training_steps.shape[1]]
    limits = phase_limits(arch)
    src = conv.weights_source
    out: dict = {
        "samples": conv.n,
        "dataset": conv.dataset or None,
        "weights": src,
        "t1": arch.t1, "t2": arch.t2,
        "inference_steps": _dist(conv.inference_steps, "STEP", f"golden model infer ({src})"),
        "training_steps": {n: _dist(conv.training_steps[:, k], "STEP",
                                    f"golden model train_step, {n} phase ({src})")
                           for k, n in enumerate(names)},
        "skipped_updates": {"value": float(conv.skipped.mean()), "unit": "share",
                            "source": f"golden model train_step: no nudged STEP changed a state "
                                      f"({src})"},
        "steps_saved": {"inference": 1.0 - float(conv.inference_steps.mean()) / arch.t1,
                        "training": 1.0 - float(conv.training_steps.sum(axis=1).mean())
                        / sum(limits)},
        "energy": None,
    }
    if scale is None:
        return out
    n = conv.n
    e_inf = scale.inference(arch, conv.inference_steps)
    e_trn = scale.training(arch, conv.training_steps, conv.skipped, conv.writes)
    fixed_inf = float(scale.inference(arch, np.array([arch.t1]))[0])
    fixed_trn = scale.training(arch, np.tile(np.array(limits), (n, 1)), np.zeros(n, bool),
                               conv.writes)
    how = (f"per sample: CLEAR + STEPs x E_STEP (+ WUPD unless skipped), E_STEP = "
           f"{step_cycles(arch)} cycles x E_cycle_step + {total_words(arch)} reads x E_read, "
           f"per-cycle energies of the measured inference / training step ({energy_source}); "
           "eqchip.report.convergence")
    out["energy"] = {
        "e_step_pj": scale.step(arch),
        "e_wupd_pj_mean": float(scale.wupd(arch, conv.writes).mean()),
        "inference_pj": _dist(e_inf, "pJ", how),
        "training_sample_pj": _dist(e_trn, "pJ", how),
        "fixed_schedule_inference_pj": fixed_inf,
        "fixed_schedule_training_sample_pj": float(fixed_trn.mean()),
        "inference_ratio": float(e_inf.mean()) / fixed_inf,
        "training_ratio": float(e_trn.mean()) / float(fixed_trn.mean()),
    }
    return out


def convergence_section(loaded: LoadedDesign, en: EnergyReport | None) -> dict | None:
    """The section of a gated design (None without eqprop.early_stop): golden-model
    distributions over the test set, energies scaled from `en` when it has logic power."""
    if not loaded.arch.early_stop:
        return None
    conv = design_convergence(loaded)
    scale = None
    if en is not None and en.training.counters.cycles and en.inference.counters.cycles:
        scale = OpScale.from_energy(en)
    return section(loaded.arch, conv, scale, "report energy")
