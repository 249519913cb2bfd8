"""One sweep point's result: a typed record in <out>/points/<id>/result.json, written
atomically and last, so a point without it (killed, interrupted) is simply not finished."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from eqchip.fileio import write_text_atomic

RESULT_FILE = "result.json"

#: table columns with the metrics of a point (the parameters come before them)
METRICS = ("accuracy", "energy_per_inference_pj", "energy_per_training_sample_pj",
           "energy_per_mac_pj", "area_um2", "fmax_mhz")


class PointResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    params: dict[str, Any]
    status: Literal["ok", "failed", "invalid"]
    design_sha256: str | None = None
    accuracy: float | None = None                  # final bit-exact test accuracy
    energy_per_inference_pj: float | None = None
    energy_per_training_sample_pj: float | None = None
    energy_per_mac_pj: float | None = None         # per synaptic op of an inference
    area_um2: float | None = None                  # std cells + MRAM macros
    fmax_mhz: float | None = None                  # post-synthesis, register to register
    build_status: str | None = None                # complete | partial (missing tools)
    build_notice: str | None = None
    error: str | None = None
    log: str | None = None                         # the point's log, relative to the sweep
    seconds: float = 0.0
    scheduler: str = "local"


def result_path(point_dir: Path) -> Path:
    return Path(point_dir) / RESULT_FILE


def write_result(point_dir: Path, result: PointResult) -> None:
    write_text_atomic(result_path(point_dir), result.model_dump_json(indent=2) + "\n")


def read_result(point_dir: Path) -> PointResult | None:
    """The point's result, or None when it has none (or an unreadable one: run it again)."""
    path = result_path(point_dir)
    try:
        return PointResult.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None
