"""`eqchip render DESIGN -o DIR [--lint]`: render the accelerator's SystemVerilog."""

from __future__ import annotations

from pathlib import Path

import click

from eqchip.errors import EqchipError
from eqchip.ui import Console


@click.command("render")
@click.argument("design")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Output folder (default: build/<design>/render).")
@click.option("--lint", is_flag=True,
              help="Lint the result with slang and verilator -Wall (any diagnostic fails).")
@click.pass_obj
def command(console: Console, design: str, out_dir: Path | None, lint: bool) -> None:
    """Render the RTL of DESIGN (a YAML file or a shipped design name) into a folder:
    rtl/*.sv, filelist.f, manifest.json."""
    from eqchip.config import load_design
    from eqchip.render import render_design

    loaded = load_design(design)
    out = out_dir or Path("build") / loaded.name / "render"
    res = render_design(loaded, out)
    a = loaded.arch
    console.kv(f"eqchip render {loaded.name}", [
        ("top module", res.top),
        ("network", "-".join(map(str, a.layers))),
        ("RTL files", f"{len(res.rtl_files)} ({sum(p.stat().st_size for p in res.rtl_files)} "
                      "bytes)"),
        ("MRAM macros", f"{a.total_macros} x {a.macro_module}"),
        ("file list", str(res.filelist)),
        ("manifest", str(res.manifest)),
    ])
    console.ok(f"rendered {loaded.name} into {out}")
    if not lint:
        return
    from eqchip.render.lint import lint_all

    failed = 0
    for rep in lint_all(res):
        if rep.clean:
            console.ok(f"{rep.tool} ({rep.version}): {rep.files} files, no warnings")
            continue
        failed += 1
        for d in rep.diagnostics:
            console.error(str(d))
        console.error(f"{rep.tool}: {rep.errors} error(s), {rep.warnings} warning(s)")
    if failed:
        raise EqchipError(f"lint of {loaded.name} failed ({failed} tool(s) reported problems)",
                          "fix templates/rtl/ (the rendered RTL must lint without warnings)")
