"""What `eqchip doctor` checks: tools and versions, sky130 PDK files, eqchip's PDK additions,
and which flow steps can run on this machine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eqchip.asic.capabilities import Tool, detect_tools, runnable_steps, tool_for_step
from eqchip.asic.flow import FRONTEND_STEPS
from eqchip.asic.pdk import INSTALL_HINT, PdkFile, Sky130Paths, sky130_cfg_dir
from eqchip.errors import EqchipError, FlowIncomplete, PdkError, ToolError
from eqchip.pathcheck import tool_path_problem
from eqchip.resources import ciel_default_root, pdk_cfg_dir, pdk_root_from_env

CFG_FILES = ("yosys/cells_latch.v", "yosys/cells_srst_enable.v", "yosys/cells_tristatebuf.v",
             "yosys/cells_adders.v",
             "openroad/global_connect.tcl", "openroad/pdngen.tcl", "openroad/tapcell.tcl",
             "openroad/cts_one_tree.tcl")


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

    def tool(self, key: str) -> Tool | None:
        return next((t for t in self.tools if t.key == key), None)

    def verdict(self) -> tuple[str, EqchipError | None]:
        """What `eqchip build` can do here, as one line, and the error `eqchip doctor` exits
        with (None: everything runs): PdkError (4) without a usable PDK, ToolError (3) when a
        front-end tool is missing (the build cannot run), FlowIncomplete (5) when the build
        runs but stops early or its report is vectorless only."""
        front_missing = sorted({s.tool for s in self.steps
                                if s.step in FRONTEND_STEPS and not s.runnable})
        if self.pdk_error is not None:
            msg = f"eqchip build cannot run here: no usable sky130 PDK ({self.pdk_error})"
            return msg, PdkError(msg)
        if front_missing:
            msg = ("eqchip build cannot run here: missing " + ", ".join(front_missing)
                   + " (see the install column above)")
            return msg, ToolError(msg)
        gaps = []
        if not self.complete_ok:
            missing = sorted({s.tool for s in self.steps if not s.runnable})
            gaps.append("it stops after post-synthesis timing and power (missing "
                        + ", ".join(missing) + "; exit code 5)")
        icarus, verilator = self.tool("icarus"), self.tool("verilator")
        if icarus is not None and not icarus.found:
            gaps.append("its report's power and energy are vectorless only and `eqchip sim` "
                        "cannot run (no Icarus Verilog)")
        if verilator is not None and not verilator.found:
            gaps.append("`eqchip sim --simulator verilator` and `--lint` cannot run (no "
                        "Verilator)")
        if gaps:
            msg = "eqchip build runs here, but " + "; ".join(gaps)
            return msg, FlowIncomplete(msg)
        return "every flow step, the simulations and the activity-annotated report can run here", \
            None


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
        pdk_error = (f"PDK_ROOT is not set and ciel's default {ciel_default_root(env)} holds "
                     f"no sky130A. {INSTALL_HINT}")
    elif (bad := tool_path_problem(root)) is not None:
        pdk_error = (f"the PDK path {root} {bad}: OpenSTA cannot read its Liberty files; "
                     "install or link the PDK under a plain ASCII path without spaces")
    else:
        paths = Sky130Paths(root)
        files = paths.files()
        if not paths.libref.is_dir():
            pdk_error = f"{paths.libref} does not exist. {INSTALL_HINT}"
        elif any(f.required and not f.found for f in files):
            pdk_error = "required PDK files are missing (marked below). " + INSTALL_HINT
    cfg = [PdkFile(f"eqchip {rel}", sky130_cfg_dir() / rel, True) for rel in CFG_FILES]
    if pdk_error is None and (bad := tool_path_problem(pdk_cfg_dir())) is not None:
        pdk_error = (f"eqchip's checkout {pdk_cfg_dir().parent} {bad}: the tools cannot read "
                     "its pdk_cfg files; move the checkout to a plain ASCII path without spaces")
    tools = detect_tools()
    flow = make_flow()
    steps = flow_steps(flow)
    ok = set(runnable_steps(steps, step_predecessors(flow), tools)) if pdk_error is None else set()
    status = [StepStatus(s, tool_for_step(s), s in ok) for s in steps]
    pkgs = {p: _pkg_version(p) for p in ("siliconcompiler", "lambdapdk", "pyosys", "pyslang",
                                          "klayout")}
    return DoctorReport(tools=tools, pdk_root=root, pdk_error=pdk_error, pdk_files=files,
                        cfg_files=cfg, steps=status, python_packages=pkgs)

