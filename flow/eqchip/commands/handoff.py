"""`eqchip handoff`: package a build for the fab partner with a checksummed manifest."""

from __future__ import annotations

from pathlib import Path

import click

from eqchip.ui import Console


@click.command("handoff")
@click.argument("design")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The design's build folder (default: build/<design>).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Package folder (default: <build folder>/handoff). An existing "
              "folder is replaced only when it is an unchanged package eqchip wrote (it passes "
              "--verify); anything else, or a symbolic link, is refused and left alone.")
@click.option("--pre-layout", is_flag=True,
              help="Package a build that stopped before layout (RTL, netlist, constraints, "
                   "macro views); the manifest marks it as pre-layout.")
@click.option("--allow-violations", is_flag=True,
              help="Package a routed layout that fails a layout check (DRC, antenna, timing "
                   "at a corner, macros placed); its README and manifest.json say so.")
@click.option("--verify", "verify_only", is_flag=True,
              help="Only re-check an existing package: its files against SHA256SUMS and "
                   "manifest.json, and the manifest (kind, design_sha256, build status) "
                   "against the files it holds.")
@click.pass_obj
def command(console: Console, design: str, build_dir: Path | None, out_dir: Path | None,
            pre_layout: bool, allow_violations: bool, verify_only: bool) -> None:
    """Package the build of DESIGN (YAML file or shipped design name) for a fab partner."""
    from eqchip.config import load_design
    from eqchip.errors import EqchipError
    from eqchip.handoff.package import make_handoff, verify_handoff

    loaded = load_design(design)
    build_dir = build_dir or Path("build") / loaded.name
    out_dir = out_dir or build_dir / "handoff"
    if verify_only:
        problems = verify_handoff(out_dir)
        if problems:
            raise EqchipError(f"{out_dir}: package damaged: " + "; ".join(problems),
                              hint="recreate it with `eqchip handoff`")
        console.ok(f"{out_dir}: every file matches SHA256SUMS")
        return
    res = make_handoff(loaded, build_dir, out_dir, pre_layout=pre_layout,
                       allow_violations=allow_violations)
    roles: dict[str, int] = {}
    for f in res.files:
        roles[f["role"]] = roles.get(f["role"], 0) + 1
    console.table(f"handoff of {loaded.name} ({res.kind})", ["role", "files"],
                  sorted(roles.items()))
    if res.violations_allowed:
        console.warn(f"packaged with --allow-violations: {res.out_dir}/README.md lists the "
                     "failing layout checks")
    if res.kind == "pre-layout":
        console.warn("pre-layout package: no GDS; the partner must run place-and-route")
    console.ok(f"wrote {res.out_dir} (manifest.json, SHA256SUMS)")
