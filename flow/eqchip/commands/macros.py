"""`eqchip macros DESIGN -o DIR`: write the MRAM macro views a design instantiates."""

from __future__ import annotations

from pathlib import Path

import click

from eqchip.errors import EqchipError
from eqchip.ui import Console


@click.command("macros")
@click.argument("design")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Output folder (default: build/<design>/macros).")
@click.option("--pdk-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="open_pdks root with sky130A (default: $PDK_ROOT).")
@click.option("--gds/--no-gds", default=True, show_default=True,
              help="Also write an abstract GDS (needs the klayout module).")
@click.option("--check", is_flag=True,
              help="Parse every view back with Yosys, OpenSTA and KLayout and check them.")
@click.pass_obj
def command(console: Console, design: str, out_dir: Path | None, pdk_root: Path | None,
            gds: bool, check: bool) -> None:
    """Write the MRAM macro views (Verilog, Liberty, LEF, GDS) for DESIGN."""
    from eqchip.config import load_design
    from eqchip.macros import generate_macro_views, macro_for

    loaded = load_design(design)
    spec = macro_for(loaded.arch, loaded.tech)
    out = out_dir or Path("build") / loaded.name / "macros"
    views = generate_macro_views(spec, out, pdk_root=pdk_root, gds=gds)
    tt = spec.tech.typical_corner.name
    from eqchip.macros.electrical import electrical

    el = electrical(spec, spec.tech.typical_corner)
    m = el.model
    n_macros = sum(mat.macros for mat in loaded.arch.matrices)
    console.kv(f"MRAM macro {spec.name}", [
        ("organisation", f"{spec.words} words x {spec.bits} bits ({spec.capacity_bits} bits): "
                         f"{m.org.rows} rows x {m.org.cols} columns, column mux {m.org.mux}"),
        ("instances in design", n_macros),
        ("size", f"{views.width_um:.2f} x {views.height_um:.2f} um "
                 f"({views.area_um2:.0f} um^2; model {spec.area_um2:.0f} um^2)"),
        (f"read / write energy ({tt}, {m.vdd:g} V)",
         f"{el.read_energy_pj:.3f} / {el.write_energy_pj:.3f} pJ per access"),
        ("clock-to-DOUT / write / min period",
         f"{el.read_ns:.2f} / {el.write_ns:.2f} / {el.min_period_ns:.2f} ns"),
        ("standby leakage", f"{el.leakage_uw:.3f} uW"),
        ("views", str(views.dir)),
    ])
    for title, parts, total, unit, fmt in (
            (f"read energy per access ({tt})", m.read_parts, el.read_energy_pj, "pJ", ".4f"),
            (f"write energy per access ({tt}, {m.write_attempts:.4g} expected attempts)",
             m.write_parts, el.write_energy_pj, "pJ", ".4f"),
            (f"leakage ({tt})", m.leakage_parts, el.leakage_uw, "uW", ".5f"),
            ("area", spec.area_parts_um2, spec.area_um2, "um^2", ".1f"),
            (f"clock-to-DOUT ({tt})", m.read_delay_parts, el.read_ns, "ns", ".3f")):
        rows = [(k, f"{v:{fmt}}", f"{100.0 * v / total:.1f} %" if total else "-")
                for k, v in parts.items()]
        rows.append(("total", f"{total:{fmt}}", "100.0 %"))
        console.table(title, ["part", unit, "share"], rows)
    if check:
        from eqchip.macros.checks import check_macro_views

        failed = []
        for r in check_macro_views(views, pdk_root):
            if r.ok:
                console.ok(f"{r.name}")
            else:
                failed.append(r.name)
                for p in r.problems:
                    console.error(f"{r.name}: {p}")
        if failed:
            raise EqchipError(f"macro checks failed: {', '.join(failed)}",
                              hint="this is a generator bug or a bad technology file; "
                                   "see the messages above")
    console.ok(f"wrote {spec.name} views to {views.dir}")
