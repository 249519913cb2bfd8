"""The sky130 PDK as installed by open_pdks (ciel / volare) under PDK_ROOT, as SiliconCompiler
PDK objects.

lambdapdk ships only Python; its data normally downloads at run time. eqchip reuses lambdapdk's
sky130 settings (routing layers, RC tables, pin layers, derating) and points every file at the
open_pdks layout instead:

    $PDK_ROOT/sky130A/libs.ref/sky130_fd_sc_hd/{lib,lef,techlef,gds,cdl}
    $PDK_ROOT/sky130A/libs.tech/{klayout,magic}

Files open_pdks does not carry (yosys techmaps, OpenROAD power-grid, tap-cell and global-connect
scripts) come from this repository's pdk_cfg/sky130/. No PDK file is ever copied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from eqchip.errors import PdkError
from eqchip.resources import pdk_cfg_dir, pdk_root_from_env

VARIANT = "sky130A"
STDCELL_LIB = "sky130_fd_sc_hd"
PDK_DATAROOT = "eqchip-sky130-pdk"      # SC dataroot name for $PDK_ROOT/sky130A
CFG_DATAROOT = "eqchip-sky130-cfg"      # SC dataroot name for pdk_cfg/sky130

#: liberty file per SC corner name ('slow'/'typical'/'fast') and design corner ('ss'/'tt'/'ff')
LIBERTY = {
    "slow": f"{STDCELL_LIB}__ss_n40C_1v40.lib",
    "typical": f"{STDCELL_LIB}__tt_025C_1v80.lib",
    "fast": f"{STDCELL_LIB}__ff_100C_1v95.lib",
}
#: design corner (Design.pdk.corner, also the prefix of the MRAM technology's corner names)
#: -> SC corner; the one table of this mapping (eqchip.asic.macro_views inverts it)
DESIGN_CORNER_TO_SC = {"ss": "slow", "tt": "typical", "ff": "fast"}

INSTALL_HINT = (
    "run `bash scripts/setup_pdk.sh` (installs it with ciel into ~/.ciel, where eqchip looks "
    "when PDK_ROOT is unset), or point PDK_ROOT at an existing install: `export "
    f"PDK_ROOT=<directory>` (it must contain {VARIANT}/libs.ref/{STDCELL_LIB}); in CI "
    "PDK_ROOT=../shared/pdk")


@dataclass(frozen=True)
class PdkFile:
    """One file eqchip needs from the PDK: what it is, where it should be, whether it is."""

    what: str
    path: Path
    required: bool

    @property
    def found(self) -> bool:
        return self.path.is_file()


@dataclass(frozen=True)
class Sky130Paths:
    """Where each sky130 view is in an open_pdks install rooted at `root` (= PDK_ROOT)."""

    root: Path

    @property
    def variant(self) -> Path:
        return self.root / VARIANT

    @property
    def libref(self) -> Path:
        return self.variant / "libs.ref" / STDCELL_LIB

    @property
    def libtech(self) -> Path:
        return self.variant / "libs.tech"

    def liberty(self, sc_corner: str) -> Path:
        return self.libref / "lib" / LIBERTY[sc_corner]

    @property
    def cell_lef(self) -> Path:
        return self.libref / "lef" / f"{STDCELL_LIB}.lef"

    @property
    def tech_lef(self) -> Path:
        return self.libref / "techlef" / f"{STDCELL_LIB}__nom.tlef"

    @property
    def gds(self) -> Path:
        return self.libref / "gds" / f"{STDCELL_LIB}.gds"

    @property
    def cdl(self) -> Path:
        return self.libref / "cdl" / f"{STDCELL_LIB}.cdl"

    @property
    def magic_tech(self) -> Path:
        return self.libtech / "magic" / f"{VARIANT}.tech"

    @property
    def klayout_lyt(self) -> Path:
        return self.libtech / "klayout" / "tech" / f"{VARIANT}.lyt"

    @property
    def klayout_lyp(self) -> Path:
        return self.libtech / "klayout" / "tech" / f"{VARIANT}.lyp"

    @property
    def netgen_setup(self) -> Path:
        return self.libtech / "netgen" / f"{VARIANT}_setup.tcl"

    def rel(self, path: Path) -> str:
        """Path relative to the SC dataroot (the variant folder)."""
        return path.relative_to(self.variant).as_posix()

    def files(self) -> list[PdkFile]:
        return [
            PdkFile("typical liberty (tt_025C_1v80)", self.liberty("typical"), True),
            PdkFile("slow liberty (ss_n40C_1v40)", self.liberty("slow"), False),
            PdkFile("fast liberty (ff_100C_1v95)", self.liberty("fast"), False),
            PdkFile("cell LEF", self.cell_lef, True),
            PdkFile("technology LEF", self.tech_lef, True),
            PdkFile("cell GDS", self.gds, False),
            PdkFile("cell CDL netlist", self.cdl, False),
            PdkFile("magic tech file", self.magic_tech, False),
            PdkFile("klayout technology", self.klayout_lyt, False),
            PdkFile("klayout layer properties", self.klayout_lyp, False),
            PdkFile("netgen LVS setup", self.netgen_setup, False),
        ]


def require_pdk_root(env: Mapping[str, str] | None = None) -> Path:
    """PDK_ROOT from the environment (eqchip.resources.pdk_root_from_env), or PdkError saying
    how to set it."""
    root = pdk_root_from_env(env)
    if root is None:
        raise PdkError("PDK_ROOT is not set and ciel's default root ~/.ciel has no sky130 "
                       "PDK: eqchip needs the sky130 PDK "
                       f"(looked for $PDK_ROOT/{VARIANT}/libs.ref/{STDCELL_LIB})",
                       hint=INSTALL_HINT)
    return root


def check_pdk(root: Path | None = None, corner: str = "typical") -> Sky130Paths:
    """Validate an open_pdks sky130 install; PdkError names every missing file."""
    root = require_pdk_root() if root is None else Path(root)
    paths = Sky130Paths(root.resolve())
    if not paths.libref.is_dir():
        raise PdkError(f"PDK_ROOT={root} has no sky130 standard cells: {paths.libref} is not a "
                       "directory", hint=INSTALL_HINT)
    needed = [f for f in paths.files() if f.required]
    needed.append(PdkFile(f"{corner} liberty", paths.liberty(corner), True))
    missing = [f for f in needed if not f.found]
    if missing:
        lines = "\n".join(f"  {f.what}: {f.path}" for f in missing)
        raise PdkError(f"the sky130 PDK under PDK_ROOT={root} is incomplete; missing:\n{lines}",
                       hint=INSTALL_HINT)
    return paths


def sky130_cfg_dir() -> Path:
    """This repository's sky130 additions (techmaps, OpenROAD scripts)."""
    return pdk_cfg_dir() / "sky130"


#: share of each routing layer's tracks global routing keeps free (OpenROAD's
#: set_global_routing_layer_adjustment), where eqchip departs from lambdapdk's sky130 (met1 and
#: met2 0.40). Measured on route_tiny's placed design (bench/bench_route.py, docs/flow.md): the
#: detailed router's first pass left 1,532 violations at 0.40 (764 met1 shorts), 891 at
#: met1 0.70 / met2 0.50, 653 at met1 0.90 / met2 0.50 (86 met1 shorts), but 0.90 / 0.50 left
#: small's global routing 144 overflows short (68 % of all tracks used): met1 0.70, met2 as
#: lambdapdk's.
GLOBAL_ROUTING_DERATING: dict[str, float] = {"met1": 0.7}


def make_pdk(paths: Sky130Paths):  # noqa: ANN201 - returns a lambdapdk Sky130PDK subclass
    """lambdapdk's Sky130PDK with every file taken from the open_pdks install."""
    from lambdapdk.sky130 import Sky130PDK

    pdk = Sky130PDK()
    # Anything still pointing at lambdapdk's data resolves locally, never over the network.
    pdk.set_dataroot("lambdapdk", str(sky130_cfg_dir()), clobber=True)
    pdk.set_dataroot(PDK_DATAROOT, str(paths.variant), clobber=True)
    with pdk.active_dataroot(PDK_DATAROOT):
        pdk.add_file(paths.rel(paths.tech_lef), fileset="views.lef", filetype="lef",
                     clobber=True)
        _set_or_drop(pdk, paths, "magic.drc", "tech", paths.magic_tech,
                     ("pdk", "drc", "runsetfileset", "magic", "basic"))
        _set_or_drop(pdk, paths, "netgen.lvs", "tcl", paths.netgen_setup,
                     ("pdk", "lvs", "runsetfileset", "netgen", "basic"))
        if paths.klayout_lyt.is_file() and paths.klayout_lyp.is_file():
            pdk.add_file(paths.rel(paths.klayout_lyt), fileset="klayout.techmap",
                         filetype="layermap", clobber=True)
            pdk.add_file(paths.rel(paths.klayout_lyp), fileset="klayout.techmap",
                         filetype="display", clobber=True)
        else:
            _drop_fileset(pdk, "klayout.techmap", ("pdk", "displayfileset", "klayout"),
                          ("pdk", "layermapfileset", "klayout", "def", "klayout"))
    # less of met1 for global routes than lambdapdk's 40 %: sky130_fd_sc_hd's pins are reached
    # through met1, so routes there start the detailed router from hundreds of met1 shorts and
    # spacing violations (GLOBAL_ROUTING_DERATING); every other layer keeps lambdapdk's value
    derating = dict(pdk.get("tool", "openroad", "globalroutingderating"))
    pdk.set("tool", "openroad", "globalroutingderating",
            list({**derating, **GLOBAL_ROUTING_DERATING}.items()))
    # open_pdks has no OpenROAD metal-fill rules or OpenRCX decks in this layout: drop them
    # so SC's fill task skips and extraction falls back to the RC tables lambdapdk sets.
    _drop_fileset(pdk, "openroad.fill", ("pdk", "fill", "runsetfileset", "openroad", "beol"))
    for corner in ("minimum", "typical", "maximum"):
        _drop_fileset(pdk, f"openroad.pex.{corner}",
                      ("pdk", "pexmodelfileset", "openroad", corner))
    return pdk


def _set_or_drop(pdk, paths: Sky130Paths, fileset: str, filetype: str, path: Path,
                 use_key: tuple[str, ...]) -> None:  # noqa: ANN001
    if path.is_file():
        pdk.add_file(paths.rel(path), fileset=fileset, filetype=filetype, clobber=True)
    else:
        _drop_fileset(pdk, fileset, use_key)


def _drop_fileset(obj, fileset: str, *use_keys: tuple[str, ...]) -> None:  # noqa: ANN001
    for key in use_keys:
        if obj.valid(*key):
            obj.unset(*key)
    if obj.valid("fileset", fileset):
        for filetype in obj.getkeys("fileset", fileset, "file"):
            obj.unset("fileset", fileset, "file", filetype)
