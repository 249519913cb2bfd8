"""Co-simulation: the rendered RTL on Icarus Verilog and Verilator (cocotb) against the bit-exact
golden model, register by register after every operation (states, MRAM words, biases,
CYCLES / MRAM_READS / MRAM_WRITES), on real samples."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from eqchip import golden as g
from eqchip.config import load_design
from eqchip.golden.results import load_weights
from eqchip.power.vcd import busy_windows, read_header, values_at, values_at_edges
from eqchip.sim import CosimMismatch, run_cosim
from eqchip.sim.scenario import initial_params, operations

pytestmark = pytest.mark.slow

# A design none of the shipped ones covers: one-sided nudging, 3 sub-cycles per word, a bank of
# two macros, negative update shifts (left shifts), words narrower than the host bus, and
# (with the "wide" init) saturating weight and bias updates.
STRESS_YAML = """\
name: stress
network:
  layers: [3, 5, 2]
fixed_point: {state_bits: 5, weight_bits: 10, weight_frac: 9, bias_bits: 8, acc_bits: 24}
eqprop: {t1: 6, t2: 3, beta: 0.25, symmetric: false, learning_rate: [1, 0.25]}
parallel: {mac_units: 1}
mram: {technology: stt_sky130, word_bits: 30, words_per_macro: 4}
clock: {freq_mhz: 50}
training: {dataset: synthetic, test_size: 8}
"""


# Odd sizes: three weight matrices (two hidden layers, so two banks of transposed sums), layer
# sizes that fill no word and no column group, 3 sub-cycles per word, banks of several macros;
# W_2 has four words per row, so the STEP takes it in four column blocks (the last with 5 of
# W_1's rows and W_1's bias row), and the blocked layer's entry group is grp mod 3. Biases have
# the weights' 8 bits: the hidden layers' biases are bias rows of W_1 and W_2, updated with the
# shifts of W_0 and W_1 (three different learning rates).
ODD_YAML = """\
name: odd
network:
  layers: [7, 5, 23, 3]
fixed_point: {state_bits: 7, weight_bits: 8, weight_frac: 5, bias_bits: 8, acc_bits: 24}
eqprop: {t1: 5, t2: 3, beta: 0.5, symmetric: true, learning_rate: [1, 0.5, 0.25]}
parallel: {mac_units: 2}
mram: {technology: stt_sky130, word_bits: 48, words_per_macro: 4, bias_rows: true}
clock: {freq_mhz: 50}
training: {dataset: synthetic, test_size: 8}
"""

# No hidden layer: one weight matrix, no transposed datapath.
ONE_MATRIX_YAML = """\
name: one_matrix
network:
  layers: [5, 1]
fixed_point: {state_bits: 6, weight_bits: 8, weight_frac: 4, bias_bits: 8, acc_bits: 20}
eqprop: {t1: 3, t2: 2, beta: 0.5, symmetric: true, learning_rate: 0.5}
parallel: {mac_units: 2}
mram: {technology: stt_sky130, word_bits: 16, words_per_macro: 4}
clock: {freq_mhz: 50}
training: {dataset: synthetic, test_size: 8}
"""


# Stochastic update rounding (docs/architecture.md, "Stochastic rounding"): 6-bit weights, 2 lanes
# plus the bias lane, 2 sub-cycles per word, positive weight and bias shifts.
STOCH_YAML = """\
name: stoch
network:
  layers: [7, 5, 3]
fixed_point: {state_bits: 7, weight_bits: 6, weight_frac: 4, bias_bits: 8, acc_bits: 20,
              update_rounding: stochastic}
eqprop: {t1: 5, t2: 3, beta: 0.5, symmetric: false, learning_rate: [0.25, 0.125]}
parallel: {mac_units: 2}
mram: {technology: stt_sky130, word_bits: 24, words_per_macro: 4}
prng: {seed: 7}
clock: {freq_mhz: 50}
training: {dataset: synthetic, test_size: 8}
"""


def _sim_param(name: str):
    tools = {"icarus": ("iverilog", "vvp"), "verilator": ("verilator", "make", "g++")}[name]
    missing = [t for t in tools if shutil.which(t) is None]
    return pytest.param(name, marks=pytest.mark.skipif(bool(missing),
                                                       reason=f"{name}: {missing} missing"))


SIMS = [_sim_param("icarus"), _sim_param("verilator")]


@pytest.fixture(scope="module")
def cosim_work(tmp_path_factory: pytest.TempPathFactory):
    """One work folder per design and simulator, shared so the builds are reused."""
    root = tmp_path_factory.mktemp("cosim")
    return lambda design, sim: root / f"{design}_{sim}"


def _design_file(tmp_path_factory: pytest.TempPathFactory, name: str, text: str) -> Path:
    """`text` as `<name>.yaml` in a fresh folder (the design files of the module's fixtures)."""
    p = tmp_path_factory.mktemp(name) / f"{name}.yaml"
    p.write_text(text)
    return p


@pytest.fixture(scope="module")
def stress_yaml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _design_file(tmp_path_factory, "stress", STRESS_YAML)


@pytest.mark.parametrize("sim", SIMS)
def test_small_training_steps(sim: str, designs_dir: Path, cosim_work) -> None:
    loaded = load_design(designs_dir / "small.yaml")
    r = run_cosim(loaded, cosim_work("small", sim), simulator=sim, samples=3)
    kinds = [o["kind"] for o in r.ops]
    assert kinds == ["infer", "train", "train", "train", "infer"]
    # counters are compared inside the run; here: they are the contract's numbers
    assert r.ops[0]["cycles"] == g.inference_counters(loaded.arch).cycles
    for o in r.ops[1:4]:
        assert o["cycles"] == g.training_counters(loaded.arch, o["mram_writes"]).cycles
    assert sum(o["mram_writes"] for o in r.ops) > 0          # training changed the MRAM
    assert r.agree == r.n_infer == 2
    assert r.op_cycles == sum(o["cycles"] for o in r.ops)
    assert r.cycles_per_second > 0


@pytest.mark.parametrize("sim", SIMS)
def test_stress_design_saturation(sim: str, stress_yaml: Path, cosim_work) -> None:
    loaded = load_design(stress_yaml)
    arch = loaded.arch
    # the scenario really saturates weights and biases (checked on the golden model)
    p = initial_params(arch, 0, "wide", None)
    w_sat = b_sat = 0
    for op in operations(loaded, 4, 0, inference_only=False):
        if op.kind != "train":
            continue
        st = g.train_step(arch, p, op.x, op.y)
        a, b = [op.x] + st.s_plus, [op.x] + st.s_free
        for m in arch.matrices:
            i = m.index
            raw = p.weights[i] + g.round_shift(np.outer(a[i + 1], a[i]) - np.outer(b[i + 1], b[i]),
                                               m.w_update_shift)
            w_sat += int((raw != g.sat(raw, arch.weight_bits)).sum())
            rb = p.biases[i] + g.round_shift(a[i + 1] - b[i + 1], m.b_update_shift)
            b_sat += int((rb != g.sat(rb, arch.bias_bits)).sum())
        p = st.params
    assert w_sat > 0 and b_sat > 0
    r = run_cosim(loaded, cosim_work("stress", sim), simulator=sim, samples=4, init="wide")
    assert [o["kind"] for o in r.ops].count("train") == 4
    assert sum(o["mram_writes"] for o in r.ops) > 0


@pytest.mark.parametrize("sim", SIMS)
@pytest.mark.parametrize(("text", "init"), [(ODD_YAML, "random"), (ONE_MATRIX_YAML, "wide")],
                         ids=["odd", "one_matrix"])
def test_odd_sized_networks(sim: str, text: str, init: str, tmp_path: Path, cosim_work) -> None:
    path = tmp_path / "design.yaml"
    path.write_text(text)
    loaded = load_design(path)
    assert loaded.arch.bias_rows == (loaded.arch.name == "odd")   # one_matrix: no hidden layer
    r = run_cosim(loaded, cosim_work(loaded.arch.name, sim), simulator=sim, samples=3, init=init)
    assert [o["kind"] for o in r.ops] == ["infer", "train", "train", "train", "infer"]
    assert r.ops[0]["cycles"] == g.inference_counters(loaded.arch).cycles
    for o in r.ops[1:4]:
        assert o["cycles"] == g.training_counters(loaded.arch, o["mram_writes"]).cycles
    assert sum(o["mram_writes"] for o in r.ops) > 0


@pytest.mark.parametrize("sim", SIMS)
def test_digits_training_and_inference(sim: str, designs_dir: Path, cosim_work) -> None:
    loaded = load_design(designs_dir / "digits.yaml")
    r = run_cosim(loaded, cosim_work("digits", sim), simulator=sim, samples=1)
    kinds = [o["kind"] for o in r.ops]
    assert kinds[0] == "infer" and kinds[-1] == "infer", kinds
    trains = [o for o in r.ops if o["kind"] == "train"]
    updated = [o for o in trains if not o["skipped"]]
    assert len(updated) == 1 and updated[0]["mram_writes"] > 0, trains
    if loaded.arch.early_stop:
        # the gated plan adds a training operation whose update is zero (WUPD skipped)
        assert len(trains) == 2 and trains[0]["skipped"] and trains[0]["mram_writes"] == 0
    else:
        assert len(trains) == 1
        assert updated[0]["mram_reads"] == g.training_counters(loaded.arch, 0).mram_reads


@pytest.mark.skipif(shutil.which("verilator") is None, reason="verilator is not installed")
def test_trained_digits_inference(designs_dir: Path, cosim_work, tmp_path: Path) -> None:
    """Weights from `eqchip train`: the RTL predicts the golden model's class on 50 test
    digits (and its states match bit for bit)."""
    train_out = tmp_path / "train"
    proc = subprocess.run(["eqchip", "train", str(designs_dir / "digits.yaml"), "--epochs", "1",
                           "--no-float", "-o", str(train_out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    npz = train_out / "weights.npz"
    loaded = load_design(designs_dir / "digits.yaml")
    load_weights(npz, loaded.arch)     # the file is a valid weight set for this design
    r = run_cosim(loaded, cosim_work("digits", "verilator"), simulator="verilator", samples=50,
                  weights=npz)
    assert r.n_infer == 50 and r.agree == 50
    correct = sum(o["rtl_class"] == o["label"] for o in r.ops)
    assert correct >= 35, f"trained RTL got only {correct}/50 test digits right"


@pytest.fixture(scope="module")
def stoch_yaml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _design_file(tmp_path_factory, "stoch", STOCH_YAML)


def _golden_weights(arch, params: g.Params, ops, restart_prng: bool) -> list[np.ndarray]:
    """Golden weights after the training operations of `ops`, with the generator running on
    from one operation to the next (as on the chip) or restarted at its seed each time."""
    from eqchip.golden.prng import PrngStream

    stream = PrngStream(arch.prng_seeds) if arch.stochastic else None
    pos = 0
    for op in ops:
        if op.kind == "train":
            st = g.train_step(arch, params, op.x, op.y, stream, 0 if restart_prng else pos)
            params, pos = st.params, st.prng_pos
    return params.weights


def _random_update_cosim(loaded, others: list, work: Path, sim: str) -> None:
    """Four training operations of a design with random update rounding: the golden weights
    differ from those of each arch in `others` and from a generator restarted at its seed each
    operation (so an RTL that matched them would be caught); RTL == golden bit for bit (run_cosim
    raises otherwise); each training operation takes the schedule's cycles; some word is written."""
    arch = loaded.arch
    ops = operations(loaded, 4, 0, inference_only=False)
    p0 = initial_params(arch, 0, "random", None)
    want = _golden_weights(arch, p0, ops, restart_prng=False)
    alternatives = [_golden_weights(o, p0, ops, False) for o in others]
    for other in (*alternatives, _golden_weights(arch, p0, ops, restart_prng=True)):
        assert any(not np.array_equal(a, b) for a, b in zip(want, other, strict=True))
    r = run_cosim(loaded, work, simulator=sim, samples=4)
    assert [o["kind"] for o in r.ops] == ["infer"] + ["train"] * 4 + ["infer"]
    for o in r.ops[1:5]:
        assert o["cycles"] == g.training_counters(arch, o["mram_writes"]).cycles
    assert sum(o["mram_writes"] for o in r.ops) > 0


@pytest.mark.parametrize("sim", SIMS)
def test_stochastic_rounding_training(sim: str, stoch_yaml: Path, cosim_work) -> None:
    """Four training operations with the generator running: RTL == golden bit for bit, and the
    golden weights depend on the random bits and on the generator running on across
    operations (so the comparison checks both)."""
    loaded = load_design(stoch_yaml)
    nearest = dataclasses.replace(loaded.arch, update_rounding="nearest", prng_seeds=())
    _random_update_cosim(loaded, [nearest], cosim_work("stoch", sim), sim)


# MTJ stochastic switching (docs/architecture.md, "MTJ stochastic switching"): the same small odd
# network, the update's remainder picks a pulse level, a seeded stand-in decides the switching.
MTJ_YAML = STOCH_YAML.replace("name: stoch", "name: mtjs").replace(
    "update_rounding: stochastic", "update_rounding: mtj")


@pytest.fixture(scope="module")
def mtj_yaml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _design_file(tmp_path_factory, "mtjs", MTJ_YAML)


@pytest.mark.parametrize("sim", SIMS)
def test_mtj_switching_training(sim: str, mtj_yaml: Path, cosim_work) -> None:
    """Four training operations with MTJ switching: RTL == golden bit for bit; the golden
    weights depend on the switching outcomes (another rounding, or a stand-in restarted at
    its seed, gives other weights), so the comparison checks the stochastic writes."""
    loaded = load_design(mtj_yaml)
    arch = loaded.arch
    assert arch.mtj and not arch.stochastic
    nearest = dataclasses.replace(arch, update_rounding="nearest", prng_seeds=(), mtj_probs=())
    stoch = dataclasses.replace(arch, update_rounding="stochastic", mtj_probs=())
    _random_update_cosim(loaded, [nearest, stoch], cosim_work("mtjs", sim), sim)
    assert any(cosim_work("mtjs", sim).rglob("mtjs_mram_sw.sv"))


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog is not installed")
def test_mtj_stand_in_defect_is_caught(mtj_yaml: Path, tmp_path: Path) -> None:
    """A stand-in generator with a wrong xorshift shift (<< 12 for << 13) decides the switching
    with other random bits from the second WUPD sub-cycle on: the comparison catches it."""
    with pytest.raises(CosimMismatch, match=r"train operation \d: (W_\d|B|counter)"):
        run_cosim(load_design(mtj_yaml), tmp_path / "w", simulator="icarus", samples=4,
                  edit_rtl=lambda d: _replace(d / "rtl" / "mtjs_mram_sw.sv",
                                              r"\(x_q\[32\*k \+: 32\] << 13\)",
                                              "(x_q[32*k +: 32] << 12)"))


@pytest.mark.parametrize("sim", SIMS)
def test_digits6_training_step(sim: str, designs_dir: Path, cosim_work) -> None:
    """The shipped low-precision design: one training operation with stochastic rounding."""
    loaded = load_design(designs_dir / "digits6.yaml")
    assert loaded.arch.stochastic and loaded.arch.early_stop
    r = run_cosim(loaded, cosim_work("digits6", sim), simulator=sim, samples=1)
    kinds = [o["kind"] for o in r.ops]
    # a gated design's plan adds a training operation whose update is zero (WUPD skipped)
    assert kinds[0] == "infer" and kinds[-1] == "infer" and kinds.count("train") == 2, kinds
    trains = [o for o in r.ops if o["kind"] == "train"]
    skipped = [o for o in trains if o["skipped"]]
    updated = [o for o in trains if not o["skipped"]]
    assert len(skipped) == len(updated) == 1, trains
    assert updated[0]["mram_writes"] > 0 and skipped[0]["mram_writes"] == 0
    assert skipped[0]["mram_reads"] < updated[0]["mram_reads"]


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog is not installed")
def test_prng_stepping_in_every_cycle_is_caught(stoch_yaml: Path, tmp_path: Path) -> None:
    """A generator that steps in every cycle (not only in WUPD COMPUTE sub-cycles) rounds the
    first training operation with other random bits: the comparison catches it."""
    with pytest.raises(CosimMismatch, match=r"train operation 0: (W_\d|B|counter)"):
        run_cosim(load_design(stoch_yaml), tmp_path / "w", simulator="icarus", samples=1,
                  edit_rtl=lambda d: _replace(d / "rtl" / "stoch_top.sv", r"\.step\(do_wcomp\)",
                                              ".step(1'b1)"))


def _replace(path: Path, old: str, new: str) -> None:
    """Replace the first match of the regular expression `old` by `new` (a re.sub template)."""
    text = path.read_text()
    assert re.search(old, text), f"{old!r} not in {path}"
    path.write_text(re.sub(old, new, text, count=1))


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog is not installed")
@pytest.mark.parametrize("defect, expect", [
    # weight update rounds down instead of half up: the first trained word differs
    (("small_wupd.sv", r"20'sd64\) >>> 7", "20'sd0) >>> 7"), r"train operation 0: W_\d\[\d, \d\]"),
    # a forward product is subtracted (whatever the accumulator width): the first inference's
    # states differ
    (("small_mac.sv", r"\+ (\d+)'\(\$signed\(pf\[1\]\)\)", r"- \1'($signed(pf[1]))"),
     r"infer operation 0: S\[\d+\] \(layer \d neuron \d+\): RTL \d+, golden \d+"),
])
def test_planted_defect_is_caught(defect, expect: str, designs_dir: Path, tmp_path: Path) -> None:
    fname, old, new = defect
    with pytest.raises(CosimMismatch, match=expect):
        run_cosim(load_design(designs_dir / "small.yaml"), tmp_path / "w", simulator="icarus",
                  samples=1, edit_rtl=lambda d: _replace(d / "rtl" / fname, old, new))


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog is not installed")
def test_bias_row_defect_is_caught(tmp_path: Path) -> None:
    """A bias row whose row state is 0 instead of 1.0 drops the hidden biases out of the sums
    (the odd design keeps its hidden biases in bias rows): the first inference differs."""
    path = tmp_path / "odd.yaml"
    path.write_text(ODD_YAML)
    with pytest.raises(CosimMismatch, match=r"infer operation 0: S\[\d+\] \(layer [12] neuron"):
        run_cosim(load_design(path), tmp_path / "w", simulator="icarus", samples=1,
                  edit_rtl=lambda d: _replace(d / "rtl" / "odd_regfile.sv", r"\? 7'd64 :",
                                              "? 7'd0 :"))


@pytest.mark.parametrize("sim", SIMS)
def test_vcd_of_one_training_operation(sim: str, designs_dir: Path, cosim_work) -> None:
    loaded = load_design(designs_dir / "small.yaml")
    arch = loaded.arch
    wdir = cosim_work("small", sim)
    vcd = wdir / "train.vcd"
    r = run_cosim(loaded, wdir, simulator=sim, samples=1, vcd=vcd)
    assert [o["kind"] for o in r.ops] == ["train"] and r.vcd == vcd.resolve()
    # the golden model's counters of the same operation (seed 0, random init)
    (op,) = operations(loaded, 1, 0, inference_only=False, one_training_op=True)
    want = g.train_step(arch, initial_params(arch, 0, "random", None), op.x, op.y).counters
    text = vcd.read_text()
    assert "$date" not in text
    assert "$scope module small_tb $end\n$scope module dut $end" in text
    assert re.search(r"^\$var \w+ \d+ \S+ clk", text, flags=re.M)
    times = [int(t) for t in re.findall(r"^#(\d+)$", text, flags=re.M)]
    period = round(arch.clock_period_ns * 1000)
    assert "$timescale 1ps $end" in text
    # the operation's cycles plus the cycle after busy falls, one clock edge pair per cycle
    assert times[-1] - times[0] == (want.cycles + 1) * period
    assert len(times) == 2 * (want.cycles + 1) + 1
    # the report's reader finds exactly that operation, its last edge taken from the file
    hdr = read_header(vcd)
    top = "small_tb.dut"
    (win,) = busy_windows(vcd, hdr, f"{top}.clk", f"{top}.busy")
    assert (win.start, win.end, win.cycles) == (times[0], times[0] + want.cycles * period,
                                                want.cycles)
    regs = [f"{top}.{n}" for n in ("busy", "done", "cycles", "mram_reads", "mram_writes")]
    # busy's falling edge is in the VCD: done rose and the RTL counters hold the golden counts
    assert values_at(vcd, hdr, regs, win.end) == dict(zip(regs, (
        0, 1, want.cycles, want.mram_reads, want.mram_writes), strict=True))
    before = values_at(vcd, hdr, regs, win.end - 1)
    assert (before[f"{top}.busy"], before[f"{top}.cycles"]) == (1, want.cycles - 1)


def test_column_selects_hold_outside_their_matrix(designs_dir: Path, tmp_path: Path) -> None:
    """Select isolation (docs/architecture.md): the controller's copy of the column group for
    W_l's multiplexers changes only in cycles in which W_l is the current matrix, and the t
    ports' copy only in WUPD, so the other multiplexers hold still. (Tied to the cursor's column
    group, gsel0 would step through W_1's groups too.)"""
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog is not installed")
    loaded = load_design(designs_dir / "small.yaml")
    vcd = tmp_path / "train.vcd"
    run_cosim(loaded, tmp_path / "w", simulator="icarus", samples=1, vcd=vcd)
    ctrl = "small_tb.dut.u_ctrl"
    names = [f"{ctrl}.{n}" for n in ("mat", "state", "gsel0", "gsel1", "gsel_t")]
    snaps = values_at_edges(vcd, read_header(vcd), f"{ctrl}.clk", names)
    assert len(snaps) > 100 and all(len(s) == len(names) for s in snaps[1:])
    moved = {n: 0 for n in ("gsel0", "gsel1", "gsel_t")}
    for before, after in zip(snaps, snaps[1:], strict=False):
        for m in (0, 1):
            key = f"{ctrl}.gsel{m}"
            if before.get(key) != after[key]:
                moved[f"gsel{m}"] += 1
                assert after[f"{ctrl}.mat"] == m, (m, before, after)
        if before.get(f"{ctrl}.gsel_t") != after[f"{ctrl}.gsel_t"]:
            moved["gsel_t"] += 1
            # S_WFILL, S_WCOMP, S_WNEXT of the controller's state enumeration
            assert before[f"{ctrl}.state"] in (6, 7, 8), (before, after)
    assert all(v > 0 for v in moved.values()), moved      # each copy does follow its matrix


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog is not installed")
def test_sim_cli(designs_dir: Path, tmp_path: Path) -> None:
    proc = subprocess.run(["eqchip", "sim", str(designs_dir / "small.yaml"), "--samples", "1",
                           "-o", str(tmp_path / "w")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "bit for bit" in proc.stdout and "cycles/s" in proc.stdout
    bad = subprocess.run(["eqchip", "sim", str(designs_dir / "small.yaml"), "--weights",
                          str(designs_dir / "small.yaml"), "--vcd", str(tmp_path / "x.vcd")],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "--vcd" in bad.stderr and "Traceback" not in bad.stderr


# Convergence-gated phases (docs/architecture.md, "Convergence-gated phases"): the designs above
# with eqprop.early_stop. With the module's scenario (seed 0, random init) small_es meets a free
# phase that does not converge within T1, free phases that end early, nudged phases of 1 and of
# T2 STEPs and a zero update (WUPD skipped: the plan's extra operation whose target is its own
# free output); stress_es (one-sided) skips WUPD on a real sample too; odd_es runs the gate over
# column blocks and bias rows, one_matrix_es without a hidden layer.
def _gated(text: str) -> str:
    src = yaml.safe_load(text)
    src["name"] += "_es"
    src["eqprop"]["early_stop"] = True
    return yaml.safe_dump(src)


def _gated_yaml(tmp_path_factory: pytest.TempPathFactory, base: str, text: str) -> Path:
    return _design_file(tmp_path_factory, f"{base}_es", _gated(text))


def _check_gated_run(loaded, r, init: str = "random") -> dict[str, int]:
    """The RTL's STEPs per phase and skips (compared with the golden model inside the run)
    against the contract's counters; returns what kinds of phases the run met."""
    arch = loaded.arch
    p = initial_params(arch, 0, init, None)
    met = {"not_converged": 0, "early": 0, "skipped": 0, "ran": 0}
    trains = [o for o in r.ops if o["kind"] == "train"]
    assert trains and all("steps_free" in o for o in r.ops)
    for o in r.ops:
        if o["kind"] == "infer":
            assert o["cycles"] == g.inference_counters(arch, o["steps_free"]).cycles
            continue
        steps = (o["steps_free"], o["steps_plus"]) + ((o["steps_minus"],) if arch.symmetric
                                                       else ())
        assert o["cycles"] == g.training_counters(arch, o["mram_writes"], steps,
                                                  bool(o["skipped"])).cycles
        met["skipped" if o["skipped"] else "ran"] += 1
        met["early"] += o["steps_free"] < arch.t1
    # a free phase that never converged within T1: one more STEP would still change a state
    from eqchip.sim.scenario import with_zero_update

    for op in with_zero_update(arch, p, operations(loaded, len(trains) - 1, 0, False)):
        s = g.relax(arch, p, op.x)
        nxt = g.relax(arch, p, op.x, 1, s)
        met["not_converged"] += any(not np.array_equal(a, b) for a, b in zip(s, nxt,
                                                                              strict=True))
        if op.kind == "train":
            p = g.train_step(arch, p, op.x, op.y).params
    return met


@pytest.fixture(scope="module")
def small_es_yaml(tmp_path_factory: pytest.TempPathFactory, designs_dir: Path) -> Path:
    return _gated_yaml(tmp_path_factory, "small", (designs_dir / "small.yaml").read_text())


@pytest.mark.parametrize("sim", SIMS)
def test_gated_small_design(sim: str, small_es_yaml: Path, cosim_work) -> None:
    """RTL == golden bit for bit (states, weights, biases, counters, STEPS registers, STATUS
    skip bit) on a gated design, with a free phase that never converges within T1, free
    phases that end early and a skipped zero update; the cycles are the contract's."""
    loaded = load_design(small_es_yaml)
    assert loaded.arch.early_stop and loaded.arch.symmetric
    r = run_cosim(loaded, cosim_work("small_es", sim), simulator=sim, samples=4)
    assert [o["kind"] for o in r.ops] == ["infer"] + ["train"] * 5 + ["infer"]
    met = _check_gated_run(loaded, r)
    assert all(met.values()), met
    assert r.agree == r.n_infer == 2


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog is not installed")
def test_gated_one_sided_design(tmp_path_factory: pytest.TempPathFactory, cosim_work) -> None:
    """One-sided nudging (the skip follows the +beta phase), 3 sub-cycles per word, a bank of
    two macros, saturating updates: RTL == golden with the gate (Icarus; the gate's logic is
    the same on Verilator, test_gated_small_design runs both)."""
    loaded = load_design(_gated_yaml(tmp_path_factory, "stress", STRESS_YAML))
    r = run_cosim(loaded, cosim_work("stress_es", "icarus"), simulator="icarus", samples=4)
    met = _check_gated_run(loaded, r)
    assert met["skipped"] >= 2 and met["ran"] and met["early"], met


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog is not installed")
@pytest.mark.parametrize("text", [ODD_YAML, ONE_MATRIX_YAML], ids=["odd", "one_matrix"])
def test_gated_odd_sized_networks(text: str, tmp_path_factory: pytest.TempPathFactory,
                                  cosim_work) -> None:
    """The gate over column blocks and bias rows (odd), and with no hidden layer."""
    loaded = load_design(_gated_yaml(tmp_path_factory, yaml.safe_load(text)["name"], text))
    r = run_cosim(loaded, cosim_work(loaded.arch.name, "icarus"), simulator="icarus",
                  samples=3)
    met = _check_gated_run(loaded, r)
    assert met["ran"], met


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog is not installed")
def test_gated_changed_flag_defect_is_caught(small_es_yaml: Path, tmp_path: Path) -> None:
    """A neuron update unit that never reports a change ends every phase after one STEP: the
    comparison catches it at the first operation."""
    with pytest.raises(CosimMismatch, match=r"infer operation 0: (S\[\d+\]|counter|register)"):
        run_cosim(load_design(small_es_yaml), tmp_path / "w", simulator="icarus", samples=1,
                  edit_rtl=lambda d: _replace(d / "rtl" / "small_es_nupd.sv",
                                              r"assign changed = chg \|\| diff;",
                                              "assign changed = 1'b0;"))


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog is not installed")
def test_gated_vcd_operation_counters(tmp_path_factory: pytest.TempPathFactory,
                                      cosim_work) -> None:
    """The one training operation of a VCD run (the activity of synthesis.power) takes the
    counters `vcd_operation_step` predicts, which on a gated design are not the fixed
    schedule's (its free phase ends after 1 STEP here), and its free phase the inference
    counters of its own STEPs."""
    from eqchip.sim.scenario import vcd_operation_step

    loaded = load_design(_gated_yaml(tmp_path_factory, "one_matrix", ONE_MATRIX_YAML))
    arch = loaded.arch
    want = vcd_operation_step(loaded)
    assert want.counters != g.training_counters(arch, want.counters.mram_writes)
    wdir = cosim_work("one_matrix_es_vcd", "icarus")
    r = run_cosim(loaded, wdir, simulator="icarus", samples=1, vcd=wdir / "train.vcd")
    (op,) = r.ops
    assert (op["cycles"], op["mram_reads"], op["mram_writes"]) == (
        want.counters.cycles, want.counters.mram_reads, want.counters.mram_writes)
    assert (op["steps_free"], op["steps_plus"], op["steps_minus"]) == want.steps
    assert g.inference_counters(arch, want.steps[0]).cycles < g.inference_counters(arch).cycles
    # synthesis.power's schedule cross-checks of the same waveform hold for the gated design
    # (they expected the fixed schedule before)
    from eqchip.power.activity import step_activity
    from eqchip.power.measure import _rtl_checks

    checks = _rtl_checks(step_activity(wdir / "train.vcd"), loaded, [])
    failed = [c for c in checks if not c["ok"]]
    assert {c["id"] for c in checks} >= {"training_cycles_schedule", "training_reads_schedule"}
    assert not failed, failed
