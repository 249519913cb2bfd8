"""MTJ stochastic switching (`fixed_point.update_rounding: mtj`): the switching model of the
technology file, the rounding of the golden model, the energy per attempted write, and learning
with `eqchip train` (docs/architecture.md "MTJ stochastic switching", docs/mram.md)."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from eqchip.config import load_design
from eqchip.config.arch import mtj_thresholds
from eqchip.config.mram_model import stochastic_write_energy
from eqchip.golden.mtj import level_counts, mtj_shift, pulse_levels


@pytest.fixture(scope="module")
def tech_yaml(designs_dir: Path) -> dict:
    return yaml.safe_load((designs_dir.parent / "pdk_cfg" / "mram" / "stt_sky130.yaml")
                          .read_text())


@pytest.fixture(scope="module")
def loaded(designs_dir: Path):
    return load_design(designs_dir / "digits6_mtj.yaml")


def test_switching_probabilities_follow_thermal_activation(loaded, tech_yaml: dict) -> None:
    """P_sw of every pulse level, by hand from the YAML numbers, is what the design uses
    (quantised), and the shipped levels sit near k/8 as the technology file says."""
    sw = tech_yaml["stochastic_switching"]
    pb = sw["probability_bits"]
    hand = [0.0]
    for p in sw["pulses"]:
        rate = math.exp(-sw["delta"] * (1 - p["current_ua"] / sw["ic0_ua"])) / sw["tau0_ns"]
        hand.append(1 - math.exp(-p["width_ns"] * rate))
    hand.append(1.0)                                   # the normal write: deterministic
    assert loaded.arch.mtj_probs == tuple(round(v * 2 ** pb) for v in hand)
    for k, v in enumerate(hand[1:-1], start=1):
        assert abs(v - k / 8) < 0.01, (k, v)
    # the normal write current is above Ic0 (precessional), every pulse below it
    assert tech_yaml["cell"]["write_current_ua"] > sw["ic0_ua"]
    assert all(p["current_ua"] < sw["ic0_ua"] for p in sw["pulses"])


@pytest.mark.parametrize("r", [1, 3, 8, 16, 17])
def test_level_is_the_nearest_probability(loaded, r: int) -> None:
    """The thresholds pick, for every remainder, the level whose probability is nearest to
    rem / 2^r (ties to the lower level): brute force over all remainders (sampled for r > 8)."""
    probs, pb = loaded.arch.mtj_probs, loaded.arch.mtj_prob_bits
    rems = np.arange(1 << r) if r <= 8 else np.random.default_rng(r).integers(0, 1 << r, 4000)
    got = pulse_levels(rems, probs, pb, r)
    p = np.asarray(probs, np.float64) / 2 ** pb
    for rem, lv in zip(rems.tolist(), got.tolist(), strict=True):
        dist = np.abs(p - rem / 2 ** r)
        assert lv == int(np.flatnonzero(dist == dist.min())[0]), (rem, lv)
    assert len(mtj_thresholds(probs, pb, r)) == len(probs) - 1


def test_mtj_shift_integer_part_certain_remainder_by_switching(loaded) -> None:
    """floor(d / 2^R) always, one more LSB with the level's probability; exact without a
    remainder; a tiny negative update (remainder near 1) takes the certain step: no bias."""
    probs, pb = loaded.arch.mtj_probs, loaded.arch.mtj_prob_bits
    r = 8
    u = np.random.default_rng(0).integers(0, 2 ** 32, 200_000)
    for d in (-300, -1, 0, 5, 40, 128, 200, 1000):
        out = mtj_shift(np.full(u.shape, d), r, u, probs, pb)
        assert set(np.unique(out - (d >> r)).tolist()) <= {0, 1}
        level = int(pulse_levels(np.array([d & 255]), probs, pb, r)[0])
        assert np.mean(out - (d >> r)) == pytest.approx(probs[level] / 2 ** pb, abs=0.005)
    assert (mtj_shift(np.full(u.shape, 512), r, u, probs, pb) == 2).all()     # no remainder
    assert (mtj_shift(np.full(u.shape, -1), r, u, probs, pb) == 0).all()      # -1/256 -> 0
    assert (mtj_shift(np.full(4, 7), -2, u[:4], probs, pb) == 28).all()       # R <= 0: exact
    # expected rounding error within half the widest level spacing
    gap = max(np.diff(probs)) / 2 ** pb
    d = np.arange(-2048, 2048)
    err = [np.mean(mtj_shift(np.full(u.shape[0] // 40, v), r, u[: u.shape[0] // 40], probs, pb))
           - v / 2 ** r for v in d[::97]]
    assert max(abs(e) for e in err) <= gap / 2 + 0.02


def test_energy_per_attempt_by_hand(loaded, tech_yaml: dict) -> None:
    """pulse V I t + sense (cell current over the sense time + I-V converter) + P_sw x one
    normal-strength reset pulse, per level; levels 0 and K+1 attempt nothing."""
    sw, cell, per = tech_yaml["stochastic_switching"], tech_yaml["cell"], tech_yaml["periphery"]
    v = per["supply_v"]
    i_rd = cell["read_voltage_v"] * 0.5 * (1 / cell["r_p_kohm"] + 1 / cell["r_ap_kohm"]) * 1e3
    sense = i_rd * v * per["sense_latency_ns"] * 1e-3 + per["sense_energy_pj"]
    got = stochastic_write_energy(loaded.tech)
    pb = loaded.arch.mtj_prob_bits
    assert len(got) == len(sw["pulses"])
    for e, p, q in zip(got, sw["pulses"], loaded.arch.mtj_probs[1:-1], strict=True):
        assert e["pulse"] == pytest.approx(v * p["current_ua"] * p["width_ns"] * 1e-3)
        assert e["sense"] == pytest.approx(sense)
        assert e["reset"] == pytest.approx(q / 2 ** pb * v * cell["write_current_ua"]
                                           * cell["write_pulse_ns"] * 1e-3, rel=1e-4)
    d = np.array([0, 1, 255, 256, -1, 100])
    counts = level_counts(d, 8, loaded.arch.mtj_probs, pb)
    # 0 and 256: no remainder; -1 (remainder 255): the certain step; 1 rounds to level 0
    assert counts.sum() == 1 and counts[pulse_levels(np.array([100]), loaded.arch.mtj_probs,
                                                     pb, 8)[0] - 1] == 1


def test_train_cli_reports_mtj_rounding_and_learns(tmp_out: Path, designs_dir: Path) -> None:
    """`eqchip train` on the shipped MTJ design: rounding named, accuracy per epoch, learning
    within one epoch (chance is 0.1; 30 epochs reach ~91-94 %, designs/digits6_mtj.yaml)."""
    out = tmp_out / "digits6_mtj"
    r = subprocess.run(["eqchip", "train", str(designs_dir / "digits6_mtj.yaml"), "-o",
                        str(out), "--epochs", "1", "--no-float"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "mtj update rounding" in r.stdout and "epoch   1: bit-exact test" in r.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["update_rounding"] == "mtj"
    assert summary["final_test_acc"] >= 0.6, summary["final_test_acc"]
