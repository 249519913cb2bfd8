"""The report's per-synapse comparison with a reference build of the same build root
(`report.compare_with`, `eqchip report --compare-with`; eqchip.report.compare). Uses copies of
the session's small build: no new build."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eqchip.report.api import write_report_analysis


@pytest.fixture(scope="module")
def build_root(small_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """<root>/small (the build) and <root>/ref (a copy of it as the reference, with a training
    summary of one epoch)."""
    root = tmp_path_factory.mktemp("compare") / "builds"
    shutil.copytree(small_build, root / "small", symlinks=True)
    shutil.copytree(small_build, root / "ref", symlinks=True)
    r = subprocess.run([sys.executable, "-m", "eqchip", "train", "small", "--epochs", "1",
                        "--no-float", "-o", str(root / "ref" / "train")], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return root


def test_comparison_reads_the_reference_records(build_root: Path, tmp_path: Path) -> None:
    paths, an = write_report_analysis(build_root / "small", out_dir=tmp_path / "out",
                                      layout_picture=False, compare_with="ref")
    data = json.loads(paths.json.read_text())
    this, ref = data["comparison"]["rows"]
    n = data["design"]["n_synapses"]
    assert this["n_synapses"] == ref["n_synapses"] == n == 4 * 4 + 4 * 2
    metrics = json.loads((build_root / "ref" / "metrics.json").read_text())
    assert ref["mram_um2_per_synapse"] == pytest.approx(metrics["area"]["macros_um2"] / n)
    assert ref["logic_um2_per_synapse"] == pytest.approx(metrics["area"]["stdcell_um2"] / n)
    inf = data["energy"]["inference"]["parts_pj"]
    mram = inf["mram_read"]["value"] + inf["mram_write"]["value"] + inf["mram_leakage"]["value"]
    logic = inf["logic_dynamic"]["value"] + inf["logic_leakage"]["value"]
    assert this["inference_mram_pj_per_synapse"] == pytest.approx(mram / n)
    assert this["inference_logic_pj_per_synapse"] == pytest.approx(logic / n)
    assert logic > 0 and mram > 0
    # the reference is a copy of the same build: read the same way, it gives the same figures
    for k, v in data["comparison"]["ratio_to_reference"].items():
        assert v == pytest.approx(1.0), k
    assert ref["build_dir"] == str(build_root / "ref")
    summary = json.loads((build_root / "ref" / "train" / "summary.json").read_text())
    assert ref["test_accuracy"] == summary["final_test_acc"] and ref["accuracy_epochs"] == 1
    assert ref["accuracy_n_test"] == summary["n_test"] > 0      # issue 26: n beside it
    assert this["test_accuracy"] is None
    assert any("no training summary" in s for s in data["comparison"]["notes"])
    md = paths.markdown.read_text()
    assert "## Per synapse, next to the reference design" in md
    assert "reference ref (`small`)" in md and "weight bits / update rounding | 16 / nearest" in md
    assert "Per synapse, next to the reference design" in paths.html.read_text()
    assert f"(1 epochs, n = {summary['n_test']})" in md


def test_an_absent_reference_is_a_note(build_root: Path, tmp_path: Path) -> None:
    paths, _ = write_report_analysis(build_root / "small", out_dir=tmp_path / "out",
                                     layout_picture=False, compare_with="digits")
    c = json.loads(paths.json.read_text())["comparison"]
    assert len(c["rows"]) == 1 and c["ratio_to_reference"] is None
    assert any(f"reference build {build_root / 'digits'} is absent" in s for s in c["notes"])


def test_no_comparison_unless_asked(build_root: Path, tmp_path: Path) -> None:
    paths, _ = write_report_analysis(build_root / "small", out_dir=tmp_path / "out",
                                     layout_picture=False)
    assert "comparison" not in json.loads(paths.json.read_text())
