"""The slow corner's own clock (`clock.slow_corner_freq_mhz`): what the design file accepts, the
SDC and timing mode the build gives OpenROAD, and the clock each corner's figures say they were
checked at. tests/test_route.py checks the same on a real routed build."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eqchip.asic.corners import SLOW_CLOCK_MODE, corner_periods
from eqchip.asic.postroute import StepRecords, post_route
from eqchip.config import load_design
from eqchip.errors import ConfigError

TINY = Path(__file__).resolve().parent / "data" / "route_tiny.yaml"


def _tiny(tmp_path: Path, **clock: float) -> Path:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["clock"] = clock
    out = tmp_path / "tiny.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


def test_slow_corner_clock_defaults_to_the_design_clock(tmp_path: Path) -> None:
    clock = load_design(_tiny(tmp_path, freq_mhz=40)).design.clock
    assert clock.slow_corner_freq_mhz is None
    assert clock.slow_corner_period_ns == clock.period_ns == 25.0
    clock = load_design(_tiny(tmp_path, freq_mhz=40, slow_corner_freq_mhz=16)).design.clock
    assert clock.slow_corner_period_ns == 62.5


@pytest.mark.parametrize("slow", [41, 0, -5, "fast"])
def test_slow_corner_clock_out_of_range_is_refused(tmp_path: Path, slow: object) -> None:
    path = _tiny(tmp_path, freq_mhz=40, slow_corner_freq_mhz=slow)
    with pytest.raises(ConfigError) as info:
        load_design(path)
    msg = str(info.value)
    assert str(path) in msg and "clock.slow_corner_freq_mhz" in msg, msg
    assert "Traceback" not in msg


def test_stage_writes_the_slow_corner_sdc_and_its_timing_mode(tmp_path: Path,
                                                               pdk_root: Path) -> None:
    from eqchip.asic.project import SLOW_SDC_FILESET, make_project
    from eqchip.asic.run import BuildOptions, stage

    staged = stage(load_design(_tiny(tmp_path, freq_mhz=40, slow_corner_freq_mhz=16)),
                   BuildOptions(build_root=tmp_path / "b"))
    spec = staged.spec
    assert spec.slow_sdc is not None and spec.slow_clock_period_ns == 62.5
    assert "-period 62.5000" in spec.slow_sdc.read_text(encoding="utf-8")
    assert "-period 25.0000" in spec.sdc.read_text(encoding="utf-8")
    project = make_project(spec)
    timing = project.constraint.timing
    modes = {name: sc.get_mode() for name, sc in timing.get_scenario().items()}
    assert modes == {"slow": SLOW_CLOCK_MODE, "typical": None, "fast": None}
    assert project.get("constraint", "timing", "mode", SLOW_CLOCK_MODE, "sdcfileset") == \
        [(spec.design, SLOW_SDC_FILESET)]

    # without its own clock the slow corner shares the design's SDC: no mode, no second file
    plain = stage(load_design(_tiny(tmp_path, freq_mhz=40)),
                  BuildOptions(build_root=tmp_path / "p")).spec
    assert plain.slow_sdc is None
    assert all(sc.get_mode() is None for sc in
               make_project(plain).constraint.timing.get_scenario().values())


def test_corner_figures_name_the_clock_they_were_checked_at() -> None:
    periods = corner_periods(25.0, 62.5)
    assert periods == {"slow": 62.5, "typical": 25.0, "fast": 25.0}
    assert corner_periods(25.0, None)["slow"] == 25.0
    scene = "reports/timing/scenarios/{s}/worst_slack.{c}.{s}.rpt"
    reports = {scene.format(s="slow", c="setup"): "worst slack max 3.5",
               scene.format(s="typical", c="setup"): "worst slack max 1.25",
               scene.format(s="typical", c="hold"): "worst slack min 0.1",
               scene.format(s="fast", c="hold"): "worst slack min -0.02"}
    records = {"route.detailed": StepRecords({"sc__metric__timing__setup__ws": 1.25}, None,
                                             None, reports)}
    out = post_route(["route.detailed"], records.get, "typical", periods)
    corners = out["corners"]
    assert corners["slow"]["clock_period_ns"] == 62.5
    assert corners["typical"]["clock_period_ns"] == 25.0
    assert corners["slow"]["met"] and corners["typical"]["met"]
    assert not corners["fast"]["met"]
