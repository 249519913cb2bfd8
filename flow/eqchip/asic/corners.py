"""The timing corners a fab asks for, and which checks each one signs off.

Setup at the slow corner (ss_n40C_1v40: the slowest cells), hold at the fast one (ff_100C_1v95:
the fastest), both at the typical one (tt_025C_1v80). The design's own corner
(`pdk.corner`, the one synthesis and power use) always checks setup, hold and power. Every
corner is one SiliconCompiler timing scenario of the same name, so OpenROAD repairs and reports
all of them (eqchip.asic.project), and metrics.json `post_layout.corners` gives their slack
(eqchip.asic.postroute).

Setup at the slow corner is checked at the design's `clock.slow_corner_freq_mhz` (default its
`freq_mhz`): a part rated at freq_mhz for 1.80 V is rated lower for 1.40 V. When the two differ
the slow scenario gets its own SC timing mode, SLOW_CLOCK_MODE, whose SDC (the same constraints
at the slower clock) OpenROAD reads after the design's (OpenSTA scenes with modes).
"""

from __future__ import annotations

#: SC corner (= timing scenario) -> the Liberty corner of sky130_fd_sc_hd it reads
LIBERTY_CORNERS: dict[str, str] = {"slow": "ss_n40C_1v40", "typical": "tt_025C_1v80",
                                   "fast": "ff_100C_1v95"}
#: SC corner -> the timing checks it signs off
SIGNOFF_CHECKS: dict[str, tuple[str, ...]] = {"slow": ("setup",), "typical": ("setup", "hold"),
                                              "fast": ("hold",)}
#: SC corner that may be signed off at a slower clock, and the timing mode it then uses
SLOW_CORNER = "slow"
SLOW_CLOCK_MODE = "slowclock"


def signoff_checks(design_corner: str) -> dict[str, list[str]]:
    """SC corner -> its checks: the sign-off corners, with setup, hold and power added to the
    design's own corner."""
    out = {c: list(checks) for c, checks in SIGNOFF_CHECKS.items()}
    out[design_corner] = [*dict.fromkeys([*out[design_corner], "setup", "hold", "power"])]
    return out


def corner_periods(design_period_ns: float, slow_period_ns: float | None) -> dict[str, float]:
    """SC corner -> the clock period (ns) its checks run at."""
    return {c: (slow_period_ns or design_period_ns) if c == SLOW_CORNER else design_period_ns
            for c in LIBERTY_CORNERS}
