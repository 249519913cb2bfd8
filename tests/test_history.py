"""The append-only SQLite run history and `eqchip history` trends and plots."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from eqchip.cli import main
from eqchip.errors import EqchipError
from eqchip.regress.history import append_run, read_runs
from eqchip.regress.trend import html_page, plot_png, trends


def _record(db: Path, design: str, commit: str, area: float, passed: bool = True) -> int:
    return append_run(db, session="s", time_utc="2026-01-01T00:00:00Z", git_commit=commit,
                      design=design, passed=passed, versions={"tools.sc": "0.38.11"},
                      metrics={"area.total_um2": area, "timing.wns_ns": 1.5})


def test_history_records_and_reads_back(tmp_path: Path) -> None:
    db = tmp_path / "h" / "history.sqlite"
    ids = [_record(db, "small", "c1", 100.0), _record(db, "digits", "c1", 900.0),
           _record(db, "small", "c2", 104.0, passed=False)]
    assert ids == [1, 2, 3]
    runs = read_runs(db)
    assert [(r.design, r.git_commit, r.passed) for r in runs] == [
        ("small", "c1", True), ("digits", "c1", True), ("small", "c2", False)]
    assert runs[2].metrics == {"area.total_um2": 104.0, "timing.wns_ns": 1.5}
    assert runs[0].versions == {"tools.sc": "0.38.11"}
    assert [r.id for r in read_runs(db, ["small"])] == [1, 3]
    assert [r.id for r in read_runs(db, last=1)] == [2, 3]


def test_history_is_append_only(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    _record(db, "small", "c1", 100.0)
    with sqlite3.connect(db) as conn:
        for sql in ("UPDATE runs SET passed = 0", "DELETE FROM runs",
                    "UPDATE metrics SET value = 1", "DELETE FROM metrics"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    assert read_runs(db)[0].metrics["area.total_um2"] == 100.0


def test_history_errors(tmp_path: Path) -> None:
    with pytest.raises(EqchipError, match="no regression history yet"):
        read_runs(tmp_path / "none.sqlite")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(EqchipError, match="not a usable eqchip history"):
        read_runs(junk)


def test_reading_history_never_writes_the_file(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    with pytest.raises(EqchipError, match="no `runs` table"):
        read_runs(empty)
    assert empty.read_bytes() == b""
    assert main(["history", "--db", str(empty)]) == 1
    assert "no `runs` table" in capsys.readouterr().err
    assert empty.read_bytes() == b""
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE unrelated (x INTEGER)")
    before = other.read_bytes()
    with pytest.raises(EqchipError, match="no `runs` table"):
        read_runs(other)
    assert other.read_bytes() == before


def test_trend_plot_and_self_contained_html(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    for i, area in enumerate((100.0, 101.0, 99.0)):
        _record(db, "small", f"c{i}", area)
    runs = read_runs(db)
    items = trends(runs, ["area.*"])
    assert [(t.design, t.metric, t.first, t.previous, t.last) for t in items] == [
        ("small", "area.total_um2", 100.0, 101.0, 99.0)]
    png = plot_png(items, runs)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    page = html_page(items, runs, png)
    assert "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_history_command(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")      # rich wraps tables to the terminal width
    db = tmp_path / "history.sqlite"
    _record(db, "small", "c1", 100.0)
    _record(db, "small", "c2", 110.0)
    out = tmp_path / "plots"
    assert main(["history", "--db", str(db), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "area.total_um2" in text and "+10.00%" in text
    assert (out / "history.png").read_bytes()[:4] == b"\x89PNG"
    assert "eqchip PPA history" in (out / "history.html").read_text()
    assert main(["history", "--db", str(db), "-m", "nothing.*"]) == 1
    assert "no metric matches nothing.*" in capsys.readouterr().err
    assert main(["history", "--db", str(tmp_path / "none.sqlite")]) == 1


def test_malformed_rows_are_skipped_with_a_warning(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    db = tmp_path / "history.sqlite"
    _record(db, "small", "c1", 100.0)
    with sqlite3.connect(db) as conn:      # rows another tool (or a damaged disk) appended
        conn.execute("INSERT INTO runs (session, time_utc, git_commit, design, passed, mode, "
                     "versions) VALUES ('s', 't', 'c2', 'small', 1, 'compare', '{not json')")
        conn.execute("INSERT INTO runs (session, time_utc, git_commit, design, passed, mode, "
                     "versions) VALUES ('s', 't', 'c3', 'small', 'yes', 'compare', '{}')")
        conn.execute("INSERT INTO metrics (run_id, name, value) VALUES (1, 'bad', 'abc')")
    _record(db, "small", "c4", 110.0)
    warnings: list[str] = []
    runs = read_runs(db, warn=warnings.append)
    assert [r.git_commit for r in runs] == ["c1", "c4"]
    assert "bad" not in runs[0].metrics and runs[0].metrics["area.total_um2"] == 100.0
    assert len(warnings) == 3
    assert any("run 2 skipped" in w and "versions" in w for w in warnings)
    assert any("run 3 skipped" in w and "passed" in w for w in warnings)
    assert main(["history", "--db", str(db), "--out", str(tmp_path / "plots")]) == 0
    captured = capsys.readouterr()
    assert "run 2 skipped" in captured.err and "+10.00%" in captured.out


# metric names and values of a real `eqchip regress small` run (post-synthesis, no OpenROAD)
REAL_RUN = {
    "area.core_um2": 139359.9072, "area.stdcell_um2": 46595.9392, "area.total_um2": 61650.3776,
    "flow.errors.by_step.elaborate": 0.0, "flow.errors.by_step.floorplan.size": 0.0,
    "flow.errors.by_step.synthesis": 0.0, "flow.errors.by_step.synthesis.power": 0.0,
    "flow.errors.by_step.synthesis.sta": 0.0, "flow.errors.total": 0.0,
    "power.logic.annotated.total_w": 0.0015166096140518278,
    "power.logic.inference.total_w": 0.0014669310215306142,
    "power.logic.inference_rtl_propagated.total_w": 0.0027615095247141906,
    "power.logic.rtl_propagated.total_w": 0.00312589174385807,
    "power.logic.vectorless.total_w": 0.0031525357755611974,
    "report.energy.figures.energy_per_inference": 4012.856514745372,
    "report.energy.figures.energy_per_training_sample": 9369.686398635196,
    "report.energy.figures.energy_per_weight_update": 45.37666580434712,
    "report.energy.figures.pj_per_synop_inference": 15.675220760724109,
    "report.energy.figures.pj_per_synop_training": 17.48075820640895,
    "report.energy.figures.tops_per_w_inference": 0.12758990961143,
    "report.energy.figures.tops_per_w_training": 0.11441151329847594,
    "report.power.propagation_check.mean_abs_error": 0.31154686497374323,
    "report.timing.fmax_mhz": 69.91761677133451,
    "timing.achievable_freq_mhz": 69.91761677133451, "timing.setup_slack_ns": 5.697453,
    "timing.hold_slack_ns": 0.170085, "cells.total": 5962.0,
}


def _real(db: Path, design: str, **changes: float) -> int:
    return append_run(db, session="s", time_utc="2026-01-01T00:00:00Z", git_commit="c1",
                      design=design, passed=True, versions={},
                      metrics={**REAL_RUN, **changes})


def test_history_plot_puts_headline_metrics_first_with_units(tmp_path: Path,
                                                             monkeypatch) -> None:
    """Issue 26 item 7: `eqchip history` of one real-looking run: energy per inference,
    training sample and MAC, TOPS/W, timing, area and power come first (they used to be cut by
    12 alphabetical panels: area, six flow.errors.* at 0, four power); every y axis has a
    unit; all-zero error panels are dropped; one run gives an x axis around that run. Read from
    the history.json the command writes beside the PNG and from the matplotlib figure."""
    import json

    from eqchip.regress.trend import history_figure, plot_panels

    monkeypatch.setenv("COLUMNS", "200")
    db = tmp_path / "history.sqlite"
    run = _real(db, "small")
    out = tmp_path / "plots"
    assert main(["history", "--db", str(db), "--out", str(out)]) == 0
    doc = json.loads((out / "history.json").read_text())
    shown = [p["metric"] for p in doc["panels"]]
    assert shown[:11] == [
        "report.energy.figures.energy_per_inference",
        "report.energy.figures.energy_per_training_sample",
        "report.energy.figures.pj_per_synop_inference",
        "report.energy.figures.pj_per_synop_training",
        "report.energy.figures.tops_per_w_inference",
        "report.energy.figures.tops_per_w_training",
        "timing.setup_slack_ns", "timing.achievable_freq_mhz",
        "area.total_um2", "area.stdcell_um2", "power.logic.annotated.total_w"]
    assert not [m for m in shown if m.startswith("flow.errors")]
    assert "flow.errors.total" in doc["all_zero_not_plotted"]
    units = {p["metric"]: p["unit"] for p in doc["panels"]}
    assert units["report.energy.figures.energy_per_inference"] == "pJ"
    assert units["report.energy.figures.pj_per_synop_inference"] == "pJ/MAC"
    assert units["report.energy.figures.tops_per_w_inference"] == "TOPS/W"
    assert units["timing.setup_slack_ns"] == "ns" and units["area.total_um2"] == "µm²"
    assert units["timing.achievable_freq_mhz"] == "MHz"
    power = next(p for p in doc["panels"] if p["metric"] == "power.logic.annotated.total_w")
    assert power["unit"] == "mW" and power["series"]["small"] == [
        [run, pytest.approx(1.5166096140518278)]]

    runs = read_runs(db)
    panels = plot_panels(trends(runs, [p["metric"] for p in doc["panels"]]))
    fig = history_figure(panels, runs)
    axes = [ax for ax in fig.axes if ax.get_ylabel()]
    assert len(axes) == len(panels)
    for ax, panel in zip(axes, panels, strict=True):
        assert panel.unit and ax.get_ylabel().endswith(f"[{panel.unit}]"), ax.get_ylabel()
        lo, hi = ax.get_xlim()
        assert lo < run < hi and hi - lo <= 2, (lo, hi)
        assert list(ax.get_xticks()) == [run]
        ys = [y for line in ax.get_lines() for y in line.get_ydata()]
        assert ys == [pytest.approx(panel.series["small"][0][1])]


def test_history_plot_keeps_error_panels_that_are_not_zero(tmp_path: Path) -> None:
    from eqchip.regress.trend import plot_panels

    db = tmp_path / "history.sqlite"
    _real(db, "small")
    _real(db, "digits", **{"flow.errors.by_step.synthesis": 2.0, "flow.errors.total": 2.0})
    panels = plot_panels(trends(read_runs(db), ["flow.errors.*", "area.total_um2"]))
    assert [p.metric for p in panels] == ["area.total_um2", "flow.errors.total",
                                          "flow.errors.by_step.synthesis"]
    assert {p.unit for p in panels[1:]} == {"count"}
    assert panels[1].series == {"small": [(1, 0.0)], "digits": [(2, 2.0)]}
