"""Design clocks whose period is not a whole number of picoseconds (issue 23, case 2): the
co-simulation runs them bit for bit on Icarus and Verilator (`eqchip.sim.clock`), the VCD of
a training step lines up with the simulated clock, and the `synthesis.power` node's
co-simulation fails the node when it ran and failed (only a missing simulator stays a note)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eqchip import golden as g
from eqchip.config import load_design
from eqchip.power.activity import step_activity
from eqchip.power.vcd import busy_windows, read_header
from eqchip.sim import CosimMismatch, run_cosim
from eqchip.sim.scenario import initial_params, operations

pytestmark = pytest.mark.slow

SIMS = [pytest.param(s, marks=pytest.mark.skipif(
            any(shutil.which(t) is None for t in tools), reason=f"{s}: {tools} not all found"))
        for s, tools in (("icarus", ("iverilog", "vvp")),
                         ("verilator", ("verilator", "make", "g++")))]
ICARUS = pytest.mark.skipif(shutil.which("iverilog") is None or shutil.which("vvp") is None,
                            reason="iverilog is not installed")


def _small_at(designs_dir: Path, folder: Path, freq_mhz: float) -> Path:
    """designs/small.yaml with `clock.freq_mhz: freq_mhz`, in `folder`."""
    text = (designs_dir / "small.yaml").read_text()
    new, n = re.subn(r"(?m)^  freq_mhz: \S+$", f"  freq_mhz: {freq_mhz}", text)
    assert n == 1, "designs/small.yaml has no `  freq_mhz:` line"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "small.yaml"
    path.write_text(new)
    return path


@pytest.mark.parametrize("sim", SIMS)
@pytest.mark.parametrize("freq", [31, 30])
def test_clock_of_fractional_picoseconds_cosimulates(sim: str, freq: int, designs_dir: Path,
                                                     tmp_path: Path) -> None:
    """31 MHz (32,258.06 ps) and 30 MHz (33,333.33 ps): `eqchip sim` checks every register
    against the golden model and exits 0 (it exited 3: cocotb refused the host bus's timeout
    of a fractional number of ps)."""
    design = _small_at(designs_dir, tmp_path, freq)
    proc = subprocess.run([sys.executable, "-m", "eqchip", "sim", str(design), "--simulator",
                           sim, "--samples", "1", "-o", str(tmp_path / "w")],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"ok small: RTL matches the golden model bit for bit (3 operations on {sim})" \
        in proc.stdout
    assert "Traceback" not in proc.stderr


def test_simulated_clock_is_the_design_clock_to_the_picosecond() -> None:
    from eqchip.sim.clock import sim_clock

    for freq in (31.0, 30.0, 50.0, 7.3, 160.9, 0.001, 1000.0):
        c = sim_clock(1000.0 / freq)
        assert abs(c.error_ps) <= 1.0, (freq, c)
        # the wrapper's delay in ns (1 ps precision) is exactly the half period
        ns, ps = c.half_delay_ns.split(".")
        assert len(ps) == 3 and int(ns) * 1000 + int(ps) == c.half_ps, (freq, c)
    assert (sim_clock(1000.0 / 31).half_ps, sim_clock(1000.0 / 31).half_delay_ns) == \
        (16129, "16.129")


@ICARUS
def test_vcd_window_follows_the_simulated_clock(designs_dir: Path, tmp_path: Path) -> None:
    """At 31 MHz the VCD of the training step is the window the power reads: from busy's rise
    to one simulated period after done, whole periods of 32,258 ps, the golden cycle count."""
    loaded = load_design(_small_at(designs_dir, tmp_path, 31))
    arch = loaded.arch
    vcd = tmp_path / "train.vcd"
    run_cosim(loaded, tmp_path / "w", simulator="icarus", samples=1, vcd=vcd)
    (op,) = operations(loaded, 1, 0, inference_only=False, one_training_op=True)
    want = g.train_step(arch, initial_params(arch, 0, "random", None), op.x, op.y).counters
    times = [int(t) for t in re.findall(r"^#(\d+)$", vcd.read_text(), flags=re.M)]
    period_ps = 32258
    assert times[-1] - times[0] == (want.cycles + 1) * period_ps
    assert len(times) == 2 * (want.cycles + 1) + 1
    top = "small_tb.dut"
    (win,) = busy_windows(vcd, read_header(vcd), f"{top}.clk", f"{top}.busy")
    assert (win.start, win.end, win.cycles) == (times[0], times[0] + want.cycles * period_ps,
                                                want.cycles)
    sa = step_activity(vcd)
    assert (sa.cycles, sa.activity.mram_reads, sa.activity.mram_writes) == \
        (want.cycles, want.mram_reads, want.mram_writes)
    # per cycle, as power reads it: the clock high half of the time, toggling at every edge
    # inside the window but the one it opens with
    assert sa.rates[("clk", 0)] == ((2 * want.cycles - 1) / want.cycles, 0.5)


def _bad_rounding(render: Path) -> None:
    """The weight update rounds down instead of half up (tests/test_cosim.py's planted
    defect): the first trained word differs from the golden model."""
    path = render / "rtl" / "small_wupd.sv"
    text = path.read_text()
    assert re.search(r"20'sd64\) >>> 7", text), f"planted defect: pattern not in {path}"
    path.write_text(re.sub(r"20'sd64\) >>> 7", "20'sd0) >>> 7", text, count=1))


def _netlist(tmp_path: Path) -> Path:
    """A netlist file for the node's size budget (`rtl_sim_over_budget` counts its cells):
    the budget is not what these tests are about, so an empty top."""
    path = tmp_path / "small_top.vg"
    path.write_text("module small_top (clk);\n  input clk;\nendmodule\n")
    return path


@ICARUS
def test_power_node_fails_when_its_cosimulation_fails(designs_dir: Path,
                                                      tmp_path: Path) -> None:
    """A co-simulation that ran and found the RTL differing from the golden model is no
    'vectorless only' note: it raises, and the node's run() fails with its message."""
    from eqchip.asic.tasks.activity_power import step_vcd

    loaded = load_design(designs_dir / "small.yaml")
    with pytest.raises(CosimMismatch, match=r"train operation 0: W_\d\[\d, \d\]"):
        step_vcd(loaded, _netlist(tmp_path), tmp_path / "w", tmp_path / "step.vcd",
                 edit_rtl=_bad_rounding)
    assert not (tmp_path / "step.vcd").exists()
    # the same design without the defect gives the node its VCD, at 31 MHz too
    loaded31 = load_design(_small_at(designs_dir, tmp_path / "d31", 31))
    vcd, note = step_vcd(loaded31, _netlist(tmp_path), tmp_path / "w31", tmp_path / "s31.vcd")
    assert (vcd, note) == ((tmp_path / "s31.vcd").resolve(), None) and vcd.is_file()


def test_power_node_without_icarus_is_vectorless_with_a_note(designs_dir: Path,
                                                             tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """Only a missing simulator (or the size budget) leaves the node successful, with the
    note that says why: PATH without iverilog/vvp."""
    from eqchip.asic.tasks.activity_power import step_vcd

    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    vcd, note = step_vcd(load_design(designs_dir / "small.yaml"), _netlist(tmp_path),
                         tmp_path / "w", tmp_path / "step.vcd")
    assert vcd is None and note is not None
    assert note.startswith("Icarus Verilog not found (iverilog, vvp)")
