"""The report's convergence section (eqchip.report.convergence): STEPs per phase, skipped
updates and energy per operation of a gated design as distributions over its test set."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml

from eqchip import golden as g
from eqchip.config import load_design
from eqchip.golden.data import load_dataset
from eqchip.report import convergence as cv
from eqchip.report.energy import Figure, PowerInputs, energy_report, op_energy


def _inputs() -> PowerInputs:
    return PowerInputs(
        logic_dynamic_w=Figure(1e-3, "W", "hand"), logic_leakage_w=Figure(1e-6, "W", "hand"),
        read_pj_per_word=Figure(1.6, "pJ", "hand"), write_pj_per_word=Figure(6.0, "pJ", "hand"),
        macro_leakage_w=Figure(2e-6, "W", "hand"), n_macros=2)


@pytest.fixture
def small_es(tmp_path: Path, designs_dir: Path):
    src = yaml.safe_load((designs_dir / "small.yaml").read_text())
    src["eqprop"]["early_stop"] = True
    path = tmp_path / "small_es.yaml"
    path.write_text(yaml.safe_dump(src))
    return load_design(path)


def _report(arch, writes: int = 10):
    """An energy report of the fixed schedule (same power for inference and training)."""
    return energy_report(arch, _inputs(), g.inference_counters(arch),
                         g.training_counters(arch, writes), "hand", "hand")


def test_fixed_schedule_reproduces_the_report(designs_dir: Path) -> None:
    """Through the scaling formulas, the fixed schedule's inference and training operation
    cost exactly what the energy report says (one power for both)."""
    arch = load_design(designs_dir / "small.yaml").arch
    en = _report(arch, writes=10)
    s = cv.OpScale.from_energy(en)
    assert s.inference(arch, np.array([arch.t1]))[0] == pytest.approx(en.inference.total_pj)
    got = s.training(arch, np.array([[arch.t1, arch.t2, arch.t2]]), np.array([False]),
                     np.array([10]))[0]
    assert got == pytest.approx(en.training.total_pj)


def test_gated_distribution_per_sample(small_es) -> None:
    """Every sample's energy equals the energy model applied to that operation's own golden
    counters; STEPs, skips and percentiles come from the golden model per test sample."""
    arch, tr = small_es.arch, small_es.design.training
    data = load_dataset(tr.dataset, arch.layers, tr.test_size, tr.seed)
    x = data.quantized(arch.state_frac)[1]
    p = cv.trained_params(small_es)
    conv = cv.measure(arch, p, x, data.y_test, "test weights")
    assert conv.n == len(x) == tr.test_size
    en = _report(arch)
    sec = cv.section(arch, conv, cv.OpScale.from_energy(en), "hand")
    pin, per = _inputs(), arch.clock_period_ns
    e_inf, e_trn = [], []
    for i, xi in enumerate(x):
        one = g.infer(arch, p, xi)
        assert int(one.steps) == conv.inference_steps[i]
        e_inf.append(op_energy("i", one.counters, "", per, pin).total_pj)
        y = np.zeros(arch.layers[-1], np.int64)
        y[int(data.y_test[i])] = 1 << arch.state_frac
        t = g.train_step(arch, p, xi, y)
        assert t.steps == tuple(conv.training_steps[i]) and t.skipped == conv.skipped[i]
        e_trn.append(op_energy("t", t.counters, "", per, pin).total_pj)
    e = sec["energy"]
    assert e["inference_pj"]["mean"] == pytest.approx(np.mean(e_inf))
    assert e["inference_pj"]["p90"] == pytest.approx(np.percentile(e_inf, 90))
    assert e["training_sample_pj"]["mean"] == pytest.approx(np.mean(e_trn))
    assert e["training_sample_pj"]["std"] == pytest.approx(np.std(e_trn))
    assert sec["inference_steps"]["mean"] == pytest.approx(conv.inference_steps.mean())
    assert sec["training_steps"]["minus"]["p90"] == pytest.approx(
        np.percentile(conv.training_steps[:, 2], 90))
    assert sec["skipped_updates"]["value"] == pytest.approx(conv.skipped.mean())
    assert e["inference_ratio"] == pytest.approx(np.mean(e_inf) / en.inference.total_pj)
    assert 0 < e["inference_ratio"] < 1          # the gate saved something on small


def test_only_gated_designs_get_the_section(designs_dir: Path) -> None:
    loaded = load_design(designs_dir / "small.yaml")
    assert cv.convergence_section(loaded, _report(loaded.arch)) is None


def test_gated_synops_follow_the_operation(small_es) -> None:
    """A gated design's synaptic operations per inference / training step are those of the
    STEPs the simulated operation took (from its counters), with or without a skipped WUPD;
    the fixed schedule's otherwise."""
    from eqchip.report.energy import steps_of, synops_per_step

    arch = small_es.arch
    per = synops_per_step(arch)
    for steps, skipped, writes in (((3, 2, 1), False, 4), ((5, 1, 1), True, 0)):
        inf = g.inference_counters(arch, steps[0])
        trn = g.training_counters(arch, writes, steps, skipped)
        assert steps_of(arch, inf, False) == steps[0]
        assert steps_of(arch, trn, True) == sum(steps)
        rep = energy_report(arch, _inputs(), inf, trn, "hand", "hand")
        assert rep.figures["synops_per_inference"].value == steps[0] * per
        assert rep.figures["synops_per_training_step"].value == sum(steps) * per
    ungated = energy_report(dataclasses.replace(arch, early_stop=False), _inputs(),
                            g.inference_counters(arch), g.training_counters(arch, 3),
                            "hand", "hand")
    assert ungated.figures["synops_per_inference"].value == arch.t1 * per
