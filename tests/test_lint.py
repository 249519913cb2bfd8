"""The rendered RTL of every shipped design lints without a single warning in slang (every
warning enabled) and `verilator --lint-only -Wall`; the linters do report a planted defect."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eqchip.config import load_design
from eqchip.render import render_design
from eqchip.render.lint import lint_slang, lint_verilator

# every design file shipped in designs/ (other YAML there, e.g. regression rules, is skipped)
DESIGNS = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "designs").glob(
    "*.yaml") if "\nnetwork:" in p.read_text())

needs_verilator = pytest.mark.skipif(shutil.which("verilator") is None,
                                     reason="verilator is not installed")


def _have_pyslang() -> bool:
    try:
        import pyslang  # noqa: F401
    except ImportError:
        return False
    return True


needs_slang = pytest.mark.skipif(not _have_pyslang(), reason="pyslang is not installed")


@needs_slang
@pytest.mark.parametrize("name", DESIGNS)
def test_slang_clean(name: str, designs_dir: Path, tmp_out: Path) -> None:
    res = render_design(load_design(designs_dir / f"{name}.yaml"), tmp_out)
    rep = lint_slang(res)
    assert rep.files == len(res.rtl_files) + 1
    assert rep.diagnostics == (), "\n".join(map(str, rep.diagnostics))


@needs_verilator
@pytest.mark.parametrize("name", DESIGNS)
def test_verilator_clean(name: str, designs_dir: Path, tmp_out: Path) -> None:
    res = render_design(load_design(designs_dir / f"{name}.yaml"), tmp_out)
    rep = lint_verilator(res)
    assert rep.diagnostics == (), "\n".join(map(str, rep.diagnostics))


@needs_slang
@needs_verilator
def test_linters_report_planted_defect(designs_dir: Path, tmp_out: Path) -> None:
    res = render_design(load_design(designs_dir / "small.yaml"), tmp_out)
    mac = tmp_out / "rtl" / "small_mac.sv"
    text = mac.read_text()
    # an unused, truncating signal: both tools must object
    mac.write_text(text.replace("endmodule", "    logic [3:0] planted;\n"
                                "    assign planted = fwd_sum;\nendmodule"))
    s, v = lint_slang(res), lint_verilator(res)
    assert any(d.file.endswith("small_mac.sv") for d in s.diagnostics), s
    assert {d.code for d in v.diagnostics} & {"WIDTH", "WIDTHTRUNC", "UNUSEDSIGNAL", "UNUSED"}, v
    assert all(d.line > 0 for d in v.diagnostics)


@needs_slang
@needs_verilator
def test_stochastic_design_without_bias_lane_is_clean(designs_dir: Path, tmp_out: Path) -> None:
    """Stochastic rounding where no bias update shift is positive: the PRNG has no bias lane
    and the weight-update unit no bias random bits; still not a single warning."""
    text = (designs_dir / "small.yaml").read_text().replace(
        "acc_bits: 32", "acc_bits: 32\n  update_rounding: stochastic")
    path = tmp_out / "stoch_small.yaml"
    path.write_text(text)
    loaded = load_design(path)
    assert max(m.b_update_shift for m in loaded.arch.matrices) <= 0
    res = render_design(loaded, tmp_out / "r")
    prng = (tmp_out / "r" / "rtl" / "small_prng.sv").read_text()
    assert "u_b" not in prng and "localparam int LANES = 2;" in prng
    for rep in (lint_slang(res), lint_verilator(res)):
        assert rep.diagnostics == (), "\n".join(map(str, rep.diagnostics))


@needs_slang
@needs_verilator
@pytest.mark.parametrize("design, bias_lane", [("small", False), ("digits6_mtj", True)])
def test_mtj_switching_designs_are_clean(design: str, bias_lane: bool, designs_dir: Path,
                                         tmp_out: Path) -> None:
    """MTJ stochastic switching: the switching cells (with and without the bias lane) and the
    pulse-level logic of the weight-update unit lint without a single warning; no PRNG."""
    text = (designs_dir / f"{design}.yaml").read_text()
    if design == "small":
        text = text.replace("acc_bits: 32", "acc_bits: 32\n  update_rounding: mtj")
    path = tmp_out / f"{design}_mtj.yaml"
    path.write_text(text)
    loaded = load_design(path)
    assert loaded.arch.mtj
    assert (max(m.b_update_shift for m in loaded.arch.matrices) > 0) == bias_lane
    res = render_design(loaded, tmp_out / "r")
    names = [p.name for p in res.rtl_files]
    name = loaded.arch.name
    assert f"{name}_mram_sw.sv" in names and f"{name}_prng.sv" not in names
    sw = (tmp_out / "r" / "rtl" / f"{name}_mram_sw.sv").read_text()
    assert ("sw_b" in sw) == bias_lane
    for rep in (lint_slang(res), lint_verilator(res)):
        assert rep.diagnostics == (), "\n".join(map(str, rep.diagnostics))


@needs_slang
@needs_verilator
@pytest.mark.parametrize("mac_units", [1, 2])
def test_two_input_network_is_clean(mac_units: int, tmp_out: Path) -> None:
    """A 2-2-2 network (tests/data/route_tiny.yaml: fewer inputs than X ports when two MAC
    units share a word) renders no division by a constant that does not fit its index
    (`x_idx / 1'd2`: slang divide-by-zero, Verilator WIDTH)."""
    src = Path(__file__).resolve().parent / "data" / "route_tiny.yaml"
    path = tmp_out / f"tiny_m{mac_units}.yaml"
    path.write_text(src.read_text().replace("mac_units: 2", f"mac_units: {mac_units}"))
    res = render_design(load_design(path), tmp_out / "rtl")
    for lint in (lint_slang, lint_verilator):
        rep = lint(res)
        assert rep.diagnostics == (), "\n".join(map(str, rep.diagnostics))


def _gated(text: str, one_sided: bool = False) -> str:
    import yaml

    src = yaml.safe_load(text)
    src["eqprop"]["early_stop"] = True
    if one_sided:
        src["eqprop"]["symmetric"] = False
    return yaml.safe_dump(src)


@needs_slang
@needs_verilator
@pytest.mark.parametrize("name", [*DESIGNS, "route_tiny", "route_tiny_one_sided"])
def test_gated_designs_are_clean(name: str, designs_dir: Path, tmp_out: Path) -> None:
    """Convergence-gated phases (eqprop.early_stop) on every shipped design and the 2-2-2
    network (symmetric and one-sided): the changed flag, the STEPS registers and the skip lint
    without a warning (the designs cover both nudgings, step counters of T = 2^k and T !=
    2^k, bias rows, column blocks, stochastic and MTJ rounding)."""
    tiny = name.startswith("route_tiny")
    src = (Path(__file__).resolve().parent / "data" / "route_tiny.yaml" if tiny
           else designs_dir / f"{name}.yaml")
    path = tmp_out / f"{name}_es.yaml"
    path.write_text(_gated(src.read_text(), one_sided=name.endswith("one_sided")))
    loaded = load_design(path)
    assert loaded.arch.early_stop
    res = render_design(loaded, tmp_out / "r")
    assert "changed" in (tmp_out / "r" / "rtl" / f"{loaded.arch.name}_nupd.sv").read_text()
    for lint in (lint_slang, lint_verilator):
        rep = lint(res)
        assert rep.diagnostics == (), "\n".join(map(str, rep.diagnostics))


def test_gate_off_renders_no_gate(designs_dir: Path, tmp_out: Path) -> None:
    """Without eqprop.early_stop the RTL has no trace of the gate (the shipped designs keep
    their RTL byte for byte)."""
    res = render_design(load_design(designs_dir / "small.yaml"), tmp_out)
    text = "".join(p.read_text() for p in res.rtl_files)
    assert "changed" not in (tmp_out / "rtl" / "small_nupd.sv").read_text()
    assert "step_end" not in text and "n_free" not in text
