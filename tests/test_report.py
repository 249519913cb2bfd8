"""`eqchip report`: build small.yaml, simulate one training step, write the report and check
its numbers against the RTL counters, the golden model and hand arithmetic."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from eqchip import golden as g
from eqchip.config import load_design
from eqchip.errors import EqchipError
from eqchip.report import write_report, write_report_analysis
from eqchip.report.render import write_outputs

REQUIRED = ("schema", "generated", "design", "tools", "pdk", "sources", "area", "timing",
            "power", "mram", "energy", "cross_checks", "notes")


def _figures(obj: object, path: str = ""):  # noqa: ANN202 - yields (path, figure)
    if isinstance(obj, dict):
        if set(obj) == {"value", "unit", "source"}:
            yield path, obj
        else:
            for k, v in obj.items():
                yield from _figures(v, f"{path}.{k}" if path else k)


def test_report_without_a_build_covers_the_mram_only(tmp_path, designs_dir):
    build = tmp_path / "small"
    build.mkdir()
    paths = write_report(build, designs_dir / "small.yaml", pdk_root=None, simulate=False,
                         without_build=True)
    data = json.loads(paths.json.read_text())
    assert all(k in data for k in REQUIRED)
    assert data["area"] is None and data["power"] is None
    assert any("logic energy is missing" in n for n in data["notes"])
    # MRAM-only inference energy of small by hand: 96 reads x 32 bits x read_pj_per_bit
    # + 2 macros x leakage x 113 cycles (1 + 8 STEPs of 14) x 20 ns
    tech = load_design(designs_dir / "small.yaml").tech
    e = tech.energy
    leak_w = (e.standby_leakage_uw + e.standby_leakage_uw_per_kbit * 16 * 32 / 1024) * 1e-6
    want = 96 * 32 * e.read_pj_per_bit + 2 * leak_w * 113 * 20e-9 * 1e12
    assert data["energy"]["inference"]["total_pj"]["value"] == pytest.approx(want)
    assert paths.markdown.read_text().startswith("# eqchip report: small")


def test_report_needs_the_metrics_of_a_build_of_this_design(tmp_path, designs_dir):
    build = tmp_path / "small"
    build.mkdir()
    with pytest.raises(EqchipError, match="metrics.json: no such file") as err:
        write_report(build, designs_dir / "small.yaml", pdk_root=None, simulate=False)
    assert "eqchip build" in (err.value.hint or "")
    assert not (build / "report.json").exists()
    r = subprocess.run(["eqchip", "report", str(build), "--design",
                        str(designs_dir / "small.yaml"), "--no-simulate"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "metrics.json: no such file" in r.stderr
    assert "Traceback" not in r.stderr
    # a metrics.json of another version of the design: a stale build, refused
    (build / "metrics.json").write_text(json.dumps({"design_sha256": "0" * 64}))
    with pytest.raises(EqchipError, match="stale") as err:
        write_report(build, designs_dir / "small.yaml", pdk_root=None, simulate=False)
    assert "rebuild" in (err.value.hint or "")
    assert not (build / "report.json").exists()


def test_html_report_escapes_text_and_keeps_figures(tmp_path, designs_dir):
    build = tmp_path / "small"
    build.mkdir()
    paths = write_report(build, designs_dir / "small.yaml", pdk_root=None, simulate=False,
                         without_build=True)
    data = json.loads(paths.json.read_text())
    data["notes"].append("<script>alert(1)</script> & more")
    out = write_outputs(data, tmp_path / "again", None)
    html = out.html.read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', html)) >= 2
    # Markdown is not HTML-escaped; report.json holds the same data as the texts
    assert "<script>alert(1)</script> & more" in out.markdown.read_text()
    assert json.loads(out.json.read_text())["notes"] == data["notes"]


def test_cli_rejects_a_missing_build_dir(tmp_path):
    r = subprocess.run(["eqchip", "report", str(tmp_path / "nope"), "--design", "small"],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "does not exist" in r.stderr and "Traceback" not in r.stderr


# --- the real thing: eqchip build + co-simulation + report -------------------------------

needs_tools = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("sta", "iverilog", "vvp")),
    reason="needs OpenSTA (sta) and Icarus Verilog")


@pytest.fixture(scope="module")
def small_step(tmp_path_factory, designs_dir):
    from eqchip.sim.runner import run_cosim

    loaded = load_design(designs_dir / "small.yaml")
    work = tmp_path_factory.mktemp("sim")
    res = run_cosim(loaded, work, "icarus", samples=1, vcd=work / "step.vcd", timeout_s=1200)
    assert res.vcd is not None
    return loaded, res


@pytest.fixture(scope="module")
def small_report(small_build, small_step, tmp_path_factory):
    loaded, res = small_step
    out = tmp_path_factory.mktemp("report")
    paths, an = write_report_analysis(small_build, loaded, vcd=res.vcd, out_dir=out)
    return paths, an, json.loads(paths.json.read_text())


@pytest.mark.slow
@needs_tools
def test_report_files_schema_and_provenance(small_report):
    paths, _, data = small_report
    assert all(k in data for k in REQUIRED)
    assert data["schema"] == "eqchip-report/1"
    figs = list(_figures(data))
    assert len(figs) > 30
    for where, f in figs:
        assert f["source"] and f["unit"], where
    html = paths.html.read_text()
    # self-contained: every image inline, nothing fetched
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) >= 4
    assert "Cross-checks" in paths.markdown.read_text()


@pytest.mark.slow
@needs_tools
def test_report_counts_equal_the_rtl_counters_of_the_same_step(small_report, small_step):
    _, _, data = small_report
    loaded, res = small_step
    rtl = next(op for op in res.ops if op["kind"] == "train")     # read over the host bus
    t = data["energy"]["training_step"]
    assert (t["cycles"], t["mram_reads"], t["mram_writes"]) == (
        rtl["cycles"], rtl["mram_reads"], rtl["mram_writes"])
    # and the golden model agrees on the reads/cycles that follow from the writes
    want = g.training_counters(loaded.arch, rtl["mram_writes"])
    assert (t["cycles"], t["mram_reads"]) == (want.cycles, want.mram_reads)
    assert all(c["ok"] for c in data["cross_checks"]), data["cross_checks"]
    names = " ".join(c["name"] for c in data["cross_checks"])
    assert "RTL register mram_reads" in names and "RTL register mram_writes" in names
    assert "RTL register cycles" in names


@pytest.mark.slow
@needs_tools
def test_training_step_energy_is_the_sum_of_its_parts(small_report):
    _, an, data = small_report
    t = data["energy"]["training_step"]
    parts = t["parts_pj"]
    assert set(parts) == {"logic_dynamic", "logic_leakage", "mram_read", "mram_write",
                          "mram_leakage"}
    assert sum(p["value"] for p in parts.values()) == pytest.approx(t["total_pj"]["value"])
    # each part from its inputs: the MRAM parts from counts x per-word energies
    m = data["mram"]
    assert parts["mram_read"]["value"] == pytest.approx(
        t["mram_reads"] * m["read_pj_per_word"]["value"])
    assert parts["mram_write"]["value"] == pytest.approx(
        t["mram_writes"] * m["write_pj_per_word"]["value"])
    lp = data["power"]["logic"]["annotated"]
    assert parts["logic_dynamic"]["value"] == pytest.approx(
        lp["dynamic_w"]["value"] * t["time_ns"] * 1e3)
    f = data["energy"]["figures"]
    assert f["pj_per_synop_inference"]["value"] == pytest.approx(
        data["energy"]["inference"]["total_pj"]["value"] / f["synops_per_inference"]["value"])


@pytest.mark.slow
@needs_tools
def test_vectorless_and_annotated_power_side_by_side(small_report):
    _, _, data = small_report
    p = data["power"]
    assert p["vectorless"] and p["annotated"]
    # the annotation comes from simulating the netlist itself: every net measured
    assert p["annotated_method"].startswith("gate-level simulation")
    act = p["activity"]
    nets = act["nets_by_origin"]
    assert nets.get("sim", 0) >= 0.99 * sum(nets.values())
    assert p["propagation_check"]["nets"] > 0 and p["logic"]["rtl_propagated"] is not None
    assert act["flop_coverage"] > 0.95
    assert act["pins_set_in_sta"] >= 0.99 * act["pins_annotated"]
    lv, la = p["logic"]["vectorless"], p["logic"]["annotated"]
    assert lv["total_w"]["value"] > 0 and la["total_w"]["value"] > 0
    assert lv["switching_w"]["value"] != la["switching_w"]["value"]
    # leakage does not depend on activity
    assert lv["leakage_w"]["value"] == pytest.approx(la["leakage_w"]["value"])
    a = data["area"]
    assert a["total_um2"]["value"] == pytest.approx(a["stdcell_um2"]["value"]
                                                    + a["macro_um2"]["value"])


@pytest.mark.slow
@needs_tools
def test_cli_report_on_the_build(small_build, small_step, tmp_path):
    loaded, res = small_step
    r = subprocess.run(["eqchip", "report", str(small_build), "--design", str(loaded.path),
                        "--vcd", str(res.vcd), "-o", str(tmp_path), "--no-gate-level"],
                       capture_output=True,
                       text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "report.html").is_file() and (tmp_path / "report.json").is_file()
    assert "energy / inference" in r.stdout
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["power"]["annotated_method"].startswith("RTL VCD")
    assert data["power"]["logic"]["rtl_propagated"] is None


def test_layout_picture_is_embedded(tmp_path, designs_dir):
    import klayout.db as kdb

    ly = kdb.Layout()
    top = ly.create_cell("small_top")
    top.shapes(ly.layer(68, 20)).insert(kdb.Box(0, 0, 20000, 10000))
    gds = tmp_path / "small" / "small_top.gds"
    gds.parent.mkdir()
    ly.write(str(gds))
    paths = write_report(gds.parent, designs_dir / "small.yaml", pdk_root=None, simulate=False,
                         without_build=True)
    assert paths.layout_png is not None and paths.layout_png.read_bytes()[:4] == b"\x89PNG"
    data = json.loads(paths.json.read_text())
    assert data["sources"]["layout"] == str(gds)
    html = paths.html.read_text()
    assert 'alt="layout"' in html and "No layout in this build" not in html


@pytest.mark.slow
@needs_tools
def test_without_a_vcd_the_report_is_vectorless_and_says_so(small_build, designs_dir, tmp_path):
    paths = write_report(small_build, designs_dir / "small.yaml", out_dir=tmp_path,
                         simulate=False)
    data = json.loads(paths.json.read_text())
    assert data["sources"]["vcd"] is None
    assert data["power"]["annotated"] is None and data["power"]["logic"]["vectorless"]
    assert any("VECTORLESS" in n for n in data["notes"])
    # the training step then comes from the golden model on the representative sample
    assert data["energy"]["training_step"]["counters_source"].startswith("golden model")
    assert "n/a" in paths.markdown.read_text()


@pytest.mark.slow
@needs_tools
def test_without_a_vcd_the_report_simulates_one_training_step(small_build, designs_dir,
                                                               tmp_path):
    paths = write_report(small_build, designs_dir / "small.yaml", out_dir=tmp_path,
                         gate_level=False)
    data = json.loads(paths.json.read_text())
    vcd = Path(data["sources"]["vcd"])
    assert vcd.is_file() and "report_work" in vcd.parts
    assert data["power"]["annotated"] is not None
    t = data["energy"]["training_step"]
    assert t["counters_source"].startswith("RTL simulation")
    assert t["mram_reads"] == g.training_counters(load_design(designs_dir / "small.yaml").arch,
                                                  t["mram_writes"]).mram_reads
    assert all(c["ok"] for c in data["cross_checks"]), data["cross_checks"]
