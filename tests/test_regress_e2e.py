"""`eqchip regress` end to end with the real build of small.yaml (slow: runs the ASIC flow).

Against the committed baseline it passes; against a baseline perturbed beyond a rule it fails
with JUnit XML naming design and metric; the history records both runs; `--update-baseline`
rewrites exactly the perturbed value; and two builds on the same commit give identical metrics.
The first build is the session's build of small (tests/conftest.py), which regress resumes; the
second is a fresh one.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from eqchip.regress.metrics import collect_build
from eqchip.regress.rules import load_rules
from eqchip.regress.runner import comparable

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def work(pdk_root: Path, tmp_path_factory, designs_dir: Path) -> Path:
    committed = designs_dir / "baselines" / "small.json"
    assert committed.is_file(), "the committed baseline designs/baselines/small.json is missing"
    work = tmp_path_factory.mktemp("regress_e2e")
    (work / "baselines").mkdir()
    shutil.copy(committed, work / "baselines" / "small.json")
    return work


def _regress(work: Path, build_root: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["eqchip", "regress", "small", "--jobs", "2", "--build-root", str(build_root),
         "--baselines", str(work / "baselines"), "--out", str(work / "out"),
         "--history", str(work / "history.sqlite"), *extra],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"},
        timeout=1800, check=False)


def _value_lines(text: str) -> dict[str, str]:
    """`"name": value` lines of a baseline by name, trailing commas dropped."""
    out = {}
    for line in text.splitlines():
        if line.startswith('    "'):
            out[line.split('"')[1]] = line.rstrip(",")
    return out


def test_regress_small_against_committed_and_perturbed_baseline(work: Path,
                                                              small_build_run) -> None:
    base = work / "baselines" / "small.json"
    committed = base.read_text()
    build = small_build_run.root            # regress builds it again: nothing to rerun

    ok = _regress(work, build)
    assert ok.returncode == 0, (
        "small no longer matches designs/baselines/small.json; if the flow change is intended, "
        "refresh it with `eqchip regress small --update-baseline` and commit the diff\n"
        + ok.stdout + ok.stderr)
    assert "no regressions in 1 design(s)" in ok.stdout

    # bring the copy up to this build: values equal to the committed ones keep their lines
    sync = _regress(work, build, "--update-baseline", "--no-build")
    assert sync.returncode == 0, sync.stdout + sync.stderr
    synced = base.read_text()
    before, after = json.loads(committed)["metrics"], json.loads(synced)["metrics"]
    old_lines, new_lines = _value_lines(committed), _value_lines(synced)
    for name in set(before) & set(after):
        assert (old_lines[name] == new_lines[name]) == (before[name] == after[name]), name

    metric = "area.stdcell_um2"
    doc = json.loads(synced)
    doc["metrics"][metric] = round(doc["metrics"][metric] * 0.8, 4)   # build looks 25 % bigger
    base.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    bad = _regress(work, build, "--no-build")      # the build is unchanged: only compare
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"small: {metric} regressed" in bad.stderr
    junit = ET.parse(work / "out" / "junit.xml").getroot()
    failed = [(c.get("classname"), c.get("name")) for c in junit.iter("testcase")
              if c.find("failure") is not None]
    assert failed == [("regress.small", metric)]

    with sqlite3.connect(work / "history.sqlite") as conn:
        runs = conn.execute("SELECT design, passed, mode FROM runs ORDER BY id").fetchall()
        n = conn.execute("SELECT COUNT(*) FROM metrics WHERE run_id = 3").fetchone()[0]
    assert runs == [("small", 1, "compare"), ("small", 1, "update-baseline"),
                    ("small", 0, "compare")]
    assert n > len(after)                           # every metric, the excluded ones too

    upd = _regress(work, build, "--update-baseline", "--no-build")
    assert upd.returncode == 0, upd.stdout + upd.stderr
    assert f'+    "{metric}": ' in upd.stdout
    assert "1 changed, 0 added, 0 removed" in upd.stdout
    assert base.read_text() == synced                # exactly the perturbed value came back


def test_two_builds_on_one_commit_give_identical_metrics(work: Path, designs_dir: Path,
                                                        small_build_run) -> None:
    """The session's build (regress resumes it) and a fresh build in `build_b`."""
    first = _regress(work, small_build_run.root, "--no-history")
    assert not (work / "build_b").exists()
    second = _regress(work, work / "build_b", "--no-history")
    assert first.returncode == 0, first.stdout + first.stderr
    assert second.returncode == 0, second.stdout + second.stderr
    rules = load_rules(designs_dir / "regress_rules.yaml")
    a = comparable(collect_build(small_build_run.dir)[0].metrics, rules, "small")
    b = comparable(collect_build(work / "build_b" / "small")[0].metrics, rules, "small")
    assert len(a) > 50 and a == b
