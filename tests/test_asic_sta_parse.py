"""Parsing of OpenSTA 2.x report_power tables (format of Debian's `sta`)."""

from __future__ import annotations

from eqchip.asic.tasks.sta_debian import parse_metrics
from eqchip.power.power import parse_report_power, report_power_groups

REPORT = """\
Group                    Internal    Switching      Leakage        Total
                            Power        Power        Power        Power
------------------------------------------------------------------------
Sequential           1.000000e-06 2.000000e-06 3.000000e-09 3.003000e-06   2.9%
Combinational        0.000000e+00 1.327242e-04 2.003819e-06 1.347280e-04  97.1%
Macro                5.0e-05 0.0 1.0e-06 5.1e-05   1.0%
Pad                  0.000000e+00 0.000000e+00 0.000000e+00 0.000000e+00   0.0%
------------------------------------------------------------------------
Total                5.1e-05 1.347242e-04 3.006819e-06 1.88731e-04 100.0%
                             0.0%        98.6%         1.4%
"""


def test_power_groups() -> None:
    g = report_power_groups(REPORT)
    assert set(g) == {"sequential", "combinational", "macro", "pad", "total"}
    assert g["total"]["switching"] == 1.347242e-04
    assert g["macro"]["internal"] == 5.0e-05
    assert g["sequential"]["leakage"] == 3.0e-09


def test_one_parser_for_indented_rows_and_rows_without_percentages() -> None:
    indented = "\n".join("   " + line for line in REPORT.splitlines())
    assert report_power_groups(indented) == report_power_groups(REPORT)
    bare = "\n".join(line.rsplit(" ", 1)[0] if "%" in line else line
                     for line in REPORT.splitlines())
    assert report_power_groups(bare) == report_power_groups(REPORT)
    r = parse_report_power(REPORT)
    assert r.total.total_w == 1.88731e-04 and "Macro" in r.groups
    assert report_power_groups("Group Internal\nnothing here\n") == {}


def test_metric_lines() -> None:
    m = parse_metrics("x\nEQCHIP_METRIC: setupslack -0.25\nEQCHIP_METRIC: macros 4\n")
    assert m == {"setupslack": -0.25, "macros": 4.0}
