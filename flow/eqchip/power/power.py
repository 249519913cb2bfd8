"""Power of a synthesized netlist with OpenSTA: vectorless and activity-annotated, side by side.

Debian's OpenSTA (2019) has `set_power_activity` but no VCD/SAIF reader, its `-pins` branch is
broken (it calls a missing `get_pins_error`) and it does not propagate activity through logic.
So eqchip writes the activity of every cell pin into a Tcl table (see `eqchip.power.propagate`)
and sets it with the underlying `sta::set_power_pin_activity`, looking pins up by their full
name inside OpenSTA (no Verilog-escaping of names in the script). Activity is in transitions
per clock period, as `set_power_activity` takes it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from eqchip.errors import ToolError
from eqchip.fileio import write_text_atomic
from eqchip.power.propagate import CLOCK, Annotation

GROUPS = ("Sequential", "Combinational", "Macro", "Pad")
#: every row of the group table (OpenROAD adds Clock), Total last
GROUPS_ALL = ("Sequential", "Combinational", "Clock", "Macro", "Pad", "Total")


@dataclass(frozen=True)
class PowerGroup:
    internal_w: float
    switching_w: float
    leakage_w: float
    total_w: float


@dataclass(frozen=True)
class PowerReport:
    groups: dict[str, PowerGroup]
    total: PowerGroup

    def as_dict(self) -> dict:
        return {"groups": {k: asdict(v) for k, v in self.groups.items()},
                "total": asdict(self.total)}

    def by_group(self) -> dict[str, dict[str, float]]:
        """{group in lower case, total included: {internal, switching, leakage, total}} (W)."""
        rows = {**self.groups, "Total": self.total}
        return {name.lower(): {"internal": g.internal_w, "switching": g.switching_w,
                               "leakage": g.leakage_w, "total": g.total_w}
                for name, g in rows.items()}


@dataclass
class PowerRun:
    vectorless: PowerReport
    annotated: PowerReport | None
    script: Path
    log: Path
    pins_annotated: int = 0
    pins_matched_in_sta: int = 0
    sta_version: str = ""
    setup_slack_ns: float | None = None
    extra: dict[str, PowerReport] = field(default_factory=dict)   # other annotations
    notes: list[str] = field(default_factory=list)
    spef: Path | None = None                 # the parasitics read (None: wire-load model)
    #: the summed power of `instances` (the clock tree) per section, annotated and extra
    instances: dict[str, PowerGroup] = field(default_factory=dict)


def sta_exe() -> str | None:
    return shutil.which("sta")


def activity_tcl(ann: Annotation, bus_pins: set[tuple[str, str]]) -> tuple[str, int]:
    """Tcl that fills `eqchip_act(<inst>/<pin>)` with {activity duty}, and the entry count.

    The table is ONE line: OpenSTA's `source` re-checks `info complete` on the text gathered
    so far after every line, which is quadratic in the lines of a single command."""
    items = []
    for (cell, pin, i), a in sorted(ann.pins.items()):
        if a.origin == CLOCK:
            continue
        name = f"{cell}/{pin}[{i}]" if (cell, pin) in bus_pins else f"{cell}/{pin}"
        items.append(f"{{{_tcl_word(name)}}} {{{a.density:.6g} {a.duty:.6g}}}")
    return ("array unset eqchip_act\narray set eqchip_act {" + " ".join(items) + "}\n",
            len(items))


def _tcl_word(name: str) -> str:
    # braces keep everything literal; a name with braces (never produced by yosys) is dropped
    return name.replace("\\", "").replace("{", "(").replace("}", ")")


_APPLY = r"""
set eqchip_n 0
foreach inst [get_cells *] {
  foreach pin [get_pins -of_objects $inst] {
    set key [string map {"\\" ""} [get_full_name $pin]]
    if {[info exists eqchip_act($key)]} {
      set v $eqchip_act($key)
      sta::set_power_pin_activity $pin [lindex $v 0] [lindex $v 1]
      incr eqchip_n
    }
  }
}
puts "EQCHIP_MATCHED $eqchip_n"
"""


_INSTANCES = r"""
set eqchip_inst {}
foreach inst [get_cells *] {
  if {[info exists eqchip_sel([string map {"\\" ""} [get_full_name $inst]])]} {
    lappend eqchip_inst $inst
  }
}
"""


def _instances_tcl(names: list[str]) -> str:
    """Tcl that collects the cell instances named `names` into `eqchip_inst`."""
    return ("array unset eqchip_sel\narray set eqchip_sel {"
            + " ".join(f"{{{_tcl_word(n)}}} 1" for n in names) + "}\n" + _INSTANCES)


def _report(name: str, with_instances: bool) -> list[str]:
    out = [f'puts "EQCHIP_BEGIN {name}"', "report_power -digits 9", 'puts "EQCHIP_END"']
    if with_instances:
        out += [f'puts "EQCHIP_BEGIN {name}__instances"',
                "if {[llength $eqchip_inst]} {report_power -instances $eqchip_inst -digits 9}",
                'puts "EQCHIP_END"']
    return out


def run_power(workdir: Path, netlist: Path, top: str, liberty: list[Path], period_ns: float,
              clock_port: str, ann: Annotation | None, bus_pins: set[tuple[str, str]],
              sdc: Path | None = None, timeout_s: int = 3600,
              extra: dict[str, Annotation] | None = None, spef: Path | None = None,
              instances: list[str] | None = None) -> PowerRun:
    """One OpenSTA run: vectorless power, then power with `ann` (section `annotated`), then
    with each of `extra` (sections named by its keys), plus the worst setup slack. `spef`:
    wire parasitics OpenSTA reads (`read_spef`) instead of the Liberty's wire-load model.
    `instances`: cells whose summed power the annotated sections report too (`instances`)."""
    exe = sta_exe()
    if exe is None:
        raise ToolError("OpenSTA (`sta`) is not on PATH: no power analysis",
                        hint="install Debian's opensta package (scripts/setup.sh does)")
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "power.tcl"
    log = workdir / "power.log"
    lines = [f"read_liberty {{{p}}}" for p in liberty]
    lines += [f"read_verilog {{{netlist}}}", f"link_design {top}"]
    if sdc is not None and sdc.is_file():
        lines.append(f"read_sdc {{{sdc}}}")
    else:
        lines.append(f"create_clock -name clk -period {period_ns:g} [get_ports {{{clock_port}}}]")
    if spef is not None:
        lines.append(f"read_spef {{{spef}}}")
    if instances:
        lines.append(_instances_tcl(instances))
    lines += ['puts "EQCHIP_VERSION [sta::version]"',
              'puts "EQCHIP_SLACK [sta::format_time [sta::worst_slack_cmd max] 6]"',
              'puts "EQCHIP_BEGIN vectorless"', "report_power -digits 9",
              'puts "EQCHIP_END"']
    n_pins = 0
    if ann is not None:
        table = workdir / "activity.tcl"
        text, n_pins = activity_tcl(ann, bus_pins)
        write_text_atomic(table, text)
        lines += [f"source {{{table}}}", _APPLY, *_report("annotated", bool(instances))]
    for name, other in (extra or {}).items():
        table = workdir / f"activity_{name}.tcl"
        write_text_atomic(table, activity_tcl(other, bus_pins)[0])
        lines += [f"source {{{table}}}", _APPLY.replace("EQCHIP_MATCHED", f"EQCHIP_{name}"),
                  *_report(name, bool(instances))]
    write_text_atomic(script, "\n".join(lines) + "\n")
    try:
        proc = subprocess.run([exe, "-no_init", "-no_splash", "-exit", str(script)],
                              capture_output=True, text=True, cwd=workdir, check=False,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise ToolError(f"OpenSTA power analysis timed out after {timeout_s} s "
                        f"(script {script})") from None
    out = proc.stdout + proc.stderr
    write_text_atomic(log, out)
    sections = _sections(proc.stdout)
    if "vectorless" not in sections:
        tail = "\n".join(out.strip().splitlines()[-12:])
        raise ToolError(f"OpenSTA power analysis failed (log {log}):\n{tail}",
                        hint="check that the netlist links against the Liberty files")
    m = re.search(r"EQCHIP_MATCHED (\d+)", proc.stdout)
    v = re.search(r"EQCHIP_VERSION (\S+)", proc.stdout)
    sl = re.search(r"EQCHIP_SLACK ([-+0-9.eE]+)", proc.stdout)
    res = PowerRun(
        vectorless=parse_report_power(sections["vectorless"]),
        annotated=parse_report_power(sections["annotated"]) if "annotated" in sections else None,
        script=script, log=log, pins_annotated=n_pins,
        pins_matched_in_sta=int(m.group(1)) if m else 0, sta_version=v.group(1) if v else "",
        setup_slack_ns=float(sl.group(1)) if sl else None,
        extra={k: parse_report_power(sections[k]) for k in (extra or {}) if k in sections},
        spef=spef,
        instances={k[:-len("__instances")]: instance_sum(v) for k, v in sections.items()
                   if k.endswith("__instances")})
    t = res.vectorless.total
    if t.internal_w == 0.0 and t.switching_w > 0.0:
        res.notes.append(
            f"OpenSTA {res.sta_version} reports 0 internal power for this netlist (it reads "
            "too few of sky130's internal_power groups); the logic power therefore takes "
            "internal power from eqchip.power.internal_power instead")
    return res


def _sections(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in re.finditer(r"EQCHIP_BEGIN (\w+)\n(.*?)EQCHIP_END", text, re.S):
        out[m.group(1)] = m.group(2)
    return out


_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
#: one group row of `report_power`: Debian's `sta` and OpenROAD's OpenSTA, leading blanks and a
#: trailing percentage column allowed
_ROW = re.compile(rf"^\s*({'|'.join(GROUPS_ALL)})\s+{_NUM}\s+{_NUM}\s+{_NUM}\s+{_NUM}"
                  r"(?:\s+[\d.]+%)?\s*$", re.M)


_INSTANCE_ROW = re.compile(rf"^\s*{_NUM}\s+{_NUM}\s+{_NUM}\s+{_NUM}\s+\S+\s*$", re.M)


def instance_sum(text: str) -> PowerGroup:
    """The sum of the rows of `report_power -instances` (internal, switching, leakage, total;
    W); all zero when it lists no instance."""
    rows = [[float(m.group(k)) for k in range(1, 5)] for m in _INSTANCE_ROW.finditer(text)]
    return PowerGroup(*(sum(r[k] for r in rows) for k in range(4)))


def parse_report_power(text: str) -> PowerReport:
    """The group table of `report_power` (watts): eqchip's one parser of it, for Debian's
    `sta` (this module, the `synthesis.sta` task) and OpenROAD's reports (asic/postroute)."""
    groups: dict[str, PowerGroup] = {}
    total = None
    for m in _ROW.finditer(text):
        g = PowerGroup(*(float(m.group(k)) for k in range(2, 6)))
        if m.group(1) == "Total":
            total = g
        else:
            groups[m.group(1)] = g
    if total is None:
        raise ToolError(f"cannot parse OpenSTA report_power output:\n{text[:400]}")
    return PowerReport(groups, total)


def report_power_groups(text: str) -> dict[str, dict[str, float]]:
    """`parse_report_power(text).by_group()`, or {} when `text` holds no complete table."""
    try:
        return parse_report_power(text).by_group()
    except ToolError:
        return {}
