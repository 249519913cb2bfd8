"""Paths the EDA tools must read: refused up front when a tool cannot read them.

OpenSTA (Debian's build), yosys and the Tcl scripts SiliconCompiler writes for them take file
names unquoted: a Liberty file under a path with a space or a non-ASCII character fails in
timing with only "errors in synthesis.sta/0". A build checks its folders first and says which
one to move.
"""

from __future__ import annotations

from pathlib import Path

from eqchip.errors import ConfigError

#: besides whitespace and non-ASCII characters: characters Tcl gives a meaning to
_TCL_SPECIAL = set('$[]{}";\\')


def tool_path_problem(path: Path) -> str | None:
    """Why a tool cannot be given `path` (its absolute form), or None when it can."""
    text = str(Path(path).absolute())
    for ch in text:
        if ch.isspace():
            return "contains a space" if ch == " " else f"contains whitespace ({ch!r})"
        if not ch.isascii():
            return f"contains the non-ASCII character {ch!r}"
        if not ch.isprintable():
            return f"contains the control character {ch!r}"
        if ch in _TCL_SPECIAL:
            return f"contains {ch!r}, which Tcl scripts of the flow give a meaning to"
    return None


def check_tool_paths(paths: list[tuple[str, Path, str]]) -> None:
    """Raise ConfigError for the first (what, path, fix) whose path a tool cannot read."""
    for what, path, fix in paths:
        problem = tool_path_problem(path)
        if problem:
            raise ConfigError(f"{what} {Path(path).absolute()} {problem}; the flow's tools "
                              "(OpenSTA, yosys) cannot read files there",
                              hint=fix)


def _tool_inputs() -> list[tuple[str, Path, str]]:
    """The folders every build's tools read besides its build folder: the PDK and pdk_cfg."""
    from eqchip.resources import pdk_cfg_dir, pdk_root_from_env

    paths = []
    root = pdk_root_from_env()
    if root is not None:
        paths.append(("PDK_ROOT", root, "install or link the PDK under a plain ASCII path "
                                        "without spaces and point PDK_ROOT there"))
    paths.append(("eqchip's pdk_cfg folder", pdk_cfg_dir(),
                  "move the eqchip checkout to a plain ASCII path without spaces"))
    return paths


def check_build_paths(design_dir: Path) -> None:
    """The folders a build's tools read: the build folder, the PDK and eqchip's pdk_cfg."""
    check_tool_paths([("build folder", Path(design_dir),
                       "build into a folder whose path is plain ASCII without spaces "
                       "(--build-dir)"), *_tool_inputs()])


def check_sweep_paths(out_dir: Path) -> None:
    """The folders a sweep's builds read (every point builds under the sweep folder), checked
    before the sweep writes anything or trains a point."""
    check_tool_paths([("sweep folder", Path(out_dir),
                       "give the sweep a folder whose path is plain ASCII without spaces "
                       "(-o DIR)"), *_tool_inputs()])
