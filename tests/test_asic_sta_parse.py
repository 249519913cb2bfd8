"""Parsing of OpenSTA 2.x report_power tables (format of Debian's `sta`)."""

from __future__ import annotations

from eqchip.asic.tasks.sta_debian import (
    liberty_for_sta,
    parse_macro_power,
    parse_metrics,
    parse_power_report,
)

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
    g = parse_power_report(REPORT)
    assert set(g) == {"sequential", "combinational", "macro", "pad", "total"}
    assert g["total"]["switching"] == 1.347242e-04
    assert g["macro"]["internal"] == 5.0e-05
    assert g["sequential"]["leakage"] == 3.0e-09


def test_macro_rows_and_metric_lines() -> None:
    rows = parse_macro_power("# header\nu_a/u_m m 1e-6 2e-6 3e-7 3.3e-6\n\n")
    assert rows == [{"instance": "u_a/u_m", "cell": "m", "internal": 1e-6, "switching": 2e-6,
                     "leakage": 3e-7, "total": 3.3e-6}]
    m = parse_metrics("x\nEQCHIP_METRIC: setupslack -0.25\nEQCHIP_METRIC: macros 4\n")
    assert m == {"setupslack": -0.25, "macros": 4.0}


LIB = """\
library (x) {
  cell (inv) {
    pg_pin ("VGND") { pg_type : "primary_ground"; }
    pg_pin ("VPWR") { pg_type : "primary_power"; }
    pin ("Y") { internal_power () { related_pin : "A"; } }
    pin ("A") { internal_power() { rise_power (t) { values ("1"); } } }
  }
}
"""


def test_liberty_gets_the_power_pin_opensta_2_needs() -> None:
    fixed = liberty_for_sta(LIB)
    assert fixed is not None
    assert fixed.count('related_pg_pin : "VPWR";') == 2
    assert liberty_for_sta(fixed) is None          # already has related_pg_pin
    assert liberty_for_sta("library (y) { }") is None
