"""eqchip's place-and-route settings reach SiliconCompiler's OpenROAD tasks as meant: cell
padding on every task that places cells, and global-routing derating that changes met1/met2
while keeping every other layer's (lambdapdk's) value. docs/flow.md gives the measurements."""

from __future__ import annotations

from pathlib import Path

from eqchip.asic.pdk import GLOBAL_ROUTING_DERATING
from eqchip.asic.project import (
    CTS_HOLD_MARGIN_NS,
    DETAIL_CELL_PADDING,
    GLOBAL_CELL_PADDING,
    GLOBAL_ROUTE_ANTENNA_MARGIN,
    make_project,
)
from eqchip.config import load_design

TINY = Path(__file__).resolve().parent / "data" / "route_tiny.yaml"
#: lambdapdk's sky130 derating of the layers eqchip leaves alone
LAMBDAPDK_KEPT = {"li1": 1.0, "met2": 0.4, "met3": 0.3, "met4": 0.3, "met5": 0.3}


def _project(tmp_path: Path):  # noqa: ANN202
    from eqchip.asic.run import BuildOptions, stage

    staged = stage(load_design(TINY), BuildOptions(build_root=tmp_path / "b"))
    return make_project(staged.spec)


def test_placement_padding_reaches_every_placing_task(tmp_path: Path, pdk_root: Path) -> None:
    project = _project(tmp_path)
    pads: dict[str, int] = {}
    for task in project.getkeys("tool", "openroad", "task"):
        for var in ("pad_global_place", "pad_detail_place"):
            if project.valid("tool", "openroad", "task", task, "var", var):
                pads[f"{task}.{var}"] = project.get("tool", "openroad", "task", task, "var",
                                                    var)
    for task in ("global_placement", "macro_placement", "pin_placement"):
        assert pads[f"{task}.pad_global_place"] == GLOBAL_CELL_PADDING, pads
    for task in ("detailed_placement", "clock_tree_synthesis", "fillercell_insertion",
                 "repair_timing"):
        assert pads[f"{task}.pad_detail_place"] == DETAIL_CELL_PADDING, pads


def test_global_routing_derating_keeps_the_other_layers(tmp_path: Path, pdk_root: Path) -> None:
    project = _project(tmp_path)
    pdk = project.get_library(project.get("asic", "pdk"))
    derating = dict(pdk.get("tool", "openroad", "globalroutingderating"))
    assert derating == {**LAMBDAPDK_KEPT, **GLOBAL_ROUTING_DERATING}, derating


def test_antenna_margin_only_before_detailed_routing(tmp_path: Path, pdk_root: Path) -> None:
    project = _project(tmp_path)
    task = "tool", "openroad", "task"
    assert project.get(*task, "antenna_repair", "var", "ant_margin") == \
        GLOBAL_ROUTE_ANTENNA_MARGIN > 0
    # after detailed routing a margin would reroute a clean design (SC's task docstring)
    assert project.get(*task, "detailed_route_antenna_repair", "var", "ant_margin") == 0


def test_hold_margin_after_clock_tree_synthesis(tmp_path: Path, pdk_root: Path) -> None:
    project = _project(tmp_path)
    task = "tool", "openroad", "task"
    assert project.get(*task, "repair_timing", "var", "rsz_hold_slack_margin") == \
        CTS_HOLD_MARGIN_NS > 0
    # the repair after routing keeps SC's 0: a margin there would reroute a met design
    assert project.get(*task, "post_route_repair_timing", "var", "rsz_hold_slack_margin") == 0
