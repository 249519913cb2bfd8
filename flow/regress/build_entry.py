"""The one place eqchip.regress calls into `eqchip build` and the report (so their APIs can move
freely): build a design like `eqchip build`, then make sure its report.json is current."""

from __future__ import annotations

from pathlib import Path

from eqchip.config import LoadedDesign


def build_unavailable() -> str | None:
    """Why `eqchip build` cannot be called from here, or None if it can."""
    try:
        from eqchip.asic.run import BuildOptions, build  # noqa: F401
    except ImportError as exc:
        return f"eqchip.asic.run.build is not importable ({exc})"
    return None


def run_build(design_yaml: str, build_root: str) -> str | None:
    """Build one design into `<build_root>/<design>` like `eqchip build` (steps whose inputs did
    not change are not rerun), leaving metrics.json there, then refresh report.json.

    Returns notices joined by newlines (e.g. the flow stopped early because a tool is missing
    on this machine, or the report could not be written), or None.
    """
    from eqchip.asic.run import BuildOptions, build
    from eqchip.config import load_design

    loaded = load_design(design_yaml)
    result = build(loaded, BuildOptions(build_root=Path(build_root)))
    notes = [n for n in (result.notice, refresh_report(result.metrics_path.parent, loaded)) if n]
    return "\n".join(notes) or None


def refresh_report(build_dir: Path, loaded: LoadedDesign) -> str | None:
    """Write report.json with `eqchip report`'s entry point unless the build already left one
    newer than metrics.json. A report failure is a notice, not a build failure: the metrics
    still regress."""
    metrics, report = build_dir / "metrics.json", build_dir / "report.json"
    if report.is_file() and report.stat().st_mtime >= metrics.stat().st_mtime:
        return None
    try:
        from eqchip.report.api import write_report
    except ImportError:
        return None
    try:
        write_report(build_dir, loaded)
    except Exception as exc:          # noqa: BLE001 - any report problem is only a notice
        return f"report: {type(exc).__name__}: {exc}"
    return None
