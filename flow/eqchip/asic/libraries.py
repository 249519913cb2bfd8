"""SiliconCompiler library objects: sky130_fd_sc_hd from open_pdks, and the MRAM macros.

The standard-cell library is lambdapdk's `Sky130_SCHDLibrary` (cell lists, dont-use list,
yosys and OpenROAD parameters) with every file re-pointed at the open_pdks install and at
pdk_cfg/sky130. An MRAM macro becomes a library of its own with timing (liberty), physical
(LEF, GDS), black-box Verilog and power-connection filesets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from siliconcompiler.tools.klayout import KLayoutLibrary
from siliconcompiler.tools.openroad import OpenROADStdCellLibrary
from siliconcompiler.tools.yosys import YosysStdCellLibrary

from eqchip.asic.pdk import (
    CFG_DATAROOT,
    LIBERTY,
    PDK_DATAROOT,
    Sky130Paths,
    make_pdk,
    sky130_cfg_dir,
)

SC_CORNERS = ("slow", "typical", "fast")


def make_stdcell_library(paths: Sky130Paths):  # noqa: ANN201 - lambdapdk library subclass
    """sky130_fd_sc_hd ('sky130hd') with files from `paths` and pdk_cfg/sky130."""
    from lambdapdk.sky130.libs.sky130sc import Sky130_SCHDLibrary

    lib = Sky130_SCHDLibrary()
    lib.add_asic_pdk(make_pdk(paths))      # replaces lambdapdk's own (downloading) PDK
    lib.set_dataroot("lambdapdk", str(sky130_cfg_dir()), clobber=True)
    lib.set_dataroot(PDK_DATAROOT, str(paths.variant), clobber=True)
    lib.set_dataroot(CFG_DATAROOT, str(sky130_cfg_dir()), clobber=True)

    with lib.active_dataroot(PDK_DATAROOT):
        for corner in SC_CORNERS:
            fileset = f"models.timing.{corner}.nldm"
            if paths.liberty(corner).is_file():
                lib.add_file(paths.rel(paths.liberty(corner)), fileset=fileset,
                             filetype="liberty", clobber=True)
            else:
                lib.unset("fileset", fileset, "file", "liberty")
                lib.unset("asic", "libcornerfileset", corner, "nldm")
        lib.add_file(paths.rel(paths.cell_lef), fileset="models.physical", filetype="lef",
                     clobber=True)
        if paths.gds.is_file():
            lib.add_file(paths.rel(paths.gds), fileset="models.physical", filetype="gds",
                         clobber=True)
        else:
            lib.unset("fileset", "models.physical", "file", "gds")
        if paths.cdl.is_file():
            lib.add_file(paths.rel(paths.cdl), fileset="models.lvs", filetype="cdl",
                         clobber=True)
        else:
            lib.unset("fileset", "models.lvs", "file", "cdl")
        verilog = paths.libref / "verilog" / "sky130_fd_sc_hd.v"
        primitives = paths.libref / "verilog" / "primitives.v"
        if verilog.is_file() and primitives.is_file():
            lib.add_file([paths.rel(verilog), paths.rel(primitives)], fileset="models.sim",
                         filetype="verilog", clobber=True)
        else:
            lib.unset("fileset", "models.sim", "file", "verilog")

    with lib.active_dataroot(CFG_DATAROOT):
        lib.set_yosys_tristatebuffer_map("yosys/cells_tristatebuf.v")
        lib.set_yosys_adder_map("yosys/cells_adders.v")
        lib.add_yosys_tech_map("yosys/cells_latch.v", clobber=True)
        # sync-reset enable flip-flops -> enable flip-flops, so `clockgate` can gate them
        lib.add_yosys_tech_map("yosys/cells_srst_enable.v")
        lib.add_file("openroad/pdngen.tcl", fileset="openroad.powergrid", filetype="tcl",
                     clobber=True)
        lib.add_file("openroad/global_connect.tcl", fileset="openroad.globalconnect",
                     filetype="tcl", clobber=True)
        lib.set_openroad_tapcells_file("openroad/tapcell.tcl")
    return lib


class MramMacroLibrary(YosysStdCellLibrary, OpenROADStdCellLibrary, KLayoutLibrary):
    """One MRAM macro (e.g. eqchip_mram_stt_sky130_16x32) as an SC library."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        if name:
            self.set_name(name)


@dataclass(frozen=True)
class MacroFiles:
    """Files of one generated MRAM macro (from eqchip.macros) as the build uses them."""

    name: str
    directory: Path                 # every file below lives in this folder
    blackbox_v: Path
    liberty: dict[str, Path]        # SC corner (slow/typical/fast) -> liberty
    lef: Path
    gds: Path | None
    width_um: float
    height_um: float
    power_tcl: Path       # OpenROAD pdngen macro grid
    connect_tcl: Path     # OpenROAD global connections of VPWR/VGND

    @property
    def typical_liberty(self) -> Path:
        return self.liberty.get("typical") or next(iter(self.liberty.values()))


def make_macro_library(views: MacroFiles, pdk) -> MramMacroLibrary:  # noqa: ANN001
    """SC library for a macro: liberty per corner, LEF/GDS for APR, black-box Verilog for
    yosys, OpenROAD power-grid and global-connect scripts for its VPWR/VGND pins."""
    lib = MramMacroLibrary(views.name)
    lib.add_asic_pdk(pdk)
    root = views.directory
    lib.set_dataroot("eqchip-macro", str(root.resolve()), clobber=True)
    with lib.active_dataroot("eqchip-macro"):
        for corner, liberty in sorted(views.liberty.items()):
            with lib.active_fileset(f"models.timing.{corner}.nldm"):
                lib.add_file(_rel(liberty, root), filetype="liberty")
                lib.add_asic_libcornerfileset(corner, "nldm")
        with lib.active_fileset("models.physical"):
            lib.add_file(_rel(views.lef, root), filetype="lef")
            if views.gds is not None and views.gds.is_file():
                lib.add_file(_rel(views.gds, root), filetype="gds")
            lib.add_asic_aprfileset()
        with lib.active_fileset("models.blackbox"):
            lib.add_file(_rel(views.blackbox_v, root), filetype="verilog")
        lib.add_yosys_blackbox_fileset("models.blackbox")
        with lib.active_fileset("openroad.powergrid"):
            lib.add_file(_rel(views.power_tcl, root), filetype="tcl")
            lib.add_openroad_powergridfileset()
        with lib.active_fileset("openroad.globalconnect"):
            lib.add_file(_rel(views.connect_tcl, root), filetype="tcl")
            lib.add_openroad_globalconnectfileset()
    return lib


def _rel(path: Path, root: Path) -> str:
    return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()


__all__ = ["LIBERTY", "MacroFiles", "MramMacroLibrary", "make_macro_library",
           "make_stdcell_library"]
