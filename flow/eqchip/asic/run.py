"""`eqchip build`: stage the inputs, make the SC project, run as far as this machine's tools
allow (or `to` asks), write build/<design>/metrics.json.

Layout (SC's own, plus eqchip's inputs beside the jobs):

    build/<design>/<job>/...          SC jobs: node dirs, logs, reports, job manifest
    build/<design>/eqchip/rtl         rendered RTL (copied only when changed: reruns resume)
    build/<design>/eqchip/macros      MRAM macro views and their power scripts
    build/<design>/eqchip/<design>.sdc
    build/<design>/eqchip/bin/yosys   pyosys shim, only when no yosys >= 0.48 is on PATH
    build/<design>/metrics.json
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eqchip.asic.capabilities import (
    Tool,
    detect_tools,
    missing_for,
    not_run_summary,
    runnable_steps,
)
from eqchip.asic.corners import SLOW_CLOCK_MODE
from eqchip.asic.fingerprint import fingerprint, manifest_stamp
from eqchip.asic.flow import FLOW_NAME, flow_steps, step_predecessors
from eqchip.asic.libraries import MacroFiles
from eqchip.asic.macro_views import prepare_macro_views
from eqchip.asic.metrics import RunInfo, collect_metrics
from eqchip.asic.pdk import DESIGN_CORNER_TO_SC, check_pdk
from eqchip.asic.project import DEFAULT_JOB, ProjectSpec, make_project, set_scheduler
from eqchip.asic.records import build_state
from eqchip.asic.rtl import prepare_rtl
from eqchip.asic.scterm import STDERR_LOG, quiet_tracebacks, stderr_to
from eqchip.asic.sdc import sdc_text
from eqchip.asic.staging import write_if_changed
from eqchip.asic.state import (
    METRICS_FILE,
    STATE_FILE,
    BuildState,
    Metrics,
    read_metrics,
    read_state,
)
from eqchip.asic.yosys_shim import install_shim, real_yosys
from eqchip.config import LoadedDesign
from eqchip.errors import EqchipError, ToolError
from eqchip.fileio import write_json_atomic
from eqchip.render.render import MANIFEST as RENDER_MANIFEST
from eqchip.resources import pdk_cfg_dir

Notify = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    build_root: Path = Path("build")
    to: tuple[str, ...] = ()          # SC steps to stop after (empty: the whole flow)
    clean: bool = False               # start the job over instead of resuming
    jobname: str = DEFAULT_JOB
    verbose: bool = False             # SC's INFO log on the terminal
    # where SC runs each flow node: None = this machine; "slurm" = one Slurm job per node
    # (eqchip.asic.project.set_scheduler)
    scheduler: str | None = None
    scheduler_queue: str | None = None   # Slurm partition (None: the cluster's default)


@dataclass
class BuildResult:
    design: str
    status: str                       # complete | partial
    stop_reason: str | None           # None | requested | missing_tools
    notice: str | None
    metrics_path: Path
    metrics: dict[str, Any]
    job_dir: Path
    steps_run: list[str] = field(default_factory=list)
    missing: list[Tool] = field(default_factory=list)
    wall_s: float = 0.0
    state: BuildState | None = None


@dataclass(frozen=True)
class Staged:
    spec: ProjectSpec
    macro: MacroFiles
    yosys_kind: str


def stage(loaded: LoadedDesign, opts: BuildOptions) -> Staged:
    """Render RTL, generate macro views, write the SDC, pick yosys; nothing runs yet."""
    paths = check_pdk(corner=DESIGN_CORNER_TO_SC[loaded.design.pdk.corner])
    root = (opts.build_root / loaded.name).resolve()
    eq = root / "eqchip"
    flow_opts = loaded.design.flow
    rtl = prepare_rtl(loaded, eq / "rtl")
    macro = prepare_macro_views(loaded, eq / "macros", flow_opts.macro_halo_um, paths.root)
    sdc = eq / f"{loaded.name}.sdc"
    write_if_changed(sdc, sdc_text(loaded.arch.clock_period_ns).encode())
    slow_period = loaded.design.clock.slow_corner_period_ns
    slow_sdc = None
    if slow_period != loaded.arch.clock_period_ns:
        slow_sdc = eq / f"{loaded.name}.{SLOW_CLOCK_MODE}.sdc"
        write_if_changed(slow_sdc, sdc_text(slow_period).encode())
    if real_yosys() is not None:
        shim_dir, kind = None, "yosys"
    else:
        shim_dir, kind = install_shim(eq / "bin").parent, "pyosys shim"
    spec = ProjectSpec(
        design=loaded.name, top=rtl.top, rtl_files=rtl.files, sdc=sdc, pdk=paths,
        macros=(macro,), clock_period_ns=loaded.arch.clock_period_ns,
        slow_sdc=slow_sdc, slow_clock_period_ns=slow_period,
        build_root=opts.build_root.resolve(), corner=loaded.design.pdk.corner,
        target_utilization=flow_opts.target_utilization,
        core_margin_um=flow_opts.core_margin_um, macro_halo_um=flow_opts.macro_halo_um,
        synthesis_strategy=flow_opts.abc_strategy, jobname=opts.jobname,
        yosys_path=shim_dir, design_yaml=Path(loaded.path).resolve())
    return Staged(spec=spec, macro=macro, yosys_kind=kind)


def job_dir(spec: ProjectSpec) -> Path:
    return spec.build_root / spec.design / spec.jobname


def _quiet_terminal(project, verbose: bool) -> None:  # noqa: ANN001
    """SC's progress log only with --verbose; otherwise warnings go to job.log and only
    errors to the terminal (each node's own log is always complete)."""
    if not verbose:
        project.logger.setLevel(logging.WARNING)
    for h in project.logger.handlers:
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler):
            h.setLevel(logging.INFO if verbose else logging.ERROR)
    quiet_tracebacks(project.logger)      # SC's backtraces stay in job.log and the node logs


def _run(project, to: list[str], clean: bool) -> None:  # noqa: ANN001
    project.option.add_to(to, clobber=True)
    project.option.set_clean(clean)
    jd = Path(project.option.get_builddir()) / project.design.name / \
        project.option.get_jobname()
    try:
        with stderr_to(jd / STDERR_LOG):  # node processes' tracebacks: a log, not the terminal
            project.run()
    except RuntimeError as exc:
        raise ToolError(f"SiliconCompiler run failed: {exc}",
                        hint=f"see the node logs under {jd} (job.log lists the failing step)"
                        ) from None


def build(loaded: LoadedDesign, opts: BuildOptions, notify: Notify | None = None) -> BuildResult:
    t0 = time.monotonic()
    say = notify or (lambda _m: None)
    staged = stage(loaded, opts)
    spec = staged.spec
    design_dir = spec.build_root / spec.design
    tools = detect_tools()
    inputs = fingerprint(spec, staged_dirs=[design_dir / "eqchip", pdk_cfg_dir()],
                         pdk_files=[f.path for f in spec.pdk.files()],
                         tools=[(t.key, t.path, t.version) for t in tools],
                         steps=[*opts.to, "--jobname", opts.jobname],
                         contents=[("mram technology", loaded.tech_sha256)])
    if not opts.clean:
        reused = _reuse(design_dir, inputs, loaded, tools, t0)
        if reused is not None:
            say("nothing changed since the last build: its results are current")
            return reused
    project = make_project(spec)
    set_scheduler(project, opts.scheduler, opts.scheduler_queue)
    _quiet_terminal(project, opts.verbose)
    steps = flow_steps(project.get_flow())
    requested = list(opts.to) if opts.to else _final_steps(project, steps)
    for s in requested:
        if s not in steps:
            raise EqchipError(f"--to {s}: no such step in {FLOW_NAME}",
                              hint="use one of: " + ", ".join(steps))
    needed = _steps_needed(project, requested, steps)
    can = runnable_steps(steps, _preds(project), tools)
    blocked = [s for s in needed if s not in can]
    missing = missing_for(blocked, tools)
    # what runs: the requested steps, or (when tools are missing) the deepest reachable ones.
    # One SC run: the floorplan is sized by a node of the flow (floorplan.size), so every
    # tool path and version eqchip gives SC holds for every node of the run.
    run_to = _leaves(project, [s for s in needed if s in can])
    # from here on this build's outputs replace the last one's: a rebuild that fails or
    # writes no report must not leave the old metrics/report looking current
    clear_outputs(design_dir)
    if run_to:
        say(f"running to {', '.join(run_to)}")
        _run(project, run_to, opts.clean)
    ran = _steps_needed(project, run_to, steps)

    if blocked:
        status, reason = "partial", "missing_tools"
        groups = not_run_summary(blocked, ran)
        notice = (f"flow incomplete: ran {', '.join(ran) or 'nothing'}; "
                  f"{', '.join(groups)} not run: missing "
                  + ", ".join(sorted({t.name for t in missing})) + " (see `eqchip doctor`)")
    elif set(requested) != set(_final_steps(project, steps)):
        status, reason, notice = "partial", "requested", None
    else:
        status, reason, notice = "complete", None, None

    jd = job_dir(spec)
    from siliconcompiler import ASIC

    manifest = jd / f"{spec.design}.pkg.json"
    proj_done = ASIC.from_manifest(filepath=str(manifest)) if manifest.is_file() else project
    info = RunInfo(design=spec.design, top=spec.top, design_sha256=loaded.sha256, job_dir=jd,
                   flow=FLOW_NAME, steps=steps, requested=requested, status=status,
                   stop_reason=reason, notice=notice,
                   missing_tools=sorted({t.name for t in missing}),
                   clock_period_ns=spec.clock_period_ns, corner=spec.corner,
                   pdk_root=spec.pdk.root, yosys_kind=staged.yosys_kind,
                   slow_clock_period_ns=spec.slow_clock_period_ns)
    metrics = collect_metrics(proj_done, info, staged.macro)
    metrics["wall_time_s"] = round(time.monotonic() - t0, 3)
    state = build_state(proj_done, design=spec.design, design_path=loaded.path.resolve(),
                        design_sha256=loaded.sha256, top=spec.top, corner=spec.corner,
                        sc_corner=DESIGN_CORNER_TO_SC[spec.corner], pdk_root=spec.pdk.root,
                        job=spec.jobname, job_dir=jd, flow=FLOW_NAME, steps=steps,
                        sdc=spec.sdc, rtl=spec.rtl_files, macro=staged.macro,
                        render_manifest=_existing(design_dir / "eqchip" / "rtl" / RENDER_MANIFEST),
                        technology=_existing(loaded.tech_path))
    state = state.model_copy(update={"inputs_sha256": inputs,
                                     "technology_sha256": loaded.tech_sha256,
                                     "manifest_stamp": manifest_stamp(manifest)})
    # SC may return as if the run were fine when it was not (an interrupt it swallowed, a node
    # process that was killed): only what SC recorded as finished counts, and a run with a
    # node of its own that did not finish writes neither state nor metrics
    unfinished = unfinished_nodes(state, ran)
    if unfinished:
        raise ToolError("SiliconCompiler's run did not finish: " + ", ".join(
            f"{step} is {status or 'not run'}" for step, status in unfinished),
            hint=f"see the node logs under {jd}; rerun to resume (finished steps are kept)")
    # the state first, metrics.json last: a build whose metrics.json exists is complete
    state.write(design_dir)
    mpath = design_dir / METRICS_FILE
    write_json_atomic(mpath, Metrics.model_validate(metrics).doc())
    return BuildResult(design=spec.design, status=status, stop_reason=reason, notice=notice,
                       metrics_path=mpath, metrics=metrics, job_dir=jd, steps_run=ran,
                       missing=missing, wall_s=time.monotonic() - t0, state=state)


def _existing(path: Path) -> Path | None:
    return path.resolve() if path.is_file() else None


def _reuse(design_dir: Path, inputs: str, loaded: LoadedDesign, tools: list[Tool],
           t0: float) -> BuildResult | None:
    """The previous build of `design_dir` when its recorded inputs equal `inputs` and its job
    manifest is as that build left it (None: run SC)."""
    try:
        state = read_state(design_dir)
        metrics = read_metrics(design_dir).doc()
    except EqchipError:
        return None
    if state.inputs_sha256 != inputs or state.manifest is None or \
            state.manifest_stamp != manifest_stamp(state.manifest) or \
            metrics.get("design_sha256") != loaded.sha256:
        return None
    # a node SC left started but not finished (a build interrupted before this check existed
    # wrote its records anyway) is never current
    if unfinished_nodes(state, [n.step for n in state.nodes if n.status not in UNRUN]):
        return None
    flow = metrics.get("flow") or {}
    return BuildResult(design=state.design, status=metrics["status"],
                       stop_reason=metrics.get("stop_reason"), notice=metrics.get("notice"),
                       metrics_path=design_dir / METRICS_FILE, metrics=metrics,
                       job_dir=state.job_dir, steps_run=list(flow.get("completed") or []),
                       missing=[t for t in tools if t.name in (flow.get("missing_tools") or [])],
                       wall_s=time.monotonic() - t0, state=state)


#: SC node statuses of a finished node (NodeStatus.is_success)
FINISHED = ("success", "skipped")
#: SC node statuses of a node this job did not start
UNRUN = (None, "pending")


def unfinished_nodes(state: BuildState, steps: list[str]) -> list[tuple[str, str | None]]:
    """(step, status) of every node of `steps` that SC did not record as finished."""
    want = set(steps)
    return [(n.step, n.status) for n in state.nodes
            if n.step in want and n.status not in FINISHED]


#: what a build (and the report after it) writes beside the SC jobs, in build/<design>/
OUTPUT_FILES = (METRICS_FILE, STATE_FILE, "report.json", "report.md", "report.html")


def clear_outputs(design_dir: Path) -> None:
    """Delete the previous build's metrics.json and report.json/md/html of `design_dir`."""
    for name in OUTPUT_FILES:
        (design_dir / name).unlink(missing_ok=True)


def _preds(project) -> dict[str, set[str]]:  # noqa: ANN001
    return step_predecessors(project.get_flow())


def _steps_needed(project, targets: list[str], steps: list[str]) -> list[str]:  # noqa: ANN001
    """Targets and all their ancestors, in execution order."""
    preds = _preds(project)
    need: set[str] = set()
    todo = list(targets)
    while todo:
        s = todo.pop()
        if s in need:
            continue
        need.add(s)
        todo.extend(preds.get(s, ()))
    return [s for s in steps if s in need]


def _final_steps(project, steps: list[str]) -> list[str]:  # noqa: ANN001
    """Steps no other step takes as input (the ends of the flow)."""
    preds = _preds(project)
    used = {p for s in steps for p in preds.get(s, ())}
    return [s for s in steps if s not in used]


def _leaves(project, pool: list[str]) -> list[str]:  # noqa: ANN001
    """Steps of `pool` that no other step of `pool` takes as input."""
    preds = _preds(project)
    used = {p for s in pool for p in preds.get(s, ())}
    return [s for s in pool if s not in used]
