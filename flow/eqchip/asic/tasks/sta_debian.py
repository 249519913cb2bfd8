"""Post-synthesis static timing with OpenSTA 2.x (Debian's `sta`).

SiliconCompiler's own timing task needs OpenSTA >= 2.6.2. Debian's 2019 build cannot run SC's
scripts, but called directly it reads liberty, Verilog and SDC and reports timing and power,
which is what this task does: `setup()` declares the executable, version, script and log
regexes; `pre_process()` writes the resolved inputs (`sta_inputs.tcl`); `post_process()`
parses the reports into SC metrics (setup/hold slack and TNS, fmax, macros, and OpenSTA's own
vectorless power, which is not eqchip's logic power: see the synthesis.power node) and into
`reports/sta.json`, the timing eqchip's metrics.json is built from.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from siliconcompiler import sc_open
from siliconcompiler.asic import ASICTask

from eqchip.asic.fmax import REFERENCE_SDC, reference_sdc_text, timing_figures
from eqchip.fileio import write_json_atomic, write_text_atomic
from eqchip.power.power import report_power_groups
from eqchip.resources import pdk_cfg_dir


def script_dir() -> Path:
    """pdk_cfg/sky130/opensta (shipped as package data in the wheel)."""
    return pdk_cfg_dir() / "sky130" / "opensta"


_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"


def parse_metrics(log_text: str) -> dict[str, float]:
    """`EQCHIP_METRIC: name value` lines of the log (time values in ns)."""
    out: dict[str, float] = {}
    for m in re.finditer(rf"^EQCHIP_METRIC:\s+(\w+)\s+{_NUM}\s*$", log_text, re.M):
        out[m.group(1)] = float(m.group(2))
    return out


def sta_inputs_text(top: str, netlist: str, liberty: list[str], sdc: list[str],
                    macro_cells: list[str], input_activity: float, top_n: int,
                    fmax_sdc: str) -> str:
    """sta_inputs.tcl, the inputs of sc_sta_postsyn.tcl (run in the folder holding it);
    `fmax_sdc`: the constraints at eqchip.asic.fmax's reference period."""

    def tcl_list(items: list[str]) -> str:
        return "[list " + " ".join("{" + str(x) + "}" for x in items) + "]"

    return (f"set sta_top {{{top}}}\n"
            f"set sta_netlist {{{netlist}}}\n"
            f"set sta_liberty {tcl_list(liberty)}\n"
            f"set sta_sdc {tcl_list(sdc)}\n"
            f"set sta_macro_cells {tcl_list(macro_cells)}\n"
            f"set sta_input_activity {input_activity}\n"
            f"set sta_top_n {top_n}\n"
            f"set sta_fmax_sdc {{{fmax_sdc}}}\n")


class PostSynthesisStaTask(ASICTask):
    """Timing (setup/hold) of the synthesized netlist, MRAM macros included through their
    liberty models; OpenSTA's vectorless power only as SC node metrics."""

    def __init__(self) -> None:
        super().__init__()
        self.add_parameter("input_activity", "float<0.0..1.0>",
                           "toggle rate of primary inputs per clock for vectorless power",
                           defvalue=0.1)
        self.add_parameter("top_n_paths", "int<1..>", "number of paths to report",
                           defvalue=5)
        self.add_parameter("clock_period", "float", "target clock period (ns) for fmax",
                           unit="ns")

    def tool(self) -> str:
        return "sta"

    def task(self) -> str:
        return "postsyn"

    def parse_version(self, stdout: str) -> str:
        return stdout.strip().split()[0] if stdout.strip() else ""

    def setup(self) -> None:
        super().setup()
        self.set_exe("sta", vswitch="-version", format="tcl")
        self.add_version(">=2.0")
        self.set_dataroot("eqchip-sta-scripts", str(script_dir()))
        with self.active_dataroot("eqchip-sta-scripts"):
            self.set_refdir(".")
            self.set_script("sc_sta_postsyn.tcl")
        self.add_regex("warnings", r"^Warning")
        self.add_regex("errors", r"^Error")

        self.add_input_file(ext="vg")
        for obj, key in self.get_fileset_file_keys("sdc"):
            self.add_required_key(obj, *key)
        self.add_required_key("var", "input_activity")
        self.add_required_key("var", "top_n_paths")
        if self.get("var", "clock_period") is not None:
            self.add_required_key("var", "clock_period")
        self.add_required_key("asic", "delaymodel")
        self.add_required_key("asic", "asiclib")
        delaymodel = self.project.get("asic", "delaymodel")
        for lib_name in self.project.get("asic", "asiclib"):
            lib = self.project.get_library(lib_name)
            for corner in self._corners():
                if not lib.valid("asic", "libcornerfileset", corner, delaymodel):
                    continue
                self.add_required_key(lib, "asic", "libcornerfileset", corner, delaymodel)
                for fileset in lib.get("asic", "libcornerfileset", corner, delaymodel):
                    self.add_required_key(lib, "fileset", fileset, "file", "liberty")

    def runtime_options(self) -> list:
        options = ["-no_init", "-no_splash"]
        if not self.has_breakpoint():
            options.append("-exit")
        options.extend(super().runtime_options())
        return options

    def _corners(self) -> list[str]:
        """Liberty corners of the first scenario with a power check (else the first)."""
        scenarios = list(self.project.constraint.timing.get_scenario().values())
        for sc in scenarios:
            if "power" in sc.get_check() and sc.get_libcorner():
                return list(sc.get_libcorner())
        return list(scenarios[0].get_libcorner()) if scenarios else []

    def _liberty_files(self) -> tuple[list[str], list[str]]:
        """Liberty files to read, and the cells of macro (non-mainlib) libraries."""
        delaymodel = self.project.get("asic", "delaymodel")
        mainlib = self.project.get("asic", "mainlib")
        files: list[str] = []
        macro_cells: list[str] = []
        for lib_name in self.project.get("asic", "asiclib"):
            lib = self.project.get_library(lib_name)
            for corner in self._corners():
                if not lib.valid("asic", "libcornerfileset", corner, delaymodel):
                    continue
                for fileset in lib.get("asic", "libcornerfileset", corner, delaymodel):
                    for f in lib.find_files("fileset", fileset, "file", "liberty"):
                        if f not in files:
                            files.append(f)
            if lib_name != mainlib:
                macro_cells.append(lib_name)
        return files, macro_cells

    def pre_process(self) -> None:
        super().pre_process()
        liberty, macro_cells = self._liberty_files()
        sdc: list[str] = []
        for obj, key in self.get_fileset_file_keys("sdc"):
            sdc.extend(obj.find_files(*key))
        top = self.design_topmodule
        write_text_atomic(Path(REFERENCE_SDC), reference_sdc_text())
        write_text_atomic(Path("sta_inputs.tcl"), sta_inputs_text(
            top, f"inputs/{top}.vg", liberty, sdc, macro_cells,
            self.get("var", "input_activity"), self.get("var", "top_n_paths"), REFERENCE_SDC))

    def post_process(self) -> None:
        super().post_process()
        log = self.get_logpath("exe")
        with sc_open(log) as fh:
            log_text = fh.read()
        if "EQCHIP_DONE" not in log_text:
            raise RuntimeError(f"sta did not finish the eqchip script (no EQCHIP_DONE in {log})")
        values = parse_metrics(log_text)
        power: dict[str, dict[str, float]] = {}
        if os.path.exists("reports/power.rpt"):
            with sc_open("reports/power.rpt") as fh:
                power = report_power_groups(fh.read())

        for name in ("setupslack", "holdslack", "setuptns", "holdtns"):
            if name in values:
                report = "reports/setup.rpt" if name.startswith("setup") else "reports/hold.rpt"
                self.record_metric(name, values[name], source_file=[log, report],
                                   source_unit="ns")
        if "setupslack" in values:
            self.record_metric("setupwns", min(0.0, values["setupslack"]),
                               source_file=[log], source_unit="ns")
        if "holdslack" in values:
            self.record_metric("holdwns", min(0.0, values["holdslack"]),
                               source_file=[log], source_unit="ns")
        period = self.get("var", "clock_period")
        # fmax of the netlist, not of the target: register-to-register paths, the I/O paths
        # beside them (eqchip.asic.fmax)
        figures = timing_figures(values)
        fmax_mhz = figures.get("fmax_mhz")
        if fmax_mhz is not None:
            self.record_metric("fmax", fmax_mhz * 1e6, source_file=[log], source_unit="Hz")
        if "macros" in values:
            self.record_metric("macros", int(values["macros"]), source_file=[log])
        # OpenSTA's vectorless power as SC's own node metrics only: Debian's OpenSTA 2.0 reads
        # no internal power of sky130's cells (no related_pg_pin); eqchip's logic power is the
        # synthesis.power node's (activity_power.json)
        if "total" in power:
            self.record_metric("peakpower", power["total"]["total"],
                               source_file=["reports/power.rpt"], source_unit="W")
            self.record_metric("leakagepower", power["total"]["leakage"],
                               source_file=["reports/power.rpt"], source_unit="W")

        detail = {
            "clock_period_ns": period,
            "setup_slack_ns": values.get("setupslack"),
            "hold_slack_ns": values.get("holdslack"),
            "setup_tns_ns": values.get("setuptns"),
            "hold_tns_ns": values.get("holdtns"),
            "fmax_mhz": fmax_mhz,
            **figures,
        }
        write_json_atomic(Path("reports/sta.json"), detail)
