"""The MRAM macro model (eqchip.config.mram_model): a hand calculation from the YAML constants,
growth with rows, columns and word width, parts that sum to the totals, the technology constants
re-read from the sky130 PDK, and hardened technology files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from mram_hand import TECH_YAML, hand, raw_tech

from eqchip.config import load_mram_tech
from eqchip.config.mram_model import choose_mux, macro_model
from eqchip.errors import ConfigError
from eqchip.macros import MacroSpec
from eqchip.macros.electrical import electrical
from eqchip.macros.liberty import liberty_text

ISSUE_MACROS = [(16, 32), (512, 64), (16384, 64)]


@pytest.fixture(scope="module")
def tech():
    return load_mram_tech("stt_sky130")


# ------------------------------------------------------------------ hand calculation

@pytest.mark.parametrize("words,bits,mux,subarrays", [(16, 32, 1, 1), (512, 64, 2, 1),
                                                     (16384, 64, 8, 4), (12000, 64, 8, 3)])
def test_model_matches_the_hand_calculation(tech, words, bits, mux, subarrays):
    want = hand(raw_tech(), words, bits, mux)
    m = macro_model(words, bits, tech)
    assert (m.org.mux, m.org.subarrays, m.org.rows, m.org.cols) == \
        (mux, subarrays, want["rows"], bits * mux)
    assert m.caps.bitline_pf * 1000 == pytest.approx(want["bitline_ff"], rel=1e-9)
    assert m.caps.wordline_pf * 1000 == pytest.approx(want["wordline_ff"], rel=1e-9)
    assert m.read_energy_pj == pytest.approx(want["read_pj"], rel=1e-9)
    assert m.write_energy_pj == pytest.approx(want["write_pj"], rel=1e-9)
    assert m.leakage_uw == pytest.approx(want["leakage_uw"], rel=1e-9)
    assert m.area_um2 == pytest.approx(want["area_um2"], rel=1e-9)
    assert m.read_ns == pytest.approx(want["read_ns"], rel=1e-9)
    assert m.write_ns == pytest.approx(want["write_ns"], rel=1e-9)


def test_hand_calculation_of_the_16x32_read_by_numbers():
    """The largest read part of the 16 x 32 macro, by hand with the cited numbers: the mean
    read current 0.25 V x (1/6 + 1/12 kohm) / 2 = 31.25 uA flows in the cell and in the
    sense amplifier's reference branch for the read window."""
    raw = raw_tech()
    h = raw["cell"]["area_um2"] ** 0.5 * raw["cell"]["aspect_ratio"] ** 0.5
    c_bl = 16 * (1.105 * 0.7 / 2 + h * 0.0847) + 1 * 1.17 * 0.7            # fF
    window = 2.2 * 3.32 * c_bl / 1000 + 0.49                               # ns
    cell_pj = 32 * 31.25e-6 * 1.8 * window * 1e-9 * 1e12
    m = macro_model(16, 32, load_mram_tech("stt_sky130"))
    assert m.read_parts["cell read current"] == pytest.approx(cell_pj, rel=1e-3)
    assert m.read_parts["sense amplifiers (reference current + I-V converter)"] == \
        pytest.approx(cell_pj + 32 * 0.0852, rel=1e-3)


# ------------------------------------------------------------------ growth and completeness

def test_issue_macros_grow_with_size_and_include_every_part(tech):
    models = [macro_model(w, b, tech) for w, b in ISSUE_MACROS]
    for a, b in zip(models, models[1:], strict=False):
        assert b.read_energy_pj > a.read_energy_pj
        assert b.write_energy_pj > a.write_energy_pj
        assert b.area_um2 > a.area_um2
    for m in models:
        for parts in (m.read_parts, m.write_parts, m.leakage_parts, m.area_parts):
            # the global bus exists only when the array is split into subarrays
            assert all(v > 0 for k, v in parts.items()
                       if m.org.subarrays > 1 or k != "global address and data bus"), parts
        assert len(m.read_parts) == 8 and len(m.write_parts) == 7
        assert m.read_energy_pj == pytest.approx(sum(m.read_parts.values()))
        assert m.write_energy_pj == pytest.approx(sum(m.write_parts.values()))


def test_energy_grows_with_rows_columns_and_word_width(tech):
    def rw(words, bits, mux):
        m = macro_model(words, bits, tech, mux=mux)
        return m.read_energy_pj, m.write_energy_pj, m.leakage_uw, m.read_ns

    def increasing(seq):
        return all(all(y > x for x, y in zip(a, b, strict=True))
                   for a, b in zip(seq, seq[1:], strict=False))

    # rows: more words at one column multiplexing, in one subarray (up to 512 rows) ...
    assert increasing([rw(w, 32, 1) for w in (16, 64, 128, 256, 400, 512)])
    # ... and in full 512-row subarrays (a split into shorter subarrays lowers the energy
    # per access: 513 rows are two subarrays of 257, see docs/mram.md)
    assert increasing([rw(512 * n, 32, 1) for n in (1, 2, 3, 4, 8)])
    # columns: the same 64 rows with 1, 2, 4, 8 words per row
    assert increasing([rw(64 * m, 32, m) for m in (1, 2, 4, 8)])
    # word width: more bits per word, same words
    assert increasing([rw(256, b, 1) for b in (8, 16, 32, 64, 128)])


def test_column_mux_keeps_the_array_tall(tech):
    assert choose_mux(16, 32, 8) == 1
    assert choose_mux(512, 64, 8) == 2
    assert choose_mux(16384, 64, 8) == 8
    assert choose_mux(16384, 64, 4) == 4
    with pytest.raises(ConfigError, match="column multiplexing"):
        MacroSpec(16, 8, tech, mux=3)


def test_corners_use_their_own_supply(tech):
    by = {c.name: macro_model(512, 64, tech, c) for c in tech.corners}
    tt, ff, ss = by["tt_025C_1v80"], by["ff_100C_1v95"], by["ss_n40C_1v40"]
    assert ff.vdd == 1.95 and ss.vdd == 1.4 and tt.vdd == 1.8
    # C x V^2 parts scale with V^2 at equal capacitance
    key = "word-line driver and word line"
    assert ff.read_parts[key] / tt.read_parts[key] == pytest.approx((1.95 / 1.8) ** 2)
    # the read current flows for the (CMOS) read window, which the delay scale stretches
    assert ss.read_window_ns / tt.read_window_ns == pytest.approx(4.12)
    # the MTJ pulse does not follow the CMOS delay scale
    assert ss.write_delay_parts["write pulse"] == tt.write_delay_parts["write pulse"]


def test_liberty_and_json_carry_the_model_totals(tech):
    spec = MacroSpec(512, 64, tech)
    el = electrical(spec, tech.typical_corner)
    text = liberty_text(spec, el, spec.area_um2)
    powers = re.findall(r'rise_power \(scalar\) \{\s*values \("([^"]+)"\)', text)
    assert [float(x) for x in powers] == pytest.approx(
        [el.read_energy_pj, el.write_energy_pj], rel=1e-5)
    leak = float(re.search(r"\n\s+cell_leakage_power : ([0-9.e+-]+);", text).group(1))
    assert leak == pytest.approx(el.leakage_uw * 1000, rel=1e-5)
    for part in el.model.read_parts:
        assert part in text


# ------------------------------------------------------------------ constants from the PDK

def _lib_cell(text: str, cell: str) -> str:
    i = text.index(f'cell ("sky130_fd_sc_hd__{cell}")')
    return text[i:text.index('\n    cell (', i + 10)]


def _group(body: str, head: str) -> str:
    i = body.index(head)
    depth = 0
    for n in range(body.index("{", i), len(body)):
        depth += {"{": 1, "}": -1}.get(body[n], 0)
        if depth == 0:
            return body[i:n + 1]
    raise AssertionError(head)


def _floats(s: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?[0-9.]+(?:e-?[0-9]+)?", s)]


def _table(body: str, kind: str) -> tuple[list[float], list[float], list[list[float]]]:
    g = _group(body, kind)
    i1 = _floats(re.search(r'index_1\s*\("([^"]*)"', g).group(1))
    m2 = re.search(r'index_2\s*\("([^"]*)"', g)
    i2 = _floats(m2.group(1)) if m2 else [0.0]
    v = _floats(re.search(r"values\s*\((.*?)\);", g, re.S).group(1))
    return i1, i2, [v[k * len(i2):(k + 1) * len(i2)] for k in range(len(i1))]


def _at(tab, row: int, load: float) -> float:
    """Linear interpolation along the load axis of one row of a Liberty table."""
    _i1, i2, v = tab
    k = next(k for k in range(len(i2) - 1) if load <= i2[k + 1])
    x = (load - i2[k]) / (i2[k + 1] - i2[k])
    return v[row][k] * (1 - x) + v[row][k + 1] * x


def test_periphery_constants_are_the_sky130_liberty_and_lef_values(pdk_root):
    p = raw_tech()["periphery"]
    ref = pdk_root / "sky130A" / "libs.ref" / "sky130_fd_sc_hd"
    lib = (ref / "lib" / "sky130_fd_sc_hd__tt_025C_1v80.lib").read_text()
    assert float(re.search(r"nom_voltage\s*:\s*([0-9.]+)", lib).group(1)) == p["supply_v"]

    def pin_cap(cell: str, pin: str) -> float:
        g = _group(_lib_cell(lib, cell), f'pin ("{pin}")')
        return float(re.search(r"^\s*capacitance\s*:\s*([0-9.]+)", g, re.M).group(1))

    def attr(cell: str, name: str) -> float:
        return float(re.search(rf"\b{name}\s*:\s*([0-9.e-]+)", _lib_cell(lib, cell)).group(1))

    cdl = (ref / "cdl" / "sky130_fd_sc_hd.cdl").read_text()
    inv = cdl[cdl.index(".SUBCKT sky130_fd_sc_hd__inv_1 "):]
    inv = inv[:inv.index(".ENDS")]
    width = sum(float(w) for w in re.findall(r"\bw=([0-9.]+)", inv))
    assert pin_cap("inv_1", "A") * 1000 / width == pytest.approx(p["gate_cap_ff_per_um"],
                                                                 rel=0.005)
    assert pin_cap("nand2_1", "A") == pytest.approx(p["decoder_gate_cap_pf"], rel=1e-6)
    assert pin_cap("dfxtp_1", "CLK") == pytest.approx(p["register_clock_pin_pf"], rel=1e-6)
    for key, cell, name in (("decoder_gate_area_um2", "nand2_1", "area"),
                            ("decoder_gate_leakage_nw", "nand2_1", "cell_leakage_power"),
                            ("wl_driver_area_um2", "inv_4", "area"),
                            ("wl_driver_leakage_nw", "inv_4", "cell_leakage_power"),
                            ("register_area_um2", "dfxtp_1", "area"),
                            ("register_leakage_nw", "dfxtp_1", "cell_leakage_power")):
        assert attr(cell, name) == pytest.approx(p[key], rel=0.01), key
    # FO4: inv_1 driving four inv_1 inputs, input slew at the table's third index (0.053 ns)
    y = _group(_lib_cell(lib, "inv_1"), 'pin ("Y")')
    load = 4 * pin_cap("inv_1", "A")
    fo4 = (_at(_table(y, "cell_rise"), 2, load) + _at(_table(y, "cell_fall"), 2, load)) / 2
    assert fo4 == pytest.approx(p["fo4_ns"], rel=0.01)
    fall = _table(y, "cell_fall")
    slope = (fall[2][2][-1] - fall[2][2][-2]) / (fall[1][-1] - fall[1][-2])
    assert slope == pytest.approx(p["driver_kohm"], rel=0.01)
    dff = _lib_cell(lib, "dfxtp_1")
    clk = _group(dff, 'pin ("CLK")')
    e_clk = _table(clk, "rise_power")[2][0][0] + _table(clk, "fall_power")[2][0][0]
    assert e_clk == pytest.approx(p["register_clock_pj"], rel=0.01)
    q = _group(dff, 'pin ("Q")')
    e_q = (_table(_group(q, "internal_power"), "rise_power")[2][0][0]
           + _table(_group(q, "internal_power"), "fall_power")[2][0][0]) / 2
    assert e_q == pytest.approx(p["register_toggle_pj"], rel=0.01)
    d_load = pin_cap("dfxtp_1", "D")
    clk_q = (_at(_table(q, "cell_rise"), 2, d_load) + _at(_table(q, "cell_fall"), 2, d_load)) / 2
    assert clk_q == pytest.approx(p["register_clk_to_q_ns"], rel=0.01)
    # wires: ground capacitance of a minimum-width line from the tech LEF
    lef = (ref / "techlef" / "sky130_fd_sc_hd__nom.tlef").read_text()

    def layer(name: str) -> dict[str, float]:
        body = lef[lef.index(f"LAYER {name}\n"):lef.index(f"END {name}")]
        return {"w": float(re.search(r"^\s*WIDTH\s+([0-9.]+)", body, re.M).group(1)),
                "a": float(re.search(r"CPERSQDIST\s+([0-9.Ee+-]+)", body).group(1)),
                "e": float(re.search(r"EDGECAPACITANCE\s+([0-9.Ee+-]+)", body).group(1)),
                "r": float(re.search(r"RPERSQ\s+([0-9.Ee+-]+)", body).group(1))}

    for key, name in (("bitline_cap_ff_per_um", "met1"), ("wordline_cap_ff_per_um", "met2")):
        ly = layer(name)
        assert (ly["a"] * ly["w"] + 2 * ly["e"]) * 1000 == pytest.approx(p[key], rel=0.005)
    m2 = layer("met2")
    assert m2["r"] / m2["w"] == pytest.approx(p["wordline_res_ohm_per_um"], rel=0.005)


def test_every_number_has_a_source():
    raw = raw_tech()
    cited = {v for s in raw["sources"] for v in s["values"]}
    for section in ("cell", "periphery", "write_verify"):
        for key in raw[section]:
            assert f"{section}.{key}" in cited, f"{section}.{key} has no source"


# ------------------------------------------------------------------ hardened technology files

def _write_tech(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(TECH_YAML.read_text())
    raw["name"] = "my_mtj"
    change(raw)
    (tmp_path / "mram").mkdir(exist_ok=True)
    path = tmp_path / "mram" / "my_mtj.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("section,key,value", [
    ("cell", "write_current_ua", ".inf"), ("cell", "r_p_kohm", ".nan"),
    ("periphery", "sense_energy_pj", ".inf"), ("timing", "setup_ns", "-.inf")])
def test_non_finite_numbers_are_rejected(tmp_path, section, key, value):
    path = _write_tech(tmp_path, lambda r: None)
    text = path.read_text()
    text, n = re.subn(rf"(\n  {key}: )[^\n]+", rf"\g<1>{value}", text)
    assert n == 1
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_mram_tech("my_mtj", tmp_path)
    msg = str(err.value)
    assert str(path) in msg and f"{section}.{key}" in msg and "finite" in msg


def test_tiny_power_strap_pitch_is_a_config_error(tmp_path):
    _write_tech(tmp_path, lambda r: r["physical"].__setitem__("power_strap_pitch_um", 0.0001))
    with pytest.raises(ConfigError, match=r"physical\.power_strap_pitch_um"):
        load_mram_tech("my_mtj", tmp_path)
    def wide(r):
        r["physical"].update(power_strap_width_um=3.0, power_strap_pitch_um=6.0)

    _write_tech(tmp_path, wide)
    with pytest.raises(ConfigError, match="strap pair fits"):
        load_mram_tech("my_mtj", tmp_path)


def test_typical_corner_must_run_at_the_periphery_supply(tmp_path):
    _write_tech(tmp_path, lambda r: r["periphery"].__setitem__("supply_v", 1.5))
    with pytest.raises(ConfigError, match="supply_v"):
        load_mram_tech("my_mtj", tmp_path)


def test_docs_table_is_the_model(tech):
    """docs/mram.md quotes the three reference macros; the numbers must be the model's."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "mram.md").read_text()
    models = [macro_model(w, b, tech) for w, b in ISSUE_MACROS]
    for label, attr in (("read, new", "read_energy_pj"), ("write, new", "write_energy_pj")):
        row = re.search(rf"^\| \*\*{label}\*\* \|(.*)$", doc, re.M).group(1)
        quoted = [float(x) for x in re.findall(r"\*\*([0-9.]+) pJ\*\*", row)]
        assert quoted == pytest.approx([getattr(m, attr) for m in models], abs=6e-4), label
