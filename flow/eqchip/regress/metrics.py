"""Read a build's metrics and report JSON and flatten them into dotted metric names.

Any JSON shape works: nested objects become dotted names (`area.stdcell_um2`), list items get
their index (`corners.0.wns_ns`), or their `id` when every item has one
(`cross_checks.setup_slack.ok`), booleans become 0/1, numbers stay numbers, and a reported
figure `{"value": v, "unit": ..., "source": ...}` becomes just `v` under its own name. String
leaves under `tools` or whose name mentions a version (`tools.yosys`, `pdk_version`, ...) are
kept apart as version information; other strings and nulls are ignored. This keeps
regressions independent of the exact schema of `metrics.json` (docs/metrics.md) and
`report.json`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eqchip.errors import EqchipError

METRICS_FILE = "metrics.json"
REPORT_FILE = "report.json"
_VERSION_WORDS = ("version", "commit", "revision")


@dataclass(frozen=True)
class Flattened:
    """Numeric metrics and version strings found in one or more JSON documents."""

    metrics: dict[str, float] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)


def flatten(obj: Any, prefix: str = "") -> Flattened:
    """Flatten a JSON value into dotted names (see the module docstring), under `prefix`."""
    metrics: dict[str, float] = {}
    versions: dict[str, str] = {}
    _walk(obj, prefix, metrics, versions)
    return Flattened(metrics=dict(sorted(metrics.items())), versions=dict(sorted(versions.items())))


def _walk(obj: Any, name: str, metrics: dict[str, float], versions: dict[str, str]) -> None:
    if _is_figure(obj):                 # {"value": 1.5, "unit": "pJ", "source": ...} -> value
        _walk(obj["value"], name, metrics, versions)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _walk(value, f"{name}.{key}" if name else str(key), metrics, versions)
    elif isinstance(obj, list):
        # a list of records with ids (e.g. the report's cross_checks) is keyed by id, so that
        # adding a record does not rename the others; other lists by position
        keyed = all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in obj)
        for i, value in enumerate(obj):
            key = value["id"] if keyed else str(i)
            _walk(value, f"{name}.{key}" if name else key, metrics, versions)
    elif isinstance(obj, bool):
        metrics[name] = float(obj)
    elif isinstance(obj, int | float):
        try:
            value = float(obj)
        except OverflowError:           # an integer beyond a float's range: like inf, dropped
            return
        if math.isfinite(value):
            metrics[name] = value
    elif isinstance(obj, str) and _is_version(name):
        versions[name] = obj


def _is_figure(obj: Any) -> bool:
    return isinstance(obj, dict) and "value" in obj and isinstance(obj.get("unit"), str) \
        and isinstance(obj["value"], int | float) and not isinstance(obj["value"], bool)


def _is_version(name: str) -> bool:
    low = name.lower()
    return f".{low}".count(".tools.") > 0 or any(w in low for w in _VERSION_WORDS)


def read_json(path: Path) -> Any:
    """A JSON file eqchip wrote (metrics, report, baseline), or EqchipError naming it: not
    readable, not UTF-8, not JSON. (NaN/Infinity parse; `flatten` drops them, baselines refuse
    them.)"""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EqchipError(f"{path}: cannot read: {exc.strerror}",
                          hint="run `eqchip build` for this design first") from None
    except UnicodeDecodeError as exc:
        raise EqchipError(f"{path}: not UTF-8 text (byte {exc.start}); the file is damaged",
                          hint="restore it (e.g. `git checkout` a baseline) or regenerate it")\
            from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EqchipError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}",
                          hint="restore or regenerate the file; it is damaged") from None
    except ValueError as exc:           # an integer of more than 4300 digits
        what = "a number has more than 4300 digits" if "digits" in str(exc) else str(exc)
        raise EqchipError(f"{path}: not usable JSON: {what}",
                          hint="restore or regenerate the file; it is damaged") from None
    except RecursionError:
        raise EqchipError(f"{path}: not valid JSON: nested too deeply",
                          hint="restore or regenerate the file; it is damaged") from None


REPORT_PREFIX = "report"


def collect_build(build_dir: Path, design_sha256: str | None = None
                  ) -> tuple[Flattened, list[str]]:
    """Metrics of one build directory: metrics.json (required) and, when present, report.json
    under the prefix `report.` (its numbers have their own definitions, e.g. the report's
    `area.total_um2` counts macros by liberty area, so the two files are never mixed).

    design_sha256: the design's sha256; metrics.json of another version of the design (a stale
    build, e.g. with --no-build after editing the YAML) is an EqchipError.
    Returns the flattened metrics and a list of warnings (a report older than the metrics).
    """
    build_dir = Path(build_dir)
    metrics_path = build_dir / METRICS_FILE
    if not metrics_path.is_file():
        raise EqchipError(f"{metrics_path}: no metrics file",
                          hint="run `eqchip build` for this design (or drop --no-build)")
    doc = read_json(metrics_path)
    if not isinstance(doc, dict):
        shape = "null" if doc is None else f"a {type(doc).__name__}"
        raise EqchipError(f"{metrics_path}: is JSON {shape}, not the object `eqchip build` "
                          "writes; the file is damaged",
                          hint="rebuild the design with `eqchip build` (or drop --no-build)")
    if design_sha256 is not None:
        from eqchip.asic.state import check_current

        check_current(metrics_path, doc.get("design_sha256"), build_dir.name, design_sha256)
    flat = flatten(doc)
    warnings: list[str] = []
    report_path = build_dir / REPORT_FILE
    if report_path.is_file():
        if report_path.stat().st_mtime < metrics_path.stat().st_mtime:
            warnings.append(f"{report_path} is older than {metrics_path}; its numbers may "
                            "describe an earlier build (run `eqchip report`)")
        rep = flatten(read_json(report_path), REPORT_PREFIX)
        flat = Flattened(dict(sorted({**flat.metrics, **rep.metrics}.items())),
                         dict(sorted({**flat.versions, **rep.versions}.items())))
    return flat, warnings
