"""Find what a report is made from inside a build directory.

`eqchip build` (SiliconCompiler) leaves `<build_dir>/metrics.json`, the synthesized netlist
(`.../synthesis/<index>/outputs/<top>.vg`), the SDC and the MRAM macro views; `eqchip sim
--vcd` leaves a VCD of one training step. Every path can also be given explicitly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eqchip.errors import EqchipError


@dataclass(frozen=True)
class BuildFiles:
    build_dir: Path
    metrics: Path | None
    netlist: Path | None
    sdc: Path | None
    macro_libs: tuple[Path, ...]
    vcd: Path | None
    layout: Path | None


def _newest(paths: list[Path]) -> Path | None:
    files = [p for p in paths if p.is_file()]
    return max(files, key=lambda p: p.stat().st_mtime) if files else None


def find_netlist(build_dir: Path, top: str) -> Path | None:
    cands = [p for p in build_dir.rglob(f"{top}.vg")]
    syn = [p for p in cands if "synthesis" in p.parts and "outputs" in p.parts]
    return _newest(syn) or _newest(cands) or _newest(
        [p for p in build_dir.rglob("*.vg") if "synthesis" in p.parts])


def find_sdc(build_dir: Path, top: str) -> Path | None:
    own = [p for p in build_dir.rglob("*.sdc") if "eqchip" in p.parts]
    return _newest(own) or _newest([p for p in build_dir.rglob(f"{top}*.sdc")])


def find_macro_libs(build_dir: Path, macro: str, corner: str) -> tuple[Path, ...]:
    libs = sorted(build_dir.rglob(f"{macro}__{corner}_*.lib")) or \
        sorted(build_dir.rglob(f"{macro}*.lib"))
    return tuple(libs[:1])


REPORT_WORK = "report_work"


def find_vcd(build_dir: Path) -> Path | None:
    """Newest *.vcd under build_dir, leaving out the report's own gate-level dumps."""
    return _newest([p for p in build_dir.rglob("*.vcd") if REPORT_WORK not in p.parts])


def read_metrics(path: Path | None) -> dict:
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EqchipError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}",
                          hint="rerun `eqchip build`; the metrics file is damaged") from None
    return data if isinstance(data, dict) else {}


def dig(data: dict, *keys: str) -> object:
    """data[k1][k2]... or None; also accepts a flat dotted key."""
    cur: object = data
    for k in keys:
        if isinstance(cur, dict) and k in cur:
            cur = cur[k]
        else:
            flat = data.get(".".join(keys)) if isinstance(data, dict) else None
            return flat
    return cur


def design_path_from_metrics(metrics: dict) -> Path | None:
    for keys in (("design", "path"), ("design", "file"), ("design_path",), ("design", "yaml"),
                 ("design_file",)):
        v = dig(metrics, *keys)
        if isinstance(v, str) and v:
            return Path(v)
    return None
