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
could not make left null and a note saying why.
"""

from __future__ import annotations

from pathlib import Path

from siliconcompiler import Task

from eqchip.fileio import write_json_atomic

STEP = "synthesis.power"
REPORT = "reports/activity_power.json"


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
        self.set_threads(1)
        self.add_regex("warnings", r"^WARNING")
        self.add_regex("errors", r"^ERROR")
        self.add_input_file(ext="vg")
        for obj, key in self.get_fileset_file_keys("sdc"):
            self.add_required_key(obj, *key)
        for var in ("design", "stdcell_liberty", "macro_liberty", "macro_blackbox",
                    "macro_width", "macro_height", "gate_level"):
            if self.get("var", var) not in (None, []):
                self.add_required_key("var", var)

    def _file(self, var: str) -> Path:
        return Path(self.find_files("var", var))

    def run(self) -> int:
        from eqchip.config import load_design
        from eqchip.errors import EqchipError
        from eqchip.power.measure import measure, rtl_sim_over_budget

        loaded = load_design(self._file("design"))
        top = self.design_topmodule
        work = Path("work").resolve()
        netlist = Path(f"inputs/{top}.vg").resolve()
        vcd = Path("reports") / f"{top}.step.vcd"
        vcd_path = None
        vcd_note = rtl_sim_over_budget(loaded, netlist)
        if vcd_note is None:
            try:
                from eqchip.sim.runner import run_cosim

                res = run_cosim(loaded, work / "cosim", "icarus", samples=1, vcd=vcd.resolve())
                vcd_path = res.vcd
            except (EqchipError, ImportError, OSError) as exc:
                vcd_note = f"co-simulation for the activity failed ({str(exc).splitlines()[0]})"
        sdc = []
        for obj, key in self.get_fileset_file_keys("sdc"):
            sdc.extend(obj.find_files(*key))
        w, h = self.get("var", "macro_width"), self.get("var", "macro_height")
        data = measure(loaded, netlist=netlist,
                       liberty=self._file("stdcell_liberty"),
                       macro_lib=self._file("macro_liberty"),
                       blackbox=self._file("macro_blackbox"),
                       sdc=Path(sdc[0]) if sdc else None, vcd=vcd_path,
                       macro_size_um=(w, h) if w and h else None, work=work,
                       gate_level=bool(self.get("var", "gate_level")))
        if vcd_note:
            data["notes"].insert(0, vcd_note + ": power is vectorless only")
        write_json_atomic(Path(REPORT), data)
        for note in data["notes"]:
            self.logger.info(f"note: {note}")
        return 0

    def post_process(self) -> None:
        super().post_process()
        import json

        data = json.loads(Path(REPORT).read_text(encoding="utf-8"))
        logic = (data.get("logic") or {}).get("annotated")
        if logic:
            self.record_metric("averagepower", logic["total_w"]["value"], source_file=[REPORT],
                               source_unit="W")
