"""What `eqchip doctor` checks: tools and versions, sky130 PDK files, eqchip's PDK additions,
and which flow steps can run on this machine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eqchip.asic.capabilities import Tool, detect_tools, runnable_steps, tool_for_step
from eqchip.asic.flow import FRONTEND_STEPS
from eqchip.asic.pdk import INSTALL_HINT, PdkFile, Sky130Paths, sky130_cfg_dir
from eqchip.resources import pdk_root_from_env

CFG_FILES = ("yosys/cells_latch.v", "yosys/cells_srst_enable.v", "yosys/cells_tristatebuf.v",
             "yosys/cells_adders.v",
             "openroad/global_connect.tcl", "openroad/pdngen.tcl", "openroad/tapcell.tcl")


@dataclass(frozen=True)
class StepStatus:
    step: str
    tool: str
    runnable: bool


@dataclass(frozen=True)
class DoctorReport:
    tools: list[Tool]
    pdk_root: Path | None
    pdk_error: str | None
    pdk_files: list[PdkFile]
    cfg_files: list[PdkFile]
    steps: list[StepStatus]
    python_packages: dict[str, str | None]

    @property
    def frontend_ok(self) -> bool:
        return self.pdk_error is None and all(s.runnable for s in self.steps
                                              if s.step in FRONTEND_STEPS)

    @property
    def complete_ok(self) -> bool:
        return self.pdk_error is None and all(s.runnable for s in self.steps)


def _pkg_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def diagnose(env: dict[str, str] | None = None) -> DoctorReport:
    from eqchip.asic.flow import flow_steps, make_flow, step_predecessors

    root = pdk_root_from_env(env)
    pdk_error = None
    files: list[PdkFile] = []
    if root is None:
        pdk_error = f"PDK_ROOT is not set. {INSTALL_HINT}"
    else:
        paths = Sky130Paths(root)
        files = paths.files()
        if not paths.libref.is_dir():
            pdk_error = f"{paths.libref} does not exist. {INSTALL_HINT}"
        elif any(f.required and not f.found for f in files):
            pdk_error = "required PDK files are missing (marked below). " + INSTALL_HINT
    cfg = [PdkFile(f"eqchip {rel}", sky130_cfg_dir() / rel, True) for rel in CFG_FILES]
    tools = detect_tools()
    flow = make_flow()
    steps = flow_steps(flow)
    ok = set(runnable_steps(steps, step_predecessors(flow), tools)) if pdk_error is None else set()
    status = [StepStatus(s, tool_for_step(s), s in ok) for s in steps]
    pkgs = {p: _pkg_version(p) for p in ("siliconcompiler", "lambdapdk", "pyosys", "pyslang",
                                          "klayout")}
    return DoctorReport(tools=tools, pdk_root=root, pdk_error=pdk_error, pdk_files=files,
                        cfg_files=cfg, steps=status, python_packages=pkgs)

