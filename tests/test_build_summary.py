"""The first screen of `eqchip build` (issue 26, item 6): the session's real build of small
(tests/conftest.py `small_build_run` keeps its stdout and stderr) leads with the energy figures
of the report the build wrote, shows logic power in mW, collapses the steps a missing tool kept
from running into one line, says the documented partial outcome as a notice (exit 5 kept), and
says where the tools' warnings are."""

from __future__ import annotations

import json
import re

import pytest

#: (label on the summary, report.json energy figure, unit printed after the value)
HEADLINE = (("energy per MAC (inference)", "pj_per_synop_inference", "pJ/MAC"),
            ("energy per inference", "energy_per_inference", "pJ"),
            ("energy per training sample", "energy_per_training_sample", "pJ"),
            ("TOPS/W (inference)", "tops_per_w_inference", "TOPS/W"))


def _line(text: str, label: str) -> str:
    found = [ln for ln in text.splitlines() if label in ln]
    assert found, f"no line with {label!r} in:\n{text}"
    return found[0]


def _value(line: str, unit: str) -> float:
    m = re.search(rf"(-?[\d.]+(?:e[+-]?\d+)?) {re.escape(unit)}", line)
    assert m, f"no value in {unit} on: {line}"
    return float(m.group(1))


@pytest.mark.slow
def test_summary_leads_with_the_reports_energy(small_build_run) -> None:
    proc, d = small_build_run.proc, small_build_run.dir
    out = proc.stdout
    rep = json.loads((d / "report.json").read_text())
    figs = rep["energy"]["figures"]
    for label, key, unit in HEADLINE:
        line = _line(out, label)
        assert _value(line, unit) == pytest.approx(figs[key]["value"], rel=5e-4), line
    # the stage of the energy is said (post-synthesis here, post-route on a routed build)
    assert f"({rep['energy_stage']}" in _line(out, "energy per inference")
    # the headline comes first: before the flowgraph table and the details
    first = out.index(HEADLINE[0][0])
    assert first < out.index("flowgraph") and first < out.index("steps run")


@pytest.mark.slow
def test_summary_logic_power_in_mw_area_and_timing(small_build_run) -> None:
    proc, d = small_build_run.proc, small_build_run.dir
    m = json.loads((d / "metrics.json").read_text())
    out = proc.stdout
    lp = m["power"]["logic"]["annotated"]["total_w"]["value"]
    line = _line(out, "logic power (post-synthesis, activity-annotated)")
    assert _value(line, "mW") == pytest.approx(lp * 1e3, rel=5e-4), line
    assert not re.search(r"\d W\b", line), line
    line = _line(out, "area (std cells + macros)")
    assert _value(line, "um^2") == pytest.approx(m["area"]["total_um2"], rel=5e-6), line
    line = _line(out, "achievable clock")
    assert _value(line, "MHz") == pytest.approx(m["timing"]["achievable_freq_mhz"],
                                                rel=5e-4), line


@pytest.mark.slow
def test_summary_collapses_unrun_steps_and_says_the_notice(small_build_run) -> None:
    proc, d = small_build_run.proc, small_build_run.dir
    m = json.loads((d / "metrics.json").read_text())
    assert "pending" not in proc.stdout
    if proc.returncode != 5:
        pytest.skip("OpenROAD present: the whole flow ran, nothing is collapsed")
    missing = m["flow"]["missing_tools"]
    state = json.loads((d / "build_state.json").read_text())
    unrun = [n["step"] for n in state["nodes"] if n["status"] in (None, "pending")]
    line = _line(proc.stdout, "not run")
    assert f"{len(unrun)} steps" in line and "eqchip doctor" in line, line
    assert all(t in line for t in missing), line
    # every step that ran keeps its own row
    for step in m["flow"]["completed"]:
        assert re.search(rf"│ {re.escape(step)}\s+│", proc.stdout), step
    # the documented partial outcome is a notice, not an error (exit code 5 kept)
    assert "error:" not in proc.stderr, proc.stderr
    notice = _line(proc.stderr, "notice:")
    assert "flow incomplete" in notice and all(t in notice for t in missing), notice


@pytest.mark.slow
def test_summary_says_where_the_warnings_are(small_build_run) -> None:
    proc, d = small_build_run.proc, small_build_run.dir
    m = json.loads((d / "metrics.json").read_text())
    job = d / "job0"
    warned = {s: n for s, n in m["flow"]["warnings"]["by_step"].items() if n}
    assert warned                                 # yosys/ABC always warn
    text = proc.stdout
    line = _line(text, "tool errors / warnings")
    assert f"{m['flow']['errors']['total']} / {m['flow']['warnings']['total']}" in line, line
    for step, n in warned.items():
        listing = job / step / "0" / f"{step}.warnings"
        where = listing if listing.is_file() else job / step / "0" / f"{step}.log"
        assert f"{step} {n}" in text and str(where) in text, (step, text)
    assert str(job / "job.log") in text


@pytest.mark.slow
def test_unreadable_report_is_named_with_its_field(small_build_run, tmp_path) -> None:
    """A report.json without a headline figure: one error naming the file and the field, no
    traceback; the session's own report reads back to the figures it holds."""
    from eqchip.buildsummary import read_headline
    from eqchip.errors import EqchipError

    good = small_build_run.dir / "report.json"
    rep = json.loads(good.read_text())
    head = read_headline(good)
    assert head.energy.figures.energy_per_inference.value == \
        rep["energy"]["figures"]["energy_per_inference"]["value"]
    del rep["energy"]["figures"]["tops_per_w_inference"]
    bad = tmp_path / "report.json"
    bad.write_text(json.dumps(rep))
    with pytest.raises(EqchipError) as err:
        read_headline(bad)
    assert str(err.value).startswith(f"{bad}: energy.figures.tops_per_w_inference: ")
