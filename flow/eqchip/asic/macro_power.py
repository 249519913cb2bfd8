"""OpenROAD scripts that connect an MRAM macro's power pins (VPWR/VGND straps on met4) to the
core power grid: global connections to the VDD/VSS nets and a pdngen macro grid that ties the
met4 straps to the core's met5 straps."""

from __future__ import annotations


def global_connect_tcl(macro: str) -> str:
    return (
        f"# eqchip: power pins of {macro} (generated; do not edit)\n"
        "add_global_connection -net {VDD} -inst_pattern {.*} -pin_pattern {^VPWR$} -power\n"
        "add_global_connection -net {VSS} -inst_pattern {.*} -pin_pattern {^VGND$} -ground\n"
    )


def pdngen_tcl(macro: str, halo_um: float) -> str:
    h = f"{halo_um:g}"
    return (
        f"# eqchip: power grid of {macro} instances (generated; do not edit)\n"
        f"define_pdn_grid -macro -name {{eqchip_mram}} -voltage_domains {{CORE}} "
        f"-cells {{{macro}}} -halo {{{h} {h} {h} {h}}}\n"
        "add_pdn_connect -grid {eqchip_mram} -layers {met4 met5}\n"
    )
