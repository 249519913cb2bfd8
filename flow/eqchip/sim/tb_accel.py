"""cocotb test: the RTL against the bit-exact golden model (docs/architecture.md).

Run by eqchip.sim.runner with $EQCHIP_SIM_CONFIG naming a SimConfig JSON whose plan (.npz,
eqchip.sim.scenario.write_plan) holds the initial parameters, the operations on real samples
and the golden model's register contents after each one. The test loads weights and biases over
the host bus, runs every operation and then reads back every neuron state, every MRAM word,
every bias and the counters; the first difference fails, naming the operation and the neuron
or weight.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import cocotb
import numpy as np
from cocotb.utils import get_sim_time

from eqchip import golden as g
from eqchip.config import load_design
from eqchip.fileio import write_text_atomic
from eqchip.sim import hostbus as hb
from eqchip.sim.clock import sim_clock
from eqchip.sim.scenario import SimConfig, first_state_mismatch, first_weight_mismatch


class Mismatch(AssertionError):
    pass


def _per_layer(arch, biases: np.ndarray) -> list[np.ndarray]:
    """B[n] order (all dynamic neurons) -> the biases of layers 1..L."""
    return np.split(np.asarray(biases), np.cumsum(arch.layers[1:-1]))


async def load_params(bus: hb.HostBus, arch, weights: list[np.ndarray], biases: np.ndarray
                      ) -> None:
    """The banks' words (with bias rows, the hidden biases among them), then the B registers."""
    per_layer = _per_layer(arch, biases)
    for l_idx in range(arch.n_matrices):
        await bus.write_many(hb.w_base(l_idx), g.pack_bank(arch, l_idx, weights, per_layer))
    regs = arch.bias_registers
    await bus.write_many(hb.B_BASE + regs.start,
                         [g.to_unsigned(int(v), arch.bias_bits) for v in biases[regs.start:]])


async def check_params(bus: hb.HostBus, arch, weights: list[np.ndarray], biases: np.ndarray,
                       when: str) -> None:
    per_layer = _per_layer(arch, biases)
    for m in arch.matrices:
        got = await bus.read_many(hb.w_base(m.index), m.words)
        bad = first_weight_mismatch(arch, m.index, got,
                                    g.pack_bank(arch, m.index, weights, per_layer))
        if bad:
            raise Mismatch(f"{when}: {bad}")
    hdw = max(32, arch.word_bits)   # B[n] reads back sign-extended to the bus width
    regs = arch.bias_registers
    got_b = [g.from_unsigned(v, hdw)
             for v in await bus.read_many(hb.B_BASE + regs.start, len(regs))]
    bad = first_state_mismatch(arch, got_b, biases[regs.start:], "B", regs.start)
    if bad:
        raise Mismatch(f"{when}: {bad}")
    if regs.start:      # bias rows: B[n] of a hidden neuron is no register and reads 0
        hidden = await bus.read(hb.B_BASE)
        if hidden:
            raise Mismatch(f"{when}: B[0] (hidden, its bias is in a bias row) reads {hidden}, "
                           "expected 0")


async def check_counters(bus: hb.HostBus, want: np.ndarray, when: str,
                         gate: tuple[np.ndarray, int] | None = None) -> dict[str, int]:
    """CYCLES, MRAM_READS, MRAM_WRITES and STATUS; with `gate` (eqprop.early_stop: the golden
    STEPs per phase (free, plus, minus; 0 = no such phase) and the skip) also STEPS_FREE,
    STEPS_PLUS, STEPS_MINUS and STATUS bit 2."""
    got = {"cycles": await bus.read(hb.REG_CYCLES),
           "mram_reads": await bus.read(hb.REG_READS),
           "mram_writes": await bus.read(hb.REG_WRITES)}
    for (k, v), w in zip(got.items(), want.tolist(), strict=True):
        if v != w:
            raise Mismatch(f"{when}: counter {k.upper()}: RTL {v}, golden {w}")
    expect_status = 0b10
    if gate is not None:
        steps, skip = gate
        names = ("steps_free", "steps_plus", "steps_minus")
        regs = (hb.REG_STEPS_FREE, hb.REG_STEPS_PLUS, hb.REG_STEPS_MINUS)
        for name, reg, w in zip(names, regs, steps.tolist(), strict=True):
            got[name] = await bus.read(reg)
            if got[name] != w:
                raise Mismatch(f"{when}: register {name.upper()}: RTL {got[name]}, golden {w}")
        got["skipped"] = int(skip)
        expect_status |= hb.STATUS_SKIPPED if skip else 0
    status = await bus.read(hb.REG_STATUS)
    if status != expect_status:
        raise Mismatch(f"{when}: STATUS = {status:#x} after the operation, expected "
                       f"{expect_status:#x} (done=1 busy=0"
                       + (f" skipped={int(gate[1])})" if gate is not None else ")"))
    return got


@cocotb.test()
async def cosim(dut) -> None:
    cfg = SimConfig.from_file(Path(os.environ["EQCHIP_SIM_CONFIG"]))
    arch = load_design(cfg.design).arch
    clock = sim_clock(arch.clock_period_ns)     # the wrapper's clock (eqchip.sim.sources)
    bus = hb.HostBus(dut)
    result: dict = {"design": arch.name, "simulator": cfg.simulator, "ops": [],
                    "mismatch": None, "op_cycles": 0, "op_seconds": 0.0,
                    "agree": 0, "n_infer": 0}
    wall0 = time.perf_counter()
    try:
        with np.load(cfg.plan, allow_pickle=False) as z:
            plan = {k: z[k] for k in z.files}
        n_mat = arch.n_matrices
        await bus.reset()
        ident = await bus.read(hb.REG_ID)
        if ident != hb.ID_VALUE:
            raise Mismatch(f"ID register reads {ident:#x}, expected {hb.ID_VALUE:#x}")
        weights = [plan[f"W{i}_init"] for i in range(n_mat)]
        await load_params(bus, arch, weights, plan["b_init"])
        await check_params(bus, arch, weights, plan["b_init"], "after the host load")
        vcd_done = False
        for k, kind in enumerate(plan["kind"].tolist()):
            train = kind == 1
            when = f"{'train' if train else 'infer'} operation {int(plan['index'][k])}"
            await bus.write_many(hb.X_BASE, [int(v) for v in plan["x"][k]])
            if train:
                await bus.write_many(hb.Y_BASE, [int(v) for v in plan["y"][k]])
            dump = cfg.vcd is not None and train and not vcd_done
            if dump:
                dut.dump_on.value = 1
            t0 = time.perf_counter()
            await bus.start(hb.CTRL_TRAIN if train else hb.CTRL_INFER)
            # busy rose at the rising edge half a period ago; it falls with done's rise
            t_busy = get_sim_time("ps") - clock.half_ps
            await bus.wait_done(int(plan["c_exp"][k][0]) + 64, clock.period_ps)
            result["op_seconds"] += time.perf_counter() - t0
            if dump:
                # the window runs one cycle past the edge where busy falls (and done and the
                # counters take their final values), so that edge is inside it; the dump stays
                # on until the falling edge after the window
                await bus.idle()
                dut.dump_on.value = 0
                vcd_done = True
                result["vcd_window_ps"] = [t_busy, bus.done_time_ps + clock.period_ps]
            got_s = await bus.read_many(hb.S_BASE, arch.n_dynamic)
            bad = first_state_mismatch(arch, got_s, plan["s_exp"][k], "S")
            if bad:
                raise Mismatch(f"{when}: {bad}")
            gate = ((plan["steps_exp"][k], int(plan["skip_exp"][k])) if arch.early_stop
                    else None)
            got_c = await check_counters(bus, plan["c_exp"][k], when, gate)
            result["op_cycles"] += got_c["cycles"]
            entry = {"kind": "train" if train else "infer", "index": int(plan["index"][k]),
                     **got_c}
            if train:
                await check_params(bus, arch, [plan[f"W{i}_exp"][k] for i in range(n_mat)],
                                   plan["b_exp"][k], when)
            else:
                n_out = arch.layers[-1]
                rtl_pred = int(np.argmax(np.asarray(got_s[-n_out:])))
                gold_pred = int(np.argmax(plan["s_exp"][k][-n_out:]))
                entry.update(rtl_class=rtl_pred, golden_class=gold_pred,
                             label=int(plan["label"][k]))
                result["n_infer"] += 1
                result["agree"] += int(rtl_pred == gold_pred)
            result["ops"].append(entry)
    except Mismatch as exc:
        result["mismatch"] = str(exc)
        raise
    finally:
        result["wall_seconds"] = time.perf_counter() - wall0
        write_text_atomic(Path(cfg.result), json.dumps(result, indent=2, sort_keys=True) + "\n")
