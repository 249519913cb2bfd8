"""Progress of long runs: the cycles a co-simulation will simulate and how far it is, the
plain progress line of a log, and tables that stay readable when the output is no terminal."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from eqchip.ui import Console, Progress


def test_plain_progress_line():
    p = Progress(Console(stream=io.StringIO()), "simulating net100", "cycles")
    assert p.line(45_000, 105_000, 62.0) == (
        "simulating net100: 45,000 of 105,000 cycles (43 %), 1:02 elapsed, ETA 1:23")
    assert p.line(0, 10, 3.0).endswith("ETA unknown")


def test_a_log_gets_one_progress_line_a_minute(monkeypatch):
    import eqchip.ui as ui

    out = io.StringIO()
    # the build before the first update does not count: the clock starts at 100
    clock = iter([0.0, 100.0, 130.0, 161.0, 190.0, 225.0])
    monkeypatch.setattr(ui.time, "monotonic", lambda: next(clock))
    with Console(stream=out).progress("simulating x", "cycles") as bar:
        for done in (0, 10, 20, 30, 40):                          # at 100, 130, 161, 190, 225
            bar.update(done, 100)
    lines = out.getvalue().splitlines()
    assert [re.match(r"simulating x: (\d+) of 100", s).group(1) for s in lines] == ["20", "40"]
    assert "1:01 elapsed, ETA 4:04" in lines[0]


def test_tables_in_a_log_keep_whole_words(monkeypatch):
    """No terminal, no $COLUMNS: a table with a long row keeps every heading and cell whole
    (rich cut them to three letters and an ellipsis at 80 columns)."""
    monkeypatch.delenv("COLUMNS", raising=False)
    out = io.StringIO()
    heads = ["step", "tool/task", "status", "time", "figure", "source"]
    row = ["synthesis.power", "eqchip/activity_power", "success", "97.2 s",
           "annotated logic power", "/tmp/build/digits/job0/synthesis.power/0/reports/x.json"]
    Console(stream=out).table("flowgraph", heads, [row])
    text = out.getvalue()
    assert "…" not in text
    for word in [*heads, *row[:5]]:
        assert word in text


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="needs Icarus Verilog")
def test_cosim_reports_its_planned_cycles(designs_dir: Path, tmp_path: Path):
    """small on Icarus: progress starts at 0 of the planned cycles, never goes back, ends at
    all of them; the plan's estimate is within 5 % of the cycles the test bench simulated."""
    from eqchip.config import load_design
    from eqchip.sim import run_cosim

    seen = []
    res = run_cosim(load_design(designs_dir / "small.yaml"), tmp_path, "icarus", samples=3,
                    progress=seen.append)
    total = seen[0].total
    assert seen[0].done == 0 and seen[-1].done == total
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert seen[0].op_cycles == res.op_cycles < total
    xml = (tmp_path / "sim_icarus" / "results.xml").read_text()
    sim_ns = float(re.search(r'sim_time_ns="([0-9.]+)"', xml).group(1))
    assert total == pytest.approx(sim_ns / 20.0, rel=0.05)           # small: 50 MHz


def test_a_sweep_in_a_log_prints_a_line_per_finished_point(capsys):
    """stderr is no terminal under pytest: no bar frames, one line per finished point."""
    from types import SimpleNamespace

    from eqchip.sweep.progress import SweepProgress

    with SweepProgress(3) as bar:
        bar("start", "p0", None)
        bar("start", "p1", None)
        bar("done", "p0", SimpleNamespace(status="ok"))
        bar("done", "p1", None)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("point p0: ok (1 of 3 finished, 0 failed, 1 running;")
    assert lines[1].startswith("point p1: failed (2 of 3 finished, 1 failed, 0 running;")


def test_build_watch_names_the_running_node_and_the_simulated_cycles(tmp_path, designs_dir):
    """A job folder as SiliconCompiler lays it out while synthesis.power runs (synthesis done:
    its output manifest written) and the reporter's file of the gate-level simulation."""
    from eqchip.buildwatch import running_nodes
    from eqchip.config import load_design
    from eqchip.sim import scenario

    loaded = load_design(designs_dir / "small.yaml")
    job = tmp_path / "job0"
    (job / "synthesis" / "0" / "outputs").mkdir(parents=True)
    (job / "synthesis" / "0" / "outputs" / "small.pkg.json").write_text("{}")
    gs = job / "synthesis.power" / "0" / "work" / "gatesim"
    gs.mkdir(parents=True)
    params = scenario.initial_params(loaded.arch, 0, "random", None)
    scenario.write_plan(gs / "plan.npz", loaded.arch, params,
                        scenario.operations(loaded, 1, 0, False, one_training_op=True))
    (gs / "progress").write_text(f"{300 * 20000}\n")           # 300 cycles of 20 ns
    seen: dict[str, float] = {}
    assert [n.step for n in running_nodes(job, "small", loaded.arch, seen, 100.0)] == [
        "synthesis.power"]
    (node,) = running_nodes(job, "small", loaded.arch, seen, 165.0)
    assert node.text().startswith("running synthesis.power (1:05), gate-level simulation: "
                                  "300 of about ")
