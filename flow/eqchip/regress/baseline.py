"""Committed baselines: designs/baselines/<design>.json, diff-friendly (sorted, one per line).

    {
      "design": "small",
      "metrics": {
        "area.stdcell_um2": 1234.5,
        ...
      },
      "versions": {"tools.siliconcompiler": "0.38.11", ...}
    }

Updates are explicit: `update()` keeps every value that did not change (so its line is
byte-identical), rewrites only changed values, adds new metrics, drops vanished ones, and
returns a unified diff for review.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from eqchip.errors import EqchipError
from eqchip.fileio import write_text_atomic
from eqchip.regress.compare import same
from eqchip.regress.metrics import read_json


@dataclass(frozen=True)
class Baseline:
    design: str
    metrics: dict[str, float]
    versions: dict[str, str]

    def to_text(self) -> str:
        doc = {"design": self.design, "metrics": self.metrics, "versions": self.versions}
        return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def baseline_path(baselines_dir: Path, design: str) -> Path:
    return Path(baselines_dir) / f"{design}.json"


def load_baseline(path: Path, design: str, allow_empty: bool = False) -> Baseline:
    """The committed baseline of `design`; one without any metric is an error (it would pass
    every run) unless `allow_empty` (it is being rewritten)."""
    path = Path(path)
    if not path.is_file():
        raise EqchipError(f"{path}: no baseline for design {design!r}",
                          hint=f"create it with `eqchip regress {design} --update-baseline`, "
                               "review the file and commit it")
    doc = read_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("metrics"), dict):
        raise EqchipError(f"{path}: a baseline must be a JSON object with a `metrics` object",
                          hint=f"regenerate it with `eqchip regress {design} --update-baseline`")
    if not doc["metrics"] and not allow_empty:
        raise EqchipError(f"{path}: metrics: is empty; a baseline without metrics compares "
                          "nothing, so every run would pass",
                          hint=f"regenerate it with `eqchip regress {design} --update-baseline`"
                               ", review the diff and commit it")
    metrics: dict[str, float] = {}
    for name, value in doc["metrics"].items():
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not _finite(value):
            raise EqchipError(f"{path}: metrics.{name}: must be a finite number (got {value!r})",
                              hint="fix the value or regenerate the baseline")
        metrics[name] = float(value) if isinstance(value, float) else value
    versions = doc.get("versions", {})
    if not isinstance(versions, dict) or not all(isinstance(v, str) for v in versions.values()):
        raise EqchipError(f"{path}: versions: must be an object of strings",
                          hint="fix the value or regenerate the baseline")
    if doc.get("design", design) != design:
        raise EqchipError(f"{path}: design: is {doc.get('design')!r}, expected {design!r}",
                          hint="the file name must match the design name")
    return Baseline(design=design, metrics=metrics, versions=dict(versions))


def _finite(value: float) -> bool:
    """A finite number a float holds (an integer beyond 1.8e308 overflows)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


@dataclass(frozen=True)
class Update:
    path: Path
    changed: list[str]      # metric or version names whose value changed
    added: list[str]
    removed: list[str]
    diff: str               # unified diff, empty if nothing changed

    @property
    def empty(self) -> bool:
        return not (self.changed or self.added or self.removed)


def _merge_numbers(old: dict[str, float], new: dict[str, float]
                   ) -> tuple[dict[str, float], list[str], list[str], list[str]]:
    merged: dict[str, float] = {}
    changed, added = [], []
    for name, value in new.items():
        if name not in old:
            added.append(name)
            merged[name] = value
        elif same(old[name], value):
            merged[name] = old[name]
        else:
            changed.append(name)
            merged[name] = value
    removed = [n for n in old if n not in new]
    return dict(sorted(merged.items())), changed, added, removed


def update(path: Path, design: str, metrics: dict[str, float], versions: dict[str, str],
           write: bool = True) -> Update:
    """Bring the baseline at `path` to `metrics`/`versions`, touching only what changed."""
    path = Path(path)
    old = load_baseline(path, design, allow_empty=True) if path.is_file() else None
    old_text = path.read_text(encoding="utf-8") if path.is_file() else ""
    base_metrics = old.metrics if old else {}
    base_versions = old.versions if old else {}
    new_metrics, changed, added, removed = _merge_numbers(base_metrics, _intify(metrics))
    changed_v = [k for k in versions if k in base_versions and base_versions[k] != versions[k]]
    added_v = [k for k in versions if k not in base_versions]
    removed_v = [k for k in base_versions if k not in versions]
    new = Baseline(design=design, metrics=new_metrics, versions=dict(sorted(versions.items())))
    new_text = new.to_text()
    diff = "".join(difflib.unified_diff(
        old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=f"a/{path.name}", tofile=f"b/{path.name}"))
    if write and new_text != old_text:
        write_text_atomic(path, new_text)
    return Update(path=path, changed=sorted(changed + [f"versions.{k}" for k in changed_v]),
                  added=sorted(added + [f"versions.{k}" for k in added_v]),
                  removed=sorted(removed + [f"versions.{k}" for k in removed_v]), diff=diff)


def _intify(metrics: dict[str, float]) -> dict[str, float]:
    """Integral values are written as integers (`3`, not `3.0`): counts read naturally."""
    return {k: (int(v) if float(v).is_integer() and abs(v) < 2**53 else v)
            for k, v in metrics.items()}
