"""What a device researcher looks for in the report of a build (issue 26, items 5, 8 and 10):
die and core area, the planned floorplan as a picture, the critical path, the fast-corner
leakage (or why there is none), the accuracy beside the energy with the test-set size, the
published chips beside this design; tables a 1400 px page holds, areas as 61,650 µm², human
labels and units. All on the session's real build of small.yaml (`small_build`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from eqchip.report import write_report_analysis

META_KEY = "Description"       # the PNG text chunk eqchip.report.floorplan_image writes

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report(small_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("researcher")
    paths, _ = write_report_analysis(small_build, out_dir=out)
    return paths, json.loads(paths.json.read_text())


def _tables(html: str) -> str:
    """report.html without the raw report.json at its end."""
    return html.split("<details>")[0]


def test_die_core_area_and_the_planned_floorplan_picture(report, small_build):
    paths, data = report
    metrics = json.loads((small_build / "metrics.json").read_text())
    fp = data["floorplan"]
    assert fp["die_area_um2"]["value"] == metrics["area"]["die_um2"]
    assert fp["core_area_um2"]["value"] == metrics["area"]["core_um2"]
    assert "PLANNED" in fp["label"]
    # the PNG beside the report carries what it draws: die, core and every macro where
    # floorplan.size planned it, at the size of the macro's LEF
    assert paths.floorplan_png == paths.json.parent / "floorplan.png"
    img = Image.open(paths.floorplan_png)
    drawn = json.loads(img.text[META_KEY])["drawn_objects"]
    core = next(o for o in drawn if o["kind"] == "core")
    assert [core[k] for k in ("x0", "y0", "x1", "y1")] == metrics["floorplan"]["core_um"]
    die = next(o for o in drawn if o["kind"] == "die")
    assert [die["x1"], die["y1"]] == metrics["floorplan"]["die_um"]
    macros = {o["label"]: o for o in drawn if o["kind"] == "macro"}
    planned = metrics["floorplan"]["placements"]
    assert len(macros) == len(planned) == metrics["macros"]["count"]
    for p in planned:
        m = macros[p["instance"]]
        assert (m["x0"], m["y0"]) == (p["x_um"], p["y_um"])
        assert m["x1"] - m["x0"] == pytest.approx(metrics["macros"]["width_um"])
        assert m["y1"] - m["y0"] == pytest.approx(metrics["macros"]["height_um"])
        assert die["x0"] <= m["x0"] < m["x1"] <= die["x1"]
    html = paths.html.read_text()
    assert 'id="floorplan"' in html and "data:image/png;base64," in html
    assert "Die area (planned, before place and route)" in paths.markdown.read_text()


def test_critical_path_names_start_end_clock_and_slack(report, small_build):
    _, data = report
    metrics = json.loads((small_build / "metrics.json").read_text())
    (path,) = [p for p in data["critical_paths"] if p["stage"] == "post-synthesis"]
    rpt = Path(path["report"])
    assert rpt.name == "setup.rpt" and rpt.parent.parent.parent.name == "synthesis.sta"
    text = rpt.read_text()
    assert path["startpoint"] == re.search(r"^Startpoint: (\S+)", text, re.M).group(1)
    assert path["endpoint"] == re.search(r"^Endpoint: (\S+)", text, re.M).group(1)
    assert path["clock"] == "core_clock"
    assert path["period_ns"] == metrics["clock"]["target_period_ns"]
    # the worst path of the report is the build's worst setup slack
    assert path["slack_ns"]["value"] == pytest.approx(metrics["timing"]["setup_slack_ns"],
                                                      abs=1e-3)
    assert path["met"] is (path["slack_ns"]["value"] >= 0)


def test_fast_corner_leakage_is_not_invented(report):
    paths, data = report
    fl = data["fast_corner_leakage"]
    assert fl["value"] is None and fl["note"].startswith("not measured")
    assert "Leakage at the fast corner" in paths.html.read_text()


def test_published_chips_beside_this_design(report):
    paths, data = report
    pub = data["published"]
    this, *rows = pub["rows"]
    assert this["tops_per_w"] == data["energy"]["figures"]["tops_per_w_inference"]["value"]
    assert this["node_nm"] == 130 and "16-bit weights" in this["precision"]
    assert len(rows) >= 4
    for r in rows:
        assert r["citation"].startswith("https://"), r
        assert r["node_nm"] > 0 and r["precision"] and r["venue"] and r["year"]
        if any(r[k] is not None for k in ("tops_per_w", "pj_per_mac", "um2_per_synapse")):
            assert r["from"], r            # every figure says where in the paper it stands
    assert any("MRAM" in r["kind"] for r in rows)
    html = paths.html.read_text()
    assert all(f'<span class="src">{r["citation"]}</span>' in html for r in rows)


def test_accuracy_beside_energy_with_n_or_the_command(report, small_build, tmp_path):
    paths, data = report
    acc = data["accuracy"]
    assert acc["test_accuracy"] is None
    want = f"eqchip train {REPO / 'designs' / 'small.yaml'} -o {small_build / 'train'}"
    assert acc["command"] == want
    assert want in paths.html.read_text()
    # the command as the report writes it, then the report shows accuracy and n
    build = tmp_path / "small"
    shutil.copytree(small_build, build, symlinks=True)
    cmd = acc["command"].replace(str(small_build), str(build)).split()[1:]
    proc = subprocess.run([sys.executable, "-m", "eqchip", *cmd, "--epochs", "1", "--no-float"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((build / "train" / "summary.json").read_text())
    paths2, _ = write_report_analysis(build, out_dir=tmp_path / "out")
    acc2 = json.loads(paths2.json.read_text())["accuracy"]
    assert acc2["test_accuracy"]["value"] == pytest.approx(100 * summary["final_test_acc"])
    assert acc2["n_test"] == summary["n_test"] > 0 and acc2["same_design"] is True
    assert acc2["energy_per_inference"] == data["energy"]["figures"]["energy_per_inference"]
    md = paths2.markdown.read_text()
    assert f"Bit-exact test accuracy, n = {summary['n_test']}" in md
    # a training record of another version of the design is said to be one
    (build / "train" / "summary.json").write_text(json.dumps(
        {**summary, "design_sha256": "0" * 64}))
    paths3, _ = write_report_analysis(build, out_dir=tmp_path / "out3")
    acc3 = json.loads(paths3.json.read_text())["accuracy"]
    assert acc3["same_design"] is False and "another version" in acc3["note"]
    assert acc3["note"] in paths3.markdown.read_text()


def test_a_report_without_a_floorplan_leaves_no_old_picture(report, tmp_path):
    from eqchip.report.render import write_outputs

    _, data = report
    out = tmp_path / "again"
    first = write_outputs(data, out, None, b"\x89PNG old picture")
    assert first.floorplan_png.is_file()
    second = write_outputs({**data, "floorplan": None}, out, None)
    assert second.floorplan_png is None and not (out / "floorplan.png").exists()


def test_cross_check_table_fits_the_page(report):
    paths, data = report
    html = _tables(paths.html.read_text())
    # no unbroken sha256 in a table cell; the full value is in the title attribute
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
    assert not [c for c in cells if re.search(r"(?<![\"=])\b[0-9a-f]{64}\b(?!\")", c)]
    assert f'title="{data["design"]["sha256"]}"' in html


def test_areas_print_in_full_with_thousands_separators(report):
    paths, data = report
    html = _tables(paths.html.read_text())
    total = data["area"]["total_um2"]["value"]
    assert total >= 1e4 and f"{total:,.0f} µm²" in html          # 61,650 µm²
    assert not re.search(r"\d\.\d+e\+0\d um2", html)
    assert not re.search(r"\d\.\d+e\+0\d", paths.markdown.read_text().split("## Cross")[0])


def test_tables_use_human_labels_and_units(report):
    paths, _ = report
    html = _tables(paths.html.read_text())
    for key in ("sequential_um2", "setup_slack_sta_ns", "logic_dynamic", "weights_per_word"):
        assert f"<td>{key}</td>" not in html
    assert "<td>sequential cells</td>" in html and "<td>logic, dynamic</td>" in html
    # the design parameters have a unit column; power in µW, not uW
    assert "<th>parameter</th><th>value</th><th>unit</th>" in html
    assert "(uW)" not in html and "logic power (µW)" in html
    # the inline figures too: the energy bars name the parts as the tables do
    import base64

    svgs = [base64.b64decode(u).decode() for u in
            re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    energy = next(s for s in svgs if "Energy of one training step" in s)
    assert ">logic, dynamic<" in energy and ">logic_dynamic<" not in energy


def test_readme_quick_start_documents_the_train_convention(report, small_build):
    """README's quick start says where `eqchip train` must write for the report to show the
    accuracy: `-o <build>/train`, the folder the report itself names."""
    readme = (REPO / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "-o <build>/train" in quick
    m = re.search(r"`(eqchip train designs/small\.yaml -o (\S+))`", quick.replace("\n", " "))
    assert m, "no `eqchip train designs/small.yaml -o ...` in the quick start"
    # the README's folder is <build root>/<design>/train, as the report's own command says
    _, data = report
    assert Path(m.group(2)).parts[-2:] == ("small", "train")
    assert data["accuracy"]["command"].endswith(f"{small_build.name}/train")


def test_cli_report_prints_the_accuracy_or_the_command(small_build, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "eqchip", "report", str(small_build), "-o",
                           str(out)], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "300"})
    assert proc.returncode == 0, proc.stderr
    assert (f"not trained: run `eqchip train {REPO / 'designs' / 'small.yaml'} -o "
            f"{small_build / 'train'}`") in proc.stdout
    assert str(out / "floorplan.png") in proc.stdout
