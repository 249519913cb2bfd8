"""sky130 from an open_pdks install as SiliconCompiler PDK and library objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from eqchip.asic.pdk import check_pdk, make_pdk, require_pdk_root
from eqchip.errors import PdkError
from eqchip.macros.techlef import TLEF_REL, read_tech_lef
from eqchip.resources import pdk_root_from_env


def test_missing_pdk_root_names_what_and_how() -> None:
    with pytest.raises(PdkError) as exc:
        require_pdk_root({})
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


@pytest.mark.parametrize("value", [None, "", "   "])
def test_pdk_root_unset_or_empty_is_none(value: str | None) -> None:
    env = {} if value is None else {"PDK_ROOT": value}
    assert pdk_root_from_env(env) is None


def test_pdk_root_is_stripped_and_user_expanded(tmp_path: Path) -> None:
    assert pdk_root_from_env({"PDK_ROOT": f"  {tmp_path}\n"}) == tmp_path
    expanded = pdk_root_from_env({"PDK_ROOT": "~/pdks"})
    assert expanded == Path.home() / "pdks"


def test_doctor_reads_pdk_root_by_the_same_rule(tmp_path: Path) -> None:
    from eqchip.asic.doctor import diagnose

    assert diagnose({"PDK_ROOT": "  "}).pdk_root is None
    assert diagnose({"PDK_ROOT": f" {tmp_path} "}).pdk_root == tmp_path


def test_tech_lef_site_without_size_is_a_pdk_error(pdk_root: Path, tmp_path: Path) -> None:
    text = (pdk_root / TLEF_REL).read_text()
    broken = tmp_path / "broken.tlef"
    start = text.index("SITE unithd\n")
    end = text.index("END unithd", start)
    site = text[start:end]
    size_line = next(line for line in site.splitlines() if "SIZE" in line)
    broken.write_text(text[:start] + site.replace(size_line, "") + text[end:])
    assert read_tech_lef(pdk_root / TLEF_REL).site_height > 0     # the original reads
    with pytest.raises(PdkError) as exc:
        read_tech_lef(broken)
    assert str(broken) in str(exc.value) and "SIZE" in str(exc.value)
    assert "unithd" in str(exc.value)
