"""MRAM macro views: generated for several shapes and read back by Yosys, OpenSTA and KLayout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from mram_hand import hand, raw_tech

from eqchip.config import load_design, load_mram_tech
from eqchip.errors import ConfigError
from eqchip.macros import MacroSpec, behavioural_verilog, blackbox_verilog, generate_macro_views
from eqchip.macros.checks import (
    check_gds,
    check_lef_geometry,
    check_macro_views,
    check_pins,
    check_sta,
)
from eqchip.macros.electrical import electrical
from eqchip.macros.techlef import find_tech_lef, read_tech_lef

SHAPES = [(16, 32), (100, 24), (7, 9), (512, 64)]

needs_sta = pytest.mark.skipif(shutil.which("sta") is None, reason="OpenSTA (sta) not on PATH")


def _have(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


needs_tools = pytest.mark.skipif(
    shutil.which("sta") is None or not _have("pyosys") or not _have("klayout.db"),
    reason="needs OpenSTA (sta), pyosys and the klayout module")


@pytest.fixture(scope="module")
def tech():
    return load_mram_tech("stt_sky130")


@pytest.fixture(scope="module")
def views_16x32(tech, pdk_root, tmp_path_factory):
    return generate_macro_views(MacroSpec(16, 32, tech), tmp_path_factory.mktemp("m16"), pdk_root)


def _copy_views(views, dest: Path):
    """The same views in another folder (to break one of them)."""
    shutil.copytree(views.dir, dest)

    def move(p: Path) -> Path:
        return dest / p.name

    return replace(views, dir=dest, blackbox_v=move(views.blackbox_v),
                   behavioural_v=move(views.behavioural_v),
                   liberty={k: move(v) for k, v in views.liberty.items()}, lef=move(views.lef),
                   gds=move(views.gds) if views.gds else None, json=move(views.json))


# ------------------------------------------------------------------ every view, real parsers

@needs_tools
@pytest.mark.parametrize("words,bits", SHAPES)
def test_views_pass_all_checks(tech, pdk_root, tmp_out, words, bits):
    views = generate_macro_views(MacroSpec(words, bits, tech), tmp_out, pdk_root)
    for path in [views.blackbox_v, views.behavioural_v, views.lef, views.gds, views.json,
                 *views.liberty.values()]:
        assert path is not None and path.is_file() and path.stat().st_size > 0
    assert set(views.liberty) == {c.name for c in tech.corners}
    assert views.liberty_typical.name == f"{views.name}__tt_025C_1v80.lib"
    results = check_macro_views(views, pdk_root)
    assert [r.name for r in results] == ["pins", "lef_geometry", "gds", "opensta"]
    for r in results:
        assert r.ok, f"{r.name}: {r.problems}"
    # Size: at least the technology's area, whole sites, aspect ratio within limits.
    info = json.loads(views.json.read_text())
    assert info["area_um2"] >= MacroSpec(words, bits, tech).area_um2
    assert round(info["width_um"] * 1000) % 460 == 0
    assert round(info["height_um"] * 1000) % 2720 == 0
    ratio = info["width_um"] / info["height_um"]
    assert tech.physical.aspect_ratio_min <= ratio <= tech.physical.aspect_ratio_max


@needs_tools
def test_power_matches_hand_calculation_from_tech_file(views_16x32, pdk_root):
    """Hand calculation straight from the YAML numbers (tests/mram_hand.py, not eqchip's own
    arithmetic) against OpenSTA's report_power of the generated Liberty."""
    raw = raw_tech()
    want = hand(raw, 16, 32, 1)
    e_read, e_write, leak_uw = want["read_pj"], want["write_pj"], want["leakage_uw"]
    activities = ((1.0, 0.0), (1.0, 1.0), (0.5, 0.25), (0.2, 0.9))
    r = check_sta(views_16x32, activities=activities)
    assert r.ok, r.problems
    period_ns = max(2 * max(want["read_ns"] + raw["timing"]["setup_ns"], want["write_ns"]), 20.0)
    f_mhz = 1000.0 / period_ns
    for p_ce, p_we in activities:
        hand_uw = f_mhz * (p_ce * (1 - p_we) * e_read + p_ce * p_we * e_write) + leak_uw
        sta = r.details[f"power_ce{p_ce}_we{p_we}_sta_uw"]
        assert abs(sta - hand_uw) / hand_uw < 0.05, (p_ce, p_we, sta, hand_uw)
    # A read-only and a write-only cycle differ by the write/read energy ratio.
    rd = r.details["power_ce1.0_we0.0_sta_uw"] - leak_uw
    wr = r.details["power_ce1.0_we1.0_sta_uw"] - leak_uw
    assert wr / rd == pytest.approx(e_write / e_read, rel=0.01)
    assert r.details["opensta_internal_power_factor"] in (1.0, 2.0)


@needs_sta
def test_sta_timing_arcs_follow_the_technology(views_16x32, tech):
    r = check_sta(views_16x32, activities=())
    assert r.ok, r.problems
    for c in tech.corners:
        assert r.details[f"{c.name}_clock-to-DOUT_ns"] == pytest.approx(
            electrical(views_16x32.spec, c).read_ns, rel=0.01)
        assert r.details[f"{c.name}_setup_ns"] == pytest.approx(
            tech.timing.setup_ns * c.delay_scale, rel=0.01)


# ------------------------------------------------------------------ the checks can fail

@needs_tools
def test_power_check_catches_wrong_energy(views_16x32, tmp_path):
    bad = _copy_views(views_16x32, tmp_path / "bad")
    lib = bad.liberty_typical
    text = lib.read_text()
    # Double the read energy in the typical Liberty only.
    read_pj = json.loads(bad.json.read_text())["corners"]["tt_025C_1v80"]["read_energy_pj"]
    new = text.replace(f'values ("{read_pj:.6g}")', f'values ("{2 * read_pj:.6g}")')
    assert new != text
    lib.write_text(new)
    r = check_sta(bad, activities=((1.0, 0.0),))
    assert not r.ok and "report_power" in r.problems[0]


@needs_tools
def test_pin_check_catches_renamed_port(views_16x32, tmp_path):
    bad = _copy_views(views_16x32, tmp_path / "bad")
    lib = bad.liberty["ss_n40C_1v40"]
    lib.write_text(lib.read_text().replace('bus ("DIN")', 'bus ("DATA")'))
    r = check_pins(bad)
    assert any("DIN is missing" in p for p in r.problems)
    assert any("unexpected port DATA" in p for p in r.problems)


@needs_tools
def test_geometry_check_catches_off_grid_overlapping_and_buried_pins(views_16x32, tmp_path,
                                                                     pdk_root):
    tech = read_tech_lef(find_tech_lef(pdk_root))
    bad = _copy_views(views_16x32, tmp_path / "bad")
    text = bad.lef.read_text()
    m = re.search(r"PIN CE\n.*?RECT ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+) ;", text, re.S)
    assert m is not None
    x0, x1 = float(m.group(1)), float(m.group(3))
    moved = text.replace(m.group(0), m.group(0).replace(
        f"RECT {m.group(1)} {m.group(2)} {m.group(3)} {m.group(4)}",
        f"RECT {x0 + 0.002:.3f} {m.group(2)} {x1 + 0.002:.3f} {m.group(4)}"))
    bad.lef.write_text(moved)
    problems = check_lef_geometry(bad, tech).problems
    assert any("off the" in p for p in problems)
    assert any("not centred on a met2 track" in p for p in problems)
    # Pin WE moved onto CE, and CLK pushed into the array under the met2 obstruction.
    bad.lef.write_text(text.replace(
        re.search(r"PIN WE\n.*?RECT [^;]+;", text, re.S).group(0),
        re.sub(r"RECT [^;]+;", f"RECT {m.group(1)} {m.group(2)} {m.group(3)} {m.group(4)} ;",
               re.search(r"PIN WE\n.*?RECT [^;]+;", text, re.S).group(0))))
    assert any("overlap" in p for p in check_lef_geometry(bad, tech).problems)
    clk = re.search(r"PIN CLK\n.*?RECT ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+) ;", text, re.S)
    bad.lef.write_text(text.replace(clk.group(0), clk.group(0).replace(
        f"{clk.group(2)} {clk.group(3)} {clk.group(4)} ;", f"20.000 {clk.group(3)} 21.000 ;")))
    problems = check_lef_geometry(bad, tech).problems
    assert any("obstruction" in p for p in problems)
    assert any("does not touch the macro boundary" in p for p in problems)


@needs_tools
def test_gds_check_catches_missing_label(views_16x32, tmp_path):
    import klayout.db as kdb

    bad = _copy_views(views_16x32, tmp_path / "bad")
    ly = kdb.Layout()
    ly.read(str(bad.gds))
    top = ly.top_cell()
    for li in ly.layer_indexes():
        for sh in list(top.shapes(li).each()):
            if sh.is_text() and sh.text.string == "DOUT[3]":
                top.shapes(li).erase(sh)
    ly.write(str(bad.gds))
    r = check_gds(bad)
    assert any("DOUT[3]" in p for p in r.problems)


# ------------------------------------------------------------------ Verilog views

@pytest.mark.skipif(shutil.which("verilator") is None, reason="verilator not on PATH")
@pytest.mark.parametrize("words,bits", [(16, 32), (7, 9), (1, 1), (100, 24)])
def test_verilog_lint_clean(tech, tmp_path, words, bits):
    spec = MacroSpec(words, bits, tech)
    for kind, text in (("bb", blackbox_verilog(spec)), ("beh", behavioural_verilog(spec))):
        path = tmp_path / f"{spec.name}.{kind}.v"
        path.write_text(text)
        for defines in ([], ["-DUSE_POWER_PINS"], ["-DEQCHIP_MRAM_BER_PPM=100"]):
            proc = subprocess.run(["verilator", "--lint-only", "-Wall", *defines, str(path)],
                                  capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr


_TB = """
`timescale 1ns/1ps
module tb;
  reg clk = 0, ce = 0, we = 0; reg [2:0] addr = 0; reg [8:0] din = 0; wire [8:0] dout;
  integer errors = 0, flips = 0, n;
  eqchip_mram_stt_sky130_7x9 dut(.CLK(clk), .CE(ce), .WE(we), .ADDR(addr), .DIN(din),
                                 .DOUT(dout));
  always #5 clk = ~clk;
  task cyc(input c, input w, input [2:0] a, input [8:0] d);
    begin @(negedge clk); ce = c; we = w; addr = a; din = d; end
  endtask
  initial begin
    cyc(1, 1, 3, 9'h1a5); cyc(1, 1, 6, 9'h0ff); cyc(1, 0, 3, 0); cyc(0, 0, 0, 0);
    if (dout !== 9'h1a5) errors = errors + 1;          // registered read
    cyc(1, 1, 3, 9'h001); cyc(0, 0, 0, 0);
    if (dout !== 9'h1a5) errors = errors + 1;          // a write leaves DOUT unchanged
    cyc(1, 0, 6, 0); cyc(0, 0, 0, 0);
    if (dout !== 9'h0ff) errors = errors + 1;
    cyc(1, 0, 7, 0); cyc(0, 0, 0, 0);
    if (dout !== 9'h000) errors = errors + 1;          // address 7 >= 7 words reads 0
    cyc(1, 0, 3, 0); cyc(0, 0, 0, 0);
    if (dout !== 9'h001) errors = errors + 1;
    for (n = 0; n < 2000; n = n + 1) begin
      cyc(1, 0, 3, 0); cyc(0, 0, 0, 0); if (dout !== 9'h001) flips = flips + 1;
    end
    $display("RESULT errors=%0d flips=%0d", errors, flips);
    $finish;
  end
endmodule
"""


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog not on PATH")
def test_behavioural_model_contract_and_bit_errors(tech, tmp_path):
    spec = MacroSpec(7, 9, tech)
    (tmp_path / "m.v").write_text(behavioural_verilog(spec))
    (tmp_path / "tb.v").write_text(_TB)
    results = {}
    for ber in (None, 20000):
        defines = [f"-DEQCHIP_MRAM_BER_PPM={ber}"] if ber else []
        out = tmp_path / f"sim{ber}"
        subprocess.run(["iverilog", "-g2012", *defines, "-o", str(out), str(tmp_path / "tb.v"),
                        str(tmp_path / "m.v")], check=True, capture_output=True)
        run = subprocess.run(["vvp", "-n", str(out)], capture_output=True, text=True, check=True)
        m = re.search(r"RESULT errors=(\d+) flips=(\d+)", run.stdout)
        assert m, run.stdout
        results[ber] = (int(m.group(1)), int(m.group(2)))
    assert results[None] == (0, 0)                     # bit errors are off by default
    # 2 % per bit, 9 bits: P(word wrong) = 1 - 0.98^9 = 16.6 %; 2000 reads -> about 333.
    flips = results[20000][1]
    assert 250 < flips < 420, flips


# ------------------------------------------------------------------ API, CLI, tech files

def test_generation_is_deterministic(tech, pdk_root, tmp_path):
    spec = MacroSpec(100, 24, tech)
    a = generate_macro_views(spec, tmp_path / "a", pdk_root)
    b = generate_macro_views(spec, tmp_path / "b", pdk_root)
    for name in sorted(p.name for p in a.dir.iterdir()):
        if name == "macro.json":
            continue   # records the tech LEF path, identical here anyway
        assert (a.dir / name).read_bytes() == (b.dir / name).read_bytes(), name
    assert not [p for p in a.dir.iterdir() if p.name.startswith(".")]   # no temp files left


def test_bad_shapes_and_tech_files_are_config_errors(tech, tmp_path):
    with pytest.raises(ConfigError, match="words"):
        MacroSpec(0, 8, tech)
    with pytest.raises(ConfigError, match="bits"):
        MacroSpec(8, 0, tech)
    src = Path(__file__).parent.parent / "pdk_cfg/mram/stt_sky130.yaml"
    raw = yaml.safe_load(src.read_text())
    (tmp_path / "mram").mkdir()
    raw["name"] = "my_mtj"
    raw["cell"]["write_current_ua"] = 60.0
    (tmp_path / "mram/my_mtj.yaml").write_text(yaml.safe_dump(raw))
    mine = load_mram_tech("my_mtj", tmp_path)            # the documented user workflow
    assert mine.cell.write_current_ua == 60.0
    assert MacroSpec(4, 8, mine).name == "eqchip_mram_my_mtj_4x8"
    raw["corners"][1]["name"] = "fast"
    (tmp_path / "mram/my_mtj.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match=r"corners\[1\]\.name"):
        load_mram_tech("my_mtj", tmp_path)


def _eqchip(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eqchip", *args], capture_output=True,
                          text=True, env=env, timeout=300)


@needs_tools
def test_cli_writes_the_macro_the_design_instantiates(designs_dir, pdk_root, tmp_out):
    design = designs_dir / "small.yaml"
    proc = _eqchip("macros", str(design), "-o", str(tmp_out), "--check",
                   env={**os.environ, "PDK_ROOT": str(pdk_root)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    arch = load_design(design).arch
    d = tmp_out / arch.macro_module
    info = json.loads((d / "macro.json").read_text())
    assert info["name"] == arch.macro_module
    assert (info["words"], info["bits"]) == (arch.words_per_macro, arch.word_bits)
    assert f"module {arch.macro_module} (" in (d / f"{arch.macro_module}.bb.v").read_text()
    assert f"MACRO {arch.macro_module}\n" in (d / f"{arch.macro_module}.lef").read_text()
    for name in ("pins", "lef_geometry", "gds", "opensta"):
        assert f"ok {name}" in proc.stdout
    # The breakdown of the one macro model, per part, with its total.
    tt = info["corners"]["tt_025C_1v80"]
    for part, value in tt["read_energy_parts_pj"].items():
        assert part in proc.stdout and f"{value:.4f}" in proc.stdout
    assert sum(tt["read_energy_parts_pj"].values()) == pytest.approx(tt["read_energy_pj"])
    assert sum(tt["write_energy_parts_pj"].values()) == pytest.approx(tt["write_energy_pj"])
    assert f"{tt['read_energy_pj']:.4f}" in proc.stdout


def test_cli_without_pdk_is_a_pdk_error(designs_dir, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PDK_ROOT"}
    env["PDK_ROOT"] = str(tmp_path / "no_pdk")
    proc = _eqchip("macros", str(designs_dir / "small.yaml"), "-o", str(tmp_path / "o"),
                   env=env)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "tech LEF not found" in proc.stderr
