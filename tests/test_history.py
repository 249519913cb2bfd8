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
