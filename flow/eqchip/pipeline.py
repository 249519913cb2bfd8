"""Build, then report: the one path `eqchip build` and `eqchip regress` both take.

The report is written after the flow, outside eqchip.asic, so that eqchip.asic never imports
eqchip.report (data flows one way: asic -> metrics.json -> report).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eqchip.errors import EqchipError

if TYPE_CHECKING:
    from eqchip.asic.run import BuildOptions, BuildResult
    from eqchip.config import LoadedDesign
    from eqchip.report import ReportPaths

@dataclass(frozen=True)
class BuildReport:
    build: BuildResult
    report: ReportPaths | None        # None: not requested or not due (see skipped)
    skipped: str | None = None        # why no report was written


def report_skip_reason(result: BuildResult) -> str | None:
    """Why the report cannot be written after this build (None: it can): it needs the
    post-synthesis timing and power of the synthesis.sta step."""
    from eqchip.asic.flow import STA_STEP  # imports SiliconCompiler: only once a build ran

    flow = result.metrics.get("flow") or {}
    if STA_STEP not in (flow.get("completed") or []) or not result.metrics.get("timing"):
        return f"no report: post-synthesis timing and power ({STA_STEP}) did not run"
    return None


def write_build_report(result: BuildResult, loaded: LoadedDesign) -> ReportPaths:
    """`eqchip report` of the build's folder. Any failure becomes an EqchipError that says the
    report (not the build) failed, keeping the exit code of an EqchipError."""
    from eqchip.report import write_report

    build_dir = result.metrics_path.parent
    hint = (f"metrics.json is written; run `eqchip report {build_dir}` to retry, or build with "
            "--no-report")
    try:
        return write_report(build_dir, loaded)
    except EqchipError as exc:
        msg = f"report of {build_dir} failed: {exc.message}"
        if exc.hint:
            hint = f"{exc.hint}; {hint}"
        try:
            err = type(exc)(msg, hint=hint)
        except TypeError:             # a subclass with its own constructor
            err = EqchipError(msg, hint=hint)
        err.exit_code = exc.exit_code
        raise err from exc
    except Exception as exc:          # noqa: BLE001 - any report crash is reported, not lost
        raise EqchipError(f"report of {build_dir} failed: {type(exc).__name__}: {exc}",
                          hint=hint) from exc


def report_after_build(result: BuildResult, loaded: LoadedDesign, *, report: bool = True,
                       notify: Callable[[str], None] | None = None) -> BuildReport:
    """The report decision after a build: write it when requested and post-synthesis timing
    and power ran, else say why not. Raises EqchipError when the report fails."""
    if not report:
        return BuildReport(result, None, "no report: --no-report")
    skipped = report_skip_reason(result)
    if skipped:
        return BuildReport(result, None, skipped)
    if notify:
        notify(f"writing the report of {result.metrics_path.parent}")
    return BuildReport(result, write_build_report(result, loaded))


def build_design(loaded: LoadedDesign, opts: BuildOptions, *, report: bool = True,
                 notify: Callable[[str], None] | None = None,
                 on_built: Callable[[BuildResult], None] | None = None) -> BuildReport:
    """The one entry point of a build (`eqchip build`, `eqchip regress`, sweeps): run the flow
    (build_state.json, metrics.json), then `report_after_build`. on_built: called with the
    flow's result before the report (e.g. to show its summary). Raises EqchipError when the
    report fails; a flow stopped for missing tools is `result.stop_reason == "missing_tools"`
    (not raised)."""
    from eqchip.asic.run import build

    result = build(loaded, opts, notify=notify)
    if on_built is not None:
        on_built(result)
    return report_after_build(result, loaded, report=report, notify=notify)
