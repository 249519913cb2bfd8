"""The sweep's results table (one row per point), its Pareto front and best point, written as
results.csv, results.json and best.yaml."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from eqchip.fileio import write_text_atomic
from eqchip.sweep.pareto import front
from eqchip.sweep.record import METRICS, PointResult
from eqchip.sweep.spec import OBJECTIVES


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: PointResult
    on_front: bool = False


class SweepTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sweep: str
    base: str
    objectives: list[tuple[str, str]]
    params: list[str]                 # parameter columns, in axis order
    rows: list[Row]
    front: list[str]                  # point ids
    best: str | None                  # point id

    @property
    def ok(self) -> list[PointResult]:
        return [r.result for r in self.rows if r.result.status == "ok"]


def make_table(sweep: str, base: str, records: list[PointResult]) -> SweepTable:
    params: list[str] = []
    for r in records:
        params += [k for k in r.params if k not in params]
    ok = [r for r in records if r.status == "ok"]
    objs = [(k, s) for k, s in OBJECTIVES]
    on = {ok[i].id for i in front([r.model_dump() for r in ok], objs)}
    best = None
    if on:
        best = min((r for r in ok if r.id in on),
                   key=lambda r: (-r.accuracy, r.energy_per_inference_pj, r.area_um2)).id
    rows = [Row(result=r, on_front=r.id in on) for r in records]
    return SweepTable(sweep=sweep, base=base, objectives=objs, params=params, rows=rows,
                      front=[r.id for r in records if r.id in on], best=best)


def columns(table: SweepTable) -> list[str]:
    return ["id", "name", "status", *table.params, *METRICS, "on_front", "build_status",
            "seconds", "scheduler", "error", "log"]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def csv_text(table: SweepTable) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = columns(table)
    w.writerow(cols)
    for row in table.rows:
        r = row.result
        values = {**r.model_dump(), "on_front": row.on_front}
        w.writerow([_cell(r.params.get(c)) if c in table.params else _cell(values.get(c))
                    for c in cols])
    return buf.getvalue()


def write_table(table: SweepTable, out_dir: Path) -> dict[str, Path]:
    """results.csv, results.json and (when a point finished) best.yaml in `out_dir`."""
    out_dir = Path(out_dir)
    files = {"csv": out_dir / "results.csv", "json": out_dir / "results.json"}
    write_text_atomic(files["csv"], csv_text(table))
    write_text_atomic(files["json"], table.model_dump_json(indent=2) + "\n")
    best = out_dir / "best.yaml"
    if table.best is not None:
        src = out_dir / "points" / table.best / "design.yaml"
        write_text_atomic(best, src.read_text(encoding="utf-8"))
        files["best"] = best
    else:
        best.unlink(missing_ok=True)
    return files


def read_table(path: Path) -> SweepTable:
    return SweepTable.model_validate_json(Path(path).read_text(encoding="utf-8"))
