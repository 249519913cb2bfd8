"""Baselines (explicit, minimal-diff updates), JUnit XML and the Markdown summary."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from eqchip.errors import EqchipError
from eqchip.regress import baseline as bl
from eqchip.regress.compare import compare_design, compare_versions
from eqchip.regress.junit import DesignOutcome, junit_xml
from eqchip.regress.rules import load_rules
from eqchip.regress.summary import markdown, shown


@pytest.fixture
def rules(designs_dir: Path):
    return load_rules(designs_dir / "regress_rules.yaml")


def test_baseline_file_is_sorted_one_metric_per_line(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    up = bl.update(path, "small", {"timing.setup_slack_ns": 3.25, "area.total_um2": 1500.0,
                                   "cells": 12.0}, {"tools.sc": "0.38.11"})
    text = path.read_text()
    lines = text.splitlines()
    assert '    "area.total_um2": 1500,' in lines and '    "cells": 12,' in lines
    assert '    "timing.setup_slack_ns": 3.25' in lines
    assert lines.index('    "area.total_um2": 1500,') < \
        lines.index('    "timing.setup_slack_ns": 3.25')
    assert up.added == ["area.total_um2", "cells", "timing.setup_slack_ns", "versions.tools.sc"]
    assert up.diff.startswith("--- a/small.json\n+++ b/small.json")
    again = bl.load_baseline(path, "small")
    assert again.metrics == {"area.total_um2": 1500, "cells": 12, "timing.setup_slack_ns": 3.25}
    assert again.versions == {"tools.sc": "0.38.11"}


def test_update_rewrites_exactly_the_changed_values(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    metrics = {f"m.{i:02d}": 1.0 + i / 7 for i in range(30)}
    bl.update(path, "small", metrics, {"tools.sc": "1"})
    before = path.read_text().splitlines()
    new = dict(metrics, **{"m.03": 99.5, "m.17": -1.0})
    del new["m.29"]
    new["m.30"] = 4.0
    up = bl.update(path, "small", new, {"tools.sc": "2"})
    after = path.read_text().splitlines()
    removed = [line for line in before if line not in after]
    added = [line for line in after if line not in before]
    assert up.changed == ["m.03", "m.17", "versions.tools.sc"]
    assert up.added == ["m.30"] and up.removed == ["m.29"]
    assert sorted(x.split(":")[0].strip() for x in removed) == \
        ['"m.03"', '"m.17"', '"m.29"', '"tools.sc"']
    assert sorted(x.split(":")[0].strip() for x in added) == \
        ['"m.03"', '"m.17"', '"m.30"', '"tools.sc"']
    diff_lines = [x for x in up.diff.splitlines() if x[:1] in "+-" and x[:3] not in ("---", "+++")]
    assert len(diff_lines) == len(removed) + len(added)
    unchanged = bl.update(path, "small", new, {"tools.sc": "2"})
    assert unchanged.empty and unchanged.diff == ""


def test_update_keeps_value_text_when_only_float_noise_differs(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_text(json.dumps({"design": "small", "metrics": {"a": 0.1}, "versions": {}},
                               indent=2, sort_keys=True) + "\n")
    up = bl.update(path, "small", {"a": 0.1 + 1e-17}, {})
    assert up.empty


@pytest.mark.parametrize("content, words", [
    ("[]", "must be a JSON object"),
    ('{"metrics": {"a": "x"}}', "metrics.a: must be a finite number"),
    ('{"metrics": {"a": NaN}}', "metrics.a: must be a finite number"),
    ('{"metrics": {"a": -Infinity}}', "metrics.a: must be a finite number"),
    ('{"metrics": {"a": 1,}}', "not valid JSON"),
    ('{"design": "other", "metrics": {"a": 1}}', "expected 'small'"),
    ('{"metrics": {"a": 1}, "versions": {"a": 1}}', "versions"),
    # issue 23: an empty baseline passed every run; huge numbers were tracebacks
    ('{"metrics": {}}', "metrics: is empty; a baseline without metrics compares nothing"),
    pytest.param('{"metrics": {"a": 1%s}}' % ("0" * 5000),
                 "not usable JSON: a number has more than 4300", id="5001-digit-number"),
    pytest.param('{"metrics": {"a": 1%s}}' % ("0" * 400),
                 "metrics.a: must be a finite number", id="401-digit-number"),
])
def test_bad_baseline_is_a_clear_error(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "small.json"
    path.write_text(content)
    with pytest.raises(EqchipError, match=words):
        bl.load_baseline(path, "small")
    with pytest.raises(EqchipError, match="--update-baseline"):
        bl.load_baseline(tmp_path / "none.json", "small")


def test_binary_baseline_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_bytes(b"\xff\xfe\x00\x89PNG binary")
    with pytest.raises(EqchipError, match="not UTF-8 text"):
        bl.load_baseline(path, "small")


LOGIC_POWER = "power.logic.vectorless.total_w"      # a metric with a rule


def _outcomes(rules) -> list[DesignOutcome]:
    base = {"area.total_um2": 1000.0, "timing.setup_slack_ns": 5.0, LOGIC_POWER: 2.0,
            "cells.by_type.inv": 3.0}
    now = {"area.total_um2": 1100.0, "timing.setup_slack_ns": 5.5, LOGIC_POWER: 2.0,
           "flow.runtime_s": 3.0, "cells.by_type.inv": 4.0}
    versions = tuple(compare_versions({"tools.sc": "1"}, {"tools.sc": "2"}))
    return [DesignOutcome("small", compare_design("small", base, now, rules, 20.0), seconds=1.5,
                          version_changes=versions),
            DesignOutcome("digits", [], error="synthesis failed: yosys exit 1")]


def junit_props(root: ET.Element, suite: str) -> list[ET.Element]:
    return [p for ts in root.iter("testsuite") if ts.get("name") == suite
            for p in ts.iter("property")]


def test_junit_names_design_and_metric(rules) -> None:
    root = ET.fromstring(junit_xml(_outcomes(rules)))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) \
        == ("7", "1", "1", "1")
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert set(cases) == {("regress.small", n) for n in ("build", "area.total_um2",
                          "timing.setup_slack_ns", LOGIC_POWER, "flow.runtime_s",
                          "cells.by_type.inv")} | \
        {("regress.digits", "build")}
    fail = cases[("regress.small", "area.total_um2")].find("failure")
    assert fail is not None and fail.get("message").startswith(
        "small: area.total_um2 regressed: 1000 -> 1100")
    assert cases[("regress.small", "timing.setup_slack_ns")].find("failure") is None
    assert cases[("regress.small", "flow.runtime_s")].find("skipped") is not None
    props = {p.get("name"): p.get("value") for p in junit_props(root, "eqchip-regress.small")}
    assert props == {"version changed: tools.sc": "1 -> 2"}
    err = cases[("regress.digits", "build")].find("error")
    assert err is not None and "yosys exit 1" in err.text


def test_markdown_summary(rules) -> None:
    outs = _outcomes(rules)
    text = markdown(outs, "abc123")
    assert "**FAIL** (small, digits)" in text
    assert "| area.total_um2 | 1000 | 1100 | +100, +10.00% | REGRESSED |" in text
    assert "| timing.setup_slack_ns | 5 | 5.5 | +0.5, +10.00% | improved |" in text
    assert "- `tools.sc`: 1 -> 2" in text
    assert "yosys exit 1" in text
    assert LOGIC_POWER not in text     # unchanged rows are left out of the summary
    head, details = text.split("<details>")
    assert "cells.by_type.inv" not in head
    assert "1 metrics without a rule changed" in details
    assert "| cells.by_type.inv | 3 | 4 | +1, +33.33% | changed (no rule) | - |" in details
    assert [r.metric for r in shown(outs[0].results)] == [
        "area.total_um2", "flow.runtime_s", LOGIC_POWER, "timing.setup_slack_ns"]
