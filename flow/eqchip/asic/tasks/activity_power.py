"""Activity-annotated power, a node of the flow after synthesis (`synthesis.power`).

It runs the RTL co-simulation of one training step (cocotb + Icarus, the golden model checking
every result) for its VCD (`reports/<top>.step.vcd`), the gate-level simulation of the
synthesized netlist, OpenSTA's vectorless and activity-annotated power and eqchip's internal
power from the Liberty tables (`eqchip.power.measure`), and writes
`reports/activity_power.json`: the one computation of logic power that metrics.json and
report.json both take. As a node of the flowgraph, SC resumes and caches it like every other
step (a rebuild with nothing changed does not simulate again) and records its files in the
manifest.

Pure Python driving Icarus and OpenSTA: without them it still succeeds, with the sections it
could not make left null and a note saying why; so it does when the design is over the
co-simulation's size budget (`eqchip.power.measure.rtl_sim_over_budget`). A simulation that
ran and failed (the RTL or the netlist differs from the golden model, the simulator failed)
fails the node, its reason in the node's log: a build never passes off vectorless power as
the measurement of a design whose simulation failed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from siliconcompiler import Task

from eqchip.fileio import write_json_atomic

if TYPE_CHECKING:
    from collections.abc import Callable

    from eqchip.config import LoadedDesign

STEP = "synthesis.power"
REPORT = "reports/activity_power.json"


def step_vcd(loaded: LoadedDesign, netlist: Path, work: Path, vcd: Path, *,
             edit_rtl: Callable[[Path], None] | None = None) -> tuple[Path | None, str | None]:
    """Co-simulate one training step (Icarus, every result checked against the golden model)
    for the VCD whose activity the power uses: `(vcd, None)`, or `(None, note)` when it is not
    made because the design is over the size budget or Icarus / cocotb is not installed.

    A co-simulation that ran and failed raises its EqchipError (CosimMismatch, ToolError):
    the node fails with it. `edit_rtl` is `run_cosim`'s (tests plant a defect with it)."""
    from eqchip.power.measure import rtl_sim_over_budget
    from eqchip.sim.runner import missing_tools, run_cosim

    note = rtl_sim_over_budget(loaded, netlist)
    if note is not None:
        return None, note
    missing = missing_tools("icarus")
    if missing:
        return None, f"Icarus Verilog not found ({', '.join(missing)}): no co-simulation"
    if importlib.util.find_spec("cocotb") is None:
        return None, "cocotb is not installed: no co-simulation"
    res = run_cosim(loaded, work, "icarus", samples=1, vcd=vcd, edit_rtl=edit_rtl)
    if res.vcd is None:
        from eqchip.errors import ToolError

        raise ToolError(f"the co-simulation of {loaded.name} wrote no VCD ({vcd})")
    return res.vcd, None


class ActivityPowerTask(Task):
    """Co-simulation, gate-level simulation and activity-annotated OpenSTA power."""

    def __init__(self) -> None:
        super().__init__()
        self.add_parameter("design", "file", "the design YAML")
        self.add_parameter("stdcell_liberty", "file", "standard-cell liberty of the corner")
        self.add_parameter("macro_liberty", "file", "MRAM macro liberty of the corner")
        self.add_parameter("macro_blackbox", "file", "MRAM macro black-box Verilog")
        self.add_parameter("macro_width", "float", "macro width", unit="um")
        self.add_parameter("macro_height", "float", "macro height", unit="um")
        self.add_parameter("gate_level", "bool", "simulate the netlist for every net's activity",
                           defvalue=True)

    def tool(self) -> str:
        return "eqchip"

    def task(self) -> str:
        return "activity_power"

    def setup(self) -> None:
        super().setup()
        setup_power_node(self)
        for var in ("design", "stdcell_liberty", "macro_liberty", "macro_blackbox",
                    "macro_width", "macro_height", "gate_level"):
            if self.get("var", var) not in (None, []):
                self.add_required_key("var", var)

    def _file(self, var: str) -> Path:
        return Path(self.find_files("var", var))

    def run(self) -> int:
        return measure_node(self, STEP, self._file, (self.get("var", "macro_width"),
                                                     self.get("var", "macro_height")),
                            gate_level=bool(self.get("var", "gate_level")))

    def post_process(self) -> None:
        super().post_process()
        record_logic_power(self)


def setup_power_node(task: Task) -> None:
    """What every power node (`synthesis.power`, `postroute.power`) declares: one thread, its
    log's WARNING/ERROR lines, the netlist input and the design's SDC."""
    task.set_threads(1)
    task.add_regex("warnings", r"^WARNING")
    task.add_regex("errors", r"^ERROR")
    task.add_input_file(ext="vg")
    for obj, key in task.get_fileset_file_keys("sdc"):
        task.add_required_key(obj, *key)


def measure_node(task: Task, step: str, file: Callable[[str], Path],
                 macro_size: tuple[float | None, float | None], *, spef: Path | None = None,
                 gate_level: bool = True) -> int:
    """The run() of a power node (`synthesis.power`, `postroute.power`): co-simulate one
    training step for its VCD (`step_vcd`), measure the node's inputs/<top>.vg (with `spef`
    when given; eqchip.power.measure) and write reports/activity_power.json. `file(var)` finds
    the design and the views the node is given. A simulation or measurement that fails fails
    the node: its reason (the simulator's log tail, the fix) goes into the node's log (run()'s
    stdout is redirected to it), where SC counts the ERROR line, names the file and, the project
    being quiet (eqchip.asic.project), shows its last lines on the terminal."""
    from eqchip.config import load_design
    from eqchip.errors import EqchipError
    from eqchip.power.measure import measure

    Path(REPORT).unlink(missing_ok=True)
    loaded = load_design(file("design"))
    top = task.design_topmodule
    work = Path("work").resolve()
    netlist = Path(f"inputs/{top}.vg").resolve()
    sdc = []
    for obj, key in task.get_fileset_file_keys("sdc"):
        sdc.extend(obj.find_files(*key))
    w, h = macro_size
    try:
        vcd_path, vcd_note = step_vcd(loaded, netlist, work / "cosim",
                                      (Path("reports") / f"{top}.step.vcd").resolve())
        data = measure(loaded, netlist=netlist, liberty=file("stdcell_liberty"),
                       macro_lib=file("macro_liberty"), blackbox=file("macro_blackbox"),
                       sdc=Path(sdc[0]) if sdc else None, vcd=vcd_path,
                       macro_size_um=(w, h) if w and h else None, work=work,
                       gate_level=gate_level, spef=spef)
    except (EqchipError, OSError) as exc:
        text = str(exc).strip() or type(exc).__name__
        sys.stdout.write(f"ERROR: {step} of {loaded.name} failed: {text}\n")
        sys.stdout.flush()
        return 1
    if vcd_note:
        data["notes"].insert(0, vcd_note + ": power is vectorless only")
    write_json_atomic(Path(REPORT), data)
    for note in data["notes"]:
        task.logger.info(f"note: {note}")
    return 0


def record_logic_power(task: Task) -> None:
    """The post_process() of a power node: its annotated logic power as SC's `averagepower`
    (nothing when run() failed and said why)."""
    import json

    if not Path(REPORT).is_file():
        return
    data = json.loads(Path(REPORT).read_text(encoding="utf-8"))
    logic = (data.get("logic") or {}).get("annotated")
    if logic:
        task.record_metric("averagepower", logic["total_w"]["value"], source_file=[REPORT],
                           source_unit="W")
