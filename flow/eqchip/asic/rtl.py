"""The design's RTL for a build: rendered by eqchip.render into a staging folder and copied into
build/<design>/eqchip/rtl only when changed (so a rerun resumes). The MRAM macro stays a black
box (its views come from the macro library); a rendered macro model is left out."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eqchip.asic.staging import sync_tree
from eqchip.config import LoadedDesign
from eqchip.errors import ToolError
from eqchip.render import render_design


@dataclass(frozen=True)
class RtlSources:
    top: str
    files: tuple[Path, ...]


def prepare_rtl(loaded: LoadedDesign, dest: Path) -> RtlSources:
    """Render the design (eqchip.render) and mirror the output into `dest`."""
    with tempfile.TemporaryDirectory(prefix="eqchip-rtl-") as tmp:
        result = render_design(loaded, Path(tmp))
        sync_tree(Path(tmp), dest)
        root = Path(tmp).resolve()
        files = [dest / (Path(f) if Path(f).is_absolute() else root / f).resolve()
                 .relative_to(root) for f in result.rtl_files]
    files = [f for f in files
             if f.suffix in (".sv", ".v") and not _defines_module(f, loaded.arch.macro_module)]
    if not files:
        raise ToolError(f"the RTL renderer wrote no SystemVerilog into {dest}",
                        hint="run `eqchip render` on the design and check its output")
    return RtlSources(top=result.top, files=tuple(f.resolve() for f in files))


def _defines_module(path: Path, module: str) -> bool:
    """True for a (simulation) model of the MRAM macro: synthesis keeps the macro a black box."""
    text = path.read_text(encoding="utf-8", errors="replace")
    body = re.search(rf"^\s*module\s+{re.escape(module)}\b", text, re.M)
    return body is not None and "(* blackbox *)" not in text
