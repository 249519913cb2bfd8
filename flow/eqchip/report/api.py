"""`write_report`: the one entry point (`eqchip report` and the end of `eqchip build`).

A pure reading of the build's typed records: build_state.json (`BuildState`: the design, the
job, where each view is) and metrics.json (`Metrics`), plus the files the state names (the
synthesis.power node's activity_power.json, the GDS for a picture). No process is started and
no view is regenerated: what the report states was measured by the build's SC nodes.
"""

from __future__ import annotations

import json
from pathlib import Path

from eqchip.asic.state import (
    METRICS_FILE,
    STATE_FILE,
    BuildState,
    check_current,
    read_metrics,
    read_state,
)
from eqchip.config import LoadedDesign, load_design
from eqchip.errors import EqchipError
from eqchip.report.analysis import Analysis, compose
from eqchip.report.render import ReportPaths, write_outputs
from eqchip.report.stale import check_technology


def _load(design: LoadedDesign | Path | str | None, state: BuildState | None,
          build_dir: Path) -> LoadedDesign:
    if isinstance(design, LoadedDesign):
        return design
    if design is not None:
        return load_design(design)
    if state is not None:
        return load_design(state.design_path)
    raise EqchipError(f"cannot tell which design {build_dir} was built from (no {STATE_FILE})",
                      hint="pass the design: eqchip report BUILD_DIR --design "
                           "designs/<name>.yaml")


def _built_sha(path: Path) -> str | None:
    """design_sha256 of metrics.json (None: unreadable or not JSON, which `read_metrics` then
    names); a JSON document that is not an object, or is nested too deeply to read, is
    damaged, not a stale build."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    except RecursionError:
        raise EqchipError(f"{path}: the metrics are not valid JSON (nested too deeply); the "
                          "file is damaged", hint="rebuild with `eqchip build`") from None
    if not isinstance(doc, dict):
        shape = "null" if doc is None else f"a {type(doc).__name__}"
        raise EqchipError(f"{path}: the metrics are JSON {shape}, not the object `eqchip "
                          "build` writes; the file is damaged",
                          hint="rebuild with `eqchip build`")
    return doc.get("design_sha256")


def _activity(state: BuildState | None) -> dict | None:
    path = state.views.activity if state is not None else None
    if path is None:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise EqchipError(f"{path}: cannot read the build's activity and power ({why})",
                          hint="rebuild with `eqchip build --clean`") from None


def write_report(build_dir: Path, design: LoadedDesign | Path | str | None = None, *,
                 out_dir: Path | None = None, without_build: bool = False,
                 layout_picture: bool = True, compare_with: str | None = None) -> ReportPaths:
    """report.json, report.md and report.html of an `eqchip build` output folder.

    design: default the one build_state.json names. out_dir: default build_dir.
    without_build: accept a folder with no build (MRAM-only figures from the design); default:
    an EqchipError. Records of another version of the design (sha256) are always an error."""
    return write_report_analysis(build_dir, design, out_dir=out_dir,
                                 without_build=without_build,
                                 layout_picture=layout_picture, compare_with=compare_with)[0]


def analyse_build(build_dir: Path, design: LoadedDesign | Path | str | None = None, *,
                  without_build: bool = False
                  ) -> tuple[LoadedDesign, dict, Analysis, BuildState | None]:
    """Read a build's records and compose its analysis: (design, metrics.json, analysis,
    build state or None without a build)."""
    build_dir = Path(build_dir)
    if not build_dir.is_dir():
        raise EqchipError(f"build directory {build_dir} does not exist",
                          hint="run `eqchip build <design>` first, or pass its output folder")
    has_build = (build_dir / METRICS_FILE).is_file()
    if not has_build and not without_build:
        raise EqchipError(f"{build_dir / METRICS_FILE}: no such file; {build_dir} is not an "
                          "`eqchip build` output",
                          hint="run `eqchip build <design> --build-dir <folder>` first, or "
                               "pass the build's output folder")
    if has_build and design is not None:      # a stale build is named as such, first
        loaded = _load(design, None, build_dir)
        check_current(build_dir / METRICS_FILE, _built_sha(build_dir / METRICS_FILE),
                      loaded.path, loaded.sha256)
    state = read_state(build_dir) if has_build else None
    loaded = _load(design, state, build_dir)
    metrics: dict = {}
    if has_build:
        metrics = read_metrics(build_dir).doc()
        check_current(build_dir / METRICS_FILE, metrics.get("design_sha256"), loaded.path,
                      loaded.sha256)
        check_current(build_dir / STATE_FILE, state.design_sha256, loaded.path, loaded.sha256)
        check_technology(build_dir / STATE_FILE, state, loaded)
    ap = _activity(state)
    v = state.views if state is not None else None
    sources = {"build_dir": str(build_dir),
               "metrics_json": str(build_dir / METRICS_FILE) if has_build else None,
               "build_state": str(build_dir / STATE_FILE) if has_build else None,
               "netlist": str(v.netlist) if v and v.netlist else None,
               "sdc": str(v.sdc) if v and v.sdc else None,
               "vcd": str(v.vcd) if v and v.vcd else None,
               "activity_power": str(v.activity) if v and v.activity else None,
               "layout": str(v.gds) if v and v.gds else None}
    an = compose(loaded, metrics, ap, sources, liberty=(ap or {}).get("liberty"))
    return loaded, metrics, an, state


def _comparison(build_dir: Path, loaded: LoadedDesign, metrics: dict, an: Analysis,
                reference: str) -> dict:
    """The comparison section against `<build root>/<reference>` (notes when it is absent)."""
    from eqchip.report.compare import comparison_section, side

    this, notes = side("this design", build_dir, loaded, metrics, an)
    ref_dir = build_dir.parent / reference
    if not (ref_dir / METRICS_FILE).is_file():
        notes.append(f"reference build {ref_dir} is absent (no {METRICS_FILE}): run `eqchip "
                     f"build designs/{reference}.yaml --build-dir {build_dir.parent}` to compare")
        return comparison_section(this, None, notes)
    try:
        r_loaded, r_metrics, r_an, _ = analyse_build(ref_dir)
    except EqchipError as exc:
        notes.append(f"reference build {ref_dir} cannot be read: {exc}")
        return comparison_section(this, None, notes)
    ref, r_notes = side(f"reference {reference}", ref_dir, r_loaded, r_metrics, r_an)
    return comparison_section(this, ref, notes + r_notes)


def write_report_analysis(build_dir: Path, design: LoadedDesign | Path | str | None = None, *,
                          out_dir: Path | None = None, without_build: bool = False,
                          layout_picture: bool = True, compare_with: str | None = None
                          ) -> tuple[ReportPaths, Analysis]:
    """`write_report`, also returning the analysis (energy model, document).

    compare_with: name of a reference build folder in the same build root (default: the
    design's `report.compare_with`); the report then carries a per-synapse comparison."""
    build_dir = Path(build_dir)
    loaded, metrics, an, state = analyse_build(build_dir, design, without_build=without_build)
    reference = compare_with or loaded.design.report.compare_with
    if reference:
        an.data["comparison"] = _comparison(build_dir, loaded, metrics, an, reference)
    _chip_sections(an.data, build_dir, loaded, metrics, state)
    v = state.views if state is not None else None
    png = None
    if layout_picture and v is not None and v.gds is not None:
        from eqchip.report.layout_image import render_layout

        try:
            png = render_layout(v.gds)
        except Exception as exc:  # noqa: BLE001 - a broken layout must not lose the report
            an.data["notes"].append(f"layout {v.gds} could not be rendered: {exc}")
    plan_png = None
    if an.data.get("floorplan"):
        from eqchip.report.floorplan_image import floorplan_png

        plan_png = floorplan_png(an.data["floorplan"], loaded.name)
    out = Path(out_dir) if out_dir is not None else build_dir
    return write_outputs(an.data, out, png, plan_png), an


def _chip_sections(data: dict, build_dir: Path, loaded: LoadedDesign, metrics: dict,
                   state: BuildState | None) -> None:
    """The sections a researcher looks for beside the energy: die, core and the planned
    floorplan; the critical paths; leakage at the fast corner; the bit-exact accuracy of the
    latest training run; the published chips (eqchip.report.chip, compare, published)."""
    from eqchip.report.chip import critical_paths, fast_leakage, floorplan_section
    from eqchip.report.compare import accuracy_section
    from eqchip.report.published import published_section

    data["floorplan"] = floorplan_section(metrics)
    data["critical_paths"] = critical_paths(state, metrics, loaded.arch.clock_period_ns)
    data["fast_corner_leakage"] = fast_leakage(state)
    data["accuracy"] = accuracy_section(build_dir, loaded, data)
    data["published"] = published_section(loaded, data)
