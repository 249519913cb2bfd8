"""`eqchip doctor`: which tools, PDK files and flow steps this machine has, and how to install
what is missing."""

from __future__ import annotations

import os

import click

from eqchip.ui import Console


@click.command("doctor")
@click.pass_obj
def command(console: Console) -> None:
    """Check tools (with versions), the sky130 PDK under PDK_ROOT (default: ciel's ~/.ciel)
    and which flow steps of `eqchip build` can run here; print how to install what is missing.

    Exit code 0: everything runs; 5: the build runs but stops early or its report is
    vectorless only; 3: a tool the build needs is missing; 4: no usable PDK."""
    from eqchip.asic.doctor import diagnose

    r = diagnose()
    console.table("tools", ["tool", "status", "version", "needed for", "install"],
                  [(t.name, "found" if t.found else "MISSING", t.version or "-", t.needed_for,
                    "-" if t.found else "see below") for t in r.tools])
    console.table("python packages", ["package", "version"],
                  [(k, v or "MISSING") for k, v in r.python_packages.items()])
    from eqchip.resources import pdk_root_from_env

    source = "PDK_ROOT" if os.environ.get("PDK_ROOT", "").strip() else \
        ("ciel's default root, PDK_ROOT unset" if pdk_root_from_env() else "PDK_ROOT unset")
    console.table(f"sky130 PDK ({r.pdk_root or '-'}: {source})",
                  ["file", "status", "path"],
                  [(f.what, ("found" if f.found else
                             ("MISSING (required)" if f.required else "missing (optional)")),
                    str(f.path)) for f in r.pdk_files + r.cfg_files])
    console.table("flow steps (eqchip build)", ["step", "tool", "can run"],
                  [(s.step, s.tool, "yes" if s.runnable else "no") for s in r.steps])
    if r.pdk_error:
        console.warn(f"PDK: {r.pdk_error}")
    missing = [t for t in r.tools if not t.found]
    for t in missing:
        console.warn(f"{t.name} missing ({t.needed_for}): {t.install}")
    msg, error = r.verdict()
    if error is None:
        console.ok(msg)
        return
    if r.frontend_ok:
        console.ok("elaborate, synthesis and post-synthesis timing/power can run here")
    raise error
