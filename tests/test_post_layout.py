"""Post-layout figures of a routed build: metrics.json `post_layout`, the build summary, the
report section and the regression metrics, read from the real files of a routed
designs/small.yaml kept in `shared/fixtures/openroad-small/` (its README says how they were
made: OpenROAD 26Q3, SiliconCompiler 0.38.11). Found through $EQCHIP_FIXTURES, the repo-relative
`../shared/fixtures` (CI), or `$PDK_ROOT/../fixtures`; skipped when none exists."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from eqchip.asic.postroute import StepRecords, post_route

REPO = Path(__file__).resolve().parent.parent
LAST_ROUTE = "route.detailed_antenna_repair"


def _fixture_dir() -> Path | None:
    cands = []
    if os.environ.get("EQCHIP_FIXTURES"):
        cands.append(Path(os.environ["EQCHIP_FIXTURES"]))
    cands.append(REPO.parent / "shared" / "fixtures")
    if os.environ.get("PDK_ROOT"):
        cands.append(Path(os.environ["PDK_ROOT"]).parent / "fixtures")
    for c in cands:
        if (c / "openroad-small" / "README.md").is_file():
            return c / "openroad-small"
    return None


@pytest.fixture(scope="module")
def routed(tmp_path_factory: pytest.TempPathFactory):
    """(SC job manifest, completed steps in flow order, records reader, eqchip metrics.json)."""
    from siliconcompiler import ASIC

    from eqchip.asic.flow import flow_steps, make_flow

    fx = _fixture_dir()
    if fx is None:
        pytest.skip("no routed-build fixture (set EQCHIP_FIXTURES to shared/fixtures)")
    tmp = tmp_path_factory.mktemp("routed")
    manifest = tmp / "small.pkg.json"
    with gzip.open(fx / "small.pkg.json.gz", "rb") as src, manifest.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    sc = ASIC.from_manifest(filepath=str(manifest))
    steps = flow_steps(make_flow())
    done = [s for s in steps if sc.get("record", "status", step=s, index="0") == "success"]

    def records(step: str) -> StepRecords | None:
        f = fx / "steps" / f"{step}.metrics.json"
        if not f.is_file():
            return None
        rpt = fx / "steps" / f"{step}.power.rpt"
        return StepRecords(json.loads(f.read_text()),
                           rpt.read_text() if rpt.is_file() else None,
                           "reports/power/typical.rpt")

    metrics = json.loads((fx / "eqchip-metrics.json").read_text())
    return sc, done, records, metrics, fx


def test_figures_come_from_the_last_routing_step(routed) -> None:
    sc, done, records, _, _ = routed
    assert LAST_ROUTE in done and "write.gds" in done
    pl = post_route(done, records)
    assert pl["stage"] == "post-route" and pl["last_step"] == LAST_ROUTE
    figs = pl["figures"]
    own = records(LAST_ROUTE).metrics
    # every figure OpenROAD wrote in the last routing step comes from that step, unchanged
    for name, key in (("setup_ws_ns", "sc__metric__timing__setup__ws"),
                      ("hold_ws_ns", "sc__metric__timing__hold__ws"),
                      ("wirelength_um", "sc__step__route__wirelength"),
                      ("drc_errors", "sc__step__route__drc_errors"),
                      ("clock_skew_setup_ns", "sc__metric__clock__skew__setup"),
                      ("stdcell_area_um2", "sc__metric__design__instance__area__stdcell"),
                      ("power_total_w", "sc__metric__power__total")):
        assert figs[name]["source"] == LAST_ROUTE, name
        assert figs[name]["value"] == own[key], name
    # ... and agree with what SiliconCompiler recorded for that node in the job manifest
    for name, metric in (("setup_ws_ns", "setupslack"), ("hold_ws_ns", "holdslack"),
                         ("wirelength_um", "wirelength"), ("drc_errors", "drcs"),
                         ("clock_skew_setup_ns", "setupskew"),
                         ("stdcell_area_um2", "stdcellarea")):
        assert sc.get("metric", metric, step=LAST_ROUTE, index="0") == \
            pytest.approx(figs[name]["value"]), name
    # the global-route wirelength only global routing recorded
    assert figs["global_route_wirelength_um"]["source"] == "route.global"
    assert figs["global_route_wirelength_um"]["value"] > figs["wirelength_um"]["value"]


def test_clock_network_share_of_power(routed) -> None:
    _, done, records, _, _ = routed
    figs = post_route(done, records)["figures"]
    text = records(LAST_ROUTE).power_report
    # the report's own percentage column for the Clock group
    pct = float(re.search(r"^Clock\s+\S+\s+\S+\s+\S+\s+\S+\s+([\d.]+)%", text, re.M).group(1))
    assert figs["clock_power_share"]["value"] * 100 == pytest.approx(pct, abs=0.1)
    assert figs["clock_power_share"]["source"] == LAST_ROUTE
    assert figs["clock_power_w"]["value"] < figs["power_total_w"]["value"]


def test_report_summary_and_regression_show_post_layout(routed, tmp_path: Path) -> None:
    from eqchip.commands.build import post_layout_rows
    from eqchip.regress.metrics import collect_build
    from eqchip.report.postlayout import post_layout_section

    _, done, records, metrics, _ = routed
    metrics = dict(metrics, post_layout=post_route(done, records))
    # the report: post-layout beside post-synthesis, with sources
    sec = post_layout_section(metrics)
    rows = {r["id"]: r for r in sec["rows"]}
    area = rows["stdcell_area_um2"]
    assert area["post_synthesis"] == metrics["area"]["stdcell_um2"]
    assert area["post_layout"]["value"] > area["post_synthesis"]      # CTS, repair, taps
    assert area["post_layout"]["source"].startswith(LAST_ROUTE)
    assert {"clock_power_share", "wirelength_um", "drc_errors", "clock_skew_setup_ns"} <= \
        set(rows)
    # the build summary names each figure's step
    summary = dict(post_layout_rows(metrics))
    wns = summary["post-route: setup worst slack"]
    assert f"(from {LAST_ROUTE})" in wns
    assert "post-route: clock network share" in summary
    # the regression metrics
    d = tmp_path / "small"
    d.mkdir()
    (d / "metrics.json").write_text(json.dumps(metrics))
    flat, _ = collect_build(d)
    assert flat.metrics["post_layout.figures.setup_ws_ns"] == \
        metrics["post_layout"]["figures"]["setup_ws_ns"]["value"]
    assert "post_layout.figures.clock_power_share" in flat.metrics
    assert "post_layout.figures.drc_errors" in flat.metrics


def test_no_post_layout_before_place_and_route() -> None:
    assert post_route(["elaborate", "synthesis", "synthesis.sta", "floorplan.size"],
                      lambda s: None) is None
