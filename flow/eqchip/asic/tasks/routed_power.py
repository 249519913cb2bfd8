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
import sys
from pathlib import Path
from typing import Any

from siliconcompiler import Task

from eqchip.asic.tasks.activity_power import REPORT, ActivityPowerTask, step_vcd
from eqchip.fileio import write_json_atomic

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
        self.set_threads(1)
        self.add_regex("warnings", r"^WARNING")
        self.add_regex("errors", r"^ERROR")
        self.add_input_file(ext="vg")
        self.add_input_file(ext="spef")
        for obj, key in self.get_fileset_file_keys("sdc"):
            self.add_required_key(obj, *key)
        shared = self._shared()
        for var in SHARED_VARS:
            if shared.get("var", var) not in (None, []):
                self.add_required_key(shared, "var", var)

    def run(self) -> int:
        from eqchip.config import load_design
        from eqchip.errors import EqchipError
        from eqchip.power.measure import measure

        Path(REPORT).unlink(missing_ok=True)
        shared = self._shared()

        def file(var: str) -> Path:
            return Path(shared.find_files("var", var, step=self.step, index=self.index))

        loaded = load_design(file("design"))
        top = self.design_topmodule
        work = Path("work").resolve()
        netlist = Path(f"inputs/{top}.vg").resolve()
        spef = Path(f"inputs/{top}.spef").resolve()
        sdc = []
        for obj, key in self.get_fileset_file_keys("sdc"):
            sdc.extend(obj.find_files(*key))
        w, h = shared.get("var", "macro_width"), shared.get("var", "macro_height")
        try:
            vcd_path, vcd_note = step_vcd(loaded, netlist, work / "cosim",
                                          (Path("reports") / f"{top}.step.vcd").resolve())
            data = measure(loaded, netlist=netlist, liberty=file("stdcell_liberty"),
                           macro_lib=file("macro_liberty"), blackbox=file("macro_blackbox"),
                           sdc=Path(sdc[0]) if sdc else None, vcd=vcd_path,
                           macro_size_um=(w, h) if w and h else None, work=work, spef=spef)
        except (EqchipError, OSError) as exc:
            text = str(exc).strip() or type(exc).__name__
            sys.stdout.write(f"ERROR: {STEP} of {loaded.name} failed: {text}\n")
            sys.stdout.flush()
            return 1
        if vcd_note:
            data["notes"].insert(0, vcd_note + ": power is vectorless only")
        write_json_atomic(Path(REPORT), data)
        for note in data["notes"]:
            self.logger.info(f"note: {note}")
        return 0

    def post_process(self) -> None:
        super().post_process()
        if not Path(REPORT).is_file():
            return
        data = json.loads(Path(REPORT).read_text(encoding="utf-8"))
        logic = (data.get("logic") or {}).get("annotated")
        if logic:
            self.record_metric("averagepower", logic["total_w"]["value"], source_file=[REPORT],
                               source_unit="W")


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
