"""`eqchip report`: a pure reading of a build of small.yaml (its build_state.json, metrics.json
and the activity and power its synthesis.power node measured); its numbers checked against an
independent co-simulation's RTL counters, the golden model and hand arithmetic."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from mram_hand import hand, raw_tech

from eqchip import golden as g
from eqchip.config import load_design
from eqchip.errors import EqchipError
from eqchip.report import write_report, write_report_analysis
from eqchip.report.render import write_outputs

REPO = Path(__file__).resolve().parent.parent
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
    paths = write_report(build, designs_dir / "small.yaml", without_build=True)
    data = json.loads(paths.json.read_text())
    assert all(k in data for k in REQUIRED)
    assert data["area"] is None and data["power"] is None
    assert any("logic energy is missing" in n for n in data["notes"])
    # MRAM-only inference energy of small by hand: 96 reads x E_read of the 16 x 32 macro
    # + 2 macros x leakage x 113 cycles x 20 ns (macro numbers by hand: tests/mram_hand.py)
    macro = hand(raw_tech(), 16, 32, 1)
    leak_w = macro["leakage_uw"] * 1e-6
    want = 96 * macro["read_pj"] + 2 * leak_w * 113 * 20e-9 * 1e12
    assert data["energy"]["inference"]["total_pj"]["value"] == pytest.approx(want)
    assert paths.markdown.read_text().startswith("# eqchip report: small")


def test_report_needs_the_metrics_of_a_build_of_this_design(tmp_path, designs_dir):
    build = tmp_path / "small"
    build.mkdir()
    with pytest.raises(EqchipError, match="metrics.json: no such file") as err:
        write_report(build, designs_dir / "small.yaml")
    assert "eqchip build" in (err.value.hint or "")
    assert not (build / "report.json").exists()
    r = subprocess.run(["eqchip", "report", str(build), "--design",
                        str(designs_dir / "small.yaml")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "metrics.json: no such file" in r.stderr
    assert "Traceback" not in r.stderr
    # a metrics.json of another version of the design: a stale build, refused
    (build / "metrics.json").write_text(json.dumps({"design_sha256": "0" * 64}))
    with pytest.raises(EqchipError, match="stale") as err:
        write_report(build, designs_dir / "small.yaml")
    assert "rebuild" in (err.value.hint or "")
    assert not (build / "report.json").exists()


def test_html_report_escapes_text_and_keeps_figures(tmp_path, designs_dir):
    build = tmp_path / "small"
    build.mkdir()
    paths = write_report(build, designs_dir / "small.yaml", without_build=True)
    data = json.loads(paths.json.read_text())
    data["notes"].append("<script>alert(1)</script> & more")
    out = write_outputs(data, tmp_path / "again", None)
    html = out.html.read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', html)) >= 2
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
def small_report(small_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    paths, an = write_report_analysis(small_build, out_dir=out)
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
    assert len(re.findall(r'<img src="data:image/svg\+xml;base64,', html)) >= 4
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
def test_cli_report_on_the_build_reads_records_only(small_build, tmp_path):
    """`eqchip report` starts no process: with no tool on PATH at all it writes the same
    figures (the activity and power were measured by the build's synthesis.power node)."""
    import os
    import sys

    env = dict(os.environ, PATH=str(tmp_path / "empty"))
    r = subprocess.run([sys.executable, "-m", "eqchip", "report", str(small_build), "-o",
                        str(tmp_path)], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "report.html").is_file() and (tmp_path / "report.json").is_file()
    assert "energy / inference" in r.stdout
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["power"]["annotated_method"].startswith("gate-level simulation")
    assert data["sources"]["build_state"] == str(small_build / "build_state.json")
    assert data["sources"]["activity_power"].endswith("reports/activity_power.json")


@pytest.mark.slow
@needs_tools
def test_metrics_and_report_agree_on_logic_power(small_build, small_report):
    """One computation: every logic-power figure of metrics.json (its power section) is
    report.json's, both the synthesis.power node's activity_power.json."""
    _, _, data = small_report
    m = json.loads((small_build / "metrics.json").read_text())
    ap = json.loads(Path(data["sources"]["activity_power"]).read_text())
    assert m["power"]["source"] == "synthesis.power reports/activity_power.json"
    logic = m["power"]["logic"]
    assert set(logic) >= {"vectorless", "annotated", "rtl_propagated", "inference"}
    assert logic == ap["logic"]
    for which in ("vectorless", "annotated", "rtl_propagated"):
        assert logic[which] == data["power"]["logic"][which], which
    assert logic["inference"] == data["power"]["inference"]["logic"]
    for lp in logic.values():
        assert set(lp) == {"switching_w", "leakage_w", "internal_w", "dynamic_w", "total_w"}
        assert lp["internal_w"]["source"].startswith("eqchip.power.internal_power")
    assert "logic" not in m["activity_power"]


def test_report_package_starts_no_process_and_imports_no_flow_code():
    """report/ reads typed records: importing it pulls in no simulation, synthesis, power
    measurement or macro generation code, and no module of it calls subprocess."""
    import sys

    code = ("import sys, eqchip.report, eqchip.report.api, eqchip.report.layout_image;"
            "print('\\n'.join(sorted(sys.modules)))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       check=True)
    mods = set(r.stdout.split())
    for bad in ("eqchip.sim", "eqchip.power", "eqchip.asic.run", "eqchip.asic.project",
                "eqchip.macros.views", "eqchip.macros.verilog", "eqchip.macros.liberty",
                "siliconcompiler", "cocotb", "pyosys"):
        assert not any(m == bad or m.startswith(bad + ".") for m in mods), bad
    rdir = Path(__import__("eqchip.report").report.__file__).parent
    for f in rdir.glob("*.py"):
        text = f.read_text()
        assert "subprocess" not in text and "os.system" not in text, f


def test_layout_picture_is_embedded(tmp_path):
    import klayout.db as kdb

    from eqchip.report.layout_image import render_layout

    ly = kdb.Layout()
    top = ly.create_cell("small_top")
    top.shapes(ly.layer(68, 20)).insert(kdb.Box(0, 0, 20000, 10000))
    gds = tmp_path / "small_top.gds"
    ly.write(str(gds))
    png = render_layout(gds)
    assert png[:4] == b"\x89PNG"
    build = tmp_path / "small"
    build.mkdir()
    data = json.loads(write_report(build, REPO / "designs" / "small.yaml",
                                   without_build=True).json.read_text())
    paths = write_outputs(data, tmp_path / "out", png)
    assert paths.layout_png is not None and paths.layout_png.read_bytes()[:4] == b"\x89PNG"
    html = paths.html.read_text()
    assert 'alt="layout"' in html and "No layout in this build" not in html


# --- issue 13: clock-tree and wire estimates before layout, MRAM sensitivity ----------------

@pytest.mark.slow
@needs_tools
def test_clock_tree_and_wire_estimates_are_labelled_and_add_up(small_report, pdk_root):
    import math

    from eqchip.report.estimates import (
        output_internal_energy_pj,
        parse_wire_loads,
        pin_capacitance_pf,
    )

    paths, _, data = small_report
    e = data["estimates"]
    assert e is not None and e["label"].startswith("ESTIMATES")
    ct, wires, lp = e["clock_tree"], e["wires"], e["logic_power"]
    assert ct["label"].startswith("estimate") and wires["label"].startswith("estimate")
    assert "estimate" in lp["clock_tree_uw"]["source"] and "estimate" in lp["wires_uw"]["source"]
    # every flip-flop of the netlist is either a sink of the root clock or behind a clock gate
    # (the power node's count = the area's); the tree's sinks are the root's flip-flops + gates
    assert ct["flip_flops"] + ct["gated_flip_flops"] == data["area"]["cells"]["sequential"] == \
        data["power"]["activity"]["flops"] > 0
    assert ct["sinks"] == ct["flip_flops"] + ct["clock_gates"] > 0
    # positive
    for x in (ct["power_uw"], ct["sink_cap_pf"], ct["wire_cap_pf"], wires["power_uw"],
              wires["cap_pf"], lp["estimate_uw"]):
        assert x["value"] > 0, x
    assert wires["added_uw"]["value"] >= 0
    # the clock tree by hand: 10 loads per buffer up to one root, C V^2 f + buffers x E_int x f
    lib = (pdk_root / "sky130A" / "libs.ref" / "sky130_fd_sc_hd" / "lib" /
           "sky130_fd_sc_hd__tt_025C_1v80.lib").read_text()
    c_buf = pin_capacitance_pf(lib, "sky130_fd_sc_hd__clkbuf_4", "A")
    e_buf = output_internal_energy_pj(lib, "sky130_fd_sc_hd__clkbuf_4", "X")
    small = parse_wire_loads(lib).models["Small"]
    n, levels, wire_cap = ct["sinks"], [], 0.0
    while n > 1:
        b = math.ceil(n / 10)
        wire_cap += b * small.net_cap_pf(math.ceil(n / b))
        levels.append(b)
        n = b
    assert (ct["buffers"], ct["levels"]) == (sum(levels), len(levels))
    assert ct["wire_cap_pf"]["value"] == pytest.approx(wire_cap)
    assert ct["buffer_input_cap_pf"]["value"] == pytest.approx(sum(levels) * c_buf)
    f_mhz, vdd = data["design"]["clock_mhz"], 1.8
    cap = ct["sink_cap_pf"]["value"] + sum(levels) * c_buf + wire_cap
    assert ct["power_uw"]["value"] == pytest.approx(cap * vdd ** 2 * f_mhz
                                                    + sum(levels) * e_buf * f_mhz)
    # with = without + estimate: power, energy, energy per MAC
    assert lp["without_uw"]["value"] == pytest.approx(
        data["power"]["logic"]["annotated"]["total_w"]["value"] * 1e6)
    assert lp["estimate_uw"]["value"] == pytest.approx(
        lp["clock_tree_uw"]["value"] + lp["wires_uw"]["value"])
    assert lp["with_uw"]["value"] == pytest.approx(
        lp["without_uw"]["value"] + lp["estimate_uw"]["value"])
    assert wires["added_uw"]["value"] == pytest.approx(
        wires["power_uw"]["value"] - wires["in_post_synthesis_uw"]["value"])
    for op in ("inference", "training_step"):
        row, en = e["energy"][op], data["energy"][op]
        assert row["without_pj"]["value"] == pytest.approx(en["total_pj"]["value"])
        assert row["estimate_pj"]["value"] == pytest.approx(
            lp["estimate_uw"]["value"] * 1e-6 * en["time_ns"] * 1e3)
        assert row["with_pj"]["value"] == pytest.approx(
            row["without_pj"]["value"] + row["estimate_pj"]["value"])
    inf, macs = e["energy"]["inference"], data["energy"]["figures"]["synops_per_inference"]
    assert inf["per_mac_without_pj"]["value"] == pytest.approx(
        data["energy"]["figures"]["pj_per_synop_inference"]["value"])
    assert inf["per_mac_with_pj"]["value"] == pytest.approx(
        inf["with_pj"]["value"] / macs["value"])
    # post-layout figures replace the estimates once OpenROAD ran
    assert e["replaced_by_post_layout"] == (data["post_layout"] is not None)
    assert "post-layout figures" in e["post_layout_note"]
    md, html = paths.markdown.read_text(), paths.html.read_text()
    for text in (md, html):
        assert "Clock tree and wires: ESTIMATES (pre-layout)" in text
        assert e["post_layout_note"] in text


@pytest.mark.slow
@needs_tools
def test_opensta_already_counts_the_default_wire_load(small_build, pdk_root, tmp_path):
    """Why the wire estimate adds only what the area-selected model adds: with no parasitics,
    OpenSTA gives every cell-driven net the Liberty's default_wire_load capacitance."""
    from eqchip.asic.state import read_state
    from eqchip.report.estimates import parse_wire_loads

    lib = (pdk_root / "sky130A" / "libs.ref" / "sky130_fd_sc_hd" / "lib" /
           "sky130_fd_sc_hd__tt_025C_1v80.lib")
    loads = parse_wire_loads(lib.read_text())
    state = read_state(small_build)
    macro_lib = sorted((small_build / "eqchip" / "macros" / "views").glob(
        "*/*__tt_025C_1v80.lib"))[0]
    tcl = tmp_path / "net.tcl"
    tcl.write_text(
        f"read_liberty {{{lib}}}\nread_liberty {{{macro_lib}}}\n"
        f"read_verilog {{{state.views.netlist}}}\nlink_design {state.top}\n"
        "foreach net [lrange [get_nets *] 2000 2400] {\n"
        "  report_net -connections -verbose -digits 7 [get_full_name $net]\n}\n")
    r = subprocess.run(["sta", "-no_splash", "-exit", str(tcl)], capture_output=True,
                       text=True, timeout=300)
    checked: set[int] = set()
    wl = loads.models[loads.default]
    for block in re.split(r"^Net ", r.stdout, flags=re.M)[1:]:
        drivers = block.split("Driver pins")[-1].split("Load pins")[0]
        load_lines = [ln for ln in block.split("Load pins")[-1].splitlines() if ln.strip()]
        # a net driven by one cell output and loading only cell inputs (no top-level port)
        if "Load pins" not in block or "output (sky130" not in drivers or \
                not all(" input (" in ln for ln in load_lines):
            continue
        w = float(re.search(r"Wire capacitance:\s*(?:r\s*)?([0-9.eE+-]+)", block).group(1))
        k = int(re.search(r"Number of loads:\s*(\d+)", block).group(1))
        assert k == len(load_lines)
        assert w == pytest.approx(wl.net_cap_pf(k), rel=1e-3, abs=1e-6), (w, k)
        checked.add(k)
    # several fanouts, within the table and beyond it (slope)
    assert len(checked) >= 3 and max(checked) > max(wl.fanout_length_um), \
        (checked, r.stdout[-2000:] + r.stderr[-2000:])


@pytest.mark.slow
@needs_tools
def test_sensitivity_rows_equal_an_independent_recomputation(small_report):
    paths, _, data = small_report
    s = data["sensitivity"]
    parts = {k: v["value"] for k, v in data["energy"]["inference"]["parts_pj"].items()}
    total = sum(parts.values())
    macs = data["energy"]["figures"]["synops_per_inference"]["value"]
    assert s["macs"] == macs and s["operation"] == "inference"
    assert s["baseline_per_mac_pj"]["value"] == pytest.approx(
        data["energy"]["figures"]["pj_per_synop_inference"]["value"])
    part_of = {"MRAM read energy": "mram_read", "MRAM write energy": "mram_write",
               "MRAM leakage": "mram_leakage"}
    seen = set()
    for r in s["rows"]:
        seen.add((r["parameter"], r["factor"]))
        e = total - parts[part_of[r["parameter"]]] + r["factor"] * parts[part_of[r["parameter"]]]
        assert r["energy_pj"]["value"] == pytest.approx(e)
        assert r["energy_per_mac_pj"]["value"] == pytest.approx(e / macs)
        assert r["change_pct"]["value"] == pytest.approx(100 * (e - total) / total)
    assert seen == {(p, k) for p in part_of for k in (0.5, 2.0)}
    # inference writes no weights: only the read energy and the leakage move it
    assert parts["mram_read"] > 0 and parts["mram_write"] == 0
    worst = max(s["rows"], key=lambda r: abs(r["change_pct"]["value"]))
    assert s["most_sensitive"] == worst["parameter"]
    md, html = paths.markdown.read_text(), paths.html.read_text()
    for text in (md, html):
        assert "Sensitivity of the energy per MAC (inference)" in text
        assert all(p in text for p in part_of)


def _activity_power(build: Path) -> dict:
    (path,) = build.glob("job0/synthesis.power/0/reports/activity_power.json")
    return json.loads(path.read_text())


@pytest.mark.slow
@needs_tools
def test_inference_is_measured_on_its_own(small_build, small_report):
    _, _, data = small_report
    ap = _activity_power(small_build)
    inf, trn = ap["inference"], ap["logic"]
    # both measured, over different windows of different activity
    assert inf["cycles"] < ap["counters"]["cycles"]
    p_inf = inf["logic"]["dynamic_w"]["value"]
    p_trn = trn["annotated"]["dynamic_w"]["value"]
    assert p_inf > 0 and abs(p_inf - p_trn) > 1e-6 * p_trn
    # the simulation's window = the architecture schedule (cross-check rows, all passing)
    sched = g.inference_counters(load_design(REPO / "designs" / "small.yaml").arch)
    assert (inf["cycles"], inf["mram_reads"], inf["mram_writes"]) == (
        sched.cycles, sched.mram_reads, 0)
    rows = {c["id"]: c for c in data["cross_checks"]}
    for name in ("inference_cycles_schedule", "inference_reads_schedule",
                 "inference_writes_schedule", "gls_inference_mram_accesses"):
        assert rows[name]["ok"], rows[name]
    # the inference energy = its own power x its own cycles x period (+ MRAM), from the records
    e = data["energy"]["inference"]
    period = data["timing"]["clock_period_ns"]["value"]
    t_ns = inf["cycles"] * period
    assert e["cycles"] == inf["cycles"] and e["time_ns"] == pytest.approx(t_ns)
    parts = e["parts_pj"]
    assert parts["logic_dynamic"]["value"] == pytest.approx(p_inf * t_ns * 1e3)
    assert parts["logic_leakage"]["value"] == pytest.approx(
        inf["logic"]["leakage_w"]["value"] * t_ns * 1e3)
    m = data["mram"]
    assert parts["mram_read"]["value"] == pytest.approx(
        inf["mram_reads"] * m["read_pj_per_word"]["value"])
    assert parts["logic_dynamic"]["value"] != pytest.approx(p_trn * t_ns * 1e3)
    assert data["power"]["inference"] == inf


@pytest.mark.slow
@needs_tools
def test_inference_window_on_the_rtl_propagation_path(small_build, pdk_root, tmp_path):
    """Designs too large for gate-level simulation: the inference window of the RTL VCD,
    propagated through the gates, gets its own annotated power too."""
    from eqchip.asic.state import read_state
    from eqchip.power.measure import measure

    loaded = load_design(REPO / "designs" / "small.yaml")
    lib = (pdk_root / "sky130A" / "libs.ref" / "sky130_fd_sc_hd" / "lib" /
           "sky130_fd_sc_hd__tt_025C_1v80.lib")
    (view,) = (small_build / "eqchip" / "macros" / "views").iterdir()
    (vcd,) = small_build.glob("job0/synthesis.power/0/reports/*.step.vcd")
    ap = measure(loaded, netlist=read_state(small_build).views.netlist, liberty=lib,
                 macro_lib=next(view.glob("*__tt_025C_1v80.lib")),
                 blackbox=next(view.glob("*.bb.v")), sdc=None, vcd=vcd, macro_size_um=None,
                 work=tmp_path, gate_level=False)
    inf = ap["inference"]
    sched = g.inference_counters(loaded.arch)
    assert (inf["cycles"], inf["mram_reads"], inf["mram_writes"]) == (
        sched.cycles, sched.mram_reads, 0)
    assert inf["activity_method"] == "RTL + propagation"
    p_inf = inf["logic"]["dynamic_w"]["value"]
    p_trn = ap["logic"]["annotated"]["dynamic_w"]["value"]
    assert p_inf > 0 and abs(p_inf - p_trn) > 1e-6 * p_trn
    assert "rtl_propagated" not in ap["logic"] and "gls_cycles" not in {
        c["id"] for c in ap["checks"]}


@pytest.mark.slow
@needs_tools
def test_report_fmax_is_the_netlists_own(small_build, small_report):
    """report.json's achievable clock is metrics.json's register-to-register one (a property of
    the netlist, eqchip.asic.fmax), not 1000 / (target period - slack), which follows the target
    through the I/O budget (issue 23)."""
    _, _, data = small_report
    metrics = json.loads((small_build / "metrics.json").read_text())
    fmax = data["timing"]["fmax_mhz"]
    assert fmax["value"] == pytest.approx(metrics["timing"]["achievable_freq_mhz"])
    assert "achievable_freq_mhz" in fmax["source"]
