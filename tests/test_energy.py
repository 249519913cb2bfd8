"""The energy model (eqchip.report.energy) against numbers worked out by hand."""

from __future__ import annotations

import pytest

from eqchip.config import load_design
from eqchip.golden.counters import Counters, inference_counters, training_counters
from eqchip.report.energy import Figure, PowerInputs, energy_report, synops_per_step


@pytest.fixture(scope="module")
def small(designs_dir):
    return load_design(designs_dir / "small.yaml")


def _inputs() -> PowerInputs:
    return PowerInputs(
        logic_dynamic_w=Figure(1e-3, "W", "hand"), logic_leakage_w=Figure(1e-6, "W", "hand"),
        read_pj_per_word=Figure(1.6, "pJ", "hand"), write_pj_per_word=Figure(6.0, "pJ", "hand"),
        macro_leakage_w=Figure(2e-6, "W", "hand"), n_macros=2)


def test_small_synaptic_op_counts_by_hand(small):
    # 4-4-2: W_0 is 4x4, W_1 is 2x4. Forward MACs 16 + 8, transposed only for W_1 (layer 1
    # has dynamics, layer 0 does not): 8. T1 = 8, T2 = 4 symmetric -> 8 + 2*4 = 16 steps.
    assert synops_per_step(small.arch) == 32
    rep = energy_report(small.arch, _inputs(), Counters(209, 96, 0), Counters(454, 204, 10),
                        "hand", "hand")
    f = rep.figures
    assert f["synops_per_inference"].value == 8 * 32
    assert f["synops_per_training_step"].value == 16 * 32
    assert f["weight_updates_per_training_step"].value == 24


def test_training_step_energy_by_hand(small):
    rep = energy_report(small.arch, _inputs(), Counters(209, 96, 0), Counters(454, 204, 10),
                        "hand", "hand")
    t = rep.training
    # 454 cycles at 50 MHz = 9080 ns
    assert t.time_ns == pytest.approx(9080.0)
    p = {k: v.value for k, v in t.parts.items()}
    assert p["logic_dynamic"] == pytest.approx(1e-3 * 9080e-9 * 1e12)      # 9080 pJ
    assert p["logic_leakage"] == pytest.approx(1e-6 * 9080e-9 * 1e12)      # 9.08 pJ
    assert p["mram_read"] == pytest.approx(204 * 1.6)
    assert p["mram_write"] == pytest.approx(10 * 6.0)
    assert p["mram_leakage"] == pytest.approx(2 * 2e-6 * 9080e-9 * 1e12)
    total = 9080 + 9.08 + 326.4 + 60 + 36.32
    assert t.total_pj == pytest.approx(total)
    # the sum of the parts is the total, and the headline figure is that total
    assert sum(p.values()) == pytest.approx(rep.figures["energy_per_training_sample"].value)
    per_op = total / (16 * 32 + 24)
    assert rep.figures["pj_per_synop_training"].value == pytest.approx(per_op)
    assert rep.figures["tops_per_w_training"].value == pytest.approx(2 / per_op)


def test_inference_and_weight_update_phase_by_hand(small):
    rep = energy_report(small.arch, _inputs(), Counters(209, 96, 0), Counters(454, 204, 10),
                        "hand", "hand")
    e_inf = 1e-3 * 4180e-9 * 1e12 + 1e-6 * 4180e-9 * 1e12 + 96 * 1.6 + 2 * 2e-6 * 4180e-9 * 1e12
    assert rep.inference.total_pj == pytest.approx(e_inf)
    assert rep.figures["pj_per_synop_inference"].value == pytest.approx(e_inf / 256)
    # WUPD of small (biases included): 1 FILL + 12 words x 1 COMPUTE + 10 WRITE cycles = 23
    w = rep.weight_update
    assert w.counters == Counters(23, 12, 10)
    e_w = (1e-3 + 1e-6 + 4e-6) * 23 * 20e-9 * 1e12 + 12 * 1.6 + 10 * 6.0
    assert w.total_pj == pytest.approx(e_w)
    assert rep.figures["energy_per_weight_update"].value == pytest.approx(e_w / 24)


def test_counters_follow_the_architecture_schedule(small):
    # cross-check of the counters the report uses with the contract's formulas
    step = 2 + 12 * 1            # a FILL per matrix + words x 1 sub-cycle
    assert inference_counters(small.arch) == Counters(1 + 8 * step, 8 * 12, 0)
    assert training_counters(small.arch, 10) == Counters(
        1 + 16 * step + 1 + 1 + 1 + 12 * 1 + 10, 17 * 12, 10)


def test_every_figure_names_its_source(small):
    rep = energy_report(small.arch, _inputs(), Counters(209, 96, 0), Counters(454, 204, 10),
                        "golden", "vcd")
    d = rep.as_dict()
    for name, f in d["figures"].items():
        assert f["source"], name
        assert f["unit"], name
    for part in d["training_step"]["parts_pj"].values():
        assert "vcd" in part["source"] or "P_logic" in part["source"] or "macros" in part["source"]
