"""Design validation: every malformed design exits 2 naming the file and the offending field."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from eqchip.config import load_design
from eqchip.config.arch import min_acc_bits
from eqchip.errors import ConfigError

BASE = yaml.safe_load((Path(__file__).resolve().parent.parent / "designs" / "small.yaml")
                      .read_text())


def _mutate(path: tuple, value: object) -> dict:
    d = copy.deepcopy(BASE)
    node = d
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return d


_DELETE = object()

# (id, mutation path, new value, text the message must contain)
MALFORMED = [
    ("unknown-top-key", ("colour",), "red", "colour"),
    ("unknown-nested-key", ("eqprop", "gamma"), 1, "eqprop.gamma"),
    ("missing-section", ("network",), _DELETE, "network"),
    ("missing-field", ("fixed_point", "acc_bits"), _DELETE, "fixed_point.acc_bits"),
    ("name-not-identifier", ("name",), "my design", "name"),
    ("name-path-traversal", ("name",), "../../etc", "name"),
    ("layers-wrong-type", ("network", "layers"), "4,4,2", "network.layers"),
    ("layer-string", ("network", "layers"), [4, "four", 2], "network.layers[1]"),
    ("layer-zero", ("network", "layers"), [4, 0, 2], "network.layers"),
    ("one-layer", ("network", "layers"), [4], "network.layers"),
    ("state-bits-range", ("fixed_point", "state_bits"), 40, "fixed_point.state_bits"),
    ("weight-bits-float", ("fixed_point", "weight_bits"), 16.5, "fixed_point.weight_bits"),
    ("weight-bits-string", ("fixed_point", "weight_bits"), "16", "fixed_point.weight_bits"),
    ("weight-frac-too-big", ("fixed_point", "weight_frac"), 16, "fixed_point.weight_frac"),
    ("acc-too-narrow", ("fixed_point", "acc_bits"), 20, "fixed_point.acc_bits"),
    ("t1-negative", ("eqprop", "t1"), -1, "eqprop.t1"),
    ("t2-bool", ("eqprop", "t2"), True, "eqprop.t2"),
    ("beta-not-pow2", ("eqprop", "beta"), 0.3, "eqprop.beta"),
    ("beta-too-fine", ("eqprop", "beta"), 2.0 ** -14, "eqprop.beta"),
    ("symmetric-string", ("eqprop", "symmetric"), "yes", "eqprop.symmetric"),
    ("lr-not-pow2", ("eqprop", "learning_rate"), 0.1, "eqprop.learning_rate"),
    ("lr-list-length", ("eqprop", "learning_rate"), [0.125, 0.125, 0.125],
     "eqprop.learning_rate"),
    ("mac-units-zero", ("parallel", "mac_units"), 0, "parallel.mac_units"),
    ("mac-units-not-divisor", ("parallel", "mac_units"), 3, "parallel.mac_units"),
    ("word-not-multiple", ("mram", "word_bits"), 24, "mram.word_bits"),
    ("row-does-not-fit", ("mram", "words_per_macro"), 2, None),  # replaced below
    ("unknown-technology", ("mram", "technology"), "nonexistent_mram", "mram.technology"),
    ("too-many-macros", ("mram", "max_macros"), 1, "mram.words_per_macro"),
    ("clock-too-fast", ("clock", "freq_mhz"), 400, "clock.freq_mhz"),
    ("clock-too-fast-at-ss-corner", ("pdk", "corner"), "ss", "clock.freq_mhz"),
    ("clock-zero", ("clock", "freq_mhz"), 0, "clock.freq_mhz"),
    ("corner-unknown", ("pdk", "corner"), "slow", "pdk.corner"),
    ("utilization-range", ("flow", "target_utilization"), 1.5, "flow.target_utilization"),
    ("dataset-unknown", ("training", "dataset"), "imagenet", "training.dataset"),
    ("rounding-unknown", ("fixed_point", "update_rounding"), "floor",
     "fixed_point.update_rounding"),
    ("prng-seed-range", ("prng",), {"seed": 1 << 32}, "prng.seed"),
    ("prng-kind-unknown", ("prng",), {"kind": "lfsr99"}, "prng.kind"),
]


def _fixup(case):
    cid, path, value, needle = case
    if cid == "row-does-not-fit":
        # 40 inputs at 2 weights per word need 20 words per row; macros hold 16.
        d = _mutate(("network", "layers"), [40, 4, 2])
        d["fixed_point"]["acc_bits"] = 40
        return cid, d, "network.layers[0]"
    if cid == "clock-too-fast-at-ss-corner":
        # 120 MHz fits the macro's access time at tt but not at ss.
        d = _mutate(path, value)
        d["clock"]["freq_mhz"] = 120
        return cid, d, needle
    return cid, _mutate(path, value), needle


CASES = [_fixup(c) for c in MALFORMED]


@pytest.mark.parametrize("cid,data,needle", CASES, ids=[c[0] for c in CASES])
def test_malformed_design_rejected(tmp_path: Path, cid: str, data: dict, needle: str) -> None:
    f = tmp_path / f"{cid}.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as info:
        load_design(f)
    msg = str(info.value)
    assert str(f) in msg
    assert needle in msg, msg
    assert info.value.exit_code == 2


@pytest.mark.parametrize("field, value, needle", [
    (("fixed_point", "bias_bits"), 8, "fixed_point.bias_bits (8) is not weight_bits (16)"),
    (("network", "layers"), [4, 2], "has no hidden layer"),
])
def test_bias_rows_need_a_weight_format_hidden_bias(tmp_path: Path, field: tuple, value: object,
                                                   needle: str) -> None:
    """mram.bias_rows stores hidden biases as weights: valid on small (16-bit biases and
    weights), rejected with narrower biases or without a hidden layer, naming the field."""
    d = _mutate(("mram", "bias_rows"), True)
    f = tmp_path / "brows.yaml"
    f.write_text(yaml.safe_dump(d, sort_keys=False))
    arch = load_design(f).arch
    assert arch.bias_rows and arch.matrices[1].stored_rows == 3
    d = _mutate(("mram", "bias_rows"), True)
    node = d
    for k in field[:-1]:
        node = node[k]
    node[field[-1]] = value
    f.write_text(yaml.safe_dump(d, sort_keys=False))
    with pytest.raises(ConfigError) as info:
        load_design(f)
    msg = str(info.value)
    assert str(f) in msg and "mram.bias_rows" in msg and needle in msg, msg


def test_cli_reports_config_error_without_traceback(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(_mutate(("fixed_point", "acc_bits"), 20), sort_keys=False))
    proc = subprocess.run([sys.executable, "-m", "eqchip", "render", str(f), "-o",
                           str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "fixed_point.acc_bits" in proc.stderr
    assert "Traceback" not in proc.stderr
    # the message points at the line of the field
    line = next(i for i, t in enumerate(f.read_text().splitlines(), 1) if "acc_bits" in t)
    assert f"{f}:{line}" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text("name: x\nnetwork:\n  layers: [4, 4\n")
    with pytest.raises(ConfigError) as info:
        load_design(f)
    assert f"{f}:" in str(info.value) and "YAML" in str(info.value)


@pytest.mark.parametrize("text,needle", [
    ("name: a\nname: b\n", "duplicate key 'name' (first on line 1)"),
    ("a: &x [*x]\n", "aliases"),
    ("network: &n {layers: [4, 2]}\nother: *n\n", "aliases"),
])
def test_duplicate_keys_and_aliases_are_refused(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "d.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(needle)) as info:
        load_design(f)
    assert f"{f}:" in str(info.value)


def test_non_utf8_design_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_design(f)


def test_unsafe_yaml_tags_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "evil.yaml"
    f.write_text("name: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ConfigError):
        load_design(f)


def test_acc_bits_bound_is_tight(tmp_path: Path) -> None:
    layers = BASE["network"]["layers"]
    fp = BASE["fixed_point"]
    need = min_acc_bits(layers, fp["state_bits"], fp["weight_bits"], fp["weight_frac"],
                        fp["bias_bits"], 1)
    ok, bad = _mutate(("fixed_point", "acc_bits"), need), _mutate(("fixed_point", "acc_bits"),
                                                                 need - 1)
    (tmp_path / "ok.yaml").write_text(yaml.safe_dump(ok))
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    assert load_design(tmp_path / "ok.yaml").arch.acc_bits == need
    with pytest.raises(ConfigError, match=f"at least {need}"):
        load_design(tmp_path / "bad.yaml")


@pytest.mark.parametrize("name", ["small", "digits", "digits6", "digits6_mtj", "mnist"])
def test_shipped_designs_load(designs_dir: Path, name: str) -> None:
    d = load_design(designs_dir / f"{name}.yaml")
    assert d.name == name
    assert d.arch.total_macros >= 1
    assert d.arch.weights_per_word % d.arch.mac_units == 0


@pytest.mark.parametrize(("changes", "needle"), [
    # R_l = 2*8 - 1 - 1 + 24 + 1 = 39 > 32 random bits
    ({"weight_frac": 1, "lr": 2.0 ** -24}, "R_0 = 39 bits, more than the 32 random bits"),
    # R_l = 2*4 - 15 - 1 + 0 + 1 = -7: updates are exact, nothing to round
    ({"weight_frac": 15, "state_bits": 5, "lr": 1}, "every weight update shift R_l ([-7, -7])"),
])
def test_stochastic_rounding_needs_usable_shifts(tmp_path: Path, changes: dict,
                                                 needle: str) -> None:
    d = _mutate(("fixed_point", "update_rounding"), "stochastic")
    d["fixed_point"]["weight_frac"] = changes["weight_frac"]
    d["fixed_point"]["state_bits"] = changes.get("state_bits", 9)
    d["eqprop"]["learning_rate"] = changes["lr"]
    f = tmp_path / "stoch.yaml"
    f.write_text(yaml.safe_dump(d, sort_keys=False))
    with pytest.raises(ConfigError) as info:
        load_design(f)
    msg = str(info.value)
    assert str(f) in msg and "fixed_point.update_rounding" in msg and needle in msg, msg
    # the same design with round half up is valid
    d["fixed_point"]["update_rounding"] = "nearest"
    f.write_text(yaml.safe_dump(d, sort_keys=False))
    assert not load_design(f).arch.stochastic


def test_schema_is_published_and_matches_models(repo_root: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "eqchip", "schema"], capture_output=True,
                          text=True, check=True)
    schema = json.loads(proc.stdout)
    committed = json.loads((repo_root / "designs" / "design.schema.json").read_text())
    assert schema == committed, "run `eqchip schema -o designs/design.schema.json`"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) >= {"name", "network", "fixed_point", "eqprop", "mram"}


def test_schema_validates_shipped_designs_with_jsonschema(designs_dir: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((designs_dir / "design.schema.json").read_text())
    for f in sorted(designs_dir.glob("*.yaml")):
        if "network" not in yaml.safe_load(f.read_text()):
            continue  # not a design (e.g. the regression rules)
        jsonschema.validate(yaml.safe_load(f.read_text()), schema)
    bad = _mutate(("eqprop", "gamma"), 1)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_outputs_never_replace_devices_or_folders(tmp_path: Path) -> None:
    from eqchip.errors import OutputError
    from eqchip.fileio import write_text_atomic

    target = tmp_path / "folder"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere.txt")
    for path in (target, link, Path("/dev/null")):
        with pytest.raises(OutputError, match="not a regular file"):
            write_text_atomic(path, "x")
    assert target.is_dir() and link.is_symlink() and Path("/dev/null").is_char_device()
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = subprocess.run([sys.executable, "-m", "eqchip", "schema", "-o",
                           str(blocker / "x.json")], capture_output=True, text=True)
    assert proc.returncode == 6 and "cannot write" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.glob(".*.tmp")) == []


def _design_text(**replace: str) -> str:
    """small.yaml's text with some `key: value` lines replaced (keeps YAML's own spelling)."""
    text = (Path(__file__).resolve().parent.parent / "designs" / "small.yaml").read_text()
    for key, value in replace.items():
        text, n = re.subn(rf"(?m)^(\s*{key}:) .*$", lambda m, v=value: f"{m[1]} {v}", text)
        assert n == 1, key
    return text


def test_deeply_nested_yaml_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "deep.yaml"
    f.write_text("name: x\ndescription: " + "[" * 5000 + "]" * 5000 + "\n")
    proc = subprocess.run([sys.executable, "-m", "eqchip", "render", str(f), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr
    assert f"{f}:2: not valid YAML: nested more than" in proc.stderr


@pytest.mark.parametrize("spelling, value", [("5.0e1", 50.0), ("5e1", 50.0), ("0.5E+2", 50.0),
                                             ("500e-1", 50.0)])
def test_exponent_floats_are_numbers(tmp_path: Path, spelling: str, value: float) -> None:
    f = tmp_path / "d.yaml"
    f.write_text(_design_text(freq_mhz=spelling))
    assert load_design(f).design.clock.freq_mhz == value


@pytest.mark.parametrize("spelling", ["1.0e30", ".inf", "1e400", ".nan"])
def test_huge_and_non_finite_numbers_are_range_errors(tmp_path: Path, spelling: str) -> None:
    for key in ("freq_mhz", "beta"):
        f = tmp_path / "d.yaml"
        f.write_text(_design_text(**{key: spelling}))
        with pytest.raises(ConfigError) as info:
            load_design(f)
        msg = str(info.value)
        assert key in msg and "valid number" not in msg, msg


def test_long_or_multiline_description_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text(_design_text(description="x" * 501))
    with pytest.raises(ConfigError, match="description: String should have at most 500") as info:
        load_design(f)
    assert len(str(info.value)) < 600                 # the value is not echoed in full
    f.write_text(_design_text(description='"first line\\nmodule evil; endmodule"'))
    with pytest.raises(ConfigError, match="description: must be one line"):
        load_design(f)
    f.write_text(_design_text(description=">\n  a folded\n  description"))
    assert load_design(f).design.description == "a folded description"


def test_huge_design_file_is_refused_before_parsing(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    f.write_text(_design_text(description="y" * (2 << 20)))
    with pytest.raises(ConfigError, match=r"too large for a design YAML file") as info:
        load_design(f)
    assert "description" in str(info.value)


def test_mtj_rounding_needs_switching_levels_that_fit_a_cycle(tmp_path: Path,
                                                              designs_dir: Path) -> None:
    """update_rounding: mtj takes the technology's pulse levels: a technology without them,
    or a pulse longer than a clock cycle, is a one-line error naming the field."""
    text = (designs_dir / "digits6_mtj.yaml").read_text()
    fast = tmp_path / "fast.yaml"
    fast.write_text(text.replace("freq_mhz: 40", "freq_mhz: 250"))
    with pytest.raises(ConfigError, match=r"clock.freq_mhz.*stochastic-switching pulse"):
        load_design(fast)
    tech = (designs_dir.parent / "pdk_cfg" / "mram" / "stt_sky130.yaml").read_text()
    start = tech.index("stochastic_switching:")
    end = tech.index("timing:", start)
    (tmp_path / "mram").mkdir()
    (tmp_path / "mram" / "plain.yaml").write_text(
        (tech[:start] + tech[end:]).replace("name: stt_sky130", "name: plain"))
    plain = tmp_path / "plain.yaml"
    plain.write_text(text.replace("technology: stt_sky130", "technology: plain"))
    with pytest.raises(ConfigError, match=r"update_rounding.*no stochastic_switching section"):
        load_design(plain, pdk_cfg=tmp_path)
    # pulses out of order: P_sw must grow from level to level
    swapped = tech.replace("- {current_ua: 27.28,", "- {current_ua: 27.9,")
    (tmp_path / "mram" / "swapped.yaml").write_text(swapped.replace("name: stt_sky130",
                                                                    "name: swapped"))
    bad = tmp_path / "swapped.yaml"
    bad.write_text(text.replace("technology: stt_sky130", "technology: swapped"))
    with pytest.raises(ConfigError, match=r"pulses\[1\] switches with P_sw"):
        load_design(bad, pdk_cfg=tmp_path)


def test_synthesis_strategy(designs_dir: Path) -> None:
    """AREA1 by default; mnist asks for yosys' own ABC script, which sets no syn_asic strategy."""
    digits = load_design(designs_dir / "digits.yaml").design.flow
    assert digits.synthesis_strategy == "AREA1" and digits.abc_strategy == "AREA1"
    mnist = load_design(designs_dir / "mnist.yaml").design.flow
    assert mnist.synthesis_strategy == "yosys" and mnist.abc_strategy is None
