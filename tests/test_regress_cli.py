"""`eqchip regress --no-build` on metrics files in a build folder: the whole comparison path
(rules, baselines, JUnit, summary, history, exit codes) without running the ASIC flow."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from eqchip.cli import main
from eqchip.config import load_design

METRICS = {          # the shape of docs/metrics.md, trimmed
    "schema": "eqchip.metrics/2",
    "area": {"stdcell_um2": 1834.5, "total_um2": 25000.0, "utilization": 0.4},
    "timing": {"setup_slack_ns": 11.25, "setup_tns_ns": 0.0, "setup_wns_ns": 0.0, "met": True,
               "achievable_period_ns": 8.75},
    "power": {"logic": {"vectorless": {"total_w": {"value": 0.00042, "unit": "W",
                                                   "source": "synthesis.power"},
                                       "leakage_w": {"value": 2e-9, "unit": "W",
                                                     "source": "synthesis.power"}}}},
    "flow": {"completed": ["synthesis"],             # SC's per-node errors / warnings
             "errors": {"total": 0, "by_step": {"synthesis": 0}},
             "warnings": {"total": 40, "by_step": {"synthesis": 40}}},
    "tools": {"yosys": "0.48"},
    "runtime_s": {"synthesis": 12.5},
}


@pytest.fixture
def ws(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "build" / "small").mkdir(parents=True)
    _write(tmp_path, METRICS)
    (tmp_path / "baselines").mkdir()
    return tmp_path


def _write(ws: Path, metrics: dict, sha: str | None = None) -> None:
    """metrics.json of a build of small.yaml (its design_sha256, unless `sha` is given)."""
    doc = {**metrics, "design_sha256": sha or load_design("small").sha256}
    (ws / "build" / "small" / "metrics.json").write_text(json.dumps(doc))


def _regress(ws: Path, *extra: str) -> int:
    return main(["regress", "small", "--no-build", "--build-root", str(ws / "build"),
                 "--baselines", str(ws / "baselines"), *extra])


def test_regress_cycle(ws: Path, capsys) -> None:
    base = ws / "baselines" / "small.json"
    assert _regress(ws) == 1
    assert "no baseline for design 'small'" in capsys.readouterr().err

    assert _regress(ws, "--update-baseline") == 0
    out = capsys.readouterr().out
    assert '+    "area.stdcell_um2": 1834.5,' in out
    doc = json.loads(base.read_text())
    assert doc["metrics"]["timing.setup_slack_ns"] == 11.25
    assert "runtime_s.synthesis" not in doc["metrics"]          # excluded: not deterministic
    assert doc["versions"]["tools.yosys"] == "0.48"

    assert _regress(ws) == 0
    assert "no regressions in 1 design(s)" in capsys.readouterr().out
    assert _regress(ws) == 0                     # default: every design with a baseline...
    assert main(["regress", "--no-build", "--build-root", str(ws / "build"),
                 "--baselines", str(ws / "baselines")]) == 0

    committed = base.read_text()
    perturbed = committed.replace('"area.stdcell_um2": 1834.5', '"area.stdcell_um2": 1700')
    assert perturbed != committed
    base.write_text(perturbed)
    assert _regress(ws) == 1
    captured = capsys.readouterr()
    assert "small: area.stdcell_um2 regressed: 1700 -> 1834.5" in captured.err
    junit = ET.parse(ws / "build" / "regress" / "junit.xml").getroot()
    failed = [(c.get("classname"), c.get("name")) for c in junit.iter("testcase")
              if c.find("failure") is not None]
    assert failed == [("regress.small", "area.stdcell_um2")]
    summary = (ws / "build" / "regress" / "summary.md").read_text()
    assert "**FAIL** (small)" in summary and "| area.stdcell_um2 | 1700 | 1834.5 |" in summary

    assert _regress(ws, "--update-baseline") == 0
    out = capsys.readouterr().out
    assert '-    "area.stdcell_um2": 1700,' in out and '+    "area.stdcell_um2": 1834.5,' in out
    assert base.read_text() == committed         # exactly the perturbed value was rewritten

    with sqlite3.connect(ws / "build" / "regress" / "history.sqlite") as conn:
        rows = conn.execute("SELECT design, passed, mode FROM runs ORDER BY id").fetchall()
        n_metrics = conn.execute("SELECT COUNT(*) FROM metrics WHERE run_id = 2").fetchone()[0]
    c, u = "compare", "update-baseline"
    assert rows == [("small", 0, c), ("small", 1, u), ("small", 1, c), ("small", 1, c),
                    ("small", 1, c), ("small", 0, c), ("small", 0, u)]
    assert n_metrics == 15                       # all metrics, the excluded run time too


def test_improvement_passes_and_version_change_is_reported(ws: Path, capsys) -> None:
    assert _regress(ws, "--update-baseline", "--no-history") == 0
    metrics = json.loads(json.dumps(METRICS))
    metrics["area"]["stdcell_um2"] = 1500.0
    metrics["timing"]["setup_slack_ns"] = 10.5         # -0.75 ns, within 5 % of 20 ns
    metrics["tools"]["yosys"] = "0.50"
    _write(ws, metrics)
    assert _regress(ws, "--no-history") == 0
    out = capsys.readouterr().out
    assert "improved" in out and "worse, within tolerance" in out
    assert "tools.yosys" in out and "0.50" in out
    assert not (ws / "build" / "regress" / "history.sqlite").exists()


def _with_counts(ws: Path, errors: int, warnings: int) -> None:
    metrics = json.loads(json.dumps(METRICS))
    metrics["flow"]["errors"] = {"total": errors, "by_step": {"synthesis": errors}}
    metrics["flow"]["warnings"] = {"total": warnings, "by_step": {"synthesis": warnings}}
    _write(ws, metrics)


def _failed(ws: Path) -> list[str]:
    junit = ET.parse(ws / "build" / "regress" / "junit.xml").getroot()
    return sorted(c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None)


def test_error_count_increase_fails(ws: Path, capsys) -> None:
    """Under the shipped rules file: one more tool error fails, per step and in total."""
    assert _regress(ws, "--update-baseline") == 0
    _with_counts(ws, errors=1, warnings=40)
    assert _regress(ws) == 1
    err = capsys.readouterr().err
    assert "small: flow.errors.by_step.synthesis regressed: 0 -> 1" in err
    assert "small: flow.errors.total regressed: 0 -> 1" in err
    assert _failed(ws) == ["flow.errors.by_step.synthesis", "flow.errors.total"]


def test_warning_count_may_grow_within_its_tolerance(ws: Path, capsys) -> None:
    """designs/regress_rules.yaml allows 10 % more tool warnings: 40 -> 44 passes, 45 fails."""
    assert _regress(ws, "--update-baseline") == 0
    _with_counts(ws, errors=0, warnings=44)
    assert _regress(ws) == 0
    _with_counts(ws, errors=0, warnings=45)
    assert _regress(ws) == 1
    assert "small: flow.warnings.total regressed: 40 -> 45" in capsys.readouterr().err
    assert _failed(ws) == ["flow.warnings.by_step.synthesis", "flow.warnings.total"]


def test_missing_metrics_and_bad_rules_are_clear_errors(ws: Path, capsys) -> None:
    (ws / "build" / "small" / "metrics.json").unlink()
    assert _regress(ws, "--update-baseline") == 1
    assert "metrics.json: no metrics file" in capsys.readouterr().err
    rules = ws / "rules.yaml"
    rules.write_text("rules:\n  area.*:\n    better: sideways\n    relative: 0.1\n")
    assert _regress(ws, "--rules", str(rules)) == 2
    err = capsys.readouterr().err
    assert f"{rules}:3: rules.area.*.better" in err
    assert main(["regress", "nosuchdesign", "--no-build"]) == 2


def test_metrics_of_another_design_version_are_rejected(ws: Path, capsys) -> None:
    assert _regress(ws, "--update-baseline", "--no-history") == 0
    capsys.readouterr()
    _write(ws, METRICS, sha="0" * 64)
    assert _regress(ws, "--no-history") == 1
    err = capsys.readouterr().err
    assert "design_sha256 000000000000 is not that of the design" in err and "stale" in err
    (ws / "build" / "small" / "metrics.json").write_text(json.dumps(METRICS))
    assert _regress(ws, "--no-history") == 1
    assert "design_sha256 None is not that of the design" in capsys.readouterr().err


@pytest.mark.parametrize("damage", [b"\xff\xfe\x00\x89 binary", b'{"design": "small", '
                                    b'"metrics": {"area.total_um2": NaN}}'])
def test_failed_run_leaves_no_earlier_results(ws: Path, capsys, damage: bytes) -> None:
    assert _regress(ws, "--update-baseline") == 0
    assert _regress(ws) == 0
    out = ws / "build" / "regress"
    assert "errors=\"0\"" in (out / "junit.xml").read_text()
    capsys.readouterr()
    (ws / "baselines" / "small.json").write_bytes(damage)
    assert _regress(ws) == 1
    err = capsys.readouterr().err
    assert "small.json" in err and "Traceback" not in err
    assert ("not UTF-8" in err) or ("finite number" in err)
    # this run's own (failing) results, never the earlier green ones
    assert "errors=\"1\"" in (out / "junit.xml").read_text() or \
        'failures="1"' in (out / "junit.xml").read_text()


def test_run_that_stops_early_removes_earlier_results(ws: Path, capsys) -> None:
    assert _regress(ws, "--update-baseline") == 0
    out = ws / "build" / "regress"
    assert (out / "junit.xml").is_file() and (out / "summary.md").is_file()
    bad_rules = ws / "rules.yaml"
    bad_rules.write_text("rules: [\n")
    assert _regress(ws, "--rules", str(bad_rules)) == 2
    assert not (out / "junit.xml").exists() and not (out / "summary.md").exists()


def test_corrupt_history_names_the_regress_option(ws: Path, capsys) -> None:
    db = ws / "h.sqlite"
    db.write_bytes(b"not a database at all" * 200)
    assert _regress(ws, "--update-baseline", "--history", str(db)) == 1
    err = capsys.readouterr().err
    assert "not a usable eqchip history" in err and "--history" in err and "--db" not in err
    assert not (ws / "baselines" / "small.json").exists()     # refused before any work


def _area_regression(ws: Path) -> None:
    """A baseline of METRICS, then a build whose cell area grew by 133 %."""
    assert _regress(ws, "--update-baseline", "--no-history") == 0
    grown = {**METRICS, "area": {**METRICS["area"], "stdcell_um2": 1834.5 * 2.33}}
    _write(ws, grown)


@pytest.mark.parametrize("body, words", [
    ("rules:\n  area.stdcel_um2: {better: lower, relative: 0.02}\n",
     "rules.area.stdcel_um2: matches none of the 3 metrics under `area`"),
    ('rules:\n  "aera.*": {better: lower, relative: 0.02}\n',
     "rules.aera.*: `aera` is no section of metrics.json"),
    ('rules:\n  "[": {better: lower, relative: 0.02}\n',
     "rules.[: `[` at character 1 opens a character set that is never closed"),
    ("rules:\n  area.stdcell_um2: {better: lower, relative: 0.02}\n"
     "overrides:\n  smal:\n    area.stdcell_um2: {relative: 2}\n",
     "overrides.smal: no design 'smal'"),
    ('rules:\n  "area.*": {better: lower, clock_fraction: 0.05}\n',
     "rules.area.*: clock_fraction applies to timing metrics in ns, but matches "
     "area.stdcell_um2 of small"),
    ("rules:\n  area.stdcell_um2: {better: lower, clock_fraction: 0.05}\n",
     "rules.area.stdcell_um2: clock_fraction is a fraction of the clock period"),
])
def test_a_rule_that_cannot_apply_is_an_error(ws: Path, capsys, body: str, words: str) -> None:
    """Issue 23: a rules file whose only rule has a typo, an invalid pattern, an unknown
    design or a timing tolerance on an area metric let a +133 % area regression pass."""
    _area_regression(ws)
    rules = ws / "rules.yaml"
    rules.write_text(body)
    capsys.readouterr()
    assert _regress(ws, "--rules", str(rules), "--no-history") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert str(rules) in err and words in err, err
    assert "Traceback" not in err


def test_empty_baseline_fails(ws: Path, capsys) -> None:
    (ws / "baselines" / "small.json").write_text('{"design": "small", "metrics": {}}\n')
    assert _regress(ws, "--no-history") == 1
    cap = capsys.readouterr()
    assert "small.json: metrics: is empty" in cap.err and "new" not in cap.out


@pytest.mark.parametrize("doc", ["[]", "null", "3"])
def test_metrics_that_are_not_an_object_are_damaged_not_stale(ws: Path, capsys,
                                                              doc: str) -> None:
    assert _regress(ws, "--update-baseline", "--no-history") == 0
    (ws / "build" / "small" / "metrics.json").write_text(doc)
    capsys.readouterr()
    assert _regress(ws, "--no-history") == 1
    err = capsys.readouterr().err
    assert "metrics.json: is JSON" in err and "damaged" in err and "stale" not in err, err


def test_locked_history_keeps_the_runs_results(ws: Path, capsys, monkeypatch) -> None:
    """A history another process holds locked is said to be locked (not damaged), and the
    run's table, junit.xml and summary.md are written anyway."""
    import subprocess
    import sys

    from eqchip.regress import history

    db = ws / "h.sqlite"
    assert _regress(ws, "--update-baseline", "--history", str(db)) == 0
    out = ws / "build" / "regress"
    for f in ("junit.xml", "summary.md"):
        (out / f).unlink()
    monkeypatch.setattr(history, "LOCK_WAIT_S", 1.0)
    monkeypatch.setattr(history, "LOCK_CHECK_S", 0.5)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(120)",
         str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        capsys.readouterr()
        assert _regress(ws, "--history", str(db)) == 0
    finally:
        holder.kill()
        holder.wait()
    cap = capsys.readouterr()
    err = " ".join(cap.err.split())
    assert "locked by another process" in err and "not damaged" in err
    assert "not recorded in the history" in err and "damaged file away" not in err
    assert (out / "junit.xml").is_file() and (out / "summary.md").is_file()
    assert "small" in cap.out
    with sqlite3.connect(db) as conn:                  # only the first run is recorded
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
