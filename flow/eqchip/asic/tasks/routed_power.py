"""Activity-annotated power of the routed design, a node of the flow after
`postroute.parasitics` (`postroute.power`).

The same measurement as `synthesis.power` (eqchip.asic.tasks.activity_power,
eqchip.power.measure) on the routed netlist (clock-tree buffers, resized and inserted cells
included; `postroute.parasitics` outputs/<top>.vg) with OpenSTA reading the routed wires'
parasitics (outputs/<top>.spef): the RTL co-simulation of one training step for the windows,
the gate-level simulation of the routed netlist under the same test (checked against the golden
model), OpenSTA's annotated power with the SPEF, eqchip's internal power, and
(eqchip.power.routed) the same power with the Liberty wire-load model and the clock network's
own. It writes `reports/activity_power.json` of its own, which `routed_power_metrics` turns
into metrics.json's `power_post_route`.

It takes the design and the views the `synthesis.power` task is given (one setting for both:
the `eqchip/activity_power` task's `var` keys, required here so that SC reruns this node when
they change). A simulation that ran and failed fails the node, as in synthesis.power.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from siliconcompiler import Task

from eqchip.asic.tasks.activity_power import (
    REPORT,
    ActivityPowerTask,
    measure_node,
    record_logic_power,
    setup_power_node,
)

STEP = "postroute.power"
#: the activity_power task's settings this node reads
SHARED_VARS = ("design", "stdcell_liberty", "macro_liberty", "macro_blackbox", "macro_width",
               "macro_height")


class RoutedPowerTask(Task):
    """Gate-level simulation and annotated OpenSTA power of the routed netlist with its SPEF."""

    def tool(self) -> str:
        return "eqchip"

    def task(self) -> str:
        return "routed_power"

    def _shared(self) -> ActivityPowerTask:
        return ActivityPowerTask.find_task(self.project)

    def setup(self) -> None:
        super().setup()
        setup_power_node(self)
        self.add_input_file(ext="spef")
        shared = self._shared()
        for var in SHARED_VARS:
            if shared.get("var", var) not in (None, []):
                self.add_required_key(shared, "var", var)

    def run(self) -> int:
        shared = self._shared()

        def file(var: str) -> Path:
            return Path(shared.find_files("var", var, step=self.step, index=self.index))

        spef = Path(f"inputs/{self.design_topmodule}.spef").resolve()
        return measure_node(self, STEP, file, (shared.get("var", "macro_width"),
                                               shared.get("var", "macro_height")), spef=spef)

    def post_process(self) -> None:
        super().post_process()
        record_logic_power(self)


def routed_power_metrics(job_dir: Path, completed: list[str]) -> dict[str, Any] | None:
    """metrics.json's `power_post_route`: the `postroute.power` node's activity_power.json
    (null until it completed in this job): its logic power (the routed netlist with its SPEF),
    counters, inference window, clock network, the same power with the wire-load model
    (`post_route`), checks and notes. Called by eqchip.asic.metrics.collect_metrics."""
    if STEP not in completed:
        return None
    path = Path(job_dir) / STEP / "0" / REPORT
    try:
        ap = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {"stage": "post-route (routed netlist: clock tree, resizing and buffers; wires from "
                     "OpenROAD's estimated parasitics, SPEF)",
            "source": f"{STEP} {REPORT}",
            **{k: ap.get(k) for k in ("logic", "counters", "inference", "clock_network",
                                      "post_route", "gate_level", "spef", "checks", "notes")}}
