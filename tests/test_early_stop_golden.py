"""Convergence-gated phases and the zero-update skip in the golden model (eqprop.early_stop,
docs/architecture.md "Convergence-gated phases"): same states and weights as the fixed
schedule, STEPs per phase and counters as the contract defines them, generators not advanced by
a skipped update."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml

from eqchip import golden as g
from eqchip.config import load_design
from eqchip.config.arch import Arch
from eqchip.golden.data import load_dataset, one_hot
from eqchip.golden.prng import PrngStream
from eqchip.golden.train import accuracy, epoch_order, init_params, train_epoch


def _variant(tmp_path: Path, designs_dir: Path, base: str, **changes: object) -> Arch:
    src = yaml.safe_load((designs_dir / f"{base}.yaml").read_text())
    for key, value in changes.items():
        section, name = key.split("__")
        src[section][name] = value
    path = tmp_path / f"{base}_es.yaml"
    path.write_text(yaml.safe_dump(src))
    return load_design(path).arch


def _same(a: g.Params, b: g.Params) -> bool:
    return all(np.array_equal(u, v) for u, v in zip(a.weights + a.biases, b.weights + b.biases,
                                                    strict=True))


def _literal_steps(arch: Arch, p: g.Params, x: np.ndarray, t_max: int, start=None, y=None,
                   sigma: int = 0) -> int:
    """STEPs of a gated phase by the contract's words: the first STEP k that changes no state
    (its states equal those after k - 1 STEPs), else t_max; with the ungated `relax`."""
    prev = g.relax(arch, p, x, 0, start, y, sigma)
    for k in range(1, t_max + 1):
        cur = g.relax(arch, p, x, k, start, y, sigma)
        if all(np.array_equal(a, b) for a, b in zip(cur, prev, strict=True)):
            return k
        prev = cur
    return t_max


def test_gated_digits_trains_bit_for_bit(designs_dir: Path) -> None:
    """One epoch of digits, same seed and order, with and without the gate: the same weights,
    biases and test accuracy; the gated run takes fewer cycles and reads, writes the same
    words, and skips some updates (so the skip is exercised)."""
    loaded = load_design(designs_dir / "digits.yaml")
    arch = dataclasses.replace(loaded.arch, early_stop=False)
    gated = dataclasses.replace(arch, early_stop=True)
    tr = loaded.design.training
    data = load_dataset(tr.dataset, arch.layers, tr.test_size, tr.seed)
    xtr, xte = data.quantized(arch.state_frac)
    ytr = one_hot(data.y_train, arch.layers[-1], 1 << arch.state_frac)
    order = epoch_order(tr.seed, 1, len(data.y_train))
    runs = {}
    for a in (arch, gated):
        ops: list = []
        p, cnt, _ = train_epoch(a, init_params(a, tr.seed), xtr, ytr, order,
                                on_step=lambda r, ops=ops: ops.append(r))
        runs[a.early_stop] = (p, cnt, ops)
    (p0, c0, ops0), (p1, c1, ops1) = runs[False], runs[True]
    assert _same(p0, p1)
    assert accuracy(arch, p0, xte, data.y_test) == accuracy(gated, p1, xte, data.y_test)
    assert c1.mram_writes == c0.mram_writes
    assert c1.cycles < c0.cycles and c1.mram_reads < c0.mram_reads
    assert all(o.steps == (arch.t1, arch.t2, arch.t2) and not o.skipped for o in ops0)
    assert any(o.skipped for o in ops1) and not all(o.skipped for o in ops1)
    for o in ops1:
        assert o.counters == g.training_counters(gated, o.counters.mram_writes, o.steps,
                                                 o.skipped)
        assert not o.skipped or (o.counters.mram_writes == 0 and o.steps[1:] == (1, 1))


@pytest.fixture
def small_gated(tmp_path: Path, designs_dir: Path) -> Arch:
    """small (4-4-2, symmetric) gated, with T1 = 6 and T2 = 2: some free phases end early,
    others do not converge within T1."""
    return _variant(tmp_path, designs_dir, "small", eqprop__early_stop=True, eqprop__t1=6,
                    eqprop__t2=2)


def test_gated_steps_follow_the_contract(small_gated: Arch) -> None:
    """STEPs per phase equal the first STEP whose states equal the previous ones (by the ungated
    relax); states, weights and counters are those of the fixed schedule with those STEPs."""
    arch = small_gated
    ungated = dataclasses.replace(arch, early_stop=False)
    rng = np.random.default_rng(3)
    one = 1 << arch.state_frac
    p = g.init_params(arch, 1)
    seen_short = seen_full = 0
    for _ in range(12):
        x = rng.integers(0, one + 1, arch.layers[0])
        y = np.zeros(arch.layers[-1], np.int64)
        y[rng.integers(arch.layers[-1])] = one
        t = g.train_step(arch, p, x, y)
        u = g.train_step(ungated, p, x, y)
        assert _same(t.params, u.params)
        for a, b in zip(t.s_free + t.s_plus + (t.s_minus or []),
                        u.s_free + u.s_plus + (u.s_minus or []), strict=True):
            assert np.array_equal(a, b)
        want = [_literal_steps(arch, p, x, arch.t1)]
        want.append(_literal_steps(arch, p, x, arch.t2, t.s_free, y, 1))
        if arch.symmetric:
            want.append(_literal_steps(arch, p, x, arch.t2, t.s_free, y, -1))
        assert t.steps == tuple(want)
        assert t.counters == g.training_counters(arch, u.counters.mram_writes, t.steps,
                                                 t.skipped)
        seen_short += t.steps[0] < arch.t1
        seen_full += t.steps[0] == arch.t1
        inf = g.infer(arch, p, x)
        assert int(inf.steps) == want[0]
        assert inf.counters == g.inference_counters(arch, want[0])
        p = t.params
    assert seen_short and seen_full         # both kinds of free phase were met


def test_gated_batch_inference(small_gated: Arch) -> None:
    arch = small_gated
    p = g.init_params(arch, 2, gain=2.0)
    x = np.random.default_rng(5).integers(0, (1 << arch.state_frac) + 1, (16, arch.layers[0]))
    batch = g.infer(arch, p, x)
    for i in range(len(x)):
        one = g.infer(arch, p, x[i])
        assert int(one.steps) == int(batch.steps[i])
        assert batch.counters_of(i) == one.counters
        assert all(np.array_equal(a[i], b) for a, b in zip(batch.states, one.states,
                                                            strict=True))
    with pytest.raises(ValueError, match="counters_of"):
        _ = batch.counters
    ungated = g.infer(dataclasses.replace(arch, early_stop=False), p, x)
    assert ungated.counters == g.inference_counters(arch) and (ungated.steps == arch.t1).all()


def test_counters_refuse_impossible_steps(small_gated: Arch) -> None:
    arch = small_gated
    with pytest.raises(ValueError, match="outside"):
        g.training_counters(arch, 0, (0, 1, 1))
    with pytest.raises(ValueError, match="early_stop"):
        g.training_counters(dataclasses.replace(arch, early_stop=False), 0, (1, 1, 1))
    with pytest.raises(ValueError, match="writes nothing"):
        g.training_counters(arch, 3, (2, 1, 1), skipped=True)


def test_zero_update_skip_does_not_advance_the_generator(tmp_path: Path,
                                                         designs_dir: Path) -> None:
    """A stochastic-rounding design: a target equal to the converged free output nudges by 0,
    so no nudged STEP changes a state and WUPD is skipped: weights unchanged, PRNG position
    unchanged. A gated run over a mix equals the ungated run in which each such operation
    is undone and does not consume generator positions."""
    arch = _variant(tmp_path, designs_dir, "small", fixed_point__update_rounding="stochastic",
                    eqprop__early_stop=True, eqprop__t1=12)
    assert arch.stochastic and arch.early_stop
    ungated = dataclasses.replace(arch, early_stop=False)
    one = 1 << arch.state_frac
    rng = np.random.default_rng(11)
    p = q = g.init_params(arch, 0)
    s1, s2 = PrngStream(arch.prng_seeds), PrngStream(arch.prng_seeds)
    pos1 = pos2 = 0
    skipped = 0
    for k in range(10):
        x = rng.integers(0, one + 1, arch.layers[0])
        free = g.infer(arch, p, x)
        if k % 2 and int(free.steps) < arch.t1:      # converged: target = its own output
            y = free.output.copy()
        else:
            y = np.zeros(arch.layers[-1], np.int64)
            y[rng.integers(arch.layers[-1])] = one
        t = g.train_step(arch, p, x, y, s1, pos1)
        u = g.train_step(ungated, q, x, y, s2, pos2)
        if t.skipped:
            skipped += 1
            assert t.prng_pos == pos1 and _same(t.params, p) and t.counters.mram_writes == 0
            assert _same(u.params, q)             # the ungated WUPD changed nothing either ...
            assert u.prng_pos > pos2              # ... but consumed generator positions
        else:
            q, pos2 = u.params, u.prng_pos
        p, pos1 = t.params, t.prng_pos
        assert _same(p, q) and pos1 == pos2
    assert 0 < skipped < 10
