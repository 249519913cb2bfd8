"""The typed records a build leaves beside its SC job, and the one stale-build check.

`build/<design>/build_state.json` (`BuildState`): which design (path, sha256) and SC job the
build is, and where each view is - netlist, SDC, RTL, macro views per corner, the activity
(VCD) and power results, layout files - taken from SiliconCompiler's own records (the job
manifest and `find_result`) of the nodes that completed, never by globbing the disk.
`build/<design>/metrics.json` (`Metrics`): the numbers (schema in docs/metrics.md).

`report`, `regress` and `handoff` read these two records and nothing else from a build.

A build folder is relocatable: build_state.json records every path inside the build folder
relative to it (`BuildState.write`), and `read_state` resolves them against the folder it reads
the record from, so a moved folder or a `cp -a` copy reads its own files, never the original's.
Paths outside the folder (the design YAML, the PDK) stay absolute. A record of the older
format (absolute paths) read from another folder than the one it was written in is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eqchip.errors import EqchipError
from eqchip.fileio import write_text_atomic

STATE_FILE = "build_state.json"
METRICS_FILE = "metrics.json"
STATE_SCHEMA = "eqchip.build-state/2"       # /2: paths inside the build folder relative


class MacroViews(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cell: str
    liberty: dict[str, Path]          # SC corner (slow/typical/fast) -> liberty file
    lef: Path
    gds: Path | None = None
    blackbox_v: Path
    width_um: float
    height_um: float


class NodeRecord(BaseModel):
    """One node of the flowgraph as SC recorded it."""

    model_config = ConfigDict(extra="forbid")

    step: str
    tool: str
    task: str
    status: str | None                # success | error | skipped | pending | None (not run)


class Views(BaseModel):
    """Files of the build, by role (None: the step that makes it did not complete)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    rtl: list[Path] = Field(default_factory=list)
    sdc: Path | None = None
    netlist: Path | None = None               # synthesis outputs/<top>.vg
    netlist_json: Path | None = None
    floorplan: Path | None = None             # floorplan.size reports/floorplan.json
    sta: Path | None = None                   # synthesis.sta reports/sta.json
    activity: Path | None = None              # power node reports/activity_power.json
    vcd: Path | None = None                   # RTL co-simulation of one training step
    gds: Path | None = None
    def_: Path | None = Field(default=None, alias="def")
    layout_views: list[Path] = Field(default_factory=list)
    # write.views: the routed netlist with power pins, its constraints, the abstract LEF; the
    # parasitics: write.views' extracted SPEF where the PDK has an OpenRCX deck, else the one
    # postroute.parasitics estimates from the global routes
    final_netlist: Path | None = None
    final_sdc: Path | None = None
    abstract_lef: Path | None = None
    spef: list[Path] = Field(default_factory=list)
    # inputs a fab package carries: the render manifest (eqchip render's manifest.json of the
    # RTL) and the MRAM technology file the macro views were made from
    render_manifest: Path | None = None
    technology: Path | None = None
    # the last routing step's timing (per corner) and power reports
    signoff_reports: list[Path] = Field(default_factory=list)
    signoff_step: str | None = None


class BuildState(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(default=STATE_SCHEMA, alias="schema")
    design: str
    design_path: Path
    design_sha256: str
    top: str
    corner: str                               # design.pdk.corner (tt/ff/ss)
    sc_corner: str                            # SC libcorner/scenario (typical/fast/slow)
    pdk_root: Path
    job: str
    job_dir: Path
    manifest: Path | None                     # SC's job manifest (None: nothing ran)
    flow: str
    nodes: list[NodeRecord]
    completed: list[str]
    macro: MacroViews | None
    views: Views
    inputs_sha256: str | None = None          # eqchip.asic.fingerprint of the run's inputs
    technology_sha256: str | None = None      # the MRAM technology file (views.technology) read
    manifest_stamp: str | None = None         # size/mtime of the job manifest after the run

    def write(self, build_dir: Path) -> Path:
        """build_state.json in `build_dir`, paths inside `build_dir` relative to it."""
        path = Path(build_dir) / STATE_FILE
        rel = _map_paths(self, lambda p: _relative(p, Path(build_dir)))
        write_text_atomic(path, rel.model_dump_json(by_alias=True, indent=2) + "\n")
        return path

    def located(self, build_dir: Path, record: Path) -> BuildState:
        """This record as read from `build_dir`: relative paths made absolute against it. An
        older record (absolute paths) whose job folder is not in `build_dir` is an
        EqchipError: the folder was moved or copied and its paths name the old place."""
        if self.job_dir.is_absolute() and not _within(self.job_dir, Path(build_dir)):
            raise EqchipError(
                f"{record}: job_dir {self.job_dir} is not in {build_dir}: the build folder was "
                "moved or copied, and this record (written before eqchip recorded paths "
                "relative to the build folder) still names the old place",
                hint=f"rebuild with `eqchip build {self.design_path} --build-dir "
                     f"{Path(build_dir).parent}`")
        root = Path(os.path.abspath(build_dir))
        return _map_paths(self, lambda p: p if p.is_absolute() else root / p)


_M = TypeVar("_M")


def _map_paths(obj: _M, fn: Callable[[Path], Path]) -> _M:
    """A copy of `obj` (a model, list, dict or value) with every Path in it mapped by `fn`."""
    if isinstance(obj, Path):
        return fn(obj)
    if isinstance(obj, BaseModel):
        return obj.model_copy(update={name: _map_paths(getattr(obj, name), fn)
                                      for name in type(obj).model_fields})
    if isinstance(obj, list):
        return [_map_paths(x, fn) for x in obj]
    if isinstance(obj, dict):
        return {k: _map_paths(v, fn) for k, v in obj.items()}
    return obj


def _roots(build_dir: Path) -> list[Path]:
    """`build_dir` as given (made absolute) and with its links resolved."""
    return list(dict.fromkeys([Path(os.path.abspath(build_dir)), Path(build_dir).resolve()]))


def _within(path: Path, build_dir: Path) -> bool:
    return any(path.is_relative_to(r) for r in _roots(build_dir))


def _relative(path: Path, build_dir: Path) -> Path:
    """`path` relative to `build_dir` when it lies inside it (without following links in
    `path`), else unchanged."""
    if not path.is_absolute():
        return path
    for root in _roots(build_dir):
        if path.is_relative_to(root):
            return path.relative_to(root)
    return path


class Metrics(BaseModel):
    """metrics.json: the typed head every reader relies on; the detailed sections (cells,
    area, timing, power, post_layout, ...) as documented in docs/metrics.md."""

    model_config = ConfigDict(extra="allow")

    schema_: str = Field(alias="schema")
    design: str
    top: str
    design_sha256: str
    status: str                               # complete | partial
    stop_reason: str | None = None
    notice: str | None = None
    flow: dict[str, Any]
    pdk: dict[str, Any]
    clock: dict[str, Any]
    tools: dict[str, Any]
    cells: dict[str, Any] | None = None
    area: dict[str, Any] | None = None
    timing: dict[str, Any] | None = None
    power: dict[str, Any] | None = None
    post_layout: dict[str, Any] | None = None
    power_post_route: dict[str, Any] | None = None
    activity_power: dict[str, Any] | None = None

    def doc(self) -> dict[str, Any]:
        """The JSON document (as written to metrics.json)."""
        return self.model_dump(mode="json", by_alias=True)


def read_record(path: Path, model: type[BaseModel], what: str, hint: str) -> Any:
    """The JSON record at `path` as `model`; one EqchipError naming the file (and the field)
    when it cannot be read, is not JSON, is nested too deeply or does not fit the model."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EqchipError(f"{path}: cannot read the {what}: {exc.strerror}", hint=hint) from None
    except ValueError as exc:
        raise EqchipError(f"{path}: the {what} is not valid JSON ({exc})", hint=hint) from None
    except RecursionError:
        raise EqchipError(f"{path}: the {what} is not valid JSON (nested too deeply); the file "
                          "is damaged", hint=hint) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"]) or "(top)"
        raise EqchipError(f"{path}: {field}: {err['msg']}", hint=hint) from None


def read_state(build_dir: Path) -> BuildState:
    """build_state.json of `build_dir`, its paths resolved against `build_dir` (wherever the
    folder is now)."""
    build_dir = Path(build_dir)
    state = read_record(build_dir / STATE_FILE, BuildState, "build state",
                  f"rebuild with `eqchip build` into {build_dir.parent}")
    return state.located(build_dir, build_dir / STATE_FILE)


def read_metrics(build_dir: Path) -> Metrics:
    build_dir = Path(build_dir)
    return read_record(build_dir / METRICS_FILE, Metrics, "metrics",
                 f"rebuild with `eqchip build` into {build_dir.parent}")


def check_current(what: Path, built_sha256: str | None, design_path: Path | str,
                  design_sha256: str) -> None:
    """The one stale-build check: a record made from another version of the design YAML is
    an EqchipError naming the file and the fix."""
    if built_sha256 != design_sha256:
        raise EqchipError(
            f"{what}: design_sha256 {str(built_sha256)[:12]} is not that of the design "
            f"({design_sha256[:12]}): built from another version of {design_path}; the build "
            "is stale",
            hint=f"rebuild with `eqchip build {design_path}` (or drop --no-build)")
