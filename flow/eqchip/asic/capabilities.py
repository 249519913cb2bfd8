"""Which tools this machine has and which flow steps they let run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from eqchip.asic.flow import FRONTEND_TOOLS, STA_STEP, STEP_TOOLS
from eqchip.asic.yosys_shim import pyosys_version, real_yosys


@dataclass(frozen=True)
class Tool:
    key: str   # slang | yosys | sta | python | openroad | klayout | icarus | verilator
    name: str
    found: bool
    version: str | None
    path: str | None
    needed_for: str
    install: str


def _version(cmd: list[str]) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0].strip() if text else None


def detect_tools() -> list[Tool]:
    tools: list[Tool] = []
    try:
        import pyslang
        v = pyslang.VersionInfo
        slang = f"{v.getMajor()}.{v.getMinor()}.{v.getPatch()}"
    except ImportError:
        slang = None
    tools.append(Tool("slang", "slang (pyslang)", slang is not None, slang, None, "elaborate",
                      "pip install pyslang"))
    real = real_yosys()
    pyo = pyosys_version()
    if real:
        tools.append(Tool("yosys", "yosys", True, f"{real[1][0]}.{real[1][1]}", real[0],
                          "synthesis", "https://github.com/YosysHQ/oss-cad-suite-build"))
    else:
        tcl = _tcl_problem()
        tools.append(Tool("yosys", "yosys (pyosys shim)" + (f" [{tcl}]" if tcl else ""),
                          pyo is not None and tcl is None, pyo, None, "synthesis",
                          "pip install pyosys, and apt-get install tcl tk python3-tk for "
                          "Python's Tcl (or put yosys >= 0.48 on PATH)"))
    sta = shutil.which("sta")
    tools.append(Tool("sta", "sta (OpenSTA)", sta is not None,
                      _version([sta, "-version"]) if sta else None, sta, STA_STEP,
                      "apt-get install opensta (Debian package of OpenSTA)"))
    tools.append(Tool("python", "Python (eqchip's own SC tasks)", True,
                      ".".join(str(v) for v in sys.version_info[:3]), sys.executable,
                      "floorplan.size", "(always present)"))
    orx = shutil.which("openroad")
    tools.append(Tool("openroad", "openroad", orx is not None,
                      _version([orx, "-version"]) if orx else None, orx,
                      "floorplan, place, cts, route, dfm, write.views",
                      "https://github.com/The-OpenROAD-Project/OpenROAD (or sc-install openroad)"))
    kl = shutil.which("klayout")
    tools.append(Tool("klayout", "klayout", kl is not None,
                      _version([kl, "-v"]) if kl else None, kl, "write.gds",
                      "apt-get install klayout (the PyPI module has no executable)"))
    # OpenROAD and KLayout at the versions the installed SiliconCompiler pins
    tools = [replace(t, install=install_hint(t.key)) if t.key in ("openroad", "klayout")
             and not t.found else t for t in tools]
    return tools + detect_sim_tools()


def _tcl_problem() -> str | None:
    """Why Python's Tcl (tkinter.Tcl, which hosts the pyosys shim's scripts) is unusable."""
    try:
        import tkinter

        tkinter.Tcl().eval("info patchlevel")
    except Exception as exc:          # noqa: BLE001 - ImportError, TclError: both unusable
        return f"no Tcl in Python: {type(exc).__name__}"
    return None


def detect_sim_tools() -> list[Tool]:
    """Simulators: Icarus (iverilog and vvp: `eqchip sim`, and the switching activity the
    report's power and energy are annotated with) and Verilator (`eqchip sim`, lint)."""
    iv, vvp = shutil.which("iverilog"), shutil.which("vvp")
    ver = shutil.which("verilator")
    return [
        Tool("icarus", "icarus (iverilog, vvp)", iv is not None and vvp is not None,
             _version([iv, "-V"]) if iv and vvp else None, iv,
             "eqchip sim; activity-annotated power and energy in the report (without it: "
             "vectorless only)", "apt-get install iverilog"),
        Tool("verilator", "verilator", ver is not None,
             _version([ver, "--version"]) if ver else None, ver,
             "eqchip sim --simulator verilator, render --lint",
             "apt-get install verilator make g++"),
    ]


def has_icarus() -> bool:
    """Icarus Verilog (iverilog and vvp) is on PATH: the report can simulate activity."""
    return shutil.which("iverilog") is not None and shutil.which("vvp") is not None


def sc_toolscripts_dir() -> Path | None:
    """SiliconCompiler's `toolscripts/` (pinned tool versions and install scripts)."""
    try:
        import siliconcompiler
    except ImportError:
        return None
    path = Path(siliconcompiler.__file__).parent / "toolscripts"
    return path if path.is_dir() else None


def sc_pinned(tool: str) -> tuple[str | None, str | None]:
    """(version or git commit, git URL) of `tool` as the installed SiliconCompiler pins it in
    toolscripts/_tools.json; (None, None) when it does not say."""
    d = sc_toolscripts_dir()
    try:
        entry = json.loads((d / "_tools.json").read_text(encoding="utf-8")).get(tool) if d \
            else None
    except (OSError, ValueError):
        entry = None
    if not isinstance(entry, dict):
        return None, None
    return entry.get("version") or entry.get("git-commit"), entry.get("git-url")


def install_hint(tool: str) -> str:
    """How to install OpenROAD or KLayout at the version the pinned SiliconCompiler expects."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        sc = f"SiliconCompiler {version('siliconcompiler')}"
    except PackageNotFoundError:
        sc = "SiliconCompiler"
    pin, url = sc_pinned(tool)
    scripts = sc_toolscripts_dir()
    script = scripts / "ubuntu22" / f"install-{tool}.sh" if scripts else None
    if tool == "openroad":
        what = f"OpenROAD at commit {pin[:12]}" if pin else "OpenROAD"
        how = ("`sc-install openroad` (Ubuntu 22/24, RHEL 9)"
               + (f"; on Debian 12 run {script} (it builds that commit into $PREFIX, "
                  "default ~/.local; put its bin/ on PATH)" if script and script.is_file()
                  else "")
               + (f"; or build that commit of {url}" if url else ""))
    else:
        what = f"KLayout {pin}" if pin else "KLayout"
        how = ((f"download the .deb of KLayout {pin} for your distribution from KLayout's "
                "download page and `apt-get install ./klayout_<version>-1_amd64.deb`" if pin
                else "apt-get install klayout")
               + (f" (what {script} does on Ubuntu 22)" if script and script.is_file() else "")
               + "; or `sc-install klayout` (Ubuntu 22/24); the PyPI module has no executable")
    return f"{what} (pinned by {sc}): {how}"


def tool_for_step(step: str) -> str:
    """Key of the tool that runs `step` of eqchip's flow."""
    if step in FRONTEND_TOOLS:
        return FRONTEND_TOOLS[step]
    if step in STEP_TOOLS:
        return STEP_TOOLS[step][0]
    return "klayout" if step == "write.gds" else "openroad"


def tools_for_step(step: str) -> tuple[str, ...]:
    """Keys of every tool `step` needs: the one that runs it, and the ones it calls
    (eqchip.asic.flow.STEP_TOOLS: postroute.power simulates with Icarus and runs OpenSTA)."""
    return STEP_TOOLS.get(step, (tool_for_step(step),))


def runnable_steps(steps: list[str], preds: dict[str, set[str]],
                   tools: list[Tool]) -> list[str]:
    """Steps (in execution order) whose tools are present and whose inputs can all be made."""
    found = {t.key: t.found for t in tools}
    ok: list[str] = []
    for step in steps:
        if all(found.get(k, False) for k in tools_for_step(step)) and \
                all(p in ok for p in preds.get(step, ())):
            ok.append(step)
    return ok


def missing_for(steps: list[str], tools: list[Tool]) -> list[Tool]:
    """Missing tools needed by any of `steps`."""
    keys = {k for s in steps for k in tools_for_step(s)}
    return [t for t in tools if not t.found and t.key in keys]


def not_run_summary(blocked: list[str], ran: list[str]) -> list[str]:
    """The blocked steps for a "not run" notice: a whole group (`floorplan`) when none of its
    steps ran, else the step itself (`synthesis.sta` when `synthesis` ran), so that no name is
    listed as both run and not run."""
    ran_groups = {s.split(".")[0] for s in ran}
    return list(dict.fromkeys(s if s.split(".")[0] in ran_groups else s.split(".")[0]
                              for s in blocked))
