"""Which tools this machine has and which flow steps they let run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass

from eqchip.asic.flow import FRONTEND_TOOLS, STA_STEP
from eqchip.asic.yosys_shim import pyosys_version, real_yosys


@dataclass(frozen=True)
class Tool:
    key: str                 # slang | yosys | sta | python | openroad | klayout
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
        tools.append(Tool("yosys", "yosys (pyosys shim)", pyo is not None, pyo, None,
                          "synthesis", "pip install pyosys (or put yosys >= 0.48 on PATH)"))
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
    return tools


def tool_for_step(step: str) -> str:
    """Key of the tool that runs `step` of eqchip's flow."""
    if step in FRONTEND_TOOLS:
        return FRONTEND_TOOLS[step]
    return "klayout" if step == "write.gds" else "openroad"


def runnable_steps(steps: list[str], preds: dict[str, set[str]],
                   tools: list[Tool]) -> list[str]:
    """Steps (in execution order) whose tool is present and whose inputs can all be made."""
    found = {t.key: t.found for t in tools}
    ok: list[str] = []
    for step in steps:
        if found.get(tool_for_step(step), False) and all(p in ok for p in preds.get(step, ())):
            ok.append(step)
    return ok


def missing_for(steps: list[str], tools: list[Tool]) -> list[Tool]:
    """Missing tools needed by any of `steps`."""
    keys = {tool_for_step(s) for s in steps}
    return [t for t in tools if not t.found and t.key in keys]
