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


# --- the convergence section in report.md / report.html and the terminal summary ------------

def _num(text: str) -> float:
    return float(text.replace(",", "").split()[0])


def _md_row(md: str, label: str) -> list[str]:
    rows = [r for r in md.splitlines() if r.startswith(f"| {label} |")]
    assert len(rows) == 1, (label, rows)
    return [c.strip() for c in rows[0].strip("|").split("|")][1:]


def _html_row(html: str, label: str) -> list[str]:
    import re

    rows = re.findall(rf"<tr><td>{re.escape(label)}</td>(.*?)</tr>", html, re.S)
    assert len(rows) == 1, (label, rows)
    return [re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)]


def _written(tmp_path: Path, design: Path, name: str) -> tuple[dict, str, str]:
    import json

    from eqchip.report import write_report

    build = tmp_path / name
    build.mkdir()
    paths = write_report(build, design, without_build=True)
    from html import unescape

    return (json.loads(paths.json.read_text()), paths.markdown.read_text(),
            unescape(paths.html.read_text()))


def test_report_md_and_html_show_the_gate_against_the_fixed_schedule(
        small_es, tmp_path: Path) -> None:
    """A gated design's report.md and report.html carry one convergence table whose figures
    are report.json's `convergence` values: STEPs per phase (mean, p90) beside T1/T2, the
    share of skipped updates, energy per inference / training sample (mean, std, p10, p90)
    beside the fixed schedule's and the ratio, with the data set and n."""
    data, md, html = _written(tmp_path, small_es.path, "small_es")
    c = data["convergence"]
    assert c["dataset"] == small_es.design.training.dataset and c["samples"] > 1
    e = c["energy"]
    steps = [("inference: free-phase STEPs", c["inference_steps"], c["t1"]),
             ("training: free-phase STEPs", c["training_steps"]["free"], c["t1"]),
             ("training: plus-phase STEPs", c["training_steps"]["plus"], c["t2"]),
             ("training: minus-phase STEPs", c["training_steps"]["minus"], c["t2"])]
    energy = [("energy per inference (pJ)", e["inference_pj"],
               e["fixed_schedule_inference_pj"], e["inference_ratio"]),
              ("energy per training sample (pJ)", e["training_sample_pj"],
               e["fixed_schedule_training_sample_pj"], e["training_ratio"])]
    for text, row in ((md, _md_row), (html, _html_row)):
        assert f"{c['samples']} test samples of '{c['dataset']}'" in text
        for label, dist, fixed in steps:
            cells = row(text, label)        # fixed, mean, std, p10, p90, mean / fixed, source
            assert _num(cells[0]) == fixed
            for i, k in ((1, "mean"), (2, "std"), (3, "p10"), (4, "p90")):
                assert _num(cells[i]) == pytest.approx(dist[k], rel=1e-3, abs=1e-3), (label, k)
            assert _num(cells[5]) == pytest.approx(dist["mean"] / fixed, rel=1e-3)
            assert cells[6] == dist["source"]
        cells = row(text, "weight updates skipped (%)")
        assert _num(cells[0]) == 0
        assert _num(cells[1]) == pytest.approx(c["skipped_updates"]["value"] * 100, rel=1e-3)
        assert cells[6] == c["skipped_updates"]["source"]
        for label, dist, fixed, ratio in energy:
            cells = row(text, label)
            assert _num(cells[0]) == pytest.approx(fixed, rel=1e-3)
            for i, k in ((1, "mean"), (2, "std"), (3, "p10"), (4, "p90")):
                assert _num(cells[i]) == pytest.approx(dist[k], rel=1e-3), (label, k)
            assert _num(cells[5]) == pytest.approx(ratio, rel=1e-3)
            assert cells[6] == dist["source"]
    assert 0 < e["inference_ratio"] < 1 and 0 < e["training_ratio"] < 1


def test_ungated_report_has_no_convergence_table(designs_dir: Path, tmp_path: Path) -> None:
    data, md, html = _written(tmp_path, designs_dir / "small.yaml", "small")
    assert data["convergence"] is None
    for text in (md, html):
        assert "Convergence gate" not in text and "plus-phase STEPs" not in text


def test_terminal_summary_gives_the_gated_energy(small_es, designs_dir: Path,
                                                 tmp_path: Path) -> None:
    """`eqchip report`'s summary puts the gated test-set mean energy and its ratio to the
    fixed schedule beside the headline energy; an ungated design's summary has no such row."""
    from eqchip.commands.report import summary_rows

    data, _, _ = _written(tmp_path, small_es.path, "small_es")
    e = data["convergence"]["energy"]
    rows = dict(summary_rows(data))
    inf = rows[f"energy / inference, gated (mean of {data['convergence']['samples']})"]
    assert f"{e['inference_pj']['mean']:.4g} pJ" in inf
    assert f"x{e['inference_ratio']:.3g}" in inf
    trn = rows[f"energy / training sample, gated (mean of {data['convergence']['samples']})"]
    assert f"{e['training_sample_pj']['mean']:.4g} pJ" in trn
    assert f"{data['convergence']['skipped_updates']['value'] * 100:.0f} % updates skipped" \
        in trn
    plain, _, _ = _written(tmp_path, designs_dir / "small.yaml", "small")
    assert not any("gated" in k for k, _ in summary_rows(plain))
