"""Floorplan sizing, a node of the flow between synthesis and OpenROAD's `floorplan.init`.

From the synthesized netlist (its MRAM macro instances and ports) and the synthesis node's
`cellarea` metric, it sizes die and core for the design's target utilization, places the macros
at fixed, row-aligned positions with their halos and assigns the host-bus pins to the left and
right edges (`eqchip.asic.floorplan`). The result goes into the project's `[constraint,area]`,
`[constraint,component]` and `[constraint,pin]` keys, which SC's OpenROAD tasks read. Set
during this node's run, they are journaled into its manifest, so SiliconCompiler hands them to
every later node of the run and replays them when a rerun resumes this node: one `run()` does
the whole flow. The netlist passes through unchanged to `cleanup.clean`;
`reports/floorplan.json` holds the plan (what metrics.json reports).

Pure Python: no executable, so nothing for SC's tool-version check to find on PATH.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from siliconcompiler import Task

from eqchip.fileio import write_json_atomic

STEP = "floorplan.size"
REPORT = "reports/floorplan.json"


class FloorplanSizeTask(Task):
    """Die, core, macro positions and pin sides from the synthesized netlist."""

    def __init__(self) -> None:
        super().__init__()
        self.add_parameter("macro_cell", "str", "MRAM macro cell name")
        self.add_parameter("macro_width", "float", "macro width", unit="um")
        self.add_parameter("macro_height", "float", "macro height", unit="um")
        self.add_parameter("macro_lib_area", "float",
                           "area of one macro in its liberty (counted in synthesis cellarea)",
                           unit="um^2", defvalue=0.0)
        self.add_parameter("target_utilization", "float<0.0..1.0>",
                           "standard-cell utilization of the free core area", defvalue=0.4)
        self.add_parameter("core_margin", "float", "die-to-core margin", unit="um",
                           defvalue=10.0)
        self.add_parameter("halo", "float", "keep-out around each macro", unit="um",
                           defvalue=10.0)

    def tool(self) -> str:
        return "eqchip"

    def task(self) -> str:
        return "floorplan_size"

    def setup(self) -> None:
        super().setup()
        self.set_threads(1)
        self.add_regex("warnings", r"WARNING")
        self.add_regex("errors", r"ERROR")
        for ext in ("vg", "netlist.json"):
            self.add_input_file(ext=ext)
            self.add_output_file(ext=ext)
        for var in ("macro_cell", "macro_width", "macro_height", "macro_lib_area",
                    "target_utilization", "core_margin", "halo"):
            if self.get("var", var) is not None:
                self.add_required_key("var", var)

    def _synthesis_cellarea(self) -> float:
        flow = self.project.get_flow()
        for step, index in flow.get_graph_node(self.step, self.index).get_input():
            area = self.project.get("metric", "cellarea", step=step, index=index)
            if area is not None:
                return float(area)
        raise RuntimeError(f"{self.step}: the synthesis node recorded no cellarea metric")

    def run(self) -> int:
        from eqchip.asic.floorplan import apply_floorplan, plan_floorplan, read_netlist

        top = self.design_topmodule
        os.makedirs("outputs", exist_ok=True)
        for ext in ("vg", "netlist.json"):
            shutil.copyfile(f"inputs/{top}.{ext}", f"outputs/{top}.{ext}")
        cell = self.get("var", "macro_cell")
        info = read_netlist(Path(f"inputs/{top}.netlist.json"), top, {cell} if cell else set())
        n = len(info.macro_instances)
        std_area = self._synthesis_cellarea() - n * float(self.get("var", "macro_lib_area"))
        fp = plan_floorplan(std_area, cell or "", float(self.get("var", "macro_width") or 0.0),
                            float(self.get("var", "macro_height") or 0.0),
                            list(info.macro_instances),
                            float(self.get("var", "target_utilization")),
                            float(self.get("var", "core_margin")), float(self.get("var", "halo")))
        apply_floorplan(self.project, fp, info)
        write_json_atomic(Path(REPORT), fp.to_json())
        self.logger.info(f"die {fp.die[0]} x {fp.die[1]} um, core {fp.core}, {n} macros, "
                         f"standard cells {std_area:.1f} um^2 at {fp.target_utilization:.0%}")
        return 0

    def post_process(self) -> None:
        super().post_process()
        self.record_metric("totalarea", self._die_area(), source_file=[REPORT],
                           source_unit="um^2")

    def _die_area(self) -> float:
        die = self.project.get("constraint", "area", "diearea")
        (x0, y0), (x1, y1) = die[0], die[-1]
        return (x1 - x0) * (y1 - y0)
