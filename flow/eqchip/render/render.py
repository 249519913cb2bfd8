"""`render_design`: design -> SystemVerilog files, a file list and a manifest, all written
atomically and byte-identical for the same input (no timestamps, fixed order)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from eqchip import __version__
from eqchip.config.loader import LoadedDesign
from eqchip.errors import EqchipError, OutputError
from eqchip.fileio import sha256_bytes, write_bytes_atomic
from eqchip.macros.spec import macro_for
from eqchip.macros.verilog import blackbox_verilog
from eqchip.render.context import build_context
from eqchip.render.env import make_env

RTL_DIR = "rtl"
MACRO_DIR = "macros"
FILELIST = "filelist.f"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class RenderResult:
    out_dir: Path
    top: str
    macro_module: str
    rtl_files: tuple[Path, ...]      # in compile order (leaves first, top last)
    macro_blackbox: Path             # black box of the MRAM macro (for lint and synthesis)
    filelist: Path
    manifest: Path


def _units(ctx: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(template, module name, extra context) in compile order."""
    name = ctx["name"]
    units = [("mram_bank.sv.j2", f"{name}_mram_bank{m['index']}", {"m": m})
             for m in ctx["matrices"]]
    blocks = ("counter", "mul", "mac", "nupd", "tracc", "wupd", "regfile", "ctrl", "top")
    if ctx["L"] == 1:                                # no hidden layer: no transposed sums
        blocks = tuple(b for b in blocks if b != "tracc")
    if ctx["STOCH"]:                                 # the PRNG of stochastic rounding
        blocks = ("prng", *blocks)
    if ctx["MTJ"]:                                   # stochastic-switching cells (behavioural)
        blocks = ("mram_sw", *blocks)
    units += [(f"{t}.sv.j2", f"{name}_{t}", {}) for t in blocks]
    return units


def render_sources(loaded: LoadedDesign) -> dict[str, str]:
    """Relative path -> text of every rendered RTL file, in compile order."""
    ctx = build_context(loaded)
    env = make_env()
    out: dict[str, str] = {}
    for template, module, extra in _units(ctx):
        try:
            text = env.get_template(f"rtl/{template}").render(**ctx, **extra)
        except jinja2.TemplateError as exc:
            raise EqchipError(f"templates/rtl/{template}: cannot render {module}: {exc}",
                              "the template and eqchip.render.context disagree; this is a bug "
                              "in eqchip, please report it") from None
        out[f"{RTL_DIR}/{module}.sv"] = text
    return out


def render_design(loaded: LoadedDesign, out_dir: Path) -> RenderResult:
    out_dir = Path(out_dir)
    arch = loaded.arch
    sources = render_sources(loaded)
    bb_rel = f"{MACRO_DIR}/{arch.macro_module}.v"   # file named after its module
    files: dict[str, bytes] = {rel: text.encode("utf-8") for rel, text in sources.items()}
    files[bb_rel] = blackbox_verilog(macro_for(arch, loaded.tech)).encode("utf-8")
    # manifest.json marks a complete render: drop the old one before rewriting any file and
    # write the new one last, so an interrupted re-render leaves no marker
    marker = out_dir / MANIFEST
    if marker.is_file() or marker.is_symlink():
        try:
            marker.unlink()
        except OSError as exc:
            raise OutputError(f"cannot remove {marker}: {exc.strerror or exc}",
                              hint="check that the render folder is writable") from None
    for rel, data in files.items():
        write_bytes_atomic(out_dir / rel, data)
    _remove_stale(out_dir, set(files))

    filelist = "".join(f"{rel}\n" for rel in sources)
    write_bytes_atomic(out_dir / FILELIST, filelist.encode("utf-8"))
    top = f"{arch.name}_top"
    manifest = {
        "eqchip_version": __version__,
        "design": arch.name,
        "design_sha256": loaded.sha256,
        "top": top,
        "macro_module": arch.macro_module,
        "macro_blackbox": bb_rel,
        "filelist": FILELIST,
        "files": [{"path": rel, "sha256": sha256_bytes(data)} for rel, data in files.items()],
        "arch": _arch_summary(loaded),
    }
    write_bytes_atomic(out_dir / MANIFEST,
                       (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return RenderResult(
        out_dir=out_dir, top=top, macro_module=arch.macro_module,
        rtl_files=tuple(out_dir / rel for rel in sources), macro_blackbox=out_dir / bb_rel,
        filelist=out_dir / FILELIST, manifest=out_dir / MANIFEST)


def _remove_stale(out_dir: Path, keep: set[str]) -> None:
    """Drop RTL / black-box files a previous render left in the same folder (another design or
    an older version), so the folder holds exactly what the manifest lists."""
    for sub, pattern in ((RTL_DIR, "*.sv"), (MACRO_DIR, "*.v")):
        for p in sorted((out_dir / sub).glob(pattern)):
            if f"{sub}/{p.name}" not in keep:
                p.unlink()


def _arch_summary(loaded: LoadedDesign) -> dict[str, Any]:
    """Derived numbers listed in the manifest (docs/architecture.md, "Notation")."""
    a = loaded.arch
    return {
        "layers": list(a.layers),
        "state_bits": a.state_bits, "weight_bits": a.weight_bits, "weight_frac": a.weight_frac,
        "bias_bits": a.bias_bits, "acc_bits": a.acc_bits, "beta_shift": a.beta_shift,
        "t1": a.t1, "t2": a.t2, "symmetric": a.symmetric, "mac_units": a.mac_units,
        "word_bits": a.word_bits, "weights_per_word": a.weights_per_word,
        "subcycles_per_word": a.subcycles_per_word, "words_per_macro": a.words_per_macro,
        "matrices": [{"index": m.index, "rows": m.rows, "cols": m.cols,
                      "words_per_row": m.words_per_row, "words": m.words, "macros": m.macros,
                      "w_update_shift": m.w_update_shift, "b_update_shift": m.b_update_shift}
                     for m in a.matrices],
        "total_macros": a.total_macros,
    }
