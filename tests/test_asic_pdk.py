"""sky130 from an open_pdks install as SiliconCompiler PDK and library objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from eqchip.asic.pdk import check_pdk, make_pdk, pdk_root_from_env
from eqchip.errors import PdkError


def test_missing_pdk_root_names_what_and_how() -> None:
    with pytest.raises(PdkError) as exc:
        pdk_root_from_env({})
    text = str(exc.value)
    assert "PDK_ROOT" in text and "sky130A/libs.ref/sky130_fd_sc_hd" in text
    assert "ciel" in text
    assert exc.value.exit_code == 4


def test_wrong_pdk_root_names_the_directory(tmp_path: Path) -> None:
    with pytest.raises(PdkError) as exc:
        check_pdk(tmp_path)
    assert str(tmp_path) in str(exc.value)


def test_incomplete_pdk_lists_missing_files(tmp_path: Path) -> None:
    ref = tmp_path / "sky130A" / "libs.ref" / "sky130_fd_sc_hd"
    (ref / "lib").mkdir(parents=True)
    with pytest.raises(PdkError) as exc:
        check_pdk(tmp_path)
    text = str(exc.value)
    assert "sky130_fd_sc_hd__tt_025C_1v80.lib" in text
    assert "sky130_fd_sc_hd__nom.tlef" in text


def test_library_files_come_from_pdk_root_and_pdk_cfg(pdk_root: Path) -> None:
    from eqchip.asic.libraries import make_stdcell_library

    paths = check_pdk(pdk_root)
    lib = make_stdcell_library(paths)
    tt = lib.find_files("fileset", "models.timing.typical.nldm", "file", "liberty")
    assert [Path(p) for p in tt] == [paths.liberty("typical")]
    lef = lib.find_files("fileset", "models.physical", "file", "lef")
    assert [Path(p) for p in lef] == [paths.cell_lef]
    # lambdapdk's settings are kept
    assert "sky130_fd_sc_hd__tapvpwrvgnd_1" in lib.get("asic", "cells", "tap")
    assert "sky130_fd_sc_hd__probe_p_8" in lib.get("asic", "cells", "dontuse")
    # eqchip's own techmaps and OpenROAD scripts resolve inside pdk_cfg/sky130
    for f in lib.find_files("tool", "yosys", "techmap") + \
            lib.find_files("fileset", "openroad.powergrid", "file", "tcl"):
        assert "pdk_cfg" in Path(f).parts and Path(f).is_file()
    pdk = make_pdk(paths)
    tlef = pdk.find_files("fileset", "views.lef", "file", "lef")
    assert [Path(p) for p in tlef] == [paths.tech_lef]
    # nothing may point at lambdapdk's download location
    assert not str(pdk.get("dataroot", "lambdapdk", "path")).startswith("http")
