"""Regression rules, metric flattening and comparison verdicts, on real files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eqchip.errors import ConfigError, EqchipError
from eqchip.regress.compare import Status, compare_design, compare_metric, compare_versions
from eqchip.regress.metrics import collect_build, flatten
from eqchip.regress.rules import load_rules

RULES = """
rules:
  "*runtime*":
    exclude: wall clock
  "*error*":
    better: lower
    absolute: 0
  area.stdcell_um2:
    better: lower
    relative: 0.02
  "area.*":
    better: lower
    relative: 0.03
  "timing.*wns*":
    better: higher
    clock_fraction: 0.05
  "energy.*":
    better: lower
    relative: 0.05
overrides:
  small:
    "area.*":
      relative: 0.10
    "energy.*":
      exclude: no report for small yet
  mnist:
    "*runtime*": {better: lower, relative: 0.5}
    "timing.*wns*": {absolute: 0.25}
"""


@pytest.fixture
def rules(tmp_path: Path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    return load_rules(path)


def test_shipped_rules_file_is_valid(designs_dir: Path) -> None:
    rules = load_rules(designs_dir / "regress_rules.yaml")
    wns = rules.rule_for("small", "timing.setup_wns_ns")
    assert wns is not None and wns.better == "higher" and wns.tolerance_kind == "clock_fraction"
    assert rules.rule_for("small", "area.stdcell_um2").better == "lower"
    assert rules.rule_for("small", "runtime_s.synthesis").exclude is not None
    assert rules.rule_for("small", "energy.pj_per_synop_training").better == "lower"


def test_exact_name_beats_pattern_and_overrides_apply(rules) -> None:
    std = rules.rule_for("mnist", "area.stdcell_um2")
    assert (std.pattern, std.tolerance_kind, std.tolerance) == ("area.stdcell_um2", "relative",
                                                                0.02)
    assert rules.rule_for("mnist", "area.total_um2").tolerance == 0.03
    small = rules.rule_for("small", "area.total_um2")
    assert (small.better, small.tolerance) == ("lower", 0.10)
    assert rules.rule_for("small", "energy.pj_per_synop").exclude == "no report for small yet"
    assert rules.rule_for("mnist", "energy.pj_per_synop").exclude is None
    assert rules.rule_for("small", "flow.runtime_s").exclude == "wall clock"
    assert rules.rule_for("small", "cells.count") is None
    rt = rules.rule_for("mnist", "flow.runtime_s")
    assert (rt.exclude, rt.better, rt.tolerance_kind, rt.tolerance) == (None, "lower",
                                                                        "relative", 0.5)
    wns = rules.rule_for("mnist", "timing.wns_ns")
    assert (wns.better, wns.tolerance_kind, wns.tolerance) == ("higher", "absolute", 0.25)


@pytest.mark.parametrize("body, field, words", [
    ("rules:\n  area.x:\n    better: lower\n", "area.x", "exactly one tolerance"),
    ("rules:\n  area.x:\n    better: smaller\n    relative: 0.1\n", "area.x.better", "higher"),
    ("rules:\n  area.x:\n    better: lower\n    relative: -1\n", "area.x.relative",
     "greater than or equal"),
    ("rules:\n  area.x:\n    better: lower\n    absolute: 1\n    relative: 0.1\n", "area.x",
     "exactly one tolerance"),
    ("rules:\n  area.x:\n    relative: 0.1\n", "area.x", "better"),
    ("rules:\n  area.x:\n    exclude: slow\n    better: lower\n", "area.x", "excluded"),
    ("rules:\n  area.x:\n    better: lower\n    relatve: 0.1\n", "area.x.relatve",
     "unknown field"),
    ("rules:\n  area.x:\n    better: lower\n    absolute: 0\noverrides:\n  small:\n"
     "    area.y: {absolute: 1}\n", "overrides.small.area.y", "no rule"),
    ("rule: {}\n", "rules", "required"),
    ("rules:\n  a.x:\n    exclude: slow\noverrides:\n  small:\n    a.x: {relative: 0.1}\n",
     "overrides.small.a.x", "give `better` and one tolerance"),
])
def test_bad_rules_name_file_line_and_field(tmp_path: Path, body: str, field: str,
                                            words: str) -> None:
    path = tmp_path / "bad_rules.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    text = str(err.value)
    assert str(path) in text and field in text and words in text, text


def test_missing_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_rules(tmp_path / "nope.yaml")


def test_flatten_any_schema() -> None:
    doc = {"area": {"stdcell_um2": 1200.5, "cells": 40}, "timing": {"met": True,
           "corners": [{"wns_ns": -0.25}, {"wns_ns": 1.5}]}, "note": "text", "none": None,
           "tools": {"yosys": {"version": "0.48"}, "sc": "0.38.11"}, "pdk_version": "abc",
           "bad": float("nan"), "path": "/tmp/x",
           "energy": {"pj_per_synop": {"value": 2.5, "unit": "pJ/MAC", "source": "formula"},
                      "odd": {"value": "x", "unit": "pJ"}}}
    flat = flatten(doc)
    assert flat.metrics == {"area.cells": 40.0, "area.stdcell_um2": 1200.5, "timing.met": 1.0,
                            "timing.corners.0.wns_ns": -0.25, "timing.corners.1.wns_ns": 1.5,
                            "energy.pj_per_synop": 2.5}
    assert flat.versions == {"pdk_version": "abc", "tools.sc": "0.38.11",
                             "tools.yosys.version": "0.48"}


def test_collect_build_reads_report_under_its_own_prefix(tmp_path: Path) -> None:
    with pytest.raises(EqchipError, match="no metrics file"):
        collect_build(tmp_path / "nowhere")
    (tmp_path / "report.json").write_text(json.dumps(
        {"energy": {"pj_per_synop": {"value": 0.5, "unit": "pJ", "source": "x"}},
         "area": {"total_um2": 11.0}, "tools": {"python": "3.11.7"}}))
    os.utime(tmp_path / "report.json", (1_000_000_000, 1_000_000_000))
    (tmp_path / "metrics.json").write_text(json.dumps({"area": {"total_um2": 10.0}}))
    flat, warnings = collect_build(tmp_path)
    assert flat.metrics == {"area.total_um2": 10.0, "report.area.total_um2": 11.0,
                            "report.energy.pj_per_synop": 0.5}
    assert flat.versions == {"report.tools.python": "3.11.7"}
    assert len(warnings) == 1 and "older than" in warnings[0]
    (tmp_path / "report.json").touch()
    assert collect_build(tmp_path)[1] == []
    (tmp_path / "metrics.json").write_text("{broken")
    with pytest.raises(EqchipError, match=r"metrics.json:1: not valid JSON"):
        collect_build(tmp_path)


@pytest.mark.parametrize("metric, old, new, status", [
    ("area.total_um2", 1000.0, 1029.0, Status.TOLERATED),     # +2.9 % < 3 %
    ("area.total_um2", 1000.0, 1031.0, Status.REGRESSED),     # +3.1 % > 3 %
    ("area.total_um2", 1000.0, 900.0, Status.IMPROVED),
    ("area.total_um2", 1000.0, 1000.0, Status.UNCHANGED),
    ("area.stdcell_um2", 1000.0, 1021.0, Status.REGRESSED),   # exact rule: 2 %
    ("timing.wns_ns", 2.0, 1.01, Status.TOLERATED),           # 5 % of 20 ns = 1 ns
    ("timing.wns_ns", 2.0, 0.99, Status.REGRESSED),
    ("timing.wns_ns", 2.0, 5.0, Status.IMPROVED),
    ("sta.errors", 0.0, 1.0, Status.REGRESSED),
    ("sta.errors", 3.0, 1.0, Status.IMPROVED),
    ("flow.runtime_s", 10.0, 99.0, Status.EXCLUDED),
    ("cells.count", 10.0, 99.0, Status.CHANGED),
    ("cells.count", None, 99.0, Status.NEW),
])
def test_direction_and_tolerance(rules, metric: str, old, new, status: Status) -> None:
    r = compare_metric("digits", metric, old, new, rules.rule_for("digits", metric), 20.0)
    assert r.status == status, r.explain()
    assert r.failed == (status == Status.REGRESSED)


def test_compare_design_flags_vanished_ruled_metric(rules) -> None:
    base = {"area.total_um2": 100.0, "cells.count": 3.0, "timing.wns_ns": 1.0}
    now = {"area.total_um2": 100.0, "energy.pj_per_synop": 2.0}
    results = {r.metric: r for r in compare_design("mnist", base, now, rules, 20.0)}
    assert results["timing.wns_ns"].status == Status.MISSING and results["timing.wns_ns"].failed
    assert results["cells.count"].status == Status.MISSING and not results["cells.count"].failed
    assert results["energy.pj_per_synop"].status == Status.NEW
    assert "mnist: timing.wns_ns missing" in results["timing.wns_ns"].explain()


def test_regression_message_names_design_metric_and_limit(rules) -> None:
    r = compare_metric("small", "area.total_um2", 100.0, 120.0,
                       rules.rule_for("small", "area.total_um2"), 20.0)
    text = r.explain()
    assert r.failed
    assert text.startswith("small: area.total_um2 regressed: 100 -> 120 (+20, +20.00%)")
    assert "allows 10 worse" in text


def test_version_changes() -> None:
    changes = compare_versions({"tools.sc": "0.38.11", "pdk": "a"}, {"tools.sc": "0.39", "x": "1"})
    assert [(c.name, c.old, c.new) for c in changes] == [
        ("pdk", "a", None), ("tools.sc", "0.38.11", "0.39"), ("x", None, "1")]
